//! The laboratory's rules as pure Rust: no database, no HTTP, no I/O. Tested with plain unit tests.

pub mod audit;
pub mod certificate_number;
pub mod conformity;
pub mod decimal;
pub mod language;
pub mod proficiency;
pub mod role;
pub mod traceability;
pub mod uncertainty;

pub use decimal::Decimal;
pub use language::CertificateLanguage;
pub use role::Role;

use serde::{Deserialize, Serialize};

/// A validation problem, tied to the offending field of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `inputs[2].uncertainty.k`, `coverage_probability`,
    /// `monte_carlo.trials`, `model`.
    pub field: String,
    /// What is wrong, in words a technician can act on.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
