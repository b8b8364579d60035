//! Rounding of reported results: the expanded uncertainty to two significant digits and the
//! value to the same decimal place (JCGM 100:2008 7.2.6, EA-4/02 M:2022 section 6, ILAC-P14).
//!
//! Results are exact decimal strings built digit by digit, never through float formatting, so
//! "0.0590" is never printed "0.059" or "5.9e-2", and large values keep their zeros
//! (U = 1234 gives "1300" with the value rounded to the hundreds).
//!
//! Binary floating point rarely holds the decimal a laboratory meant: 0.059 arrives as
//! 0.059000000000000004 and rounding that *up* naively gives 0.060. The expanded uncertainty is
//! therefore compared with the integer below it using a relative tolerance of 1e-9, and the value
//! is first reduced to 15 significant digits (all that a double carries reliably) before its
//! half-way cases are decided.

use serde::{Deserialize, Serialize};

/// Relative tolerance under which a scaled expanded uncertainty counts as already exact.
const REL_TOL: f64 = 1e-9;

/// How the expanded uncertainty is rounded to two significant digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Always round up (0.0591 -> 0.060): the stated uncertainty is never smaller than the
    /// evaluated one. The default, as ILAC-P14 asks of calibration certificates.
    #[default]
    Up,
    /// Round to the nearest two-digit value, halves away from zero (0.0585 -> 0.059).
    Nearest,
}

/// u × 10^d without overflowing the power of ten for extreme exponents.
fn scale(u: f64, d: i32) -> f64 {
    let split = d.clamp(-300, 300);
    u * 10f64.powi(split) * 10f64.powi(d - split)
}

