//! Service requests: `POST requests` makes a report, `GET requests` and
//! `GET requests/{id}` read them. Public readers see only public categories
//! and no personal data; a partner's key also shows the reports it is
//! responsible for.

use super::names::Names;
use super::{Answer, Doc, Error, Fields, Format, Reply, Val, form_body, iso, partner_of};
use crate::AppState;
use crate::i18n::Lang;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use std::sync::Arc;
use trygg_core::{Code, Email, LatLon, ReportState, ReporterKind, find_personal_data};
use trygg_store::{NewReport, Report, ReportQuery, Reporter, Routing, Store, now_ms};

/// The most requests one GET returns (the spec's default).
pub const MAX_ITEMS: i64 = 1000;
/// The default window of `GET requests`: the last 90 days.
pub const DEFAULT_WINDOW_MS: i64 = 90 * 86_400_000;

/// Who is reading: the public, or a partner through its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No key: public categories only, no personal data.
    Public,
    /// A partner's key: also the reports it is responsible for.
    Partner(Code),
}

impl Viewer {
    async fn of(store: &Store, q: &Fields) -> Result<Viewer, Error> {
        Ok(partner_of(store, q.get("api_key")).await?.map_or(Viewer::Public, Viewer::Partner))
    }

    /// Whether this reader may see `report` (non-public ones: only its responsible partner).
    pub fn sees(&self, report: &Report, routing: &Routing) -> bool {
        let public = routing.category(&report.category).is_some_and(|c| c.public);
        public || matches!(self, Viewer::Partner(p) if *p == report.responsible)
    }
}

