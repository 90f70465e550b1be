//! Phase 5 — screening and the credit market.

use crate::model::bank::{PriceInputs, bucket_of, capital_room, loan_rate, score_of};
use crate::model::firm::{MAX_TERM_MONTHS, NEVER};
use crate::model::product::PREFERENCE;
use crate::model::{Firm, Loan, PaymentTerm, ProductKind};
use crate::scenario::{BankType, Scenario};

use super::rng::{Purpose, pair};
use super::state::{FirmMonth, MAX_SEARCH, Replication};

/// Why a bank turned a request down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// An SME hard threshold: size, revenue, age, score, a known default or
    /// collateral.
    Threshold = 0,
    /// The borrower's (or its group's) debt limit.
    Exposure = 1,
    /// The risk-based rate exceeds the cap: rationed (Stiglitz & Weiss 1981).
    Price = 2,
    /// Not enough capital (or SME quota) left.
    Capital = 3,
}

/// What a bank knows about an applicant when it screens one request.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub sme: bool,
    pub employees: f64,
    pub annual_revenue_kusd: f64,
    pub age_months: f64,
    /// Observed score s ∈ (0, 1) and its learning bucket.
    pub score: f64,
    pub bucket: usize,
    /// Months since a default the bank knows of.
    pub known_default_months: Option<u32>,
    pub free_collateral_kusd: f64,
    /// Debt and monthly revenue the exposure limit applies to: the firm's,
    /// or its group's under unified risk management.
    pub debt_for_limit_kusd: f64,
    pub revenue_for_limit_kusd: f64,
    /// Counts a group guarantee as protection (no unified risk management).
    pub group_guarantee_credit: bool,
}

/// The bank's side of one decision.
#[derive(Debug, Clone)]
pub struct Lender<'a> {
    pub bank_type: &'a BankType,
    pub equity: f64,
    pub rwa: f64,
    pub rwa_sme: f64,
    pub pd: f64,
}

/// An approved loan's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub amount_kusd: f64,
    pub rate_annual: f64,
    pub pledged_kusd: f64,
    pub risk_weight: f64,
}

/// Market conditions that hold for every decision this month.
#[derive(Debug, Clone)]
pub struct Conditions {
    pub policy_rate: f64,
    pub deposit_rate: f64,
}

