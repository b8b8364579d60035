//! The error chart of an instrument: at each calibration point, the error found at each
//! calibration with its expanded uncertainty as an error bar, against ± the maximum permissible
//! error. Drawn on the server as SVG with a title and a description; the page gives the same
//! numbers as a table (ILAC-G24 interval decisions rest on this picture).

use std::fmt::Write;

/// One calibration's results.
pub struct Series {
    /// The calibration date, as the reader writes it.
    pub label: String,
    pub points: Vec<Point>,
}

pub struct Point {
    pub nominal: f64,
    pub error: f64,
    pub expanded_uncertainty: f64,
    pub mpe: Option<f64>,
}

/// Escapes text for SVG (XML).
fn esc(text: &str) -> String {
    crate::dcc::xml::escape(text)
}

/// A tick step of 1, 2 or 5 times a power of ten giving about `n` ticks over `span`.
fn step(span: f64, n: f64) -> f64 {
    let raw = span / n;
    let magnitude = 10f64.powf(raw.log10().floor());
    let unit = raw / magnitude;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A tick value without float noise, in the reader's decimal separator.
fn tick(value: f64, step: f64, separator: char) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.decimals$}", 0.0)
    } else {
        text
    };
    text.replace('-', "\u{2212}")
        .replace('.', &separator.to_string())
}

/// The chart; `None` when there is nothing to draw.
pub fn error_chart(
    series: &[Series],
    unit: &str,
    title: &str,
    axis_x: &str,
    axis_y: &str,
    separator: char,
) -> Option<String> {
    let mut nominals: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.nominal))
        .collect();
    nominals.sort_by(f64::total_cmp);
    nominals.dedup();
    if nominals.is_empty() {
        return None;
    }
    let reach = series
        .iter()
        .flat_map(|s| s.points.iter())
        .map(|p| (p.error.abs() + p.expanded_uncertainty).max(p.mpe.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let reach = if reach > 0.0 { reach * 1.15 } else { 1.0 };
    let dy = step(2.0 * reach, 6.0);
    let top = (reach / dy).ceil() * dy;

    let (width, height) = (720.0, 360.0);
    let (left, right, upper, lower) = (80.0, 16.0, 36.0, 56.0);
    let plot_w = width - left - right;
    let plot_h = height - upper - lower;
    let y = |v: f64| upper + plot_h * (top - v) / (2.0 * top);
    let band = plot_w / nominals.len() as f64;
    let x_of = |nominal: f64| {
        let i = nominals
            .iter()
            .position(|n| *n == nominal)
            .unwrap_or_default();
        left + band * (i as f64 + 0.5)
    };

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"#,
        esc(title),
        esc(&format!("{axis_y} ({unit}) / {axis_x} ({unit})")),
    );
    let mut v = -top;
    while v <= top + dy / 2.0 {
        let yy = y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            width - right,
            left - 6.0,
            yy + 4.0,
            tick(v, dy, separator)
        );
        v += dy;
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}"/><line class="axis" x1="{left}" x2="{left}" y1="{upper}" y2="{}"/>"#,
        width - right,
        y(0.0),
        y(0.0),
        height - lower
    );
    for nominal in &nominals {
        let xx = x_of(*nominal);
        let label = tick(*nominal, step(nominal.abs().max(1e-9), 1000.0), separator);
        let _ = write!(
            svg,
            r#"<text x="{xx:.1}" y="{}" text-anchor="middle">{}</text>"#,
            height - lower + 18.0,
            esc(&label)
        );
    }
    // ± MPE at each point (the largest stated there).
    for nominal in &nominals {
        let mpe = series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| p.nominal == *nominal)
            .filter_map(|p| p.mpe)
            .fold(None, |acc: Option<f64>, m| {
                Some(acc.map_or(m, |a| a.max(m)))
            });
        if let Some(m) = mpe {
            let xx = x_of(*nominal);
            for v in [m, -m] {
                let _ = write!(
                    svg,
                    r#"<line class="mpe" x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
                    xx - band * 0.42,
                    xx + band * 0.42,
                    y(v),
                    y(v)
                );
            }
        }
    }
    let n = series.len().max(1) as f64;
    for (k, s) in series.iter().enumerate() {
        let class = format!("s{}", k.min(4));
        let offset = (k as f64 - (n - 1.0) / 2.0) * (band * 0.6 / n);
        for p in &s.points {
            let xx = x_of(p.nominal) + offset;
            let _ = write!(
                svg,
                r#"<g class="{class}"><line class="bar" x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}"/><circle cx="{xx:.1}" cy="{:.1}" r="4"/></g>"#,
                y(p.error + p.expanded_uncertainty),
                y(p.error - p.expanded_uncertainty),
                y(p.error)
            );
        }
    }
    // Legend and axis titles.
    let _ = write!(
        svg,
        r#"<text x="{left}" y="20">{}</text><text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
        esc(&format!("{axis_y} ({unit})")),
        left + plot_w / 2.0,
        height - 12.0,
        esc(&format!("{axis_x} ({unit})"))
    );
    let mut lx = left + 180.0;
    if series
        .iter()
        .flat_map(|s| s.points.iter())
        .any(|p| p.mpe.is_some())
    {
        let _ = write!(
            svg,
            r#"<line class="mpe" x1="{lx:.1}" x2="{:.1}" y1="16" y2="16"/><text x="{:.1}" y="20">± MPE</text>"#,
            lx + 18.0,
            lx + 24.0
        );
        lx += 90.0;
    }
    for (k, s) in series.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<g class="s{}"><circle cx="{lx:.1}" cy="16" r="4"/></g><text x="{:.1}" y="20">{}</text>"#,
            k.min(4),
            lx + 8.0,
            esc(&s.label)
        );
        lx += 110.0;
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// A QR code as SVG (error correction M, a quiet zone of four modules), one path of dark runs.
pub fn qr_svg(data: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
    else {
        return String::new();
    };
    let n = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colors[row * n + col] == qrcode::Color::Dark {
                col += 1;
            }
            path.push_str(&format!(
                "M{} {}h{}v1h-{}z",
                start + 4,
                row + 4,
                col - start,
                col - start
            ));
        }
    }
    let size = n + 8;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" class=\"qr\" \
         role=\"img\" aria-hidden=\"true\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" \
         height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_carry_no_float_noise() {
        assert_eq!(tick(0.1 + 0.2, 0.1, '.'), "0.3");
        assert_eq!(tick(-0.000_000_1, 0.01, ','), "0,00");
        assert_eq!(step(0.7, 6.0), 0.2);
    }

    #[test]
    fn the_chart_names_its_axes_and_escapes_its_text() {
        let svg = error_chart(
            &[Series {
                label: "<2026>".into(),
                points: vec![Point {
                    nominal: 100.0,
                    error: 0.02,
                    expanded_uncertainty: 0.01,
                    mpe: Some(0.05),
                }],
            }],
            "g",
            "Error",
            "Nominal",
            "Error",
            '.',
        )
        .unwrap_or_default();
        assert!(svg.contains("<title id=\"chart-title\">Error</title>"));
        assert!(svg.contains("&lt;2026&gt;"));
        assert!(svg.contains("class=\"mpe\""));
    }
}
