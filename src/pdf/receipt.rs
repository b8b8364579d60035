//! The intake receipt handed to the customer when instruments arrive (ISO/IEC 17025 §7.4:
//! unique identification of each item, its condition on receipt including any damage or
//! missing parts, the accessories that came with it, and the customer's acknowledgement).
//!
//! The receipt number is the work order number; the items carry the laboratory ids that are
//! also printed on their labels ([`super::label`]), so a receipt, a label and later the
//! certificate all name the same item the same way.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::layout::{
    Align, Column, DocInfo, Document, Margins, PageFrame, PageSize, SignatureBox, Table, TextStyle,
};
use super::{Language, PdfError};

/// Everything printed on an intake receipt, prepared by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptData {
    pub language: Language,
    pub lab_name_vi: String,
    pub lab_name_en: String,
    pub lab_address_vi: String,
    pub lab_address_en: String,
    /// Phone, e-mail, web; printed under the address. May be empty.
    pub lab_contact: String,
    /// Optional PNG logo, drawn at the top left.
    pub logo_png: Option<Vec<u8>>,
    /// The work order number, which is the receipt number.
    pub work_order_number: String,
    pub customer_name: String,
    pub customer_address: String,
    /// Contact person and phone at the customer. May be empty.
    pub customer_contact: String,
    /// When the items were received, in the laboratory's local time.
    pub received_at: DateTime<FixedOffset>,
    /// Name of the laboratory staff member who received the items.
    pub received_by: String,
    /// Name of the person who handed the items over, if known (printed under their signature).
    pub delivered_by: String,
    /// Date the results were promised for, if one was agreed.
    pub promised_date: Option<NaiveDate>,
    pub items: Vec<ReceiptItem>,
    /// Free text: agreements, deviations from the request, special handling. May be empty.
    pub notes: String,
    /// Optional QR code content (e.g. the customer portal's URL of the work order).
    pub qr_url: Option<String>,
    /// When the document was produced; the PDF's creation date.
    pub generated_at: DateTime<Utc>,
}

/// One item received.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReceiptItem {
    /// The laboratory's unique id for the item (§7.4.2), as on its label.
    pub lab_id: String,
    pub description: String,
    pub manufacturer: String,
    pub model: String,
    pub serial_number: String,
    /// The customer's own asset tag. May be empty.
    pub asset_tag: String,
    /// The measuring range, e.g. "0 – 220 g". May be empty.
    pub range: String,
    /// e.g. "Hiệu chuẩn / Calibration".
    pub requested_service: String,
    /// Agreed at contract review: the points asked for (may be empty) and the decision rule.
    pub points: String,
    pub decision_rule: String,
    pub condition: ItemCondition,
    /// Accessories received with the item; empty prints "none".
    pub accessories: String,
}

/// Condition on receipt (§7.4.3: deviations from normal condition are recorded).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemCondition {
    pub flags: Vec<ConditionFlag>,
    /// What was observed, in words. May be empty.
    pub remarks: String,
}

pub use crate::domain::intake::ConditionFlag;

impl ConditionFlag {
    pub fn label(self, lang: Language) -> String {
        match self {
            ConditionFlag::Damaged => lang.label("Hư hỏng", "Damaged"),
            ConditionFlag::Incomplete => lang.label("Thiếu bộ phận", "Incomplete"),
            ConditionFlag::NotWorking => lang.label("Không hoạt động", "Not working"),
            ConditionFlag::SealBroken => lang.label("Tem niêm phong bị rách", "Seal broken"),
            ConditionFlag::Dirty => lang.label("Bẩn", "Dirty"),
        }
    }
}

/// Vietnamese usage, understood by English readers too.
fn date_time(t: &DateTime<FixedOffset>) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

