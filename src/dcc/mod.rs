//! The Digital Calibration Certificate (DCC 3.1.2, PTB) of an issued certificate: the same frozen
//! snapshot as the PDF, as XML that validates against `tests/schemas/dcc-3.1.2/dcc.xsd`.
//!
//! The XML is written by hand: every text goes through [`xml::escape`], elements follow the order the
//! schema's sequences require, and nothing depends on the clock or on hash-map order, so the same
//! snapshot always gives the same bytes. `docs/certificates.md` describes the mapping.

mod units;
pub mod xml;

use chrono::NaiveDate;

use crate::domain::certificate::{
    CertificateSnapshot, ConformityStatement, EnvironmentCondition, ResultRow, StandardReference,
};
use crate::domain::conformity::Verdict;
use crate::domain::intake::{DecisionRuleKind, Service};
use crate::domain::CertificateLanguage;
use units::*;

use xml::*;

const DCC_NS: &str = "https://ptb.de/dcc";
const SI_NS: &str = "https://ptb.de/si";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const SCHEMA_LOCATION: &str = "https://ptb.de/dcc https://ptb.de/dcc/v3.1.2/dcc.xsd";
/// The guideline the decision rules come from.
const DECISION_RULE_NORM: &str = "ILAC-G8:09/2019";

/// The DCC XML of a certificate. The same snapshot always gives the same bytes.
pub fn render(snapshot: &CertificateSnapshot) -> String {
    let mut x = Xml::document();
    let root = [
        ("xmlns:dcc", DCC_NS),
        ("xmlns:si", SI_NS),
        ("xmlns:xsi", XSI_NS),
        ("xsi:schemaLocation", SCHEMA_LOCATION),
        ("schemaVersion", "3.1.2"),
    ];
    x.el_attrs("dcc:digitalCalibrationCertificate", &root, |x| {
        x.el("dcc:administrativeData", |x| {
            administrative_data(x, snapshot)
        });
        x.el("dcc:measurementResults", |x| {
            measurement_result(x, snapshot)
        });
    });
    x.finish()
}

// ---------------------------------------------------------------------------------------------
// Administrative data

fn administrative_data(x: &mut Xml, s: &CertificateSnapshot) {
    x.el("dcc:dccSoftware", |x| {
        x.el("dcc:software", |x| {
            x.text("dcc:name", &Text::free("calab"));
            x.leaf("dcc:release", env!("CARGO_PKG_VERSION"));
            x.leaf("dcc:type", "application");
        })
    });
    x.el("dcc:coreData", |x| core_data(x, s));
    x.el("dcc:items", |x| x.el("dcc:item", |x| item(x, s)));
    x.el("dcc:calibrationLaboratory", |x| {
        if let Some(code) = &s.lab.accreditation_number {
            x.leaf("dcc:calibrationLaboratoryCode", code);
        }
        let l = s.language;
        let name = tr(l, &s.lab.name_vi, &s.lab.name_en);
        let address = tr(l, &s.lab.address_vi, &s.lab.address_en);
        x.el("dcc:contact", |x| contact(x, &name, &address));
    });
    x.el("dcc:respPersons", |x| resp_persons(x, s));
    x.el("dcc:customer", |x| {
        contact(
            x,
            &Text::free(&s.customer.name),
            &Text::free(&s.customer.address),
        )
    });
    x.el("dcc:statements", |x| {
        for statement in statements(s) {
            statement.write(x);
        }
    });
}

