//! The service's clock and the laboratory's time zone: what "now" and "today" are for due dates,
//! expiries, calibration dates and the times printed on documents (ISO/IEC 17025 §7.8.2.1 dates).
//!
//! One value, built from the configuration at start and carried by every request's context, so
//! the time zone has one source and tests can run the service at any instant they choose.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, SubsecRound, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: FixedOffset,
    /// Added to the system time: zero in service, any amount in a test that runs at a chosen instant.
    skew: Duration,
}

impl Clock {
    /// The system's time, in the laboratory's time zone.
    pub fn system(offset: FixedOffset) -> Clock {
        Clock {
            offset,
            skew: Duration::zero(),
        }
    }

    /// A clock that reads `start` now and runs on from there at the system's pace.
    pub fn starting_at(offset: FixedOffset, start: DateTime<Utc>) -> Clock {
        Clock {
            offset,
            skew: start - Utc::now(),
        }
    }

    /// The same clock in another time zone.
    pub fn in_offset(self, offset: FixedOffset) -> Clock {
        Clock { offset, ..self }
    }

    /// The laboratory's offset from UTC.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.skew
    }

    /// Now in UTC truncated to microseconds, for `*_at` columns: PostgreSQL keeps no more, and
    /// equal values must compare equal on both backends.
    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc().trunc_subsecs(6)
    }

    /// Today in the laboratory's time zone: the date every due, overdue, expiry and "not in the
    /// future" check uses, so that they agree with the dates printed on documents.
    pub fn today(&self) -> NaiveDate {
        self.local_date(self.now())
    }

    /// The date of an instant in the laboratory's time zone (a calibration's date from its start).
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_follows_the_lab_time_zone() {
        let hanoi = FixedOffset::east_opt(7 * 3600).unwrap();
        // 17:30 UTC is already the next day in Hanoi.
        let evening = "2026-12-02T17:30:00Z".parse().unwrap();
        let clock = Clock::starting_at(hanoi, evening);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        assert_eq!(
            clock.local_date(evening - Duration::hours(2)),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        let utc = Clock::starting_at(FixedOffset::east_opt(0).unwrap(), evening);
        assert_eq!(utc.today(), NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
    }

    #[test]
    fn a_started_clock_runs_on_from_its_start() {
        let start = "2028-02-29T03:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(FixedOffset::east_opt(7 * 3600).unwrap(), start);
        let now = clock.now();
        assert!(now >= start && now - start < Duration::minutes(1), "{now}");
        assert_eq!(
            clock.now_naive().and_utc().timestamp_subsec_nanos() % 1000,
            0
        );
    }
}
