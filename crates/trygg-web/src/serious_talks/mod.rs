//! Serious talks (allvarssamtal) within 48 hours: the social services'
//! deadline list, case forms and record view, the JSON API, and the
//! aggregate figures that other roles may read.
//!
//! Only `social_services` reaches a record, and only in its district areas
//! ([`view::district_areas`]); the store writes every list, read and change
//! to the audit log. Everyone else on the figures list sees aggregates only,
//! with small counts hidden.

pub(crate) mod api;
mod figures;
mod pages;
mod view;

use crate::routes::{Entry, route};
use axum::http::Method;
use axum::routing::{get, post};
use trygg_core::Role;

/// The only role that sees and changes records.
pub const SOCIAL: &[Role] = &[Role::SocialServices];
/// Who may read the aggregate figures.
pub const FIGURES: &[Role] =
    &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member, Role::SocialServices];

/// The serious-talk routes.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    const ONE: &str = "/serious-talks/AT-22222222";
    const API_ONE: &str = "/api/v1/serious-talks/AT-22222222";
    vec![
        (route(M::GET, "/serious-talks", "/serious-talks", SOCIAL), get(pages::list)),
        (route(M::POST, "/serious-talks", "/serious-talks", SOCIAL), post(pages::create)),
        (route(M::GET, "/serious-talks/new", "/serious-talks/new", SOCIAL), get(pages::new_form)),
        (route(M::GET, "/serious-talks/figures", "/serious-talks/figures", FIGURES), get(figures::figures)),
        (route(M::GET, "/serious-talks/{reference}", ONE, SOCIAL), get(pages::detail)),
        (route(M::POST, "/serious-talks/{reference}", ONE, SOCIAL), post(pages::record)),
        (route(M::GET, "/api/v1/serious-talks", "/api/v1/serious-talks", SOCIAL), get(api::list_talks)),
        (route(M::POST, "/api/v1/serious-talks", "/api/v1/serious-talks", SOCIAL), post(api::create_talk)),
        (route(M::GET, "/api/v1/serious-talks/{reference}", API_ONE, SOCIAL), get(api::get_talk)),
    ]
}
