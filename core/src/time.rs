//! Wall-clock time as the protocol carries it.
//!
//! The core never reads a clock: every time-dependent call takes `now: Timestamp` from the
//! driver. Tokens, quotes and receipts carry `google.protobuf.Timestamp` expiries, so the one
//! time type is a point on the Unix time line with nanosecond resolution. Spans are
//! [`Duration`] (re-exported from `core::time`, so drivers can pass `std` durations directly).

use core::fmt;

pub use core::time::Duration;

use nilvm_proto::well_known;

const NANOS_PER_SECOND: u32 = 1_000_000_000;

/// Errors converting to or from a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The nanoseconds were negative or not below one second.
    #[error("timestamp nanos out of range: {0}")]
    NanosOutOfRange(i64),
}

/// A point in time: seconds and nanoseconds since the Unix epoch (UTC), as in
/// `google.protobuf.Timestamp`.
///
/// Ordering is chronological. Seconds may be negative (before 1970); nanos are always in
/// `0..1_000_000_000`.
///
/// ```
/// use nilvm_core::time::{Duration, Timestamp};
///
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let later = now.checked_add(Duration::from_secs(60)).unwrap();
/// assert!(later > now);
/// assert_eq!(later.duration_since(now), Some(Duration::from_secs(60)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    // Field order matters: derived `Ord` compares seconds first.
    seconds: i64,
    nanos: u32,
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp {
        seconds: 0,
        nanos: 0,
    };

    /// A timestamp from seconds and nanoseconds since the epoch.
    pub fn new(seconds: i64, nanos: u32) -> Result<Self, TimeError> {
        if nanos >= NANOS_PER_SECOND {
            return Err(TimeError::NanosOutOfRange(i64::from(nanos)));
        }
        Ok(Timestamp { seconds, nanos })
    }

    /// A timestamp at a whole second since the epoch.
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp { seconds, nanos: 0 }
    }

    /// Seconds since the epoch.
    pub const fn seconds(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub const fn nanos(&self) -> u32 {
        self.nanos
    }

    /// `self + duration`, or `None` on overflow.
    pub fn checked_add(&self, duration: Duration) -> Option<Timestamp> {
        let secs = i64::try_from(duration.as_secs()).ok()?;
        let mut seconds = self.seconds.checked_add(secs)?;
        let mut nanos = self.nanos + duration.subsec_nanos();
        if nanos >= NANOS_PER_SECOND {
            nanos -= NANOS_PER_SECOND;
            seconds = seconds.checked_add(1)?;
        }
        Some(Timestamp { seconds, nanos })
    }

    /// `self - duration`, or `None` on overflow.
    pub fn checked_sub(&self, duration: Duration) -> Option<Timestamp> {
        let secs = i64::try_from(duration.as_secs()).ok()?;
        let mut seconds = self.seconds.checked_sub(secs)?;
        let sub = duration.subsec_nanos();
        let nanos = if self.nanos >= sub {
            self.nanos - sub
        } else {
            seconds = seconds.checked_sub(1)?;
            self.nanos + NANOS_PER_SECOND - sub
        };
        Some(Timestamp { seconds, nanos })
    }

    /// `self + duration`, clamped to the latest representable timestamp.
    pub fn saturating_add(&self, duration: Duration) -> Timestamp {
        self.checked_add(duration).unwrap_or(Timestamp {
            seconds: i64::MAX,
            nanos: NANOS_PER_SECOND - 1,
        })
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later than `self`.
    pub fn duration_since(&self, earlier: Timestamp) -> Option<Duration> {
        if *self < earlier {
            return None;
        }
        // i128 cannot overflow for the difference of two i64 values.
        let diff = i128::from(self.seconds) - i128::from(earlier.seconds);
        let (secs, nanos) = if self.nanos >= earlier.nanos {
            (diff, self.nanos - earlier.nanos)
        } else {
            (diff - 1, self.nanos + NANOS_PER_SECOND - earlier.nanos)
        };
        Some(Duration::new(u64::try_from(secs).ok()?, nanos))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}s", self.seconds, self.nanos)
    }
}

