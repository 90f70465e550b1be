//! Sharded sweeps as a cluster runs them: shards in separate processes
//! (by `--shard I/N`, by Slurm's array variables, by a Kubernetes Indexed
//! Job's `JOB_COMPLETION_INDEX`), merged, equal the unsharded sweep byte
//! for byte; a merge with a cell missing, twice or from another sweep is
//! refused and names them.

mod common;

use std::fs;
use std::path::Path;

use common::assert_same_tree;
use std::process::{Child, Command, Output, Stdio};

use common::assert_success;

/// Cluster variables a test run might inherit are cleared, so that only
/// what a test sets counts.
const CLUSTER_VARS: [&str; 5] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

fn command(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradefin"));
    cmd.args(args).current_dir(dir);
    for var in CLUSTER_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn tradefin(dir: &Path, args: &[&str]) -> Output {
    command(dir, args, &[]).output().expect("running tradefin")
}

/// A Latin hypercube (floats with every digit, a whole-number parameter)
/// of 5 points × 3 replications: 15 cells, not a multiple of 4.
const SWEEP: &str = r#"{"name": "lhs", "base": "baseline", "design": "latin_hypercube", "samples": 5,
    "parameters": {"government.regulator.recovery_rate": [0.2, 0.8], "banks.search_breadth": [1, 3]}}"#;

const SMALL: [&str; 6] = ["--replications", "3", "--firms", "300", "--months", "6"];

fn sweep_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["sweep", "lhs.json", "--out", out];
    args.extend(SMALL);
    args.extend(extra);
    args
}

/// Runs four shards at once, each in its own process, with the arguments
/// and environment `shard(i)` gives for i = 0..4.
fn run_shards(dir: &Path, shard: impl Fn(usize) -> (Vec<String>, Vec<(&'static str, String)>)) {
    let children: Vec<Child> = (0..4)
        .map(|i| {
            let (args, env) = shard(i);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            command(dir, &args, &env)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting a shard")
        })
        .collect();
    for child in children {
        assert_success(&child.wait_with_output().unwrap());
    }
}

fn merge(dir: &Path, dirs: &[&str], out: &str) -> Output {
    let mut args = vec!["merge"];
    args.extend(dirs);
    args.extend(["--out", out]);
    tradefin(dir, &args)
}

#[test]
fn four_shards_merged_equal_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("lhs.json"), SWEEP).unwrap();
    assert_success(&tradefin(d, &sweep_args("whole", &[])));
    let shard_dirs = ["s/1", "s/2", "s/3", "s/4"];

    // --shard I/N, I from 1; one shard with one thread, to show that
    // neither the shard nor the thread count changes a cell.
    run_shards(d, |i| {
        let out = shard_dirs[i].to_string();
        let shard = format!("{}/4", i + 1);
        let args = sweep_args(&out, &["--shard", &shard])
            .into_iter()
            .map(String::from)
            .collect();
        let env = if i == 0 {
            vec![("RAYON_NUM_THREADS", "1".to_string())]
        } else {
            Vec::new()
        };
        (args, env)
    });
    let output = merge(d, &shard_dirs, "merged");
    assert_success(&output);
    assert_same_tree(&d.join("whole"), &d.join("merged"));
    // The shards keep their cells; merging again gives the same bytes.
    assert_success(&merge(d, &["s/4", "s/2", "s/3", "s/1"], "merged_again"));
    assert_same_tree(&d.join("whole"), &d.join("merged_again"));

    // A Slurm job array, --array=1-4.
    let slurm = ["slurm/1", "slurm/2", "slurm/3", "slurm/4"];
    run_shards(d, |i| {
        let args = sweep_args(slurm[i], &[]).into_iter().map(String::from).collect();
        let env = vec![
            ("SLURM_ARRAY_TASK_ID", (i + 1).to_string()),
            ("SLURM_ARRAY_TASK_COUNT", "4".to_string()),
            ("SLURM_ARRAY_TASK_MIN", "1".to_string()),
        ];
        (args, env)
    });
    assert_success(&merge(d, &slurm, "merged_slurm"));
    assert_same_tree(&d.join("whole"), &d.join("merged_slurm"));
    // Shard i of Slurm holds the same cells as --shard i/4.
    assert_same_tree(&d.join("s/2/cells"), &d.join("slurm/2/cells"));

    // A Kubernetes Indexed Job, completions 4, indexes from 0.
    let k8s = ["k8s/0", "k8s/1", "k8s/2", "k8s/3"];
    run_shards(d, |i| {
        let args = sweep_args(k8s[i], &["--shards", "4"])
            .into_iter()
            .map(String::from)
            .collect();
        (args, vec![("JOB_COMPLETION_INDEX", i.to_string())])
    });
    assert_success(&merge(d, &k8s, "merged_k8s"));
    assert_same_tree(&d.join("whole"), &d.join("merged_k8s"));
}

