//! The rules of the management-system records (ISO/IEC 17025 §6.2 competence, §7.7 validity of
//! results, §7.9 complaints, §7.10 nonconforming work, §8.3 documents, §8.7 corrective actions,
//! §8.8 internal audits, §8.9 management reviews): their states and allowed moves, which
//! authorization covers which act, and what counts as overdue. Pure: no database, no HTTP.

use chrono::NaiveDate;

text_enum!(
    /// A qualification (a degree, a certificate of competence) or a training course.
    QualificationKind { Qualification = "qualification", Training = "training" }
);
text_enum!(
    /// What an authorization allows (§6.2.5, §6.2.6).
    AuthorizedFunction {
        PerformCalibration = "perform_calibration",
        ReviewApprove = "review_approve",
        SignCertificates = "sign_certificates",
        PerformIntermediateChecks = "perform_intermediate_checks"
    }
);
text_enum!(
    /// Where nonconforming work was found.
    NcSource {
        Calibration = "calibration",
        Standard = "standard",
        Complaint = "complaint",
        ProficiencyTest = "proficiency_test",
        Audit = "audit",
        Other = "other"
    }
);
text_enum!(
    NcStatus { Open = "open", Evaluated = "evaluated", Actioned = "actioned", Closed = "closed" }
);
text_enum!(
    /// What is done about nonconforming work (§7.10.1 b, c, e).
    NcDecision { Recall = "recall", Amend = "amend", Notify = "notify", NoAction = "no_action" }
);
text_enum!(
    /// What a corrective action answers.
    CaSource { Nonconformity = "nonconformity", Complaint = "complaint", AuditFinding = "audit_finding", Other = "other" }
);
text_enum!(
    CaStatus { Open = "open", Implemented = "implemented", Closed = "closed" }
);
text_enum!(
    ComplaintStatus {
        Received = "received",
        Acknowledged = "acknowledged",
        Investigated = "investigated",
        Answered = "answered",
        Closed = "closed"
    }
);
text_enum!(
    /// A planned participation, or one whose result is in.
    PtStatus { Planned = "planned", Reported = "reported" }
);
text_enum!(
    AuditStatus { Planned = "planned", Performed = "performed", Closed = "closed" }
);
text_enum!(
    ReviewStatus { Planned = "planned", Held = "held", Closed = "closed" }
);
text_enum!(
    FindingKind {
        Nonconformity = "nonconformity",
        Observation = "observation",
        Opportunity = "opportunity",
        Decision = "decision"
    }
);
text_enum!(
    FindingStatus { Open = "open", Closed = "closed" }
);
text_enum!(
    DocumentKind {
        QualityManual = "quality_manual",
        Procedure = "procedure",
        WorkInstruction = "work_instruction",
        Form = "form",
        Policy = "policy",
        External = "external",
        Other = "other"
    }
);
text_enum!(
    DocumentStatus { Draft = "draft", Approved = "approved", Obsolete = "obsolete" }
);

impl AuthorizedFunction {
    /// The words of a refusal: "no current authorization to {phrase} ...".
    pub fn phrase(self) -> &'static str {
        match self {
            AuthorizedFunction::PerformCalibration => "perform calibrations",
            AuthorizedFunction::ReviewApprove => "review and approve calibrations",
            AuthorizedFunction::SignCertificates => "sign certificates",
            AuthorizedFunction::PerformIntermediateChecks => "perform intermediate checks",
        }
    }
}

/// A workflow move `from -> to` is allowed when it is in `moves`; otherwise the error names the
/// moves allowed from `from` (for a 409).
pub fn check_move<S: Copy + PartialEq + std::fmt::Display>(
    what: &str,
    moves: &[(S, S)],
    from: S,
    to: S,
) -> Result<(), String> {
    if moves.iter().any(|&(a, b)| a == from && b == to) {
        return Ok(());
    }
    let allowed: Vec<String> = moves
        .iter()
        .filter(|(a, _)| *a == from)
        .map(|(_, b)| b.to_string())
        .collect();
    Err(if allowed.is_empty() {
        format!("this {what} is {from} and cannot move any more")
    } else {
        format!(
            "this {what} is {from} and cannot become {to}; allowed: {}",
            allowed.join(", ")
        )
    })
}

