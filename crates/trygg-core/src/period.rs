//! Reporting periods: calendar years and tertials (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec).

use crate::{Date, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const EXPECTED: &str = "a year such as 2025 or a tertial such as 2025-T2 (T1–T3), years 1900–2200";

/// A reporting period. Parse from `2025` or `2025-T2`; displays the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// A calendar year.
    Year(i16),
    /// A tertial of a year: 1 = Jan–Apr, 2 = May–Aug, 3 = Sep–Dec.
    Tertial(i16, u8),
}

impl Period {
    /// A year, checked to lie in 1900–2200.
    pub fn year(year: i16) -> Result<Self, Invalid> {
        check_year(year, &year.to_string()).map(Period::Year)
    }

    /// A tertial, checked: `n` in 1–3 and the year in 1900–2200.
    pub fn tertial(year: i16, n: u8) -> Result<Self, Invalid> {
        let y = check_year(year, &format!("{year}-T{n}"))?;
        if !(1..=3).contains(&n) {
            return Err(Invalid::new("period", &format!("{year}-T{n}"), EXPECTED));
        }
        Ok(Period::Tertial(y, n))
    }

    /// The tertial that contains `date`.
    pub fn tertial_of(date: Date) -> Self {
        Period::Tertial(date.year(), (date.month() as u8 - 1) / 4 + 1)
    }

    /// The first day of the period.
    pub fn start(self) -> Date {
        match self {
            Period::Year(y) => date(y, 1),
            Period::Tertial(y, n) => date(y, (n as i8 - 1) * 4 + 1),
        }
    }

    /// The first day after the period (the end is exclusive).
    pub fn end(self) -> Date {
        match self {
            Period::Year(y) => date(y + 1, 1),
            Period::Tertial(y, 3) => date(y + 1, 1),
            Period::Tertial(y, n) => date(y, n as i8 * 4 + 1),
        }
    }

    /// Whether `d` falls inside the period.
    pub fn contains(self, d: Date) -> bool {
        self.start() <= d && d < self.end()
    }

    /// The period of the same kind just before this one.
    pub fn previous(self) -> Self {
        match self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Tertial(y, 1) => Period::Tertial(y - 1, 3),
            Period::Tertial(y, n) => Period::Tertial(y, n - 1),
        }
    }

    /// The same period one year earlier.
    pub fn same_last_year(self) -> Self {
        match self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Tertial(y, n) => Period::Tertial(y - 1, n),
        }
    }

    /// The calendar year the period belongs to.
    pub fn year_number(self) -> i16 {
        match self {
            Period::Year(y) | Period::Tertial(y, _) => y,
        }
    }
}

fn check_year(year: i16, shown: &str) -> Result<i16, Invalid> {
    if (1900..=2200).contains(&year) { Ok(year) } else { Err(Invalid::new("period", shown, EXPECTED)) }
}

fn date(year: i16, month: i8) -> Date {
    jiff::civil::date(year, month, 1)
}

impl FromStr for Period {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::new("period", s, EXPECTED);
        let t = s.trim();
        let parse_year = |y: &str| -> Result<i16, Invalid> {
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
                y.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match t.split_once('-') {
            None => Period::year(parse_year(t)?).map_err(|_| bad()),
            Some((y, tn)) => {
                let n = tn
                    .strip_prefix(['T', 't'])
                    .filter(|n| n.len() == 1)
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or_else(bad)?;
                Period::tertial(parse_year(y)?, n).map_err(|_| bad())
            }
        }
    }
}

impl TryFrom<String> for Period {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Tertial(y, n) => write!(f, "{y}-T{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_and_displays_years_and_tertials() {
        assert_eq!("2025".parse::<Period>().unwrap(), Period::Year(2025));
        assert_eq!("2025-T2".parse::<Period>().unwrap(), Period::Tertial(2025, 2));
        assert_eq!(" 2025-t3 ".parse::<Period>().unwrap(), Period::Tertial(2025, 3));
        assert_eq!(Period::Tertial(2025, 2).to_string(), "2025-T2");
        assert_eq!(Period::Year(2020).to_string(), "2020");
    }

    #[test]
    fn rejects_what_is_not_a_period() {
        for bad in [
            "",
            "25",
            "2025-T4",
            "2025-T0",
            "2025-Q1",
            "2025-T",
            "2025-T12",
            "1800",
            "20x5",
            "2025-",
            "+2025",
            "2025-T2-x",
        ] {
            let err = bad.parse::<Period>().unwrap_err();
            assert_eq!(err.field, "period", "{bad:?}");
            assert!(err.to_string().contains("2025-T2"), "message should show the format");
        }
    }

    #[test]
    fn tertials_cover_the_year_without_gaps() {
        let t1 = Period::Tertial(2025, 1);
        assert_eq!(t1.start(), date(2025, 1, 1));
        assert_eq!(t1.end(), date(2025, 5, 1));
        assert_eq!(Period::Tertial(2025, 2).end(), date(2025, 9, 1));
        assert_eq!(Period::Tertial(2025, 3).end(), date(2026, 1, 1));
        assert!(Period::Tertial(2025, 2).contains(date(2025, 8, 31)));
        assert!(!Period::Tertial(2025, 2).contains(date(2025, 9, 1)));
        for m in 1..=12 {
            let d = date(2025, m, 15);
            assert!(Period::tertial_of(d).contains(d));
        }
    }

    #[test]
    fn previous_and_last_year() {
        assert_eq!(Period::Tertial(2025, 1).previous(), Period::Tertial(2024, 3));
        assert_eq!(Period::Tertial(2025, 3).previous(), Period::Tertial(2025, 2));
        assert_eq!(Period::Tertial(2025, 2).same_last_year(), Period::Tertial(2024, 2));
        assert_eq!(Period::Year(2025).previous(), Period::Year(2024));
    }
}
