//! Handling of customer items (ISO/IEC 17025 §7.4) and the agreed decision rule (§7.1.3): the item
//! status workflow, condition on receipt, tolerance specifications and recall dates.

use chrono::NaiveDate;

use super::traceability::default_due;

text_enum!(
    /// Where an item of a work order is in the lab. `registered` is an instrument's status before
    /// it first comes in.
    ItemStatus {
        Registered = "registered",
        Received = "received",
        InCalibration = "in_calibration",
        AwaitingApproval = "awaiting_approval",
        Approved = "approved",
        CertificateIssued = "certificate_issued",
        ReadyForReturn = "ready_for_return",
        Returned = "returned",
        OnHold = "on_hold",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// A customer's request for service: a draft until staff receive a work order for it
    /// (`accepted`) or decline it.
    ServiceRequestStatus { Requested = "requested", Accepted = "accepted", Declined = "declined" }
);

text_enum!(
    /// What the customer asked for.
    Service { Calibration = "calibration", Verification = "verification", Test = "test" }
);

text_enum!(
    /// The decision rule agreed at contract review (§7.1.3; ILAC-G8): no statement of conformity,
    /// simple acceptance, guarded acceptance with w = U, or a stated guard band.
    DecisionRuleKind { None = "none", Simple = "simple", Guarded = "guarded", GuardBand = "guard_band" }
);

text_enum!(
    /// Condition on receipt, as flags beside the free text.
    ConditionFlag {
        Damaged = "damaged",
        Incomplete = "incomplete",
        NotWorking = "not_working",
        SealBroken = "seal_broken",
        Dirty = "dirty",
    }
);

impl ItemStatus {
    /// Whether the workflow allows going from `self` to `to`. `on_hold` returns to where it was
    /// (checked by the caller with the remembered status); a cancelled item still goes back to
    /// its owner.
    pub fn can_become(self, to: ItemStatus) -> bool {
        use ItemStatus::*;
        matches!(
            (self, to),
            (Received, InCalibration)
                | (InCalibration, AwaitingApproval)
                | (AwaitingApproval, Approved)
                | (AwaitingApproval, InCalibration)
                | (Approved, CertificateIssued)
                | (CertificateIssued, ReadyForReturn)
                | (ReadyForReturn, Returned)
                | (
                    Received | InCalibration | AwaitingApproval | Approved,
                    OnHold
                )
                | (
                    Received | InCalibration | AwaitingApproval | OnHold,
                    Cancelled
                )
                | (Cancelled, ReadyForReturn)
        ) || (self == OnHold
            && !matches!(
                to,
                Registered | OnHold | Cancelled | Returned | ReadyForReturn
            ))
    }

    /// Transitions that must say why.
    pub fn needs_reason(self, to: ItemStatus) -> bool {
        matches!(to, ItemStatus::OnHold | ItemStatus::Cancelled)
            || (self == ItemStatus::AwaitingApproval && to == ItemStatus::InCalibration)
    }

    /// Statuses in which the item is physically in the lab.
    pub fn in_lab(self) -> bool {
        !matches!(self, ItemStatus::Registered | ItemStatus::Returned)
    }
}

/// A maximum permissible error over a range of the instrument: absolute (in its unit), relative
/// (a fraction of the reading), or both added.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToleranceBand {
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub mpe_absolute: Option<f64>,
    /// e.g. 0.005 for 0.5 % of reading.
    pub mpe_relative: Option<f64>,
}

impl ToleranceBand {
    pub fn covers(&self, value: f64) -> bool {
        self.range_min.is_none_or(|min| value >= min)
            && self.range_max.is_none_or(|max| value <= max)
    }

    /// The MPE at a reading.
    pub fn mpe_at(&self, value: f64) -> f64 {
        self.mpe_absolute.unwrap_or(0.0) + self.mpe_relative.unwrap_or(0.0) * value.abs()
    }

    /// Problems with this band, as (field suffix, message).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        if self.mpe_absolute.is_none() && self.mpe_relative.is_none() {
            problems.push((
                "mpe_absolute",
                "give an absolute or a relative MPE, or both",
            ));
        }
        for (field, value) in [
            ("mpe_absolute", self.mpe_absolute),
            ("mpe_relative", self.mpe_relative),
        ] {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                problems.push((field, "must be a finite number, not negative"));
            }
        }
        if let (Some(min), Some(max)) = (self.range_min, self.range_max) {
            if min > max {
                problems.push(("range_max", "must not be below range_min"));
            }
        }
        problems
    }
}

/// The MPE that applies at a reading: the first band that covers it.
pub fn mpe_at(bands: &[ToleranceBand], value: f64) -> Option<f64> {
    bands
        .iter()
        .find(|b| b.covers(value))
        .map(|b| b.mpe_at(value))
}

/// The recall date: the last calibration plus the customer's interval, when both are known.
pub fn next_due(
    last_calibrated_on: Option<NaiveDate>,
    interval_months: Option<i32>,
) -> Option<NaiveDate> {
    match (last_calibrated_on, interval_months) {
        (Some(last), Some(months)) if months > 0 => Some(default_due(last, months as u32)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::ItemStatus::*;
    use super::*;

    #[test]
    fn the_workflow_moves_forward_only_along_its_path() {
        let path = [
            Received,
            InCalibration,
            AwaitingApproval,
            Approved,
            CertificateIssued,
            ReadyForReturn,
            Returned,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{} -> {}", pair[0], pair[1]);
            assert!(
                !pair[1].can_become(pair[0]) || pair[1] == AwaitingApproval,
                "{} -> {}",
                pair[1],
                pair[0]
            );
        }
        assert!(!Received.can_become(Approved));
        assert!(!Returned.can_become(Received));
        assert!(!CertificateIssued.can_become(Cancelled));
        assert!(Cancelled.can_become(ReadyForReturn));
        assert!(OnHold.can_become(InCalibration));
        assert!(!OnHold.can_become(Returned));
        assert!(AwaitingApproval.needs_reason(InCalibration));
        assert!(Received.needs_reason(Cancelled));
    }

    #[test]
    fn tolerance_bands_and_recall() {
        let bands = vec![
            ToleranceBand {
                range_min: Some(0.0),
                range_max: Some(100.0),
                mpe_absolute: Some(0.1),
                mpe_relative: None,
            },
            ToleranceBand {
                range_min: Some(100.0),
                range_max: Some(1000.0),
                mpe_absolute: Some(0.1),
                mpe_relative: Some(0.001),
            },
        ];
        assert_eq!(mpe_at(&bands, 50.0), Some(0.1));
        assert!((mpe_at(&bands, 500.0).unwrap_or(0.0) - 0.6).abs() < 1e-12);
        assert_eq!(mpe_at(&bands, 2000.0), None);
        let date = |s: &str| s.parse::<NaiveDate>().ok();
        assert_eq!(next_due(date("2026-01-31"), Some(12)), date("2027-01-31"));
        assert_eq!(next_due(date("2026-01-31"), None), None);
    }
}

/// A person to reach at a customer organisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// What the contact does for the customer, e.g. "metrology officer".
    #[serde(default)]
    pub function: Option<String>,
}
