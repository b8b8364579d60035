//! A small page-layout helper over printpdf's operation API, shared by the intake receipt and
//! label (ISO/IEC 17025 §7.4) and the calibration certificate (§7.8).
//!
//! printpdf draws at absolute positions with the origin at the bottom left and neither measures
//! nor wraps text. §7.8 asks more of a certificate than that: a unique number and "page n of N"
//! on every page, a clear end, results tables that continue across pages and can still be read
//! there. This module supplies exactly that and no more:
//!
//! * positions in millimetres from the **top left** of the page (y grows downwards, as the page
//!   is read); the single conversion to PDF points from the bottom left is in `px`/`py`;
//! * text measured from the font's glyph advances ([`super::fonts`]), aligned left, right or
//!   centred, and wrapped to a width;
//! * a cursor that flows downwards and starts a new page when the space runs out;
//! * ruled tables with wrapped cells whose header row is repeated on every page the table
//!   continues onto; a row is moved whole to the next page unless it is taller than a page;
//! * a running header and footer (document number, "Trang n/N · Page n of N") drawn at the end,
//!   when N is known; an end mark after the last content;
//! * QR codes drawn as filled squares, a PNG logo, and the document metadata with an explicit
//!   creation date (printpdf would otherwise write 1 January 1970).

use chrono::{DateTime, Datelike, Timelike, Utc};
use printpdf::{
    Color, FontId, Greyscale, ImageCompression, ImageOptimizationOptions, Line, LinePoint, Op,
    PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon,
    PolygonRing, Pt, RawImage, Rect, TextItem, WindingOrder, XObject, XObjectId, XObjectTransform,
};

use super::fonts::{nfc, FontSet, Weight, MM_PER_PT};
use super::pdfa::{self, Attachment};
use super::{Language, PdfError};

const PT_PER_MM: f32 = 72.0 / 25.4;

/// Written to the Info dictionary and the XMP metadata alike (PDF/A wants them equal).
const PRODUCER: &str = "calab (printpdf 0.12)";

/// Height of the running header band inside the top margin area, and of the footer band.
const HEADER_BAND: f32 = 9.0;
const FOOTER_BAND: f32 = 9.0;

/// Cell padding in tables, in millimetres.
const CELL_PAD_X: f32 = 1.2;
const CELL_PAD_Y: f32 = 0.9;

/// Thin rules: visible when printed, light enough not to dominate the figures.
const RULE_PT: f32 = 0.4;

/// Page size in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width_mm: f32,
    pub height_mm: f32,
}

impl PageSize {
    pub const A4: PageSize = PageSize {
        width_mm: 210.0,
        height_mm: 297.0,
    };

    pub const fn mm(width_mm: f32, height_mm: f32) -> Self {
        PageSize {
            width_mm,
            height_mm,
        }
    }
}

/// Distances from the page edges to the content, in millimetres. With a [`PageFrame`] the
/// running header and footer are drawn just inside these margins and the flowing content
/// starts below the header band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub left: f32,
}

impl Margins {
    pub const fn uniform(mm: f32) -> Self {
        Margins {
            top: mm,
            right: mm,
            bottom: mm,
            left: mm,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Font weight, size and grey level of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub weight: Weight,
    pub size_pt: f32,
    /// Line pitch as a multiple of the size.
    pub line_height: f32,
    /// 0.0 is black, 1.0 white.
    pub grey: f32,
}

impl TextStyle {
    pub const fn regular(size_pt: f32) -> Self {
        TextStyle {
            weight: Weight::Regular,
            size_pt,
            line_height: 1.25,
            grey: 0.0,
        }
    }

    pub const fn bold(size_pt: f32) -> Self {
        TextStyle {
            weight: Weight::Bold,
            size_pt,
            line_height: 1.25,
            grey: 0.0,
        }
    }

    pub const fn with_grey(mut self, grey: f32) -> Self {
        self.grey = grey;
        self
    }

    pub const fn with_line_height(mut self, line_height: f32) -> Self {
        self.line_height = line_height;
        self
    }

    /// Distance between two baselines, in millimetres.
    pub fn line_height_mm(&self) -> f32 {
        self.size_pt * self.line_height * MM_PER_PT
    }
}

/// Document metadata written to the PDF Info dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub creator: String,
    pub keywords: Vec<String>,
    /// Must be given: printpdf's default is the Unix epoch. Written as UTC.
    pub created_at: DateTime<Utc>,
}

/// Running header and footer, drawn on every page once the page count is known.
#[derive(Debug, Clone, PartialEq)]
pub struct PageFrame {
    /// Top left, bold: usually the laboratory's name.
    pub header_left: String,
    /// Top right: the document's unique number (§7.8.2.1 b: on every page).
    pub header_right: String,
    /// Bottom left: e.g. a form code or a reproduction notice; truncated to one line.
    pub footer_left: String,
    /// Language of the "page n of N" text at bottom right.
    pub language: Language,
}

/// One table column. `width` is relative: the columns share the content width in proportion.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub width: f32,
    pub align: Align,
    /// Print this column's body cells in bold (e.g. the labels of a label/value list).
    pub bold: bool,
}

