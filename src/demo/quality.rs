//! Demo quality records: the authorizations the demo staff need to record, approve and check
//! (granted by the first admin before any technical record is made), and a year of believable
//! management-system records: qualifications, documents, complaints, proficiency tests,
//! internal audits, a management review, corrective actions, and one standard found out of
//! tolerance with its nonconformity listing the records, certificates and customers affected.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::db::schema::users as users_table;
use crate::db::{DbConn, UserId};
use crate::domain::quality::AuthorizedFunction;
use crate::domain::quality::{
    AuditStatus, CaSource, ComplaintStatus, DocumentKind, FindingKind, QualificationKind,
    ReviewStatus,
};
use crate::domain::traceability::AsFound;
use crate::domain::Decimal;
use crate::error::AppResult;
use crate::services::competence::{self, CreateQualification};
use crate::services::complaints::{self, ComplaintMove, CreateComplaint};
use crate::services::corrective_actions::{
    self, ActionStep, CreateCorrectiveAction, UpdateCorrectiveAction,
};
use crate::services::documents::{self, ApproveDocument, CreateDocument};
use crate::services::internal_audits::{
    self, CreateFinding, HoldReview, Parent, PerformAudit, PlanAudit, PlanReview,
};
use crate::services::proficiency::{self, PlanParticipation, ReportResult};
use crate::services::standards::{self, CalibrationPoint, RecordCalibration};
use crate::services::Ctx;

use super::as_user;

fn user_id(conn: &mut DbConn, email: &str) -> AppResult<UserId> {
    Ok(users_table::table
        .filter(users_table::email.eq(email))
        .select(users_table::id)
        .first(conn)?)
}

/// The demo staff's authorizations, granted by the demo admin: technicians perform calibrations
/// and intermediate checks in their disciplines, the signatory reviews, approves and signs (and
/// performs mass calibrations), the quality manager performs intermediate checks. Lan (tech2)
/// has one authorization about to expire and one expired, for the attention list.
pub fn grant_demo_authorizations(conn: &mut DbConn, system: &Ctx) -> AppResult<()> {
    use crate::services::competence::{grant, GrantAuthorization};
    use AuthorizedFunction::*;
    let admin = as_user(conn, system, super::DEMO_ADMIN_EMAIL)?;
    let today = system.today();
    let year_ago = today - Duration::days(365);
    let next_year = today + Duration::days(365);
    let disciplines = ["mass", "temperature", "pressure"];
    let mut grants: Vec<(&str, AuthorizedFunction, &str, NaiveDate, NaiveDate)> = Vec::new();
    for d in disciplines {
        grants.push((
            "tech1@demo.calab.vn",
            PerformCalibration,
            d,
            year_ago,
            next_year,
        ));
        grants.push((
            "tech1@demo.calab.vn",
            PerformIntermediateChecks,
            d,
            year_ago,
            next_year,
        ));
        grants.push((
            "signatory@demo.calab.vn",
            ReviewApprove,
            d,
            year_ago,
            next_year,
        ));
        grants.push((
            "signatory@demo.calab.vn",
            SignCertificates,
            d,
            year_ago,
            next_year,
        ));
        grants.push((
            "qm@demo.calab.vn",
            PerformIntermediateChecks,
            d,
            year_ago,
            next_year,
        ));
    }
    grants.push((
        "signatory@demo.calab.vn",
        PerformCalibration,
        "mass",
        year_ago,
        next_year,
    ));
    grants.push((
        "tech2@demo.calab.vn",
        PerformCalibration,
        "temperature",
        year_ago,
        today + Duration::days(20),
    ));
    grants.push((
        "tech2@demo.calab.vn",
        PerformCalibration,
        "pressure",
        year_ago,
        today - Duration::days(30),
    ));
    for (email, function, discipline, from, until) in grants {
        let user = user_id(conn, email)?;
        grant(
            conn,
            &admin,
            GrantAuthorization {
                user_id: user,
                function,
                discipline: Some(discipline.into()),
                procedure_code: None,
                valid_from: from,
                valid_until: until,
            },
        )?;
    }
    Ok(())
}

