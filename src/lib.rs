//! tradefin: an agent-based simulation of trade finance for exporting SMEs,
//! their banks and the state.
//!
//! The library does the work; the `tradefin` binary only parses the command
//! line. Layout (see DESIGN.md §9): `scenario` reads and validates scenario
//! files, `model` holds agent state and behaviour, `sim` runs the month,
//! `metrics` records it, `experiment` replicates and summarises, `output`
//! writes files.

pub mod cancel;
pub mod error;
pub mod scenario;

pub use cancel::Cancel;
pub use error::{Error, Result};
pub mod experiment;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod sim;
