//! Portable random streams (DESIGN.md §1).
//!
//! Every draw comes from a `Xoshiro256PlusPlus` seeded through SplitMix64 with
//! a key built from (scenario seed, replication, month, agent, purpose). A
//! stream therefore depends only on *what* is drawn, never on the order in
//! which threads run, so results are identical for any thread count.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::math::{below_scaled_exp, exp, ln, powf};

pub type Rng = Xoshiro256PlusPlus;

/// What a stream is used for; part of the key so that two uses of the same
/// agent in the same month never share draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Population = 1,
    World = 2,
    Orders = 3,
    Screening = 4,
    BankSearch = 5,
    Dynamics = 6,
    Entrant = 7,
    OperatingLoss = 8,
    Groups = 9,
    ScreeningMonthly = 10,
    /// The credit bureau's fixed rank of a firm (keyed by generation).
    Bureau = 11,
    /// Whether the export credit insurer reaches a firm (by generation).
    InsuranceReach = 12,
    /// The guarantee agency's and the Exim bank's view of a firm.
    GuaranteeScreening = 13,
    EximScreening = 14,
    Training = 15,
    /// Whether an application fails documentation checks.
    Documents = 16,
    /// Latin hypercube designs (calibration search).
    Design = 17,
}

/// SplitMix64 finaliser: a bijective mixer with good avalanche.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of one replication's streams, with the first step of the
/// current month's keys done once (see `for_month`).
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    base: u64,
    month: u32,
    /// `month_part(base, month)`.
    month_part: u64,
}

/// The first of a key's three mixing steps: the replication's key with the
/// month.
#[inline]
fn month_part(base: u64, month: u32) -> u64 {
    mix(base ^ (month as u64).wrapping_mul(0x8CB9_2BA7_2F3D_8DD7))
}

impl Streams {
    pub fn new(seed: u64, replication: u32) -> Self {
        let base = mix(mix(seed) ^ (replication as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        Streams {
            base,
            month: 0,
            month_part: month_part(base, 0),
        }
    }

    /// The same streams, with the first step of month `month`'s keys done
    /// in advance: nearly every key of a month is for that month, and the
    /// step is a third of the key's cost. Keys are the same either way.
    pub fn for_month(self, month: u32) -> Self {
        Streams {
            month,
            month_part: month_part(self.base, month),
            ..self
        }
    }

    /// Stateless hash of (replication key, month, agent, purpose).
    #[inline]
    pub fn key(&self, month: u32, agent: u64, purpose: Purpose) -> u64 {
        let h = if month == self.month {
            self.month_part
        } else {
            month_part(self.base, month)
        };
        let h = mix(h ^ agent.wrapping_mul(0x9FB2_1C65_1E98_DF25));
        mix(h ^ (purpose as u64).wrapping_mul(0xA24B_AED4_963E_E407))
    }

    /// A fresh generator for one agent, month and purpose.
    #[inline]
    pub fn rng(&self, month: u32, agent: u64, purpose: Purpose) -> Rng {
        seeded(self.key(month, agent, purpose))
    }

    /// One uniform number in [0, 1) without building a generator.
    #[inline]
    pub fn uniform(&self, month: u32, agent: u64, purpose: Purpose) -> f64 {
        unit(self.key(month, agent, purpose))
    }

    /// One standard normal from the stateless hash, for draws made once per
    /// (month, bank, firm) such as screening errors.
    #[inline]
    pub fn normal(&self, month: u32, agent: u64, purpose: Purpose) -> f64 {
        self.rng(month, agent, purpose).normal()
    }
}

/// `Rng::seed_from_u64(key)`, the same generator, built faster: SplitMix64's
/// k-th output is `mix(key + k·γ)`, so the four state words are computed
/// side by side instead of one after the other through the crate's byte
/// buffer. A generator is built for nearly every draw (one per agent, month
/// and purpose), which made seeding 5–6 % of a run.
#[inline]
pub fn seeded(key: u64) -> Rng {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut seed = [0u8; 32];
    for (k, word) in seed.chunks_exact_mut(8).enumerate() {
        word.copy_from_slice(&mix(key.wrapping_add((k as u64).wrapping_mul(GAMMA))).to_le_bytes());
    }
    // Never all zero (`mix` is a bijection, so at most one word is 0);
    // `from_seed` would remap it as `seed_from_u64` does in any case.
    Rng::from_seed(seed)
}

/// Agent key for a (bank, firm) pair.
#[inline]
pub fn pair(bank: usize, firm: usize) -> u64 {
    ((bank as u64) << 40) ^ firm as u64
}

/// Maps 64 random bits to [0, 1) with 53 bits of precision.
#[inline]
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Draw helpers written out (with `crate::math`) so that their streams
/// never change with a dependency upgrade or a machine's C library.
pub trait Draw {
    fn uniform(&mut self) -> f64;

    /// Standard normal by Marsaglia's polar method (one of each pair).
    fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// `bernoulli((scale·exp(y)).min(cap))`: the same draw and the same
    /// answer, mostly without computing `exp` (`math::below_scaled_exp`).
    fn bernoulli_scaled_exp(&mut self, scale: f64, y: f64, cap: f64) -> bool {
        below_scaled_exp(self.uniform(), scale, y, cap)
    }

    /// exp(σ ε − σ²/2): mean one.
    fn lognormal_mean_one(&mut self, sigma: f64) -> f64 {
        exp(sigma * self.normal() - 0.5 * sigma * sigma)
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through
    /// Gamma(shape + 1)·U^(1/shape).
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let boost = powf(self.uniform(), 1.0 / shape);
            return self.gamma(shape + 1.0) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u < 1.0 - 0.0331 * x * x * x * x || ln(u) < 0.5 * x * x + d * (1.0 - v + ln(v)) {
                return d * v;
            }
        }
    }

    /// Beta(a, b) as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        x / (x + y)
    }
    /// Integer uniformly in [lo, hi].
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + ((self.uniform() * (hi - lo + 1) as f64) as u32).min(hi - lo)
    }
}