pub const NC_MOVES: &[(NcStatus, NcStatus)] = &[
    (NcStatus::Open, NcStatus::Evaluated),
    (NcStatus::Evaluated, NcStatus::Actioned),
    (NcStatus::Actioned, NcStatus::Closed),
];

pub const COMPLAINT_MOVES: &[(ComplaintStatus, ComplaintStatus)] = &[
    (ComplaintStatus::Received, ComplaintStatus::Acknowledged),
    (ComplaintStatus::Acknowledged, ComplaintStatus::Investigated),
    (ComplaintStatus::Investigated, ComplaintStatus::Answered),
    (ComplaintStatus::Answered, ComplaintStatus::Closed),
];

pub const CA_MOVES: &[(CaStatus, CaStatus)] = &[
    (CaStatus::Open, CaStatus::Implemented),
    (CaStatus::Implemented, CaStatus::Closed),
    // An ineffective action goes back to work.
    (CaStatus::Implemented, CaStatus::Open),
];

pub const AUDIT_MOVES: &[(AuditStatus, AuditStatus)] = &[
    (AuditStatus::Planned, AuditStatus::Performed),
    (AuditStatus::Performed, AuditStatus::Closed),
];

pub const REVIEW_MOVES: &[(ReviewStatus, ReviewStatus)] = &[
    (ReviewStatus::Planned, ReviewStatus::Held),
    (ReviewStatus::Held, ReviewStatus::Closed),
];

/// What an authorization is for: a whole discipline (a quantity code) or one procedure code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    pub discipline: Option<&'a str>,
    pub procedure_code: Option<&'a str>,
}

/// One authorization as the rule sees it.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub function: AuthorizedFunction,
    pub scope: Scope<'a>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub revoked: bool,
}

/// Whether a grant covers an act of `function` under `procedure_code` (of discipline `discipline`)
/// on `on`: same function, not revoked, in its validity (both ends included), and either for the
/// discipline or for that very procedure.
pub fn covers(
    grant: &Grant<'_>,
    function: AuthorizedFunction,
    procedure_code: Option<&str>,
    discipline: &str,
    on: NaiveDate,
) -> bool {
    grant.function == function
        && !grant.revoked
        && grant.valid_from <= on
        && on <= grant.valid_until
        && (grant.scope.discipline == Some(discipline)
            || (procedure_code.is_some() && grant.scope.procedure_code == procedure_code))
}

/// The refusal when no grant covers the act.
pub fn missing_authorization(
    function: AuthorizedFunction,
    procedure_code: Option<&str>,
    discipline: &str,
    on: NaiveDate,
) -> String {
    match procedure_code {
        Some(code) => format!(
            "no current authorization to {} for {code} (discipline {discipline}) on {on}",
            function.phrase()
        ),
        None => format!(
            "no current authorization to {} in discipline {discipline} on {on}",
            function.phrase()
        ),
    }
}

text_enum!(
    /// Where a dated obligation stands today.
    Expiry { Current = "current", Expiring = "expiring", Expired = "expired" }
);

/// `expired` after `until`, `expiring` within `within_days` of it, `current` otherwise.
pub fn expiry(until: NaiveDate, today: NaiveDate, within_days: i64) -> Expiry {
    if until < today {
        Expiry::Expired
    } else if (until - today).num_days() <= within_days {
        Expiry::Expiring
    } else {
        Expiry::Current
    }
}

/// A complaint is to be acknowledged within this many days and answered within this many.
pub const COMPLAINT_ACK_DAYS: i64 = 5;
pub const COMPLAINT_ANSWER_DAYS: i64 = 30;

