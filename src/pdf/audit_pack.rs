//! The audit pack as a printable document for an ISO/IEC 17025 assessment: the flags first, then
//! one section per clause with the evidence tables. Rendered from the service's `AuditPack`.

use chrono::FixedOffset;

use super::layout::{
    Align, Column, DocInfo, Document, Margins, PageFrame, PageSize, Table, TextStyle,
};
use super::{Language, PdfError};
use crate::services::reports::AuditPack;

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn render_audit_pack(pack: &AuditPack, offset: FixedOffset) -> Result<Vec<u8>, PdfError> {
    let title = format!("Audit pack {} – {}", pack.from, pack.to);
    let info = DocInfo {
        title: title.clone(),
        author: pack.laboratory.clone(),
        subject: "ISO/IEC 17025 assessment evidence".into(),
        creator: "calab".into(),
        keywords: vec!["ISO/IEC 17025".into(), "audit pack".into()],
        created_at: pack.generated_at,
    };
    let mut doc = Document::new(PageSize::A4, Margins::uniform(12.0), &info)?;
    doc.set_frame(PageFrame {
        header_left: pack.laboratory.clone(),
        header_right: title.clone(),
        footer_left: format!(
            "Generated {} (UTC{})",
            pack.generated_at
                .with_timezone(&offset)
                .format("%Y-%m-%d %H:%M"),
            offset
        ),
        language: Language::En,
    });
    let h1 = TextStyle::bold(14.0);
    let h2 = TextStyle::bold(11.0);
    let body = TextStyle::regular(9.0);
    doc.paragraph(&h1, Align::Center, &title.to_uppercase());
    if let Some(n) = &pack.accreditation_number {
        doc.paragraph(&body, Align::Center, &format!("Accreditation {n}"));
    }
    doc.space(3.0);

    doc.heading(&h2, "Flags", 12.0);
    if pack.flags.is_empty() {
        doc.paragraph(&body, Align::Left, "Nothing flagged.");
    }
    for f in &pack.flags {
        doc.paragraph(&body, Align::Left, &format!("• {f}"));
    }
    doc.space(3.0);

    let section = |doc: &mut Document, name: &str| {
        doc.space(2.0);
        doc.heading(&h2, name, 14.0);
    };

    section(&mut doc, "6.2 Personnel: authorizations");
    let mut rows = Vec::new();
    for s in &pack.personnel.staff {
        if s.authorizations.is_empty() {
            rows.push(vec![
                s.name.clone(),
                s.role.to_string(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ]);
        }
        for a in &s.authorizations {
            let auth = &a.authorization;
            rows.push(vec![
                s.name.clone(),
                s.role.to_string(),
                auth.function.to_string(),
                auth.procedure_code
                    .clone()
                    .or_else(|| auth.discipline.clone())
                    .unwrap_or_default(),
                format!("{} – {}", auth.valid_from, auth.valid_until),
                a.state.to_uppercase(),
            ]);
        }
    }
    doc.table(&Table::ruled(
        vec![
            Column::new("Name", 3.0),
            Column::new("Role", 2.2),
            Column::new("Function", 3.0),
            Column::new("Scope", 2.0),
            Column::new("Valid", 3.0),
            Column::new("State", 1.6).bold(),
        ],
        rows,
    ));
    let quals: Vec<Vec<String>> = pack
        .personnel
        .staff
        .iter()
        .flat_map(|s| {
            s.qualifications.iter().map(move |q| {
                vec![
                    s.name.clone(),
                    q.kind.to_string(),
                    q.title.clone(),
                    q.completed_on.to_string(),
                    opt(&q.expires_on),
                    yes_no(q.evidence_sha256.is_some()),
                ]
            })
        })
        .collect();
    if !quals.is_empty() {
        section(&mut doc, "6.2 Personnel: qualifications and training");
        doc.table(&Table::ruled(
            vec![
                Column::new("Name", 3.0),
                Column::new("Kind", 2.0),
                Column::new("Title", 5.0),
                Column::new("Completed", 2.0),
                Column::new("Expires", 2.0),
                Column::new("Evidence", 1.5),
            ],
            quals,
        ));
    }

    section(&mut doc, "6.4, 6.5 Equipment and traceability (today)");
    doc.table(&Table::ruled(
        vec![
            Column::new("Standard", 2.0),
            Column::new("Name", 4.0),
            Column::new("Status", 2.0),
            Column::new("Due", 2.0),
            Column::new("Chain", 1.5),
            Column::new("Problem", 5.0),
        ],
        pack.equipment
            .standards
            .iter()
            .map(|s| {
                vec![
                    s.asset_id.clone(),
                    s.name.clone(),
                    s.status.to_string(),
                    opt(&s.due_on),
                    s.chain.clone(),
                    s.reason.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));

    section(
        &mut doc,
        "7.5, 7.8 Calibrations and certificates in the period",
    );
    let t = &pack.technical_records;
    let mut fields = vec![
        ("Calibrations".to_string(), t.calibrations.to_string()),
        (
            "By status".to_string(),
            t.calibrations_by_status
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Amended record versions".to_string(),
            t.amendments.len().to_string(),
        ),
        (
            "Certificates issued".to_string(),
            t.certificates_issued.to_string(),
        ),
        (
            "Amended certificates".to_string(),
            t.amended_certificates.len().to_string(),
        ),
        (
            "Revoked certificates".to_string(),
            t.revoked_certificates.len().to_string(),
        ),
    ];
    for (month, n) in &t.calibrations_by_month {
        fields.push((format!("  {month}"), n.to_string()));
    }
    doc.table(&Table::fields(fields, 60.0, 120.0));
    let certs: Vec<Vec<String>> = t
        .amended_certificates
        .iter()
        .chain(t.revoked_certificates.iter())
        .map(|c| {
            vec![
                c.number.clone(),
                c.status.to_string(),
                c.issued_on.to_string(),
                c.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if !certs.is_empty() {
        doc.table(&Table::ruled(
            vec![
                Column::new("Certificate", 2.5),
                Column::new("Status", 2.0),
                Column::new("Issued", 2.0),
                Column::new("Reason", 6.0),
            ],
            certs,
        ));
    }

    section(&mut doc, "7.7 Validity of results");
    doc.paragraph(
        &body,
        Align::Left,
        &format!(
            "{} intermediate check(s) in the period, {} failed.",
            pack.validity.intermediate_checks,
            pack.validity.intermediate_checks_failed.len()
        ),
    );
    if !pack.validity.intermediate_checks_failed.is_empty() {
        doc.table(&Table::ruled(
            vec![
                Column::new("Standard", 2.0),
                Column::new("Date", 2.0),
                Column::new("Reference", 2.0),
                Column::new("Measured", 2.0),
                Column::new("Limits", 3.0),
            ],
            pack.validity
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
                .collect(),
        ));
    }
    if !pack.validity.proficiency_tests.is_empty() {
        doc.table(&Table::ruled(
            vec![
                Column::new("Scheme / round", 3.5),
                Column::new("Discipline", 2.0),
                Column::new("Status", 1.6),
                Column::new("Lab ± U", 2.6),
                Column::new("Assigned ± U", 2.6),
                Column::new("En", 1.2).align(Align::Right),
                Column::new("OK", 1.0),
            ],
            pack.validity
                .proficiency_tests
                .iter()
                .map(|p| {
                    vec![
                        format!("{} {}", p.scheme, p.round),
                        p.discipline.clone(),
                        p.status.to_string(),
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
                .collect(),
        ));
    }

    section(&mut doc, "7.9 Complaints");
    doc.table(&Table::ruled(
        vec![
            Column::new("Number", 2.0),
            Column::new("Received", 2.0),
            Column::new("Subject", 6.0),
            Column::new("Status", 2.0),
            Column::new("Overdue", 1.5),
        ],
        pack.complaints
            .iter()
            .map(|c| {
                vec![
                    c.complaint.number.clone(),
                    c.complaint.received_on.to_string(),
                    c.complaint.subject.clone(),
                    c.complaint.status.to_string(),
                    yes_no(c.overdue.unwrap_or(false)),
                ]
            })
            .collect(),
    ));

    section(&mut doc, "7.10 Nonconforming work");
    doc.table(&Table::ruled(
        vec![
            Column::new("Number", 2.0),
            Column::new("Raised", 2.0),
            Column::new("Title", 5.0),
            Column::new("Certificates / customers", 3.0),
            Column::new("Status", 1.8),
            Column::new("Overdue", 1.4),
        ],
        pack.nonconformities
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
                    nc.nonconformity.status.to_string(),
                    yes_no(n.overdue),
                ]
            })
            .collect(),
    ));

    section(&mut doc, "8.7 Corrective actions");
    doc.table(&Table::ruled(
        vec![
            Column::new("Number", 2.0),
            Column::new("Problem", 6.0),
            Column::new("Due", 2.0),
            Column::new("Status", 2.0),
            Column::new("Overdue", 1.5),
        ],
        pack.corrective_actions
            .iter()
            .map(|c| {
                vec![
                    c.action.number.clone(),
                    c.action.problem.clone(),
                    c.action.due_on.to_string(),
                    c.action.status.to_string(),
                    yes_no(c.overdue),
                ]
            })
            .collect(),
    ));

    section(&mut doc, "8.8 Internal audits");
    let mut rows = Vec::new();
    for a in &pack.internal_audits {
        rows.push(vec![
            a.audit.number.clone(),
            a.audit.title.clone(),
            a.audit.planned_on.to_string(),
            opt(&a.audit.performed_on),
            a.audit.status.to_string(),
            String::new(),
        ]);
        for f in &a.findings {
            rows.push(vec![
                String::new(),
                format!(
                    "{} {}: {}",
                    f.finding.clause, f.finding.kind, f.finding.description
                ),
                opt(&f.finding.due_on),
                String::new(),
                f.finding.status.to_string(),
                if f.overdue {
                    "OVERDUE".into()
                } else {
                    String::new()
                },
            ]);
        }
    }
    doc.table(&Table::ruled(
        vec![
            Column::new("Number", 1.8),
            Column::new("Title / finding", 6.5),
            Column::new("Planned / due", 2.0),
            Column::new("Performed", 2.0),
            Column::new("Status", 1.6),
            Column::new("", 1.6),
        ],
        rows,
    ));

    section(&mut doc, "8.9 Management reviews");
    doc.table(&Table::ruled(
        vec![
            Column::new("Number", 2.0),
            Column::new("Planned", 2.0),
            Column::new("Held", 2.0),
            Column::new("Status", 2.0),
            Column::new("Outputs", 6.0),
        ],
        pack.management_reviews
            .iter()
            .map(|r| {
                vec![
                    r.number.clone(),
                    r.planned_on.to_string(),
                    opt(&r.held_on),
                    r.status.to_string(),
                    r.outputs.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));

    section(&mut doc, "8.3 Controlled documents in force");
    doc.table(&Table::ruled(
        vec![
            Column::new("Code", 2.0),
            Column::new("Version", 1.2).align(Align::Right),
            Column::new("Title", 7.0),
            Column::new("Kind", 2.5),
            Column::new("Effective", 2.0),
        ],
        pack.documents
            .current
            .iter()
            .map(|d| {
                vec![
                    d.code.clone(),
                    d.doc_version.to_string(),
                    d.title.clone(),
                    d.kind.clone(),
                    opt(&d.effective_on),
                ]
            })
            .collect(),
    ));

    section(&mut doc, "7.11 Audit trail");
    doc.paragraph(
        &body,
        Align::Left,
        &if pack.audit_trail.valid {
            format!(
                "The hash chain of {} events was recomputed at generation: intact.",
                pack.audit_trail.events_checked
            )
        } else {
            format!(
                "The hash chain is BROKEN at event {}: {}.",
                opt(&pack.audit_trail.first_broken),
                pack.audit_trail.reason.clone().unwrap_or_default()
            )
        },
    );
    doc.end_mark("End of the audit pack");
    doc.finish()
}
