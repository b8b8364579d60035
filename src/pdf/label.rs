//! The label stuck on each item at intake (ISO/IEC 17025 §7.4.2: items are uniquely identified
//! for as long as they are in the laboratory, so that they cannot be confused with one another
//! in the physical items or in the records that refer to them).
//!
//! One small page sized for a label printer (62 × 29 mm by default): the laboratory id in large
//! type and as a QR code (scanned at the bench to open the item's record), the customer, the date
//! received and the date the lab promised to return it, under the laboratory's name.

use chrono::{DateTime, NaiveDate, Utc};

use super::layout::{Align, DocInfo, Document, Margins, PageSize, TextStyle};
use super::{Language, PdfError};

/// A 62 mm wide continuous label cut at 29 mm, the common address-label size of small label
/// printers.
pub const LABEL_62X29: PageSize = PageSize::mm(62.0, 29.0);

/// Everything printed on an item label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelData {
    pub language: Language,
    /// Label stock size; [`LABEL_62X29`] for most printers.
    pub size: PageSize,
    /// The laboratory's unique id of the item.
    pub lab_id: String,
    /// What the QR code encodes, e.g. the item's URL in calab; `None` encodes the lab id.
    pub qr_content: Option<String>,
    /// Shortened with "…" when too long for the label.
    pub customer_name: String,
    pub received_date: NaiveDate,
    /// The date the lab promised to return the item (not its calibration due date).
    pub return_by: Option<NaiveDate>,
    /// The laboratory's name, printed small across the top; may be empty.
    pub lab_name: String,
    /// When the document was produced; the PDF's creation date.
    pub generated_at: DateTime<Utc>,
}

/// Renders one item label.
pub fn render_label(data: &LabelData) -> Result<Vec<u8>, PdfError> {
    let lang = data.language;
    let info = DocInfo {
        title: format!(
            "{} {}",
            lang.label("Nhãn thiết bị", "Item label"),
            data.lab_id
        ),
        author: data.lab_name.clone(),
        subject: data.customer_name.clone(),
        creator: "calab".to_owned(),
        keywords: vec![data.lab_id.clone()],
        created_at: data.generated_at,
    };
    let margin = 2.0;
    let mut doc = Document::new(data.size, Margins::uniform(margin), &info)?;
    let page = data.size;
    let x = margin + 0.5;

    // The laboratory's name across the whole width, shrunk rather than cut.
    let mut top = margin;
    if !data.lab_name.trim().is_empty() {
        let tiny = TextStyle::regular(5.5).with_grey(0.3);
        let full = page.width_mm - 2.0 * x;
        top += fitted_line(&mut doc, x, top, full, tiny, 4.0, &data.lab_name);
    }

    // QR at the right, as tall as the label allows under the name. The white margin of the
    // stock plus the gap to the text gives it a quiet zone of about two modules, which scanners
    // at arm's length accept for the small versions an id or URL needs.
    let room = page.height_mm - top - margin;
    let qr_size = (room - 1.0).min(page.width_mm * 0.42);
    let qr_x = page.width_mm - margin - 1.0 - qr_size;
    let qr_y = top + (room - qr_size) / 2.0;
    let qr_data = data.qr_content.as_deref().unwrap_or(&data.lab_id);
    doc.qr_code(qr_x, qr_y, qr_size, qr_data)?;

    let w = qr_x - 2.0 - x;
    let mut y = top + 0.3;

    // The id: as large as fits on one line, from 16 pt down to 7 pt, then cut with "…" (the
    // QR code still carries it whole).
    let mut id_style = TextStyle::bold(16.0).with_line_height(1.1);
    while id_style.size_pt > 7.0 && doc.text_width(&id_style, &data.lab_id) > w {
        id_style.size_pt -= 0.5;
    }
    let id = doc.fit_with_ellipsis(&id_style, &data.lab_id, w);
    y += doc.text_block(x, y, w, &id_style, Align::Left, &id);
    y += 0.6;
    doc.line(x, y, x + w, y, 0.5);
    y += 0.8;

    let small = TextStyle::regular(7.0).with_line_height(1.2);
    // Customer: up to two lines, the second cut with "…" if the name is longer still.
    let customer_style = TextStyle::bold(7.0).with_line_height(1.15);
    let mut lines = doc.wrap(&customer_style, &data.customer_name, w);
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(doc.fit_with_ellipsis(&customer_style, &rest, w));
    }
    for line in &lines {
        y += doc.text_block(x, y, w, &customer_style, Align::Left, line);
    }

    let received = format!(
        "{}: {}",
        short_label(lang, "Nhận", "In"),
        data.received_date.format("%d/%m/%Y")
    );
    y += fitted_line(&mut doc, x, y, w, small, 5.5, &received);
    if let Some(date) = data.return_by {
        let text = format!(
            "{}: {}",
            short_label(lang, "Hẹn trả", "Return by"),
            date.format("%d/%m/%Y")
        );
        fitted_line(&mut doc, x, y, w, small.with_grey(0.0), 5.5, &text);
    }
    doc.finish()
}

/// Labels on a 62 mm label must stay short: "Nhận / In" rather than the full phrases.
fn short_label(lang: Language, vi: &str, en: &str) -> String {
    match lang {
        Language::Vi => vi.to_owned(),
        Language::En => en.to_owned(),
        Language::Both => format!("{vi}/{en}"),
    }
}

/// One line shrunk down to `min_pt` if needed so that it is not cut; returns its height.
fn fitted_line(
    doc: &mut Document,
    x: f32,
    y: f32,
    w: f32,
    mut style: TextStyle,
    min_pt: f32,
    text: &str,
) -> f32 {
    while style.size_pt > min_pt && doc.text_width(&style, text) > w {
        style.size_pt -= 0.25;
    }
    let text = doc.fit_with_ellipsis(&style, text, w);
    doc.text_block(x, y, w, &style, Align::Left, &text)
}
