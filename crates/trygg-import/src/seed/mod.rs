//! The Järva seed: the geography, the strategy 2020–2025 and the
//! organisation, built from data files embedded in the binary and loaded
//! idempotently (every write is an upsert by code, so a second run changes
//! nothing but the audit log).
//!
//! The data files live in `crates/trygg-import/seed/`; `SOURCES.md` there
//! gives each file's origin, licence and SHA-256.

mod exposed;
mod geography;
mod indicators;
mod names;
mod org;
mod places;
mod rapid;
mod table;

pub use indicators::{SeedIndicators, SeedTarget};
pub use names::display_name;
pub use rapid::{RapidReport, load_rapid_action, parse_deadline};

use crate::boundaries::BoundaryError;
use std::collections::BTreeSet;
use std::fmt;
use trygg_core::{Area, AreaLevel, Group, Partner, StrategyVersion};
use trygg_store::{Category, Store, StoreError, Zone};

/// An embedded data file: its name (for errors) and its text.
#[derive(Debug, Clone, Copy)]
struct Embedded {
    name: &'static str,
    text: &'static str,
}

macro_rules! embedded {
    ($file:literal) => {
        Embedded { name: concat!("seed/", $file), text: include_str!(concat!("../../seed/", $file)) }
    };
}

const GEOGRAPHY: Embedded = embedded!("geography_jarva.toml");
const BOUNDARIES: Embedded = embedded!("stadsdelar_wgs84.geo.json");
const PLACES: Embedded = embedded!("jarva_places.csv");
const EXPOSED: Embedded = embedded!("utsatta_omraden_jarva.csv");
const STRATEGY: Embedded = embedded!("strategy_jarva_2020_2025.toml");
const ORGANISATION: Embedded = embedded!("organisation_jarva.toml");
const RAPID: Embedded = embedded!("rapid_action_jarva.toml");
const INDICATORS: Embedded = embedded!("indicators_jarva.toml");

/// Why the seed could not be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database refused a write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The boundary file did not parse.
    #[error(transparent)]
    Boundaries(#[from] BoundaryError),
    /// A data file is inconsistent (the message names the file and, where
    /// there is one, the line and column).
    #[error("{file}: {message}")]
    Data {
        /// The data file, e.g. `seed/jarva_places.csv`.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl SeedError {
    fn data(file: &str, message: impl Into<String>) -> Self {
        Self::Data { file: file.to_owned(), message: message.into() }
    }
}

/// Everything the seed writes, checked and ready to load.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The areas, parents before children: the city, district areas,
    /// districts, places.
    pub areas: Vec<Area>,
    /// The strategy version.
    pub strategy: StrategyVersion,
    /// The partner organisations.
    pub partners: Vec<Partner>,
    /// The groups, whose members refer to the partners.
    pub groups: Vec<Group>,
    /// The incident categories, groups before their categories.
    pub categories: Vec<Category>,
    /// The responsibility zones.
    pub zones: Vec<Zone>,
    /// The common indicators and their targets.
    pub indicators: SeedIndicators,
}

/// What a seed wrote, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedReport {
    /// Areas of level city.
    pub cities: usize,
    /// Areas of level district area.
    pub district_areas: usize,
    /// Areas of level district.
    pub districts: usize,
    /// Districts flagged as exposed.
    pub exposed_districts: usize,
    /// Areas of level place.
    pub places: usize,
    /// Strategy elements, all kinds.
    pub strategy_elements: usize,
    /// Partner organisations.
    pub partners: usize,
    /// Groups.
    pub groups: usize,
    /// Incident categories (groups included).
    pub categories: usize,
    /// Responsibility zones.
    pub zones: usize,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} city, {} district areas, {} districts ({} exposed), {} places, \
             {} strategy elements, {} partners, {} groups, {} incident categories, {} zones",
            self.cities,
            self.district_areas,
            self.districts,
            self.exposed_districts,
            self.places,
            self.strategy_elements,
            self.partners,
            self.groups,
            self.categories,
            self.zones
        )
    }
}