/// A year of quality records, after the technical demo data.
/// The people the demo's quality records name, and the day they are dated from.
struct Staff {
    system: Ctx,
    qm: Ctx,
    admin: Ctx,
    tech1: UserId,
    tech2: UserId,
    signatory: UserId,
    qm_id: UserId,
    /// The demo's customers, oldest first.
    customer_ids: Vec<crate::db::CustomerId>,
    today: NaiveDate,
}

impl Staff {
    /// `days` before the demo's today.
    fn ago(&self, days: i64) -> NaiveDate {
        self.today - Duration::days(days)
    }
}

pub fn seed_quality(conn: &mut DbConn, system: &Ctx) -> AppResult<()> {
    let staff = Staff {
        system: system.clone(),
        qm: as_user(conn, system, "qm@demo.calab.vn")?,
        admin: as_user(conn, system, super::DEMO_ADMIN_EMAIL)?,
        tech1: user_id(conn, "tech1@demo.calab.vn")?,
        tech2: user_id(conn, "tech2@demo.calab.vn")?,
        signatory: user_id(conn, "signatory@demo.calab.vn")?,
        qm_id: user_id(conn, "qm@demo.calab.vn")?,
        customer_ids: crate::db::schema::customers::table
            .select(crate::db::schema::customers::id)
            .order(crate::db::schema::customers::id.asc())
            .load(conn)?,
        today: system.today(),
    };

    staff_qualifications(conn, &staff)?;
    controlled_documents(conn, &staff)?;
    proficiency_tests(conn, &staff)?;
    complaints_of_the_year(conn, &staff)?;
    internal_audits_of_the_year(conn, &staff)?;
    management_review(conn, &staff)?;
    out_of_tolerance(conn, &staff)?;
    Ok(())
}

/// §6.2 qualifications and training.
fn staff_qualifications(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let today = s.today;
    let admin = &s.admin;
    let tech1 = s.tech1;
    let tech2 = s.tech2;
    let signatory = s.signatory;
    let qm_id = s.qm_id;
    for (user, kind, title, provider, done, expires) in [
        (
            tech1,
            QualificationKind::Qualification,
            "Kỹ sư Đo lường / BEng Metrology",
            Some("Đại học Bách khoa Hà Nội"),
            s.ago(3000),
            None,
        ),
        (
            tech1,
            QualificationKind::Training,
            "Hiệu chuẩn cân theo ĐLVN / Balance calibration course",
            Some("VMI"),
            s.ago(300),
            Some(today + Duration::days(30)),
        ),
        (
            tech2,
            QualificationKind::Training,
            "Đo nhiệt độ / Temperature metrology",
            Some("VMI"),
            s.ago(200),
            Some(today + Duration::days(500)),
        ),
        (
            signatory,
            QualificationKind::Qualification,
            "Thạc sĩ Đo lường / MSc Metrology",
            Some("HUST"),
            s.ago(4000),
            None,
        ),
        (
            qm_id,
            QualificationKind::Training,
            "ISO/IEC 17025:2017 internal auditor",
            Some("BoA"),
            s.ago(400),
            Some(s.ago(35)),
        ),
        (
            signatory,
            QualificationKind::Training,
            "Độ không đảm bảo đo / GUM uncertainty",
            Some("APMP"),
            s.ago(150),
            None,
        ),
    ] {
        competence::add_qualification(
            conn,
            admin,
            user,
            CreateQualification {
                kind,
                title: title.into(),
                provider: provider.map(str::to_string),
                completed_on: done,
                expires_on: expires,
            },
        )?;
    }
    Ok(())
}

