//! One simulated month of the baseline at 10k and 100k firms, and the
//! credit market's clearing (phase 5) alone. Run with `cargo bench`; the
//! numbers and the machine they were taken on are in docs/PERFORMANCE.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tradefin::scenario::{self, Override, Scenario};
use tradefin::sim::{Replication, month};

/// The built-in baseline with `firms` firms.
fn baseline(firms: usize) -> Scenario {
    scenario::load(
        "baseline",
        &[Override::new("simulation.firms", &firms.to_string())],
    )
    .expect("the baseline is valid")
}

/// A replication past its first year, so that loans, receivables and
/// beliefs are in their usual state.
fn warmed(s: &Scenario) -> Replication<'_> {
    let mut rep = Replication::new(s, 0);
    for _ in 0..12 {
        month::step(&mut rep);
    }
    rep
}

const CREDIT_MARKET: &str = "5 credit market";

fn one_month(c: &mut Criterion) {
    let mut group = c.benchmark_group("month");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for firms in [10_000, 100_000] {
        let s = baseline(firms);
        let mut rep = warmed(&s);
        group.throughput(Throughput::Elements(firms as u64));
        group.bench_with_input(BenchmarkId::from_parameter(firms), &firms, |b, _| {
            b.iter(|| black_box(month::step(&mut rep)))
        });
    }
    group.finish();
}

/// Phase 5 alone: every iteration runs a whole month, timing only the
/// credit market.
fn credit_market(c: &mut Criterion) {
    assert!(
        month::PHASES.iter().any(|(name, _)| *name == CREDIT_MARKET),
        "phase 5 is named {CREDIT_MARKET:?}"
    );
    let mut group = c.benchmark_group("credit_market");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for firms in [10_000, 100_000] {
        let s = baseline(firms);
        let mut rep = warmed(&s);
        group.throughput(Throughput::Elements(firms as u64));
        group.bench_with_input(BenchmarkId::from_parameter(firms), &firms, |b, _| {
            b.iter_custom(|iterations| {
                let mut timed = Duration::ZERO;
                for _ in 0..iterations {
                    for (name, phase) in month::PHASES {
                        if name == CREDIT_MARKET {
                            let started = Instant::now();
                            phase(&mut rep);
                            timed += started.elapsed();
                        } else {
                            phase(&mut rep);
                        }
                    }
                    black_box(tradefin::metrics::measure(&rep));
                    rep.t += 1;
                }
                timed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, one_month, credit_market);
criterion_main!(benches);