fn core_data(x: &mut Xml, s: &CertificateSnapshot) {
    let l = s.language;
    x.leaf("dcc:countryCodeISO3166_1", "VN");
    for code in lang_codes(l) {
        x.leaf("dcc:usedLangCodeISO639_1", code);
    }
    for code in lang_codes(l) {
        x.leaf("dcc:mandatoryLangCodeISO639_1", code);
    }
    x.leaf("dcc:uniqueIdentifier", &s.number);
    x.el("dcc:identifications", |x| {
        let work_order = tr(l, "Số phiếu công việc", "Work order number");
        identification(
            x,
            "calibrationLaboratory",
            None,
            &s.work_order_number,
            &work_order,
        );
        let record = tr(
            l,
            format!("Hồ sơ hiệu chuẩn, phiên bản {}", s.record_version),
            format!("Calibration record, version {}", s.record_version),
        );
        identification(x, "calibrationLaboratory", None, &s.record_id, &record);
    });
    x.leaf("dcc:receiptDate", &s.received_on.to_string());
    x.leaf(
        "dcc:beginPerformanceDate",
        &s.calibration_dates.0.to_string(),
    );
    x.leaf("dcc:endPerformanceDate", &s.calibration_dates.1.to_string());
    // The snapshot keeps the place as free text (in a statement below); it has no on-site flag.
    x.leaf("dcc:performanceLocation", "laboratory");
    if let Some(replaced) = &s.replaces {
        x.el("dcc:previousReport", |x| {
            x.text(
                "dcc:referral",
                &tr(l, "Giấy chứng nhận được thay thế", "Replaced certificate"),
            );
            x.leaf("dcc:referralID", &replaced.number);
            x.leaf("dcc:procedure", "SHA-256 of the PDF");
            x.leaf("dcc:value", &replaced.pdf_sha256);
        });
    }
}

fn item(x: &mut Xml, s: &CertificateSnapshot) {
    let (l, item) = (s.language, &s.item);
    x.text("dcc:name", &Text::free(&item.description));
    let details = [
        (item.range.as_deref(), "Phạm vi đo", "Range"),
        (item.resolution.as_deref(), "Độ phân giải", "Resolution"),
        (
            Some(item.condition.as_str()),
            "Tình trạng khi nhận",
            "Condition on receipt",
        ),
    ];
    let mut description = Text::default();
    for (value, vi, en) in details {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            description.append(tr(l, format!("{vi}: {value}"), format!("{en}: {value}")));
        }
    }
    if !description.is_empty() {
        x.text("dcc:description", &description);
    }
    x.el("dcc:manufacturer", |x| {
        let name = match &item.manufacturer {
            Some(name) => Text::free(name),
            None => tr(l, "Không ghi", "Not stated"),
        };
        x.text("dcc:name", &name);
    });
    if let Some(model) = &item.model {
        x.leaf("dcc:model", model);
    }
    x.el("dcc:identifications", |x| {
        if let Some(serial) = &item.serial_number {
            let name = tr(l, "Số máy", "Serial number");
            identification(x, "manufacturer", Some("basic_serialNumber"), serial, &name);
        }
        let name = tr(
            l,
            "Mã thiết bị của phòng thí nghiệm",
            "Laboratory identification",
        );
        identification(x, "calibrationLaboratory", None, &item.lab_id, &name);
        if let Some(tag) = &item.asset_tag {
            identification(x, "customer", None, tag, &tr(l, "Mã tài sản", "Asset tag"));
        }
    });
}

/// A `dcc:identification`: who issued the identifier, its value and what it is.
fn identification(x: &mut Xml, issuer: &str, ref_type: Option<&str>, value: &str, name: &Text) {
    x.el_attrs("dcc:identification", &ref_type_attr(ref_type), |x| {
        x.leaf("dcc:issuer", issuer);
        x.leaf("dcc:value", value);
        x.text("dcc:name", name);
    });
}

/// The body of a `dcc:contactType`. The snapshot holds no e-mail address, which the schema
/// requires, so `dcc:eMail` is empty; the address is kept whole as `dcc:further` text.
fn contact(x: &mut Xml, name: &Text, address: &Text) {
    x.text("dcc:name", name);
    x.leaf("dcc:eMail", "");
    x.el("dcc:location", |x| x.text("dcc:further", address));
}

