//! Records the git commit, when there is one, so result files can name the
//! code that produced them.

use std::path::Path;
use std::process::Command;

fn main() {
    // Rebuild when HEAD moves; watch only files that exist, or cargo would
    // rerun this script on every build.
    for path in [".git/HEAD", ".git/packed-refs"] {
        if Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    if let Ok(head) = std::fs::read_to_string(".git/HEAD")
        && let Some(reference) = head.strip_prefix("ref: ")
    {
        let path = format!(".git/{}", reference.trim());
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(commit) = commit {
        println!("cargo:rustc-env=TRADEFIN_GIT_COMMIT={commit}");
    }
}