impl Column {
    pub fn new(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Left,
            bold: false,
        }
    }

    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
}

/// A table laid out across the content width. Cells wrap; `\n` in a cell forces a line break.
/// Rows shorter than `columns` are padded with empty cells, extra cells are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    pub header_style: TextStyle,
    pub body_style: TextStyle,
    /// Draw the header row (repeated at the top of every page the table continues onto).
    pub show_header: bool,
    /// Draw the grid lines. Without them the table is a plain aligned list (label / value).
    pub ruled: bool,
    /// Background of the header row, as a grey level (None: no fill).
    pub header_fill: Option<f32>,
}

impl Table {
    /// A ruled table with a shaded header row, 8 pt body text.
    pub fn ruled(columns: Vec<Column>, rows: Vec<Vec<String>>) -> Self {
        Table {
            columns,
            rows,
            header_style: TextStyle::bold(7.5),
            body_style: TextStyle::regular(8.0),
            show_header: true,
            ruled: true,
            header_fill: Some(0.9),
        }
    }

    /// Label / value pairs without rules: the first column bold, `label_width` and
    /// `value_width` relative as for [`Column::width`].
    pub fn fields(rows: Vec<(String, String)>, label_width: f32, value_width: f32) -> Self {
        Table {
            columns: vec![
                Column::new("", label_width).bold(),
                Column::new("", value_width),
            ],
            rows: rows.into_iter().map(|(l, v)| vec![l, v]).collect(),
            header_style: TextStyle::bold(8.5),
            body_style: TextStyle::regular(8.5),
            show_header: false,
            ruled: false,
            header_fill: None,
        }
    }
}

/// One signature box: who signs, then a line to sign on, then the name and function printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignatureBox {
    /// e.g. "Đại diện phòng thí nghiệm / For the laboratory".
    pub title: String,
    /// Printed under the line; empty leaves room for a handwritten name.
    pub name: String,
    /// The signer's function (§7.8.2.1 o), printed under the name.
    pub function: String,
}

/// A document being laid out: pages of printpdf operations plus a cursor.
pub struct Document {
    fonts: &'static FontSet,
    pdf: PdfDocument,
    regular_id: FontId,
    bold_id: FontId,
    page: PageSize,
    margins: Margins,
    frame: Option<PageFrame>,
    /// Lines printed large and grey across every page (a preview that is not a valid document).
    watermark: Vec<String>,
    pages: Vec<Vec<Op>>,
    /// Cursor: distance from the top of the current page to the top of the next content.
    y: f32,
    /// Page that drawing goes to when not the last one (the running header and footer are
    /// drawn on every page at the end).
    target: Option<usize>,
    info: DocInfo,
    attachments: Vec<Attachment>,
}

impl Document {
    /// Starts a document with one empty page.
    pub fn new(page: PageSize, margins: Margins, info: &DocInfo) -> Result<Self, PdfError> {
        if page.width_mm <= margins.left + margins.right + 5.0
            || page.height_mm <= margins.top + margins.bottom + 5.0
        {
            return Err(PdfError::Layout(format!(
                "margins {margins:?} leave no room on a {} × {} mm page",
                page.width_mm, page.height_mm
            )));
        }
        let fonts = FontSet::get()?;
        let mut pdf = PdfDocument::new(&info.title);
        let when = pdf_date(info.created_at);
        let meta = &mut pdf.metadata.info;
        meta.author = info.author.clone();
        meta.subject = info.subject.clone();
        meta.creator = info.creator.clone();
        meta.producer = PRODUCER.to_owned();
        meta.keywords = info.keywords.clone();
        meta.creation_date = when;
        meta.modification_date = when;
        meta.metadata_date = when;
        // Fixed resource names instead of printpdf's random ones, so that the same input
        // gives the same bytes (a stored hash of an issued document can be checked by
        // rendering it again). The first six letters become the subset tag ("CALABR+DejaVuSans").
        let regular_id = FontId("CALABR".to_owned());
        let bold_id = FontId("CALABB".to_owned());
        for (id, face) in [(&regular_id, &fonts.regular), (&bold_id, &fonts.bold)] {
            pdf.resources
                .fonts
                .map
                .insert(id.clone(), PdfFont::new(face.parsed.clone()));
        }
        Ok(Document {
            fonts,
            pdf,
            regular_id,
            bold_id,
            page,
            margins,
            frame: None,
            watermark: Vec::new(),
            pages: vec![Vec::new()],
            y: margins.top,
            target: None,
            info: info.clone(),
            attachments: Vec::new(),
        })
    }

