//! HTML pages, rendered with askama templates from `templates/`.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use trygg_core::{Area, AreaLevel, Code, Date, ElementKind, Email, Name, Password, Role, StrategyVersion};
use trygg_report::map::{MapPoint, MapShape, MapSpec, render_svg};
use trygg_store::{AuditEntry, AuditVerification, EventQuery, NewAccount, User};

/// What the shared layout (`base.html`) needs.
pub struct Layout<'a> {
    /// Translations.
    pub t: Tr<'a>,
    /// The page title (without the site name).
    pub title: String,
    /// The signed-in user.
    pub user: Option<&'a User>,
    /// The user's role, translated.
    pub role_name: &'a str,
    /// The CSRF token for forms.
    pub csrf: &'a str,
    /// The current path.
    pub path: &'a str,
    /// Whether to show the admin links.
    pub is_admin: bool,
}

impl<'a> Layout<'a> {
    /// The layout for `ctx` with a page title.
    pub fn new(ctx: &'a Ctx, t: Tr<'a>, title: &str) -> Self {
        Self {
            title: title.to_owned(),
            user: ctx.user.as_ref(),
            role_name: t.get(role_key(ctx.role())),
            csrf: &ctx.csrf,
            path: &ctx.path,
            is_admin: ctx.role() == Role::Admin,
            t,
        }
    }

    /// The tag of the language to switch to.
    pub fn other_lang(&self) -> &'static str {
        self.t.lang.other().tag()
    }
}

/// The translation key for a role's name.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role.admin",
        Role::Coordinator => "role.coordinator",
        Role::Steering => "role.steering",
        Role::Member => "role.member",
        Role::Partner => "role.partner",
        Role::SocialServices => "role.social_services",
        Role::Public => "role.public",
    }
}

fn level_key(level: AreaLevel) -> &'static str {
    match level {
        AreaLevel::City => "level.city",
        AreaLevel::DistrictArea => "level.district_area",
        AreaLevel::District => "level.district",
        AreaLevel::Place => "level.place",
    }
}

pub(crate) fn html(page: impl Template) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Percent-encodes a path for a query parameter.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A local path to return to after signing in; anything else becomes `/`.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains(['\\', '\r', '\n']);
    if local { next } else { "/" }
}

fn today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(stockholm()).date()
}

/// The time zone every time is shown in.
pub fn stockholm() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// An instant (epoch ms) as Swedish local date and time, `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned_datetime(stockholm()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout<'a>,
    status: u16,
    message: &'a str,
}

/// The full error page for `status` with `message`.
pub fn error_page(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    let t = ctx.t();
    let title = t.get("error.title");
    html(ErrorPage { l: Layout::new(ctx, t, title), status: status.as_u16(), message })
}

struct DistrictLink {
    code: String,
    name: String,
    exposed: bool,
}

struct Overview {
    code: String,
    name: String,
    validity: String,
    districts: Vec<DistrictLink>,
    places: usize,
}

struct StrategyLine {
    current: bool,
    name: String,
    validity: String,
}

struct ElementGroup {
    heading: &'static str,
    names: Vec<String>,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage<'a> {
    l: Layout<'a>,
    map: String,
    overviews: Vec<Overview>,
    strategy: Option<StrategyLine>,
    elements: Vec<ElementGroup>,
}

/// The district areas the map colours districts by.
const MAP_GROUPS: [&str; 2] = ["rinkeby-kista", "spanga-tensta"];

