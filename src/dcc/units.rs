//! Numbers and units in the D-SI format (`si:real`, `\\milli\\gram`), from the reported
//! decimal strings.

/// `value` as a D-SI decimal (`si:decimalType`): trimmed, U+2212 MINUS SIGN as `-`; `None` when it
/// is not a plain decimal such as `-1.5e-3`.
pub(super) fn si_decimal(value: &str) -> Option<String> {
    let value = value.trim().replace('\u{2212}', "-");
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(&value);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    let ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty()) && exponent_ok;
    ok.then_some(value)
}

/// An uncertainty (`si:uncertaintyValueType`): a decimal without a minus sign.
pub(super) fn si_uncertainty(value: &str) -> Option<String> {
    si_decimal(value).filter(|v| !v.starts_with('-'))
}

/// A coverage factor (`si:kValueType`): digits starting 1–9, an optional decimal part, no exponent.
pub(super) fn si_coverage_factor(value: &str) -> Option<String> {
    let value = value.trim();
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = int.starts_with(|c: char| ('1'..='9').contains(&c)) && digits(int) && digits(frac);
    ok.then(|| value.to_string())
}

/// A coverage probability (`si:probabilityValueType`): 0 to 1, written without an exponent.
pub(super) fn si_probability(p: f64) -> Option<String> {
    // f64's Display never uses an exponent.
    (0.0..=1.0).contains(&p).then(|| p.to_string())
}

/// Units that take an SI prefix, by symbol.
pub(super) const PREFIXABLE_UNITS: &[(&str, &str)] = &[
    ("g", r"\gram"),
    ("m", r"\metre"),
    ("s", r"\second"),
    ("A", r"\ampere"),
    ("K", r"\kelvin"),
    ("mol", r"\mole"),
    ("cd", r"\candela"),
    ("N", r"\newton"),
    ("Pa", r"\pascal"),
    ("J", r"\joule"),
    ("W", r"\watt"),
    ("V", r"\volt"),
    ("Ω", r"\ohm"),        // U+03A9 GREEK CAPITAL LETTER OMEGA
    ("\u{2126}", r"\ohm"), // U+2126 OHM SIGN
    ("ohm", r"\ohm"),
    ("Hz", r"\hertz"),
    ("L", r"\litre"),
    ("l", r"\litre"),
    ("bar", r"\bar"),
];

/// Units written without a prefix.
pub(super) const OTHER_UNITS: &[(&str, &str)] = &[
    ("°C", r"\degreecelsius"),
    ("℃", r"\degreecelsius"),
    ("degC", r"\degreecelsius"),
    ("%", r"\percent"),
    ("%RH", r"\percent"),
    ("% RH", r"\percent"),
    ("°", r"\degree"),
    ("rad", r"\radian"),
    ("min", r"\minute"),
    ("h", r"\hour"),
];

pub(super) const PREFIXES: &[(&str, &str)] = &[
    ("G", r"\giga"),
    ("M", r"\mega"),
    ("k", r"\kilo"),
    ("h", r"\hecto"),
    ("d", r"\deci"),
    ("c", r"\centi"),
    ("m", r"\milli"),
    ("µ", r"\micro"), // U+00B5 MICRO SIGN
    ("μ", r"\micro"), // U+03BC GREEK SMALL LETTER MU
    ("u", r"\micro"),
    ("n", r"\nano"),
    ("p", r"\pico"),
];

/// The D-SI spelling of a recorded unit symbol: `kg` → `\kilo\gram`, `°C` → `\degreecelsius`,
/// `N·m` → `\newton\metre`, `mm²` → `\milli\metre\tothe{2}`. A symbol it does not know is kept
/// as D-SI's non-SI form, `|` followed by the text as recorded; an empty unit is `\one`.
pub(super) fn dsi_unit(unit: &str) -> String {
    let unit = unit.trim();
    if unit.is_empty() {
        return r"\one".to_string();
    }
    if let Some(known) = lookup(OTHER_UNITS, unit) {
        return known.to_string();
    }
    let factors: Option<Vec<String>> = unit.split(['·', '⋅', '*']).map(dsi_factor).collect();
    factors
        .map(|f| f.concat())
        .unwrap_or_else(|| format!("|{unit}"))
}

/// One factor of a product of units, with an optional prefix and an optional `²` or `³`.
pub(super) fn dsi_factor(factor: &str) -> Option<String> {
    let (symbol, power) = match factor.trim() {
        f if f.ends_with('²') => (f.trim_end_matches('²'), r"\tothe{2}"),
        f if f.ends_with('³') => (f.trim_end_matches('³'), r"\tothe{3}"),
        f => (f, ""),
    };
    let unit = lookup(PREFIXABLE_UNITS, symbol)
        .map(str::to_string)
        .or_else(|| {
            PREFIXES.iter().find_map(|(p, dsi_prefix)| {
                let base = lookup(PREFIXABLE_UNITS, symbol.strip_prefix(p)?)?;
                Some(format!("{dsi_prefix}{base}"))
            })
        })?;
    Some(unit + power)
}

pub(super) fn lookup(table: &[(&str, &'static str)], symbol: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(s, _)| *s == symbol)
        .map(|(_, dsi)| *dsi)
}
