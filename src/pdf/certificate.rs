//! The calibration certificate (ISO/IEC 17025 §7.8.2, §7.8.4), laid out from the template in
//! `certificate-templates/calibration-certificate.toml` and a frozen [`CertificateSnapshot`].
//!
//! Every item the standard asks for is printed: title, laboratory and accreditation, certificate
//! number and "page n of N" on every page, customer, item and its condition, receipt, calibration
//! and issue dates, place, method, environmental conditions, results with U, k and the coverage
//! probability, as-found/as-left values when there was an adjustment, the standards and their
//! certificates (traceability), the specification and decision rule with any verdict, remarks,
//! the signatory's name, function and signing time, the verification link and QR code, and an
//! end mark. The DCC XML travels inside the PDF as a PDF/A-3 associated file.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::layout::{
    Align, Column, DocInfo, Document, Margins, PageFrame, PageSize, SignatureBox, Table, TextStyle,
};
use super::pdfa::Attachment;
use super::{Language, PdfError};
use crate::domain::certificate::{file_stem, CertificateSnapshot};
use crate::domain::conformity::Verdict;
use crate::domain::intake::{DecisionRuleKind, Service};

/// A fixed text in both languages.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Language) -> String {
        lang.label(&self.vi, &self.en)
    }

    /// As [`Text::get`], with `{name}` placeholders filled in.
    fn fill(&self, lang: Language, values: &[(&str, &str)]) -> String {
        let fill = |s: &str| {
            values.iter().fold(s.to_owned(), |acc, (k, v)| {
                acc.replace(&format!("{{{k}}}"), v)
            })
        };
        match lang {
            Language::Vi => fill(&self.vi),
            Language::En => fill(&self.en),
            Language::Both => format!("{}\n{}", fill(&self.vi), fill(&self.en)),
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageLayout {
    pub margin_top: f32,
    pub margin_right: f32,
    pub margin_bottom: f32,
    pub margin_left: f32,
    pub logo_width: f32,
    pub logo_height: f32,
    pub qr_size: f32,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Titles {
    pub calibration: Text,
    pub verification: Text,
    pub test: Text,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub number: Text,
    pub accreditation: Text,
    /// Printed under the QR code: with the number, it finds the certificate on the verification page.
    pub check_code: Text,
    pub replaces: Text,
    /// Printed once before the amendment's reason, which is the signatory's own words.
    pub replace_reason: Text,
    pub customer: Text,
    pub address: Text,
    pub item: Text,
    pub manufacturer_model: Text,
    pub serial_number: Text,
    pub lab_id: Text,
    pub asset_tag: Text,
    pub range: Text,
    pub condition: Text,
    pub received: Text,
    pub calibration_dates: Text,
    pub location: Text,
    pub method: Text,
    pub issue_date: Text,
    pub environment: Text,
    pub temperature: Text,
    pub humidity: Text,
    pub pressure: Text,
    pub standards: Text,
    pub standard_id: Text,
    pub standard_name: Text,
    pub standard_certificate: Text,
    pub standard_calibrated_by: Text,
    pub standard_due: Text,
    pub results: Text,
    pub point: Text,
    pub unit: Text,
    pub nominal: Text,
    pub reference_value: Text,
    pub indication: Text,
    pub error: Text,
    pub expanded_uncertainty: Text,
    pub coverage_factor: Text,
    pub as_found: Text,
    pub as_left: Text,
    pub mpe: Text,
    pub verdict: Text,
    pub conformity: Text,
    pub specification: Text,
    pub decision_rule: Text,
    pub overall: Text,
    pub remarks: Text,
    pub next_due: Text,
    pub performed_by: Text,
    pub authorized_by: Text,
    pub signatory_function: Text,
    pub signed_at: Text,
    pub verify: Text,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdicts {
    pub pass: Text,
    pub fail: Text,
    pub conditional_pass: Text,
    pub conditional_fail: Text,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRules {
    pub simple: Text,
    pub guarded: Text,
    pub guard_band: Text,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statements {
    pub uncertainty: Text,
    pub traceability: Text,
    pub only_item: Text,
    pub reproduction: Text,
}

/// The certificate template: layout and texts, with the version recorded on each certificate.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub version: String,
    pub page: PageLayout,
    pub titles: Titles,
    pub labels: Labels,
    pub verdicts: Verdicts,
    pub decision_rules: DecisionRules,
    pub statements: Statements,
}

const TEMPLATE: &str = include_str!("../../certificate-templates/calibration-certificate.toml");

impl Template {
    /// The template compiled into this build (parsed once; a test checks it parses).
    pub fn builtin() -> &'static Template {
        static PARSED: OnceLock<Template> = OnceLock::new();
        // The file is compiled in and a test parses it: it cannot fail in a build that passed.
        #[allow(clippy::expect_used)]
        PARSED.get_or_init(|| {
            toml::from_str(TEMPLATE).expect("certificate-templates/calibration-certificate.toml")
        })
    }

    fn title(&self, service: Service) -> &Text {
        match service {
            Service::Calibration => &self.titles.calibration,
            Service::Verification => &self.titles.verification,
            Service::Test => &self.titles.test,
        }
    }

    fn verdict(&self, v: Verdict, lang: Language) -> String {
        let t = &self.verdicts;
        match v {
            Verdict::Pass => &t.pass,
            Verdict::Fail => &t.fail,
            Verdict::ConditionalPass => &t.conditional_pass,
            Verdict::ConditionalFail => &t.conditional_fail,
        }
        .get(lang)
    }
}

/// What goes into a certificate PDF besides the snapshot.
pub struct CertificateExtras<'a> {
    /// The laboratory's PNG logo.
    pub logo_png: Option<&'a [u8]>,
    /// The laboratory's time zone, for the signing time.
    pub utc_offset: FixedOffset,
    /// The DCC XML, attached to the PDF.
    pub dcc_xml: &'a str,
    /// A preview: printed across every page, which says it is not a valid certificate.
    pub watermark: Option<[&'a str; 2]>,
}

fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn local_time(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .format("%d/%m/%Y %H:%M (UTC%:z)")
        .to_string()
}

fn lab_name(s: &CertificateSnapshot) -> &str {
    match s.language {
        Language::En => &s.lab.name_en,
        _ => &s.lab.name_vi,
    }
}

/// Renders a certificate as an A4 PDF/A-3 with its DCC attached.
pub fn render_certificate(
    s: &CertificateSnapshot,
    extras: &CertificateExtras<'_>,
    t: &Template,
) -> Result<Vec<u8>, PdfError> {
    let lang = s.language;
    let title = t.title(s.service);
    let info = DocInfo {
        title: format!("{} {}", title.en, s.number),
        author: lab_name(s).to_owned(),
        subject: format!(
            "{} — {} — {}",
            title.get(lang),
            s.item.description,
            s.customer.name
        ),
        creator: format!("calab, template {}", t.version),
        keywords: vec![
            s.number.clone(),
            s.item.lab_id.clone(),
            "ISO/IEC 17025 7.8".to_owned(),
        ],
        created_at: s.issued_at,
    };
    let p = &t.page;
    let mut doc = Document::new(
        PageSize::A4,
        Margins {
            top: p.margin_top,
            right: p.margin_right,
            bottom: p.margin_bottom,
            left: p.margin_left,
        },
        &info,
    )?;
    if let Some(lines) = extras.watermark {
        doc.set_watermark(lines.map(str::to_owned).to_vec());
    }
    let number = format!("{}: {}", t.labels.number.get(lang), s.number);
    doc.set_frame(PageFrame {
        header_left: lab_name(s).to_owned(),
        header_right: number.clone(),
        footer_left: format!("{} {}", lang.label("Mẫu", "Template"), t.version),
        language: lang,
    });
    letterhead(&mut doc, s, extras, t)?;

    let big = TextStyle::bold(14.0);
    let sub = TextStyle::regular(10.5).with_grey(0.2);
    doc.space(2.0);
    match lang {
        Language::Both => {
            doc.paragraph(&big, Align::Center, &title.vi);
            doc.paragraph(&sub, Align::Center, &title.en);
        }
        Language::Vi => doc.paragraph(&big, Align::Center, &title.vi),
        Language::En => doc.paragraph(&big, Align::Center, &title.en),
    }
    doc.paragraph(&TextStyle::bold(11.0), Align::Center, &number);
    if let Some(r) = &s.replaces {
        doc.space(1.5);
        doc.paragraph(
            &TextStyle::bold(8.5),
            Align::Center,
            &t.labels
                .replaces
                .fill(lang, &[("number", &r.number), ("date", &date(r.issued_on))]),
        );
        doc.paragraph(
            &TextStyle::regular(8.5),
            Align::Center,
            &format!("{}: {}", t.labels.replace_reason.get(lang), r.reason),
        );
    }
    doc.space(3.0);

    identification(&mut doc, s, t);
    environment(&mut doc, s, t);
    standards(&mut doc, s, t);
    results(&mut doc, s, t);
    closing(&mut doc, s, extras, t);
    doc.end_mark(&lang.end_mark());
    doc.attach(Attachment {
        name: format!("{}.dcc.xml", file_stem(&s.number)),
        mime: "application/xml".to_owned(),
        description: "Digital Calibration Certificate (DCC 3.1.2)".to_owned(),
        bytes: extras.dcc_xml.as_bytes().to_vec(),
    });
    doc.finish()
}

/// Logo, laboratory, address and accreditation at the top left; the verification QR code at the
/// top right.
fn letterhead(
    doc: &mut Document,
    s: &CertificateSnapshot,
    extras: &CertificateExtras<'_>,
    t: &Template,
) -> Result<(), PdfError> {
    let lang = s.language;
    let top = doc.cursor();
    let mut x = doc.left();
    let mut block_h: f32 = t.page.qr_size;
    if let Some(png) = extras.logo_png {
        let (w, h) = doc.png(x, top, t.page.logo_width, t.page.logo_height, png)?;
        x += w + 4.0;
        block_h = block_h.max(h);
    }
    let qr = t.page.qr_size;
    doc.qr_code(doc.right() - qr, top, qr, &s.verification_url)?;
    if let Some(code) = &s.check_code {
        let label = format!("{} {code}", t.labels.check_code.get(lang));
        let h = doc.text_block(
            doc.right() - qr - 6.0,
            top + qr + 0.5,
            qr + 6.0,
            &TextStyle::regular(7.0),
            Align::Center,
            &label,
        );
        block_h = block_h.max(qr + 0.5 + h);
    }
    let w = doc.right() - qr - 4.0 - x;
    let name = TextStyle::bold(11.0);
    let name_2 = TextStyle::regular(9.0);
    let small = TextStyle::regular(8.0).with_grey(0.15);
    let mut y = top;
    let lab = &s.lab;
    let mut lines: Vec<(&TextStyle, String)> = match lang {
        Language::Vi => vec![
            (&name, lab.name_vi.clone()),
            (&small, lab.address_vi.clone()),
        ],
        Language::En => vec![
            (&name, lab.name_en.clone()),
            (&small, lab.address_en.clone()),
        ],
        Language::Both => {
            let mut l = vec![
                (&name, lab.name_vi.clone()),
                (&name_2, lab.name_en.clone()),
                (&small, lab.address_vi.clone()),
            ];
            if lab.address_en.trim() != lab.address_vi.trim() {
                l.push((&small, lab.address_en.clone()));
            }
            l
        }
    };
    let accreditation = [&lab.accreditation_body, &lab.accreditation_number]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if !accreditation.is_empty() {
        lines.push((
            &small,
            format!("{}: {accreditation}", t.labels.accreditation.get(lang)),
        ));
    }
    for (style, text) in lines {
        y += doc.text_block(x, y, w, style, Align::Left, &text);
    }
    block_h = block_h.max(y - top);
    doc.set_cursor(top + block_h + 2.0);
    doc.rule(0.8);
    Ok(())
}

fn identification(doc: &mut Document, s: &CertificateSnapshot, t: &Template) {
    let lang = s.language;
    let l = &t.labels;
    let item = &s.item;
    let mut rows = vec![
        (l.customer.get(lang), s.customer.name.clone()),
        (l.address.get(lang), s.customer.address.clone()),
        (l.item.get(lang), item.description.clone()),
    ];
    let make_model = [&item.manufacturer, &item.model]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" / ");
    if !make_model.is_empty() {
        rows.push((l.manufacturer_model.get(lang), make_model));
    }
    if let Some(serial) = &item.serial_number {
        rows.push((l.serial_number.get(lang), serial.clone()));
    }
    rows.push((l.lab_id.get(lang), item.lab_id.clone()));
    if let Some(tag) = &item.asset_tag {
        rows.push((l.asset_tag.get(lang), tag.clone()));
    }
    let range = [&item.range, &item.resolution]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" / ");
    if !range.is_empty() {
        rows.push((l.range.get(lang), range));
    }
    rows.push((l.condition.get(lang), item.condition.clone()));
    rows.push((
        l.received.get(lang),
        format!("{} / {}", s.work_order_number, date(s.received_on)),
    ));
    let (first, last) = s.calibration_dates;
    rows.push((
        l.calibration_dates.get(lang),
        if first == last {
            date(first)
        } else {
            format!("{} – {}", date(first), date(last))
        },
    ));
    rows.push((l.location.get(lang), s.location.clone()));
    rows.push((
        l.method.get(lang),
        format!(
            "{} ({} {}) {}",
            s.method.procedure_code,
            lang.label("phiên bản", "version"),
            s.method.procedure_version,
            s.method.title
        ),
    ));
    rows.push((l.issue_date.get(lang), date(s.issue_date)));
    doc.table(&fields(rows));
    doc.space(2.0);
}

/// Label / value pairs, compact enough that a bilingual label stays on one line.
fn fields(rows: Vec<(String, String)>) -> Table {
    let mut t = Table::fields(rows, 0.4, 0.6);
    t.body_style = TextStyle::regular(8.0);
    t
}

fn environment(doc: &mut Document, s: &CertificateSnapshot, t: &Template) {
    if s.environment.is_empty() {
        return;
    }
    let lang = s.language;
    let l = &t.labels;
    let text = s
        .environment
        .iter()
        .map(|c| {
            let name = match c.quantity.as_str() {
                "temperature" => l.temperature.get(lang),
                "humidity" => l.humidity.get(lang),
                "pressure" => l.pressure.get(lang),
                other => other.to_owned(),
            };
            // No-break spaces keep a value with its unit and its instrument.
            match &c.measured_with {
                Some(monitor) => format!("{name}: {}\u{a0}{}\u{a0}({monitor})", c.value, c.unit),
                None => format!("{name}: {}\u{a0}{}", c.value, c.unit),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    doc.table(&fields(vec![(l.environment.get(lang), text)]));
    doc.space(2.0);
}

fn standards(doc: &mut Document, s: &CertificateSnapshot, t: &Template) {
    let lang = s.language;
    let l = &t.labels;
    doc.heading(&TextStyle::bold(9.5), &l.standards.get(lang), 20.0);
    doc.space(1.0);
    let columns = vec![
        Column::new(l.standard_id.get(lang), 14.0).bold(),
        Column::new(l.standard_name.get(lang), 30.0),
        Column::new(l.standard_certificate.get(lang), 18.0),
        Column::new(l.standard_calibrated_by.get(lang), 26.0),
        Column::new(l.standard_due.get(lang), 12.0),
    ];
    let rows = s
        .standards
        .iter()
        .map(|st| {
            vec![
                st.asset_id.clone(),
                st.name.clone(),
                st.certificate_number.clone().unwrap_or_default(),
                st.calibrated_by.clone().unwrap_or_default(),
                st.due_on.map(date).unwrap_or_default(),
            ]
        })
        .collect();
    doc.table(&Table::ruled(columns, rows));
    doc.space(1.0);
    doc.paragraph(
        &TextStyle::regular(8.0),
        Align::Left,
        &t.statements.traceability.get(lang),
    );
    doc.space(2.0);
}

fn results(doc: &mut Document, s: &CertificateSnapshot, t: &Template) {
    let lang = s.language;
    let l = &t.labels;
    doc.heading(&TextStyle::bold(9.5), &l.results.get(lang), 25.0);
    doc.space(1.0);
    let adjusted = s
        .results
        .iter()
        .any(|r| r.as_found.is_some() || r.as_left.is_some());
    let verdicts = s.conformity.is_some();
    let right = |c: Column| c.align(Align::Right);
    let mut columns = vec![
        right(Column::new(l.point.get(lang), 5.0)),
        right(Column::new(l.nominal.get(lang), 12.0)),
        Column::new(l.unit.get(lang), 7.0),
        right(Column::new(l.reference_value.get(lang), 13.0)),
        right(Column::new(l.indication.get(lang), 13.0)),
        right(Column::new(l.error.get(lang), 12.0)),
        right(Column::new(l.expanded_uncertainty.get(lang), 14.0)),
        right(Column::new(l.coverage_factor.get(lang), 6.0)),
    ];
    if adjusted {
        columns.push(right(Column::new(l.as_found.get(lang), 12.0)));
        columns.push(right(Column::new(l.as_left.get(lang), 12.0)));
    }
    if verdicts {
        columns.push(right(Column::new(l.mpe.get(lang), 10.0)));
        columns.push(Column::new(l.verdict.get(lang), 12.0));
    }
    let rows = s
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![
                (i + 1).to_string(),
                r.nominal.clone(),
                r.unit.clone(),
                r.reference_value.clone(),
                r.indication.clone(),
                r.error.clone(),
                r.expanded_uncertainty.clone(),
                r.coverage_factor.clone(),
            ];
            if adjusted {
                row.push(r.as_found.clone().unwrap_or_default());
                row.push(r.as_left.clone().unwrap_or_default());
            }
            if verdicts {
                row.push(r.mpe.clone().unwrap_or_default());
                row.push(r.verdict.map(|v| t.verdict(v, lang)).unwrap_or_default());
            }
            row
        })
        .collect();
    let mut table = Table::ruled(columns, rows);
    table.header_style = TextStyle::bold(7.0);
    table.body_style = TextStyle::regular(7.5);
    doc.table(&table);
    doc.space(1.0);
    let p = format!("{}", (s.coverage_probability * 1000.0).round() / 10.0);
    doc.paragraph(
        &TextStyle::regular(8.0),
        Align::Left,
        &t.statements.uncertainty.fill(lang, &[("p", &p)]),
    );
    doc.space(2.0);

    if let Some(c) = &s.conformity {
        let rule = match c.rule {
            DecisionRuleKind::Simple => t.decision_rules.simple.get(lang),
            DecisionRuleKind::GuardBand => t.decision_rules.guard_band.fill(
                lang,
                &[("guard_band", c.guard_band.as_deref().unwrap_or(""))],
            ),
            DecisionRuleKind::Guarded | DecisionRuleKind::None => {
                t.decision_rules.guarded.get(lang)
            }
        };
        let mut rows = vec![
            (l.specification.get(lang), c.specification.clone()),
            (l.decision_rule.get(lang), rule),
        ];
        if let Some(v) = c.overall {
            rows.push((l.overall.get(lang), t.verdict(v, lang)));
        }
        // The specification, the rule and the verdict stay on one page, with their heading.
        let table = fields(rows);
        let keep = doc.table_height(&table);
        doc.heading(&TextStyle::bold(9.5), &l.conformity.get(lang), keep);
        doc.table(&table);
        doc.space(2.0);
    }
}

fn closing(
    doc: &mut Document,
    s: &CertificateSnapshot,
    extras: &CertificateExtras<'_>,
    t: &Template,
) {
    let lang = s.language;
    let l = &t.labels;
    let mut rows = Vec::new();
    if let Some(remarks) = s.remarks.as_deref().filter(|r| !r.trim().is_empty()) {
        rows.push((l.remarks.get(lang), remarks.to_owned()));
    }
    if let Some(due) = s.next_due_on {
        rows.push((l.next_due.get(lang), date(due)));
    }
    if !rows.is_empty() {
        doc.table(&fields(rows));
    }
    // The verification link on a line of its own, the whole width: a URL is never broken.
    let small = TextStyle::regular(8.0);
    doc.paragraph(
        &small,
        Align::Left,
        &format!("{}: {}", l.verify.get(lang), s.verification_url),
    );
    doc.space(1.0);
    doc.paragraph(&small, Align::Left, &t.statements.only_item.get(lang));
    doc.paragraph(&small, Align::Left, &t.statements.reproduction.get(lang));
    doc.space(3.0);
    let signed = t.labels.signed_at.fill(
        lang,
        &[(
            "time",
            &local_time(s.signatory.signed_at, extras.utc_offset),
        )],
    );
    doc.signatures(&[
        SignatureBox {
            title: l.performed_by.get(lang),
            name: s.performed_by.clone(),
            function: String::new(),
        },
        SignatureBox {
            title: l.authorized_by.get(lang),
            name: s.signatory.name.clone(),
            function: format!("{}\n{signed}", s.signatory.function),
        },
    ]);
}