/// Whether an open complaint has waited too long in its state.
pub fn complaint_overdue(
    status: ComplaintStatus,
    received_on: NaiveDate,
    today: NaiveDate,
) -> bool {
    let age = (today - received_on).num_days();
    match status {
        ComplaintStatus::Received => age > COMPLAINT_ACK_DAYS,
        ComplaintStatus::Acknowledged | ComplaintStatus::Investigated => {
            age > COMPLAINT_ANSWER_DAYS
        }
        ComplaintStatus::Answered | ComplaintStatus::Closed => false,
    }
}

/// Nonconforming work should be evaluated within this many days of being raised.
pub const NC_EVALUATION_DAYS: i64 = 14;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn grant(discipline: Option<&'static str>, code: Option<&'static str>) -> Grant<'static> {
        Grant {
            function: AuthorizedFunction::PerformCalibration,
            scope: Scope {
                discipline,
                procedure_code: code,
            },
            valid_from: day(1),
            valid_until: day(20),
            revoked: false,
        }
    }

    #[test]
    fn a_grant_covers_its_discipline_or_its_procedure_within_its_dates() {
        let f = AuthorizedFunction::PerformCalibration;
        let mass = grant(Some("mass"), None);
        assert!(covers(&mass, f, Some("QT-KL-01"), "mass", day(1)));
        assert!(covers(&mass, f, Some("QT-KL-01"), "mass", day(20)));
        assert!(!covers(&mass, f, Some("QT-KL-01"), "mass", day(21)));
        assert!(!covers(&mass, f, Some("QT-ND-01"), "temperature", day(5)));
        assert!(!covers(
            &mass,
            AuthorizedFunction::ReviewApprove,
            Some("QT-KL-01"),
            "mass",
            day(5)
        ));
        let one = grant(None, Some("QT-KL-01"));
        assert!(covers(&one, f, Some("QT-KL-01"), "mass", day(5)));
        assert!(!covers(&one, f, Some("QT-KL-02"), "mass", day(5)));
        assert!(!covers(&one, f, None, "mass", day(5)));
        let revoked = Grant {
            revoked: true,
            ..mass
        };
        assert!(!covers(&revoked, f, Some("QT-KL-01"), "mass", day(5)));
    }

    #[test]
    fn a_refusal_names_the_missing_authorization() {
        assert_eq!(
            missing_authorization(
                AuthorizedFunction::SignCertificates,
                Some("QT-KL-01"),
                "mass",
                day(3)
            ),
            "no current authorization to sign certificates for QT-KL-01 (discipline mass) on 2026-11-03"
        );
    }

    #[test]
    fn moves_name_what_is_allowed() {
        assert!(check_move(
            "nonconformity",
            NC_MOVES,
            NcStatus::Open,
            NcStatus::Evaluated
        )
        .is_ok());
        let err = check_move("nonconformity", NC_MOVES, NcStatus::Open, NcStatus::Closed)
            .err()
            .unwrap_or_default();
        assert_eq!(
            err,
            "this nonconformity is open and cannot become closed; allowed: evaluated"
        );
        let err = check_move(
            "complaint",
            COMPLAINT_MOVES,
            ComplaintStatus::Closed,
            ComplaintStatus::Received,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(err, "this complaint is closed and cannot move any more");
    }

    #[test]
    fn expiry_and_overdue_complaints() {
        assert_eq!(expiry(day(10), day(11), 30), Expiry::Expired);
        assert_eq!(expiry(day(10), day(10), 30), Expiry::Expiring);
        assert_eq!(expiry(day(30), day(1), 28), Expiry::Current);
        assert!(complaint_overdue(ComplaintStatus::Received, day(1), day(7)));
        assert!(!complaint_overdue(
            ComplaintStatus::Received,
            day(1),
            day(6)
        ));
        assert!(!complaint_overdue(
            ComplaintStatus::Answered,
            day(1),
            day(30)
        ));
    }
}
