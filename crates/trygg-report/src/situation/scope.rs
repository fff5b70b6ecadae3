//! What the report covers: the area with its districts and places (as they
//! were in the period), the city, the comparison area, and the time window
//! with the windows it is compared with.

use super::{SituationError, SituationRequest};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use trygg_core::{Area, AreaLevel, Code, members};
use trygg_store::Store;

/// The areas a report covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The area reported on (for a custom set: the first, named after all of them).
    pub area: Area,
    /// The areas chosen: one, or the custom set.
    pub codes: Vec<Code>,
    /// The area and every area below it in the period (events and reports are filed on these).
    pub members: Vec<Code>,
    /// The districts of the area, with boundaries (a place's district, for a place).
    pub districts: Vec<Area>,
    /// The places in the area, with positions.
    pub places: Vec<Area>,
    /// Areas whose survey figures describe the area: itself, the district
    /// areas its districts belonged to in any period, and its districts.
    pub related: Vec<Code>,
    /// The city, for comparison.
    pub city: Option<Area>,
    /// The comparison area and its members, if one was asked for.
    pub comparison: Option<(Area, Vec<Code>)>,
    /// Only these event categories and crime types (empty: all).
    pub categories: Vec<String>,
}

impl Scope {
    /// Loads the areas of `request`.
    pub async fn load(store: &Store, request: &SituationRequest) -> Result<Scope, SituationError> {
        let all = store.areas(None, true).await?;
        let find = |code: &Code| all.iter().find(|a| &a.code == code).cloned();
        let mut codes = vec![request.area.clone()];
        for c in &request.more_areas {
            if !codes.contains(c) {
                codes.push(c.clone());
            }
        }
        let chosen: Vec<Area> = codes
            .iter()
            .map(|c| find(c).ok_or_else(|| SituationError::UnknownArea(c.to_string())))
            .collect::<Result<_, _>>()?;
        let (from, to) = (request.period.start(), request.period.end());
        let mut own: Vec<Code> = Vec::new();
        for a in &chosen {
            for m in members(&all, &a.code, Some(from), Some(to)) {
                if !own.contains(&m) {
                    own.push(m);
                }
            }
        }
        let mut districts: Vec<Area> =
            all.iter().filter(|a| a.level == AreaLevel::District && own.contains(&a.code)).cloned().collect();
        for place in chosen.iter().filter(|a| a.level == AreaLevel::Place) {
            for d in all
                .iter()
                .filter(|d| d.level == AreaLevel::District && place.parents.iter().any(|p| p.code == d.code))
            {
                if !districts.iter().any(|x| x.code == d.code) {
                    districts.push(d.clone());
                }
            }
        }
        let places =
            all.iter().filter(|a| a.level == AreaLevel::Place && own.contains(&a.code)).cloned().collect();
        let mut related = codes.clone();
        for d in &districts {
            related.push(d.code.clone());
            related.extend(d.parents.iter().map(|p| p.code.clone()));
        }
        related.sort();
        related.dedup();
        related.retain(|c| find(c).is_some_and(|a| a.level != AreaLevel::City));
        let city = all.iter().find(|a| a.level == AreaLevel::City).cloned();
        let comparison = match &request.comparison {
            Some(code) => {
                let other = find(code).ok_or_else(|| SituationError::UnknownArea(code.to_string()))?;
                Some((other, members(&all, code, Some(from), Some(to))))
            }
            None => None,
        };
        let mut area = chosen[0].clone();
        if chosen.len() > 1 {
            let joined: Vec<&str> = chosen.iter().map(|a| a.name.as_str()).collect();
            if let Ok(name) = trygg_core::Name::new(&joined.join(" + ")) {
                area.name = name;
            }
        }
        Ok(Scope {
            area,
            codes,
            members: own,
            districts,
            places,
            related,
            city,
            comparison,
            categories: request.categories.clone(),
        })
    }
}

/// A stretch of time, `[from, to)` in epoch ms, with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// E.g. `2025`, `2025-T2` or `2025-01-01 – 2025-11-25`.
    pub label: String,
    /// Start, epoch ms.
    pub from: i64,
    /// End (exclusive), epoch ms.
    pub to: i64,
    /// First day.
    pub first_day: Date,
    /// Day after the last.
    pub end_day: Date,
}

/// The period covered and the periods it is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The period asked for.
    pub period: super::ReportPeriod,
    /// What is covered: the whole period, or its start up to today.
    pub current: Span,
    /// Whether the period has ended.
    pub complete: bool,
    /// The period before, cut to the same length.
    pub previous: Span,
    /// The same period a year earlier, cut to the same length (for a
    /// tertial; for a year it is the previous period).
    pub last_year: Option<Span>,
    /// "Now", epoch ms: what is open at this instant is open in the report.
    pub now: i64,
}

impl Window {
    /// The window of `period` as seen at `now` (epoch ms); `None` if the period has not begun.
    pub fn new(period: impl Into<super::ReportPeriod>, now: i64) -> Option<Window> {
        let period: super::ReportPeriod = period.into();
        let today = Timestamp::from_millisecond(now).ok()?.to_zoned_datetime(stockholm()).date();
        let (start, end) = (period.start(), period.end());
        if today < start {
            return None;
        }
        let tomorrow = today.checked_add(1.day()).ok()?;
        let complete = tomorrow >= end;
        let cut = if complete { end } else { tomorrow };
        let days = (cut - start).get_days();
        let span = |label: String, first: Date, whole: Date| -> Option<Span> {
            let end_day = if complete { whole } else { first.checked_add(days.days()).ok()? };
            Some(Span { label, from: ms(first)?, to: ms(end_day)?, first_day: first, end_day })
        };
        let label = |p: super::ReportPeriod, first: Date, end_day: Date| {
            if complete {
                p.to_string()
            } else {
                format!("{p} ({first} – {})", end_day.yesterday().unwrap_or(end_day))
            }
        };
        let current = Span {
            label: label(period, start, cut),
            from: ms(start)?,
            to: ms(cut)?,
            first_day: start,
            end_day: cut,
        };
        let prev = period.previous();
        let previous = span(String::new(), prev.start(), prev.end())?;
        let previous = Span { label: label(prev, previous.first_day, previous.end_day), ..previous };
        let last_year = match period.same_last_year() {
            p if p == prev => None,
            p => {
                let s = span(String::new(), p.start(), p.end())?;
                Some(Span { label: label(p, s.first_day, s.end_day), ..s })
            }
        };
        Some(Window { period, current, complete, previous, last_year, now })
    }

    /// The spans compared with the current one: the previous period, and the
    /// same period last year where that is a different one.
    pub fn earlier(&self) -> Vec<(super::Basis, &Span)> {
        let mut out = vec![(super::Basis::Previous, &self.previous)];
        if let Some(s) = &self.last_year {
            out.push((super::Basis::LastYear, s));
        }
        out
    }
}

/// Europe/Stockholm (the bundled database always has it; UTC if not).
pub(crate) fn stockholm() -> TimeZone {
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

/// Local midnight of `d` in Stockholm, epoch ms.
fn ms(d: Date) -> Option<i64> {
    d.to_zoned_datetime(stockholm()).ok().map(|z| z.timestamp().as_millisecond())
}
