//! The period a situation report covers: a year, a tertial, or a range of
//! consecutive years or tertials (`2024-T3..2025-T2`), with the equally long
//! period before it and the same period a year earlier.

use jiff::civil::Date;
use std::fmt;
use std::str::FromStr;
use trygg_core::{Invalid, Period};

/// A year, a tertial, or a range of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportPeriod {
    /// One year or tertial.
    One(Period),
    /// From the first to the last (inclusive), both years or both tertials.
    Range(Period, Period),
}

impl ReportPeriod {
    /// A range from `first` to `last`; one period when they are the same.
    pub fn range(first: Period, last: Period) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "period",
                &format!("{first}..{last}"),
                "two years or two tertials, the first not after the last",
            )
        };
        if std::mem::discriminant(&first) != std::mem::discriminant(&last) || first.start() > last.start() {
            return Err(bad());
        }
        Ok(if first == last { ReportPeriod::One(first) } else { ReportPeriod::Range(first, last) })
    }

    /// The first day.
    pub fn start(self) -> Date {
        self.bounds().0.start()
    }

    /// The day after the last day.
    pub fn end(self) -> Date {
        self.bounds().1.end()
    }

    /// The year of the last day (for survey waves and population).
    pub fn year_number(self) -> i16 {
        self.bounds().1.year_number()
    }

    /// Whether it is exactly one calendar year.
    pub fn is_year(self) -> bool {
        matches!(self, ReportPeriod::One(Period::Year(_)))
    }

    /// The equally long period just before.
    pub fn previous(self) -> Self {
        match self {
            ReportPeriod::One(p) => ReportPeriod::One(p.previous()),
            ReportPeriod::Range(a, b) => {
                let n = self.len();
                ReportPeriod::Range(back(a, n), back(b, n))
            }
        }
    }

    /// The same period a year earlier.
    pub fn same_last_year(self) -> Self {
        match self {
            ReportPeriod::One(p) => ReportPeriod::One(p.same_last_year()),
            ReportPeriod::Range(a, b) => ReportPeriod::Range(a.same_last_year(), b.same_last_year()),
        }
    }

    /// How many years or tertials it spans.
    fn len(self) -> usize {
        let (a, b) = self.bounds();
        let mut n = 1;
        let mut p = b;
        while p != a && n < 10_000 {
            p = p.previous();
            n += 1;
        }
        n
    }

    fn bounds(self) -> (Period, Period) {
        match self {
            ReportPeriod::One(p) => (p, p),
            ReportPeriod::Range(a, b) => (a, b),
        }
    }
}

fn back(p: Period, n: usize) -> Period {
    (0..n).fold(p, |p, _| p.previous())
}

impl From<Period> for ReportPeriod {
    fn from(p: Period) -> Self {
        ReportPeriod::One(p)
    }
}

impl fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportPeriod::One(p) => write!(f, "{p}"),
            ReportPeriod::Range(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

impl FromStr for ReportPeriod {
    type Err = Invalid;

    /// `2025`, `2025-T2`, or a range `2024-T3..2025-T2` (also with `–`).
    fn from_str(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        match s.split_once("..").or_else(|| s.split_once('–')) {
            Some((a, b)) => ReportPeriod::range(a.parse()?, b.parse()?),
            None => Ok(ReportPeriod::One(s.parse()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_compare_with_equally_long_periods() {
        let r: ReportPeriod = "2024-T3..2025-T2".parse().unwrap();
        assert_eq!(r.to_string(), "2024-T3..2025-T2");
        assert_eq!((r.start().to_string(), r.end().to_string()), ("2024-09-01".into(), "2025-09-01".into()));
        assert_eq!(r.previous().to_string(), "2023-T3..2024-T2");
        assert_eq!(r.same_last_year().to_string(), "2023-T3..2024-T2");
        let two: ReportPeriod = "2024–2025".parse().unwrap();
        assert_eq!(two.previous().to_string(), "2022..2023");
        assert_eq!(two.year_number(), 2025);
        assert_eq!("2025..2025".parse::<ReportPeriod>().unwrap(), ReportPeriod::One(Period::Year(2025)));
        assert!("2025..2024".parse::<ReportPeriod>().is_err());
        assert!("2024..2025-T1".parse::<ReportPeriod>().is_err());
        assert!("2025".parse::<ReportPeriod>().unwrap().is_year());
    }
}
