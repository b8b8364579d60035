//! PDF documents the laboratory hands out: intake receipts and item labels (ISO/IEC 17025 §7.4,
//! handling of test and calibration items) and, built on the same layout helper, calibration
//! certificates (§7.8, reporting of results).
//!
//! Every renderer takes a plain data struct prepared by a service and returns the PDF bytes: no
//! database, no files, no network. Fonts are compiled in (see [`fonts`]), so the same input
//! always gives the same pages on any machine.
//!
//! * [`layout`]: the flowing-page helper over printpdf's operation API (measuring, wrapping,
//!   tables whose header repeats on every page, running header and footer with "page n of N",
//!   end mark, QR codes, logo, document metadata).
//! * [`receipt`]: the intake receipt for a work order.
//! * [`label`]: the small label stuck on each item at intake.
//! * [`report`]: a report of sections and titled tables (the audit pack).

pub mod certificate;
pub mod fonts;
pub mod label;
pub mod layout;
pub mod pdfa;
pub mod receipt;
pub mod report;

#[cfg(test)]
mod tests;

use std::fmt;

pub use label::{render_label, LabelData};
pub use receipt::{render_receipt, ConditionFlag, ItemCondition, ReceiptData, ReceiptItem};

/// Why a PDF could not be produced. None of these depends on the caller's data except
/// `Qr` (text too long for a QR code) and `Image` (a logo that is not a PNG); the service
/// maps all of them to an internal error.
#[derive(Debug, Clone, PartialEq)]
pub enum PdfError {
    /// A vendored font could not be parsed (a build problem).
    Font(String),
    /// The data does not fit in a QR code.
    Qr(String),
    /// The logo could not be decoded as an image.
    Image(String),
    /// The page geometry leaves no room for content (e.g. margins wider than the page).
    Layout(String),
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::Font(m) => write!(f, "PDF font error: {m}"),
            PdfError::Qr(m) => write!(f, "QR code error: {m}"),
            PdfError::Image(m) => write!(f, "PDF image error: {m}"),
            PdfError::Layout(m) => write!(f, "PDF layout error: {m}"),
        }
    }
}

impl std::error::Error for PdfError {}

/// Language of the printed labels: the customer's certificate language. Certificates and receipts
/// in Vietnam are commonly bilingual, so `Both` prints "Vietnamese / English" for every fixed label;
/// data entered by people (names, descriptions) is printed as entered.
pub use crate::domain::CertificateLanguage as Language;

impl Language {
    /// A fixed label in this language.
    pub fn label(self, vi: &str, en: &str) -> String {
        match self {
            Language::Vi => vi.to_owned(),
            Language::En => en.to_owned(),
            Language::Both if vi == en => vi.to_owned(),
            Language::Both => format!("{vi} / {en}"),
        }
    }

    /// "page n of N" as printed in the footer (§7.8.2.1 asks for it on every page so that a
    /// missing page is noticed).
    pub fn page_of(self, n: usize, total: usize) -> String {
        match self {
            Language::Vi => format!("Trang {n}/{total}"),
            Language::En => format!("Page {n} of {total}"),
            Language::Both => format!("Trang {n}/{total} · Page {n} of {total}"),
        }
    }

    /// The mark after the last content, so that nothing can be appended unnoticed.
    pub fn end_mark(self) -> String {
        match self {
            Language::Vi => "--- Hết ---".to_owned(),
            Language::En => "--- End ---".to_owned(),
            Language::Both => "--- Hết / End ---".to_owned(),
        }
    }
}
