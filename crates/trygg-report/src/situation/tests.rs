//! Unit tests of the report's time windows.

use super::ReportPeriod;
use super::scope::Window;
use jiff::civil::date;
use jiff::tz::TimeZone;
use trygg_core::Period;

fn ms(y: i16, m: i8, d: i8) -> i64 {
    date(y, m, d)
        .to_zoned_datetime(TimeZone::get("Europe/Stockholm").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

#[test]
fn a_finished_year_is_compared_with_the_year_before() {
    let w = Window::new(Period::Year(2025), ms(2026, 11, 26)).unwrap();
    assert!(w.complete);
    assert_eq!((w.current.label.as_str(), w.previous.label.as_str()), ("2025", "2024"));
    assert_eq!(w.current.from, ms(2025, 1, 1));
    assert_eq!(w.current.to, ms(2026, 1, 1));
    assert!(w.last_year.is_none(), "for a year the previous period is the same period last year");
}

#[test]
fn a_running_period_is_compared_with_equally_long_parts() {
    let w = Window::new(Period::Tertial(2026, 3), ms(2026, 11, 26)).unwrap();
    assert!(!w.complete);
    assert_eq!(w.current.to, ms(2026, 11, 27), "covers today");
    assert_eq!(w.previous.from, ms(2026, 5, 1));
    let days = |from: i64, to: i64| (to - from) / 86_400_000;
    assert_eq!(days(w.previous.from, w.previous.to), days(w.current.from, w.current.to));
    let last = w.last_year.unwrap();
    assert_eq!(last.from, ms(2025, 9, 1));
    assert_eq!(last.to, ms(2025, 11, 27));
    assert_eq!(w.current.label, "2026-T3 (2026-09-01 – 2026-11-26)");
}

#[test]
fn a_future_period_has_no_window() {
    assert!(Window::new(Period::Year(2027), ms(2026, 11, 26)).is_none());
}

#[test]
fn a_range_is_compared_with_the_range_before_and_a_year_earlier() {
    let range: ReportPeriod = "2025-T2..2025-T3".parse().unwrap();
    let w = Window::new(range, ms(2026, 11, 26)).unwrap();
    assert!(w.complete);
    assert_eq!(w.current.label, "2025-T2..2025-T3");
    assert_eq!(w.previous.label, "2024-T3..2025-T1");
    assert_eq!(w.last_year.as_ref().unwrap().label, "2024-T2..2024-T3");
    let three: ReportPeriod = "2025-T1..2025-T3".parse().unwrap();
    assert!(
        Window::new(three, ms(2026, 11, 26)).unwrap().last_year.is_none(),
        "a year's worth: the same as before"
    );
}
