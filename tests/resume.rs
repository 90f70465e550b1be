//! Interruption and resume as a user meets them: Ctrl-C (SIGINT), SIGTERM
//! and SIGKILL sent to a running `tradefin`, then `--resume`, which must
//! give the same bytes as an uninterrupted run; a resume of another run
//! refused; an output directory that cannot be written.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_same_tree, assert_success, files, tradefin};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting tradefin")
}

/// Cells finished so far in `out/cells`.
fn cells(out: &Path) -> usize {
    fs::read_dir(out.join("cells")).map_or(0, |entries| {
        entries
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".cell"))
            })
            .count()
    })
}

/// Waits until at least `n` cells are on disk (the process still running).
fn wait_for_cells(child: &mut Child, out: &Path, n: usize) {
    let started = Instant::now();
    while cells(out) < n {
        assert!(
            child.try_wait().unwrap().is_none(),
            "tradefin ended before {n} cells were written"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no cell after 120 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(status.success());
}

/// A run long enough to be interrupted after its first replications:
/// about a second on two cores.
const RUN: [&str; 7] = [
    "run",
    "baseline",
    "--firms",
    "3000",
    "--replications",
    "8",
    "--months=24",
];

fn with_out<'a>(args: &[&'a str], out: &'a str) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--out", out]);
    v
}

/// Ctrl-C keeps the finished replications, marks the run incomplete and
/// says how to resume; a resume of another seed is refused; `--resume`
/// then gives the bytes of an uninterrupted run.
#[test]
fn ctrl_c_then_resume_gives_the_uninterrupted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_success(&tradefin(d, &with_out(&RUN, "whole")));

    let mut child = spawn(d, &with_out(&RUN, "cut"));
    wait_for_cells(&mut child, &d.join("cut"), 1);
    let sent = Instant::now();
    signal(&child, "INT");
    let output = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(
        stderr.contains("replications are kept in cut/cells")
            && stderr.contains(
                "to resume: tradefin run baseline --firms 3000 --replications 8 --months=24 --out cut --resume"
            ),
        "{stderr}"
    );
    let summary = fs::read_to_string(d.join("cut/summary.json")).unwrap();
    assert!(summary.contains("\"complete\": false"), "{summary}");
    let manifest = fs::read_to_string(d.join("cut/cells/manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"), "{manifest}");
    assert!(!d.join("cut/timeseries.csv").exists());
    let kept = cells(&d.join("cut"));
    assert!((1..8).contains(&kept), "{kept} cells kept");

    // Another seed is another run: refused, and nothing is touched.
    let mut other = with_out(&RUN, "cut");
    other.extend(["--seed", "7", "--resume"]);
    let refused = tradefin(d, &other);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot resume") && stderr.contains("simulation.seed"),
        "{stderr}"
    );
    assert_eq!(cells(&d.join("cut")), kept);

    let mut resume = with_out(&RUN, "cut");
    resume.push("--resume");
    let resumed = tradefin(d, &resume);
    assert_success(&resumed);
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        stdout.contains(&format!("resumed: {kept} replications")),
        "{stdout}"
    );
    assert_same_tree(&d.join("whole"), &d.join("cut"));
}

/// SIGTERM stops a sweep with exit 143 and an incomplete manifest; the
/// resumed sweep equals the uninterrupted one.
#[test]
fn sigterm_then_resume_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("h.json"),
        r#"{"base": "baseline", "design": "grid", "parameters": {"banks.search_breadth": [1, 2, 3]}}"#,
    )
    .unwrap();
    let sweep = [
        "sweep",
        "h.json",
        "--replications",
        "4",
        "--firms",
        "2000",
        "--months",
        "24",
    ];
    assert_success(&tradefin(d, &with_out(&sweep, "whole")));
    let mut child = spawn(d, &with_out(&sweep, "cut"));
    wait_for_cells(&mut child, &d.join("cut"), 1);
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("point-replications are kept") && stderr.contains("--resume"),
        "{stderr}"
    );
    let manifest = fs::read_to_string(d.join("cut/cells/manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"), "{manifest}");
    assert!(!d.join("cut/sweep.csv").exists());
    let mut resume = with_out(&sweep, "cut");
    resume.push("--resume");
    assert_success(&tradefin(d, &resume));
    assert_same_tree(&d.join("whole"), &d.join("cut"));
}