/// Writes the integer `digits` (a decimal string without sign) as a number with `decimals`
/// decimal places; negative `decimals` append zeros (digits counted in hundreds, thousands...).
fn place_decimal_point(digits: &str, decimals: i32) -> String {
    if decimals <= 0 {
        let mut s = String::with_capacity(digits.len() + (-decimals) as usize);
        s.push_str(digits);
        if digits != "0" {
            for _ in 0..(-decimals) {
                s.push('0');
            }
        }
        return s;
    }
    let d = decimals as usize;
    let mut s = String::with_capacity(digits.len() + d + 2);
    if digits.len() <= d {
        s.push_str("0.");
        for _ in 0..(d - digits.len()) {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let (int_part, frac_part) = digits.split_at(digits.len() - d);
        s.push_str(int_part);
        s.push('.');
        s.push_str(frac_part);
    }
    s
}

/// Rounds an expanded uncertainty to two significant digits.
///
/// Returns the decimal string and the number of decimal places it has (negative when the last
/// significant digit is left of the units: U = 1234 gives `("1300", -2)`). Pass that number to
/// [`round_to_decimals`] to round the value to the same place.
///
/// `u = 0` gives `("0", 0)`; a negative `u` is rounded by its magnitude; a non-finite `u` is
/// returned as Rust prints it with 0 decimals (callers validate before reporting).
pub fn round_expanded(u: f64, mode: RoundingMode) -> (String, i32) {
    if !u.is_finite() {
        return (format!("{u}"), 0);
    }
    let u = u.abs();
    if u == 0.0 {
        return ("0".to_string(), 0);
    }
    // Decimals d such that u × 10^d lies in [10, 100); log10 can be off by one next to a power
    // of ten, hence the correction.
    let mut d = 1 - u.log10().floor() as i32;
    let mut scaled = scale(u, d);
    if scaled >= 100.0 {
        d -= 1;
        scaled = scale(u, d);
    } else if scaled < 10.0 {
        d += 1;
        scaled = scale(u, d);
    }
    let mut n = match mode {
        RoundingMode::Up => {
            let below = scaled.floor();
            if scaled - below <= REL_TOL * scaled {
                below
            } else {
                below + 1.0
            }
        }
        RoundingMode::Nearest => (scaled + 0.5 + REL_TOL * scaled).floor(),
    };
    // Also absorbs 9.9999999999 (meant as 10) landing just under the next integer above.
    if (scaled - scaled.round()).abs() <= REL_TOL * scaled {
        n = scaled.round();
    }
    if n >= 100.0 {
        // 99.5 rounded up is 100: still two significant digits, one place further left ("0.10").
        n = 10.0;
        d -= 1;
    }
    let digits = format!("{}", n as u32);
    (place_decimal_point(&digits, d), d)
}

/// Rounds `value` to `decimals` decimal places (negative: to tens, hundreds...), half away from
/// zero, and returns the exact decimal string ("-0.00" is written "0.00").
///
/// Half away from zero, not half to even: it is the rule laboratories apply by hand and in
/// spreadsheets (and the one used in the EA-4/02 examples), it treats positive and negative
/// errors of indication symmetrically, and the bias that round-half-even avoids matters for sums
/// of many rounded numbers, not for one reported result.
pub fn round_to_decimals(value: f64, decimals: i32) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    // A double has no digits beyond 10^±340: wider requests are clamped (and keep the string short).
    let decimals = decimals.clamp(-340, 340);
    // 15 significant digits: d.dddddddddddddde±X, i.e. value = D × 10^(X - 14).
    let sci = format!("{:.14e}", value.abs());
    let (mantissa, exponent) = match sci.split_once('e') {
        Some(parts) => parts,
        None => return format!("{value}"),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let (mant, exp): (u64, i32) = match (digits.parse(), exponent.parse()) {
        (Ok(m), Ok(e)) => (m, e),
        _ => return format!("{value}"),
    };
    let shift = exp - 14 + decimals;
    let rounded: String = if shift >= 0 {
        let mut s = mant.to_string();
        if mant != 0 {
            for _ in 0..shift {
                s.push('0');
            }
        }
        s
    } else if shift < -16 {
        "0".to_string()
    } else {
        let divisor = 10u64.pow((-shift) as u32);
        let mut kept = mant / divisor;
        let remainder = mant % divisor;
        if remainder >= divisor - remainder {
            kept += 1;
        }
        kept.to_string()
    };
    let body = place_decimal_point(&rounded, decimals);
    if value < 0.0 && rounded.chars().any(|c| c != '0') {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_noise_does_not_round_up_an_exact_value() {
        assert_eq!(round_expanded(0.059, RoundingMode::Up), ("0.059".into(), 3));
        assert_eq!(
            round_expanded(0.059000000000001, RoundingMode::Up).0,
            "0.059"
        );
        assert_eq!(
            round_expanded(0.058999999999999, RoundingMode::Up).0,
            "0.059"
        );
        // 0.1 + 0.2 = 0.30000000000000004
        assert_eq!(round_expanded(0.1 + 0.2, RoundingMode::Up).0, "0.30");
        assert_eq!(round_expanded(2.0 * 0.0295, RoundingMode::Up).0, "0.059");
    }

    #[test]
    fn trailing_zero_is_kept() {
        assert_eq!(round_expanded(0.0590, RoundingMode::Nearest).0, "0.059");
        assert_eq!(round_expanded(0.05901, RoundingMode::Nearest).0, "0.059");
        assert_eq!(
            round_expanded(0.0599, RoundingMode::Up),
            ("0.060".into(), 3)
        );
        assert_eq!(
            round_expanded(0.0591, RoundingMode::Up),
            ("0.060".into(), 3)
        );
        assert_eq!(round_expanded(0.0591, RoundingMode::Nearest).0, "0.059");
        assert_eq!(round_expanded(0.1, RoundingMode::Up), ("0.10".into(), 2));
        assert_eq!(round_expanded(1.0, RoundingMode::Up), ("1.0".into(), 1));
    }

    #[test]
    fn rounding_up_past_99_moves_one_place() {
        assert_eq!(round_expanded(0.0995, RoundingMode::Up), ("0.10".into(), 2));
        assert_eq!(
            round_expanded(0.0995, RoundingMode::Nearest),
            ("0.10".into(), 2)
        );
        assert_eq!(
            round_expanded(0.0994, RoundingMode::Nearest),
            ("0.099".into(), 3)
        );
        assert_eq!(round_expanded(9.99, RoundingMode::Up), ("10".into(), 0));
        assert_eq!(
            round_expanded(0.09999999999999999, RoundingMode::Up),
            ("0.10".into(), 2)
        );
    }

    #[test]
    fn nearest_mode_halves_go_up() {
        assert_eq!(round_expanded(0.0585, RoundingMode::Nearest).0, "0.059");
        assert_eq!(round_expanded(0.05849, RoundingMode::Nearest).0, "0.058");
        assert_eq!(round_expanded(0.05849, RoundingMode::Up).0, "0.059");
        assert_eq!(round_expanded(16.66, RoundingMode::Nearest).0, "17");
        assert_eq!(round_expanded(92.48, RoundingMode::Nearest).0, "92");
        assert_eq!(round_expanded(92.48, RoundingMode::Up).0, "93");
    }

    #[test]
    fn large_and_small_magnitudes() {
        assert_eq!(
            round_expanded(1234.0, RoundingMode::Up),
            ("1300".into(), -2)
        );
        assert_eq!(
            round_expanded(1234.0, RoundingMode::Nearest),
            ("1200".into(), -2)
        );
        assert_eq!(round_expanded(12.0, RoundingMode::Up), ("12".into(), 0));
        assert_eq!(round_expanded(123.0, RoundingMode::Up), ("130".into(), -1));
        assert_eq!(
            round_expanded(4.56e9, RoundingMode::Up),
            ("4600000000".into(), -8)
        );
        assert_eq!(
            round_expanded(9.26e-5, RoundingMode::Up),
            ("0.000093".into(), 6)
        );
        assert_eq!(
            round_expanded(3.21e-12, RoundingMode::Up),
            ("0.0000000000033".into(), 13)
        );
        assert_eq!(round_expanded(0.0, RoundingMode::Up), ("0".into(), 0));
    }

    #[test]
    fn value_aligned_to_the_uncertainty() {
        let (_, d) = round_expanded(1234.0, RoundingMode::Up);
        assert_eq!(round_to_decimals(123_456.7, d), "123500");
        assert_eq!(round_to_decimals(123_449.9, d), "123400");
        assert_eq!(round_to_decimals(10_000.025_000_000_001, 3), "10000.025");
        assert_eq!(round_to_decimals(50.000_838_07, 6), "50.000838");
        assert_eq!(round_to_decimals(2.0, 3), "2.000");
        assert_eq!(round_to_decimals(0.0, 2), "0.00");
        assert_eq!(round_to_decimals(-0.0001, 2), "0.00");
        assert_eq!(round_to_decimals(-1.25, 1), "-1.3");
        assert_eq!(round_to_decimals(1.25, 1), "1.3");
        // 0.0125 is 0.01249999999999999972 in binary; the decimal meant is a half.
        assert_eq!(round_to_decimals(0.0125, 3), "0.013");
        assert_eq!(round_to_decimals(1.005, 2), "1.01");
        assert_eq!(round_to_decimals(0.000_4, 2), "0.00");
        assert_eq!(round_to_decimals(0.005, 2), "0.01");
        assert_eq!(round_to_decimals(0.004_999, 2), "0.00");
        assert_eq!(round_to_decimals(999.96, 1), "1000.0");
        assert_eq!(round_to_decimals(5e-20, 2), "0.00");
        assert_eq!(round_to_decimals(1.5e20, -20), "200000000000000000000");
    }
}