    /// Adds a running header and footer to every page (including pages already started) and
    /// moves the flowing content below the header band.
    pub fn set_frame(&mut self, frame: PageFrame) {
        if self.frame.is_none() && self.y < self.content_top() + HEADER_BAND {
            self.y += HEADER_BAND;
        }
        self.frame = Some(frame);
    }

    // ----- geometry -------------------------------------------------------------------------

    pub fn page_size(&self) -> PageSize {
        self.page
    }

    pub fn left(&self) -> f32 {
        self.margins.left
    }

    pub fn right(&self) -> f32 {
        self.page.width_mm - self.margins.right
    }

    pub fn content_width(&self) -> f32 {
        self.right() - self.left()
    }

    /// Top of the flowing content on every page.
    pub fn content_top(&self) -> f32 {
        self.margins.top
            + if self.frame.is_some() {
                HEADER_BAND
            } else {
                0.0
            }
    }

    /// Lowest point the flowing content may reach.
    pub fn content_bottom(&self) -> f32 {
        self.page.height_mm
            - self.margins.bottom
            - if self.frame.is_some() {
                FOOTER_BAND
            } else {
                0.0
            }
    }

    /// Where the next flowing content starts, from the top of the current page.
    pub fn cursor(&self) -> f32 {
        self.y
    }

    /// Moves the cursor, e.g. below something drawn at an absolute position.
    pub fn set_cursor(&mut self, y: f32) {
        self.y = y;
    }

    /// Space left on the current page, in millimetres.
    pub fn remaining(&self) -> f32 {
        self.content_bottom() - self.y
    }