/// §8.3 documents: the quality manual in its second version, procedures and forms, a draft.
fn controlled_documents(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let qm = &s.qm;
    let system = &s.system;
    let mut approve_as_qm = Vec::new();
    for (code, title, kind) in [
        (
            "STCL",
            "Sổ tay chất lượng / Quality manual",
            DocumentKind::QualityManual,
        ),
        (
            "QT-01",
            "Kiểm soát tài liệu / Document control",
            DocumentKind::Procedure,
        ),
        ("QT-07", "Khiếu nại / Complaints", DocumentKind::Procedure),
        (
            "QT-08",
            "Công việc không phù hợp / Nonconforming work",
            DocumentKind::Procedure,
        ),
        (
            "BM-07.01",
            "Phiếu khiếu nại / Complaint form",
            DocumentKind::Form,
        ),
    ] {
        let doc = documents::create(
            conn,
            system,
            CreateDocument {
                code: code.into(),
                title: title.into(),
                kind,
                location: Some(format!("QMS/{code}.pdf")),
                change_summary: Some("Ban hành lần đầu / first issue".into()),
            },
        )?;
        approve_as_qm.push(doc);
    }
    for doc in approve_as_qm {
        let id = doc.id.parse().map_err(crate::error::AppError::internal)?;
        documents::approve(
            conn,
            qm,
            id,
            Some(doc.version),
            ApproveDocument {
                effective_on: s.ago(360),
            },
        )?;
    }
    let manual2 = documents::create(
        conn,
        system,
        CreateDocument {
            code: "STCL".into(),
            title: "Sổ tay chất lượng / Quality manual".into(),
            kind: DocumentKind::QualityManual,
            location: Some("QMS/STCL-v2.pdf".into()),
            change_summary: Some(
                "Cập nhật sau đánh giá nội bộ / updated after the internal audit".into(),
            ),
        },
    )?;
    documents::approve(
        conn,
        qm,
        manual2
            .id
            .parse()
            .map_err(crate::error::AppError::internal)?,
        Some(manual2.version),
        ApproveDocument {
            effective_on: s.ago(90),
        },
    )?;
    documents::create(
        conn,
        qm,
        CreateDocument {
            code: "BM-08.02".into(),
            title: "Phiếu đánh giá tác động / Impact evaluation form".into(),
            kind: DocumentKind::Form,
            location: None,
            change_summary: None,
        },
    )?;
    Ok(())
}

/// §7.7 proficiency testing: two satisfactory, one not (which opens nonconforming work),
/// one missed and one to come.
fn proficiency_tests(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let d = |text: &str| Decimal::parse(text).map_err(crate::error::AppError::internal);
    let today = s.today;
    let qm = &s.qm;
    let tech1 = s.tech1;
    let qm_id = s.qm_id;
    let mut unsatisfactory = None;
    for (scheme, round, provider, discipline, item, planned, result) in [
        (
            "APMP.M.M-S1",
            "2026-1",
            "APMP / VMI",
            "mass",
            "Quả cân 1 kg / 1 kg weight",
            s.ago(300),
            Some(("1000.00031", "0.00030", "1000.00040", "0.00050", s.ago(250))),
        ),
        (
            "VMI-PT-T",
            "2026-A",
            "VMI",
            "temperature",
            "Nhiệt kế số / Digital thermometer at 50 °C",
            s.ago(200),
            Some(("50.012", "0.020", "50.018", "0.030", s.ago(160))),
        ),
        (
            "VMI-PT-P",
            "2026-B",
            "VMI",
            "pressure",
            "Áp kế / Pressure gauge at 1 MPa",
            s.ago(120),
            Some(("1000.9", "0.4", "1000.0", "0.3", s.ago(80))),
        ),
        (
            "ILC-KL",
            "2026-2",
            "Liên phòng miền Bắc / Northern ILC",
            "mass",
            "Cân phân tích / Analytical balance",
            s.ago(20),
            None,
        ),
        (
            "APMP.M.M-S1",
            "2027-1",
            "APMP / VMI",
            "mass",
            "Quả cân 1 kg / 1 kg weight",
            today + Duration::days(100),
            None,
        ),
    ] {
        let pt = proficiency::plan(
            conn,
            qm,
            PlanParticipation {
                scheme: scheme.into(),
                round: round.into(),
                provider: provider.into(),
                discipline: discipline.into(),
                item: item.into(),
                planned_on: planned,
            },
        )?;
        if let Some((lab, u_lab, assigned, u_assigned, reported_on)) = result {
            let done = proficiency::report(
                conn,
                qm,
                pt.id,
                Some(pt.version),
                ReportResult {
                    unit: if discipline == "mass" {
                        "g"
                    } else if discipline == "temperature" {
                        "°C"
                    } else {
                        "kPa"
                    }
                    .into(),
                    assigned_value: d(assigned)?,
                    assigned_uncertainty: d(u_assigned)?,
                    lab_result: d(lab)?,
                    lab_uncertainty: d(u_lab)?,
                    reported_on,
                },
            )?;
            if done.satisfactory == Some(0) {
                unsatisfactory = done.nonconformity_id;
            }
        }
    }
    if let Some(nc) = unsatisfactory {
        let view = crate::services::nonconformities::evaluate(
            conn,
            qm,
            nc,
            Some(1),
            crate::services::nonconformities::Evaluation {
                impact_evaluation: "Sai lệch hệ thống +0.9 kPa tại 1 MPa; kết quả khách hàng từ vòng thử trước được xem xét lại / systematic +0.9 kPa at 1 MPa; customer results since the previous round reviewed".into(),
                decisions: vec![crate::domain::quality::NcDecision::Notify],
                notes: Some("Thông báo khách hàng có áp kế cấp chính xác 0.25 / notify customers with class 0.25 gauges".into()),
            },
        )?;
        corrective_actions::create(
            conn,
            qm,
            CreateCorrectiveAction {
                source: CaSource::Nonconformity,
                source_id: Some(nc.to_string()),
                problem: view.nonconformity.title.clone(),
                root_cause: Some("Hiệu chính độ cao cột chất lỏng không áp dụng / liquid head correction not applied".into()),
                owner_id: tech1,
                actions: vec![
                    ActionStep { description: "Sửa quy trình QT-AS-01 §6.3 / amend procedure QT-AS-01 §6.3".into(), owner_id: qm_id, due_on: s.ago(40), done_on: Some(s.ago(45)) },
                    ActionStep { description: "Đào tạo lại kỹ thuật viên áp suất / retrain pressure technicians".into(), owner_id: tech1, due_on: s.ago(10), done_on: None },
                ],
            },
        )?;
    }
    Ok(())
}

