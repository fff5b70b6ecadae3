//! The Swedish working-day calendar and response deadlines.
//!
//! Holidays follow the rules in force since 2005 (nationaldagen a holiday, annandag pingst not)
//! and are applied to every year. Easter comes from the Gregorian computus. Dates outside
//! jiff's range (years −9999 to 9999) panic.

use crate::Date;
use jiff::civil::{Time, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

/// Swedish public holidays and de facto non-working days of `year`, sorted, with their Swedish names.
///
/// Nyårsdagen, trettondedag jul, långfredagen, påskdagen, annandag påsk, första maj, Kristi
/// himmelsfärds dag, pingstdagen, Sveriges nationaldag (6 June), midsommarafton (Friday 19–25 June),
/// midsommardagen (Saturday 20–26 June), alla helgons dag (Saturday 31 Oct–6 Nov), julafton,
/// juldagen, annandag jul and nyårsafton.
pub fn swedish_holidays(year: i16) -> Vec<(Date, &'static str)> {
    let easter = easter(year);
    let mut days = vec![
        (date(year, 1, 1), "nyårsdagen"),
        (date(year, 1, 6), "trettondedag jul"),
        (shift(easter, -2), "långfredagen"),
        (easter, "påskdagen"),
        (shift(easter, 1), "annandag påsk"),
        (date(year, 5, 1), "första maj"),
        (shift(easter, 39), "Kristi himmelsfärds dag"),
        (shift(easter, 49), "pingstdagen"),
        (date(year, 6, 6), "Sveriges nationaldag"),
        (first_on_or_after(date(year, 6, 19), Weekday::Friday), "midsommarafton"),
        (first_on_or_after(date(year, 6, 20), Weekday::Saturday), "midsommardagen"),
        (first_on_or_after(date(year, 10, 31), Weekday::Saturday), "alla helgons dag"),
        (date(year, 12, 24), "julafton"),
        (date(year, 12, 25), "juldagen"),
        (date(year, 12, 26), "annandag jul"),
        (date(year, 12, 31), "nyårsafton"),
    ];
    // Pingstdagen can fall on 6 June; the sort is stable, so the order stays by date then by list.
    days.sort_by_key(|&(d, _)| d);
    days
}

/// Monday–Friday and not one of the days in [`swedish_holidays`].
pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        && !swedish_holidays(date.year()).iter().any(|&(d, _)| d == date)
}

/// The date `n` working days after `date` (n = 0: `date` itself if a working day, else the next working day).
///
/// A non-working `date` first moves to the next working day, so Saturday + 1 is Tuesday, as in
/// [`Deadline::due`].
pub fn add_working_days(date: Date, n: u32) -> Date {
    let mut d = date;
    while !is_working_day(d) {
        d = next_day(d);
    }
    for _ in 0..n {
        d = next_day(d);
        while !is_working_day(d) {
            d = next_day(d);
        }
    }
    d
}

/// A response deadline: a number of hours, or of working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deadline {
    /// A number of hours, counted around the clock.
    Hours(u32),
    /// A number of working days (see [`is_working_day`]).
    WorkingDays(u32),
}

/// Where working days are counted, and when a working day starts.
const TIME_ZONE: &str = "Europe/Stockholm";
const DAY_START: Time = Time::constant(8, 0, 0, 0);

impl Deadline {
    /// When a report made at `from` is due.
    ///
    /// Hours: `from` + hours (at most `Timestamp::MAX`). Working days: in Europe/Stockholm local
    /// time, the same clock time `n` working days later; a report made on a non-working day counts
    /// from the start (08:00) of the next working day. DST-correct: a clock time missing on the due
    /// day moves forward, one that occurs twice takes the earlier.
    pub fn due(self, from: Timestamp) -> Timestamp {
        match self {
            Deadline::Hours(h) => {
                from.checked_add(SignedDuration::from_hours(i64::from(h))).unwrap_or(Timestamp::MAX)
            }
            Deadline::WorkingDays(n) => {
                let tz = TimeZone::get(TIME_ZONE).expect("the bundled tz database has Europe/Stockholm");
                let local = from.to_zoned_datetime(tz.clone()).datetime();
                let time = if is_working_day(local.date()) { local.time() } else { DAY_START };
                add_working_days(local.date(), n)
                    .to_datetime(time)
                    .to_zoned_datetime(tz)
                    .expect("a Stockholm time within jiff's range")
                    .timestamp()
            }
        }
    }

