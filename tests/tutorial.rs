//! docs/TUTORIAL.md as a student follows it: every command of its ```sh
//! blocks runs, in order, in one directory, after the files it tells the
//! student to save; each must succeed, and every file under results/ it
//! tells the student to open must exist afterwards. This is also the
//! test of the showcase (`cargo run --release` with no arguments), the
//! slowest single command (about 30 s on 2 cores).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One step of the tutorial, in document order.
#[derive(Debug)]
enum Step {
    /// A ```json block marked `<!-- file: NAME -->`: save it as NAME.
    File { name: String, contents: String },
    /// A line of a ```sh block: the command as written, and the arguments
    /// to give the binary.
    Command { line: String, args: Vec<String> },
}

/// The steps of the tutorial: the commands of its ```sh blocks and the
/// files marked to be saved. Other blocks (```text, ```console, ```python)
/// are shown to the student, not run.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = markdown.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            previous = line;
            continue;
        };
        let info = info.trim();
        let mut block = Vec::new();
        for inner in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            block.push(inner);
        }
        let file = previous
            .trim()
            .strip_prefix("<!-- file:")
            .and_then(|rest| rest.strip_suffix("-->"))
            .map(|name| name.trim().to_string());
        match (info, file) {
            ("json", Some(name)) => steps.push(Step::File {
                name,
                contents: block.join("\n") + "\n",
            }),
            (_, Some(name)) => panic!("<!-- file: {name} --> must precede a ```json block"),
            ("sh", None) => {
                for command in block.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
                    steps.push(Step::Command {
                        line: command.to_string(),
                        args: arguments(command),
                    });
                }
            }
            _ => {}
        }
        previous = "";
    }
    steps
}

/// The arguments a command line of the tutorial gives the binary:
/// `cargo run --release`, `cargo run --release --` and `tradefin` all
/// stand for it. The line is split on whitespace, honouring single and
/// double quotes; anything a shell would do beyond that (pipes,
/// redirections, variables, comments) is refused, because the student's
/// shell and this test would disagree on it.
fn arguments(line: &str) -> Vec<String> {
    for forbidden in ['|', '>', '<', '$', '&', ';', '#', '`', '\\'] {
        assert!(
            !line.contains(forbidden),
            "a ```sh line of the tutorial uses `{forbidden}`, which the test cannot run as written: {line}"
        );
    }
    let words = split_words(line);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let rest = match words.as_slice() {
        ["cargo", "run", "--release", "--", rest @ ..] => rest,
        ["cargo", "run", "--release"] => &[],
        ["tradefin", rest @ ..] => rest,
        _ => {
            panic!("a ```sh line of the tutorial must start with `cargo run --release` or `tradefin`: {line}")
        }
    };
    rest.iter().map(|w| w.to_string()).collect()
}

/// Whitespace-separated words; a quoted part (single or double quotes)
/// keeps its spaces and loses its quotes, as in a shell.
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.get_or_insert_with(String::new).push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            None if c.is_whitespace() => words.extend(word.take()),
            None => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(quote.is_none(), "unbalanced quote in {line}");
    words.extend(word);
    words
}

/// Paths under results/ that the tutorial names (in prose or in a block),
/// without placeholders such as `results/<name>/`.
fn results_paths(markdown: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("results/") {
        let after = &rest[at..];
        let end = after
            .find(|c: char| c.is_whitespace() || "`'\"(),[]".contains(c))
            .unwrap_or(after.len());
        let path = after[..end].trim_end_matches(['.', ':']);
        let placeholder = path.contains(['<', '>', '*']) || path.contains("...");
        if !placeholder && !paths.iter().any(|p| p == path) {
            paths.push(path.to_string());
        }
        rest = &after[end.max(1)..];
    }
    paths
}

#[test]
fn split_words_honours_quotes() {
    assert_eq!(
        split_words(r#"tradefin run x --set 'banks.types=[{"name":"one"}]'  --out "a b""#),
        [
            "tradefin",
            "run",
            "x",
            "--set",
            r#"banks.types=[{"name":"one"}]"#,
            "--out",
            "a b"
        ]
    );
    assert_eq!(arguments("cargo run --release"), Vec::<String>::new());
    assert_eq!(arguments("cargo run --release -- scenarios"), ["scenarios"]);
    assert_eq!(arguments("tradefin check a.json"), ["check", "a.json"]);
}

/// The showcase's promises: its first line, the comparison, one
/// directory for the baseline and each of the ten policies, and the report
/// with its charts (their contents are checked by tests/report.rs).
fn check_showcase(dir: &Path, stdout: &str) {
    assert!(stdout.starts_with("10 scenarios against baseline"), "{stdout}");
    assert!(
        stdout.lines().last().unwrap().starts_with("throughput: "),
        "{stdout}"
    );
    let out = dir.join("results/showcase");
    assert!(out.join("comparison.csv").is_file());
    let runs = fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("summary.csv").is_file())
        .count();
    assert_eq!(runs, 11);
    assert!(out.join("policy_package/summary.csv").is_file());
    for file in ["report.html", "report.md"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // Five effect charts, approval by size, seven time series.
    assert_eq!(fs::read_dir(out.join("charts")).unwrap().count(), 13);
}

#[test]
fn every_command_of_the_tutorial_runs() {
    let markdown =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/TUTORIAL.md")).unwrap();
    let steps = steps(&markdown);
    let commands = steps.iter().filter(|s| matches!(s, Step::Command { .. })).count();
    let files = steps.iter().filter(|s| matches!(s, Step::File { .. })).count();
    // Guards against the extraction silently finding nothing, e.g. after a
    // change of fence style.
    assert!(commands >= 6, "only {commands} commands found: {steps:#?}");
    assert!(files >= 1, "no <!-- file: --> blocks found: {steps:#?}");

    let dir = tempfile::tempdir().unwrap();
    let mut showcase_ran = false;
    for step in &steps {
        match step {
            Step::File { name, contents } => fs::write(dir.path().join(name), contents).unwrap(),
            Step::Command { line, args } => {
                let started = Instant::now();
                let output = Command::new(env!("CARGO_BIN_EXE_tradefin"))
                    .args(args)
                    .current_dir(dir.path())
                    .output()
                    .expect("running tradefin");
                let stdout = String::from_utf8_lossy(&output.stdout);
                assert!(
                    output.status.success(),
                    "`{line}` exited with {}\n--- stdout\n{stdout}\n--- stderr\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                );
                eprintln!("{:6.1} s  {line}", started.elapsed().as_secs_f64());
                if args.is_empty() {
                    check_showcase(dir.path(), &stdout);
                    showcase_ran = true;
                }
            }
        }
    }
    assert!(showcase_ran, "the tutorial no longer runs the showcase");

    for path in results_paths(&markdown) {
        assert!(
            dir.path().join(&path).exists(),
            "the tutorial names {path}, which its commands did not write"
        );
    }
}
