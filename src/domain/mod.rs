//! The laboratory's rules as pure Rust: no database, no HTTP, no I/O. Tested with plain unit tests.

pub mod audit;
pub mod certificate_number;
pub mod language;
pub mod role;

pub use language::CertificateLanguage;
pub use role::Role;
