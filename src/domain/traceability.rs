//! Metrological traceability and fitness for use of measurement standards (ISO/IEC 17025 §6.4,
//! §6.5).
//!
//! A link of a chain is one incoming calibration of one standard. On a given date it is valid when
//! the standard was in service, the calibration was done on or before that date and not yet due, and
//! its issuer was acceptable: a national metrology institute, a lab accredited at the time, or another
//! issuer a quality manager has justified. A chain is valid when every link is.

use std::fmt;

use chrono::{Months, NaiveDate};

text_enum!(
    /// Whether a standard may be used at all.
    StandardStatus { InService = "in_service", OutOfService = "out_of_service", Quarantined = "quarantined", Retired = "retired" }
);
text_enum!(
    /// What a piece of equipment is in the lab's hierarchy.
    StandardKind {
        ReferenceStandard = "reference_standard",
        WorkingStandard = "working_standard",
        CheckStandard = "check_standard",
        ReferenceMaterial = "reference_material",
        Equipment = "equipment",
    }
);
text_enum!(
    /// Who an external calibration provider is.
    BodyKind { Nmi = "nmi", AccreditedLab = "accredited_lab", Other = "other" }
);
text_enum!(
    /// The standard's state as found by its calibration, before any adjustment.
    AsFound { InTolerance = "in_tolerance", OutOfTolerance = "out_of_tolerance", NotEvaluated = "not_evaluated" }
);
text_enum!(
    /// Where a standard stands against its due date.
    DueStatus { Ok = "ok", DueSoon = "due_soon", Overdue = "overdue" }
);

/// The default due date: the calibration date plus the interval (end of month clamped).
pub fn default_due(calibrated_on: NaiveDate, interval_months: u32) -> NaiveDate {
    calibrated_on
        .checked_add_months(Months::new(interval_months))
        .unwrap_or(NaiveDate::MAX)
}

/// `overdue` once the due date has passed (or when never calibrated), `due_soon` within the window.
pub fn due_status(due_on: Option<NaiveDate>, today: NaiveDate, within_days: i64) -> DueStatus {
    match due_on {
        None => DueStatus::Overdue,
        Some(due) if due < today => DueStatus::Overdue,
        Some(due) if (due - today).num_days() <= within_days => DueStatus::DueSoon,
        Some(_) => DueStatus::Ok,
    }
}

/// Who issued a calibration.
#[derive(Debug, Clone, PartialEq)]
pub enum Issuer {
    Body {
        kind: BodyKind,
        accreditation_valid_until: Option<NaiveDate>,
        justified: bool,
    },
    /// Another standard of the lab: its own link is judged next in the chain.
    Standard,
}

/// The facts about one link on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkFacts {
    pub on: NaiveDate,
    pub status_on_date: StandardStatus,
    /// (calibrated_on, due_on) of the calibration in force on the date, if any.
    pub calibration: Option<(NaiveDate, NaiveDate)>,
    pub issuer: Option<Issuer>,
}

/// Why a link, or a standard, is not good on a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LinkProblem {
    NoCertificate,
    Expired { due_on: NaiveDate },
    Quarantined,
    OutOfService,
    Retired,
    IssuerNotAcceptable { why: String },
    IntermediateCheckFailed { checked_on: NaiveDate },
    ChainTooDeep,
}

impl fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkProblem::NoCertificate => f.write_str("no calibration on or before the date"),
            LinkProblem::Expired { due_on } => write!(f, "calibration expired on {due_on}"),
            LinkProblem::Quarantined => f.write_str("quarantined"),
            LinkProblem::OutOfService => f.write_str("out of service"),
            LinkProblem::Retired => f.write_str("retired"),
            LinkProblem::IssuerNotAcceptable { why } => write!(f, "issuer not acceptable: {why}"),
            LinkProblem::IntermediateCheckFailed { checked_on } => {
                write!(f, "the last intermediate check, on {checked_on}, failed")
            }
            LinkProblem::ChainTooDeep => f.write_str("the chain is longer than any real hierarchy"),
        }
    }
}

/// Judges one link on its date; the first problem found, or none.
pub fn evaluate_link(facts: &LinkFacts) -> Option<LinkProblem> {
    match facts.status_on_date {
        StandardStatus::InService => {}
        StandardStatus::Quarantined => return Some(LinkProblem::Quarantined),
        StandardStatus::OutOfService => return Some(LinkProblem::OutOfService),
        StandardStatus::Retired => return Some(LinkProblem::Retired),
    }
    let Some((calibrated_on, due_on)) = facts.calibration else {
        return Some(LinkProblem::NoCertificate);
    };
    if facts.on > due_on {
        return Some(LinkProblem::Expired { due_on });
    }
    match &facts.issuer {
        Some(Issuer::Body { kind: BodyKind::Nmi, .. }) | Some(Issuer::Standard) | None => None,
        Some(Issuer::Body { kind: BodyKind::AccreditedLab, accreditation_valid_until, .. }) => {
            match accreditation_valid_until {
                Some(until) if *until < calibrated_on => Some(LinkProblem::IssuerNotAcceptable {
                    why: format!("its accreditation ended on {until}, before the calibration"),
                }),
                _ => None,
            }
        }
        Some(Issuer::Body { kind: BodyKind::Other, justified, .. }) => (!justified).then(|| {
            LinkProblem::IssuerNotAcceptable {
                why: "neither a national metrology institute nor accredited, and no justification is recorded".into(),
            }
        }),
    }
}