    /// Number of pages so far; the current page is the last one.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.content_top();
    }

    /// Starts a new page unless `height` fits below the cursor; returns whether it did.
    /// Use it to keep a block (a signature block, a heading with its first lines) together.
    pub fn ensure_space(&mut self, height: f32) -> bool {
        if self.y + height <= self.content_bottom() + 0.01 || self.at_page_top() {
            false
        } else {
            self.new_page();
            true
        }
    }

    fn at_page_top(&self) -> bool {
        (self.y - self.content_top()).abs() < 0.01
    }

    /// Moves the cursor down; at the bottom of a page it simply stops there.
    pub fn space(&mut self, mm: f32) {
        self.y = (self.y + mm).min(self.content_bottom());
    }

    // ----- measuring ------------------------------------------------------------------------

    /// Width of `text` in millimetres.
    pub fn text_width(&self, style: &TextStyle, text: &str) -> f32 {
        self.fonts.width_mm(style.weight, style.size_pt, &nfc(text))
    }

    /// Breaks `text` into lines no wider than `width` mm: at spaces where possible, inside a
    /// word only when the word alone is too wide; `\n` forces a break.
    pub fn wrap(&self, style: &TextStyle, text: &str, width: f32) -> Vec<String> {
        wrap_text(self.fonts, style, &nfc(text), width)
    }

    /// `text` shortened with "…" so that it fits in `width` mm on one line.
    pub fn fit_with_ellipsis(&self, style: &TextStyle, text: &str, width: f32) -> String {
        fit_with_ellipsis(self.fonts, style, &nfc(text), width)
    }

    // ----- absolute drawing on the current page -------------------------------------------

    /// One line of text with its baseline at `baseline` mm from the top, aligned inside the
    /// box that starts at `x` and is `width` wide (for `Left`, `width` is not used).
    pub fn text_line(
        &mut self,
        x: f32,
        width: f32,
        baseline: f32,
        style: &TextStyle,
        align: Align,
        text: &str,
    ) {
        let text = nfc(text);
        let x = match align {
            Align::Left => x,
            Align::Center => {
                x + (width - self.fonts.width_mm(style.weight, style.size_pt, &text)) / 2.0
            }
            Align::Right => x + width - self.fonts.width_mm(style.weight, style.size_pt, &text),
        };
        self.push_text(x, baseline, style, text);
    }

    /// Wrapped text in a box whose top left is (`x`, `top`); returns the height used.
    /// Does not break pages: for labels, letterheads and other fixed positions.
    pub fn text_block(
        &mut self,
        x: f32,
        top: f32,
        width: f32,
        style: &TextStyle,
        align: Align,
        text: &str,
    ) -> f32 {
        let lines = self.wrap(style, text, width);
        let lh = style.line_height_mm();
        for (i, line) in lines.iter().enumerate() {
            let baseline = top + i as f32 * lh + self.baseline_offset(style);
            self.text_line(x, width, baseline, style, align, line);
        }
        lines.len() as f32 * lh
    }

    /// Straight line between two points, `thickness` in points.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness_pt: f32) {
        let (p1, p2) = (self.point(x1, y1), self.point(x2, y2));
        let ops = self.current_ops();
        ops.push(Op::SetOutlineColor { col: grey(0.0) });
        ops.push(Op::SetOutlineThickness {
            pt: Pt(thickness_pt),
        });
        ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: p1,
                        bezier: false,
                    },
                    LinePoint {
                        p: p2,
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    /// Rectangle with its top left at (`x`, `y`): filled with `fill` (a grey level) and/or
    /// outlined with `stroke_pt`.
    pub fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        stroke_pt: Option<f32>,
    ) {
        let bottom_left = self.point(x, y + h);
        let mode = match (fill, stroke_pt) {
            (Some(_), Some(_)) => PaintMode::FillStroke,
            (Some(_), None) => PaintMode::Fill,
            (None, Some(_)) => PaintMode::Stroke,
            (None, None) => return,
        };
        let ops = self.current_ops();
        if let Some(g) = fill {
            ops.push(Op::SetFillColor { col: grey(g) });
        }
        if let Some(t) = stroke_pt {
            ops.push(Op::SetOutlineColor { col: grey(0.0) });
            ops.push(Op::SetOutlineThickness { pt: Pt(t) });
        }
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: bottom_left.x,
                y: bottom_left.y,
                width: Pt(w * PT_PER_MM),
                height: Pt(h * PT_PER_MM),
                mode: Some(mode),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    /// A QR code of `size` mm square with its top left at (`x`, `y`), error correction level
    /// M (survives a scratched label). The modules fill the whole square: leave a quiet zone
    /// of about four modules of white around it.
    pub fn qr_code(&mut self, x: f32, y: f32, size: f32, data: &str) -> Result<(), PdfError> {
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| PdfError::Qr(format!("{e} ({} bytes)", data.len())))?;
        let n = code.width();
        let colors = code.to_colors();
        let module = size / n as f32;
        // One filled path for the whole symbol, one rectangle per horizontal run of dark
        // modules: a fraction of the operators of one square per module, and no hairline
        // seams between neighbouring modules in viewers that anti-alias each fill.
        let mut rings = Vec::new();
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
                let (x0, x1) = (x + start as f32 * module, x + col as f32 * module);
                let (y0, y1) = (y + row as f32 * module, y + (row + 1) as f32 * module);
                let corners = [(x0, y1), (x1, y1), (x1, y0), (x0, y0)];
                rings.push(PolygonRing {
                    points: corners
                        .iter()
                        .map(|&(px, py)| LinePoint {
                            p: self.point(px, py),
                            bezier: false,
                        })
                        .collect(),
                });
            }
        }
        let ops = self.current_ops();
        ops.push(Op::SetFillColor { col: grey(0.0) });
        ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
        Ok(())
    }

    /// A PNG image scaled to fit in `max_w` × `max_h` mm (aspect ratio kept) with its top left
    /// at (`x`, `y`). Returns the size drawn, in millimetres.
    pub fn png(
        &mut self,
        x: f32,
        y: f32,
        max_w: f32,
        max_h: f32,
        png: &[u8],
    ) -> Result<(f32, f32), PdfError> {
        let mut warnings = Vec::new();
        let image = RawImage::decode_from_bytes(png, &mut warnings).map_err(PdfError::Image)?;
        if image.width == 0 || image.height == 0 {
            return Err(PdfError::Image("image has no pixels".to_owned()));
        }
        let (pw, ph) = (image.width as f32, image.height as f32);
        let scale = (max_w / pw).min(max_h / ph);
        let (w, h) = (pw * scale, ph * scale);
        let id = XObjectId(format!("Im{}", self.pdf.resources.xobjects.map.len() + 1));
        self.pdf
            .resources
            .xobjects
            .map
            .insert(id.clone(), XObject::Image(image));
        let bottom_left = self.point(x, y + h);
        // At 72 dpi one pixel is one point; the scale then sets the size in points.
        let transform = XObjectTransform {
            translate_x: Some(bottom_left.x),
            translate_y: Some(bottom_left.y),
            scale_x: Some(w * PT_PER_MM / pw),
            scale_y: Some(h * PT_PER_MM / ph),
            dpi: Some(72.0),
            ..Default::default()
        };
        self.current_ops().push(Op::UseXobject { id, transform });
        Ok((w, h))
    }

    // ----- flowing content --------------------------------------------------------------------

    /// Wrapped text across the content width at the cursor; breaks pages between lines.
    pub fn paragraph(&mut self, style: &TextStyle, align: Align, text: &str) {
        let (x, w) = (self.left(), self.content_width());
        let lh = style.line_height_mm();
        for line in self.wrap(style, text, w) {
            self.ensure_space(lh);
            let baseline = self.y + self.baseline_offset(style);
            self.text_line(x, w, baseline, style, align, &line);
            self.y += lh;
        }
    }

    /// A heading kept on the same page as at least `keep_with` mm of what follows.
    pub fn heading(&mut self, style: &TextStyle, text: &str, keep_with: f32) {
        let lines = self.wrap(style, text, self.content_width()).len();
        self.ensure_space(lines as f32 * style.line_height_mm() + keep_with);
        self.paragraph(style, Align::Left, text);
    }

    /// A horizontal rule across the content width at the cursor.
    pub fn rule(&mut self, thickness_pt: f32) {
        self.ensure_space(1.0);
        let (l, r, y) = (self.left(), self.right(), self.y);
        self.line(l, y, r, y, thickness_pt);
        self.y += 1.0;
    }

    /// Lays out `table` at the cursor. The header row is kept with the first row below it
    /// and repeated on every page the table continues onto; a row moves whole to the next page
    /// unless it is taller than a page, in which case its lines are split.
    /// The columns' widths in millimetres; empty when the table has no width.
    fn column_widths(&self, table: &Table) -> Vec<f32> {
        let total: f32 = table.columns.iter().map(|c| c.width.max(0.0)).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        let scale = self.content_width() / total;
        table
            .columns
            .iter()
            .map(|c| c.width.max(0.0) * scale)
            .collect()
    }

    /// One row's cells wrapped to their columns.
    fn wrap_row(&self, table: &Table, widths: &[f32], row: &[String]) -> Vec<Vec<String>> {
        let inner = |w: f32| (w - 2.0 * CELL_PAD_X).max(1.0);
        table
            .columns
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (col, &w))| {
                let style = cell_style(&table.body_style, col.bold);
                self.wrap(
                    &style,
                    row.get(i).map(String::as_str).unwrap_or(""),
                    inner(w),
                )
            })
            .collect()
    }

    fn header_cells(&self, table: &Table, widths: &[f32]) -> Vec<Vec<String>> {
        let inner = |w: f32| (w - 2.0 * CELL_PAD_X).max(1.0);
        table
            .columns
            .iter()
            .zip(widths)
            .map(|(c, &w)| self.wrap(&table.header_style, &c.header, inner(w)))
            .collect()
    }

    /// The height of a table laid out on one page: to keep a short table with what precedes it.
    pub fn table_height(&self, table: &Table) -> f32 {
        let widths = self.column_widths(table);
        if widths.is_empty() {
            return 0.0;
        }
        let header = if table.show_header {
            rows_height(
                &self.header_cells(table, &widths),
                0,
                table.header_style.line_height_mm(),
            )
        } else {
            0.0
        };
        let body_lh = table.body_style.line_height_mm();
        header
            + table
                .rows
                .iter()
                .map(|row| rows_height(&self.wrap_row(table, &widths, row), 0, body_lh))
                .sum::<f32>()
    }

    pub fn table(&mut self, table: &Table) {
        let widths = self.column_widths(table);
        if widths.is_empty() {
            return;
        }
        let header_cells = self.header_cells(table, &widths);
        let header_h = if table.show_header {
            rows_height(&header_cells, 0, table.header_style.line_height_mm())
        } else {
            0.0
        };
        let mut header_page: Option<usize> = None;
        let body_lh = table.body_style.line_height_mm();

        for row in &table.rows {
            let cells = self.wrap_row(table, &widths, row);
            let mut start = 0;
            let lines_total = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
            while start < lines_total {
                let need_header = table.show_header && header_page != Some(self.pages.len());
                let head = if need_header { header_h } else { 0.0 };
                let rest_h = rows_height(&cells, start, body_lh);
                if self.y + head + rest_h <= self.content_bottom() + 0.01 {
                    if need_header {
                        self.table_row(table, &widths, &header_cells, 0, usize::MAX, true);
                        header_page = Some(self.pages.len());
                    }
                    self.table_row(table, &widths, &cells, start, usize::MAX, false);
                    break;
                }
                // Does not fit here. Move to a fresh page if the rest fits on one; otherwise
                // split the row, filling this page first.
                let page_h = self.content_bottom() - self.content_top();
                let fits_fresh_page = head.max(header_h) + rest_h <= page_h;
                if fits_fresh_page && !self.at_page_top() {
                    self.new_page();
                    continue;
                }
                let avail = self.content_bottom() - self.y - head - 2.0 * CELL_PAD_Y;
                let k = (avail / body_lh + 0.001).floor() as usize;
                if k == 0 {
                    if self.at_page_top() {
                        // Not even one line fits on an empty page: the style is larger than
                        // the page. Draw one line anyway rather than loop forever.
                        self.table_row(table, &widths, &cells, start, 1, false);
                        start += 1;
                    }
                    self.new_page();
                    continue;
                }
                if need_header {
                    self.table_row(table, &widths, &header_cells, 0, usize::MAX, true);
                    header_page = Some(self.pages.len());
                }
                self.table_row(table, &widths, &cells, start, k, false);
                start += k;
                if start < lines_total {
                    self.new_page();
                }
            }
        }
        if table.rows.is_empty() && table.show_header {
            self.ensure_space(header_h);
            self.table_row(table, &widths, &header_cells, 0, usize::MAX, true);
        }
    }

    /// Draws lines `start..start + count` of each cell as one row segment at the cursor.
    fn table_row(
        &mut self,
        table: &Table,
        widths: &[f32],
        cells: &[Vec<String>],
        start: usize,
        count: usize,
        header: bool,
    ) {
        let base = if header {
            table.header_style
        } else {
            table.body_style
        };
        let lh = base.line_height_mm();
        let lines = cells
            .iter()
            .map(|c| c.len().saturating_sub(start).min(count))
            .max()
            .unwrap_or(0)
            .max(1);
        let h = lines as f32 * lh + 2.0 * CELL_PAD_Y;
        let (top, left) = (self.y, self.left());
        let right = left + widths.iter().sum::<f32>();
        if header {
            if let Some(g) = table.header_fill {
                self.rect(left, top, right - left, h, Some(g), None);
            }
        }
        let mut x = left;
        for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
            let col = &table.columns[i];
            let style = if header {
                base
            } else {
                cell_style(&base, col.bold)
            };
            let align = col.align;
            for (j, line) in cell.iter().skip(start).take(count).enumerate() {
                let baseline = top + CELL_PAD_Y + j as f32 * lh + self.baseline_offset(&style);
                self.text_line(
                    x + CELL_PAD_X,
                    w - 2.0 * CELL_PAD_X,
                    baseline,
                    &style,
                    align,
                    line,
                );
            }
            x += w;
        }
        if table.ruled {
            self.line(left, top, right, top, RULE_PT);
            self.line(left, top + h, right, top + h, RULE_PT);
            let mut x = left;
            self.line(x, top, x, top + h, RULE_PT);
            for &w in widths {
                x += w;
                self.line(x, top, x, top + h, RULE_PT);
            }
        }
        self.y = top + h;
    }

    /// Signature boxes side by side across the content width, kept together on one page.
    pub fn signatures(&mut self, boxes: &[SignatureBox]) {
        if boxes.is_empty() {
            return;
        }
        let title_style = TextStyle::bold(8.0);
        let name_style = TextStyle::bold(8.5);
        let function_style = TextStyle::regular(7.5);
        let gap = 8.0;
        let n = boxes.len() as f32;
        let w = (self.content_width() - gap * (n - 1.0)) / n;
        let sign_space = 16.0;
        let title_h = boxes
            .iter()
            .map(|b| {
                self.wrap(&title_style, &b.title, w).len() as f32 * title_style.line_height_mm()
            })
            .fold(0.0, f32::max);
        let below_h = boxes
            .iter()
            .map(|b| {
                self.wrap(&name_style, &b.name, w).len() as f32 * name_style.line_height_mm()
                    + self.wrap(&function_style, &b.function, w).len() as f32
                        * function_style.line_height_mm()
            })
            .fold(0.0, f32::max);
        let block_h = title_h + sign_space + 1.5 + below_h;
        self.ensure_space(block_h);
        let top = self.y;
        for (i, b) in boxes.iter().enumerate() {
            let x = self.left() + i as f32 * (w + gap);
            self.text_block(x, top, w, &title_style, Align::Center, &b.title);
            // Lines at the same height in every box, below the tallest title.
            let line_y = top + title_h + sign_space;
            self.line(x + w * 0.1, line_y, x + w * 0.9, line_y, 0.5);
            let mut y = line_y + 1.5;
            y += self.text_block(x, y, w, &name_style, Align::Center, &b.name);
            self.text_block(x, y, w, &function_style, Align::Center, &b.function);
        }
        self.y = top + block_h;
    }

    /// The end mark, centred below the last content (§7.8.2.1 b: a clear end).
    pub fn end_mark(&mut self, text: &str) {
        let style = TextStyle::bold(8.5);
        let lh = style.line_height_mm();
        // Closer to the text above rather than alone on a page of its own.
        let gap = if self.remaining() >= 3.0 + lh {
            3.0
        } else {
            0.5
        };
        self.space(gap);
        self.ensure_space(lh);
        let (x, w) = (self.left(), self.content_width());
        let baseline = self.y + self.baseline_offset(&style);
        self.text_line(x, w, baseline, &style, Align::Center, text);
        self.y += lh;
    }

    /// Prints these lines large and grey across the middle of every page.
    pub fn set_watermark(&mut self, lines: Vec<String>) {
        self.watermark = lines;
    }

    /// Carries a file inside the PDF (PDF/A-3 associated file), e.g. a certificate's DCC XML.
    pub fn attach(&mut self, attachment: Attachment) {
        self.attachments.push(attachment);
    }

    /// Draws the running header and footer on every page and serializes the PDF, with the
    /// fonts subset to the glyphs used.
    /// The result aims at PDF/A-3b: see [`super::pdfa`].
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        let total = self.pages.len();
        if let Some(frame) = self.frame.take() {
            for n in 1..=total {
                self.draw_frame(&frame, n, total);
            }
        }
        let watermark = std::mem::take(&mut self.watermark);
        if !watermark.is_empty() {
            let style = TextStyle::bold(16.0).with_grey(0.6);
            let (l, w) = (self.left(), self.content_width());
            let middle = self.page.height_mm / 2.0;
            for n in 0..total {
                self.target = Some(n);
                for (i, line) in watermark.iter().enumerate() {
                    let base = middle + i as f32 * style.line_height_mm();
                    self.text_line(l, w, base, &style, Align::Center, line);
                }
            }
            self.target = None;
        }
        let (w, h) = (
            printpdf::Mm(self.page.width_mm),
            printpdf::Mm(self.page.height_mm),
        );
        let pages = std::mem::take(&mut self.pages);
        self.pdf.pages = pages
            .into_iter()
            .map(|ops| PdfPage::new(w, h, ops))
            .collect();
        let opts = PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            // Lossless Flate for the logo. The default may re-encode it as JPEG or shrink it;
            // `None` would store raw pixels (540 KB for a 600 × 300 logo).
            image_optimization: Some(ImageOptimizationOptions {
                quality: None,
                max_image_size: None,
                dither_greyscale: Some(false),
                convert_to_greyscale: Some(false),
                auto_optimize: Some(false),
                format: Some(ImageCompression::Flate),
            }),
        };
        let mut warnings = Vec::new();
        let mut lo = self.pdf.to_lopdf_document(&opts, &mut warnings);
        if let Ok(info) = lo
            .trailer
            .get(b"Info")
            .and_then(lopdf::Object::as_reference)
        {
            if let Ok(dict) = lo.get_dictionary_mut(info) {
                // printpdf always writes /GTS_PDFXVersion, empty here, which makes readers
                // (pdfinfo among them) report the file as PDF/X: a claim it does not meet.
                dict.remove(b"GTS_PDFXVersion");
                for key in [&b"Identifier"[..], b"Keywords"] {
                    let empty =
                        matches!(dict.get(key), Ok(lopdf::Object::String(v, _)) if v.is_empty());
                    if empty {
                        dict.remove(key);
                    }
                }
            }
        }
        // printpdf draws the file identifier at random; derive it from the metadata instead
        // so that the output is a function of the input.
        let id = self.file_id();
        lo.trailer.set(
            "ID",
            lopdf::Object::Array(vec![
                lopdf::Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
                lopdf::Object::String(id, lopdf::StringFormat::Hexadecimal),
            ]),
        );
        // PDF/A-3 is based on PDF 1.7; printpdf writes 1.3 in the header.
        lo.version = "1.7".to_owned();
        pdfa::apply(&mut lo, &self.info, PRODUCER, &self.attachments)
            .map_err(|e| PdfError::Layout(format!("cannot add the PDF/A metadata: {e}")))?;
        compress(&mut lo);
        let mut out = Vec::new();
        lo.save_to(&mut out)
            .map_err(|e| PdfError::Layout(format!("cannot write the PDF: {e}")))?;
        Ok(out)
    }

    fn file_id(&self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let i = &self.pdf.metadata.info;
        let mut h = Sha256::new();
        for part in [
            &i.document_title,
            &i.author,
            &i.subject,
            &i.creator,
            &i.keywords.join(","),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let d = i.creation_date;
        h.update(format!("{:?}{:?}", d.date, d.time).as_bytes());
        h.update(self.pdf.pages.len().to_le_bytes());
        h.finalize()[..16].to_vec()
    }

    fn draw_frame(&mut self, frame: &PageFrame, n: usize, total: usize) {
        self.target = Some(n - 1);
        let head = TextStyle::bold(8.0);
        let head_right = TextStyle::regular(8.0);
        let foot = TextStyle::regular(7.0).with_grey(0.25);
        let (l, r, w) = (self.left(), self.right(), self.content_width());

        let top = self.margins.top;
        let base = top + self.baseline_offset(&head);
        let right_w = self.text_width(&head_right, &frame.header_right);
        let left_text =
            self.fit_with_ellipsis(&head, &frame.header_left, (w - right_w - 4.0).max(10.0));
        self.text_line(l, w, base, &head, Align::Left, &left_text);
        self.text_line(l, w, base, &head_right, Align::Right, &frame.header_right);
        let rule_y = top + HEADER_BAND - 3.0;
        self.line(l, rule_y, r, rule_y, 0.6);

        let bottom = self.page.height_mm - self.margins.bottom;
        let rule_y = bottom - FOOTER_BAND + 3.0;
        self.line(l, rule_y, r, rule_y, 0.6);
        let page_text = frame.language.page_of(n, total);
        let page_w = self.text_width(&foot, &page_text);
        let base = rule_y + 1.0 + self.baseline_offset(&foot);
        let footer_left =
            self.fit_with_ellipsis(&foot, &frame.footer_left, (w - page_w - 4.0).max(10.0));
        self.text_line(l, w, base, &foot, Align::Left, &footer_left);
        self.text_line(l, w, base, &foot, Align::Right, &page_text);

        self.target = None;
    }

    // ----- internals ----------------------------------------------------------------------

    /// From the top of a line box to its baseline: half the leading plus the ascender.
    pub fn baseline_offset(&self, style: &TextStyle) -> f32 {
        let face = self.fonts.face(style.weight);
        let size_mm = style.size_pt * MM_PER_PT;
        let content = (face.ascender_em - face.descender_em) * size_mm;
        (style.line_height_mm() - content) / 2.0 + face.ascender_em * size_mm
    }

    fn current_ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        let index = self.target.unwrap_or(last).min(last);
        &mut self.pages[index]
    }

    /// The one place where top-left millimetres become bottom-left points.
    fn point(&self, x: f32, y: f32) -> Point {
        Point {
            x: Pt(x * PT_PER_MM),
            y: Pt((self.page.height_mm - y) * PT_PER_MM),
        }
    }

    fn push_text(&mut self, x: f32, baseline: f32, style: &TextStyle, text: String) {
        if text.is_empty() {
            return;
        }
        let font = match style.weight {
            Weight::Regular => self.regular_id.clone(),
            Weight::Bold => self.bold_id.clone(),
        };
        let pos = self.point(x, baseline);
        let ops = self.current_ops();
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFillColor {
            col: grey(style.grey),
        });
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font),
            size: Pt(style.size_pt),
        });
        ops.push(Op::SetTextCursor { pos });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text)],
        });
        ops.push(Op::EndTextSection);
    }
}