/// §7.9 complaints across the year, in every state.
fn complaints_of_the_year(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let qm = &s.qm;
    let dong_a = s.customer_ids.first().copied();
    let mekong = s.customer_ids.get(1).copied();
    let steps: [&[(ComplaintStatus, Option<&str>)]; 4] = [
        &[
            (ComplaintStatus::Acknowledged, None),
            (ComplaintStatus::Investigated, Some("Nhãn in sai ngày; lỗi nhập liệu / wrong date on the label; data entry error")),
            (ComplaintStatus::Answered, Some("Đã in lại nhãn và giấy chứng nhận / label and certificate reprinted")),
            (ComplaintStatus::Closed, None),
        ],
        &[
            (ComplaintStatus::Acknowledged, None),
            (ComplaintStatus::Investigated, Some("Thời gian chờ do thiếu chuẩn áp suất / waiting time due to the pressure standard being away")),
            (ComplaintStatus::Answered, Some("Xin lỗi; bổ sung chuẩn dự phòng / apologies; a backup standard is planned")),
        ],
        &[(ComplaintStatus::Acknowledged, None)],
        &[],
    ];
    let complaint_data = [
        (
            dong_a,
            "Nguyễn Thị Hương",
            "Nhãn hiệu chuẩn sai ngày / calibration label shows the wrong date",
            s.ago(280),
        ),
        (
            mekong,
            "Trần Văn Bình",
            "Trả thiết bị chậm / instruments returned late",
            s.ago(120),
        ),
        (
            dong_a,
            "Nguyễn Thị Hương",
            "Kết quả cân khác với phòng khác / balance results differ from another lab",
            s.ago(40),
        ),
        (
            mekong,
            "Trần Văn Bình",
            "Giấy chứng nhận thiếu độ không đảm bảo / certificate missing an uncertainty",
            s.ago(3),
        ),
    ];
    for ((customer, who, subject, received), moves) in complaint_data.into_iter().zip(steps) {
        let c = complaints::create(
            conn,
            qm,
            CreateComplaint {
                customer_id: customer,
                complainant: Some(who.into()),
                subject: subject.into(),
                description: subject.into(),
                certificate_id: None,
                received_on: Some(received),
            },
        )?;
        let mut version = c.complaint.version;
        for (status, text) in moves {
            version = complaints::change_status(
                conn,
                qm,
                c.complaint.id,
                Some(version),
                ComplaintMove {
                    status: *status,
                    text: text.map(str::to_string),
                    nonconformity_id: None,
                },
            )?
            .complaint
            .version;
        }
    }
    Ok(())
}

