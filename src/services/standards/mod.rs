//! The lab's measurement standards (ISO/IEC 17025 §6.4 equipment, §6.5 traceability): the register,
//! status with its history, incoming calibrations and their certificate files, intermediate checks,
//! the due list, the traceability chain on any date, fitness for use, and reverse traceability.

mod calibrations;
mod checks;
mod due;
mod register;
mod traceability;

pub use calibrations::*;
pub use checks::*;
pub use due::*;
pub use register::*;
pub use traceability::*;

/// Chains longer than this are refused as nonsense (a real hierarchy has three or four levels).
pub const MAX_CHAIN_DEPTH: i32 = 20;
/// "Due soon" on a standard's own record means within this many days.
pub const DUE_SOON_DAYS: i64 = 30;
pub const MAX_FILE_BYTES: usize = 20 << 20;
