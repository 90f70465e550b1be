//! Trade finance products (DESIGN.md §3). The set is open: a new product is
//! a new `ProductKind` variant, its terms in `banks.products`, and its place
//! in `PREFERENCE`.

pub use crate::scenario::ProductKind;
use crate::scenario::{ProductTerms, Products};

/// Number of products; sizes per-product tables.
pub const PRODUCT_COUNT: usize = 3;

/// The order in which a firm asks for products: LC-backed first, then
/// working capital (cheapest and most secured first; DESIGN.md §4).
pub const PREFERENCE: [ProductKind; PRODUCT_COUNT] = [
    ProductKind::LcNegotiation,
    ProductKind::PackingLoan,
    ProductKind::WorkingCapital,
];

impl ProductKind {
    pub const ALL: [ProductKind; PRODUCT_COUNT] = PREFERENCE;

    pub fn index(self) -> usize {
        match self {
            ProductKind::LcNegotiation => 0,
            ProductKind::PackingLoan => 1,
            ProductKind::WorkingCapital => 2,
        }
    }

    /// Name used in metric columns (`credit_new_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            ProductKind::LcNegotiation => "lc_negotiation",
            ProductKind::PackingLoan => "packing_loan",
            ProductKind::WorkingCapital => "working_capital",
        }
    }

    /// Repaid first from an LC receivable assigned to the bank, and risk
    /// weighted as a self-liquidating trade exposure.
    pub fn is_lc_backed(self) -> bool {
        matches!(self, ProductKind::LcNegotiation | ProductKind::PackingLoan)
    }

    /// Covered by the joint guarantee of the borrower's group.
    pub fn group_guaranteed(self) -> bool {
        !self.is_lc_backed()
    }

    pub fn terms(self, products: &Products) -> &ProductTerms {
        match self {
            ProductKind::LcNegotiation => &products.lc_negotiation,
            ProductKind::PackingLoan => &products.packing_loan,
            ProductKind::WorkingCapital => &products.working_capital,
        }
    }
}
