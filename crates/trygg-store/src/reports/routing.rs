//! Where a report belongs: the district that contains its point, and the
//! organisation whose zone answers for it. The geometry is read once and
//! kept for [`ROUTING_TTL_MS`], so that a report does not re-read every
//! boundary; a change made through this store clears it at once, and a change
//! made by another server is seen within the TTL.

use super::catalog::{Category, Zone};
use crate::{Result, Store, StoreError, now_ms};
use std::collections::HashMap;
use std::sync::Arc;
use trygg_core::{AreaLevel, Code, Invalid, LatLon, PartnerKind, Polygon};

/// How long routing data is reused before it is read again.
pub const ROUTING_TTL_MS: i64 = 30_000;

/// Everything routing needs, read in one go.
#[derive(Debug)]
pub struct Routing {
    districts: Vec<(Code, Polygon, (LatLon, LatLon))>,
    places: HashMap<Code, (LatLon, Option<Code>)>,
    zones: Vec<(Zone, f64, (LatLon, LatLon))>,
    categories: HashMap<Code, Category>,
    partner_kinds: HashMap<Code, PartnerKind>,
    read_at: i64,
}

/// The cache slot a [`Store`] carries.
pub(crate) type RoutingCache = Arc<std::sync::RwLock<Option<Arc<Routing>>>>;

/// Where a report goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// The district it lies in.
    pub area: Code,
    /// The responsible organisation.
    pub responsible: Code,
    /// The zone that decided it.
    pub zone: Code,
}

fn in_bbox(p: LatLon, (sw, ne): (LatLon, LatLon)) -> bool {
    (sw.lat..=ne.lat).contains(&p.lat) && (sw.lon..=ne.lon).contains(&p.lon)
}

impl Routing {
    /// The category with this code.
    pub fn category(&self, code: &Code) -> Option<&Category> {
        self.categories.get(code)
    }

    /// A place's position and district.
    pub fn place(&self, code: &Code) -> Option<(LatLon, Option<&Code>)> {
        self.places.get(code).map(|(p, d)| (*p, d.as_ref()))
    }

    /// The district containing `p`, if any.
    pub fn district_at(&self, p: LatLon) -> Option<&Code> {
        self.districts.iter().find(|(_, poly, bbox)| in_bbox(p, *bbox) && poly.contains(p)).map(|(c, ..)| c)
    }

    /// The zone that answers for `category` at `p`: the most specific one.
    /// Zones that name the category (or its group) beat catch-all zones;
    /// among those, the smallest wins; at equal size, a zone whose
    /// organisation is of the category's usual kind.
    pub fn zone_for(&self, category: &Category, p: LatLon) -> Option<&Zone> {
        self.zones
            .iter()
            .filter(|(z, _, bbox)| in_bbox(p, *bbox) && z.covers(category) && z.boundary.contains(p))
            .min_by(|(a, area_a, _), (b, area_b, _)| {
                let kind_differs =
                    |z: &Zone| self.partner_kinds.get(&z.partner).copied() != Some(category.responsible_kind);
                (a.categories.is_empty().cmp(&b.categories.is_empty()))
                    .then(area_a.total_cmp(area_b))
                    .then(kind_differs(a).cmp(&kind_differs(b)))
            })
            .map(|(z, ..)| z)
    }

    /// Routes a report of `category` at `p`, or explains why it cannot be taken.
    pub fn route(&self, category: &Category, p: LatLon) -> Result<Destination> {
        let shown = format!("{:.5},{:.5}", p.lat, p.lon);
        let area = self
            .district_at(p)
            .ok_or_else(|| Invalid::new("position", &shown, "a point inside one of the city's districts"))?;
        let zone = self.zone_for(category, p).ok_or_else(|| {
            Invalid::new("position", &shown, "a point in an area where Trygg takes reports (Järva)")
        })?;
        Ok(Destination { area: area.clone(), responsible: zone.partner.clone(), zone: zone.code.clone() })
    }
}

impl Store {
    /// The routing data, from the cache when fresh.
    pub async fn routing(&self) -> Result<Arc<Routing>> {
        if let Some(r) = self.routing.read().map_err(poisoned)?.as_ref()
            && now_ms() - r.read_at < ROUTING_TTL_MS
        {
            return Ok(r.clone());
        }
        let fresh = Arc::new(self.read_routing().await?);
        *self.routing.write().map_err(poisoned)? = Some(fresh.clone());
        Ok(fresh)
    }

    /// Drops the cached routing data (after a change to zones, categories or areas).
    pub fn invalidate_routing(&self) {
        if let Ok(mut slot) = self.routing.write() {
            *slot = None;
        }
    }

    async fn read_routing(&self) -> Result<Routing> {
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC))
            .date();
        let districts = self
            .areas(Some(AreaLevel::District), true)
            .await?
            .into_iter()
            .filter(|a| a.is_valid_on(today))
            .filter_map(|a| a.boundary.map(|b| (a.code, b)))
            .map(|(code, b)| {
                let bbox = b.bbox();
                (code, b, bbox)
            })
            .collect();
        let places = self
            .areas(Some(AreaLevel::Place), false)
            .await?
            .into_iter()
            .filter_map(|a| {
                let parent = a.parents_on(today).next().cloned();
                a.location.map(|p| (a.code, (p, parent)))
            })
            .collect();
        let zones = self
            .zones()
            .await?
            .into_iter()
            .map(|z| {
                let (area, bbox) = (z.boundary.area_m2(), z.boundary.bbox());
                (z, area, bbox)
            })
            .collect();
        let categories = self.categories().await?.into_iter().map(|c| (c.code.clone(), c)).collect();
        let partner_kinds = self.partners().await?.into_iter().map(|p| (p.code, p.kind)).collect();
        Ok(Routing { districts, places, zones, categories, partner_kinds, read_at: now_ms() })
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Internal("the routing cache lock is poisoned".into())
}