/// `GET /`: the map of Järva's districts and an overview per district area.
pub async fn start(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let areas = match state.store.areas(None, true).await {
        Ok(a) => a,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let group_of =
        |a: &Area| MAP_GROUPS.into_iter().find(|g| a.parents.iter().any(|p| p.code.as_str() == *g));
    let districts: Vec<(&Area, &str, String)> = areas
        .iter()
        .filter(|a| a.level == AreaLevel::District && a.boundary.is_some())
        .filter_map(|a| group_of(a).map(|g| (a, g, format!("/areas/{}", a.code))))
        .collect();
    let district_codes: Vec<&Code> = districts.iter().map(|(a, _, _)| &a.code).collect();
    let places: Vec<&Area> = areas
        .iter()
        .filter(|a| {
            a.level == AreaLevel::Place && a.parents.iter().any(|p| district_codes.contains(&&p.code))
        })
        .collect();
    let title = t.get("start.title");
    let classes: Vec<String> = districts
        .iter()
        .map(|(a, group, _)| if a.exposed { format!("{group} exposed") } else { (*group).to_owned() })
        .collect();
    let spec = MapSpec {
        id: "jarva-map",
        title,
        description: t.get("start.map_description"),
        shapes: districts
            .iter()
            .zip(&classes)
            .filter_map(|((a, _, href), class)| {
                Some(MapShape {
                    id: a.code.as_str(),
                    label: a.name.as_str(),
                    boundary: a.boundary.as_ref()?,
                    class,
                    href: Some(href),
                })
            })
            .collect(),
        points: places
            .iter()
            .filter_map(|p| {
                Some(MapPoint { label: p.name.as_str(), at: p.location?, class: "place", show_label: false })
            })
            .collect(),
        width: 720,
        ..Default::default()
    };
    let map = render_svg(&spec);
    let strategy = match latest_strategy(&state).await {
        Ok(s) => s,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let elements = strategy.as_ref().map(strategy_groups).unwrap_or_default();
    let strategy = strategy.map(|s| StrategyLine {
        current: s.applies_on(today()),
        name: s.name.to_string(),
        validity: format!("{} – {}", s.valid_from, s.valid_to),
    });
    let overviews = overviews(&areas, t);
    html(StartPage { l: Layout::new(&ctx, t, title), map, overviews, strategy, elements })
}

/// The strategy in force today, or else the most recent one.
async fn latest_strategy(state: &AppState) -> trygg_store::Result<Option<StrategyVersion>> {
    let all = state.store.strategies().await?;
    let today = today();
    let current = all.iter().position(|s| s.applies_on(today));
    Ok(current.or((!all.is_empty()).then_some(0)).map(|i| all[i].clone()))
}

fn strategy_groups(s: &StrategyVersion) -> Vec<ElementGroup> {
    [
        (ElementKind::Direction, "start.directions"),
        (ElementKind::WorkingMethod, "start.working_methods"),
        (ElementKind::Perspective, "start.perspectives"),
    ]
    .into_iter()
    .map(|(kind, heading)| ElementGroup {
        heading,
        names: s.elements_of(kind).map(|e| e.name.to_string()).collect(),
    })
    .collect()
}

fn overviews(areas: &[Area], t: Tr<'_>) -> Vec<Overview> {
    let mut out = Vec::new();
    for code in MAP_GROUPS.iter().copied().chain(["jarva"]) {
        let Some(da) = areas.iter().find(|a| a.code.as_str() == code) else {
            continue;
        };
        let districts: Vec<DistrictLink> = areas
            .iter()
            .filter(|a| a.level == AreaLevel::District && a.parents.iter().any(|p| p.code == da.code))
            .map(|a| DistrictLink { code: a.code.to_string(), name: a.name.to_string(), exposed: a.exposed })
            .collect();
        let places = areas
            .iter()
            .filter(|p| {
                p.level == AreaLevel::Place
                    && p.parents.iter().any(|pp| districts.iter().any(|d| d.code == pp.code.as_str()))
            })
            .count();
        out.push(Overview {
            code: da.code.to_string(),
            name: da.name.to_string(),
            validity: validity_text(da.valid_from, da.valid_to, t),
            districts,
            places,
        });
    }
    out
}

fn validity_text(from: Option<Date>, to: Option<Date>, t: Tr<'_>) -> String {
    match (from, to) {
        (None, None) => String::new(),
        (Some(f), None) => t.fill("validity.from", "date", &f.to_string()),
        (None, Some(to)) => t.fill("validity.to", "date", &to.to_string()),
        (Some(f), Some(to)) => {
            t.fill("validity.between", "from", &f.to_string()).replace("{to}", &to.to_string())
        }
    }
}

struct AreaRow {
    code: String,
    name: String,
    parents: String,
    validity: String,
}

#[derive(Template)]
#[template(path = "areas.html")]
struct AreasPage<'a> {
    l: Layout<'a>,
    groups: Vec<(String, Vec<AreaRow>)>,
}

/// `GET /areas`: every area, grouped by level.
pub async fn areas(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let names: std::collections::HashMap<&Code, &str> =
        areas.iter().map(|a| (&a.code, a.name.as_str())).collect();
    let groups = AreaLevel::ALL
        .iter()
        .map(|level| {
            let rows = areas
                .iter()
                .filter(|a| a.level == *level)
                .map(|a| AreaRow {
                    code: a.code.to_string(),
                    name: a.name.to_string(),
                    parents: a
                        .parents
                        .iter()
                        .map(|p| {
                            let name = names.get(&p.code).copied().unwrap_or(p.code.as_str());
                            let v = validity_text(p.valid_from, p.valid_to, t);
                            if v.is_empty() { name.to_owned() } else { format!("{name} ({v})") }
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    validity: validity_text(a.valid_from, a.valid_to, t),
                })
                .collect::<Vec<_>>();
            (t.get(level_key(*level)).to_owned(), rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    html(AreasPage { l: Layout::new(&ctx, t, t.get("areas.title")), groups })
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage<'a> {
    l: Layout<'a>,
    area: &'a Area,
    level: &'a str,
    validity: String,
    parents: Vec<(String, String, String)>,
    children: Vec<(String, String, String)>,
    map: Option<String>,
    events: Vec<EventRow>,
    event_total: usize,
}

struct EventRow {
    date: String,
    category: String,
    title: String,
    url: Option<String>,
}

/// The area and every area below it, at any time.
pub(crate) fn with_descendants(all: &[Area], code: &Code) -> Vec<Code> {
    trygg_core::members(all, code, None, None)
}

/// `GET /areas/{code}`: one area, its place in the hierarchy and its map.
pub async fn area(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Response {
    let t = ctx.t();
    let not_found = || PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
    let Ok(code) = Code::new(&code) else {
        return not_found();
    };
    let (area, all) = match tokio::try_join!(state.store.area(&code), state.store.areas(None, true)) {
        Ok((Some(a), all)) => (a, all),
        Ok((None, _)) => return not_found(),
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let name_of = |c: &Code| all.iter().find(|a| &a.code == c).map_or(c.to_string(), |a| a.name.to_string());
    let parents = area
        .parents
        .iter()
        .map(|p| (p.code.to_string(), name_of(&p.code), validity_text(p.valid_from, p.valid_to, t)))
        .collect();
    // Children as of today, or as of the area's last day if it has ended.
    let on = area.valid_to.filter(|end| *end < today()).unwrap_or_else(today);
    let child_areas: Vec<&Area> =
        all.iter().filter(|a| a.is_valid_on(on) && a.parents_on(on).any(|p| p == &area.code)).collect();
    let children = child_areas
        .iter()
        .map(|a| (a.code.to_string(), a.name.to_string(), t.get(level_key(a.level)).to_owned()))
        .collect();
    let map = area_map(&area, &child_areas, t);
    let query = EventQuery { areas: with_descendants(&all, &area.code), ..EventQuery::default() };
    let events = match state.store.events(&query).await {
        Ok(e) => e,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let event_total = events.len();
    let events = events
        .into_iter()
        .take(15)
        .map(|e| EventRow {
            date: local_time(e.event.occurred_at).chars().take(16).collect(),
            category: e.event.category,
            title: e.event.summary.or(e.event.title).unwrap_or_default(),
            url: e.event.url,
        })
        .collect();
    let title = area.name.to_string();
    html(AreaPage {
        l: Layout::new(&ctx, t, &title),
        level: t.get(level_key(area.level)),
        validity: validity_text(area.valid_from, area.valid_to, t),
        area: &area,
        parents,
        children,
        map,
        events,
        event_total,
    })
}

fn area_map(area: &Area, children: &[&Area], t: Tr<'_>) -> Option<String> {
    let hrefs: Vec<String> = children.iter().map(|c| format!("/areas/{}", c.code)).collect();
    let mut shapes: Vec<MapShape> = children
        .iter()
        .zip(&hrefs)
        .filter_map(|(c, href)| {
            Some(MapShape {
                id: c.code.as_str(),
                label: c.name.as_str(),
                boundary: c.boundary.as_ref()?,
                class: if c.exposed { "child exposed" } else { "child" },
                href: Some(href),
            })
        })
        .collect();
    if shapes.is_empty() {
        shapes.extend(area.boundary.as_ref().map(|b| MapShape {
            id: area.code.as_str(),
            label: area.name.as_str(),
            boundary: b,
            class: if area.exposed { "self exposed" } else { "self" },
            href: None,
        }));
    }
    let points: Vec<MapPoint> = children
        .iter()
        .filter_map(|c| {
            // Places lie close together: their names are in the titles and the list below.
            Some(MapPoint { label: c.name.as_str(), at: c.location?, class: "place", show_label: false })
        })
        .chain(area.location.map(|at| MapPoint {
            label: area.name.as_str(),
            at,
            class: "place",
            show_label: true,
        }))
        .collect();
    if shapes.is_empty() && points.is_empty() {
        return None;
    }
    Some(render_svg(&MapSpec {
        id: "area-map",
        title: area.name.as_str(),
        description: t.get("area.map_description"),
        shapes,
        points,
        width: 640,
        ..Default::default()
    }))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    l: Layout<'a>,
    email: &'a str,
    next: &'a str,
    error: Option<&'a str>,
}

/// Query of the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`.
pub async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    login_page(&ctx, "", &q.next, None).into_response()
}

/// The login page, with an optional error (used again after a failed attempt).
pub fn login_page(ctx: &Ctx, email: &str, next: &str, error: Option<&str>) -> Response {
    let t = ctx.t();
    let next = safe_next(next);
    html(LoginPage { l: Layout::new(ctx, t, t.get("login.title")), email, next, error })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    l: Layout<'a>,
    error: Option<&'a str>,
    notice: Option<&'a str>,
}

/// Query of the password page.
#[derive(Deserialize)]
pub struct ChangedQuery {
    #[serde(default)]
    changed: Option<String>,
}

/// `GET /account/password`.
pub async fn password_form(ctx: Ctx, Query(q): Query<ChangedQuery>) -> Response {
    let t = ctx.t();
    let notice = q.changed.map(|_| t.get("password.changed"));
    password_page(&ctx, None, notice)
}

/// The password page with an optional error or notice.
pub fn password_page(ctx: &Ctx, error: Option<&str>, notice: Option<&str>) -> Response {
    let t = ctx.t();
    html(PasswordPage { l: Layout::new(ctx, t, t.get("password.title")), error, notice })
}

struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    areas: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    l: Layout<'a>,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'a str)>,
    areas: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let t = ctx.t();
    let (users, areas) = match tokio::try_join!(state.store.users(), state.store.areas(None, false)) {
        Ok(x) => x,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            email: u.email.to_string(),
            name: u.name.to_string(),
            role: t.get(role_key(u.role)).to_owned(),
            areas: u.areas.iter().map(Code::as_str).collect::<Vec<_>>().join(", "),
            disabled: u.disabled,
        })
        .collect();
    let roles = Role::assignable().map(|r| (r.as_str(), t.get(role_key(r)))).collect();
    let areas = areas
        .into_iter()
        .filter(|a| a.level != AreaLevel::Place)
        .map(|a| (a.code.to_string(), format!("{} ({})", a.name, t.get(level_key(a.level)))))
        .collect();
    let page = UsersPage { l: Layout::new(ctx, t, t.get("users.title")), users, roles, areas, error, notice };
    (status, html(page)).into_response()
}

/// `GET /admin/users`.
pub async fn users(State(state): State<AppState>, ctx: Ctx) -> Response {
    users_page(&state, &ctx, StatusCode::OK, None, None).await
}

/// `POST /admin/users`: the fields arrive as a list because `area` repeats.
pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = ctx.t();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    let areas: Result<Vec<Code>, _> =
        fields.iter().filter(|(k, _)| k == "area").map(|(_, v)| Code::new(v)).collect();
    let parsed = (|| {
        Ok::<_, trygg_core::Invalid>((
            Email::new(field("email"))?,
            Name::new(field("name"))?,
            field("role").parse::<Role>()?,
            areas?,
            Password::new(field("password"))?,
        ))
    })();
    let (email, name, role, areas, password) = match parsed {
        Ok(p) => p,
        Err(e) => {
            return users_page(&state, &ctx, StatusCode::BAD_REQUEST, Some(e.to_string()), None).await;
        }
    };
    match state.store.add_user(&ctx.actor(), NewAccount { email, name, role, areas, password }).await {
        Ok(u) => {
            users_page(
                &state,
                &ctx,
                StatusCode::CREATED,
                None,
                Some(t.fill("users.created", "email", u.email.as_str())),
            )
            .await
        }
        Err(
            e @ (trygg_store::StoreError::Conflict { .. }
            | trygg_store::StoreError::NotFound { .. }
            | trygg_store::StoreError::Invalid(_)),
        ) => users_page(&state, &ctx, StatusCode::BAD_REQUEST, Some(e.to_string()), None).await,
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// The enable/disable form.
#[derive(Deserialize)]
pub struct DisabledForm {
    #[serde(default)]
    disabled: String,
}

/// `POST /admin/users/{id}/disabled`.
pub async fn set_disabled(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<DisabledForm>,
) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else {
        return PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
    };
    if ctx.user.as_ref().is_some_and(|u| u.id == id) {
        return users_page(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            Some(t.get("users.not_self").to_owned()),
            None,
        )
        .await;
    }
    let disabled = form.disabled == "true";
    match state.store.user(id).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
        }
        Err(e) => return PageError::from_store(e, t).into_response(),
    }
    if let Err(e) = state.store.set_user_disabled(id, disabled).await {
        return PageError::from_store(e, t).into_response();
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    let _ = state.store.audit(&ctx.actor(), action, &format!("user:{id}"), "").await;
    Redirect::to("/admin/users").into_response()
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    record: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    l: Layout<'a>,
    intact: bool,
    status: String,
    rows: Vec<AuditRow>,
}

/// `GET /admin/audit`: the latest entries and whether the chain is intact.
pub async fn audit(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (verification, entries) =
        match tokio::try_join!(state.store.verify_audit(), state.store.audit_entries(200)) {
            Ok(x) => x,
            Err(e) => return PageError::from_store(e, t).into_response(),
        };
    let (intact, status) = match verification {
        AuditVerification::Intact { entries } => (true, t.fill("audit.intact", "n", &entries.to_string())),
        AuditVerification::Broken { seq, reason } => {
            (false, t.fill("audit.broken", "seq", &seq.to_string()).replace("{reason}", &reason))
        }
    };
    let rows = entries
        .into_iter()
        .map(|e: AuditEntry| AuditRow {
            seq: e.seq,
            at: local_time(e.at),
            actor: e.actor,
            action: e.action,
            record: e.record,
        })
        .collect();
    let _ = state.store.audit(&ctx.actor(), "audit.read", "audit_log", "").await;
    html(AuditPage { l: Layout::new(&ctx, t, t.get("audit.title")), intact, status, rows })
}

/// `GET /static/{file}`: the stylesheet and script compiled into the binary.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "style.css" => (include_str!("../assets/style.css"), "text/css; charset=utf-8"),
        "report.js" => (include_str!("../assets/report.js"), "text/javascript; charset=utf-8"),
        "report.css" => (trygg_report::html::REPORT_CSS, "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, mime)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/areas/tensta"), "/areas/tensta");
        for bad in ["", "https://evil.example", "//evil.example", "/\\evil", "/a\r\nSet-Cookie: x"] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(encode("/a b?c"), "/a%20b%3Fc");
    }
}

struct GroupView {
    name: String,
    kind: &'static str,
    mandate: String,
    end_date: Option<String>,
    expired: bool,
    members: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage<'a> {
    l: Layout<'a>,
    groups: Vec<GroupView>,
    partners: Vec<(String, &'static str)>,
}

fn group_kind_key(kind: trygg_core::GroupKind) -> &'static str {
    match kind {
        trygg_core::GroupKind::Steering => "org.steering",
        trygg_core::GroupKind::Preparation => "org.preparation",
        trygg_core::GroupKind::Working => "org.working",
    }
}

/// `GET /organisation`: the groups with their mandates, members and end
/// dates (expired mandates flagged), and the partner organisations.
pub async fn organisation(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (groups, partners) = match tokio::try_join!(state.store.groups(), state.store.partners()) {
        Ok(x) => x,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let partner_name = |code: &Code| {
        partners.iter().find(|p| &p.code == code).map_or_else(|| code.to_string(), |p| p.name.to_string())
    };
    let today = today();
    let groups = groups
        .iter()
        .map(|g| GroupView {
            name: g.name.to_string(),
            kind: group_kind_key(g.kind),
            mandate: g.mandate.clone(),
            end_date: g.end_date.map(|d| d.to_string()),
            expired: g.is_expired(today),
            members: g
                .members
                .iter()
                .map(|m| {
                    let partner = m.partner.as_ref().map(partner_name).unwrap_or_default();
                    (m.name.to_string(), partner, m.role.clone().unwrap_or_default())
                })
                .collect(),
        })
        .collect();
    let partners = partners.iter().map(|p| (p.name.to_string(), partner_kind_key(p.kind))).collect();
    html(OrganisationPage { l: Layout::new(&ctx, t, t.get("org.title")), groups, partners })
}

fn partner_kind_key(kind: trygg_core::PartnerKind) -> &'static str {
    use trygg_core::PartnerKind as K;
    match kind {
        K::Police => "partner.police",
        K::CityAdministration => "partner.city_administration",
        K::CityCompany => "partner.city_company",
        K::PropertyOwner => "partner.property_owner",
        K::Business => "partner.business",
        K::Region => "partner.region",
        K::School => "partner.school",
        K::SocialServices => "partner.social_services",
        K::CivilSociety => "partner.civil_society",
        K::JobCentre => "partner.job_centre",
        K::Other => "partner.other",
    }
}
