//! What the results outputs publish, read once and protected once, so the
//! page, the CSV and the GeoJSON show the same figures.

use super::suppress::{Shown, THRESHOLD, Table, protect_line, protect_table, share};
use crate::AppState;
use crate::pages::stockholm;
use jiff::ToSpan;
use std::collections::HashMap;
use trygg_core::{AreaLevel, Code, Date, Invalid, Period, Polygon, TalkFigures};
use trygg_store::{Category, Result};

/// The district areas of Järva whose districts are published.
pub const DISTRICT_AREAS: [&str; 2] = ["rinkeby-kista", "spanga-tensta"];

/// The `period` value of the last 12 whole months.
pub const LAST_12: &str = "12m";

const EXPECTED_PERIOD: &str = "12m (the last 12 months), a year such as 2025 or a tertial such as 2025-T2";

/// The time a publication covers: `[from, to)` in Stockholm dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The `period` parameter that chooses it: `12m`, `2025` or `2025-T2`.
    pub key: String,
    /// The first day.
    pub from: Date,
    /// The first day after.
    pub to: Date,
}

impl Window {
    /// The last 12 whole months before the current one.
    pub fn last_12_months(today: Date) -> Window {
        let to = today.first_of_month();
        Window { key: LAST_12.into(), from: to.saturating_sub(12.months()), to }
    }

    /// A year or tertial.
    pub fn of(period: Period) -> Window {
        Window { key: period.to_string(), from: period.start(), to: period.end() }
    }

    /// Parses the `period` parameter; empty means the last 12 months.
    pub fn parse(s: &str, today: Date) -> std::result::Result<Window, Invalid> {
        match s.trim() {
            "" | LAST_12 => Ok(Window::last_12_months(today)),
            p => p.parse::<Period>().map(Window::of).map_err(|_| Invalid::new("period", p, EXPECTED_PERIOD)),
        }
    }

    /// The last day, for showing.
    pub fn last_day(&self) -> Date {
        self.to.yesterday().unwrap_or(self.to)
    }

    /// The start and end as epoch ms (midnight in Stockholm).
    pub fn millis(&self) -> (i64, i64) {
        (day_start(self.from), day_start(self.to))
    }
}

/// Midnight in Stockholm at the start of `date`, epoch ms.
pub fn day_start(date: Date) -> i64 {
    date.to_zoned_datetime(stockholm()).map(|z| z.timestamp().as_millisecond()).unwrap_or(0)
}

/// Today in Stockholm.
pub fn today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(stockholm()).date()
}

/// A published district.
pub struct District {
    /// Its code.
    pub code: Code,
    /// Its name.
    pub name: String,
    /// Its boundary, when asked for.
    pub boundary: Option<Polygon>,
}

/// A published category group (public categories only).
pub struct Group {
    /// Its code.
    pub code: Code,
    /// Its name in the page language.
    pub name: String,
}

/// The share fixed by the deadline in one district (or all).
pub struct InTime {
    /// Reports whose deadline is decided, protected.
    pub base: Shown,
    /// Share of those fixed in time, when the base is published and large enough.
    pub share: Option<f64>,
}

/// Serious talks in one district area.
pub struct TalkLine {
    /// The district area's name.
    pub area: String,
    /// Cases registered, protected.
    pub count: Shown,
    /// Share held within 48 hours, when the base allows.
    pub in_time: Option<f64>,
}

/// Every published figure of one window.
pub struct Results {
    /// The window.
    pub window: Window,
    /// The districts (table rows).
    pub districts: Vec<District>,
    /// The category groups (table columns).
    pub groups: Vec<Group>,
    /// Reports per district and group, protected, with totals.
    pub table: Table,
    /// Share fixed by the deadline per district.
    pub in_time: Vec<InTime>,
    /// The same over all districts.
    pub in_time_all: InTime,
    /// Serious talks per district area.
    pub talks: Vec<TalkLine>,
}

/// The districts under [`DISTRICT_AREAS`], by name.
pub async fn districts(state: &AppState, with_boundary: bool) -> Result<Vec<District>> {
    let areas = state.store.areas(Some(AreaLevel::District), with_boundary).await?;
    Ok(areas
        .into_iter()
        .filter(|a| a.parents.iter().any(|p| DISTRICT_AREAS.contains(&p.code.as_str())))
        .map(|a| District { code: a.code, name: a.name.to_string(), boundary: a.boundary })
        .collect())
}

