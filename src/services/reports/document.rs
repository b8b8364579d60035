//! The audit pack as a printed report: the flags first, then one section per clause in clause
//! order, every table under its caption, in Vietnamese and English.

use chrono::FixedOffset;

use super::AuditPack;
use crate::domain::CertificateLanguage;
use crate::pdf::layout::{Align, Column, DocInfo, PageFrame, Table};
use crate::pdf::report::{Captioned, Report, Section};

/// A label in both languages, Vietnamese first.
fn bi(vi: &str, en: &str) -> String {
    format!("{vi} / {en}")
}

fn yes_no(b: bool) -> String {
    if b { "có / yes" } else { "không / no" }.into()
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "—".into())
}

/// A stored code (`calibration_procedure`) as words, so that it wraps between them.
fn words(code: impl std::fmt::Display) -> String {
    code.to_string().replace('_', " ")
}

fn table(columns: Vec<Column>, rows: Vec<Vec<String>>) -> Table {
    Table::ruled(columns, rows)
}

fn captioned(caption: String, table: Table) -> Captioned {
    Captioned {
        caption,
        table,
        empty: bi("Không có.", "None."),
    }
}

/// A section that is one captioned table.
fn one_table(
    heading: String,
    caption: String,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
) -> Section {
    Section {
        heading,
        paragraphs: Vec::new(),
        tables: vec![captioned(caption, table(columns, rows))],
    }
}

fn col(vi: &str, en: &str, width: f32) -> Column {
    Column::new(bi(vi, en), width)
}

pub fn audit_pack_report(pack: &AuditPack, offset: FixedOffset) -> Report {
    let title = bi("Hồ sơ đánh giá", "Audit pack");
    let period = format!("{} – {}", pack.from, pack.to);
    Report {
        info: DocInfo {
            title: format!("{title} {period}"),
            author: pack.laboratory.clone(),
            subject: "ISO/IEC 17025 assessment evidence".into(),
            creator: "calab".into(),
            keywords: vec!["ISO/IEC 17025".into(), "audit pack".into()],
            created_at: pack.generated_at,
        },
        frame: PageFrame {
            header_left: pack.laboratory.clone(),
            header_right: format!("{title} {period}"),
            footer_left: format!(
                "{} {} (UTC{offset})",
                bi("Lập lúc", "Generated"),
                pack.generated_at
                    .with_timezone(&offset)
                    .format("%Y-%m-%d %H:%M"),
            ),
            language: CertificateLanguage::Both,
        },
        title: title.to_uppercase(),
        subtitle: [
            pack.accreditation_number
                .as_ref()
                .map(|n| format!("{} {n}", bi("Số công nhận", "Accreditation"))),
            Some(format!("{} {period}", bi("Giai đoạn", "Period"))),
        ]
        .into_iter()
        .flatten()
        .collect(),
        sections: vec![
            flags(pack),
            personnel(pack),
            equipment(pack),
            technical_records(pack),
            validity(pack),
            complaints(pack),
            nonconformities(pack),
            audit_trail(pack),
            documents(pack),
            corrective_actions(pack),
            internal_audits(pack),
            management_reviews(pack),
        ],
        end_mark: bi("Hết hồ sơ đánh giá", "End of the audit pack"),
    }
}

fn flags(pack: &AuditPack) -> Section {
    Section {
        heading: bi("Cần lưu ý", "Flags"),
        paragraphs: if pack.flags.is_empty() {
            vec![bi("Không có gì cần lưu ý.", "Nothing flagged.")]
        } else {
            pack.flags.iter().map(|f| format!("• {f}")).collect()
        },
        tables: Vec::new(),
    }
}

