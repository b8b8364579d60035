//! Tests of the PDF layer: measurement and wrapping, then the rendered documents read back with
//! poppler's `pdftotext`/`pdfinfo` (skipped with a note where poppler-utils is not installed),
//! since only the extracted text proves that what a customer sees is what was meant.
//!
//! Set `CALAB_PDF_SAMPLES=/some/dir` to also write the sample documents there for viewing.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};

use super::fonts::{FontSet, Weight};
use super::label::{render_label, LabelData, LABEL_62X29};
use super::layout::{
    Align, Column, DocInfo, Document, Margins, PageFrame, PageSize, Table, TextStyle,
};
use super::receipt::{render_receipt, ConditionFlag, ItemCondition, ReceiptData, ReceiptItem};
use super::{Language, PdfError};

// ----- sample data ------------------------------------------------------------------------

/// A 96 × 64 px RGB PNG (a ring and stripes), small enough to keep inline.
const LOGO_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 96, 0, 0, 0, 64, 8, 2,
    0, 0, 0, 106, 86, 229, 89, 0, 0, 1, 82, 73, 68, 65, 84, 120, 218, 237, 219, 219, 13, 194, 48,
    12, 133, 97, 15, 193, 16, 76, 194, 156, 140, 195, 86, 129, 103, 144, 170, 216, 206, 229, 56,
    252, 86, 95, 73, 78, 63, 74, 35, 90, 199, 26, 117, 89, 6, 1, 64, 0, 1, 116, 8, 208, 237, 241,
    236, 63, 254, 8, 200, 229, 82, 78, 202, 54, 210, 148, 96, 178, 237, 52, 226, 76, 166, 163, 163,
    105, 100, 58, 52, 49, 166, 217, 179, 155, 160, 142, 203, 72, 5, 40, 60, 217, 235, 126, 159,
    106, 36, 1, 20, 24, 250, 227, 242, 123, 100, 6, 212, 5, 138, 157, 201, 53, 80, 102, 100, 45,
    160, 240, 9, 244, 0, 37, 167, 40, 0, 116, 241, 193, 126, 160, 228, 68, 59, 151, 249, 76, 104,
    47, 144, 172, 145, 77, 138, 27, 0, 210, 52, 138, 0, 245, 140, 27, 3, 202, 207, 187, 8, 40, 159,
    50, 12, 164, 102, 4, 144, 31, 104, 72, 190, 12, 144, 43, 195, 134, 101, 30, 160, 32, 144, 235,
    202, 76, 2, 245, 199, 88, 13, 52, 234, 247, 63, 15, 232, 43, 137, 10, 144, 247, 222, 150, 7,
    234, 12, 3, 16, 64, 233, 219, 208, 210, 101, 30, 32, 128, 0, 90, 15, 20, 24, 119, 8, 208, 192,
    60, 92, 65, 0, 177, 204, 3, 4, 16, 64, 0, 241, 111, 254, 184, 231, 65, 60, 114, 5, 168, 28, 16,
    111, 53, 0, 74, 3, 53, 222, 172, 102, 128, 164, 222, 205, 239, 108, 127, 41, 209, 221, 65, 127,
    80, 229, 6, 42, 58, 204, 28, 9, 2, 64, 39, 244, 40, 122, 67, 116, 2, 29, 213, 229, 154, 204,
    49, 187, 79, 122, 219, 50, 191, 230, 187, 210, 223, 180, 81, 126, 175, 134, 22, 208, 2, 166,
    38, 86, 236, 23, 155, 3, 52, 156, 169, 169, 22, 123, 86, 231, 3, 197, 164, 90, 145, 98, 223,
    60, 64, 0, 1, 180, 179, 222, 246, 80, 12, 99, 112, 159, 133, 215, 0, 0, 0, 0, 73, 69, 78, 68,
    174, 66, 96, 130,
];