/// The public category groups and, for each public category, its group's index.
pub fn public_groups(categories: &[Category], english: bool) -> (Vec<Group>, HashMap<Code, usize>) {
    let mut sorted: Vec<&Category> = categories.iter().collect();
    sorted.sort_by_key(|c| c.position);
    let group_of = |c: &Category| c.parent.clone().unwrap_or_else(|| c.code.clone());
    let public_group =
        |code: &Code| categories.iter().any(|g| &g.code == code && g.public && g.parent.is_none());
    let (mut groups, mut index) = (Vec::<Group>::new(), HashMap::new());
    for c in sorted.iter().filter(|c| c.public && c.parent.is_none()) {
        if categories.iter().any(|l| l.public && group_of(l) == c.code) {
            groups.push(Group { code: c.code.clone(), name: c.name(english).to_owned() });
        }
    }
    for c in categories.iter().filter(|c| c.public && public_group(&group_of(c))) {
        if let Some(i) = groups.iter().position(|g| g.code == group_of(c)) {
            index.insert(c.code.clone(), i);
        }
    }
    (groups, index)
}

/// Reads and protects every figure of `window`.
pub async fn load(state: &AppState, window: Window, english: bool, with_boundary: bool) -> Result<Results> {
    let (districts, categories) =
        tokio::try_join!(districts(state, with_boundary), state.store.categories())?;
    let (groups, group_index) = public_groups(&categories, english);
    let codes: Vec<Code> = districts.iter().map(|d| d.code.clone()).collect();
    let (from, to) = window.millis();
    let figures = state.store.report_figures(&codes, from, to, trygg_store::now_ms(), true).await?;
    let mut counts = vec![vec![0_i64; groups.len()]; districts.len()];
    let (mut decided, mut in_time) = (vec![0_i64; districts.len()], vec![0_i64; districts.len()]);
    for f in &figures {
        let row = f.area.as_ref().and_then(|a| codes.iter().position(|c| c == a));
        let (Some(row), Some(&col)) = (row, group_index.get(&f.category)) else {
            continue;
        };
        counts[row][col] += f.reports;
        decided[row] += f.deadline_decided;
        in_time[row] += f.fixed_in_time;
    }
    let (bases, base_all) = protect_line(&decided, true, THRESHOLD);
    let in_time_lines = bases
        .iter()
        .zip(&in_time)
        .map(|(base, n)| InTime { base: *base, share: share(*n, *base, THRESHOLD) })
        .collect();
    let base_all = base_all.unwrap_or(Shown::Hidden);
    let in_time_all = InTime { base: base_all, share: share(in_time.iter().sum(), base_all, THRESHOLD) };
    let talks = talks(state, &window).await?;
    Ok(Results {
        table: protect_table(&counts, THRESHOLD),
        window,
        districts,
        groups,
        in_time: in_time_lines,
        in_time_all,
        talks,
    })
}

/// Serious talks per district area: counts and the share held in 48 hours.
async fn talks(state: &AppState, window: &Window) -> Result<Vec<TalkLine>> {
    let areas = state.store.areas(Some(AreaLevel::DistrictArea), false).await?;
    let areas: Vec<_> = areas.into_iter().filter(|a| DISTRICT_AREAS.contains(&a.code.as_str())).collect();
    let codes: Vec<Code> = areas.iter().map(|a| a.code.clone()).collect();
    let now = trygg_store::now_ms();
    let aggregates = state.store.serious_talk_aggregates(&codes, window.from, window.to, now).await?;
    let mut sums = vec![TalkFigures::default(); codes.len()];
    for a in &aggregates {
        if let Some(i) = codes.iter().position(|c| c == &a.area) {
            sums[i].add(&a.figures);
        }
    }
    let (counts, _) = protect_line(&sums.iter().map(|f| f.talks).collect::<Vec<_>>(), false, THRESHOLD);
    Ok(areas
        .iter()
        .zip(&sums)
        .zip(counts)
        .map(|((a, f), count)| TalkLine {
            area: a.name.to_string(),
            count,
            in_time: match count {
                Shown::Count(_) => share(f.held_in_time, Shown::Count(f.decided), THRESHOLD),
                Shown::Hidden => None,
            },
        })
        .collect())
}

/// A share as a percentage, with the Swedish space before the sign.
pub fn percent(share: f64, english: bool) -> String {
    let n = (share * 100.0).round();
    if english { format!("{n}%") } else { format!("{n} %") }
}

/// How many reports of public categories were made in `window` in the published districts.
pub async fn public_report_count(state: &AppState, window: &Window) -> Result<i64> {
    let (districts, categories) = tokio::try_join!(districts(state, false), state.store.categories())?;
    let (_, group_index) = public_groups(&categories, false);
    let codes: Vec<Code> = districts.into_iter().map(|d| d.code).collect();
    let (from, to) = window.millis();
    let figures = state.store.report_figures(&codes, from, to, trygg_store::now_ms(), false).await?;
    Ok(figures.iter().filter(|f| group_index.contains_key(&f.category)).map(|f| f.reports).sum())
}