fn personnel(pack: &AuditPack) -> Section {
    let mut authorizations = Vec::new();
    for s in &pack.personnel.staff {
        if s.authorizations.is_empty() {
            authorizations.push(vec![s.name.clone(), words(s.role), "—".into()]);
        }
        for a in &s.authorizations {
            let auth = &a.authorization;
            authorizations.push(vec![
                s.name.clone(),
                words(s.role),
                words(auth.function),
                auth.procedure_code
                    .clone()
                    .or_else(|| auth.discipline.clone())
                    .unwrap_or_default(),
                format!("{} – {}", auth.valid_from, auth.valid_until),
                a.state.to_uppercase(),
            ]);
        }
    }
    let qualifications = pack
        .personnel
        .staff
        .iter()
        .flat_map(|s| {
            s.qualifications.iter().map(move |q| {
                vec![
                    s.name.clone(),
                    words(q.kind),
                    q.title.clone(),
                    q.completed_on.to_string(),
                    opt(&q.expires_on),
                    yes_no(q.evidence_sha256.is_some()),
                ]
            })
        })
        .collect();
    Section {
        heading: format!("6.2 {}", bi("Nhân sự", "Personnel")),
        paragraphs: Vec::new(),
        tables: vec![
            captioned(
                bi("Phân quyền", "Authorizations"),
                table(
                    vec![
                        col("Họ tên", "Name", 3.0),
                        col("Vai trò", "Role", 2.2),
                        col("Chức năng", "Function", 3.0),
                        col("Phạm vi", "Scope", 2.0),
                        col("Hiệu lực", "Valid", 3.0),
                        col("Tình trạng", "State", 1.8).bold(),
                    ],
                    authorizations,
                ),
            ),
            captioned(
                bi("Trình độ và đào tạo", "Qualifications and training"),
                table(
                    vec![
                        col("Họ tên", "Name", 3.0),
                        col("Loại", "Kind", 2.0),
                        col("Tên", "Title", 5.0),
                        col("Hoàn thành", "Completed", 2.0),
                        col("Hết hạn", "Expires", 2.0),
                        col("Bằng chứng", "Evidence", 1.6),
                    ],
                    qualifications,
                ),
            ),
        ],
    }
}

