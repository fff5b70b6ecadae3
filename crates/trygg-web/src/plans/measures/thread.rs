//! `GET /thread?area=jarva`: the golden thread both ways, problems → causes
//! → measures → indicators → latest values, and each measure back to its
//! causes and problems, with the thread's warnings at the top.

use super::{number, scope, store_error, warning_views};
use crate::AppState;
use crate::ctx::Ctx;
use crate::pages::{Layout, html};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trygg_core::{AreaLevel, Code, Period};

/// The area asked for.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ThreadQuery {
    area: String,
}

/// The latest (period, value) of an indicator in an area, if any.
type Latest = Option<(String, String)>;

/// An indicator at the end of the thread with its latest value.
struct IndicatorNode {
    code: String,
    name: String,
    latest: Latest,
}

/// A measure under a cause.
struct MeasureNode {
    id: i64,
    name: String,
    indicators: Vec<IndicatorNode>,
}

/// A cause with the measures that address it.
struct CauseNode {
    text: String,
    kind: String,
    measures: Vec<MeasureNode>,
}

/// A problem with its cause analysis.
struct ProblemNode {
    id: i64,
    title: String,
    closed: bool,
    causes: Vec<CauseNode>,
}

/// A measure traced back to what it addresses: (cause, problem id, problem title).
struct BackRow {
    id: i64,
    name: String,
    plan_id: i64,
    plan: String,
    causes: Vec<(String, i64, String)>,
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage<'a> {
    l: Layout<'a>,
    area: String,
    areas: Vec<(String, String)>,
    error: Option<String>,
    warnings: Vec<super::WarningView>,
    problems: Vec<ProblemNode>,
    back: Vec<BackRow>,
}

/// `GET /thread?area=…`: the golden thread of an area and the areas below it.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ThreadQuery>) -> Response {
    let t = ctx.t();
    let lang = t.lang.tag();
    let (scope, all) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let area = if q.area.trim().is_empty() { "jarva" } else { q.area.trim() };
    let mut page = ThreadPage {
        l: Layout::new(&ctx, t, t.get("measures.thread.title")),
        area: area.to_owned(),
        areas: all
            .iter()
            .filter(|a| {
                matches!(a.level, AreaLevel::DistrictArea | AreaLevel::District) && scope.may_see(&a.code)
            })
            .map(|a| (a.code.to_string(), a.name.to_string()))
            .collect(),
        error: None,
        warnings: Vec::new(),
        problems: Vec::new(),
        back: Vec::new(),
    };
    let areas = match Code::new(area).ok().filter(|c| all.iter().any(|a| &a.code == c)) {
        None => {
            page.error = Some(t.get("measures.error.area").to_owned());
            return (StatusCode::BAD_REQUEST, html(page)).into_response();
        }
        Some(code) => match scope.under(&all, &code) {
            Some(areas) => areas,
            None => {
                page.error = Some(t.get("measures.error.not-your-area").to_owned());
                return (StatusCode::BAD_REQUEST, html(page)).into_response();
            }
        },
    };
    let loaded = async {
        let warnings = state.store.thread_warnings(&areas).await?;
        let problems = state.store.problems(&areas).await?;
        let measures = state.store.measures(&areas).await?;
        let indicators = state.store.indicators().await?;
        let plans = state.store.plans(&areas).await?;
        Ok::<_, trygg_store::StoreError>((warnings, problems, measures, indicators, plans))
    };
    let (warnings, problems, measures, indicators, plans) = match loaded.await {
        Ok(x) => x,
        Err(e) => return store_error(e, t),
    };
    let titles: Vec<(i64, String)> = problems.iter().map(|p| (p.id, p.title.clone())).collect();
    page.warnings = warning_views(&warnings, &measures, &titles, t);
    // Latest value of each (indicator, area) used, group `all`.
    let mut latest: Vec<((Code, Code), Latest)> = Vec::new();
    for m in &measures {
        for code in &m.indicators {
            let key = (code.clone(), m.area.clone());
            if latest.iter().any(|(k, _)| k == &key) {
                continue;
            }
            let values = match state.store.indicator_values(code, &m.area).await {
                Ok(v) => v,
                Err(e) => return store_error(e, t),
            };
            let value = values
                .iter()
                .filter(|v| v.group == "all")
                .filter_map(|v| v.period.parse::<Period>().ok().map(|p| (p, v.value)))
                .max_by_key(|(p, _)| *p)
                .map(|(p, v)| (p.to_string(), number(t, v, 1)));
            latest.push((key, value));
        }
    }
    let indicator_node = |code: &Code, area: &Code| IndicatorNode {
        code: code.to_string(),
        name: indicators
            .iter()
            .find(|i| &i.code == code)
            .map_or_else(|| code.to_string(), |i| i.name(lang).to_owned()),
        latest: latest.iter().find(|((c, a), _)| c == code && a == area).and_then(|(_, v)| v.clone()),
    };
    let mut cause_texts: Vec<(i64, String, i64, String)> = Vec::new();
    for p in &problems {
        let causes = match state.store.causes(p.id).await {
            Ok(c) => c,
            Err(e) => return store_error(e, t),
        };
        let mut nodes = Vec::new();
        for c in causes {
            cause_texts.push((c.id, c.text.clone(), p.id, p.title.clone()));
            nodes.push(CauseNode {
                kind: t.get(&format!("problems.kind.{}", c.kind.as_str())).to_owned(),
                measures: measures
                    .iter()
                    .filter(|m| m.causes.contains(&c.id))
                    .map(|m| MeasureNode {
                        id: m.id,
                        name: m.name.clone(),
                        indicators: m.indicators.iter().map(|i| indicator_node(i, &m.area)).collect(),
                    })
                    .collect(),
                text: c.text,
            });
        }
        page.problems.push(ProblemNode { id: p.id, title: p.title.clone(), closed: p.closed, causes: nodes });
    }
    for m in &measures {
        let mut causes = Vec::new();
        for &cid in &m.causes {
            if let Some((_, text, pid, title)) = cause_texts.iter().find(|(id, ..)| *id == cid) {
                causes.push((text.clone(), *pid, title.clone()));
            } else if let Ok(Some(c)) = state.store.cause(cid).await
                && let Ok(Some(p)) = state.store.problem(c.problem_id).await
                && scope.may_see(&p.area)
            {
                causes.push((c.text, p.id, p.title));
            }
        }
        page.back.push(BackRow {
            id: m.id,
            name: m.name.clone(),
            plan_id: m.plan_id,
            plan: plans.iter().find(|p| p.id == m.plan_id).map(|p| p.name.clone()).unwrap_or_default(),
            causes,
        });
    }
    html(page)
}
