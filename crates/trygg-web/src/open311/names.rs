//! Names that Open311 answers show (partners, places, districts), read from
//! the store at most once per [`TTL_MS`] per application, so that a GET does
//! not re-read every area. A renamed partner shows within the TTL.

use crate::{AppState, WebConfig};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use trygg_core::{AreaLevel, Code};
use trygg_store::{StoreError, now_ms};

/// How long names are reused before they are read again.
pub const TTL_MS: i64 = 30_000;

/// Partner and area names by code.
#[derive(Debug, Default)]
pub struct Names {
    partners: HashMap<Code, String>,
    areas: HashMap<Code, String>,
    read_at: i64,
}

/// One cache slot per running application, keyed by its configuration's
/// allocation: the `Weak` keeps that address from being reused while the
/// slot exists, so two applications in one process (tests) never share names.
type Slot = (Weak<WebConfig>, Arc<Names>);
static CACHE: Mutex<Vec<Slot>> = Mutex::new(Vec::new());

impl Names {
    /// The names for `state`'s store, from the cache when fresh.
    pub async fn get(state: &AppState) -> Result<Arc<Names>, StoreError> {
        if let Some(n) = Self::cached(state) {
            return Ok(n);
        }
        let fresh = Arc::new(Self::read(state).await?);
        if let Ok(mut slots) = CACHE.lock() {
            slots.retain(|(w, _)| {
                w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(&state.config))
            });
            slots.push((Arc::downgrade(&state.config), fresh.clone()));
        }
        Ok(fresh)
    }

    fn cached(state: &AppState) -> Option<Arc<Names>> {
        let slots = CACHE.lock().ok()?;
        slots
            .iter()
            .find(|(w, n)| {
                std::ptr::eq(w.as_ptr(), Arc::as_ptr(&state.config)) && now_ms() - n.read_at < TTL_MS
            })
            .map(|(_, n)| n.clone())
    }

    async fn read(state: &AppState) -> Result<Names, StoreError> {
        let partners =
            state.store.partners().await?.into_iter().map(|p| (p.code, p.name.to_string())).collect();
        let mut areas = HashMap::new();
        for level in [AreaLevel::District, AreaLevel::Place] {
            for a in state.store.areas(Some(level), false).await? {
                areas.insert(a.code, a.name.to_string());
            }
        }
        Ok(Names { partners, areas, read_at: now_ms() })
    }

    /// A partner's name.
    pub fn partner(&self, code: &Code) -> Option<&str> {
        self.partners.get(code).map(String::as_str)
    }

    /// A district's or place's name.
    pub fn area(&self, code: &Code) -> Option<&str> {
        self.areas.get(code).map(String::as_str)
    }
}