/// §8.8 internal audits: one closed, one with an open finding and its corrective action, one
/// planned.
fn internal_audits_of_the_year(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let today = s.today;
    let qm = &s.qm;
    let tech2 = s.tech2;
    let qm_id = s.qm_id;
    let ctx = &s.system;
    let audit1 = internal_audits::plan_audit(
        conn,
        qm,
        PlanAudit {
            title: "Đánh giá nội bộ kỳ 1 / Internal audit, first half".into(),
            scope: "Quản lý và kỹ thuật, lĩnh vực khối lượng / management and technical, mass"
                .into(),
            clauses: vec!["6.2".into(), "6.4".into(), "7.5".into(), "8.3".into()],
            planned_on: s.ago(270),
            lead_auditor_id: Some(qm_id),
        },
    )?;
    let a1 = internal_audits::move_audit(
        conn,
        qm,
        audit1.audit.id,
        Some(1),
        AuditStatus::Performed,
        Some(PerformAudit {
            performed_on: s.ago(265),
            summary: "Hệ thống vận hành hiệu quả; 1 khuyến nghị / effective; one observation"
                .into(),
        }),
    )?;
    let f1 = internal_audits::add_finding(conn, qm, Parent::Audit(a1.audit.id), CreateFinding { clause: "8.3.2".into(), kind: FindingKind::Observation, description: "Sổ tay chất lượng chưa cập nhật sơ đồ tổ chức / quality manual shows an old organisation chart".into(), due_on: Some(s.ago(180)) })?;
    internal_audits::close_finding(conn, qm, Parent::Audit(a1.audit.id), f1.finding.id, Some(1))?;
    let a1 = internal_audits::get_audit(conn, ctx, a1.audit.id)?;
    internal_audits::move_audit(
        conn,
        qm,
        a1.audit.id,
        Some(a1.audit.version),
        AuditStatus::Closed,
        None,
    )?;

    let audit2 = internal_audits::plan_audit(
        conn,
        qm,
        PlanAudit {
            title: "Đánh giá nội bộ kỳ 2 / Internal audit, second half".into(),
            scope: "Nhiệt độ và áp suất / temperature and pressure".into(),
            clauses: vec!["6.4.10".into(), "7.7".into(), "7.10".into()],
            planned_on: s.ago(60),
            lead_auditor_id: Some(qm_id),
        },
    )?;
    let a2 = internal_audits::move_audit(
        conn,
        qm,
        audit2.audit.id,
        Some(1),
        AuditStatus::Performed,
        Some(PerformAudit {
            performed_on: s.ago(58),
            summary: "1 điểm không phù hợp / one nonconformity".into(),
        }),
    )?;
    let f2 = internal_audits::add_finding(conn, qm, Parent::Audit(a2.audit.id), CreateFinding { clause: "6.4.10".into(), kind: FindingKind::Nonconformity, description: "Kiểm tra giữa kỳ T-WS-01 không theo kế hoạch / T-WS-01 intermediate checks not done as planned".into(), due_on: Some(s.ago(5)) })?;
    let ca = corrective_actions::create(
        conn,
        qm,
        CreateCorrectiveAction {
            source: CaSource::AuditFinding,
            source_id: Some(f2.finding.id.to_string()),
            problem: "Kiểm tra giữa kỳ bị bỏ sót / intermediate checks missed".into(),
            root_cause: None,
            owner_id: tech2,
            actions: vec![ActionStep {
                description: "Lập lịch kiểm tra trong hệ thống / schedule the checks in calab"
                    .into(),
                owner_id: tech2,
                due_on: s.ago(20),
                done_on: None,
            }],
        },
    )?;
    let ca = corrective_actions::update(
        conn,
        qm,
        ca.action.id,
        Some(ca.action.version),
        UpdateCorrectiveAction {
            root_cause: Some("Không có nhắc việc / no reminder existed".into()),
            actions: Some(vec![ActionStep {
                description: "Lập lịch kiểm tra trong hệ thống / schedule the checks in calab"
                    .into(),
                owner_id: tech2,
                due_on: s.ago(20),
                done_on: Some(s.ago(22)),
            }]),
        },
    )?;
    corrective_actions::implement(conn, qm, ca.action.id, Some(ca.action.version))?;

    internal_audits::plan_audit(
        conn,
        qm,
        PlanAudit {
            title: "Đánh giá nội bộ 2027 kỳ 1 / Internal audit 2027, first half".into(),
            scope: "Toàn bộ hệ thống / the whole system".into(),
            clauses: vec!["4".into(), "5".into(), "6".into(), "7".into(), "8".into()],
            planned_on: today + Duration::days(45),
            lead_auditor_id: Some(qm_id),
        },
    )?;
    Ok(())
}

