//! The duty roster: who is on duty at each consulate and when. Rotations repeat each week in the
//! consulate's own time zone (a night shift crosses midnight); overrides put someone on duty for
//! a stretch, or take them off it (leave, illness), and win over rotations. Pure: shifts and a
//! time in, people out.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::validate::{FieldCode, FieldError, err};

/// Longest override: a month. Longer ones are rotations.
pub const MAX_OVERRIDE_DAYS: i64 = 31;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub consulate: String,
    pub staff_id: i64,
    /// Copied so the roster reads the same if the staff list changes.
    pub name: String,
    pub when: When,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum When {
    /// Each listed weekday (1 Monday … 7 Sunday), from `start` local time, for `hours`.
    Rotation {
        weekdays: Vec<u8>,
        start: NaiveTime,
        hours: u32,
    },
    /// From `from` to `to`: on duty, or (`off`) not on duty whatever the rotation says.
    Override {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[serde(default)]
        off: bool,
    },
}

/// A consulate's roster as the API shows it: its shifts with their ids, who is on duty now, and
/// the officers and supervisors who can be put on it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DutyView {
    pub shifts: Vec<(u64, Shift)>,
    pub on_duty: Vec<(i64, String)>,
    #[serde(default)]
    pub staff: Vec<(i64, String)>,
}

/// What a supervisor sends to set a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftRequest {
    /// Whose roster: a consulate's supervisor sets their own (left out); a national supervisor
    /// names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consulate: Option<String>,
    pub staff_id: i64,
    #[serde(default)]
    pub weekdays: Vec<u8>,
    /// `HH:MM`, the consulate's local time.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    #[serde(default)]
    pub off: bool,
}

/// Checks a shift: a rotation (weekdays, start, hours) or an override (from, to), not both.
pub fn validate(req: &ShiftRequest) -> Result<When, FieldError> {
    match (req.from, req.to) {
        (Some(from), Some(to)) => {
            if !req.weekdays.is_empty() || req.start.is_some() || req.hours.is_some() {
                return Err(err(
                    "from",
                    FieldCode::InvalidFormat,
                    "an override has from and to only; a rotation has weekdays, start and hours",
                ));
            }
            if to <= from || to - from > Duration::days(MAX_OVERRIDE_DAYS) {
                return Err(err(
                    "to",
                    FieldCode::OutOfRange,
                    format!("must be after from, and at most {MAX_OVERRIDE_DAYS} days later"),
                ));
            }
            Ok(When::Override {
                from,
                to,
                off: req.off,
            })
        }
        (None, None) => {
            if req.weekdays.is_empty() || req.weekdays.iter().any(|d| !(1..=7).contains(d)) {
                return Err(err(
                    "weekdays",
                    FieldCode::InvalidFormat,
                    "must list days 1 (Monday) to 7 (Sunday)",
                ));
            }
            let start = req
                .start
                .as_deref()
                .and_then(|s| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok())
                .ok_or_else(|| {
                    err(
                        "start",
                        FieldCode::InvalidFormat,
                        "must be a time written HH:MM",
                    )
                })?;
            let hours = req
                .hours
                .filter(|h| (1..=24).contains(h))
                .ok_or_else(|| err("hours", FieldCode::OutOfRange, "must be 1 to 24 hours"))?;
            let mut weekdays = req.weekdays.clone();
            weekdays.sort_unstable();
            weekdays.dedup();
            Ok(When::Rotation {
                weekdays,
                start,
                hours,
            })
        }
        _ => Err(err(
            "to",
            FieldCode::Required,
            "an override needs both from and to",
        )),
    }
}