impl Timestamp {
    /// The UTC calendar date (year, month 1-12, day 1-31), proleptic Gregorian.
    pub fn utc_date(&self) -> (i64, u32, u32) {
        civil_from_days(self.seconds.div_euclid(86_400))
    }

    /// Formats as RFC 3339 in UTC to the second, `YYYY-MM-DDTHH:MM:SSZ` (what the chain's JSON
    /// APIs and the CLI print).
    pub fn rfc3339(&self) -> Rfc3339 {
        Rfc3339(*self)
    }
}

/// A [`Timestamp`] displayed as RFC 3339 ([`Timestamp::rfc3339`]).
#[derive(Clone, Copy, Debug)]
pub struct Rfc3339(Timestamp);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.0.utc_date();
        let of_day = self.0.seconds.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        )
    }
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both stay in 1..=31 and 1..=12 by construction.
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl From<Timestamp> for well_known::Timestamp {
    fn from(value: Timestamp) -> Self {
        well_known::Timestamp {
            seconds: value.seconds,
            // Always below 10^9, so it fits.
            nanos: i32::try_from(value.nanos).unwrap_or(i32::MAX),
        }
    }
}

impl TryFrom<&well_known::Timestamp> for Timestamp {
    type Error = TimeError;

    fn try_from(value: &well_known::Timestamp) -> Result<Self, Self::Error> {
        let nanos = u32::try_from(value.nanos)
            .map_err(|_| TimeError::NanosOutOfRange(value.nanos.into()))?;
        Timestamp::new(value.seconds, nanos)
    }
}

impl TryFrom<well_known::Timestamp> for Timestamp {
    type Error = TimeError;

    fn try_from(value: well_known::Timestamp) -> Result<Self, Self::Error> {
        Timestamp::try_from(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn dates_are_gregorian_and_print_as_rfc3339() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        let at = Timestamp::from_unix_seconds;
        assert_eq!(at(0).rfc3339().to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            at(1_700_000_000).rfc3339().to_string(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            at(951_782_400).rfc3339().to_string(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(at(-1).rfc3339().to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn add_and_sub_carry_nanos() {
        let t = Timestamp::new(10, 900_000_000).unwrap();
        let later = t.checked_add(Duration::from_millis(200)).unwrap();
        assert_eq!(later, Timestamp::new(11, 100_000_000).unwrap());
        assert_eq!(later.checked_sub(Duration::from_millis(200)), Some(t));
        assert_eq!(later.duration_since(t), Some(Duration::from_millis(200)));
        assert_eq!(t.duration_since(later), None);
    }

    #[test]
    fn overflow_is_none_or_saturates() {
        let t = Timestamp::from_unix_seconds(i64::MAX);
        assert_eq!(t.checked_add(Duration::from_secs(1)), None);
        assert_eq!(t.saturating_add(Duration::from_secs(1)).seconds(), i64::MAX);
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MIN).checked_sub(Duration::from_nanos(1)),
            None
        );
        assert_eq!(t.checked_add(Duration::MAX), None);
    }

    #[test]
    fn proto_round_trip_and_validation() {
        let t = Timestamp::new(1_700_000_000, 123_456_000).unwrap();
        let proto: well_known::Timestamp = t.into();
        assert_eq!((proto.seconds, proto.nanos), (1_700_000_000, 123_456_000));
        assert_eq!(Timestamp::try_from(&proto), Ok(t));
        let bad = well_known::Timestamp {
            seconds: 1,
            nanos: -1,
        };
        assert_eq!(
            Timestamp::try_from(&bad),
            Err(TimeError::NanosOutOfRange(-1))
        );
        let bad = well_known::Timestamp {
            seconds: 1,
            nanos: 1_000_000_000,
        };
        assert!(Timestamp::try_from(bad).is_err());
        assert!(Timestamp::new(0, 1_000_000_000).is_err());
    }

    #[test]
    fn ordering_is_chronological() {
        let a = Timestamp::new(-1, 999_999_999).unwrap();
        let b = Timestamp::UNIX_EPOCH;
        let c = Timestamp::new(0, 1).unwrap();
        assert!(a < b && b < c);
    }
}
