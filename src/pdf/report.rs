//! A report of numbered sections, each with paragraphs and titled tables: how the audit pack for
//! an ISO/IEC 17025 assessment prints. The content (which clauses, which rows, in which words) is
//! the caller's; this module only lays it out.

use super::layout::{Align, DocInfo, Document, Margins, PageFrame, PageSize, Table, TextStyle};
use super::PdfError;

/// Everything a report prints.
#[derive(Debug, Clone)]
pub struct Report {
    pub info: DocInfo,
    pub frame: PageFrame,
    pub title: String,
    /// Lines under the title (the accreditation, the period).
    pub subtitle: Vec<String>,
    pub sections: Vec<Section>,
    /// The last line, which shows nothing was cut off.
    pub end_mark: String,
}

/// One section: its heading, then its paragraphs, then its tables, each under its caption.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<Captioned>,
}

/// A table under its caption. An empty table prints `empty` instead of a header alone.
#[derive(Debug, Clone)]
pub struct Captioned {
    pub caption: String,
    pub table: Table,
    pub empty: String,
}

pub fn render_report(report: &Report) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new(PageSize::A4, Margins::uniform(12.0), &report.info)?;
    doc.set_frame(report.frame.clone());
    let h1 = TextStyle::bold(14.0);
    let h2 = TextStyle::bold(11.0);
    let h3 = TextStyle::bold(9.0);
    let body = TextStyle::regular(9.0);
    doc.paragraph(&h1, Align::Center, &report.title);
    for line in &report.subtitle {
        doc.paragraph(&body, Align::Center, line);
    }
    doc.space(3.0);
    for section in &report.sections {
        doc.space(2.0);
        doc.heading(&h2, &section.heading, 14.0);
        for p in &section.paragraphs {
            doc.paragraph(&body, Align::Left, p);
        }
        for t in &section.tables {
            doc.space(1.5);
            doc.heading(&h3, &t.caption, 12.0);
            if t.table.rows.is_empty() {
                doc.paragraph(&body, Align::Left, &t.empty);
            } else {
                doc.table(&t.table);
            }
        }
    }
    doc.end_mark(&report.end_mark);
    doc.finish()
}
