//! Loans: records with ids, never pointers (STYLE.md, state and data layout).

use super::product::ProductKind;

/// The lender id of the export-import bank's direct loans (banks are
/// numbered from 0).
pub const EXIM: u16 = u16::MAX;

/// One outstanding loan. Principal and interest are repaid at maturity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loan {
    pub principal: f64,
    /// Principal plus interest due at maturity, kUSD.
    pub owed: f64,
    /// Collateral pledged, kUSD (released when repaid).
    pub pledged: f64,
    /// Risk-weighted amount booked against the bank's capital.
    pub rwa: f64,
    /// Share of what is owed guaranteed by the guarantee agency (0 if none).
    pub guarantee: f64,
    /// Principal funded by Exim on-lending.
    pub onlent: f64,
    pub firm: u32,
    /// Simulation month in which it falls due.
    pub due: u32,
    /// Lending bank, or `EXIM`.
    pub bank: u16,
    pub product: ProductKind,
    /// Score bucket at origination, for the bank's learning.
    pub bucket: u8,
    pub sme: bool,
}