/// One bank's decision on one request of `requested` kUSD of `product` for
/// `tenor_months`.
///
/// In order: SME hard thresholds; the debt limit; capital (RWA ≤ equity /
/// (minimum ratio + buffer), and the SME quota); collateral (the firm
/// pledges up to the loan / recovery rate, an SME must reach the bank's
/// coverage); then the price `r = funding + markup + PD·LGD/(1−PD)/τ +
/// h/(A·τ)` against the cap. A request may be granted in part when the
/// debt limit, capital or collateral allow less than asked.
pub fn evaluate(
    s: &Scenario,
    market: &Conditions,
    lender: &Lender,
    applicant: &Applicant,
    product: ProductKind,
    requested: f64,
    tenor_months: u32,
) -> Result<Offer, Rejection> {
    let bt = lender.bank_type;
    let reg = &s.government.regulator;
    let terms = product.terms(&s.banks.products);
    let min_loan = s.banks.min_loan_kusd.max(1e-9);
    if applicant.sme {
        let th = &bt.sme_thresholds;
        let recent_default = applicant
            .known_default_months
            .is_some_and(|m| (m as f64) < th.min_months_since_default);
        if applicant.employees < th.min_employees
            || applicant.annual_revenue_kusd < th.min_annual_revenue_kusd
            || applicant.age_months < th.min_age_months
            || applicant.score < th.min_score
            || recent_default
        {
            return Err(Rejection::Threshold);
        }
    }

    let debt_room =
        bt.max_debt_to_monthly_revenue * applicant.revenue_for_limit_kusd - applicant.debt_for_limit_kusd;
    let mut amount = requested.min(debt_room);
    if amount < min_loan {
        return Err(Rejection::Exposure);
    }

    let rw = &reg.risk_weights;
    let risk_weight = if product.is_lc_backed() {
        rw.lc_backed
    } else if applicant.sme {
        rw.sme
    } else {
        rw.corporate
    };
    if risk_weight > 0.0 {
        let required = reg.min_capital_ratio + bt.capital_buffer;
        let mut room = capital_room(
            lender.equity,
            lender.rwa,
            reg.min_capital_ratio,
            bt.capital_buffer,
        );
        if applicant.sme {
            let quota = bt.sme_quota_share * lender.equity.max(0.0) / required - lender.rwa_sme;
            room = room.min(quota.max(0.0));
        }
        amount = amount.min(room / risk_weight);
        if amount < min_loan {
            return Err(Rejection::Capital);
        }
    }

    let mut coverage = 0.0;
    let mut pledged = 0.0;
    if terms.uses_collateral {
        let rr = reg.recovery_rate;
        let min_coverage = if applicant.sme {
            bt.sme_thresholds.min_collateral_coverage
        } else {
            0.0
        };
        if min_coverage > 0.0 {
            amount = amount.min(applicant.free_collateral_kusd * rr / min_coverage);
            if amount < min_loan {
                return Err(Rejection::Threshold);
            }
        }
        pledged = if rr > 0.0 {
            applicant.free_collateral_kusd.min(amount / rr)
        } else {
            0.0
        };
        coverage = (pledged * rr / amount).min(1.0);
    }

    let guarantee_credit = if applicant.group_guarantee_credit && product.group_guaranteed() {
        s.banks.group_guarantee_lgd_credit
    } else {
        0.0
    };
    let lgd = (terms.loss_given_default - coverage - guarantee_credit).max(s.banks.lgd_floor);
    let rate = loan_rate(&PriceInputs {
        funding_annual: market.deposit_rate + bt.funding_spread_annual,
        markup_annual: bt.markup_annual,
        pd: lender.pd,
        lgd,
        handling_cost_kusd: bt.handling_cost_kusd,
        amount_kusd: amount,
        tenor_months,
        floor_annual: reg.rate_floor_multiple * market.policy_rate,
    });
    let cap_multiple = reg
        .rate_cap_multiple
        .map_or(bt.rate_cap_multiple, |c| c.min(bt.rate_cap_multiple));
    if rate > cap_multiple * market.policy_rate {
        return Err(Rejection::Price);
    }
    Ok(Offer {
        amount_kusd: amount,
        rate_annual: rate,
        pledged_kusd: pledged,
        risk_weight,
    })
}

/// Phase 5: banks screen applications and lend.
///
/// Reads: applications, firm state, bank capital and learned PDs. Writes:
/// new loans, bank books, firm cash and debt, LC receivables assigned to
/// banks, `granted`/`approved`, firms' beliefs; tallies approvals, credit
/// and rejections.
///
/// Rule: in round h = 1..H each firm with finance still missing applies to
/// one bank — its main bank first, then others at random (BAM: H banks,
/// Delli Gatti et al. 2011, ch. 3). Each bank serves its queue in priority
/// order — large firms first if it favours them, then by observed score —
/// so when capital is short the rest are rationed. A firm asks for products
/// in order of cost: LC negotiation, packing loan, working capital.
pub fn banks_screen_and_lend(rep: &mut Replication) {
    let s = rep.scenario;
    let n_banks = rep.banks.len();
    let rounds = (s.banks.search_breadth as usize).min(n_banks).min(MAX_SEARCH);
    let market = Conditions {
        policy_rate: rep.world.policy_rate,
        deposit_rate: rep.world.deposit_rate,
    };
    let min_loan = s.banks.min_loan_kusd.max(1e-9);
    let mut queues: Vec<Vec<u32>> = vec![Vec::new(); n_banks];
    for round in 0..rounds {
        queues.iter_mut().for_each(Vec::clear);
        for (i, (firm, fm)) in rep.firms.iter().zip(rep.month.iter_mut()).enumerate() {
            if !fm.applied || fm.unfinanced < min_loan {
                continue;
            }
            let bank = if round == 0 {
                firm.main_bank as usize
            } else {
                let u = rep.streams.uniform(rep.t, pair(round, i), Purpose::BankSearch);
                other_bank(fm, n_banks, u)
            };
            fm.visited[fm.visits as usize] = bank as u16;
            fm.visits += 1;
            queues[bank].push(i as u32);
        }
        for (bank, queue) in queues.iter().enumerate() {
            serve_queue(rep, &market, bank, queue);
        }
    }

    let learning = s.firms.belief.learning_rate;
    let recovery = s.firms.belief.recovery;
    let initial = s.firms.belief.initial;
    for (firm, fm) in rep.firms.iter_mut().zip(rep.month.iter()) {
        if !firm.alive {
            continue;
        }
        if fm.applied {
            let outcome = if fm.approved { 1.0 } else { 0.0 };
            firm.belief = (1.0 - learning) * firm.belief + learning * outcome;
            if fm.approved {
                rep.tally.approvals[firm.size_class.index()] += 1;
            }
        } else {
            firm.belief += recovery * (initial - firm.belief);
        }
        rep.tally.financing_gap[firm.size_class.index()] += (fm.need - fm.granted).max(0.0);
    }
}