/// Every file under a final name is whole: JSON parses, CSV rows have the
/// header's number of fields, cells end with a newline.
fn assert_no_partial_file(out: &Path) {
    for file in files(out) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            continue;
        }
        let text = fs::read_to_string(out.join(&file)).unwrap();
        match file.extension().and_then(|x| x.to_str()) {
            Some("json") => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            }
            Some("csv") => {
                let mut lines = text.lines();
                let fields = lines.next().unwrap().split(',').count();
                assert!(text.ends_with('\n'), "{}", file.display());
                for line in lines {
                    assert_eq!(line.split(',').count(), fields, "{}", file.display());
                }
            }
            Some("cell") | Some("md") | Some("svg") | Some("html") => {
                assert!(text.ends_with('\n') || text.ends_with('>'), "{}", file.display())
            }
            _ => {}
        }
    }
}

/// SIGKILL at a few moments leaves no partial file under a final name;
/// `--resume` removes the temporaries and gives the uninterrupted bytes.
#[test]
fn sigkill_at_any_moment_then_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_success(&tradefin(d, &with_out(&RUN, "whole")));
    for (k, cells_before_kill) in [0, 1, 5].into_iter().enumerate() {
        let out = format!("killed{k}");
        let mut child = spawn(d, &with_out(&RUN, &out));
        if cells_before_kill > 0 {
            wait_for_cells(&mut child, &d.join(&out), cells_before_kill);
        }
        signal(&child, "KILL");
        child.wait().unwrap();
        let out = d.join(&out);
        if !out.exists() {
            fs::create_dir_all(&out).unwrap();
        }
        assert_no_partial_file(&out);
        // What a kill in the middle of a write leaves.
        fs::create_dir_all(out.join("cells")).unwrap();
        fs::write(out.join(".timeseries.csv.tmp"), "replication,mon").unwrap();
        fs::write(out.join("cells/.s001-r00007.cell.tmp"), "tradefin-rep").unwrap();
        let mut resume = with_out(&RUN, out.to_str().unwrap());
        resume.push("--resume");
        assert_success(&tradefin(d, &resume));
        assert_same_tree(&d.join("whole"), &out);
    }
}

/// An output directory that cannot be written is a failure at run time
/// (exit 1) naming the path, for every command that writes results.
#[test]
fn unwritable_output_exits_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("file"), "not a directory").unwrap();
    let small = ["--firms", "200", "--months", "6", "--replications", "2"];
    for command in [
        vec!["run", "baseline"],
        vec!["compare", "baseline", "credit_guarantee"],
        vec!["sweep", "guarantee_coverage"],
    ] {
        for out in ["file/out", "/proc/tradefin-test/out"] {
            let mut args = command.clone();
            args.extend(small);
            args.extend(["--out", out]);
            let output = tradefin(d, &args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(stderr.contains(out.split('/').next_back().unwrap()), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
}

/// A full disk (a 48 kB tmpfs, where this test may mount one) stops the run
/// with exit 1 naming the file, and leaves no file under a final name.
#[test]
fn a_full_disk_exits_1_without_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=48k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("cannot mount a tmpfs here: the full-disk case is covered by output::tests");
        return;
    }
    let output = tradefin(
        &mount,
        &[
            "run",
            "baseline",
            "--firms",
            "200",
            "--months",
            "6",
            "--replications",
            "2",
            "--out",
            "r",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let listing = files(&mount.join("r"));
    assert_no_partial_file(&mount.join("r"));
    let _ = Command::new("umount").arg(&mount).status();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left on device") && stderr.contains("r/"),
        "{stderr}"
    );
    for file in listing {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !(name.starts_with('.') && name.ends_with(".tmp")),
            "{name} left behind"
        );
    }
}
