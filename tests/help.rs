//! `tradefin --help` and every subcommand's help are complete: a
//! description, and examples that name the command.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tradefin"))
        .args(args)
        .output()
        .expect("the tradefin binary runs");
    assert!(output.status.success(), "{args:?}");
    String::from_utf8(output.stdout).unwrap()
}

const COMMANDS: [&str; 8] = [
    "merge",
    "run",
    "check",
    "scenarios",
    "calibrate",
    "compare",
    "schema",
    "sweep",
];

#[test]
fn every_command_has_help_with_examples() {
    let top = help(&["--help"]);
    assert!(top.contains("showcase") && top.contains("report.html"), "{top}");
    for command in COMMANDS {
        assert!(
            top.contains(&format!("  {command} ")),
            "--help does not list {command}"
        );
        let text = help(&[command, "--help"]);
        let examples = text
            .split_once("Example")
            .unwrap_or_else(|| panic!("`{command} --help` has no examples:\n{text}"))
            .1;
        assert!(
            examples.contains(&format!("tradefin {command}")),
            "`{command} --help` shows no example of {command}:\n{text}"
        );
    }
}
