//! Vendored fonts and text measurement for every PDF the laboratory issues.
//!
//! Serves ISO/IEC 17025 §7.8 (reports must be legible and unambiguous) and §7.4 (receipts and
//! labels): Vietnamese names, addresses and item descriptions must print with every diacritic.
//! DejaVu Sans covers the whole Vietnamese alphabet as precomposed glyphs, its licence allows
//! embedding, and the files are compiled into the binary so nothing is read from disk or fetched
//! at run time (the licence text sits next to the fonts in `certificate-templates/fonts/`).
//!
//! printpdf's operation API neither measures nor wraps text, so widths are computed here from the
//! font's own glyph advances: width = Σ advance × size / units-per-em. Text is drawn without
//! kerning (printpdf maps characters to glyphs one by one), so this sum is exactly what prints.

use std::sync::OnceLock;

use printpdf::ParsedFont;
use unicode_normalization::UnicodeNormalization;

use super::PdfError;

const DEJAVU_SANS: &[u8] = include_bytes!("../../certificate-templates/fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] =
    include_bytes!("../../certificate-templates/fonts/DejaVuSans-Bold.ttf");

/// Millimetres per PostScript point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// Codepoints below this bound get their advance from a table built once; it covers Latin,
/// Latin Extended-A/B, combining marks, Latin Extended Additional (the Vietnamese block
/// U+1E00..U+1EFF) and general punctuation (U+2000..U+20FF: dashes, "…", "‰"). Anything
/// else is looked up in the font directly, which is correct but slower.
const FAST_RANGE: usize = 0x2100;

/// The two weights a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// One parsed face plus what the layout needs from it quickly.
pub struct Face {
    pub(crate) parsed: ParsedFont,
    units_per_em: f32,
    /// Ascender and descender in em (descender negative), from the hhea table.
    pub ascender_em: f32,
    pub descender_em: f32,
    /// Advance in font units per codepoint below `FAST_RANGE`; the `.notdef` advance where the
    /// font has no glyph, which is also what the PDF will show for it.
    advances: Vec<u16>,
    notdef_advance: u16,
}

impl Face {
    fn parse(bytes: &[u8], name: &str) -> Result<Self, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| PdfError::Font(format!("cannot parse vendored font {name}")))?;
        let upm = parsed.pdf_font_metrics.units_per_em;
        if upm == 0 {
            return Err(PdfError::Font(format!("{name}: units per em is zero")));
        }
        let notdef_advance = parsed.get_horizontal_advance(0);
        let advances = (0..FAST_RANGE as u32)
            .map(|cp| match parsed.lookup_glyph_index(cp) {
                Some(gid) => parsed.get_horizontal_advance(gid),
                None => notdef_advance,
            })
            .collect();
        let m = parsed.pdf_font_metrics;
        Ok(Self {
            units_per_em: f32::from(upm),
            ascender_em: f32::from(m.ascender) / f32::from(upm),
            descender_em: f32::from(m.descender) / f32::from(upm),
            advances,
            notdef_advance,
            parsed,
        })
    }

    fn advance_units(&self, c: char) -> u16 {
        let cp = c as usize;
        if cp < FAST_RANGE {
            return self.advances[cp];
        }
        match self.parsed.lookup_glyph_index(c as u32) {
            Some(gid) => self.parsed.get_horizontal_advance(gid),
            None => self.notdef_advance,
        }
    }

    /// Whether the font has a real glyph for `c` (not `.notdef`).
    pub fn has_glyph(&self, c: char) -> bool {
        self.parsed.lookup_glyph_index(c as u32).is_some()
    }

    /// Width of `text` in points at `size_pt`. `text` should already be NFC (see [`nfc`]).
    pub fn width_pt(&self, text: &str, size_pt: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.advance_units(c))).sum();
        units as f32 * size_pt / self.units_per_em
    }
}

/// DejaVu Sans regular and bold, parsed once per process: parsing 1.4 MB of font tables on
/// every request would cost more than laying out the whole document.
pub struct FontSet {
    pub regular: Face,
    pub bold: Face,
}

impl FontSet {
    /// The process-wide font set. Fails only if the vendored files are corrupt, which is a
    /// build problem, so the error is kept (and repeated) rather than retried.
    pub fn get() -> Result<&'static FontSet, PdfError> {
        static FONTS: OnceLock<Result<FontSet, PdfError>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                Ok(FontSet {
                    regular: Face::parse(DEJAVU_SANS, "DejaVuSans.ttf")?,
                    bold: Face::parse(DEJAVU_SANS_BOLD, "DejaVuSans-Bold.ttf")?,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Width of `text` in millimetres.
    pub fn width_mm(&self, weight: Weight, size_pt: f32, text: &str) -> f32 {
        self.face(weight).width_pt(text, size_pt) * MM_PER_PT
    }
}

/// Text as it will be printed: Unicode NFC, so that Vietnamese typed with combining marks
/// (common from macOS and some input methods) uses the font's precomposed glyphs. Without it
/// the marks would be drawn as separate, unpositioned glyphs (no shaping here) and would not
/// match the database value when the PDF text is extracted.
pub fn nfc(text: &str) -> String {
    // Fast path: ASCII is always NFC.
    if text.is_ascii() {
        text.to_owned()
    } else {
        text.nfc().collect()
    }
}