fn date(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Condition on receipt as printed: the flags, then the remarks; "Normal" when nothing was noted.
pub fn condition_text(c: &ItemCondition, lang: Language) -> String {
    let mut parts: Vec<String> = c
        .flags
        .iter()
        .map(|f| format!("⚠ {}", f.label(lang)))
        .collect();
    if !c.remarks.trim().is_empty() {
        parts.push(c.remarks.trim().to_owned());
    }
    if parts.is_empty() {
        parts.push(lang.label("Bình thường", "Normal"));
    }
    parts.join("\n")
}

/// Renders the intake receipt of a work order as an A4 PDF.
const TITLE_VI: &str = "Phiếu tiếp nhận thiết bị";
const TITLE_EN: &str = "Item intake receipt";

pub fn render_receipt(data: &ReceiptData) -> Result<Vec<u8>, PdfError> {
    let lang = data.language;
    let mut doc = new_document(data)?;
    letterhead(&mut doc, data)?;

    let title = TextStyle::bold(14.0);
    let subtitle = TextStyle::regular(10.5).with_grey(0.2);
    doc.space(2.0);
    match lang {
        Language::Both => {
            doc.paragraph(&title, Align::Center, &TITLE_VI.to_uppercase());
            doc.paragraph(&subtitle, Align::Center, TITLE_EN);
        }
        Language::Vi => doc.paragraph(&title, Align::Center, &TITLE_VI.to_uppercase()),
        Language::En => doc.paragraph(&title, Align::Center, &TITLE_EN.to_uppercase()),
    }
    doc.space(2.0);
    doc.table(&Table::fields(who_and_when(data), 0.42, 0.58));
    doc.space(2.0);

    doc.heading(
        &TextStyle::bold(10.0),
        &lang.label("Danh sách thiết bị", "Items received"),
        20.0,
    );
    doc.space(1.0);
    doc.table(&items_table(data));
    doc.space(2.0);
    doc.heading(
        &TextStyle::bold(10.0),
        &lang.label(
            "Yêu cầu đã thống nhất khi xem xét hợp đồng",
            "Agreed at contract review",
        ),
        20.0,
    );
    doc.space(1.0);
    doc.table(&agreements_table(data));
    doc.space(2.0);
    closing(&mut doc, data);
    doc.finish()
}

/// The document with its metadata, margins and running header and footer.
fn new_document(data: &ReceiptData) -> Result<Document, PdfError> {
    let lang = data.language;
    let lab_name = match lang {
        Language::En => &data.lab_name_en,
        _ => &data.lab_name_vi,
    };
    let title = format!(
        "{} {}",
        lang.label(TITLE_VI, TITLE_EN),
        data.work_order_number
    );
    let info = DocInfo {
        title: title.clone(),
        author: lab_name.clone(),
        subject: format!(
            "{} — {}",
            lang.label("Tiếp nhận thiết bị", "Item intake"),
            data.customer_name
        ),
        creator: "calab".to_owned(),
        keywords: vec![
            data.work_order_number.clone(),
            "ISO/IEC 17025 7.4".to_owned(),
        ],
        created_at: data.generated_at,
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
        header_left: lab_name.clone(),
        header_right: format!("{}: {}", lang.label("Số", "No."), data.work_order_number),
        footer_left: title,
        language: lang,
    });
    Ok(doc)
}

/// Who brought what, when, and when it is promised back.
fn who_and_when(data: &ReceiptData) -> Vec<(String, String)> {
    let lang = data.language;
    let mut fields = vec![
        (
            lang.label("Số phiếu", "Receipt no."),
            data.work_order_number.clone(),
        ),
        (
            lang.label("Khách hàng", "Customer"),
            data.customer_name.clone(),
        ),
        (
            lang.label("Địa chỉ", "Address"),
            data.customer_address.clone(),
        ),
    ];
    if !data.customer_contact.trim().is_empty() {
        fields.push((
            lang.label("Liên hệ", "Contact"),
            data.customer_contact.clone(),
        ));
    }
    fields.push((
        lang.label("Thời điểm nhận", "Received at"),
        date_time(&data.received_at),
    ));
    fields.push((
        lang.label("Người nhận", "Received by"),
        data.received_by.clone(),
    ));
    fields.push((
        lang.label("Ngày hẹn trả kết quả", "Promised date"),
        data.promised_date
            .as_ref()
            .map(date)
            .unwrap_or_else(|| lang.label("chưa hẹn", "not agreed")),
    ));
    fields.push((
        lang.label("Số lượng thiết bị", "Number of items"),
        data.items.len().to_string(),
    ));
    fields
}

/// One row per item, with its condition on receipt.
fn items_table(data: &ReceiptData) -> Table {
    let lang = data.language;
    let columns = vec![
        Column::new("#", 5.0).align(Align::Right),
        Column::new(lang.label("Mã PTN", "Lab ID"), 19.0).bold(),
        Column::new(lang.label("Tên thiết bị", "Description"), 21.0),
        Column::new(lang.label("Hãng / Kiểu", "Manufacturer / Model"), 18.0),
        Column::new(
            lang.label("Số máy / Mã tài sản", "Serial no. / Asset tag"),
            17.0,
        ),
        Column::new(lang.label("Dịch vụ yêu cầu", "Requested service"), 18.0),
        Column::new(
            lang.label("Tình trạng khi nhận", "Condition on receipt"),
            20.0,
        ),
        Column::new(lang.label("Phụ kiện", "Accessories"), 16.0),
    ];
    let none = lang.label("Không", "None");
    let rows = data
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let make_model = match (it.manufacturer.trim(), it.model.trim()) {
                ("", m) => m.to_owned(),
                (mf, "") => mf.to_owned(),
                (mf, m) => format!("{mf}\n{m}"),
            };
            vec![
                (i + 1).to_string(),
                it.lab_id.clone(),
                it.description.clone(),
                make_model,
                match it.asset_tag.trim() {
                    "" => it.serial_number.clone(),
                    tag => format!("{}\n{tag}", it.serial_number),
                },
                it.requested_service.clone(),
                condition_text(&it.condition, lang),
                if it.accessories.trim().is_empty() {
                    none.clone()
                } else {
                    it.accessories.clone()
                },
            ]
        })
        .collect();
    let mut items = Table::ruled(columns, rows);
    items.header_style = TextStyle::bold(7.0);
    items.body_style = TextStyle::regular(7.5);
    items
}

