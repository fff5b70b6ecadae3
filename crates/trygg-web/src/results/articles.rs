//! Good examples: the staff pages `/articles` (Admin and Coordinator write
//! and publish, the steering group approves) and the public article page
//! `/results/articles/{id}`, which shows published articles only. The
//! store checks the workflow draft → approved → published, refuses
//! personal data and audits every change.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::{Layout, html};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trygg_core::{AreaLevel, Code, Role};
use trygg_store::{Article, ArticleState, NewArticle};

/// Who sees the staff pages.
pub const STAFF: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering];
/// Who writes, changes and publishes articles.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];
/// Who approves articles.
pub const APPROVERS: &[Role] = &[Role::Steering];

/// An article as a list line.
struct Line {
    id: i64,
    title: String,
    area: String,
    state: String,
    date: String,
}

#[derive(Template)]
#[template(path = "results_articles.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    lines: Vec<Line>,
    areas: Vec<(String, String)>,
    may_write: bool,
}

#[derive(Template)]
#[template(path = "results_article_edit.html")]
struct EditPage<'a> {
    l: Layout<'a>,
    article: Article,
    state: String,
    areas: Vec<(String, String)>,
    may_write: bool,
    may_approve: bool,
    may_publish: bool,
}

#[derive(Template)]
#[template(path = "results_article.html")]
struct PublicPage<'a> {
    l: Layout<'a>,
    area: String,
    published: String,
    paragraphs: Vec<String>,
}

/// The article form.
#[derive(Debug, Deserialize, Default)]
pub struct ArticleForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

fn has_role(ctx: &Ctx, roles: &[Role]) -> bool {
    ctx.user.as_ref().is_some_and(|u| roles.contains(&u.role))
}

/// The state in words.
fn state_text(t: Tr<'_>, s: ArticleState) -> String {
    t.get(&format!("results.articles.state.{}", s.as_str())).to_owned()
}

/// A day (Stockholm) of an instant, `YYYY-MM-DD`.
pub fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned_datetime(crate::pages::stockholm()).date().to_string())
        .unwrap_or_default()
}

/// The paragraphs of an article's text (separated by blank lines).
pub fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

/// Järva, its district areas and districts: (code, name).
async fn areas(state: &AppState) -> Result<Vec<(String, String)>, trygg_store::StoreError> {
    let mut out = Vec::new();
    for level in [AreaLevel::DistrictArea, AreaLevel::District] {
        for a in state.store.areas(Some(level), false).await? {
            out.push((a.code.to_string(), a.name.to_string()));
        }
    }
    if let Some(j) = state.store.area(&Code::new(super::progress::JARVA)?).await? {
        out.insert(0, (j.code.to_string(), j.name.to_string()));
    }
    Ok(out)
}

fn area_name(areas: &[(String, String)], code: &Code) -> String {
    areas.iter().find(|(c, _)| c == code.as_str()).map_or_else(|| code.to_string(), |(_, n)| n.clone())
}

/// `GET /articles`: every article with its state, and the form for a new one.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let loaded = tokio::try_join!(state.store.articles(), areas(&state));
    let (articles, areas) = match loaded {
        Ok(x) => x,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let lines = articles
        .iter()
        .map(|a| Line {
            id: a.id,
            title: a.title.clone(),
            area: area_name(&areas, &a.area),
            state: state_text(t, a.state),
            date: day(a.updated_at),
        })
        .collect();
    html(ListPage {
        l: Layout::new(&ctx, t, t.get("results.articles.staff_title")),
        lines,
        areas,
        may_write: has_role(&ctx, WRITERS),
    })
}

fn new_article(f: &ArticleForm) -> Result<NewArticle, trygg_store::StoreError> {
    Ok(NewArticle {
        area: Code::new(f.area.trim())?,
        title: f.title.clone(),
        body: f.body.replace("\r\n", "\n"),
    })
}

/// `POST /articles`: writes a draft.
pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ArticleForm>) -> Response {
    let t = ctx.t();
    let made = match new_article(&f) {
        Ok(new) => state.store.create_article(&ctx.actor(), &new).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(a) => Redirect::to(&format!("/articles/{}", a.id)).into_response(),
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

fn parse_id(t: Tr<'_>, id: &str) -> Result<i64, PageError> {
    id.parse().map_err(|_| PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")))
}

/// `GET /articles/{id}`: an article with the form to change it and the workflow's buttons.
pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let id = match parse_id(t, &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let loaded = tokio::try_join!(state.store.article(id), areas(&state));
    let (article, areas) = match loaded {
        Ok((Some(a), areas)) => (a, areas),
        Ok((None, _)) => {
            return PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
        }
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let writer = has_role(&ctx, WRITERS);
    html(EditPage {
        l: Layout::new(&ctx, t, t.get("results.articles.edit_title")),
        state: state_text(t, article.state),
        may_write: writer && article.state != ArticleState::Published,
        may_approve: has_role(&ctx, APPROVERS) && article.state == ArticleState::Draft,
        may_publish: writer && article.state == ArticleState::Approved,
        article,
        areas,
    })
}

/// `POST /articles/{id}`: changes the text (back to draft).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ArticleForm>,
) -> Response {
    let t = ctx.t();
    let id = match parse_id(t, &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let changed = match new_article(&f) {
        Ok(new) => state.store.update_article(&ctx.actor(), id, &new).await,
        Err(e) => Err(e),
    };
    match changed {
        Ok(_) => Redirect::to(&format!("/articles/{id}")).into_response(),
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// `POST /articles/{id}/approve`: the steering group approves a draft.
pub async fn approve(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let id = match parse_id(t, &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match state.store.approve_article(&ctx.actor(), id).await {
        Ok(_) => Redirect::to(&format!("/articles/{id}")).into_response(),
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// `POST /articles/{id}/publish`: publishes an approved article.
pub async fn publish(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let id = match parse_id(t, &id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    match state.store.publish_article(&ctx.actor(), id).await {
        Ok(_) => Redirect::to(&format!("/articles/{id}")).into_response(),
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// `GET /results/articles/{id}`: a published article; anything else is not found.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let not_found = || PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
    let Ok(id) = id.parse::<i64>() else { return not_found() };
    let article = match state.store.article(id).await {
        Ok(Some(a)) if a.state == ArticleState::Published => a,
        Ok(_) => return not_found(),
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let area = match state.store.area(&article.area).await {
        Ok(a) => a.map_or_else(|| article.area.to_string(), |a| a.name.to_string()),
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    html(PublicPage {
        l: Layout::new(&ctx, t, &article.title),
        area,
        published: article.published_at.map(day).unwrap_or_default(),
        paragraphs: paragraphs(&article.body),
    })
}