    /// Human text in Swedish or English, e.g. "24 timmar" / "2 arbetsdagar", "24 hours" / "2 working days".
    pub fn describe(self, english: bool) -> String {
        let (n, one, many) = match (self, english) {
            (Deadline::Hours(n), false) => (n, "timme", "timmar"),
            (Deadline::Hours(n), true) => (n, "hour", "hours"),
            (Deadline::WorkingDays(n), false) => (n, "arbetsdag", "arbetsdagar"),
            (Deadline::WorkingDays(n), true) => (n, "working day", "working days"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// Easter Sunday of `year` by the anonymous Gregorian computus (Meeus/Jones/Butcher).
fn easter(year: i16) -> Date {
    let y = i32::from(year);
    // Euclidean division throughout, so that every intermediate stays in range for any year.
    let a = y.rem_euclid(19);
    let (b, c) = (y.div_euclid(100), y.rem_euclid(100));
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1–31, so the casts cannot truncate.
    date(year, month as i8, day as i8)
}

fn shift(d: Date, days: i64) -> Date {
    d.checked_add(Span::new().days(days)).expect("a date within jiff's range")
}

fn next_day(d: Date) -> Date {
    d.tomorrow().expect("a date within jiff's range")
}

fn first_on_or_after(d: Date, weekday: Weekday) -> Date {
    if d.weekday() == weekday { d } else { d.nth_weekday(1, weekday).expect("a date within jiff's range") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holidays(year: i16) -> Vec<(String, &'static str)> {
        swedish_holidays(year).into_iter().map(|(d, n)| (d.to_string(), n)).collect()
    }

    fn expect(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        list.iter().map(|&(d, n)| (d.to_string(), n)).collect()
    }

    #[test]
    fn holidays_2024() {
        assert_eq!(
            holidays(2024),
            expect(&[
                ("2024-01-01", "nyårsdagen"),
                ("2024-01-06", "trettondedag jul"),
                ("2024-03-29", "långfredagen"),
                ("2024-03-31", "påskdagen"),
                ("2024-04-01", "annandag påsk"),
                ("2024-05-01", "första maj"),
                ("2024-05-09", "Kristi himmelsfärds dag"),
                ("2024-05-19", "pingstdagen"),
                ("2024-06-06", "Sveriges nationaldag"),
                ("2024-06-21", "midsommarafton"),
                ("2024-06-22", "midsommardagen"),
                ("2024-11-02", "alla helgons dag"),
                ("2024-12-24", "julafton"),
                ("2024-12-25", "juldagen"),
                ("2024-12-26", "annandag jul"),
                ("2024-12-31", "nyårsafton"),
            ])
        );
    }

    #[test]
    fn holidays_2025() {
        assert_eq!(
            holidays(2025),
            expect(&[
                ("2025-01-01", "nyårsdagen"),
                ("2025-01-06", "trettondedag jul"),
                ("2025-04-18", "långfredagen"),
                ("2025-04-20", "påskdagen"),
                ("2025-04-21", "annandag påsk"),
                ("2025-05-01", "första maj"),
                ("2025-05-29", "Kristi himmelsfärds dag"),
                ("2025-06-06", "Sveriges nationaldag"),
                ("2025-06-08", "pingstdagen"),
                ("2025-06-20", "midsommarafton"),
                ("2025-06-21", "midsommardagen"),
                ("2025-11-01", "alla helgons dag"),
                ("2025-12-24", "julafton"),
                ("2025-12-25", "juldagen"),
                ("2025-12-26", "annandag jul"),
                ("2025-12-31", "nyårsafton"),
            ])
        );
    }

    #[test]
    fn holidays_2026() {
        assert_eq!(
            holidays(2026),
            expect(&[
                ("2026-01-01", "nyårsdagen"),
                ("2026-01-06", "trettondedag jul"),
                ("2026-04-03", "långfredagen"),
                ("2026-04-05", "påskdagen"),
                ("2026-04-06", "annandag påsk"),
                ("2026-05-01", "första maj"),
                ("2026-05-14", "Kristi himmelsfärds dag"),
                ("2026-05-24", "pingstdagen"),
                ("2026-06-06", "Sveriges nationaldag"),
                ("2026-06-19", "midsommarafton"),
                ("2026-06-20", "midsommardagen"),
                ("2026-10-31", "alla helgons dag"),
                ("2026-12-24", "julafton"),
                ("2026-12-25", "juldagen"),
                ("2026-12-26", "annandag jul"),
                ("2026-12-31", "nyårsafton"),
            ])
        );
    }

    #[test]
    fn midsummer_and_all_saints_stay_in_their_windows() {
        for year in 1900..=2200 {
            let h = swedish_holidays(year);
            let find = |name| h.iter().find(|&&(_, n)| n == name).unwrap().0;
            let eve = find("midsommarafton");
            assert_eq!(eve.weekday(), Weekday::Friday);
            assert!(eve >= date(year, 6, 19) && eve <= date(year, 6, 25), "{eve}");
            assert_eq!(find("midsommardagen"), next_day(eve));
            let saints = find("alla helgons dag");
            assert_eq!(saints.weekday(), Weekday::Saturday);
            assert!(saints >= date(year, 10, 31) && saints <= date(year, 11, 6), "{saints}");
            assert!(h.windows(2).all(|w| w[0].0 <= w[1].0));
        }
    }

    #[test]
    fn easter_in_known_years() {
        for (y, m, d) in [
            (1818, 3, 22),
            (1886, 4, 25),
            (1943, 4, 25),
            (1961, 4, 2),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2020, 4, 12),
            (2021, 4, 4),
            (2022, 4, 17),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2030, 4, 21),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter(y), date(y, m, d), "{y}");
        }
    }

    #[test]
    fn working_days() {
        assert!(is_working_day(date(2025, 6, 5)));
        for d in [date(2025, 6, 6), date(2025, 6, 7), date(2025, 6, 8), date(2025, 6, 20), date(2025, 12, 24)]
        {
            assert!(!is_working_day(d), "{d}");
        }
        // Thursday 2025-04-17 + 1 → Tuesday 22 April, over Easter.
        assert_eq!(add_working_days(date(2025, 4, 17), 1), date(2025, 4, 22));
        assert_eq!(add_working_days(date(2025, 4, 17), 0), date(2025, 4, 17));
        assert_eq!(add_working_days(date(2025, 4, 18), 0), date(2025, 4, 22));
        // Friday + 1 → Monday; Saturday + 0 → Monday; Saturday + 1 → Tuesday.
        assert_eq!(add_working_days(date(2025, 3, 7), 1), date(2025, 3, 10));
        assert_eq!(add_working_days(date(2025, 3, 8), 0), date(2025, 3, 10));
        assert_eq!(add_working_days(date(2025, 3, 8), 1), date(2025, 3, 11));
        // Christmas to the new year: 23 Dec 2025 + 1 → 29 Dec; + 3 → 2 Jan 2026.
        assert_eq!(add_working_days(date(2025, 12, 23), 1), date(2025, 12, 29));
        assert_eq!(add_working_days(date(2025, 12, 23), 3), date(2026, 1, 2));
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn hours_are_absolute() {
        assert_eq!(Deadline::Hours(24).due(ts("2025-03-29T10:00:00Z")), ts("2025-03-30T10:00:00Z"));
        assert_eq!(Deadline::Hours(0).due(ts("2025-03-29T10:00:00Z")), ts("2025-03-29T10:00:00Z"));
    }

    #[test]
    fn working_days_across_a_weekend() {
        // Friday 7 March 2025 14:30 CET → Tuesday 11 March 14:30 CET.
        let due = Deadline::WorkingDays(2).due(ts("2025-03-07T13:30:00Z"));
        assert_eq!(due, ts("2025-03-11T13:30:00Z"));
    }

    #[test]
    fn working_days_across_easter() {
        // Thursday 17 April 2025 16:00 CEST + 2 → Wednesday 23 April 16:00 CEST.
        let due = Deadline::WorkingDays(2).due(ts("2025-04-17T14:00:00Z"));
        assert_eq!(due, ts("2025-04-23T14:00:00Z"));
    }

    #[test]
    fn working_days_across_dst_changes() {
        // Friday 28 March 2025 10:00 CET + 1 → Monday 31 March 10:00 CEST (clocks went forward on the 30th).
        let due = Deadline::WorkingDays(1).due(ts("2025-03-28T09:00:00Z"));
        assert_eq!(due, ts("2025-03-31T08:00:00Z"));
        // Friday 24 October 2025 10:00 CEST + 1 → Monday 27 October 10:00 CET.
        let due = Deadline::WorkingDays(1).due(ts("2025-10-24T08:00:00Z"));
        assert_eq!(due, ts("2025-10-27T09:00:00Z"));
    }

    #[test]
    fn working_days_from_a_non_working_day_start_at_eight() {
        // Saturday 8 March 2025 22:00 CET → counts from Monday 08:00; + 1 → Tuesday 11 March 08:00 CET.
        let due = Deadline::WorkingDays(1).due(ts("2025-03-08T21:00:00Z"));
        assert_eq!(due, ts("2025-03-11T07:00:00Z"));
        // Local time decides: Saturday 00:30 CET is Friday in UTC, but counts from Monday 08:00…
        let due = Deadline::WorkingDays(1).due(ts("2025-03-07T23:30:00Z"));
        assert_eq!(due, ts("2025-03-11T07:00:00Z"));
        // …and Monday 00:30 CET is Sunday in UTC, but is a Monday report: due Tuesday 00:30 CET.
        let due = Deadline::WorkingDays(1).due(ts("2025-03-09T23:30:00Z"));
        assert_eq!(due, ts("2025-03-10T23:30:00Z"));
        // Zero working days from Saturday: Monday 08:00.
        let due = Deadline::WorkingDays(0).due(ts("2025-03-08T12:00:00Z"));
        assert_eq!(due, ts("2025-03-10T07:00:00Z"));
        // Påskdagen 2025 (CEST) + 1 → Wednesday 23 April 08:00 CEST.
        let due = Deadline::WorkingDays(1).due(ts("2025-04-20T10:00:00Z"));
        assert_eq!(due, ts("2025-04-23T06:00:00Z"));
    }

    #[test]
    fn describes_in_both_languages() {
        assert_eq!(Deadline::Hours(24).describe(false), "24 timmar");
        assert_eq!(Deadline::Hours(1).describe(false), "1 timme");
        assert_eq!(Deadline::WorkingDays(2).describe(false), "2 arbetsdagar");
        assert_eq!(Deadline::WorkingDays(1).describe(false), "1 arbetsdag");
        assert_eq!(Deadline::Hours(24).describe(true), "24 hours");
        assert_eq!(Deadline::Hours(1).describe(true), "1 hour");
        assert_eq!(Deadline::WorkingDays(2).describe(true), "2 working days");
        assert_eq!(Deadline::WorkingDays(1).describe(true), "1 working day");
    }
}
