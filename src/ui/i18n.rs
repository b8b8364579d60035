//! The web interface's two languages: every string a person reads comes from a catalogue
//! (`templates/i18n/vi.toml`, `en.toml`), and numbers and dates are formatted by one function per
//! language. Vietnamese is the lab's default; the user's choice, then `Accept-Language`, decide.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().get(..2)? {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, in the client's order of
    /// preference (weights of zero refused).
    pub fn from_accept(header: &str) -> Option<Lang> {
        let mut offered: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(n, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, n, lang))
            })
            .collect();
        offered.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offered.first().map(|o| o.2)
    }

    /// The catalogue text of a key; a missing key shows itself (and a test keeps that from
    /// shipping).
    pub fn t(self, key: &str) -> Cow<'static, str> {
        match CATALOGUES[self as usize].get(key) {
            Some(text) => Cow::Borrowed(text.as_str()),
            None => {
                tracing::warn!(key, language = self.code(), "missing text in the catalogue");
                Cow::Owned(key.to_string())
            }
        }
    }

    /// The decimal separator people of this language read.
    pub fn decimal_separator(self) -> char {
        match self {
            Lang::Vi => ',',
            Lang::En => '.',
        }
    }

    /// A number as stored (a decimal string with a point, as printed on certificates) written for
    /// this language: the separator changes, the digits never do.
    pub fn number(self, stored: &str) -> String {
        stored
            .replace('-', "\u{2212}")
            .replace('.', &self.decimal_separator().to_string())
    }

    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }
}

/// A measured value typed by a person, with the digits typed: decimal comma or point, spaces as
/// digit groups, a minus sign or a hyphen.
pub fn typed_decimal(typed: &str) -> Option<crate::domain::Decimal> {
    let cleaned: String = typed
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            ',' => '.',
            '\u{2212}' => '-',
            c => c,
        })
        .collect();
    crate::domain::Decimal::parse(&cleaned).ok()
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| {
    [
        flatten(include_str!("../../templates/i18n/vi.toml")),
        flatten(include_str!("../../templates/i18n/en.toml")),
    ]
});

/// `[section] key = "text"` as `section.key`.
fn flatten(source: &str) -> HashMap<String, String> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
        for (key, value) in table {
            let full = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(t) => walk(&full, t, out),
                toml::Value::String(s) => {
                    out.insert(full, s.clone());
                }
                other => {
                    out.insert(full, other.to_string());
                }
            }
        }
    }
    let mut out = HashMap::new();
    if let Ok(table) = source.parse::<toml::Table>() {
        walk("", &table, &mut out);
    }
    out
}

/// Every key of a language's catalogue (for the completeness test).
pub fn keys(lang: Lang) -> Vec<String> {
    let mut keys: Vec<String> = CATALOGUES[lang as usize].keys().cloned().collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_hold_the_same_keys() {
        let vi = keys(Lang::Vi);
        let en = keys(Lang::En);
        assert!(vi.len() > 50, "the Vietnamese catalogue did not parse");
        let only_vi: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(only_vi.is_empty(), "missing in English: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in Vietnamese: {only_en:?}");
        for lang in Lang::ALL {
            for key in keys(lang) {
                assert!(
                    !lang.t(&key).trim().is_empty(),
                    "{key} is empty in {lang:?}"
                );
            }
        }
    }

    /// Every `t("key")` in the templates and page handlers, and every key made from an enumerated
    /// value, is in the catalogues (both hold the same keys, checked above).
    #[test]
    fn every_key_the_pages_use_is_in_the_catalogues() {
        use crate::domain::{
            certificate::CertificateStatus, conformity::Verdict, intake::ItemStatus,
        };
        use crate::domain::{quality::ComplaintStatus, Role};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src/ui")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                    sources.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut used: Vec<String> = Vec::new();
        for text in &sources {
            for marker in ["t(\"", "title_key: \"", "v.frame(\""] {
                for (at, _) in text.match_indices(marker) {
                    // `t(` itself, not the end of another name such as `enum_text(`.
                    let before = text[..at].chars().next_back().unwrap_or(' ');
                    let rest = &text[at + marker.len()..];
                    let key = &rest[..rest.find('"').unwrap_or(0)];
                    let plain = key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || "._0123456789".contains(c));
                    if !(before.is_alphanumeric() || before == '_') && plain {
                        used.push(key.to_string());
                    }
                }
            }
        }
        let enums: [(&str, Vec<&str>); 6] = [
            (
                "request_status",
                crate::domain::intake::ServiceRequestStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
            ),
            (
                "item_status",
                ItemStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "certificate_status",
                CertificateStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "verify.status",
                CertificateStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            (
                "complaint_status",
                ComplaintStatus::ALL.iter().map(|s| s.as_str()).collect(),
            ),
            ("role", Role::ALL.iter().map(|r| r.as_str()).collect()),
        ];
        for (prefix, values) in enums {
            used.extend(values.into_iter().map(|v| format!("{prefix}.{v}")));
        }
        for v in [
            Verdict::Pass,
            Verdict::Fail,
            Verdict::ConditionalPass,
            Verdict::ConditionalFail,
        ] {
            used.push(format!("verdict.{}", v.as_str()));
        }
        for status in [400, 403, 404, 409, 413, 415, 422, 429, 500, 503] {
            used.push(format!("error.{status}"));
            used.push(format!("error.{status}_text"));
        }
        let known = keys(Lang::En);
        let missing: Vec<&String> = used
            .iter()
            .filter(|k| k.contains('.') && !known.contains(k))
            .collect();
        assert!(used.len() > 100, "the scan found the keys");
        assert!(missing.is_empty(), "not in the catalogues: {missing:?}");
    }

    #[test]
    fn the_client_order_and_weights_decide_the_language() {
        assert_eq!(Lang::from_accept("en-GB,en;q=0.9,vi;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept("fr, vi;q=0.5, en;q=0.4"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept("en;q=0, vi"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept("de"), None);
    }

    #[test]
    fn numbers_keep_their_digits_and_take_the_reader_s_separator() {
        assert_eq!(Lang::Vi.number("-0.0120"), "\u{2212}0,0120");
        assert_eq!(Lang::En.number("100.00"), "100.00");
        let typed = |s: &str| typed_decimal(s).map(|d| d.to_string());
        assert_eq!(typed("1,250").as_deref(), Some("1.250"));
        assert_eq!(typed(" 1 000.5 ").as_deref(), Some("1000.5"));
        assert_eq!(typed("\u{2212}0,02").as_deref(), Some("-0.02"));
        assert_eq!(typed("1,2.5"), None);
        assert_eq!(typed(""), None);
        assert_eq!(
            Lang::Vi.date(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default()),
            "05/03/2026"
        );
    }
}
