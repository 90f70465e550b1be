//! The `tradefin` command line: parse arguments, call the library, print
//! errors once. Exit codes: 0 ok, 1 failure at run time, 2 bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

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
        docs/OUTPUT.md describes them and docs/TUTORIAL.md is a guided tour.",
    after_help = "Examples:\n  tradefin\n  \
        tradefin run baseline --replications 8\n  \
        tradefin run baseline --set banks.search_breadth=3 --out results/h3\n  \
        tradefin compare baseline credit_guarantee exim_support\n  \
        tradefin sweep guarantee_coverage --firms 2000\n  \
        tradefin check my_policy.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario over several replications and write its results.
    #[command(after_help = "Examples:\n  tradefin run baseline\n  \
        tradefin run my_policy.json --replications 20 --seed 7\n  \
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
        tradefin compare baseline my_policy.json --firms 2000 --out results/mine\n\n\
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
        tradefin sweep my_sweep.json --set simulation.firms=2000 --out results/my_sweep")]
    Sweep(SweepArgs),
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
    /// Print the time spent in each phase of the month to stderr.
    #[arg(long)]
    profile: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tradefin: {err:#}");
            let bad_input = err.chain().any(|cause| {
                cause
                    .downcast_ref::<tradefin::Error>()
                    .is_some_and(|e| e.is_input())
            });
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

fn try_main(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => showcase(),
        Some(Command::Compare(args)) => compare(args),
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
    let report = tradefin::experiment::run_scenario(&resolved, &out)
        .with_context(|| format!("running scenario '{}'", resolved.name))?;
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

fn showcase() -> anyhow::Result<()> {
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
    let report = tradefin::experiment::run_comparison(&scenarios, &out).context("running the comparison")?;
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
    let sweep = tradefin::experiment::sweep::load(&args.sweep, &overrides)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(&sweep.name));
    let report = tradefin::experiment::run_sweep(&sweep, &out).context("running the sweep")?;
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