fn sample_item(i: usize) -> ReceiptItem {
    let flags = match i % 4 {
        1 => vec![ConditionFlag::Damaged],
        2 => vec![ConditionFlag::Incomplete, ConditionFlag::Dirty],
        _ => vec![],
    };
    ReceiptItem {
        lab_id: format!("CAL-26-{:05}", 142 + i),
        description: [
            "Đồng hồ đo áp suất",
            "Nhiệt kế điện tử",
            "Cân phân tích",
            "Thước cặp điện tử",
        ][i % 4]
            .to_owned(),
        manufacturer: ["WIKA", "Fluke", "Mettler Toledo", "Mitutoyo"][i % 4].to_owned(),
        model: ["232.50.100", "1524", "XS205", "500-196-30"][i % 4].to_owned(),
        serial_number: format!("SN{:08}", 20_231_000 + i * 7),
        asset_tag: format!("TS-{i:03}"),
        range: "0 – 10 bar".to_owned(),
        requested_service: "Hiệu chuẩn / Calibration".to_owned(),
        points: "0, 2.5, 5, 7.5, 10 bar".to_owned(),
        decision_rule: "Chấp nhận đơn giản / Simple acceptance".to_owned(),
        condition: ItemCondition {
            flags,
            remarks: if i % 4 == 1 {
                "Mặt kính bị nứt".to_owned()
            } else {
                String::new()
            },
        },
        accessories: if i.is_multiple_of(3) {
            "Hộp đựng, cáp USB, chứng nhận cũ".to_owned()
        } else {
            String::new()
        },
    }
}

fn sample_receipt(items: usize) -> ReceiptData {
    ReceiptData {
        language: Language::Both,
        lab_name_vi: "Phòng Hiệu chuẩn Đo lường Đông Á".to_owned(),
        lab_name_en: "Dong A Metrology Calibration Laboratory".to_owned(),
        lab_address_vi: "Số 12 đường Nguyễn Trãi, phường Bến Thành, Quận 1, TP. Hồ Chí Minh".to_owned(),
        lab_address_en: "12 Nguyen Trai Street, Ben Thanh Ward, District 1, Ho Chi Minh City".to_owned(),
        lab_contact: "ĐT/Tel: +84 28 3822 1234 · calab@donga-metrology.vn".to_owned(),
        logo_png: None,
        work_order_number: "WO-2026-0142".to_owned(),
        customer_name: "Công ty TNHH Cơ khí Chính xác Đông Á".to_owned(),
        customer_address: "Lô B3, Khu công nghiệp Tân Bình, TP. Hồ Chí Minh".to_owned(),
        customer_contact: "Nguyễn Thị Hương · 0903 123 456".to_owned(),
        received_at: FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 11, 21, 9, 30, 0).single())
            .unwrap(),
        received_by: "Phạm Thu Hà".to_owned(),
        delivered_by: "Nguyễn Thị Hương".to_owned(),
        promised_date: NaiveDate::from_ymd_opt(2026, 11, 28),
        items: (0..items).map(sample_item).collect(),
        notes: "Khách hàng yêu cầu hiệu chuẩn tại 5 điểm đều trong dải đo. Độ không đảm bảo đo mở rộng \
                được báo cáo với hệ số phủ k = 2."
            .to_owned(),
        qr_url: Some("https://calab.example.vn/work-orders/WO-2026-0142".to_owned()),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 21, 2, 31, 0).unwrap(),
    }
}

fn sample_label() -> LabelData {
    LabelData {
        language: Language::Both,
        size: LABEL_62X29,
        lab_id: "CAL-26-00142".to_owned(),
        qr_content: Some("https://calab.example.vn/i/CAL-26-00142".to_owned()),
        customer_name: "Công ty TNHH Cơ khí Chính xác và Thiết bị Đo lường Đông Á".to_owned(),
        received_date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        return_by: NaiveDate::from_ymd_opt(2026, 11, 28),
        lab_name: "Đông Á Metrology".to_owned(),
        generated_at: Utc.with_ymd_and_hms(2026, 11, 21, 2, 31, 0).unwrap(),
    }
}