#[test]
fn a_bad_merge_names_the_cells_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("lhs.json"), SWEEP).unwrap();
    for i in 1..=3 {
        let (out, shard) = (format!("s/{i}"), format!("{i}/3"));
        assert_success(&tradefin(d, &sweep_args(&out, &["--shard", &shard])));
    }
    let refused = |dirs: &[&str], expect: &[&str]| {
        let output = merge(d, dirs, "m");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        for e in expect {
            assert!(stderr.contains(e), "expected {e:?} in {stderr}");
        }
        assert!(!d.join("m/sweep.csv").exists());
    };
    // Shard 3 holds cells 2, 5, 8, 11, 14 (from 0): point 1 replication 2 first.
    refused(
        &["s/1", "s/2"],
        &["5 cells missing", "shard 3/3 not given", "point 1 replication 2"],
    );
    refused(
        &["s/1", "s/2", "s/3", "s/3"],
        &["5 cells present twice", "point 1 replication 2 (in s/3 and s/3)"],
    );
    // A cell deleted from a shard.
    fs::remove_file(d.join("s/2/cells/p00002-r00001.cell")).unwrap();
    refused(
        &["s/1", "s/2", "s/3"],
        &["1 cells missing", "point 2 replication 1"],
    );
    // A shard of another size of the same sweep.
    let mut other = sweep_args("other", &["--shard", "1/3"]);
    other[5] = "4";
    assert_success(&tradefin(d, &other));
    refused(
        &["s/1", "other"],
        &[
            "other: does not belong to the same sweep as s/1",
            "simulation.replications",
        ],
    );
    // An interrupted shard, and a directory that is no shard.
    let manifest = d.join("s/3/cells/manifest.json");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(
        &manifest,
        text.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    refused(
        &["s/1", "s/2", "s/3"],
        &["s/3: shard 3/3 is incomplete", "--resume"],
    );
    refused(&["s/1", "nowhere"], &["nowhere: no readable cells/manifest.json"]);
}

#[test]
fn bad_shards_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("lhs.json"), SWEEP).unwrap();
    for (extra, env, expect) in [
        (
            vec!["--shard", "0/4"],
            vec![],
            "--shard: 0/4: shard 0 is out of range",
        ),
        (vec!["--shard", "5/4"], vec![], "shard 5 is out of range"),
        (vec!["--shard", "two"], vec![], "expected I/N"),
        (vec!["--shards", "4"], vec![], "needs JOB_COMPLETION_INDEX"),
        (
            vec!["--shards", "4"],
            vec![("JOB_COMPLETION_INDEX", "4".to_string())],
            "JOB_COMPLETION_INDEX: 4: out of range",
        ),
        (
            vec![],
            vec![
                ("SLURM_ARRAY_TASK_ID", "5".to_string()),
                ("SLURM_ARRAY_TASK_COUNT", "4".to_string()),
                ("SLURM_ARRAY_TASK_MIN", "1".to_string()),
            ],
            "SLURM_ARRAY_TASK_ID: 5",
        ),
    ] {
        let output = command(d, &sweep_args("x", &extra), &env).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expect), "{extra:?}: {stderr}");
        assert!(!d.join("x").exists());
    }
    // Resuming a shard's directory as another shard is refused.
    assert_success(&tradefin(d, &sweep_args("one", &["--shard", "1/2"])));
    let output = tradefin(d, &sweep_args("one", &["--shard", "2/2", "--resume"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shard: 1/2 there, 2/2 now"), "{stderr}");
}
