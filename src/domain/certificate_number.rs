//! Certificate numbers from the laboratory's pattern (ISO/IEC 17025 §7.8.2.1 b: a unique
//! identification on every certificate). `{YYYY}` or `{YY}` is the year of issue and `{SEQ}` or
//! `{SEQ:0N}` the sequence number, zero-padded to N digits; anything else is literal text.

/// Checks a pattern: exactly one sequence placeholder, only known placeholders, balanced braces,
/// and literal text a number can carry everywhere it is printed, typed and linked (letters,
/// digits, spaces and `- / . _ #`; no control characters or markup).
pub fn validate_pattern(pattern: &str) -> Result<(), String> {
    if let Some(bad) = pattern
        .chars()
        .find(|c| !(c.is_alphanumeric() || " -/._#{}:".contains(*c)))
    {
        return Err(format!(
            "{bad:?} cannot be part of a certificate number: use letters, digits, spaces and - / . _ #"
        ));
    }
    let mut seq_count = 0;
    for part in placeholders(pattern)? {
        match part {
            "YYYY" | "YY" => {}
            "SEQ" => seq_count += 1,
            p if p.starts_with("SEQ:0")
                && p[5..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                seq_count += 1
            }
            other => {
                return Err(format!(
                    "unknown placeholder {{{other}}}; use {{YYYY}}, {{YY}}, {{SEQ}} or {{SEQ:06}}"
                ))
            }
        }
    }
    if seq_count != 1 {
        return Err("the pattern needs exactly one {SEQ} or {SEQ:0N} placeholder".into());
    }
    Ok(())
}

fn placeholders(pattern: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("a '{' is never closed")?;
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("a '}' has no matching '{'".into());
    }
    Ok(found)
}

/// Formats a number from a validated pattern.
pub fn format_number(pattern: &str, year: i32, seq: u64) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        match name {
            "YYYY" => out.push_str(&format!("{year:04}")),
            "YY" => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            "SEQ" => out.push_str(&seq.to_string()),
            p => {
                let width = p
                    .strip_prefix("SEQ:0")
                    .and_then(|w| w.parse::<usize>().ok())
                    .unwrap_or(0);
                out.push_str(&format!("{seq:0width$}"));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_usual_patterns() {
        assert_eq!(format_number("{YYYY}-{SEQ:06}", 2026, 42), "2026-000042");
        assert_eq!(format_number("HC/{YY}/{SEQ}", 2026, 7), "HC/26/7");
        assert_eq!(format_number("VMI-{SEQ:04}", 2026, 123456), "VMI-123456");
    }

    #[test]
    fn refuses_bad_patterns() {
        assert!(validate_pattern("{YYYY}-{SEQ:06}").is_ok());
        assert!(validate_pattern("{YYYY}").is_err());
        assert!(validate_pattern("{SEQ}{SEQ}").is_err());
        assert!(validate_pattern("{SEQ:6}").is_err());
        assert!(validate_pattern("{SEQ").is_err());
        assert!(validate_pattern("SEQ}").is_err());
        assert!(validate_pattern("{DATE}-{SEQ}").is_err());
    }
}