fn info(title: &str) -> DocInfo {
    DocInfo {
        title: title.to_owned(),
        author: "Phòng Hiệu chuẩn Đông Á".to_owned(),
        subject: "Giấy chứng nhận hiệu chuẩn".to_owned(),
        creator: "calab tests".to_owned(),
        keywords: vec!["test".to_owned()],
        created_at: Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap(),
    }
}

/// A certificate-like document through the helper alone: letterhead lines, a results table of
/// `rows` rows that continues across pages, a traceability paragraph, signatures, end mark.
pub(crate) fn results_document(rows: usize) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new(
        PageSize::A4,
        Margins {
            top: 10.0,
            right: 15.0,
            bottom: 10.0,
            left: 15.0,
        },
        &info("Giấy chứng nhận hiệu chuẩn"),
    )?;
    doc.set_frame(PageFrame {
        header_left: "Phòng Hiệu chuẩn Đo lường Đông Á".to_owned(),
        header_right: "Số / No.: DA-2026-0001".to_owned(),
        footer_left: "Kết quả chỉ có giá trị đối với thiết bị được hiệu chuẩn".to_owned(),
        language: Language::Both,
    });
    doc.paragraph(
        &TextStyle::bold(14.0),
        Align::Center,
        "GIẤY CHỨNG NHẬN HIỆU CHUẨN",
    );
    doc.paragraph(
        &TextStyle::regular(10.5),
        Align::Center,
        "Calibration certificate",
    );
    doc.space(3.0);
    doc.table(&Table::fields(
        vec![
            (
                "Khách hàng / Customer".to_owned(),
                "Công ty TNHH Cơ khí Chính xác Đông Á".to_owned(),
            ),
            (
                "Thiết bị / Item".to_owned(),
                "Đồng hồ đo áp suất, WIKA 232.50.100, SN 20231007".to_owned(),
            ),
            (
                "Người thực hiện / Performed by".to_owned(),
                "Phạm Thu Hà".to_owned(),
            ),
        ],
        0.3,
        0.7,
    ));
    doc.space(2.0);
    doc.heading(
        &TextStyle::bold(10.0),
        "Kết quả hiệu chuẩn / Calibration results",
        15.0,
    );
    let columns = vec![
        Column::new("Điểm đo / Point", 1.0).align(Align::Right),
        Column::new("Giá trị chuẩn / Reference (bar)", 1.4).align(Align::Right),
        Column::new("Chỉ thị / Indication (bar)", 1.4).align(Align::Right),
        Column::new("Sai số / Error (bar)", 1.2).align(Align::Right),
        Column::new(
            "Độ không đảm bảo đo mở rộng / Expanded uncertainty U (k = 2)",
            2.0,
        )
        .align(Align::Right),
    ];
    let data = (1..=rows)
        .map(|i| {
            let r = i as f64 * 0.25;
            vec![
                i.to_string(),
                format!("{r:.3}"),
                format!("{:.3}", r + 0.004),
                "+0.004".to_owned(),
                "0.012".to_owned(),
            ]
        })
        .collect();
    doc.table(&Table::ruled(columns, data));
    doc.space(3.0);
    doc.paragraph(
        &TextStyle::regular(8.5),
        Align::Left,
        "Tính liên kết chuẩn / Traceability: kết quả được liên kết tới chuẩn quốc gia của Việt Nam (VMI) \
         thông qua chuẩn áp suất DA-REF-03, giấy chứng nhận số VMI-P-2026-118. The results are traceable to \
         the SI through the national measurement standards of Viet Nam.",
    );
    doc.space(4.0);
    doc.signatures(&[
        super::layout::SignatureBox {
            title: "Người thực hiện / Performed by".to_owned(),
            name: "Phạm Thu Hà".to_owned(),
            function: "Kỹ thuật viên / Technician".to_owned(),
        },
        super::layout::SignatureBox {
            title: "Người ký duyệt / Authorized by".to_owned(),
            name: "Nguyễn Thị Hương".to_owned(),
            function: "Trưởng phòng / Head of laboratory".to_owned(),
        },
    ]);
    doc.end_mark(&Language::Both.end_mark());
    doc.finish()
}

