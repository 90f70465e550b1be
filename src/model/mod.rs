//! Agent state and the rules that belong to one agent: firms, banks, loans,
//! guarantee groups, the world.

pub mod bank;
pub mod firm;
pub mod government;
pub mod groups;
pub mod loan;
pub mod product;
pub mod size;
pub mod world;

pub use bank::Bank;
pub use firm::Firm;
pub use groups::Groups;
pub use loan::Loan;
pub use product::ProductKind;
pub use size::{SizeClass, SizeRule};
pub use world::{PaymentTerm, World};