fn resp_persons(x: &mut Xml, s: &CertificateSnapshot) {
    let l = s.language;
    x.el("dcc:respPerson", |x| {
        x.el("dcc:person", |x| {
            x.text("dcc:name", &Text::free(&s.performed_by))
        });
        x.text("dcc:description", &tr(l, "Người thực hiện", "Performed by"));
        x.leaf("dcc:mainSigner", "false");
    });
    x.el("dcc:respPerson", |x| {
        x.el("dcc:person", |x| {
            x.text("dcc:name", &Text::free(&s.signatory.name))
        });
        x.text(
            "dcc:description",
            &tr(l, "Người ký duyệt", "Authorized signatory"),
        );
        x.leaf("dcc:role", &s.signatory.function);
        x.leaf("dcc:mainSigner", "true");
    });
}

// ---------------------------------------------------------------------------------------------
// Statements

/// One `dcc:statement`, its fields written in the order of the schema's `statementMetaDataType`.
#[derive(Default)]
struct Statement {
    traceable: Option<bool>,
    norm: Option<&'static str>,
    reference: Option<String>,
    declaration: Text,
    date: Option<NaiveDate>,
    conformity: Option<Verdict>,
    /// Free-text place, as `dcc:location/dcc:further`.
    location: Option<Text>,
}

impl Statement {
    fn declaration(declaration: Text) -> Statement {
        Statement {
            declaration,
            ..Statement::default()
        }
    }

    fn write(&self, x: &mut Xml) {
        x.el("dcc:statement", |x| {
            if let Some(traceable) = self.traceable {
                x.leaf("dcc:traceable", if traceable { "true" } else { "false" });
            }
            if let Some(norm) = self.norm {
                x.leaf("dcc:norm", norm);
            }
            if let Some(reference) = &self.reference {
                x.leaf("dcc:reference", reference);
            }
            x.text("dcc:declaration", &self.declaration);
            if let Some(date) = self.date {
                x.leaf("dcc:date", &date.to_string());
            }
            if let Some(verdict) = self.conformity {
                x.leaf("dcc:conformity", conformity(verdict));
            }
            if let Some(place) = &self.location {
                x.el("dcc:location", |x| x.text("dcc:further", place));
            }
        });
    }
}

/// The statements of the certificate, in a fixed order.
fn statements(s: &CertificateSnapshot) -> Vec<Statement> {
    let l = s.language;
    let mut out = vec![
        Statement {
            date: Some(s.issue_date),
            ..Statement::declaration(tr(l, "Ngày cấp", "Date of issue"))
        },
        Statement {
            location: Some(Text::free(&s.location)),
            ..Statement::declaration(tr(l, "Địa điểm thực hiện", "Performance location"))
        },
        Statement {
            traceable: Some(true),
            ..Statement::declaration(tr(
                l,
                "Kết quả đo được liên kết chuẩn đến hệ đơn vị quốc tế (SI) thông qua các chuẩn \
                 đo lường nêu trong phần thiết bị đo.",
                "The measurement results are metrologically traceable to the International System \
                 of Units (SI) through the measurement standards listed as measuring equipment.",
            ))
        },
        Statement::declaration(tr(
            l,
            "Kết quả chỉ có giá trị đối với đối tượng được hiệu chuẩn.",
            "The results relate only to the item calibrated.",
        )),
        Statement::declaration(uncertainty_statement(l, s.coverage_probability)),
    ];
    if let Some(statement) = &s.conformity {
        out.push(Statement {
            norm: Some(DECISION_RULE_NORM),
            conformity: statement.overall,
            ..Statement::declaration(conformity_declaration(l, statement))
        });
    }
    if let Some(due) = s.next_due_on {
        out.push(Statement {
            date: Some(due),
            ..Statement::declaration(tr(
                l,
                "Ngày hiệu chuẩn tiếp theo (theo yêu cầu của khách hàng)",
                "Next calibration due (at the customer's request)",
            ))
        });
    }
    if let Some(replaced) = &s.replaces {
        let (number, date, reason) = (&replaced.number, replaced.issued_on, &replaced.reason);
        out.push(Statement {
            reference: Some(number.clone()),
            ..Statement::declaration(tr(
                l,
                format!("Giấy chứng nhận này thay thế giấy chứng nhận số {number} cấp ngày {date}. Lý do: {reason}"),
                format!("This certificate replaces certificate {number} issued on {date}. Reason: {reason}"),
            ))
        });
    }
    if let Some(remarks) = s.remarks.as_deref().filter(|r| !r.trim().is_empty()) {
        out.push(Statement::declaration(Text::free(remarks)));
    }
    if let Some(accreditation) = accreditation(s) {
        out.push(Statement::declaration(accreditation));
    }
    out.push(Statement {
        reference: Some(s.verification_url.clone()),
        ..Statement::declaration(tr(
            l,
            "Kiểm tra tính xác thực của giấy chứng nhận tại địa chỉ tham chiếu.",
            "The authenticity of this certificate can be checked at the referenced address.",
        ))
    });
    out
}