// ----- poppler helpers ----------------------------------------------------------------------

fn have(tool: &str) -> bool {
    crate::testing::have_tool(tool, "poppler-utils")
}

fn temp_pdf(bytes: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "calab-pdf-test-{}-{}.pdf",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Text of each page, in reading order.
fn pages_text(bytes: &[u8]) -> Option<Vec<String>> {
    if !have("pdftotext") || !have("pdfinfo") {
        return None;
    }
    let path = temp_pdf(bytes);
    let n = page_count(&path);
    let pages = (1..=n)
        .map(|p| {
            let out = Command::new("pdftotext")
                .args(["-enc", "UTF-8", "-f", &p.to_string(), "-l", &p.to_string()])
                .arg(&path)
                .arg("-")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "pdftotext failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    let _ = std::fs::remove_file(&path);
    Some(pages)
}

fn pdfinfo(path: &PathBuf) -> String {
    let out = Command::new("pdfinfo").arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "pdfinfo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn page_count(path: &PathBuf) -> usize {
    pdfinfo(path)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

fn assert_frame(pages: &[String], header: &str) {
    let total = pages.len();
    for (i, text) in pages.iter().enumerate() {
        let footer = Language::Both.page_of(i + 1, total);
        assert!(
            text.contains(&footer),
            "page {} lacks {footer:?}:\n{text}",
            i + 1
        );
        assert!(
            text.contains(header),
            "page {} lacks header {header:?}:\n{text}",
            i + 1
        );
    }
    let end = Language::Both.end_mark();
    assert!(
        pages[total - 1].contains(&end),
        "no end mark on the last page"
    );
    for text in &pages[..total - 1] {
        assert!(!text.contains(&end), "end mark before the last page");
    }
}

// ----- measurement ---------------------------------------------------------------------------

#[test]
fn narrow_glyphs_measure_narrower_than_wide_ones() {
    let fonts = FontSet::get().unwrap();
    let narrow = fonts.width_mm(Weight::Regular, 10.0, "iiii");
    let wide = fonts.width_mm(Weight::Regular, 10.0, "WWWW");
    assert!(
        narrow > 0.0 && narrow < wide,
        "iiii {narrow} mm, WWWW {wide} mm"
    );
    // Bold is wider, and width scales linearly with the size.
    assert!(fonts.width_mm(Weight::Bold, 10.0, "WWWW") > wide);
    let double = fonts.width_mm(Weight::Regular, 20.0, "WWWW");
    assert!((double - 2.0 * wide).abs() < 1e-3);
    // DejaVu Sans "W" is 2025/2048 em: 4 × 10 pt × that, in mm.
    let expected = 4.0 * 10.0 * 2025.0 / 2048.0 * 25.4 / 72.0;
    assert!((wide - expected).abs() < 0.01, "{wide} vs {expected}");
}

#[test]
fn vietnamese_letters_have_real_glyphs() {
    let fonts = FontSet::get().unwrap();
    for text in [
        "Giấy chứng nhận hiệu chuẩn",
        "Độ không đảm bảo đo mở rộng",
        "Phạm Thu Hà",
        "Nguyễn Thị Hương",
        "Đông Á",
        "ỹỵửựẫậ·…–⚠",
    ] {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            assert!(fonts.regular.has_glyph(c), "regular lacks {c:?}");
            assert!(fonts.bold.has_glyph(c), "bold lacks {c:?}");
        }
    }
}

#[test]
fn wrapped_lines_fit_the_width_and_keep_every_word() {
    let doc = Document::new(PageSize::A4, Margins::uniform(15.0), &info("t")).unwrap();
    let style = TextStyle::regular(9.0);
    let text =
        "Độ không đảm bảo đo mở rộng được tính theo JCGM 100:2008 với hệ số phủ k = 2, tương ứng \
                xác suất phủ khoảng 95 %. Số máy SN-0000000000000000000000000000000000000000000042 \
                rất dài.\nDòng mới bắt buộc.";
    for width in [20.0, 35.0, 60.0, 120.0] {
        let lines = doc.wrap(&style, text, width);
        assert!(lines.len() > 1);
        for line in &lines {
            let w = doc.text_width(&style, line);
            assert!(w <= width + 1e-3, "{line:?} is {w} mm in {width} mm");
        }
        // Nothing lost or reordered except the whitespace at the breaks.
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&lines.concat()), squash(text));
        assert!(
            lines.iter().any(|l| l.starts_with("Dòng mới")),
            "forced break lost at {width} mm"
        );
    }
}

#[test]
fn ellipsis_shortens_to_fit() {
    let doc = Document::new(PageSize::A4, Margins::uniform(15.0), &info("t")).unwrap();
    let style = TextStyle::regular(7.0);
    let long = "Công ty TNHH Cơ khí Chính xác và Thiết bị Đo lường Đông Á";
    let short = doc.fit_with_ellipsis(&style, long, 30.0);
    assert!(short.ends_with('…') && short.len() < long.len());
    assert!(doc.text_width(&style, &short) <= 30.0);
    assert_eq!(doc.fit_with_ellipsis(&style, "Đông Á", 30.0), "Đông Á");
}

#[test]
fn margins_wider_than_the_page_are_an_error() {
    let err = Document::new(PageSize::mm(20.0, 20.0), Margins::uniform(10.0), &info("t")).err();
    assert!(matches!(err, Some(PdfError::Layout(_))));
}

#[test]
fn data_too_long_for_a_qr_code_is_an_error() {
    let mut doc = Document::new(PageSize::A4, Margins::uniform(15.0), &info("t")).unwrap();
    let err = doc
        .qr_code(10.0, 10.0, 20.0, &"x".repeat(5000))
        .unwrap_err();
    assert!(matches!(err, PdfError::Qr(_)));
}

// ----- rendered documents ------------------------------------------------------------------

#[test]
fn receipt_renders_small_with_vietnamese_intact() {
    let bytes = render_receipt(&sample_receipt(3)).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // Fonts are subset: two full DejaVu faces alone would be 1.4 MB.
    assert!(bytes.len() < 100 * 1024, "receipt is {} bytes", bytes.len());
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert_eq!(pages.len(), 1, "a 3-item receipt should fit on one page");
    let text = &pages[0];
    for expected in [
        "Phòng Hiệu chuẩn Đo lường Đông Á",
        "PHIẾU TIẾP NHẬN THIẾT BỊ",
        "Công ty TNHH Cơ khí Chính xác Đông Á",
        "Phạm Thu Hà",
        "Nguyễn Thị Hương",
        "Độ không đảm bảo đo mở rộng",
        "WO-2026-0142",
        "CAL-26-00143",
        "21/11/2026 09:30",
        "28/11/2026",
        "⚠ Hư hỏng",
        "Thiếu bộ phận",
        "Incomplete",
        "Mặt kính bị nứt",
        "Đại diện khách hàng / For the customer",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_frame(&pages, "Số / No.: WO-2026-0142");
}

#[test]
fn receipt_with_many_items_repeats_the_table_header_on_every_page() {
    let bytes = render_receipt(&sample_receipt(40)).unwrap();
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert!(pages.len() > 1, "40 items should need more than one page");
    assert_frame(&pages, "Số / No.: WO-2026-0142");
    for (i, text) in pages.iter().enumerate() {
        // The last page may hold only the signatures; every page with items has the header.
        if text.contains("CAL-26-") {
            assert!(
                text.contains("Mã PTN / Lab ID"),
                "page {} has items without header",
                i + 1
            );
        }
    }
    let all = pages.concat();
    for i in 0..40 {
        assert!(
            all.contains(&format!("CAL-26-{:05}", 142 + i)),
            "item {i} lost"
        );
    }
}

#[test]
fn a_40_row_results_table_spans_pages_with_its_header_on_each() {
    let bytes = results_document(40).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert!(
        pages.len() >= 2,
        "40 rows should need two pages, got {}",
        pages.len()
    );
    assert_frame(&pages, "Số / No.: DA-2026-0001");
    let header = "Độ không đảm bảo đo mở rộng";
    for (i, text) in pages.iter().enumerate() {
        if text.lines().any(|l| l.trim() == "0.012") {
            assert!(
                text.contains(header),
                "page {} continues the table without its header",
                i + 1
            );
        }
    }
    let all = pages.concat();
    assert!(all.contains("10.000"), "row 40 (10.000 bar) missing");
    assert!(all.contains("Nguyễn Thị Hương"));
}

/// A small page whose table has one row taller than the page.
fn split_row_document() -> Vec<u8> {
    let mut doc =
        Document::new(PageSize::mm(100.0, 80.0), Margins::uniform(8.0), &info("t")).unwrap();
    doc.set_frame(PageFrame {
        header_left: "Lab".to_owned(),
        header_right: "No. X-1".to_owned(),
        footer_left: String::new(),
        language: Language::En,
    });
    let long: String = (1..=60).map(|i| format!("word{i} ")).collect();
    doc.table(&Table::ruled(
        vec![Column::new("Key", 1.0), Column::new("Long value", 3.0)],
        vec![
            vec!["a".to_owned(), long],
            vec!["b".to_owned(), "short".to_owned()],
        ],
    ));
    doc.end_mark("--- End ---");
    doc.finish().unwrap()
}

#[test]
fn a_row_taller_than_a_page_is_split_not_lost() {
    let bytes = split_row_document();
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert!(pages.len() >= 2);
    let all = pages.concat();
    for i in 1..=60 {
        assert!(all.contains(&format!("word{i}")), "word{i} lost");
    }
    for text in &pages {
        assert!(
            text.contains("Long value"),
            "a page without the header:\n{text}"
        );
    }
}

#[test]
fn decomposed_vietnamese_is_printed_precomposed() {
    let nfd = "Nguye\u{0302}\u{0303}n Thi\u{0323} Hu\u{031B}o\u{031B}\u{0300}ng"; // "Nguyễn Thị Hường"
    let mut doc = Document::new(PageSize::A4, Margins::uniform(15.0), &info("t")).unwrap();
    doc.paragraph(&TextStyle::regular(10.0), Align::Left, nfd);
    let bytes = doc.finish().unwrap();
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert!(pages[0].contains("Nguyễn Thị Hường"), "{:?}", pages[0]);
}

#[test]
fn a_png_logo_is_embedded_and_a_broken_one_is_an_error() {
    let mut data = sample_receipt(1);
    data.logo_png = Some(LOGO_PNG.to_vec());
    let bytes = render_receipt(&data).unwrap();
    // Stored losslessly but compressed: raw pixels alone would add 18 KB.
    let without = render_receipt(&sample_receipt(1)).unwrap();
    assert!(
        bytes.len() < without.len() + 4096,
        "logo adds {} bytes",
        bytes.len() - without.len()
    );
    if Command::new("pdfimages").arg("-v").output().is_ok() {
        let path = temp_pdf(&bytes);
        let out = Command::new("pdfimages")
            .arg("-list")
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let list = String::from_utf8(out.stdout).unwrap();
        assert!(
            list.lines()
                .any(|l| l.contains(" 96 ") && l.contains(" 64 ")),
            "{list}"
        );
    }
    data.logo_png = Some(b"not a png".to_vec());
    assert!(matches!(render_receipt(&data), Err(PdfError::Image(_))));
}

#[test]
fn qr_codes_scan_back_to_their_content() {
    // Only where poppler and zbar are installed (apt-get install poppler-utils zbar-tools).
    if !have("pdftoppm") || !crate::testing::have_tool("zbarimg", "zbar-tools") {
        return;
    }
    let mut short = sample_label();
    short.qr_content = None;
    let cases = [
        (
            render_label(&sample_label()).unwrap(),
            "https://calab.example.vn/i/CAL-26-00142",
        ),
        (render_label(&short).unwrap(), "CAL-26-00142"),
        (
            render_receipt(&sample_receipt(1)).unwrap(),
            "https://calab.example.vn/work-orders/WO-2026-0142",
        ),
    ];
    for (bytes, expected) in cases {
        let path = temp_pdf(&bytes);
        let prefix = path.with_extension("");
        let ok = Command::new("pdftoppm")
            .args(["-png", "-r", "200", "-singlefile"])
            .arg(&path)
            .arg(&prefix)
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let png = prefix.with_extension("png");
        let out = Command::new("zbarimg")
            .args(["-q", "--raw"])
            .arg(&png)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(&png);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);
    }
}

#[test]
fn label_renders_on_one_small_page() {
    let bytes = render_label(&sample_label()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() < 60 * 1024, "label is {} bytes", bytes.len());
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "CAL-26-00142",
        "Công ty TNHH Cơ khí",
        "Chính xác",
        "…",
        "21/11/2026",
        "28/11/2026",
        "Nhận/In",
        "Hẹn trả/Return by",
        "Đông Á Metrology",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let path = temp_pdf(&bytes);
    let info = pdfinfo(&path);
    let _ = std::fs::remove_file(&path);
    assert!(info.contains("175.748 x 82.20"), "page size: {info}");
    assert!(!info.contains("PDF/X"), "must not claim PDF/X: {info}");
}

#[test]
fn metadata_carries_the_given_creation_date() {
    let bytes = render_receipt(&sample_receipt(2)).unwrap();
    if !have("pdfinfo") {
        return;
    }
    let path = temp_pdf(&bytes);
    let out = Command::new("pdfinfo")
        .args(["-isodates"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let info = String::from_utf8(out.stdout).unwrap();
    assert!(
        info.contains("2026-11-21T02:31:00"),
        "creation date: {info}"
    );
    assert!(
        !info.contains("1970"),
        "a 1970 date slipped through: {info}"
    );
    assert!(
        info.contains("Phiếu tiếp nhận thiết bị / Item intake receipt WO-2026-0142"),
        "{info}"
    );
    assert!(
        info.contains("Author:          Phòng Hiệu chuẩn Đo lường Đông Á"),
        "{info}"
    );
    assert!(info.contains("Creator:         calab"), "{info}");
}

#[test]
fn qpdf_finds_no_structural_errors() {
    if !crate::testing::have_tool("qpdf", "qpdf") {
        return;
    }
    for bytes in [
        render_receipt(&sample_receipt(40)).unwrap(),
        render_label(&sample_label()).unwrap(),
    ] {
        let path = temp_pdf(&bytes);
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "qpdf --check: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn same_input_gives_the_same_bytes() {
    // What the customer got can be produced again from the record and compared by hash.
    assert_eq!(
        render_receipt(&sample_receipt(5)).unwrap(),
        render_receipt(&sample_receipt(5)).unwrap()
    );
    assert_eq!(
        render_label(&sample_label()).unwrap(),
        render_label(&sample_label()).unwrap()
    );
    let mut other = sample_receipt(5);
    other.generated_at += chrono::Duration::seconds(1);
    assert_ne!(
        render_receipt(&sample_receipt(5)).unwrap(),
        render_receipt(&other).unwrap()
    );
}

/// Every sample document renders to a readable PDF; with `CALAB_PDF_SAMPLES=DIR` they are also
/// kept in DIR to be looked at.
#[test]
fn sample_documents_render_to_readable_pdfs() {
    let mut with_logo = sample_receipt(3);
    with_logo.logo_png = Some(LOGO_PNG.to_vec());
    let mut en = sample_receipt(2);
    en.language = Language::En;
    let mut short = sample_label();
    short.customer_name = "Đông Á".to_owned();
    short.qr_content = None;
    let samples = [
        ("receipt.pdf", render_receipt(&with_logo).unwrap()),
        (
            "receipt-40.pdf",
            render_receipt(&sample_receipt(40)).unwrap(),
        ),
        ("receipt-en.pdf", render_receipt(&en).unwrap()),
        ("label.pdf", render_label(&sample_label()).unwrap()),
        ("label-short.pdf", render_label(&short).unwrap()),
        ("results-40.pdf", results_document(40).unwrap()),
        ("split-row.pdf", split_row_document()),
    ];
    let keep = std::env::var_os("CALAB_PDF_SAMPLES").map(PathBuf::from);
    for (name, bytes) in samples {
        assert!(bytes.starts_with(b"%PDF-"), "{name}");
        if have("pdfinfo") {
            let path = temp_pdf(&bytes);
            assert!(page_count(&path) >= 1, "{name}");
            let _ = std::fs::remove_file(&path);
        }
        if let Some(dir) = &keep {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(name), &bytes).unwrap();
        }
    }
}

// ----- the certificate ------------------------------------------------------------------------

/// The shared example snapshot (`tests/data/certificate-snapshot.json`) with `rows` result rows.
pub fn certificate_snapshot(rows: usize) -> crate::domain::certificate::CertificateSnapshot {
    let mut s: crate::domain::certificate::CertificateSnapshot =
        serde_json::from_str(include_str!("../../tests/data/certificate-snapshot.json")).unwrap();
    let template = s.results[1].clone();
    s.results = (0..rows)
        .map(|i| super::super::domain::certificate::ResultRow {
            nominal: format!("{}", (i + 1) * 5),
            ..template.clone()
        })
        .collect();
    s
}

fn render_snapshot(s: &crate::domain::certificate::CertificateSnapshot) -> Vec<u8> {
    use super::certificate::{render_certificate, CertificateExtras, Template};
    render_certificate(
        s,
        &CertificateExtras {
            logo_png: Some(LOGO_PNG),
            utc_offset: FixedOffset::east_opt(7 * 3600).unwrap(),
            dcc_xml: "<dcc/>",
            watermark: None,
        },
        Template::builtin(),
    )
    .unwrap()
}

#[test]
fn the_template_parses_and_carries_a_version() {
    let t = super::certificate::Template::builtin();
    assert!(!t.version.is_empty());
}

#[test]
fn a_30_point_certificate_is_two_small_pages_with_every_item() {
    let s = certificate_snapshot(30);
    let bytes = render_snapshot(&s);
    if let Ok(dir) = std::env::var("CALAB_PDF_SAMPLES") {
        std::fs::write(PathBuf::from(dir).join("certificate.pdf"), &bytes).unwrap();
    }
    assert_eq!(
        bytes,
        render_snapshot(&s),
        "the same snapshot gives the same bytes"
    );
    assert!(bytes.len() < 150_000, "{} bytes", bytes.len());
    let Some(pages) = pages_text(&bytes) else {
        return;
    };
    assert_eq!(pages.len(), 2);
    assert_frame(&pages, "Số / No.: 2026-000042-A1");
    let all = pages.concat();
    for expected in [
        "GIẤY CHỨNG NHẬN HIỆU CHUẨN",
        "Trung tâm Đo lường Chất lượng Sài Gòn",
        "VILAS 1234",
        "Thay thế giấy chứng nhận số 2026-000042",
        "Công ty TNHH Dược phẩm Hòa Bình",
        "Quintix 224-1S",
        "INS-000317",
        "WO-2026-0815",
        "Phòng Khối lượng",
        "20.3 °C",
        "STD-M-001",
        "Viện Đo lường Việt Nam (VMI)",
        "Chấp nhận có vùng bảo vệ",
        "Trần Thị Thu Hà",
        "Trưởng phòng Khối lượng",
        "150",
        "Kết quả chỉ có giá trị",
        "https://calab.example.vn/verify/",
    ] {
        assert!(all.contains(expected), "{expected:?} missing:\n{all}");
    }
    // The results header repeats on the page the table continues onto.
    if pages[1].contains("145") {
        assert!(pages[1].contains("Giá trị chuẩn"), "{}", pages[1]);
    }
}
