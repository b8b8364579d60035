//! The roles of the people who use calab: what a user is in the lab decides what they may do
//! (ISO/IEC 17025 §6.2 authorization, §4.2 confidentiality).

use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    QualityManager,
    Signatory,
    Technician,
    Customer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::QualityManager,
        Role::Signatory,
        Role::Technician,
        Role::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::QualityManager => "quality_manager",
            Role::Signatory => "signatory",
            Role::Technician => "technician",
            Role::Customer => "customer",
        }
    }

    /// Everyone who works in the lab, as opposed to its customers.
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).ok(),
                Some(format!("\"{role}\""))
            );
        }
        assert!("root".parse::<Role>().is_err());
    }
}
