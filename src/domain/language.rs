//! The language a customer wants on certificates: Vietnamese, English or both (bilingual).

use std::fmt;
use std::str::FromStr;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CertificateLanguage {
    Vi,
    En,
    #[default]
    Both,
}

impl CertificateLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateLanguage::Vi => "vi",
            CertificateLanguage::En => "en",
            CertificateLanguage::Both => "both",
        }
    }
}

impl fmt::Display for CertificateLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CertificateLanguage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "vi" => Ok(CertificateLanguage::Vi),
            "en" => Ok(CertificateLanguage::En),
            "both" => Ok(CertificateLanguage::Both),
            other => Err(format!("unknown language {other:?}")),
        }
    }
}