/// The `u`-th bank, uniformly, among those the firm has not visited.
fn other_bank(fm: &FirmMonth, n_banks: usize, u: f64) -> usize {
    let visited = &fm.visited[..fm.visits as usize];
    let candidates = n_banks - visited.len();
    let mut k = ((u * candidates as f64) as usize).min(candidates - 1);
    for bank in 0..n_banks {
        if visited.contains(&(bank as u16)) {
            continue;
        }
        if k == 0 {
            return bank;
        }
        k -= 1;
    }
    unreachable!("a firm visits fewer banks than exist")
}

/// One bank serves the applicants in its queue this round.
fn serve_queue(rep: &mut Replication, market: &Conditions, bank: usize, queue: &[u32]) {
    if queue.is_empty() {
        return;
    }
    let s = rep.scenario;
    let bt = &s.banks.types[rep.banks[bank].bank_type];
    let buckets = s.banks.pd_buckets as usize;
    let persistence = s.banks.screening_error_persistence;

    // Screen everyone first: the observed score orders the queue.
    let mut screened: Vec<(bool, f64, u32)> = queue
        .iter()
        .map(|&i| {
            let firm = &rep.firms[i as usize];
            let z = firm.true_quality(
                &s.firms.credit_quality,
                rep.world.domestic_demand,
                rep.world.foreign_demand,
            );
            let relationship = if firm.main_bank as usize == bank {
                firm.relationship_months as f64
            } else {
                0.0
            };
            let bureau_gain = if firm.bureau_covered {
                rep.setup.bureau_precision_gain
            } else {
                0.0
            };
            let noise_sd = screening_noise(s, bt, relationship, bureau_gain);
            // Part of a bank's misjudgement of a firm persists (drawn once
            // per bank and firm; the slot's generation keys a new firm),
            // part is new each month.
            let key = pair(bank, i as usize);
            let lasting = rep.streams.normal(firm.generation, key, Purpose::Screening);
            let fresh = rep.streams.normal(rep.t, key, Purpose::ScreeningMonthly);
            let error = persistence.sqrt() * lasting + (1.0 - persistence).sqrt() * fresh;
            let score = score_of(z + noise_sd * error);
            let first = bt.large_firm_priority && !firm.is_sme();
            (first, score, i)
        })
        .collect();
    // Large firms first (if favoured), then best score; ties by id.
    screened.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));

    for (_, score, i) in screened {
        let i = i as usize;
        for product in PREFERENCE {
            if !bt.products.contains(&product) {
                continue;
            }
            let fm = &rep.month[i];
            if fm.unfinanced < s.banks.min_loan_kusd.max(1e-9) {
                break;
            }
            for (due, requested) in requests(rep, i, product) {
                let applicant = applicant(rep, i, bank, score, buckets);
                let b = &rep.banks[bank];
                let lender = Lender {
                    bank_type: bt,
                    equity: b.equity,
                    rwa: b.rwa,
                    rwa_sme: b.rwa_sme,
                    pd: b.pd.estimate(product, applicant.bucket),
                };
                let tenor = due - rep.t;
                match evaluate(s, market, &lender, &applicant, product, requested, tenor) {
                    Ok(offer) => lend(
                        rep,
                        bank,
                        i,
                        product,
                        due,
                        applicant.bucket,
                        applicant.sme,
                        &offer,
                    ),
                    Err(reason) => {
                        if applicant.sme {
                            rep.tally.sme_rejections[reason as usize] += 1;
                        }
                    }
                }
            }
        }
    }
}