impl Draw for Rng {
    #[inline]
    fn uniform(&mut self) -> f64 {
        use rand::Rng as _;
        unit(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_every_key_part() {
        let s = Streams::new(1, 0);
        let k = s.key(3, 7, Purpose::Orders);
        assert_eq!(k, Streams::new(1, 0).key(3, 7, Purpose::Orders));
        assert_ne!(k, Streams::new(2, 0).key(3, 7, Purpose::Orders));
        assert_ne!(k, Streams::new(1, 1).key(3, 7, Purpose::Orders));
        assert_ne!(k, s.key(4, 7, Purpose::Orders));
        assert_ne!(k, s.key(3, 8, Purpose::Orders));
        assert_ne!(k, s.key(3, 7, Purpose::Dynamics));
    }

    /// A month prepared in advance gives the same keys, for that month and
    /// for any other.
    #[test]
    fn for_month_changes_no_key() {
        let s = Streams::new(20081, 3);
        for prepared in [0, 7, 9] {
            let p = s.for_month(prepared);
            for month in [0, 6, 7, 8, 9, 1000] {
                for agent in [0, 11, u64::MAX] {
                    assert_eq!(
                        p.key(month, agent, Purpose::Orders),
                        s.key(month, agent, Purpose::Orders)
                    );
                }
            }
        }
        assert_eq!(s.for_month(7).key(7, 11, Purpose::Orders), 0x4437_4345_04c2_2527);
    }

    /// Pins the stream so that a dependency upgrade that changed it would be
    /// noticed (results would silently change otherwise).
    #[test]
    fn stream_values_are_pinned() {
        let mut rng = Streams::new(20081, 0).rng(0, 0, Purpose::Population);
        assert_eq!(rng.uniform().to_bits(), 0x3fc3_aff1_e033_3014);
        assert_eq!(
            Streams::new(20081, 3).key(7, 11, Purpose::Orders),
            0x4437_4345_04c2_2527
        );
        assert_eq!(unit(u64::MAX), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(unit(0), 0.0);
    }

    /// Moments of the written-out samplers over 200,000 draws: mean and
    /// variance within a few standard errors.
    #[test]
    fn samplers_have_the_right_moments() {
        let mut rng = Streams::new(9, 0).rng(0, 0, Purpose::Population);
        let n = 200_000;
        let moments = |xs: &[f64]| {
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
            (m, v)
        };
        let (m, v) = moments(&(0..n).map(|_| rng.normal()).collect::<Vec<_>>());
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.015, "normal {m} {v}");
        let (m, v) = moments(&(0..n).map(|_| rng.gamma(0.5)).collect::<Vec<_>>());
        assert!(
            (m - 0.5).abs() < 0.01 && (v - 0.5).abs() < 0.02,
            "gamma(0.5) {m} {v}"
        );
        let (m, v) = moments(&(0..n).map(|_| rng.gamma(3.0)).collect::<Vec<_>>());
        assert!(
            (m - 3.0).abs() < 0.02 && (v - 3.0).abs() < 0.06,
            "gamma(3) {m} {v}"
        );
        // Beta(2, 3): mean 0.4, variance 0.04.
        let (m, v) = moments(&(0..n).map(|_| rng.beta(2.0, 3.0)).collect::<Vec<_>>());
        assert!(
            (m - 0.4).abs() < 0.002 && (v - 0.04).abs() < 0.001,
            "beta {m} {v}"
        );
        let lognormal = (0..n).map(|_| rng.lognormal_mean_one(0.5)).collect::<Vec<_>>();
        assert!((moments(&lognormal).0 - 1.0).abs() < 0.01);
    }

    /// `seeded` is `seed_from_u64`: the same first draws for keys across
    /// the range, including 0 and keys whose SplitMix64 outputs include 0.
    #[test]
    fn seeded_is_seed_from_u64() {
        use rand::Rng as _;
        // mix(−γ) = 0: this key's first state word is 0.
        let zero_word = 0u64.wrapping_sub(0x9E37_79B9_7F4A_7C15);
        let mut keys = vec![0, 1, u64::MAX, zero_word];
        keys.extend((0..2000u64).map(mix));
        for key in keys {
            let mut ours = seeded(key);
            let mut theirs = Rng::seed_from_u64(key);
            for _ in 0..5 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "key {key:#x}");
            }
        }
    }

    #[test]
    fn between_covers_its_range() {
        let mut rng = Streams::new(5, 0).rng(0, 0, Purpose::Orders);
        let mut seen = [false; 3];
        for _ in 0..200 {
            let v = rng.between(1, 3);
            assert!((1..=3).contains(&v));
            seen[(v - 1) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
