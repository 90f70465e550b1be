//! The `tradefin` command line: parse arguments, call the library, print
//! errors once. Exit codes: 0 ok, 1 failure at run time, 2 bad input,
//! 130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use tradefin::Cancel;
use tradefin::experiment::cells::Shard;
use tradefin::experiment::{Options, SweepOptions};
use tradefin::scenario::{self, Override};

#[derive(Parser)]
#[command(
    name = "tradefin",
    version,
    about = "Agent-based simulation of trade finance for exporting SMEs, banks and the state",
    long_about = "Agent-based simulation of trade finance for exporting SMEs, banks and the state.\n\n\
        Without a command, runs the showcase: the baseline against every\n\
        built-in policy scenario, written to results/showcase/.\n\
        Scenario arguments are a JSON file or the name of a built-in scenario \
        (see `tradefin scenarios`).\n\
        Every simulating command writes CSV and JSON files and a report \
        (report.html, report.md, charts/*.svg) into its output directory; \
        docs/OUTPUT.md describes them and docs/TUTORIAL.md is a guided tour.\n\n\
        Ctrl-C or SIGTERM stops a run, comparison or sweep within a month of \
        simulation, keeps every finished replication and prints the command \
        that resumes it (--resume). Exit codes: 0 ok, 1 failure at run time, \
        2 bad input, 130/143 interrupted.",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  tradefin\n  \
        tradefin run baseline --replications 8\n  \
        tradefin run baseline --set banks.search_breadth=3 --out results/h3\n  \
        tradefin compare baseline credit_guarantee exim_support\n  \
        tradefin sweep guarantee_coverage --firms 2000\n  \
        tradefin check my_policy.json\n  \
        tradefin --resume   (finish an interrupted showcase)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Showcase: continue an interrupted showcase in results/showcase/.
    #[arg(long)]
    resume: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario over several replications and write its results.
    #[command(after_help = "Examples:\n  tradefin run baseline\n  \
        tradefin run my_policy.json --replications 20 --seed 7\n  \
        tradefin run my_policy.json --replications 20 --seed 7 --resume   (after Ctrl-C)\n  \
        tradefin run baseline --set world.foreign_demand.trend_annual=0.05 --out results/slow")]
    Run(RunArgs),
    /// Validate a scenario and print it fully resolved (defaults, extends, --set).
    #[command(after_help = "Example:\n  tradefin check my_policy.json --set simulation.firms=2000")]
    Check {
        /// Scenario file or built-in name.
        scenario: String,
        #[command(flatten)]
        overrides: OverrideArgs,
    },
    /// List the built-in scenarios with their descriptions.
    #[command(after_help = "Examples:\n  tradefin scenarios\n  \
        tradefin check credit_guarantee   (prints one of them in full)\n  \
        tradefin run credit_guarantee")]
    Scenarios,
    /// Run the baseline and print simulated against published targets
    /// (T1–T12 of docs/CALIBRATION.md); writes calibration.csv and .json.
    #[command(after_help = "Examples:\n  tradefin calibrate\n  \
        tradefin calibrate --replications 20\n  \
        tradefin calibrate my_baseline.json --out results/my_calibration")]
    Calibrate(CalibrateArgs),
    /// Run a baseline and other scenarios with the same random numbers and
    /// report each one's paired difference to the baseline, with 95% CIs.
    #[command(
        after_help = "Examples:\n  tradefin compare baseline credit_guarantee exim_support\n  \
        tradefin compare crisis_2009 crisis_2009_package --replications 20\n  \
        tradefin compare baseline my_policy.json --firms 2000 --out results/mine\n  \
        tradefin compare baseline my_policy.json --firms 2000 --out results/mine --resume\n\n\
        --set applies to every scenario, the baseline included. To change one scenario only,\n\
        write a scenario file that extends it (docs/TUTORIAL.md, section 4)."
    )]
    Compare(CompareArgs),
    /// Print the JSON Schema of the scenario format (for editors): every key
    /// with its description, default and allowed range.
    #[command(after_help = "Example:\n  tradefin schema > tradefin.schema.json\n  \
        then add \"$schema\": \"./tradefin.schema.json\" to a scenario file, or map \
        *.json in your editor's JSON Schema settings.")]
    Schema,
    /// Run a parameter sweep: a base scenario over a grid or a Latin
    /// hypercube of parameter values; writes sweep.csv and sweep_summary.csv.
    #[command(after_help = "Examples:\n  tradefin sweep guarantee_coverage\n  \
        tradefin sweep threshold_by_bureau --replications 4\n  \
        tradefin sweep my_sweep.json --set simulation.firms=2000 --out results/my_sweep\n  \
        tradefin sweep my_sweep.json --out results/my_sweep --resume\n  \
        tradefin sweep my_sweep.json --shard 2/4 --out shards/2   (then tradefin merge shards/*)\n\n\
        A shard runs cell k (point-major order, from 0) if k mod N = I - 1. Without --shard,\n\
        I/N come from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (normalised by\n\
        SLURM_ARRAY_TASK_MIN) when set; --shards N reads I from JOB_COMPLETION_INDEX\n\
        (Kubernetes Indexed Jobs, from 0). docs/CLUSTER.md has job scripts.")]
    Sweep(SweepArgs),
    /// Join the output directories of a sharded sweep (`sweep --shard`) and
    /// write the files the unsharded sweep writes, byte for byte.
    #[command(
        after_help = "Examples:\n  tradefin merge shards/1 shards/2 shards/3 shards/4 --out results/my_sweep\n  \
        tradefin merge shards/*\n\n\
        Every shard must be complete and from the same sweep, scenario and tradefin version,\n\
        and every point-replication must be present exactly once; otherwise merge names\n\
        what is wrong and exits with 2. The shard directories are left as they are."
    )]
    Merge(MergeArgs),
}

#[derive(Args)]
struct MergeArgs {
    /// Output directories of the shards (`tradefin sweep --shard I/N --out DIR`).
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Output directory (default: results/<sweep name>/).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `--resume`, shared by the commands that write results.
#[derive(Args)]
struct ResumeArgs {
    /// Continue an interrupted run in its --out directory: finished
    /// replications are read back, not run again, and the files come out
    /// byte-identical to an uninterrupted run. Refused if the directory
    /// holds another scenario, seed or size.
    #[arg(long)]
    resume: bool,
}

#[derive(Args)]
struct SweepArgs {
    /// Sweep file, or a built-in sweep (guarantee_coverage, threshold_by_bureau).
    sweep: String,
    /// Replications of every point (overrides simulation.replications).
    #[arg(long)]
    replications: Option<u64>,
    #[command(flatten)]
    size: SizeArgs,
    /// Applied to every point before the swept values.
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output directory (default: results/<sweep name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// Run only shard I of N (I from 1 to N) and keep its cells for
    /// `tradefin merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Number of shards when the shard's index comes from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "N")]
    shards: Option<u32>,
}

#[derive(Args)]
struct CompareArgs {
    /// The baseline, then the scenarios to compare with it (files or
    /// built-in names).
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Replications of every scenario (default: the baseline's).
    #[arg(long)]
    replications: Option<u64>,
    /// Seed of every scenario (default: the baseline's).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    size: SizeArgs,
    /// Applied to every scenario.
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output directory (default: results/comparison/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
}

#[derive(Args)]
struct CalibrateArgs {
    /// Scenario file or built-in name.
    #[arg(default_value = "baseline")]
    scenario: String,
    /// Number of replications (overrides simulation.replications).
    #[arg(long)]
    replications: Option<u64>,
    /// Scenario seed (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output directory (default: results/calibration/, or
    /// results/calibration_search/ with --search).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Search the free parameters instead (docs/CALIBRATION.md): N points of
    /// a Latin hypercube, then N/2 around the best; each point runs
    /// --replications replications (default 4).
    #[arg(long, value_name = "N")]
    search: Option<usize>,
    /// Seed of the search design.
    #[arg(long, default_value_t = 1)]
    design_seed: u64,
}

/// `--firms` and `--months`, shorthands for `--set simulation.*`.
#[derive(Args)]
struct SizeArgs {
    /// Number of firms (overrides simulation.firms).
    #[arg(long)]
    firms: Option<u64>,
    /// Reported months (overrides simulation.months).
    #[arg(long)]
    months: Option<u64>,
}

impl SizeArgs {
    fn shorthands(&self) -> [(&'static str, Option<u64>); 2] {
        [
            ("simulation.firms", self.firms),
            ("simulation.months", self.months),
        ]
    }
}

#[derive(Args)]
struct OverrideArgs {
    /// Override one parameter, e.g. `--set banks.types[0].count=2`; VALUE is
    /// JSON, or a string if it is not valid JSON. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    /// Scenario file or built-in name.
    scenario: String,
    /// Number of replications (overrides simulation.replications).
    #[arg(long)]
    replications: Option<u64>,
    /// Scenario seed (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    size: SizeArgs,
    #[command(flatten)]
    overrides: OverrideArgs,
    /// Output directory (default: results/<scenario name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// Print the time spent in each phase of the month to stderr.
    #[arg(long)]
    profile: bool,
}

/// The signal that asked the work to stop (0: none yet), set by the
/// handlers `cancel_on_signals` installs.
static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tradefin: {err:#}");
            let library_error = |test: fn(&tradefin::Error) -> bool| {
                err.chain()
                    .any(|cause| cause.downcast_ref::<tradefin::Error>().is_some_and(test))
            };
            if library_error(tradefin::Error::is_interrupted) {
                eprintln!("to resume: {}", resume_command());
                // 128 + the signal's number, as a shell reports it.
                let code = match SIGNAL.get().map_or(0, |s| s.load(Ordering::SeqCst)) {
                    0 => 130,
                    n => 128 + n.min(127) as u8,
                };
                return ExitCode::from(code);
            }
            ExitCode::from(if library_error(tradefin::Error::is_input) {
                2
            } else {
                1
            })
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM ask the work to stop between phases of a month; a
/// second one ends the program at once (exit 130 or 143), leaving only
/// complete files and temporaries that --resume removes.
fn cancel_on_signals() -> anyhow::Result<Cancel> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = Arc::new(AtomicBool::new(false));
    let which = Arc::clone(SIGNAL.get_or_init(|| Arc::new(AtomicUsize::new(0))));
    for (signal, code) in [(SIGINT, 130), (SIGTERM, 143)] {
        // Registered first, so it sees the flag as the previous signal left it.
        flag::register_conditional_shutdown(signal, code, Arc::clone(&stop))?;
        flag::register_usize(signal, Arc::clone(&which), signal as usize)?;
        flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(Cancel::from_flag(stop))
}

/// This command line with `--resume` added (quoted for a POSIX shell).
fn resume_command() -> String {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    if !words.iter().any(|w| w == "--resume") {
        words.push("--resume".to_string());
    }
    let quote = |w: &str| {
        if !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%[]".contains(c))
        {
            w.to_string()
        } else {
            format!("'{}'", w.replace('\'', "'\\''"))
        }
    };
    let mut line = "tradefin".to_string();
    for w in &words {
        line.push(' ');
        line.push_str(&quote(w));
    }
    line
}

fn try_main(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => showcase(cli.resume),
        Some(Command::Compare(args)) => compare(args),
        Some(Command::Merge(args)) => merge(args),
        Some(Command::Run(args)) => run(args),
        Some(Command::Check { scenario, overrides }) => {
            let overrides = parse_overrides(&overrides.set, &[])?;
            let resolved = scenario::load(&scenario, &overrides)?;
            emit(&format!("{}\n", serde_json::to_string_pretty(&resolved)?));
            Ok(())
        }
        Some(Command::Calibrate(args)) => calibrate(args),
        Some(Command::Sweep(args)) => sweep(args),
        Some(Command::Schema) => {
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&scenario::schema::schema())?
            ));
            Ok(())
        }
        Some(Command::Scenarios) => {
            for builtin in scenario::builtins()? {
                emit(&format!("{:<24} {}\n", builtin.name, builtin.description));
            }
            Ok(())
        }
    }
}

/// `--replications` and friends are shorthands for `--set simulation.*`, so
/// they are validated exactly like scenario values.
fn parse_overrides(set: &[String], shorthands: &[(&str, Option<u64>)]) -> anyhow::Result<Vec<Override>> {
    let mut overrides: Vec<Override> = shorthands
        .iter()
        .filter_map(|(path, value)| value.map(|v| Override::new(path, &v.to_string())))
        .collect();
    for text in set {
        overrides.push(Override::parse(text)?);
    }
    Ok(overrides)
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let overrides = parse_overrides(
        &args.overrides.set,
        &[
            ("simulation.replications", args.replications),
            ("simulation.seed", args.seed),
            args.size.shorthands()[0],
            args.size.shorthands()[1],
        ],
    )?;
    let resolved = scenario::load(&args.scenario, &overrides)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(&resolved.name));
    let options = Options {
        resume: args.resume.resume,
        cancel: cancel_on_signals()?,
    };
    let report = tradefin::experiment::run_scenario(&resolved, &out, &options)
        .with_context(|| format!("running scenario '{}'", resolved.name))?;
    if report.resumed > 0 {
        emit(&format!(
            "resumed: {} replications read back from {}\n",
            report.resumed,
            out.display()
        ));
    }
    emit(&report.console_summary());
    emit(&format!("wrote {}\n", out.display()));
    emit(&format!("{}\n", report.throughput_line()));
    if args.profile {
        eprint!("{}", report.profile.table());
    }
    Ok(())
}

/// The policy scenarios the showcase compares with the baseline (the
/// crisis pair covers other years; `tradefin compare crisis_2009
/// crisis_2009_package` compares them).
const SHOWCASE: [&str; 11] = [
    "baseline",
    "credit_guarantee",
    "exim_support",
    "lower_threshold",
    "credit_bureau",
    "export_insurance",
    "product_innovation",
    "management_training",
    "risk_weight_relief",
    "policy_package",
    "developed_benchmark",
];

fn showcase(resume: bool) -> anyhow::Result<()> {
    let scenarios: Vec<String> = SHOWCASE.iter().map(|s| s.to_string()).collect();
    compare(CompareArgs {
        scenarios,
        replications: None,
        seed: None,
        size: SizeArgs {
            firms: None,
            months: None,
        },
        overrides: OverrideArgs { set: Vec::new() },
        out: Some(PathBuf::from("results").join("showcase")),
        resume: ResumeArgs { resume },
    })
}

fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let overrides = parse_overrides(
        &args.overrides.set,
        &[
            ("simulation.replications", args.replications),
            ("simulation.seed", args.seed),
            args.size.shorthands()[0],
            args.size.shorthands()[1],
        ],
    )?;
    let scenarios = args
        .scenarios
        .iter()
        .map(|spec| scenario::load(spec, &overrides))
        .collect::<Result<Vec<_>, _>>()?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join("comparison"));
    let options = Options {
        resume: args.resume.resume,
        cancel: cancel_on_signals()?,
    };
    let report =
        tradefin::experiment::run_comparison(&scenarios, &out, &options).context("running the comparison")?;
    if report.resumed > 0 {
        emit(&format!(
            "resumed: {} replications read back from {}\n",
            report.resumed,
            out.display()
        ));
    }
    emit(&report.console_table());
    emit(&format!("wrote {}\n", out.display()));
    emit(&format!("{}\n", report.throughput_line()));
    Ok(())
}

fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let overrides = parse_overrides(
        &args.overrides.set,
        &[
            ("simulation.replications", args.replications),
            args.size.shorthands()[0],
            args.size.shorthands()[1],
        ],
    )?;
    let shard = Shard::resolve(args.shard.as_deref(), args.shards, |name| {
        std::env::var(name).ok()
    })?;
    let sweep = tradefin::experiment::sweep::load(&args.sweep, &overrides)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(&sweep.name));
    let options = SweepOptions {
        run: Options {
            resume: args.resume.resume,
            cancel: cancel_on_signals()?,
        },
        shard,
    };
    let report = tradefin::experiment::run_sweep(&sweep, &out, &options).context("running the sweep")?;
    if report.resumed > 0 {
        emit(&format!(
            "resumed: {} point-replications read back from {}\n",
            report.resumed,
            out.display()
        ));
    }
    if let Some(shard) = report.shard {
        emit(&format!(
            "{}: shard {shard}: {} of the sweep's point-replications written to {}\n\
             when every shard is done: tradefin merge DIR... --out DIR (docs/CLUSTER.md)\n",
            report.name,
            report.cells,
            out.join(tradefin::experiment::cells::DIR).display()
        ));
        emit(&format!("{}\n", report.throughput_line()));
        return Ok(());
    }
    emit(&format!(
        "{}: {} points, {} point-replications; means over replications (95% CIs in sweep_summary.csv and report.html)\n{}wrote {}\n",
        report.name,
        report.points,
        report.cells,
        report.table,
        out.display()
    ));
    emit(&format!("{}\n", report.throughput_line()));
    Ok(())
}

fn merge(args: MergeArgs) -> anyhow::Result<()> {
    let name = tradefin::experiment::cells::read_manifest(&args.dirs[0])?
        .sweep
        .map(|s| s.name)
        .unwrap_or_else(|| "sweep".to_string());
    let out = args.out.unwrap_or_else(|| PathBuf::from("results").join(name));
    let report = tradefin::experiment::merge_shards(&args.dirs, &out).context("merging the shards")?;
    emit(&format!(
        "{}: {} points, {} point-replications from {} shard directories; means over replications (95% CIs in sweep_summary.csv and report.html)\n{}wrote {}\n",
        report.name,
        report.points,
        report.cells,
        args.dirs.len(),
        report.table,
        out.display()
    ));
    Ok(())
}

fn calibrate(args: CalibrateArgs) -> anyhow::Result<()> {
    let replications = match (args.replications, args.search) {
        (None, Some(_)) => Some(4),
        (r, _) => r,
    };
    let overrides = parse_overrides(
        &args.overrides.set,
        &[
            ("simulation.replications", replications),
            ("simulation.seed", args.seed),
        ],
    )?;
    let resolved = scenario::load(&args.scenario, &overrides)?;
    if let Some(n) = args.search {
        if n == 0 {
            return Err(tradefin::Error::input("--search", "must be at least 1 point".to_string()).into());
        }
        let out = args
            .out
            .unwrap_or_else(|| PathBuf::from("results").join("calibration_search"));
        let report =
            tradefin::experiment::calibration_search(&resolved, n, args.design_seed, &out, |i, p| {
                eprintln!(
                    "point {:>4}: {:>2} of {} targets in band, distance {:.3}",
                    i + 1,
                    p.in_band,
                    p.rows.len(),
                    p.distance
                );
            })?;
        emit(&report.console());
        emit(&format!("wrote {}\n", out.display()));
        emit(&format!("{}\n", report.timing.throughput_line()));
        return Ok(());
    }
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join("calibration"));
    let report = tradefin::experiment::calibrate(&resolved, &out)
        .with_context(|| format!("calibrating scenario '{}'", resolved.name))?;
    emit(&report.console_table());
    emit(&format!("wrote {}\n", out.display()));
    emit(&format!("{}\n", report.timing.throughput_line()));
    Ok(())
}

/// Prints to standard output. A reader that stops early (`tradefin
/// scenarios | head -3`) ends the program quietly, not with a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("tradefin: writing to standard output: {e}");
        std::process::exit(1);
    }
}