/// The loans a firm asks one bank for under `product`: (due month, amount).
/// LC negotiation is one request per month in which LC receivables fall due.
fn requests(rep: &Replication, i: usize, product: ProductKind) -> Vec<(u32, f64)> {
    let s = rep.scenario;
    let firm = &rep.firms[i];
    let fm = &rep.month[i];
    let t = rep.t;
    match product {
        ProductKind::LcNegotiation => {
            let advance = s.banks.products.lc_negotiation.advance_ratio;
            let mut left = fm.unfinanced;
            let mut out = Vec::new();
            for due in t + 1..=t + MAX_TERM_MONTHS {
                let slot = firm.dues.slot(due);
                let room = advance * slot.lc_face - slot.lc_owed;
                if room > 0.0 && left > 0.0 {
                    let ask = room.min(left);
                    out.push((due, ask));
                    left -= ask;
                }
            }
            out
        }
        ProductKind::PackingLoan => {
            let term = fm.orders.term[PaymentTerm::LetterOfCredit as usize];
            if fm.packing_room > 0.0 && term > 0 {
                vec![(t + term, fm.packing_room.min(fm.unfinanced))]
            } else {
                Vec::new()
            }
        }
        ProductKind::WorkingCapital => {
            let tenor = s.banks.products.working_capital.tenor_months.max(1);
            vec![(t + tenor, fm.unfinanced)]
        }
    }
}

/// Standard deviation of a credit officer's error on z: the bank's staff
/// quality, reduced over a relationship (Berger & Udell 2002: relationship
/// lending produces soft information) and by the precision gain of a credit
/// bureau that covers the firm.
pub fn screening_noise(s: &Scenario, bt: &BankType, relationship_months: f64, bureau_gain: f64) -> f64 {
    let b = &s.banks;
    let relationship = (relationship_months / b.relationship_full_months).min(1.0);
    bt.screening_noise * (1.0 - b.relationship_noise_reduction * relationship) * (1.0 - bureau_gain)
}

fn applicant(rep: &Replication, i: usize, bank: usize, score: f64, buckets: usize) -> Applicant {
    let s = rep.scenario;
    let w = &rep.world;
    let firm = &rep.firms[i];
    let bt = &s.banks.types[rep.banks[bank].bank_type];
    let sales = |f: &Firm| f.expected_sales(w.domestic_demand, w.foreign_demand);
    let (debt, revenue) = if bt.unified_risk_management && firm.in_group() {
        rep.groups
            .members(firm.group)
            .iter()
            .map(|&m| &rep.firms[m as usize])
            .fold((0.0, 0.0), |(d, r), f| (d + f.debt_kusd, r + sales(f)))
    } else {
        (firm.debt_kusd, sales(firm))
    };
    let known_default = firm.months_since_default != NEVER && firm.defaulted_with_bank as usize == bank;
    Applicant {
        sme: firm.is_sme(),
        employees: firm.employees(),
        annual_revenue_kusd: 12.0 * sales(firm),
        age_months: firm.age_months as f64,
        score,
        bucket: bucket_of(score, buckets),
        known_default_months: known_default.then_some(firm.months_since_default),
        free_collateral_kusd: firm.free_collateral(),
        debt_for_limit_kusd: debt,
        revenue_for_limit_kusd: revenue,
        group_guarantee_credit: firm.in_group() && !bt.unified_risk_management,
    }
}

