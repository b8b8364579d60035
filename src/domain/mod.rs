//! The laboratory's rules as pure Rust: no database, no HTTP, no I/O. Tested with plain unit tests.

pub mod audit;
pub mod certificate_number;
pub mod decimal;
pub mod language;
pub mod role;
pub mod traceability;

pub use decimal::Decimal;
pub use language::CertificateLanguage;
pub use role::Role;
