//! Discovery, the service list (our leaf categories) and service definitions.

use super::{Answer, Doc, Error, Fields, Format, Reply, Val, partner_of};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use trygg_store::Category;

/// When this API last changed in a way clients may notice.
pub const CHANGESET: &str = "2026-11-26T00:00:00+01:00";

/// `GET discovery`: where the endpoint is and what it speaks.
pub async fn discovery(format: Format, State(state): State<AppState>) -> Reply {
    let url = format!("{}/open311/v2", state.config.public_url.trim_end_matches('/'));
    let endpoint = Val::Obj(vec![
        ("specification", Val::s("http://wiki.open311.org/GeoReport_v2")),
        ("url", Val::s(url)),
        ("changeset", Val::s(CHANGESET)),
        ("type", Val::s("production")),
        ("formats", Val::List("format", vec![Val::s("text/xml"), Val::s("application/json")])),
    ]);
    let val = Val::Obj(vec![
        ("changeset", Val::s(CHANGESET)),
        ("contact", Val::s("Stockholms stad, Järva: trygghetssamordnare")),
        (
            "key_service",
            Val::s("API keys for partner organisations: ask the city (made with `trygg partner key`)"),
        ),
        ("endpoints", Val::List("endpoint", vec![endpoint])),
    ]);
    Reply(format, Ok(Doc::ok("discovery", val)))
}

/// `GET services`: the leaf categories; non-public ones only with a valid `api_key`.
pub async fn list(format: Format, State(state): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    Reply(format, services(&state, q.as_deref().unwrap_or("")).await)
}

async fn services(state: &AppState, query: &str) -> Answer {
    let q = Fields::parse(query.as_bytes(), "query")?;
    let keyed = partner_of(&state.store, q.get("api_key")).await?.is_some();
    let english = q.get("lang") == Some("en");
    let all = state.store.categories().await?;
    let items = all
        .iter()
        .filter(|c| c.parent.is_some() && (c.public || keyed))
        .map(|c| service(c, &all, english))
        .collect();
    Ok(Doc::ok("services", Val::List("service", items)))
}

fn service(c: &Category, all: &[Category], english: bool) -> Val {
    let group = c.parent.as_ref().and_then(|p| all.iter().find(|g| &g.code == p));
    let group_name = group.map_or("", |g| g.name(english));
    let keywords = [c.name_sv.as_str(), c.name_en.as_str(), group_name]
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Val::Obj(vec![
        ("service_code", Val::s(c.code.as_str())),
        ("service_name", Val::s(c.name(english))),
        ("description", Val::s(c.description.clone())),
        ("metadata", Val::Bool(false)),
        ("type", Val::s("realtime")),
        ("keywords", Val::s(keywords)),
        ("group", Val::s(group_name)),
    ])
}

/// `GET services/{code}.{format}`: the service definition (no attributes: none are needed).
pub async fn definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Reply {
    let Some((code, format)) = Format::split(&file) else {
        return Reply(Format::of_path(&file), Err(Error::not_found("unknown format: use .xml or .json")));
    };
    Reply(format, definition_of(&state, code, q.as_deref().unwrap_or("")).await)
}

async fn definition_of(state: &AppState, code: &str, query: &str) -> Answer {
    let q = Fields::parse(query.as_bytes(), "query")?;
    let keyed = partner_of(&state.store, q.get("api_key")).await?.is_some();
    let missing = || Error::not_found(format!("service_code: no service {code:?}; see services.json"));
    let code = trygg_core::Code::new(code).map_err(|_| missing())?;
    let category = state.store.category(&code).await?.ok_or_else(missing)?;
    if category.parent.is_none() || !(category.public || keyed) {
        return Err(missing());
    }
    let val = Val::Obj(vec![
        ("service_code", Val::s(category.code.as_str())),
        ("attributes", Val::List("attribute", Vec::new())),
    ]);
    Ok(Doc::ok("service_definition", val))
}
