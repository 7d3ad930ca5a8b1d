//! Local time at a consulate: hearings, deadlines and checkpoint times are read and typed in
//! the consulate's own zone (a hearing in Los Angeles at 09:00 is 09:00 there), while the wire
//! and the log keep UTC. Pure functions over `chrono-tz`'s zone database.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::validate::{FieldCode, FieldError, err};

/// The first and last years Guardia takes from anyone (a date of birth, a hearing, a query's
/// bounds): the years RFC 3339 writes with four digits. Wider than any real date in a case (each
/// field narrows further where it means something), and far inside the years the date library
/// can count in, so that no sum or difference on an accepted date can overflow.
pub const FIRST_YEAR: i32 = 1000;
pub const LAST_YEAR: i32 = 9999;

/// `date`, or a field error naming `field` when it lies outside [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn date_in_range(field: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    use chrono::Datelike;
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(err(
            field,
            FieldCode::OutOfRange,
            format!("must be a date between {FIRST_YEAR} and {LAST_YEAR}"),
        ))
    }
}

/// [`date_in_range`] for an instant.
pub fn time_in_range(field: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    date_in_range(field, at.date_naive()).map(|_| at)
}

/// Midnight of `now`'s local day in `zone`, as an instant.
pub fn day_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&zone).date_naive();
    start_of(date, zone)
}

/// The first instant of `date` in `zone` (midnight, or the first valid time after a gap).
fn start_of(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut time = NaiveDateTime::new(date, NaiveTime::MIN);
    // A zone that jumps over midnight (some do, at a change of offset) starts its day later.
    for _ in 0..4 {
        if let Some(at) = earliest(zone.from_local_datetime(&time)) {
            return at;
        }
        time += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&NaiveDateTime::new(date, NaiveTime::MIN))
}

fn earliest(local: LocalResult<DateTime<Tz>>) -> Option<DateTime<Utc>> {
    match local {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        // The hour repeated when clocks go back: the first of the two.
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// `2026-11-22 09:30 PST`: local wall time with the zone's abbreviation.
pub fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `2026-11-22 09:30 PST (17:30 UTC)`, or only the UTC form when the zone is UTC.
pub fn local_and_utc(at: DateTime<Utc>, zone: Tz) -> String {
    if zone == chrono_tz::UTC {
        return at.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    format!("{} ({} UTC)", local(at, zone), at.format("%H:%M"))
}

/// A date in the zone's calendar (`2026-11-22`), for deadlines that fall on a day.
pub fn local_date(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Not `AAAA-MM-DD HH:MM`.
    Format,
    /// A wall time the clocks skip when they go forward (02:30 on the spring-forward night).
    Skipped,
}

/// Reads `2026-11-22 09:30` (or `2026-11-22T09:30`) typed as wall time in `zone`. On the night
/// clocks go back the repeated hour is read as its first occurrence, as people mean it.
pub fn parse_local(text: &str, zone: Tz) -> Result<DateTime<Utc>, LocalTimeError> {
    let text = text.trim().replacen('T', " ", 1);
    let naive = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S"))
        .map_err(|_| LocalTimeError::Format)?;
    earliest(zone.from_local_datetime(&naive)).ok_or(LocalTimeError::Skipped)
}

/// What a form shows in a time field to begin with: `now` as wall time in `zone`.
pub fn editable(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Los_Angeles, Phoenix};

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_day_begins_at_local_midnight() {
        // 03:00 in Los Angeles on the 22nd is 11:00 UTC.
        let now = utc("2026-11-22T11:00:00Z");
        assert_eq!(day_start(now, Los_Angeles), utc("2026-11-22T08:00:00Z"));
        // 23:30 UTC on the 21st is still the 21st in Los Angeles.
        let evening = utc("2026-11-21T23:30:00Z");
        assert_eq!(day_start(evening, Los_Angeles), utc("2026-11-21T08:00:00Z"));
        assert_eq!(day_start(now, chrono_tz::UTC), utc("2026-11-22T00:00:00Z"));
    }

    #[test]
    fn a_hearing_reads_in_the_consulates_time_with_utc_beside() {
        let at = utc("2026-11-23T17:30:00Z");
        assert_eq!(
            local_and_utc(at, Los_Angeles),
            "2026-11-23 09:30 PST (17:30 UTC)"
        );
        // Arizona keeps no daylight time: MST all year.
        assert_eq!(
            local(utc("2026-07-01T17:30:00Z"), Phoenix),
            "2026-07-01 10:30 MST"
        );
        assert_eq!(local_and_utc(at, chrono_tz::UTC), "2026-11-23 17:30 UTC");
    }

    #[test]
    fn typed_wall_time_becomes_the_right_instant() {
        assert_eq!(
            parse_local("2026-11-23 09:30", Los_Angeles),
            Ok(utc("2026-11-23T17:30:00Z"))
        );
        // Summer: PDT, seven hours behind.
        assert_eq!(
            parse_local("2026-07-01T09:30", Los_Angeles),
            Ok(utc("2026-07-01T16:30:00Z"))
        );
        assert_eq!(
            parse_local("23/11/2026 9:30", Los_Angeles),
            Err(LocalTimeError::Format)
        );
        // 2026-03-08 02:30 does not exist in Los Angeles.
        assert_eq!(
            parse_local("2026-03-08 02:30", Los_Angeles),
            Err(LocalTimeError::Skipped)
        );
        // 2026-11-01 01:30 happens twice: the first (PDT) is meant.
        assert_eq!(
            parse_local("2026-11-01 01:30", Los_Angeles),
            Ok(utc("2026-11-01T08:30:00Z"))
        );
    }

    #[test]
    fn what_a_form_starts_with_reads_back_as_the_same_minute() {
        let now = utc("2026-11-22T11:07:00Z");
        let shown = editable(now, Los_Angeles);
        assert_eq!(shown, "2026-11-22 03:07");
        assert_eq!(parse_local(&shown, Los_Angeles), Ok(now));
    }
}
