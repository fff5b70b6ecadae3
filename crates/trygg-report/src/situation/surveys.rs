//! Sections 5 and 6: survey results (perceived safety; the youth survey's
//! risk and protective factors) for the area, with Wilson intervals, women
//! and men side by side, the city for comparison, and each figure's wave
//! year — a wave older than the period is labelled as such, never "current".

use super::{Scope, SituationError, Window};
use std::collections::BTreeMap;
use trygg_analysis::counts::{share_difference, wilson_interval};
use trygg_store::{Store, SurveyValue};

/// One survey's figures for the area.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyTable {
    /// The survey, e.g. `trygghetsmatningen`.
    pub survey: String,
    /// One line per indicator and region, indicators in code order.
    pub lines: Vec<SurveyLine>,
}

/// A share with its 95 % Wilson interval, in per cent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareFigure {
    /// The share, per cent.
    pub share: f64,
    /// The interval, per cent, when the counts are known.
    pub ci: Option<(f64, f64)>,
    /// Respondents, when known.
    pub respondents: Option<i64>,
}

/// One indicator in one region, at its latest wave up to the period.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyLine {
    /// The indicator code.
    pub indicator: String,
    /// The region as the survey names it.
    pub region: String,
    /// The wave's year.
    pub wave: i32,
    /// Whether the wave is of the report's year (or later): otherwise the
    /// figure is shown with its year and not as current.
    pub current: bool,
    /// Everyone.
    pub all: Option<ShareFigure>,
    /// Women.
    pub women: Option<ShareFigure>,
    /// Men.
    pub men: Option<ShareFigure>,
    /// Two-sided p of the difference between women and men, when both have counts.
    pub gender_p: Option<f64>,
    /// The city's figure for everyone, with its wave.
    pub city: Option<(i32, ShareFigure)>,
    /// Where the area's figure was published, if given.
    pub source_url: Option<String>,
}

/// Loads the figures of `survey` for the area; `None`-free: an empty list if there are none.
pub async fn load(
    store: &Store,
    scope: &Scope,
    window: &Window,
    survey: &str,
) -> Result<Vec<SurveyTable>, SituationError> {
    let year = i32::from(window.period.year_number());
    let values = store.survey_values(survey).await?;
    let usable: Vec<&SurveyValue> = values.iter().filter(|v| v.wave <= year).collect();
    let local: Vec<&SurveyValue> = usable
        .iter()
        .copied()
        .filter(|v| v.area.as_ref().is_some_and(|a| scope.related.contains(a)))
        .collect();
    if local.is_empty() {
        return Ok(Vec::new());
    }
    let city_code = scope.city.as_ref().map(|c| &c.code);
    let mut latest: BTreeMap<(&str, &str), i32> = BTreeMap::new();
    for v in &local {
        let w = latest.entry((&v.indicator, &v.region)).or_insert(v.wave);
        *w = (*w).max(v.wave);
    }
    let mut lines = Vec::new();
    for ((indicator, region), wave) in latest {
        let of = |group: &str| {
            local.iter().find(|v| {
                v.indicator == indicator && v.region == region && v.wave == wave && v.group == group
            })
        };
        let city = city_code.and_then(|c| {
            usable
                .iter()
                .filter(|v| v.area.as_ref() == Some(c) && v.indicator == indicator && v.group == "all")
                .max_by_key(|v| v.wave)
                .map(|v| (v.wave, figure(v)))
        });
        let gender_p = match (of("women"), of("men")) {
            (Some(w), Some(m)) => match (w.yes_count, w.respondents, m.yes_count, m.respondents) {
                (Some(k1), Some(n1), Some(k2), Some(n2)) => {
                    share_difference(k1 as f64, n1 as f64, k2 as f64, n2 as f64, 0.95).ok().map(|d| d.p)
                }
                _ => None,
            },
            _ => None,
        };
        lines.push(SurveyLine {
            indicator: indicator.to_owned(),
            region: region.to_owned(),
            wave,
            current: wave >= year,
            all: of("all").map(|v| figure(v)),
            women: of("women").map(|v| figure(v)),
            men: of("men").map(|v| figure(v)),
            gender_p,
            city,
            source_url: of("all").and_then(|v| v.source_url.clone()),
        });
    }
    Ok(vec![SurveyTable { survey: survey.to_owned(), lines }])
}

/// The share with its Wilson interval when the counts allow one.
fn figure(v: &SurveyValue) -> ShareFigure {
    let ci = match (v.yes_count, v.respondents) {
        (Some(k), Some(n)) if n > 0 && k <= n => {
            wilson_interval(k as f64, n as f64, 0.95).ok().map(|s| (s.ci_low * 100.0, s.ci_high * 100.0))
        }
        _ => None,
    };
    ShareFigure { share: v.share, ci, respondents: v.respondents }
}
