//! Time to render a two-page calibration certificate with 30 points (DCC XML, layout, font
//! subsetting, PDF/A metadata), the intake receipt and the label. Run with `cargo bench --bench pdf`.
//! Issuing end to end (number, render, hash, signature, storage) is measured by
//! `cargo bench --bench certificates`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

use std::time::{Duration, Instant};

use calab::domain::certificate::{CertificateSnapshot, ResultRow};
use calab::pdf::certificate::{render_certificate, CertificateExtras, Template};
use calab::pdf::receipt::{ConditionFlag, ItemCondition};
use calab::pdf::{
    render_label, render_receipt, LabelData, Language, PdfError, ReceiptData, ReceiptItem,
};
use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};

const RUNS: usize = 200;

/// The real certificate: the example snapshot of `tests/data/` with `rows` results, its DCC
/// rendered and attached, then the PDF laid out, subset and serialized (what issuing does before
/// it hashes, signs and stores).
fn certificate(rows: usize) -> Result<Vec<u8>, PdfError> {
    let mut s: CertificateSnapshot =
        serde_json::from_str(include_str!("../tests/data/certificate-snapshot.json"))
            .expect("snapshot");
    let row = s.results[1].clone();
    s.results = (0..rows)
        .map(|i| ResultRow {
            nominal: format!("{}", (i + 1) * 5),
            ..row.clone()
        })
        .collect();
    let dcc = calab::dcc::render(&s);
    render_certificate(
        &s,
        &CertificateExtras {
            logo_png: None,
            utc_offset: FixedOffset::east_opt(7 * 3600).expect("offset"),
            dcc_xml: &dcc,
            watermark: None,
        },
        Template::builtin(),
    )
}

fn receipt() -> Result<Vec<u8>, PdfError> {
    let tz = FixedOffset::east_opt(7 * 3600).ok_or(PdfError::Layout("tz".into()))?;
    let item = |i: usize| ReceiptItem {
        lab_id: format!("CAL-26-{:05}", 142 + i),
        description: "Đồng hồ đo áp suất".into(),
        manufacturer: "WIKA".into(),
        model: "232.50.100".into(),
        serial_number: format!("SN{i:08}"),
        asset_tag: format!("TS-{i:03}"),
        range: "0 – 10 bar".into(),
        requested_service: "Hiệu chuẩn / Calibration".into(),
        points: "0, 2.5, 5, 7.5, 10 bar".into(),
        decision_rule: "Chấp nhận đơn giản / Simple acceptance".into(),
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
        return_by: NaiveDate::from_ymd_opt(2026, 11, 28),
        lab_name: "Đông Á Metrology".into(),
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
    measure("certificate, 30 points, DCC attached", || certificate(30))?;
    measure("intake receipt, 5 items", receipt)?;
    measure("item label 62 x 29 mm", label)?;
    Ok(())
}