/// A wall-clock time in `tz` as an instant. A time the clocks skip (spring forward) is the
/// moment they resume: a shift meant to start at 02:30 starts when 02:30 would have been, not
/// never. A time they repeat (fall back) is the first of the two for a start and the second for
/// an end, so a shift is never shorter than its wall-clock stretch: the day's shifts meet or
/// overlap, and nobody is left off duty by a clock change.
fn wall(tz: Tz, local: chrono::NaiveDateTime, end: bool) -> DateTime<Utc> {
    use chrono::LocalResult;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => {
            if end { second } else { first }.with_timezone(&Utc)
        }
        // In the gap: read with the offset in force just before it, which is the instant the
        // clocks jumped past this time.
        LocalResult::None => {
            let before = tz
                .from_local_datetime(&(local - Duration::hours(3)))
                .earliest()
                .map(|t| t.offset().fix())
                .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset"));
            before
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&local))
        }
    }
}

/// The stretch of this shift that contains `at`, if any: (start, end). A rotation runs from its
/// start to its end on the consulate's wall clock ("22:00 for 8 hours" ends at 06:00 local, when
/// the day shift starts, whether that night is 7 hours long, 8 or 9).
pub fn covering(when: &When, tz: Tz, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    match when {
        When::Override { from, to, .. } => (*from <= at && at < *to).then_some((*from, *to)),
        When::Rotation {
            weekdays,
            start,
            hours,
        } => {
            let local = at.with_timezone(&tz).date_naive();
            // A shift that began yesterday may still be running (a night shift).
            for back in 0..=1 {
                let day = local - Duration::days(back);
                let weekday = day.weekday().number_from_monday() as u8;
                if !weekdays.contains(&weekday) {
                    continue;
                }
                let from = day.and_time(*start);
                let begin = wall(tz, from, false);
                let end = wall(tz, from + Duration::hours(*hours as i64), true);
                if begin <= at && at < end {
                    return Some((begin, end));
                }
            }
            None
        }
    }
}