fn cell_style(base: &TextStyle, bold: bool) -> TextStyle {
    if bold {
        TextStyle {
            weight: Weight::Bold,
            ..*base
        }
    } else {
        *base
    }
}

/// Height of a row showing the cells' lines from `start` on.
fn rows_height(cells: &[Vec<String>], start: usize, lh: f32) -> f32 {
    let lines = cells
        .iter()
        .map(|c| c.len().saturating_sub(start))
        .max()
        .unwrap_or(0)
        .max(1);
    lines as f32 * lh + 2.0 * CELL_PAD_Y
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level.clamp(0.0, 1.0), None))
}

fn pdf_date(t: DateTime<Utc>) -> printpdf::OffsetDateTime {
    // printpdf writes every date with a +00'00' offset, so it must be given UTC.
    printpdf::DateTime {
        date: printpdf::Date {
            year: t.year(),
            month: t.month() as u8,
            day: t.day() as u8,
        },
        time: printpdf::Time {
            hour: t.hour() as u8,
            minute: t.minute() as u8,
            second: t.second() as u8,
            millisecond: 0,
        },
        offset: printpdf::Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    }
}

/// Greedy line breaking on measured widths, at ASCII spaces only (a no-break space, U+00A0, holds
/// its neighbours together); `text` must already be NFC.
pub(crate) fn wrap_text(fonts: &FontSet, style: &TextStyle, text: &str, width: f32) -> Vec<String> {
    let measure = |s: &str| fonts.width_mm(style.weight, style.size_pt, s);
    let space = measure(" ");
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in para
            .split(|c: char| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            let word_w = measure(word);
            if line.is_empty() {
                if word_w <= width {
                    line.push_str(word);
                    line_w = word_w;
                    continue;
                }
            } else if line_w + space + word_w <= width {
                line.push(' ');
                line.push_str(word);
                line_w += space + word_w;
                continue;
            } else {
                out.push(std::mem::take(&mut line));
                line_w = 0.0;
                if word_w <= width {
                    line.push_str(word);
                    line_w = word_w;
                    continue;
                }
            }
            // A word wider than the whole line (a long serial number or URL): break it
            // between characters.
            for c in word.chars() {
                let mut buf = [0u8; 4];
                let cw = measure(c.encode_utf8(&mut buf));
                if line_w + cw > width && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        out.push(line);
    }
    // A trailing empty line from "text\n" adds nothing visible.
    while out.len() > 1 && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// `text` cut at a character boundary and ended with "…" so that it fits `width`.
pub(crate) fn fit_with_ellipsis(
    fonts: &FontSet,
    style: &TextStyle,
    text: &str,
    width: f32,
) -> String {
    let measure = |s: &str| fonts.width_mm(style.weight, style.size_pt, s);
    if measure(text) <= width {
        return text.to_owned();
    }
    let ellipsis_w = measure("…");
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let cw = measure(c.encode_utf8(&mut buf));
        if w + cw + ellipsis_w > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
}

/// Deflates every stream that has no filter yet, at the fastest level. lopdf's `compress` uses the
/// best (slowest) level, which took half of a certificate's rendering time: a 30-point certificate
/// renders in 5 ms instead of 12 ms, at 83 KB instead of 65 KB.
fn compress(doc: &mut lopdf::Document) {
    use std::io::Write;
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let compressed = encoder
            .write_all(&stream.content)
            .and_then(|_| encoder.finish());
        if let Ok(compressed) = compressed {
            if compressed.len() + 19 < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(compressed);
            }
        }
    }
}