/// §8.9 a management review held, with its decision, and the next one planned.
fn management_review(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let today = s.today;
    let qm = &s.qm;
    let review = internal_audits::plan_review(
        conn,
        qm,
        PlanReview {
            planned_on: s.ago(180),
            attendees: None,
        },
    )?;
    let review = internal_audits::move_review(
        conn,
        qm,
        review.review.id,
        Some(1),
        ReviewStatus::Held,
        Some(HoldReview {
            held_on: s.ago(178),
            attendees: "Giám đốc, QLCL, trưởng phòng kỹ thuật / director, quality manager, technical manager".into(),
            inputs: "Kết quả đánh giá nội bộ, thử nghiệm thành thạo, khiếu nại, nguồn lực / internal audit, PT results, complaints, resources".into(),
            outputs: "Mua chuẩn áp suất dự phòng; đào tạo đánh giá viên / buy a backup pressure standard; train an auditor".into(),
        }),
    )?;
    internal_audits::add_finding(
        conn,
        qm,
        Parent::Review(review.review.id),
        CreateFinding {
            clause: "6.4".into(),
            kind: FindingKind::Decision,
            description: "Mua chuẩn áp suất dự phòng / buy a backup pressure standard".into(),
            due_on: Some(today + Duration::days(60)),
        },
    )?;
    internal_audits::plan_review(
        conn,
        qm,
        PlanReview {
            planned_on: today + Duration::days(185),
            attendees: None,
        },
    )?;
    Ok(())
}

/// §7.10: the working weight set is found out of tolerance at its recalibration today: the
/// nonconformity lists everything it supported since its last good calibration.
fn out_of_tolerance(conn: &mut DbConn, s: &Staff) -> AppResult<()> {
    let d = |text: &str| Decimal::parse(text).map_err(crate::error::AppError::internal);
    let today = s.today;
    let qm = &s.qm;
    let working: crate::db::StandardId = crate::db::schema::standards::table
        .filter(crate::db::schema::standards::asset_id.eq("M-WS-01"))
        .select(crate::db::schema::standards::id)
        .first(conn)?;
    let reference: crate::db::StandardId = crate::db::schema::standards::table
        .filter(crate::db::schema::standards::asset_id.eq("M-REF-01"))
        .select(crate::db::schema::standards::id)
        .first(conn)?;
    let point = |nominal: &str, value: &str, u: &str, found: &str| -> AppResult<CalibrationPoint> {
        Ok(CalibrationPoint {
            nominal: d(nominal)?,
            value: Some(d(value)?),
            correction: None,
            expanded_uncertainty: d(u)?,
            coverage_factor: 2.0,
            unit: "g".into(),
            as_found: Some(d(found)?),
            as_left: Some(d(value)?),
        })
    };
    standards::record_calibration(
        conn,
        qm,
        working,
        RecordCalibration {
            calibrated_on: today,
            certificate_number: "HC-NB-2026/142".into(),
            external_body_id: None,
            issuer_standard_id: Some(reference.into()),
            results: vec![
                point("1000", "1000.0011", "0.0016", "1000.0093")?,
                point("10000", "10000.012", "0.016", "10000.041")?,
            ],
            as_found: AsFound::OutOfTolerance,
            adjusted: true,
            due_on: None,
            due_override_reason: None,
        },
    )?;
    Ok(())
}