/// `POST requests`: makes a report from a partner (with `api_key`) or, if
/// configured, an anonymous resident.
pub async fn create(format: Format, State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Reply {
    Reply(format, create_report(&state, &headers, &body).await)
}

async fn create_report(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Answer {
    let f = form_body(headers, body)?;
    let reporter = match partner_of(&state.store, f.get("api_key")).await? {
        Some(partner) => Reporter {
            kind: ReporterKind::Partner,
            user: None,
            partner: Some(partner),
            role: None,
            email: None,
        },
        None if state.config.open311_anonymous_post => {
            let email = f.get("email").map(Email::new).transpose()?;
            Reporter::resident(email)
        }
        None => return Err(Error::forbidden("api_key: required (anonymous reports are not accepted here)")),
    };
    let code =
        f.get("service_code").ok_or_else(|| Error::bad("service_code", "a code from services.json"))?;
    let category = Code::new(code).map_err(|_| Error::bad("service_code", "a code from services.json"))?;
    let place = f
        .get("address_id")
        .map(|a| Code::new(a).map_err(|_| Error::bad("address_id", "a place code from Trygg's place list")))
        .transpose()?;
    let new = NewReport {
        category,
        position: position(&f)?,
        place,
        seen_at: now_ms(),
        description: f.get("description").unwrap_or("").to_owned(),
        reporter,
        source: "open311".into(),
        photos: Vec::new(),
        created_at: None,
    };
    let created = state.store.create_report(&new).await?;
    let routing = state.store.routing().await?;
    let english = f.get("lang") == Some("en");
    let report = &created.report;
    let item = Val::Obj(vec![
        ("service_request_id", Val::s(report.id.to_string())),
        ("service_notice", Val::s(notice(report, &routing, english))),
        ("account_id", Val::opt(report.reporter.partner.as_ref().map(Code::to_string))),
    ]);
    Ok(Doc::ok("service_requests", Val::List("request", vec![item])))
}

/// `lat` and `long` together, or neither.
fn position(f: &Fields) -> Result<Option<LatLon>, Error> {
    let coord = |name: &'static str, range: f64| {
        f.get(name)
            .map(|v| {
                v.parse::<f64>().ok().filter(|x| x.is_finite() && x.abs() <= range).ok_or_else(|| {
                    Error::bad(name, &format!("decimal degrees (WGS84) from -{range} to {range}"))
                })
            })
            .transpose()
    };
    match (coord("lat", 90.0)?, coord("long", 180.0)?) {
        (Some(lat), Some(lon)) => Ok(Some(LatLon { lat, lon })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::bad("long", "a longitude together with lat")),
        (None, Some(_)) => Err(Error::bad("lat", "a latitude together with long")),
    }
}

fn notice(report: &Report, routing: &Routing, english: bool) -> String {
    let Some(c) = routing.category(&report.category) else { return String::new() };
    let within = c.deadline.describe(english);
    if english {
        format!("To be dealt with within {within}.")
    } else {
        format!("Ska åtgärdas inom {within}.")
    }
}

/// `GET requests`: the filtered list, newest first.
pub async fn list(format: Format, State(state): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    Reply(format, list_reports(&state, q.as_deref().unwrap_or("")).await)
}

async fn list_reports(state: &AppState, query: &str) -> Answer {
    let q = Fields::parse(query.as_bytes(), "query")?;
    let viewer = Viewer::of(&state.store, &q).await?;
    let filter = filter(&q, now_ms())?;
    let page_size = q.int("page_size", 1, MAX_ITEMS)?.unwrap_or(MAX_ITEMS);
    let page = q.int("page", 1, 1_000_000)?.unwrap_or(1);
    let reports = visible_page(&state.store, &viewer, &filter, (page - 1) * page_size, page_size).await?;
    render_list(state, &viewer, &reports, q.get("lang") == Some("en")).await
}

/// The store query for `GET requests`' filters. `service_request_id` overrides the others.
fn filter(q: &Fields, now: i64) -> Result<ReportQuery, Error> {
    if let Some(ids) = q.get("service_request_id") {
        let ids = ids
            .split(',')
            .map(|i| i.trim().parse::<i64>().ok().filter(|n| *n > 0))
            .collect::<Option<Vec<_>>>()
            .filter(|v| !v.is_empty() && v.len() as i64 <= MAX_ITEMS)
            .ok_or_else(|| {
                Error::bad("service_request_id", "request ids separated by commas (at most 1000)")
            })?;
        return Ok(ReportQuery { ids, ..ReportQuery::default() });
    }
    let categories = match q.get("service_code") {
        Some(list) => list
            .split(',')
            .map(|c| {
                Code::new(c.trim())
                    .map_err(|_| Error::bad("service_code", "service codes separated by commas"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let states = match q.get("status") {
        Some(list) => statuses(list)?,
        None => Vec::new(),
    };
    let (start, end) = (q.instant("start_date")?, q.instant("end_date")?);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Error::bad("end_date", "a date-time after start_date"));
    }
    let created_from = start.or(Some(end.unwrap_or(now) - DEFAULT_WINDOW_MS));
    Ok(ReportQuery {
        categories,
        states,
        created_from,
        created_to: end.map(|e| e + 1),
        updated_from: q.instant("updated_after")?.map(|t| t + 1),
        updated_to: q.instant("updated_before")?,
        ..ReportQuery::default()
    })
}

fn statuses(list: &str) -> Result<Vec<ReportState>, Error> {
    let mut out = Vec::new();
    for s in list.split(',') {
        let open = match s.trim() {
            "open" => true,
            "closed" => false,
            _ => return Err(Error::bad("status", "open, closed, or both separated by a comma")),
        };
        out.extend(ALL_STATES.iter().copied().filter(|st| st.is_open() == open));
    }
    Ok(out)
}

const ALL_STATES: [ReportState; 7] = [
    ReportState::Received,
    ReportState::Acknowledged,
    ReportState::InProgress,
    ReportState::Fixed,
    ReportState::NotResponsible,
    ReportState::Duplicate,
    ReportState::NoAction,
];

/// One page of the reports `viewer` may see: public categories, and for a
/// partner also every report it is responsible for, newest first.
async fn visible_page(
    store: &Store,
    viewer: &Viewer,
    filter: &ReportQuery,
    offset: i64,
    size: i64,
) -> Result<Vec<Report>, Error> {
    let public = ReportQuery { public_only: true, limit: Some(size), offset: Some(offset), ..filter.clone() };
    let Viewer::Partner(partner) = viewer else { return Ok(store.reports(&public).await?) };
    let first = offset + size;
    let mut all = store.reports(&ReportQuery { limit: Some(first), offset: Some(0), ..public }).await?;
    let own = ReportQuery {
        responsible: Some(partner.clone()),
        limit: Some(first),
        offset: Some(0),
        ..filter.clone()
    };
    all.extend(store.reports(&own).await?);
    all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    all.dedup_by_key(|r| r.id);
    Ok(all.into_iter().skip(offset as usize).take(size as usize).collect())
}

async fn render_list(state: &AppState, viewer: &Viewer, reports: &[Report], english: bool) -> Answer {
    let routing = state.store.routing().await?;
    let names = Names::get(state).await?;
    let shown: Vec<&Report> = reports.iter().filter(|r| viewer.sees(r, &routing)).collect();
    let ids: Vec<i64> = shown.iter().map(|r| r.id).collect();
    let notes = state.store.latest_public_notes(&ids).await?;
    let mut items = Vec::with_capacity(shown.len());
    for r in shown {
        let note = notes.get(&r.id).map(String::as_str);
        items.push(request(state, viewer, r, note, &routing, &names, english));
    }
    Ok(Doc::ok("service_requests", Val::List("request", items)))
}

/// `GET requests/{id}.{format}`: one request, as a list of one.
pub async fn one(State(state): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Reply {
    let Some((id, format)) = Format::split(&file) else {
        return Reply(Format::of_path(&file), Err(Error::not_found("unknown format: use .xml or .json")));
    };
    Reply(format, one_report(&state, id, q.as_deref().unwrap_or("")).await)
}

async fn one_report(state: &AppState, id: &str, query: &str) -> Answer {
    let q = Fields::parse(query.as_bytes(), "query")?;
    let viewer = Viewer::of(&state.store, &q).await?;
    let missing = || Error::not_found(format!("service_request_id: no request {id:?}"));
    let id = id.parse::<i64>().map_err(|_| missing())?;
    let report = state.store.report(id).await?.ok_or_else(missing)?;
    let routing = state.store.routing().await?;
    if !viewer.sees(&report, &routing) {
        return Err(missing());
    }
    render_list(state, &viewer, &[report], q.get("lang") == Some("en")).await
}

/// One request's fields, with its latest public note. No reporter data; a
/// description holding personal data is withheld from the public.
fn request(
    state: &AppState,
    viewer: &Viewer,
    r: &Report,
    note: Option<&str>,
    routing: &Routing,
    names: &Arc<Names>,
    english: bool,
) -> Val {
    let t = state.translations.get(if english { Lang::En } else { Lang::Sv });
    let category = routing.category(&r.category);
    let state_name = t.get(r.state.key());
    let status_notes = match note {
        Some(note) => format!("{state_name}: {note}"),
        None => state_name.to_owned(),
    };
    let own = matches!(viewer, Viewer::Partner(p) if *p == r.responsible);
    let description = if own || find_personal_data(&r.description).is_empty() {
        r.description.clone()
    } else if english {
        "(withheld: the description contains personal data)".to_owned()
    } else {
        "(visas inte: beskrivningen innehåller personuppgifter)".to_owned()
    };
    let address = r.place.as_ref().and_then(|p| names.area(p)).or_else(|| names.area(&r.area));
    let num = |v: Option<f64>| v.map_or(Val::Null, Val::Num);
    Val::Obj(vec![
        ("service_request_id", Val::s(r.id.to_string())),
        ("status", Val::s(r.state.open311_status())),
        ("status_notes", Val::s(status_notes)),
        ("service_name", Val::s(category.map_or(r.category.as_str(), |c| c.name(english)))),
        ("service_code", Val::s(r.category.as_str())),
        ("description", Val::s(description)),
        ("agency_responsible", Val::s(names.partner(&r.responsible).unwrap_or(r.responsible.as_str()))),
        ("service_notice", Val::s(notice(r, routing, english))),
        ("address", Val::s(address.unwrap_or(""))),
        ("address_id", Val::opt(r.place.as_ref().map(Code::to_string))),
        ("requested_datetime", Val::s(iso(r.created_at))),
        ("updated_datetime", Val::s(iso(r.updated_at))),
        ("expected_datetime", Val::s(iso(r.due_at))),
        ("lat", num(r.position.map(|p| p.lat))),
        ("long", num(r.position.map(|p| p.lon))),
        ("media_url", Val::s("")),
    ])
}