fn uncertainty_statement(l: CertificateLanguage, coverage_probability: f64) -> Text {
    let percent = (coverage_probability * 1e4).round() / 1e2;
    tr(
        l,
        format!(
            "Độ không đảm bảo đo mở rộng là độ không đảm bảo đo chuẩn nhân với hệ số phủ k, \
             tương ứng với xác suất phủ xấp xỉ {percent} %."
        ),
        format!(
            "The expanded uncertainty is the standard uncertainty multiplied by the coverage \
             factor k, corresponding to a coverage probability of approximately {percent} %."
        ),
    )
}

fn conformity_declaration(l: CertificateLanguage, c: &ConformityStatement) -> Text {
    let (rule_vi, rule_en) = match c.rule {
        DecisionRuleKind::None => ("không áp dụng".to_string(), "none".to_string()),
        DecisionRuleKind::Simple => (
            "chấp nhận đơn giản (w = 0)".to_string(),
            "simple acceptance (w = 0)".to_string(),
        ),
        DecisionRuleKind::Guarded => (
            "chấp nhận có dải bảo vệ (w = U)".to_string(),
            "guarded acceptance (w = U)".to_string(),
        ),
        DecisionRuleKind::GuardBand => match &c.guard_band {
            Some(w) => (
                format!("chấp nhận có dải bảo vệ (w = {w})"),
                format!("guarded acceptance (w = {w})"),
            ),
            None => (
                "chấp nhận có dải bảo vệ theo thỏa thuận".to_string(),
                "guarded acceptance with the agreed guard band".to_string(),
            ),
        },
    };
    let spec = &c.specification;
    tr(
        l,
        format!(
            "Quy tắc quyết định: {rule_vi}, theo {DECISION_RULE_NORM}. Quy định kỹ thuật: {spec}"
        ),
        format!("Decision rule: {rule_en}, per {DECISION_RULE_NORM}. Specification: {spec}"),
    )
}

fn accreditation(s: &CertificateSnapshot) -> Option<Text> {
    let (body, number) = (&s.lab.accreditation_body, &s.lab.accreditation_number);
    let (vi, en) = match (body, number) {
        (Some(b), Some(n)) => (
            format!("Được công nhận bởi {b}, số hiệu {n}"),
            format!("Accredited by {b}, number {n}"),
        ),
        (Some(b), None) => (
            format!("Được công nhận bởi {b}"),
            format!("Accredited by {b}"),
        ),
        (None, Some(n)) => (
            format!("Số hiệu công nhận {n}"),
            format!("Accreditation number {n}"),
        ),
        (None, None) => return None,
    };
    Some(tr(s.language, vi, en))
}

// ---------------------------------------------------------------------------------------------
// Measurement results