/// Who is on duty at `at` among one consulate's shifts: anyone on an override; anyone on a
/// rotation unless an `off` override covers them. Each person once, by name.
pub fn on_duty(shifts: &[Shift], tz: Tz, at: DateTime<Utc>) -> Vec<(i64, String)> {
    let off = |id: i64| {
        shifts.iter().any(|s| {
            s.staff_id == id
                && matches!(s.when, When::Override { off: true, .. })
                && covering(&s.when, tz, at).is_some()
        })
    };
    let mut out: Vec<(i64, String)> = shifts
        .iter()
        .filter(|s| !matches!(s.when, When::Override { off: true, .. }))
        .filter(|s| covering(&s.when, tz, at).is_some() && !off(s.staff_id))
        .map(|s| (s.staff_id, s.name.clone()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    out.dedup_by_key(|p| p.0);
    out
}

/// When the current shift ends: the earliest end among those on duty (the handover), if
/// anyone is.
pub fn shift_ends(shifts: &[Shift], tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let on: Vec<i64> = on_duty(shifts, tz, at).into_iter().map(|p| p.0).collect();
    shifts
        .iter()
        .filter(|s| on.contains(&s.staff_id))
        .filter_map(|s| covering(&s.when, tz, at).map(|(_, end)| end))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> Tz {
        "America/Los_Angeles".parse().unwrap()
    }

    fn shift(id: i64, name: &str, when: When) -> Shift {
        Shift {
            consulate: "los-angeles".into(),
            staff_id: id,
            name: name.into(),
            when,
        }
    }

    fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        tz().with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn clock_changes_leave_nobody_off_duty_and_drop_no_shift() {
        let all = [1, 2, 3, 4, 5, 6, 7];
        let shifts = [
            shift(1, "Noche", rotation(&all, "22:00", 8)),
            shift(2, "Día", rotation(&all, "06:00", 16)),
        ];
        // Fall back (2026-11-01, 02:00 PDT → 01:00 PST: a 9-hour night) and spring forward
        // (2026-03-08, 02:00 PST → 03:00 PDT: a 7-hour night), every five minutes.
        for (from, to) in [
            (local(2026, 10, 31, 18), local(2026, 11, 1, 12)),
            (local(2026, 3, 7, 18), local(2026, 3, 8, 12)),
        ] {
            let mut at = from;
            while at < to {
                assert!(!on_duty(&shifts, tz(), at).is_empty(), "nobody at {at}");
                at += Duration::minutes(5);
            }
        }
        // The night of the fall back runs to 06:00 on the wall clock: nine hours.
        let (begin, end) = covering(&shifts[0].when, tz(), local(2026, 11, 1, 4)).unwrap();
        assert_eq!(end - begin, Duration::hours(9));
        assert_eq!(end, local(2026, 11, 1, 6));
        // A shift that starts in the hour the clocks skip starts when they resume, not never.
        let early = [shift(3, "Madrugada", rotation(&all, "02:30", 4))];
        let during = tz()
            .with_ymd_and_hms(2026, 3, 8, 3, 45, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            on_duty(&early, tz(), during),
            [(3, "Madrugada".to_string())]
        );
        let (begin, end) = covering(&early[0].when, tz(), during).unwrap();
        assert_eq!(
            begin.with_timezone(&tz()).format("%H:%M").to_string(),
            "03:30"
        );
        assert_eq!(end, local(2026, 3, 8, 6) + Duration::minutes(30));
    }

    fn rotation(days: &[u8], start: &str, hours: u32) -> When {
        validate(&ShiftRequest {
            consulate: None,
            staff_id: 1,
            weekdays: days.to_vec(),
            start: Some(start.into()),
            hours: Some(hours),
            from: None,
            to: None,
            off: false,
        })
        .unwrap()
    }

    #[test]
    fn a_night_rotation_crosses_midnight_and_leave_takes_precedence() {
        // 2026-11-23 is a Monday.
        let shifts = vec![
            shift(1, "Ana", rotation(&[1, 2, 3, 4, 5], "08:00", 10)),
            shift(2, "Beto", rotation(&[1, 2, 3, 4, 5, 6, 7], "20:00", 12)),
        ];
        let names = |at| -> Vec<String> {
            on_duty(&shifts, tz(), at)
                .into_iter()
                .map(|p| p.1)
                .collect()
        };
        assert_eq!(names(local(2026, 11, 23, 9)), vec!["Ana"]);
        assert_eq!(
            names(local(2026, 11, 24, 3)),
            vec!["Beto"],
            "Monday's night"
        );
        assert!(
            names(local(2026, 11, 23, 19)).is_empty(),
            "nobody between 18 and 20"
        );
        assert_eq!(
            shift_ends(&shifts, tz(), local(2026, 11, 23, 9)),
            Some(local(2026, 11, 23, 18))
        );
        let mut with_leave = shifts.clone();
        with_leave.push(shift(
            1,
            "Ana",
            When::Override {
                from: local(2026, 11, 23, 0),
                to: local(2026, 11, 24, 0),
                off: true,
            },
        ));
        with_leave.push(shift(
            3,
            "Carla",
            When::Override {
                from: local(2026, 11, 23, 8),
                to: local(2026, 11, 23, 18),
                off: false,
            },
        ));
        let on: Vec<String> = on_duty(&with_leave, tz(), local(2026, 11, 23, 9))
            .into_iter()
            .map(|p| p.1)
            .collect();
        assert_eq!(on, vec!["Carla"]);
    }

    #[test]
    fn bad_shifts_name_their_field() {
        let base = ShiftRequest {
            consulate: None,
            staff_id: 1,
            weekdays: vec![8],
            start: Some("08:00".into()),
            hours: Some(8),
            from: None,
            to: None,
            off: false,
        };
        assert_eq!(validate(&base).unwrap_err().field, "weekdays");
        let mut r = base.clone();
        r.weekdays = vec![1];
        r.start = Some("8am".into());
        assert_eq!(validate(&r).unwrap_err().field, "start");
        r.start = Some("08:00".into());
        r.hours = Some(30);
        assert_eq!(validate(&r).unwrap_err().field, "hours");
        let mut o = base.clone();
        o.weekdays.clear();
        o.start = None;
        o.hours = None;
        o.from = Some(local(2026, 11, 23, 8));
        assert_eq!(validate(&o).unwrap_err().field, "to");
        o.to = Some(local(2026, 11, 23, 7));
        assert_eq!(validate(&o).unwrap_err().field, "to");
    }
}