/// Builds and checks the Järva seed from the embedded data files, without
/// touching a database. Fails if any file is inconsistent, e.g. a place
/// outside its district or two districts with the same code.
pub fn jarva() -> Result<Seed, SeedError> {
    let geography = geography::Geography::parse(GEOGRAPHY)?;
    let mut districts = geography.districts(BOUNDARIES)?;
    let exposed = exposed::exposed_districts(EXPOSED, &districts)?;
    for d in &mut districts {
        d.exposed = exposed.contains(&d.code);
    }
    let places = places::places(PLACES, &geography.place_source, &districts)?;
    let mut areas = geography.upper_areas(&districts)?;
    areas.extend(districts);
    areas.extend(places);
    check_areas(&areas)?;
    let strategy = org::strategy(STRATEGY, &areas)?;
    let org = org::Organisation::parse(ORGANISATION)?;
    let rapid = rapid::Rapid::parse(RAPID.name, RAPID.text, &areas, &org.partners)?;
    let mut partners = org.partners;
    partners.extend(rapid.partners);
    let indicators = SeedIndicators::parse(INDICATORS.name, INDICATORS.text, &areas)?;
    Ok(Seed {
        areas,
        strategy,
        partners,
        groups: org.groups,
        categories: rapid.categories,
        zones: rapid.zones,
        indicators,
    })
}

/// Area codes are unique across all levels, and every area is valid.
fn check_areas(areas: &[Area]) -> Result<(), SeedError> {
    let mut seen = BTreeSet::new();
    for a in areas {
        if !seen.insert(&a.code) {
            let msg = format!("two areas have the code {} (one is {:?})", a.code, a.name.as_str());
            let file = match a.level {
                AreaLevel::Place => PLACES.name,
                _ => BOUNDARIES.name,
            };
            return Err(SeedError::data(file, msg));
        }
        a.validate().map_err(|e| SeedError::data(GEOGRAPHY.name, format!("area {}: {e}", a.code)))?;
    }
    Ok(())
}

impl Seed {
    /// Counts what the seed holds.
    pub fn report(&self) -> SeedReport {
        let level = |l| self.areas.iter().filter(|a| a.level == l).count();
        SeedReport {
            cities: level(AreaLevel::City),
            district_areas: level(AreaLevel::DistrictArea),
            districts: level(AreaLevel::District),
            exposed_districts: self
                .areas
                .iter()
                .filter(|a| a.level == AreaLevel::District && a.exposed)
                .count(),
            places: level(AreaLevel::Place),
            strategy_elements: self.strategy.elements.len(),
            partners: self.partners.len(),
            groups: self.groups.len(),
            categories: self.categories.len(),
            zones: self.zones.len(),
        }
    }

    /// Writes the seed: every record is upserted by its code, so loading
    /// twice leaves the same data. Ends with an audit entry `seed.<name>`.
    pub async fn load(&self, store: &Store, name: &str) -> Result<SeedReport, SeedError> {
        for area in &self.areas {
            store.upsert_area(area).await?;
        }
        store.upsert_strategy(&self.strategy).await?;
        for p in &self.partners {
            store.upsert_partner(p).await?;
        }
        for g in &self.groups {
            store.upsert_group(g).await?;
        }
        for c in &self.categories {
            store.upsert_category(c).await?;
        }
        for z in &self.zones {
            store.upsert_zone(z).await?;
        }
        self.indicators.load(store).await?;
        let report = self.report();
        let action = format!("seed.{name}");
        store.audit("system", &action, "areas", &report.to_string()).await?;
        tracing::info!(%report, "{action} loaded");
        Ok(report)
    }
}

/// Seeds Järva: Stockholm's 117 districts with boundaries, the district
/// areas Rinkeby-Kista and Spånga-Tensta (until 2023-06-30) and Järva (from
/// 2023-07-01) and the city, with boundaries composed of their districts'
/// polygons, Järva's places, the police's exposed districts, the strategy
/// 2020–2025, partners and groups, and the common indicators with their
/// illustrative targets. Idempotent: running it twice gives the
/// same database (plus new audit entries). All data is checked before
/// anything is written.
pub async fn seed_jarva(store: &Store) -> Result<SeedReport, SeedError> {
    jarva()?.load(store, "jarva").await
}