fn measurement_result(x: &mut Xml, s: &CertificateSnapshot) {
    let l = s.language;
    x.el("dcc:measurementResult", |x| {
        let name = match s.service {
            Service::Calibration => tr(l, "Kết quả hiệu chuẩn", "Calibration results"),
            Service::Verification => tr(l, "Kết quả kiểm định", "Verification results"),
            Service::Test => tr(l, "Kết quả thử nghiệm", "Test results"),
        };
        x.text("dcc:name", &name);
        x.el("dcc:usedMethods", |x| {
            x.el("dcc:usedMethod", |x| {
                let m = &s.method;
                x.text("dcc:name", &Text::free(&m.title));
                let (code, version) = (&m.procedure_code, m.procedure_version);
                x.text(
                    "dcc:description",
                    &tr(
                        l,
                        format!("Quy trình {code}, phiên bản {version}"),
                        format!("Procedure {code}, version {version}"),
                    ),
                );
            })
        });
        if !s.standards.is_empty() {
            x.el("dcc:measuringEquipments", |x| {
                for standard in &s.standards {
                    measuring_equipment(x, l, standard);
                }
            });
        }
        if !s.environment.is_empty() {
            x.el("dcc:influenceConditions", |x| {
                for condition in &s.environment {
                    influence_condition(x, l, condition);
                }
            });
        }
        x.el("dcc:results", |x| {
            x.el("dcc:result", |x| {
                x.text("dcc:name", &name);
                x.el("dcc:data", |x| {
                    if s.results.is_empty() {
                        x.text("dcc:text", &tr(l, "Không có kết quả", "No results"));
                    }
                    for (i, row) in s.results.iter().enumerate() {
                        result_point(x, s, i + 1, row);
                    }
                });
            })
        });
    });
}

fn measuring_equipment(x: &mut Xml, l: CertificateLanguage, standard: &StandardReference) {
    x.el("dcc:measuringEquipment", |x| {
        x.text("dcc:name", &Text::free(&standard.name));
        let mut description = Text::default();
        if let Some(by) = &standard.calibrated_by {
            description.append(tr(
                l,
                format!("Hiệu chuẩn bởi {by}"),
                format!("Calibrated by {by}"),
            ));
        }
        if let Some(due) = standard.due_on {
            description.append(tr(
                l,
                format!("Hạn hiệu chuẩn {due}"),
                format!("Calibration due {due}"),
            ));
        }
        if !description.is_empty() {
            x.text("dcc:description", &description);
        }
        x.el("dcc:identifications", |x| {
            let name = tr(
                l,
                "Mã chuẩn của phòng thí nghiệm",
                "Laboratory identification",
            );
            identification(x, "calibrationLaboratory", None, &standard.asset_id, &name);
            if let Some(number) = &standard.certificate_number {
                let name = tr(
                    l,
                    "Số giấy chứng nhận hiệu chuẩn",
                    "Calibration certificate number",
                );
                identification(x, "other", None, number, &name);
            }
        });
    });
}

fn influence_condition(x: &mut Xml, l: CertificateLanguage, c: &EnvironmentCondition) {
    let (name, default_unit) = match c.quantity.as_str() {
        "temperature" => (tr(l, "Nhiệt độ môi trường", "Ambient temperature"), "°C"),
        "humidity" => (tr(l, "Độ ẩm tương đối", "Relative humidity"), "%RH"),
        "pressure" => (tr(l, "Áp suất khí quyển", "Atmospheric pressure"), "hPa"),
        other => (Text::free(other), ""),
    };
    let unit = if c.unit.trim().is_empty() {
        default_unit
    } else {
        c.unit.as_str()
    };
    x.el("dcc:influenceCondition", |x| {
        x.text("dcc:name", &name);
        x.el("dcc:data", |x| Quantity::new(None, &c.value, unit).write(x));
    });
}

