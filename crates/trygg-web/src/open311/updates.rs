//! mySociety's extension: `GET servicerequestupdates` lists public updates
//! of public categories; partners `POST` updates to requests they answer for.
//! Statuses are mySociety's upper-case extended ones, mapped from our
//! workflow states.

use super::{Answer, Doc, Error, Fields, Format, Reply, Val, form_body, iso, partner_of};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use trygg_core::ReportState;
use trygg_store::{Change, ReportUpdate, Store, now_ms};

/// The most updates one GET returns (oldest first: pass `start_date` to page on).
pub const MAX_UPDATES: i64 = 1000;

/// The mySociety extended status of a workflow state.
pub fn extended_status(state: ReportState) -> &'static str {
    match state {
        ReportState::Received => "OPEN",
        ReportState::Acknowledged => "ACTION_SCHEDULED",
        ReportState::InProgress => "IN_PROGRESS",
        ReportState::Fixed => "FIXED",
        ReportState::NotResponsible => "NOT_COUNCILS_RESPONSIBILITY",
        ReportState::Duplicate => "DUPLICATE",
        ReportState::NoAction => "NO_FURTHER_ACTION",
    }
}

/// The state a posted status asks for, given the report's current state;
/// `None` keeps the state (a note only). `OPEN` reopens a closed report and
/// `CLOSED` (FixMyStreet's "the reporter says it is fixed") fixes an open one.
pub fn requested_state(status: &str, current: ReportState) -> Result<Option<ReportState>, Error> {
    use ReportState as S;
    let next = match status.to_ascii_uppercase().as_str() {
        "OPEN" if current.is_open() => None,
        "OPEN" | "REOPEN" => Some(S::Received),
        "CLOSED" if current.is_open() => Some(S::Fixed),
        "CLOSED" => None,
        "FIXED" => Some(S::Fixed),
        "IN_PROGRESS" => Some(S::InProgress),
        "ACTION_SCHEDULED" | "INVESTIGATING" => Some(S::Acknowledged),
        "DUPLICATE" => Some(S::Duplicate),
        "NOT_COUNCILS_RESPONSIBILITY" => Some(S::NotResponsible),
        "NO_FURTHER_ACTION" => Some(S::NoAction),
        _ => {
            return Err(Error::bad(
                "status",
                "OPEN, CLOSED, FIXED, IN_PROGRESS, ACTION_SCHEDULED, INVESTIGATING, DUPLICATE, \
                 NOT_COUNCILS_RESPONSIBILITY, NO_FURTHER_ACTION or REOPEN",
            ));
        }
    };
    Ok(next.filter(|n| *n != current))
}

/// `GET servicerequestupdates`: public updates of public categories in
/// `[start_date, end_date]` (default: the last 90 days), oldest first.
pub async fn list(format: Format, State(state): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    Reply(format, list_updates(&state, q.as_deref().unwrap_or("")).await)
}

async fn list_updates(state: &AppState, query: &str) -> Answer {
    let q = Fields::parse(query.as_bytes(), "query")?;
    partner_of(&state.store, q.get("api_key")).await?;
    let end = q.instant("end_date")?.unwrap_or_else(now_ms);
    let start = q.instant("start_date")?.unwrap_or(end - super::requests::DEFAULT_WINDOW_MS);
    if start > end {
        return Err(Error::bad("end_date", "a date-time after start_date"));
    }
    let routing = state.store.routing().await?;
    let found = state.store.updates_between(start, end + 1, MAX_UPDATES).await?;
    let mut history: HashMap<i64, Vec<ReportUpdate>> = HashMap::new();
    let mut items = Vec::new();
    for (u, category) in found {
        if !u.public || !routing.category(&category).is_some_and(|c| c.public) {
            continue;
        }
        let status = match u.state {
            Some(s) => s,
            None => state_at(&state.store, &mut history, &u).await?,
        };
        items.push(Val::Obj(vec![
            ("update_id", Val::s(u.id.to_string())),
            ("service_request_id", Val::s(u.report_id.to_string())),
            ("status", Val::s(extended_status(status))),
            ("updated_datetime", Val::s(iso(u.at))),
            ("description", Val::s(u.note.clone())),
            ("media_url", Val::s("")),
        ]));
    }
    Ok(Doc::ok("service_request_updates", Val::List("request_update", items)))
}

/// The state a report was in when note-only update `u` was made.
async fn state_at(
    store: &Store,
    history: &mut HashMap<i64, Vec<ReportUpdate>>,
    u: &ReportUpdate,
) -> Result<ReportState, Error> {
    if let Entry::Vacant(slot) = history.entry(u.report_id) {
        slot.insert(store.report_updates(u.report_id).await?);
    }
    let all = history.get(&u.report_id).map_or(&[][..], Vec::as_slice);
    Ok(all
        .iter()
        .take_while(|h| h.id != u.id)
        .filter_map(|h| h.state)
        .last()
        .unwrap_or(ReportState::Received))
}

/// `POST servicerequestupdates`: a partner's update to a request it is responsible for.
pub async fn create(format: Format, State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Reply {
    Reply(format, create_update(&state, &headers, &body).await)
}

async fn create_update(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Answer {
    let f = form_body(headers, body)?;
    let partner = partner_of(&state.store, f.get("api_key"))
        .await?
        .ok_or_else(|| Error::forbidden("api_key: required to post updates"))?;
    let id = f
        .get("service_request_id")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| Error::bad("service_request_id", "the id of a request"))?;
    f.instant("updated_datetime")?;
    let status =
        f.get("status").ok_or_else(|| Error::bad("status", "a status such as OPEN, CLOSED or FIXED"))?;
    let duplicate_of = f.int("duplicate_of", 1, i64::MAX)?;
    let report = state
        .store
        .report(id)
        .await?
        .ok_or_else(|| Error::not_found(format!("service_request_id: no request {id}")))?;
    if report.responsible != partner {
        return Err(Error::forbidden(
            "api_key: your organisation is not responsible for this request, so it cannot update it",
        ));
    }
    let change = Change {
        actor: format!("partner:{partner}"),
        actor_org: Some(partner.clone()),
        state: requested_state(status, report.state)?,
        note: f.get("description").unwrap_or("").to_owned(),
        public: true,
        reroute_to: None,
        duplicate_of,
        at: None,
    };
    let (_, update_id) = state.store.apply_change(id, &change).await?;
    let item = Val::Obj(vec![
        ("update_id", Val::s(update_id.to_string())),
        ("account_id", Val::s(partner.as_str())),
    ]);
    Ok(Doc::ok("service_request_updates", Val::List("request_update", vec![item])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_both_ways() {
        use ReportState as S;
        assert_eq!(extended_status(S::Fixed), "FIXED");
        assert_eq!(extended_status(S::NotResponsible), "NOT_COUNCILS_RESPONSIBILITY");
        assert_eq!(requested_state("fixed", S::Received).unwrap(), Some(S::Fixed));
        assert_eq!(requested_state("CLOSED", S::InProgress).unwrap(), Some(S::Fixed));
        assert_eq!(requested_state("OPEN", S::InProgress).unwrap(), None);
        assert_eq!(requested_state("OPEN", S::Fixed).unwrap(), Some(S::Received));
        assert_eq!(requested_state("IN_PROGRESS", S::InProgress).unwrap(), None);
        assert!(requested_state("SOLVED", S::Received).is_err());
    }
}
