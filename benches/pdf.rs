//! Time to lay out and serialize a two-page certificate-like document (30-row results table,
//! header and footer on each page, signatures, end mark) through the layout helper, plus the
//! intake receipt and the label. Run with `cargo bench --bench pdf`.

use std::time::{Duration, Instant};

use calab::pdf::layout::{
    Align, Column, DocInfo, Document, Margins, PageFrame, PageSize, SignatureBox, Table, TextStyle,
};
use calab::pdf::receipt::{ConditionFlag, ItemCondition};
use calab::pdf::{
    render_label, render_receipt, LabelData, Language, PdfError, ReceiptData, ReceiptItem,
};
use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};

const RUNS: usize = 200;

fn certificate(rows: usize) -> Result<Vec<u8>, PdfError> {
    let created_at = Utc
        .with_ymd_and_hms(2026, 11, 21, 8, 0, 0)
        .single()
        .ok_or(PdfError::Layout("date".into()))?;
    let info = DocInfo {
        title: "Giấy chứng nhận hiệu chuẩn DA-2026-0001".into(),
        author: "Phòng Hiệu chuẩn Đo lường Đông Á".into(),
        subject: "Calibration certificate".into(),
        creator: "calab bench".into(),
        keywords: vec![],
        created_at,
    };
    let mut doc = Document::new(
        PageSize::A4,
        Margins {
            top: 10.0,
            right: 15.0,
            bottom: 10.0,
            left: 15.0,
        },
        &info,
    )?;
    doc.set_frame(PageFrame {
        header_left: "Phòng Hiệu chuẩn Đo lường Đông Á".into(),
        header_right: "Số / No.: DA-2026-0001".into(),
        footer_left: "Kết quả chỉ có giá trị đối với thiết bị được hiệu chuẩn".into(),
        language: Language::Both,
    });
    doc.qr_code(
        doc.right() - 20.0,
        doc.cursor(),
        20.0,
        "https://calab.example.vn/c/DA-2026-0001",
    )?;
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
    doc.space(12.0);
    let fields = (0..12)
        .map(|i| {
            (
                format!("Trường {i} / Field {i}"),
                "Công ty TNHH Cơ khí Chính xác Đông Á, Lô B3, KCN Tân Bình".to_owned(),
            )
        })
        .collect();
    doc.table(&Table::fields(fields, 0.3, 0.7));
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
                "+0.004".into(),
                "0.012".into(),
            ]
        })
        .collect();
    doc.table(&Table::ruled(columns, data));
    doc.space(3.0);
    for _ in 0..3 {
        doc.paragraph(
            &TextStyle::regular(8.5),
            Align::Left,
            "Tính liên kết chuẩn / Traceability: kết quả được liên kết tới chuẩn quốc gia của Việt Nam (VMI) \
             thông qua chuẩn áp suất DA-REF-03, giấy chứng nhận số VMI-P-2026-118. The results are traceable \
             to the SI through the national measurement standards of Viet Nam.",
        );
    }
    doc.space(4.0);
    doc.signatures(&[
        SignatureBox {
            title: "Người thực hiện / Performed by".into(),
            name: "Phạm Thu Hà".into(),
            function: "Kỹ thuật viên / Technician".into(),
        },
        SignatureBox {
            title: "Người ký duyệt / Authorized by".into(),
            name: "Nguyễn Thị Hương".into(),
            function: "Trưởng phòng / Head of laboratory".into(),
        },
    ]);
    doc.end_mark(&Language::Both.end_mark());
    doc.finish()
}

fn receipt() -> Result<Vec<u8>, PdfError> {
    let tz = FixedOffset::east_opt(7 * 3600).ok_or(PdfError::Layout("tz".into()))?;
    let item = |i: usize| ReceiptItem {
        lab_id: format!("CAL-26-{:05}", 142 + i),
        description: "Đồng hồ đo áp suất".into(),
        manufacturer: "WIKA".into(),
        model: "232.50.100".into(),
        serial_number: format!("SN{i:08}"),
        requested_service: "Hiệu chuẩn / Calibration".into(),
        condition: ItemCondition {
            flags: if i % 3 == 1 {
                vec![ConditionFlag::Damaged]
            } else {
                vec![]
            },
            remarks: String::new(),
        },
        accessories: "Hộp đựng".into(),
    };
    render_receipt(&ReceiptData {
        language: Language::Both,
        lab_name_vi: "Phòng Hiệu chuẩn Đo lường Đông Á".into(),
        lab_name_en: "Dong A Metrology Calibration Laboratory".into(),
        lab_address_vi: "Số 12 đường Nguyễn Trãi, Quận 1, TP. Hồ Chí Minh".into(),
        lab_address_en: "12 Nguyen Trai Street, District 1, Ho Chi Minh City".into(),
        lab_contact: String::new(),
        logo_png: None,
        work_order_number: "WO-2026-0142".into(),
        customer_name: "Công ty TNHH Cơ khí Chính xác Đông Á".into(),
        customer_address: "Lô B3, KCN Tân Bình, TP. Hồ Chí Minh".into(),
        customer_contact: String::new(),
        received_at: tz
            .with_ymd_and_hms(2026, 11, 21, 9, 30, 0)
            .single()
            .ok_or(PdfError::Layout("date".into()))?,
        received_by: "Phạm Thu Hà".into(),
        delivered_by: "Nguyễn Thị Hương".into(),
        promised_date: NaiveDate::from_ymd_opt(2026, 11, 28),
        items: (0..5).map(item).collect(),
        notes: String::new(),
        qr_url: Some("https://calab.example.vn/work-orders/WO-2026-0142".into()),
        generated_at: Utc::now(),
    })
}

fn label() -> Result<Vec<u8>, PdfError> {
    render_label(&LabelData {
        language: Language::Both,
        size: calab::pdf::label::LABEL_62X29,
        lab_id: "CAL-26-00142".into(),
        qr_content: Some("https://calab.example.vn/i/CAL-26-00142".into()),
        customer_name: "Công ty TNHH Cơ khí Chính xác Đông Á".into(),
        received_date: NaiveDate::from_ymd_opt(2026, 11, 21)
            .ok_or(PdfError::Layout("date".into()))?,
        due_date: NaiveDate::from_ymd_opt(2026, 11, 28),
        lab_short_name: "Đông Á Metrology".into(),
        generated_at: Utc::now(),
    })
}

fn measure(name: &str, f: impl Fn() -> Result<Vec<u8>, PdfError>) -> Result<(), PdfError> {
    // The first call parses the vendored fonts once per process; report it apart.
    let t = Instant::now();
    let first = f()?;
    let cold = t.elapsed();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = first.len();
    for _ in 0..RUNS {
        let t = Instant::now();
        let bytes = f()?;
        times.push(t.elapsed());
        size = bytes.len();
    }
    times.sort();
    let pages = lopdf::Document::load_mem(&first)
        .map(|d| d.get_pages().len())
        .unwrap_or(0);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<34} median {:>7.3} ms  p90 {:>7.3} ms  min {:>7.3} ms  first call {:>7.3} ms  {pages} page(s)  size {:>7} bytes ({:.1} KB)",
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10]),
        ms(times[0]),
        ms(cold),
        size,
        size as f64 / 1024.0
    );
    Ok(())
}

fn main() -> Result<(), PdfError> {
    println!("{RUNS} runs each");
    measure("certificate, 2 pages, 30-row table", || certificate(30))?;
    measure("intake receipt, 5 items", receipt)?;
    measure("item label 62 x 29 mm", label)?;
    Ok(())
}