/// One calibration point: a `dcc:list` of its quantities.
fn result_point(x: &mut Xml, s: &CertificateSnapshot, n: usize, row: &ResultRow) {
    let l = s.language;
    let unit = row.unit.as_str();
    x.el("dcc:list", |x| {
        let label = format!("{} {}", row.nominal, row.unit);
        x.text(
            "dcc:name",
            &tr(
                l,
                format!("Điểm {n}: {label}"),
                format!("Point {n}: {label}"),
            ),
        );
        let values = [
            (
                "basic_nominalValue",
                "Giá trị danh nghĩa",
                "Nominal value",
                &row.nominal,
            ),
            (
                "basic_referenceValue",
                "Giá trị chuẩn",
                "Reference value",
                &row.reference_value,
            ),
            (
                "basic_measuredValue",
                "Số chỉ",
                "Indication",
                &row.indication,
            ),
        ];
        for (ref_type, vi, en, value) in values {
            Quantity::new(Some(ref_type), value, unit)
                .named(tr(l, vi, en))
                .write(x);
        }
        Quantity {
            expanded: Some(Expanded {
                uncertainty: &row.expanded_uncertainty,
                coverage_factor: &row.coverage_factor,
                coverage_probability: s.coverage_probability,
            }),
            verdict: row.verdict,
            ..Quantity::new(Some("basic_measurementError"), &row.error, unit)
        }
        .named(tr(l, "Sai số", "Error of indication"))
        .write(x);
        let optional = [
            (
                &row.as_found,
                "Trước hiệu chỉnh",
                "As found (before adjustment)",
            ),
            (&row.as_left, "Sau hiệu chỉnh", "As left (after adjustment)"),
            (
                &row.mpe,
                "Sai số lớn nhất cho phép",
                "Maximum permissible error",
            ),
        ];
        for (value, vi, en) in optional {
            if let Some(value) = value {
                let value = value.trim().trim_start_matches('±');
                Quantity::new(None, value, unit)
                    .named(tr(l, vi, en))
                    .write(x);
            }
        }
    });
}

/// An expanded uncertainty as recorded: U and k as text, p as a number.
struct Expanded<'a> {
    uncertainty: &'a str,
    coverage_factor: &'a str,
    coverage_probability: f64,
}

/// One `dcc:quantity`: a recorded value with its unit, optionally its expanded uncertainty and
/// the statement of conformity at that point.
struct Quantity<'a> {
    ref_type: Option<&'static str>,
    name: Option<Text>,
    value: &'a str,
    unit: &'a str,
    expanded: Option<Expanded<'a>>,
    verdict: Option<Verdict>,
}

impl<'a> Quantity<'a> {
    fn new(ref_type: Option<&'static str>, value: &'a str, unit: &'a str) -> Quantity<'a> {
        Quantity {
            ref_type,
            name: None,
            value,
            unit,
            expanded: None,
            verdict: None,
        }
    }

    fn named(self, name: Text) -> Quantity<'a> {
        Quantity {
            name: Some(name),
            ..self
        }
    }

    /// As `si:real` when the value is a D-SI decimal, otherwise as `dcc:noQuantity` text. An
    /// uncertainty that is not D-SI (or belongs to a text value) is kept as description text.
    fn write(&self, x: &mut Xml) {
        let value = si_decimal(self.value);
        let expanded = self.expanded.as_ref();
        let si_unc = expanded.and_then(|e| {
            Some((
                si_uncertainty(e.uncertainty)?,
                si_coverage_factor(e.coverage_factor)?,
                si_probability(e.coverage_probability)?,
            ))
        });
        x.el_attrs("dcc:quantity", &ref_type_attr(self.ref_type), |x| {
            if let Some(name) = &self.name {
                x.text("dcc:name", name);
            }
            if let Some(e) = expanded.filter(|_| si_unc.is_none() || value.is_none()) {
                let text = format!(
                    "U = {} {} (k = {})",
                    e.uncertainty, self.unit, e.coverage_factor
                );
                x.text("dcc:description", &Text::free(text));
            }
            match &value {
                Some(value) => x.el("si:real", |x| {
                    x.leaf("si:value", value);
                    x.leaf("si:unit", &dsi_unit(self.unit));
                    if let Some((u, k, p)) = &si_unc {
                        x.el("si:expandedUnc", |x| {
                            x.leaf("si:uncertainty", u);
                            x.leaf("si:coverageFactor", k);
                            x.leaf("si:coverageProbability", p);
                        });
                    }
                }),
                None => {
                    let text = format!("{} {}", self.value.trim(), self.unit.trim());
                    x.text("dcc:noQuantity", &Text::free(text.trim()))
                }
            }
            if let Some(verdict) = self.verdict {
                x.el("dcc:measurementMetaData", |x| {
                    x.el_attrs("dcc:metaData", &[("refType", "basic_conformity")], |x| {
                        x.leaf("dcc:conformity", conformity(verdict))
                    })
                });
            }
        });
    }
}

