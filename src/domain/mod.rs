//! The laboratory's rules as pure Rust: no database, no HTTP, no I/O. Tested with plain unit tests.

/// A closed set of names stored and sent as snake_case text.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)))
            }
        }
    };
}

pub mod audit_trail;
pub mod calibration;
pub mod certificate;
pub mod certificate_number;
pub mod conformity;
pub mod decimal;
pub mod intake;
pub mod language;
pub mod proficiency;
pub mod quality;
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