fn equipment(pack: &AuditPack) -> Section {
    let rows = pack
        .equipment
        .standards
        .iter()
        .map(|s| {
            vec![
                s.asset_id.clone(),
                s.name.clone(),
                words(s.status),
                opt(&s.due_on),
                words(&s.chain),
                s.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    one_table(
        format!(
            "6.4, 6.5 {}",
            bi("Thiết bị và liên kết chuẩn", "Equipment and traceability")
        ),
        bi(
            "Chuẩn đo lường, tình trạng hôm nay",
            "Standards, as of today",
        ),
        vec![
            col("Chuẩn", "Standard", 2.0),
            col("Tên", "Name", 4.0),
            col("Tình trạng", "Status", 2.0),
            col("Hạn", "Due", 2.0),
            col("Chuỗi", "Chain", 1.6),
            col("Vấn đề", "Problem", 5.0),
        ],
        rows,
    )
}

fn technical_records(pack: &AuditPack) -> Section {
    let t = &pack.technical_records;
    let counts = vec![
        (bi("Hiệu chuẩn", "Calibrations"), t.calibrations.to_string()),
        (
            bi("Theo tình trạng", "By status"),
            t.calibrations_by_status
                .iter()
                .map(|(k, v)| format!("{} {v}", words(k)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            bi("Phiên bản hồ sơ sửa đổi", "Amended record versions"),
            t.amendments.len().to_string(),
        ),
        (
            bi("Giấy chứng nhận đã cấp", "Certificates issued"),
            t.certificates_issued.to_string(),
        ),
        (
            bi(
                "Giấy chứng nhận sửa đổi đã cấp",
                "Amending certificates issued",
            ),
            t.amended_certificates.len().to_string(),
        ),
        (
            bi("Giấy chứng nhận bị thu hồi", "Certificates revoked"),
            t.revoked_certificates.len().to_string(),
        ),
    ];
    let by_month = t
        .calibrations_by_month
        .iter()
        .map(|(month, n)| vec![month.clone(), n.to_string()])
        .collect();
    let certificates = t
        .amended_certificates
        .iter()
        .chain(&t.revoked_certificates)
        .map(|c| {
            vec![
                c.number.clone(),
                words(c.status),
                c.issued_on.to_string(),
                c.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Section {
        heading: format!(
            "7.5, 7.8 {}",
            bi(
                "Hồ sơ kỹ thuật và giấy chứng nhận trong giai đoạn",
                "Technical records and certificates in the period"
            )
        ),
        paragraphs: Vec::new(),
        tables: vec![
            captioned(bi("Số lượng", "Counts"), Table::fields(counts, 60.0, 120.0)),
            captioned(
                bi("Hiệu chuẩn theo tháng", "Calibrations by month"),
                table(
                    vec![
                        col("Tháng", "Month", 2.0).align(Align::Left),
                        col("Số hiệu chuẩn", "Calibrations", 2.0).align(Align::Right),
                    ],
                    by_month,
                ),
            ),
            captioned(
                bi(
                    "Giấy chứng nhận sửa đổi và giấy chứng nhận bị thu hồi",
                    "Amending certificates and revoked certificates",
                ),
                table(
                    vec![
                        col("Giấy chứng nhận", "Certificate", 2.5),
                        col("Tình trạng", "Status", 2.0),
                        col("Ngày cấp", "Issued", 2.0),
                        col("Lý do", "Reason", 6.0),
                    ],
                    certificates,
                ),
            ),
        ],
    }
}

fn validity(pack: &AuditPack) -> Section {
    let v = &pack.validity;
    let checks = v
        .intermediate_checks_failed
        .iter()
        .map(|c| {
            vec![
                c.asset_id.clone(),
                c.checked_on.to_string(),
                format!("{} {}", c.reference_value, c.unit),
                c.measured_value.clone(),
                format!("[{}, {}]", c.lower_limit, c.upper_limit),
            ]
        })
        .collect();
    let proficiency = v
        .proficiency_tests
        .iter()
        .map(|p| {
            vec![
                format!("{} {}", p.scheme, p.round),
                p.discipline.clone(),
                words(p.status),
                format!("{} ± {}", opt(&p.lab_result), opt(&p.lab_uncertainty)),
                format!(
                    "{} ± {}",
                    opt(&p.assigned_value),
                    opt(&p.assigned_uncertainty)
                ),
                p.en.map(|e| format!("{e:.2}")).unwrap_or_default(),
                p.satisfactory.map(|s| yes_no(s != 0)).unwrap_or_default(),
            ]
        })
        .collect();
    Section {
        heading: format!(
            "7.7 {}",
            bi("Đảm bảo giá trị sử dụng của kết quả", "Validity of results")
        ),
        paragraphs: vec![format!(
            "{} {}, {} {}.",
            v.intermediate_checks,
            bi("lần kiểm tra giữa kỳ", "intermediate check(s)"),
            v.intermediate_checks_failed.len(),
            bi("không đạt", "failed"),
        )],
        tables: vec![
            captioned(
                bi("Kiểm tra giữa kỳ không đạt", "Failed intermediate checks"),
                table(
                    vec![
                        col("Chuẩn", "Standard", 2.0),
                        col("Ngày", "Date", 2.0),
                        col("Giá trị chuẩn", "Reference", 2.0),
                        col("Đo được", "Measured", 2.0),
                        col("Giới hạn", "Limits", 3.0),
                    ],
                    checks,
                ),
            ),
            captioned(
                bi("Thử nghiệm thành thạo", "Proficiency tests"),
                table(
                    vec![
                        col("Chương trình / vòng", "Scheme / round", 3.5),
                        col("Lĩnh vực", "Discipline", 2.0),
                        col("Tình trạng", "Status", 1.8),
                        col("PTN ± U", "Lab ± U", 2.6),
                        col("Giá trị ấn định ± U", "Assigned ± U", 2.6),
                        Column::new("En", 1.2).align(Align::Right),
                        col("Đạt", "OK", 1.4),
                    ],
                    proficiency,
                ),
            ),
        ],
    }
}

fn complaints(pack: &AuditPack) -> Section {
    let rows = pack
        .complaints
        .iter()
        .map(|c| {
            vec![
                c.complaint.number.clone(),
                c.complaint.received_on.to_string(),
                c.complaint.subject.clone(),
                words(c.complaint.status),
                yes_no(c.overdue.unwrap_or(false)),
            ]
        })
        .collect();
    one_table(
        format!("7.9 {}", bi("Khiếu nại", "Complaints")),
        bi(
            "Nhận trong giai đoạn hoặc chưa đóng",
            "Received in the period or still open",
        ),
        vec![
            col("Số", "Number", 2.0),
            col("Ngày nhận", "Received", 2.0),
            col("Nội dung", "Subject", 6.0),
            col("Tình trạng", "Status", 2.0),
            col("Quá hạn", "Overdue", 1.6),
        ],
        rows,
    )
}

fn nonconformities(pack: &AuditPack) -> Section {
    let rows = pack
        .nonconformities
        .iter()
        .map(|n| {
            let nc = &n.nonconformity;
            vec![
                nc.nonconformity.number.clone(),
                nc.nonconformity.raised_on.to_string(),
                nc.nonconformity.title.clone(),
                format!(
                    "{} / {}",
                    nc.affected.certificates.len(),
                    nc.affected.customers.len()
                ),
                words(nc.nonconformity.status),
                yes_no(n.overdue),
            ]
        })
        .collect();
    one_table(
        format!(
            "7.10 {}",
            bi("Công việc không phù hợp", "Nonconforming work")
        ),
        bi(
            "Phát hiện trong giai đoạn hoặc chưa đóng",
            "Raised in the period or still open",
        ),
        vec![
            col("Số", "Number", 2.0),
            col("Ngày", "Raised", 2.0),
            col("Tiêu đề", "Title", 5.0),
            col("GCN / khách hàng", "Certificates / customers", 3.0),
            col("Tình trạng", "Status", 1.8),
            col("Quá hạn", "Overdue", 1.6),
        ],
        rows,
    )
}

fn audit_trail(pack: &AuditPack) -> Section {
    let trail = &pack.audit_trail;
    let n = trail.events_checked;
    let text = if trail.valid {
        format!(
            "Đã tính lại chuỗi băm của {n} sự kiện khi lập hồ sơ: nguyên vẹn. / The hash chain of \
             {n} events was recomputed at generation: intact."
        )
    } else {
        let at = opt(&trail.first_broken);
        let reason = trail.reason.clone().unwrap_or_default();
        format!(
            "Chuỗi băm BỊ ĐỨT tại sự kiện {at}. / The hash chain is BROKEN at event {at}: {reason}."
        )
    };
    Section {
        heading: format!("7.11 {}", bi("Nhật ký kiểm tra", "Audit trail")),
        paragraphs: vec![text],
        tables: Vec::new(),
    }
}

fn documents(pack: &AuditPack) -> Section {
    let rows = pack
        .documents
        .current
        .iter()
        .map(|d| {
            vec![
                d.code.clone(),
                d.doc_version.to_string(),
                d.title.clone(),
                words(&d.kind),
                opt(&d.effective_on),
            ]
        })
        .collect();
    one_table(
        format!("8.3 {}", bi("Kiểm soát tài liệu", "Control of documents")),
        bi("Tài liệu đang hiệu lực", "Documents in force"),
        vec![
            col("Mã", "Code", 2.0),
            col("Phiên bản", "Version", 1.6).align(Align::Right),
            col("Tên", "Title", 6.5),
            col("Loại", "Kind", 2.5),
            col("Hiệu lực từ", "Effective", 2.0),
        ],
        rows,
    )
}

fn corrective_actions(pack: &AuditPack) -> Section {
    let rows = pack
        .corrective_actions
        .iter()
        .map(|c| {
            vec![
                c.action.number.clone(),
                c.action.problem.clone(),
                c.action.due_on.to_string(),
                words(c.action.status),
                yes_no(c.overdue),
            ]
        })
        .collect();
    one_table(
        format!("8.7 {}", bi("Hành động khắc phục", "Corrective actions")),
        bi(
            "Đề ra trong giai đoạn hoặc chưa đóng",
            "Raised in the period or still open",
        ),
        vec![
            col("Số", "Number", 2.0),
            col("Vấn đề", "Problem", 6.0),
            col("Hạn", "Due", 2.0),
            col("Tình trạng", "Status", 2.0),
            col("Quá hạn", "Overdue", 1.6),
        ],
        rows,
    )
}

fn internal_audits(pack: &AuditPack) -> Section {
    let mut rows = Vec::new();
    for a in &pack.internal_audits {
        rows.push(vec![
            a.audit.number.clone(),
            a.audit.title.clone(),
            a.audit.planned_on.to_string(),
            opt(&a.audit.performed_on),
            words(a.audit.status),
            String::new(),
        ]);
        for f in &a.findings {
            rows.push(vec![
                String::new(),
                format!(
                    "{} {}: {}",
                    f.finding.clause,
                    words(f.finding.kind),
                    f.finding.description
                ),
                opt(&f.finding.due_on),
                String::new(),
                words(f.finding.status),
                if f.overdue {
                    bi("QUÁ HẠN", "OVERDUE")
                } else {
                    String::new()
                },
            ]);
        }
    }
    one_table(
        format!("8.8 {}", bi("Đánh giá nội bộ", "Internal audits")),
        bi("Cuộc đánh giá và phát hiện", "Audits and their findings"),
        vec![
            col("Số", "Number", 1.8),
            col("Tên / phát hiện", "Title / finding", 6.5),
            col("Kế hoạch / hạn", "Planned / due", 2.0),
            col("Thực hiện", "Performed", 2.0),
            col("Tình trạng", "Status", 1.6),
            Column::new("", 1.6),
        ],
        rows,
    )
}

fn management_reviews(pack: &AuditPack) -> Section {
    let rows = pack
        .management_reviews
        .iter()
        .map(|r| {
            vec![
                r.number.clone(),
                r.planned_on.to_string(),
                opt(&r.held_on),
                words(r.status),
                r.outputs.clone().unwrap_or_default(),
            ]
        })
        .collect();
    one_table(
        format!("8.9 {}", bi("Xem xét của lãnh đạo", "Management reviews")),
        bi("Cuộc xem xét trong giai đoạn", "Reviews in the period"),
        vec![
            col("Số", "Number", 2.0),
            col("Kế hoạch", "Planned", 2.0),
            col("Đã họp", "Held", 2.0),
            col("Tình trạng", "Status", 2.0),
            col("Đầu ra", "Outputs", 6.0),
        ],
        rows,
    )
}