/// The DCC's word for a verdict (`dcc:stringConformityStatementStatusType`).
fn conformity(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::ConditionalPass => "conditionalPass",
        Verdict::ConditionalFail => "conditionalFail",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use crate::domain::certificate::{ItemIdentity, LabIdentity, Party};

    /// A bilingual amendment for an analytical balance: five points with verdicts, guarded
    /// acceptance, Vietnamese text and markup characters in a remark. Shared with the PDF tests
    /// and the `pdf` bench.
    fn balance() -> CertificateSnapshot {
        serde_json::from_str(include_str!("../../tests/data/certificate-snapshot.json"))
            .expect("tests/data/certificate-snapshot.json")
    }

    /// English only, no conformity, no environment, nothing optional, and a value that is not a
    /// D-SI number in an unknown unit.
    fn minimal() -> CertificateSnapshot {
        CertificateSnapshot {
            number: "2026-000001".into(),
            language: CertificateLanguage::En,
            lab: LabIdentity {
                accreditation_body: None,
                accreditation_number: None,
                ..balance().lab
            },
            customer: Party {
                name: "ACME".into(),
                address: "".into(),
            },
            item: ItemIdentity {
                lab_id: "INS-1".into(),
                description: "Dial gauge".into(),
                manufacturer: None,
                model: None,
                serial_number: None,
                asset_tag: None,
                range: None,
                resolution: None,
                condition: "".into(),
            },
            environment: vec![],
            results: vec![
                ResultRow {
                    nominal: "1".into(),
                    unit: "in".into(),
                    reference_value: "1.0000".into(),
                    indication: "approx. 1".into(),
                    error: "0.0002".into(),
                    expanded_uncertainty: "0.0001".into(),
                    coverage_factor: "2.00".into(),
                    as_found: None,
                    as_left: None,
                    mpe: None,
                    verdict: None,
                },
                ResultRow {
                    nominal: "2".into(),
                    unit: "mm".into(),
                    reference_value: "2.000".into(),
                    indication: "2.001".into(),
                    error: "n/a".into(),
                    expanded_uncertainty: "0.002".into(),
                    coverage_factor: "2".into(),
                    as_found: None,
                    as_left: None,
                    mpe: None,
                    verdict: None,
                },
            ],
            conformity: None,
            standards: vec![],
            remarks: None,
            next_due_on: None,
            replaces: None,
            ..balance()
        }
    }

    /// Validates `xml` with xmllint against the DCC 3.1.2 schema; skipped (with a notice) where
    /// xmllint is not installed and `CALAB_REQUIRE_TOOLS` is not set.
    fn assert_valid(name: &str, xml: &str) {
        if !crate::testing::have_tool("xmllint", "libxml2-utils") {
            return;
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let schema = root.join("tests/schemas/dcc-3.1.2/dcc.xsd");
        let file =
            std::env::temp_dir().join(format!("calab-dcc-{name}-{}.xml", std::process::id()));
        std::fs::write(&file, xml).unwrap();
        let output = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&file)
            .output();
        let _ = std::fs::remove_file(&file);
        let output = output.expect("running xmllint");
        assert!(
            output.status.success(),
            "{name} DCC does not validate:\n{}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn an_amendment_validates_and_carries_its_content() {
        let xml = render(&balance());
        assert_valid("balance", &xml);
        assert!(xml.contains("<dcc:uniqueIdentifier>2026-000042-A1</dcc:uniqueIdentifier>"));
        assert!(xml.contains("<dcc:referralID>2026-000042</dcc:referralID>"));
        assert!(xml.contains("<dcc:usedLangCodeISO639_1>vi</dcc:usedLangCodeISO639_1>"));
        assert!(xml.contains("<dcc:mandatoryLangCodeISO639_1>en</dcc:mandatoryLangCodeISO639_1>"));
        assert!(xml.contains("ghi chú &lt;&amp;&gt; &quot;kiểm tra&quot;"));
        assert!(xml.contains("?k=a&amp;b=c"));
        assert!(xml.contains("Lý do: Sai số ghi nhầm tại điểm 200 g"));
        assert!(xml.contains(&format!(
            "<dcc:release>{}</dcc:release>",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(xml.contains("<si:unit>\\gram</si:unit>"));
        assert!(xml.contains("<si:unit>\\hecto\\pascal</si:unit>"));
        assert!(xml.contains("<si:unit>\\percent</si:unit>"));
        assert!(xml.contains("<si:value>-0.0001</si:value>"));
        assert!(xml.contains("<si:coverageProbability>0.95</si:coverageProbability>"));
        assert!(xml.contains("<dcc:conformity>conditionalFail</dcc:conformity>"));
        assert_eq!(xml.matches("refType=\"basic_conformity\"").count(), 5);
        assert_eq!(
            xml.matches("<dcc:mainSigner>true</dcc:mainSigner>").count(),
            1
        );
        assert_eq!(render(&balance()), xml, "same snapshot, same bytes");
    }

    #[test]
    fn a_minimal_english_certificate_validates() {
        let xml = render(&minimal());
        assert_valid("minimal", &xml);
        assert!(xml.contains("<dcc:uniqueIdentifier>2026-000001</dcc:uniqueIdentifier>"));
        assert!(!xml.contains("lang=\"vi\""));
        assert!(!xml.contains("previousReport"));
        assert!(!xml.contains("influenceConditions"));
        assert!(!xml.contains("dcc:conformity"));
        assert!(xml.contains("<si:unit>|in</si:unit>"));
        assert!(xml.contains("<dcc:content>approx. 1 in</dcc:content>"));
        assert!(xml.contains("<dcc:content>U = 0.002 mm (k = 2)</dcc:content>"));
        assert!(xml.contains("<si:unit>\\milli\\metre</si:unit>"));
    }

    #[test]
    fn units_in_d_si() {
        let cases = [
            ("g", r"\gram"),
            ("kg", r"\kilo\gram"),
            ("mg", r"\milli\gram"),
            ("mm", r"\milli\metre"),
            ("µm", r"\micro\metre"),
            ("m", r"\metre"),
            ("V", r"\volt"),
            ("mV", r"\milli\volt"),
            ("A", r"\ampere"),
            ("Ω", r"\ohm"),
            ("ohm", r"\ohm"),
            ("kΩ", r"\kilo\ohm"),
            ("°C", r"\degreecelsius"),
            ("K", r"\kelvin"),
            ("Pa", r"\pascal"),
            ("hPa", r"\hecto\pascal"),
            ("kPa", r"\kilo\pascal"),
            ("MPa", r"\mega\pascal"),
            ("bar", r"\bar"),
            ("mbar", r"\milli\bar"),
            ("N", r"\newton"),
            ("N·m", r"\newton\metre"),
            ("mm²", r"\milli\metre\tothe{2}"),
            ("%", r"\percent"),
            ("%RH", r"\percent"),
            ("", r"\one"),
            ("psi", "|psi"),
            ("kgf/cm²", "|kgf/cm²"),
        ];
        for (unit, dsi) in cases {
            assert_eq!(dsi_unit(unit), dsi, "{unit}");
        }
    }

    #[test]
    fn numbers_in_d_si() {
        assert_eq!(si_decimal(" \u{2212}1.5e-3 ").as_deref(), Some("-1.5e-3"));
        assert_eq!(si_decimal(".5").as_deref(), Some(".5"));
        assert_eq!(si_decimal("1,5"), None);
        assert_eq!(si_decimal("."), None);
        assert_eq!(si_uncertainty("-0.1"), None);
        assert_eq!(si_coverage_factor("2.00").as_deref(), Some("2.00"));
        assert_eq!(si_coverage_factor("0.5"), None);
        assert_eq!(si_probability(0.9545).as_deref(), Some("0.9545"));
        assert_eq!(si_probability(1.2), None);
        assert_eq!(escape("a\u{1}b\r"), "ab&#13;");
    }
}