/// Per item: its range, the points asked for and the decision rule for statements of conformity.
fn agreements_table(data: &ReceiptData) -> Table {
    let lang = data.language;
    let none = lang.label("Theo quy trình", "As the procedure");
    let columns = vec![
        Column::new("#", 4.0).align(Align::Right),
        Column::new(lang.label("Mã PTN", "Lab ID"), 20.0).bold(),
        Column::new(lang.label("Phạm vi đo", "Range"), 16.0),
        Column::new(lang.label("Điểm hiệu chuẩn", "Points"), 50.0),
        Column::new(lang.label("Quy tắc quyết định", "Decision rule"), 46.0),
    ];

    let rows = data
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            vec![
                (i + 1).to_string(),
                it.lab_id.clone(),
                it.range.clone(),
                if it.points.trim().is_empty() {
                    none.clone()
                } else {
                    it.points.clone()
                },
                it.decision_rule.clone(),
            ]
        })
        .collect();
    let mut table = Table::ruled(columns, rows);
    table.header_style = TextStyle::bold(7.0);
    table.body_style = TextStyle::regular(7.5);
    table
}

/// Notes, the customer's statement and both signatures.
fn closing(doc: &mut Document, data: &ReceiptData) {
    let lang = data.language;
    let body = TextStyle::regular(8.5);
    if !data.notes.trim().is_empty() {
        doc.heading(&TextStyle::bold(9.0), &lang.label("Ghi chú", "Notes"), 8.0);
        doc.paragraph(&body, Align::Left, &data.notes);
        doc.space(2.0);
    }
    let statement = match lang {
        Language::Vi => STATEMENT_VI.to_owned(),
        Language::En => STATEMENT_EN.to_owned(),
        Language::Both => format!("{STATEMENT_VI}\n{STATEMENT_EN}"),
    };
    doc.paragraph(
        &TextStyle::regular(7.5).with_grey(0.2),
        Align::Left,
        &statement,
    );
    doc.space(2.0);

    doc.signatures(&[
        SignatureBox {
            title: lang.label("Đại diện phòng thí nghiệm", "For the laboratory"),
            name: data.received_by.clone(),
            function: lang.label("Người tiếp nhận", "Received by"),
        },
        SignatureBox {
            title: lang.label("Đại diện khách hàng", "For the customer"),
            name: data.delivered_by.clone(),
            function: lang.label("Người giao thiết bị", "Delivered by"),
        },
    ]);
    doc.end_mark(&lang.end_mark());
}

const STATEMENT_VI: &str =
    "Khách hàng xác nhận số lượng, tình trạng và phụ kiện của thiết bị như ghi trên \
phiếu này khi giao. Kết quả chỉ có giá trị đối với thiết bị được hiệu chuẩn hoặc thử nghiệm.";
const STATEMENT_EN: &str =
    "The customer confirms the number, condition and accessories of the items as \
stated on this receipt at hand-over. Results relate only to the items calibrated or tested.";

/// Logo, laboratory name and address, and the optional QR code, at the top of page 1.
fn letterhead(doc: &mut Document, data: &ReceiptData) -> Result<(), PdfError> {
    let lang = data.language;
    let top = doc.cursor();
    let mut x = doc.left();
    let mut right = doc.right();
    let mut block_h: f32 = 0.0;
    if let Some(png) = &data.logo_png {
        let (w, h) = doc.png(x, top, 28.0, 18.0, png)?;
        x += w + 4.0;
        block_h = block_h.max(h);
    }
    let qr_size = 20.0;
    if let Some(url) = &data.qr_url {
        doc.qr_code(right - qr_size, top, qr_size, url)?;
        right -= qr_size + 4.0;
        block_h = block_h.max(qr_size);
    }
    let w = right - x;
    let mut y = top;
    let name = TextStyle::bold(11.0);
    let name_2 = TextStyle::regular(9.0);
    let addr = TextStyle::regular(8.0).with_grey(0.15);
    match lang {
        Language::Vi => {
            y += doc.text_block(x, y, w, &name, Align::Left, &data.lab_name_vi);
            y += doc.text_block(x, y, w, &addr, Align::Left, &data.lab_address_vi);
        }
        Language::En => {
            y += doc.text_block(x, y, w, &name, Align::Left, &data.lab_name_en);
            y += doc.text_block(x, y, w, &addr, Align::Left, &data.lab_address_en);
        }
        Language::Both => {
            y += doc.text_block(x, y, w, &name, Align::Left, &data.lab_name_vi);
            y += doc.text_block(x, y, w, &name_2, Align::Left, &data.lab_name_en);
            y += doc.text_block(x, y, w, &addr, Align::Left, &data.lab_address_vi);
            if data.lab_address_en.trim() != data.lab_address_vi.trim() {
                y += doc.text_block(x, y, w, &addr, Align::Left, &data.lab_address_en);
            }
        }
    }
    if !data.lab_contact.trim().is_empty() {
        y += doc.text_block(x, y, w, &addr, Align::Left, &data.lab_contact);
    }
    block_h = block_h.max(y - top);
    doc.set_cursor(top + block_h + 2.0);
    doc.rule(0.8);
    Ok(())
}