/// Books an approved loan on both sides.
#[allow(clippy::too_many_arguments)]
fn lend(
    rep: &mut Replication,
    bank: usize,
    i: usize,
    product: ProductKind,
    due: u32,
    bucket: usize,
    sme: bool,
    offer: &Offer,
) {
    let t = rep.t;
    let amount = offer.amount_kusd;
    let tenor_years = (due - t) as f64 / 12.0;
    let owed = amount * (1.0 + offer.rate_annual * tenor_years);
    let rwa = amount * offer.risk_weight;
    let handling = rep.scenario.banks.types[rep.banks[bank].bank_type].handling_cost_kusd;

    let b = &mut rep.banks[bank];
    b.book_loan(amount, rwa, sme);
    b.pay(handling);
    rep.ledger.deposits_raised += amount;
    rep.ledger.handling_costs += handling;

    let firm = &mut rep.firms[i];
    firm.cash_kusd += amount;
    firm.debt_kusd += owed;
    firm.pledged_kusd += offer.pledged_kusd;
    let slot = firm.dues.slot_mut(due);
    if product.is_lc_backed() {
        slot.lc_owed += owed;
    } else {
        slot.loan_owed += owed;
        slot.loan_pledged += offer.pledged_kusd;
        firm.debt_general_kusd += owed;
    }
    let fm = &mut rep.month[i];
    fm.unfinanced = (fm.unfinanced - amount).max(0.0);
    fm.granted += amount;
    fm.approved = true;
    if product == ProductKind::PackingLoan {
        fm.packing_room = (fm.packing_room - amount).max(0.0);
    }

    let tally = &mut rep.tally;
    tally.credit_new[product.index()] += amount;
    let class = if sme { 0 } else { 1 };
    tally.credit_new_by_sme[class] += amount;
    tally.rate_weighted_by_sme[class] += amount * offer.rate_annual;

    rep.loans.push(Loan {
        principal: amount,
        owed,
        pledged: offer.pledged_kusd,
        rwa,
        firm: i as u32,
        due,
        bank: bank as u16,
        product,
        bucket: bucket as u8,
        sme,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SmeThresholds;

    fn bank_type() -> BankType {
        BankType {
            funding_spread_annual: 0.005,
            markup_annual: 0.02,
            capital_buffer: 0.02,
            handling_cost_kusd: 0.3,
            rate_cap_multiple: 1.6,
            max_debt_to_monthly_revenue: 4.0,
            sme_thresholds: SmeThresholds {
                min_employees: 20.0,
                min_annual_revenue_kusd: 500.0,
                min_age_months: 24.0,
                min_score: 0.3,
                min_collateral_coverage: 0.5,
                min_months_since_default: 24.0,
            },
            ..BankType::default()
        }
    }

    fn applicant() -> Applicant {
        Applicant {
            sme: true,
            employees: 50.0,
            annual_revenue_kusd: 2_000.0,
            age_months: 60.0,
            score: 0.6,
            bucket: 6,
            known_default_months: None,
            free_collateral_kusd: 200.0,
            debt_for_limit_kusd: 0.0,
            revenue_for_limit_kusd: 170.0,
            group_guarantee_credit: false,
        }
    }

    fn market() -> Conditions {
        Conditions {
            policy_rate: 0.07,
            deposit_rate: 0.04,
        }
    }

    fn decide(
        bt: &BankType,
        a: &Applicant,
        equity: f64,
        rwa: f64,
        pd: f64,
        amount: f64,
    ) -> Result<Offer, Rejection> {
        let s = Scenario::default();
        let lender = Lender {
            bank_type: bt,
            equity,
            rwa,
            rwa_sme: rwa,
            pd,
        };
        evaluate(&s, &market(), &lender, a, ProductKind::WorkingCapital, amount, 4)
    }

    /// 100 kUSD for 4 months, 200 of free collateral at 40 % recovery:
    /// pledge 200, coverage 0.8, LGD max(0.1, 1 − 0.8) = 0.2; PD 5 %;
    /// r = 0.045 + 0.02 + 0.05·0.2/0.95/(1/3) + 0.3/(100/3) = 0.105579.
    #[test]
    fn approval_prices_risk_collateral_and_handling() {
        let offer = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let rate = 0.045 + 0.02 + 0.05 * 0.2 / 0.95 * 3.0 + 0.009;
        assert!((offer.rate_annual - rate).abs() < 1e-12, "{}", offer.rate_annual);
        assert_eq!(offer.amount_kusd, 100.0);
        assert_eq!(offer.pledged_kusd, 200.0);
        assert_eq!(offer.risk_weight, 1.0);
    }

    #[test]
    fn hard_thresholds_reject_smes_only() {
        let bt = bank_type();
        let cases: [fn(&mut Applicant); 5] = [
            |a| a.employees = 19.0,
            |a| a.annual_revenue_kusd = 499.0,
            |a| a.age_months = 23.0,
            |a| a.score = 0.29,
            |a| a.known_default_months = Some(12),
        ];
        for break_rule in cases {
            let mut a = applicant();
            break_rule(&mut a);
            assert_eq!(
                decide(&bt, &a, 1_000.0, 0.0, 0.05, 100.0),
                Err(Rejection::Threshold)
            );
            a.sme = false;
            assert!(
                decide(&bt, &a, 1_000.0, 0.0, 0.05, 100.0).is_ok(),
                "large firms face no SME thresholds"
            );
        }
        // A default the bank knows of but older than 24 months is forgiven.
        let old = Applicant {
            known_default_months: Some(30),
            ..applicant()
        };
        assert!(decide(&bt, &old, 1_000.0, 0.0, 0.05, 100.0).is_ok());
    }

    /// Collateral 200 at 40 % recovery supports 200·0.4/0.5 = 160 kUSD at
    /// the bank's 50 % coverage; more is granted only in part.
    #[test]
    fn collateral_coverage_limits_the_amount() {
        // Free handling, so that small loans are not priced out.
        let bank_type = || BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let offer = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.0, 300.0).unwrap();
        assert!((offer.amount_kusd - 160.0).abs() < 1e-9);
        let poor = Applicant {
            free_collateral_kusd: 10.0,
            ..applicant()
        };
        // 10·0.4/0.5 = 8 kUSD is above the 5 kUSD minimum loan; 5 is not.
        assert!(
            (decide(&bank_type(), &poor, 1_000.0, 0.0, 0.0, 100.0)
                .unwrap()
                .amount_kusd
                - 8.0)
                .abs()
                < 1e-9
        );
        let poorer = Applicant {
            free_collateral_kusd: 5.0,
            ..applicant()
        };
        assert_eq!(
            decide(&bank_type(), &poorer, 1_000.0, 0.0, 0.0, 100.0),
            Err(Rejection::Threshold)
        );
    }

    /// Equity 10 at 8 % + 2 % supports RWA of 100: with 92 used, 8 kUSD is
    /// lent in part; with 96 used, 4 < the 5 kUSD minimum loan.
    #[test]
    fn capital_constraint_rations() {
        let bt = BankType {
            handling_cost_kusd: 0.0,
            ..bank_type()
        };
        let offer = decide(&bt, &applicant(), 10.0, 92.0, 0.0, 100.0).unwrap();
        assert!((offer.amount_kusd - 8.0).abs() < 1e-9);
        assert_eq!(
            decide(&bt, &applicant(), 10.0, 96.0, 0.0, 100.0),
            Err(Rejection::Capital)
        );
        // A quota of half the capacity for SMEs binds first.
        let quota = BankType {
            sme_quota_share: 0.5,
            ..bt.clone()
        };
        assert_eq!(
            decide(&quota, &applicant(), 10.0, 46.0, 0.0, 100.0),
            Err(Rejection::Capital)
        );
    }

    #[test]
    fn debt_limit_and_rate_cap_ration() {
        let bt = bank_type();
        let indebted = Applicant {
            debt_for_limit_kusd: 678.0,
            ..applicant()
        };
        // 4 × 170 − 678 = 2 kUSD of room.
        assert_eq!(
            decide(&bt, &indebted, 1_000.0, 0.0, 0.05, 100.0),
            Err(Rejection::Exposure)
        );
        // PD 20 %: the risk premium alone is 0.2·0.2/0.8·3 = 15 % > the 11.2 % cap.
        assert_eq!(
            decide(&bt, &applicant(), 1_000.0, 0.0, 0.2, 100.0),
            Err(Rejection::Price)
        );
    }

    /// Without unified risk management the bank counts the group guarantee:
    /// LGD max(0.1, 1 − 0.8 − 0.3) = 0.1 instead of 0.2.
    #[test]
    fn group_guarantee_lowers_lgd_without_unified_risk_management() {
        let grouped = Applicant {
            group_guarantee_credit: true,
            ..applicant()
        };
        let with = decide(&bank_type(), &grouped, 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let without = decide(&bank_type(), &applicant(), 1_000.0, 0.0, 0.05, 100.0).unwrap();
        let saving = 0.05 * 0.1 / 0.95 * 3.0;
        assert!((without.rate_annual - with.rate_annual - saving).abs() < 1e-12);
    }

    #[test]
    fn screening_noise_falls_with_relationship_and_bureau() {
        let s = Scenario::default();
        let bt = BankType {
            screening_noise: 1.0,
            ..BankType::default()
        };
        assert_eq!(screening_noise(&s, &bt, 0.0, 0.0), 1.0);
        // 18 of 36 months: half the 40 % reduction.
        assert!((screening_noise(&s, &bt, 18.0, 0.0) - 0.8).abs() < 1e-12);
        assert!((screening_noise(&s, &bt, 100.0, 0.5) - 0.3).abs() < 1e-12);
    }
}