/// The one rule for using a standard on a date: its own link is good, the chain above it is good,
/// and its last intermediate check did not fail.
pub fn fitness(
    own: &LinkFacts,
    chain_problem: Option<&LinkProblem>,
    last_check_failed_on: Option<NaiveDate>,
) -> Result<(), LinkProblem> {
    if let Some(problem) = evaluate_link(own) {
        return Err(problem);
    }
    if let Some(checked_on) = last_check_failed_on {
        return Err(LinkProblem::IntermediateCheckFailed { checked_on });
    }
    match chain_problem {
        Some(problem) => Err(problem.clone()),
        None => Ok(()),
    }
}

/// The CMC at a value: an absolute part plus a relative part of |value|, either of which may be absent.
pub fn cmc_at(absolute: Option<f64>, relative: Option<f64>, value: f64) -> f64 {
    absolute.unwrap_or(0.0) + relative.unwrap_or(0.0) * value.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn link(
        on: &str,
        status: StandardStatus,
        cal: Option<(&str, &str)>,
        issuer: Option<Issuer>,
    ) -> LinkFacts {
        LinkFacts {
            on: date(on),
            status_on_date: status,
            calibration: cal.map(|(a, b)| (date(a), date(b))),
            issuer,
        }
    }

    const NMI: Issuer = Issuer::Body {
        kind: BodyKind::Nmi,
        accreditation_valid_until: None,
        justified: false,
    };

    #[test]
    fn a_link_is_valid_until_its_due_date_inclusive() {
        let cal = Some(("2026-01-10", "2027-01-10"));
        assert_eq!(
            evaluate_link(&link(
                "2027-01-10",
                StandardStatus::InService,
                cal,
                Some(NMI)
            )),
            None
        );
        assert_eq!(
            evaluate_link(&link(
                "2027-01-11",
                StandardStatus::InService,
                cal,
                Some(NMI)
            )),
            Some(LinkProblem::Expired {
                due_on: date("2027-01-10")
            })
        );
        assert_eq!(
            evaluate_link(&link("2026-05-01", StandardStatus::InService, None, None)),
            Some(LinkProblem::NoCertificate)
        );
        assert_eq!(
            evaluate_link(&link(
                "2026-05-01",
                StandardStatus::Quarantined,
                cal,
                Some(NMI)
            )),
            Some(LinkProblem::Quarantined)
        );
    }

    #[test]
    fn issuers_must_be_acceptable() {
        let cal = Some(("2026-01-10", "2027-01-10"));
        let other = |justified| Issuer::Body {
            kind: BodyKind::Other,
            accreditation_valid_until: None,
            justified,
        };
        assert!(evaluate_link(&link(
            "2026-02-01",
            StandardStatus::InService,
            cal,
            Some(other(false))
        ))
        .is_some());
        assert!(evaluate_link(&link(
            "2026-02-01",
            StandardStatus::InService,
            cal,
            Some(other(true))
        ))
        .is_none());
        let lapsed = Issuer::Body {
            kind: BodyKind::AccreditedLab,
            accreditation_valid_until: Some(date("2025-12-31")),
            justified: false,
        };
        assert!(evaluate_link(&link(
            "2026-02-01",
            StandardStatus::InService,
            cal,
            Some(lapsed)
        ))
        .is_some());
    }

    #[test]
    fn fitness_adds_the_chain_and_the_checks() {
        let own = link(
            "2026-02-01",
            StandardStatus::InService,
            Some(("2026-01-10", "2027-01-10")),
            Some(Issuer::Standard),
        );
        assert_eq!(fitness(&own, None, None), Ok(()));
        assert_eq!(
            fitness(&own, None, Some(date("2026-01-20"))),
            Err(LinkProblem::IntermediateCheckFailed {
                checked_on: date("2026-01-20")
            })
        );
        assert_eq!(
            fitness(&own, Some(&LinkProblem::Quarantined), None),
            Err(LinkProblem::Quarantined)
        );
    }

    #[test]
    fn due_dates_and_status() {
        assert_eq!(default_due(date("2026-01-31"), 1), date("2026-02-28"));
        assert_eq!(default_due(date("2026-03-15"), 12), date("2027-03-15"));
        let today = date("2026-06-01");
        assert_eq!(
            due_status(Some(date("2026-05-31")), today, 30),
            DueStatus::Overdue
        );
        assert_eq!(
            due_status(Some(date("2026-06-01")), today, 30),
            DueStatus::DueSoon
        );
        assert_eq!(
            due_status(Some(date("2026-07-01")), today, 30),
            DueStatus::DueSoon
        );
        assert_eq!(
            due_status(Some(date("2026-07-02")), today, 30),
            DueStatus::Ok
        );
        assert_eq!(due_status(None, today, 30), DueStatus::Overdue);
    }

    #[test]
    fn cmc_combines_absolute_and_relative_parts() {
        assert!((cmc_at(Some(0.5), Some(2e-6), 10.0) - 0.50002).abs() < 1e-12);
        assert_eq!(cmc_at(None, Some(1e-3), -200.0), 0.2);
    }
}

/// One calibrated point as the issuer's certificate states it; values keep their digits.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationPoint {
    pub nominal: crate::domain::Decimal,
    /// The measured or conventional value.
    pub value: Option<crate::domain::Decimal>,
    pub correction: Option<crate::domain::Decimal>,
    pub expanded_uncertainty: crate::domain::Decimal,
    pub coverage_factor: f64,
    pub unit: String,
    /// Before adjustment, where the standard was adjusted.
    pub as_found: Option<crate::domain::Decimal>,
    pub as_left: Option<crate::domain::Decimal>,
}
