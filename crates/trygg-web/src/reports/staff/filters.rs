//! The queue's filters, shared by the queue, its map and the exports:
//! parsed from the query string, checked, and turned into a [`ReportQuery`].

use super::scope::Scope;
use super::view::{Names, day_start};
use serde::Deserialize;
use trygg_core::{Area, Code, Date, Invalid, Period, ReportState};
use trygg_store::ReportQuery;

/// Reports per page in the queue.
pub const PAGE_SIZE: i64 = 50;

/// The filters as they arrive (empty means "not set").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FilterForm {
    /// A district area or district.
    pub area: String,
    /// A category or a group of categories.
    pub category: String,
    /// A workflow state.
    pub state: String,
    /// `1` (or `on`, `true`): only overdue reports.
    pub overdue: String,
    /// Made on or after this date (`YYYY-MM-DD`).
    pub from: String,
    /// Made on or before this date (`YYYY-MM-DD`).
    pub to: String,
    /// Made in this period (`2025` or `2025-T2`).
    pub period: String,
    /// The responsible organisation.
    pub org: String,
    /// Page number, from 1.
    pub page: String,
}

impl FilterForm {
    /// Whether the overdue box is ticked.
    pub fn overdue_only(&self) -> bool {
        matches!(self.overdue.as_str(), "1" | "on" | "true")
    }

    /// The filters as a query string (without the page), for links and exports.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("area", &self.area),
            ("category", &self.category),
            ("state", &self.state),
            ("overdue", &self.overdue),
            ("from", &self.from),
            ("to", &self.to),
            ("period", &self.period),
            ("org", &self.org),
        ];
        let kept: Vec<(&str, &str)> =
            pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.trim())).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// Filters checked against the user's scope.
#[derive(Debug, Clone)]
pub struct Filters {
    /// What to read; `None` when the user may see nothing that matches.
    pub query: Option<ReportQuery>,
    /// The chosen area, if any.
    pub area: Option<Code>,
    /// The page, from 1.
    pub page: i64,
}

fn text(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn code(field: &'static str, s: &str, expected: &str) -> Result<Code, Invalid> {
    Code::new(s).map_err(|_| Invalid::new(field, s, expected))
}

fn date(field: &'static str, s: &str) -> Result<i64, Invalid> {
    let bad = || Invalid::new(field, s, "a date like 2025-05-31");
    let d: Date = s.parse().map_err(|_| bad())?;
    day_start(d).ok_or_else(bad)
}

/// Checks `form` and builds the query for the reports the user may see; `now` decides "overdue".
pub fn resolve(
    form: &FilterForm,
    scope: &Scope,
    areas: &[Area],
    names: &Names,
    now: i64,
) -> Result<Filters, Invalid> {
    let area = text(&form.area).map(|a| code("area", a, "an area you have access to")).transpose()?;
    if let Some(a) = &area
        && !scope.sees_area(areas, a)
    {
        return Err(Invalid::new("area", a.as_str(), "an area you have access to"));
    }
    let page = match text(&form.page) {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| Invalid::new("page", p, "a page number from 1"))?,
    };
    let mut q = scope.query(areas, area.as_ref());
    if let Some(q) = q.as_mut() {
        narrow(q, form, names, now)?;
    } else {
        // Nothing is visible, but the input is still checked.
        narrow(&mut ReportQuery::default(), form, names, now)?;
    }
    Ok(Filters { query: q, area, page })
}

fn narrow(q: &mut ReportQuery, form: &FilterForm, names: &Names, now: i64) -> Result<(), Invalid> {
    if let Some(c) = text(&form.category) {
        let expected = "a category from the list";
        let c = code("category", c, expected)?;
        let cat = names.categories.get(&c).ok_or_else(|| Invalid::new("category", c.as_str(), expected))?;
        q.categories = if cat.parent.is_some() {
            vec![c]
        } else {
            names
                .categories
                .values()
                .filter(|x| x.parent.as_ref() == Some(&c))
                .map(|x| x.code.clone())
                .collect()
        };
    }
    if let Some(s) = text(&form.state) {
        let state: ReportState =
            s.parse().map_err(|_| Invalid::new("state", s, "a state such as received or fixed"))?;
        q.states = vec![state];
    }
    if let Some(o) = text(&form.overdue)
        && !form.overdue_only()
    {
        return Err(Invalid::new("overdue", o, "1 (only overdue reports) or nothing"));
    }
    q.overdue_at = form.overdue_only().then_some(now);
    let mut from = text(&form.from).map(|f| date("from", f)).transpose()?;
    let mut to = text(&form.to)
        .map(|t| {
            let d: Date = t.parse().map_err(|_| Invalid::new("to", t, "a date like 2025-05-31"))?;
            let next = d.tomorrow().map_err(|_| Invalid::new("to", t, "a date like 2025-05-31"))?;
            day_start(next).ok_or_else(|| Invalid::new("to", t, "a date like 2025-05-31"))
        })
        .transpose()?;
    if let Some(p) = text(&form.period) {
        let period: Period = p.parse()?;
        let (start, end) = (day_start(period.start()), day_start(period.end()));
        from = from.max(start);
        to = match (to, end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    (q.created_from, q.created_to) = (from, to);
    if let Some(o) = text(&form.org) {
        let expected = "an organisation from the list";
        let org = code("org", o, expected)?;
        if !names.partners.iter().any(|(c, _)| c == &org) {
            return Err(Invalid::new("org", o, expected));
        }
        if q.responsible.as_ref().is_some_and(|mine| mine != &org) {
            return Err(Invalid::new("org", o, "your own organisation"));
        }
        q.responsible = Some(org);
    }
    Ok(())
}
