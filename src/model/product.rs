//! Trade finance products (DESIGN.md §3). The set is open: a new product is
//! a new `ProductKind` variant, its terms in `banks.products`, its backing
//! below and its place in `PREFERENCE`.

pub use crate::scenario::ProductKind;
use crate::scenario::{ProductTerms, Products};

/// Number of products; sizes per-product tables.
pub const PRODUCT_COUNT: usize = 7;

/// The order in which a firm asks for products: LC-backed first, then
/// receivables-backed, then loans on the firm's own credit (cheapest and
/// most secured first; DESIGN.md §4). The Exim bank comes after all of them.
pub const PREFERENCE: [ProductKind; PRODUCT_COUNT] = [
    ProductKind::LcNegotiation,
    ProductKind::RedClause,
    ProductKind::PackingLoan,
    ProductKind::InsuranceBacked,
    ProductKind::Factoring,
    ProductKind::ImportLc,
    ProductKind::WorkingCapital,
];

/// What repays a loan first: a pool of the firm's receivables assigned to
/// the bank, or the firm itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Export LC receivables (and the issuing bank behind them).
    Lc = 0,
    /// Export receivables insured by the export credit insurer.
    Insured = 1,
    /// Uninsured open-account and collection export receivables.
    Open = 2,
    /// The firm: cash, collateral, guarantees.
    Firm = 3,
}

/// Number of receivable pools (`Backing` other than `Firm`).
pub const POOLS: usize = 3;

impl Backing {
    /// The receivable pools, in index order.
    pub const ALL_POOLS: [Backing; POOLS] = [Backing::Lc, Backing::Insured, Backing::Open];
}

impl ProductKind {
    pub const ALL: [ProductKind; PRODUCT_COUNT] = PREFERENCE;

    pub fn index(self) -> usize {
        match self {
            ProductKind::LcNegotiation => 0,
            ProductKind::RedClause => 1,
            ProductKind::PackingLoan => 2,
            ProductKind::InsuranceBacked => 3,
            ProductKind::Factoring => 4,
            ProductKind::ImportLc => 5,
            ProductKind::WorkingCapital => 6,
        }
    }

    /// Name used in scenario files and metric columns (`credit_new_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            ProductKind::LcNegotiation => "lc_negotiation",
            ProductKind::RedClause => "red_clause",
            ProductKind::PackingLoan => "packing_loan",
            ProductKind::InsuranceBacked => "insurance_backed",
            ProductKind::Factoring => "factoring",
            ProductKind::ImportLc => "import_lc",
            ProductKind::WorkingCapital => "working_capital",
        }
    }

    pub fn backing(self) -> Backing {
        match self {
            ProductKind::LcNegotiation | ProductKind::RedClause | ProductKind::PackingLoan => Backing::Lc,
            ProductKind::InsuranceBacked => Backing::Insured,
            ProductKind::Factoring => Backing::Open,
            ProductKind::ImportLc | ProductKind::WorkingCapital => Backing::Firm,
        }
    }

    /// Falls due with the receivable that backs it.
    pub fn receivable_backed(self) -> bool {
        self.backing() != Backing::Firm
    }

    /// Risk weighted as a self-liquidating trade exposure (Basel's 20 %
    /// for claims backed by export LCs). An import LC here is the funded
    /// bill advance, a claim on the firm at its own weight.
    pub fn lc_risk_weight(self) -> bool {
        self.backing() == Backing::Lc
    }

    /// Covered by the joint guarantee of the borrower's group, and by the
    /// public guarantee agency: loans on the firm's own credit.
    pub fn guaranteeable(self) -> bool {
        self.backing() == Backing::Firm
    }

    /// The bank's risk is the firm's, so its SME thresholds apply; a red
    /// clause puts the risk on the issuing bank (ICC).
    pub fn firm_risk(self) -> bool {
        self != ProductKind::RedClause
    }

    pub fn terms(self, products: &Products) -> &ProductTerms {
        match self {
            ProductKind::LcNegotiation => &products.lc_negotiation,
            ProductKind::RedClause => &products.red_clause,
            ProductKind::PackingLoan => &products.packing_loan,
            ProductKind::InsuranceBacked => &products.insurance_backed,
            ProductKind::Factoring => &products.factoring,
            ProductKind::ImportLc => &products.import_lc,
            ProductKind::WorkingCapital => &products.working_capital,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_names_and_preference_agree() {
        for (i, p) in ProductKind::ALL.iter().enumerate() {
            assert_eq!(p.index(), i);
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
        // LC-backed, then receivable-backed, then the firm's own credit.
        let rank = |p: &ProductKind| p.backing() as usize;
        let ranks: Vec<usize> = PREFERENCE.iter().map(rank).collect();
        let lc_first = ranks.iter().position(|&r| r != 0).unwrap();
        assert!(ranks[lc_first..].iter().all(|&r| r != 0));
        assert_eq!(*ranks.last().unwrap(), Backing::Firm as usize);
    }
}
