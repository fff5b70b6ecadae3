//! Trygg's importers: parsers for the formats users have → core types;
//! idempotent loads with provenance.
//!
//! - [`boundaries`]: GeoJSON district polygons (WGS84) → [`trygg_core::Polygon`]s,
//!   with errors that name the file, the feature and the field.
//! - [`polisen`]: the police's open events API (JSON, plain or gzip), with
//!   events placed in districts by their text through the [`gazetteer`].
//! - [`points`]: point events from CSV in WGS84, SWEREF 99 or UTM, placed in
//!   districts by point-in-polygon.
//! - [`statistics`]: reported crimes per region, period and crime type (CSV
//!   or XLSX, long or Brå's wide layout); [`table`] reads such tables with
//!   the place of every cell.
//! - [`surveys`]: survey values per wave from one documented template
//!   (`docs/import-templates.md`).
//! - [`population`]: SCB's PX-Web output (v1 `json`, v2 JSON-stat 2.0) and a
//!   plain population table.
//! - [`shapefile`]: boundaries from the city's shapefiles (SWEREF 99 18 00,
//!   Latin-1 DBF text, checked), matched to stored areas by name or code.
//! - [`seed`]: the Järva seed — Stockholm's 117 districts, Järva's district
//!   areas and places, the strategy 2020–2025 and the organisation — loaded
//!   into a [`trygg_store::Store`] so that running it again changes nothing.
//!
//! The seed's data files are embedded in the binary (see `seed/SOURCES.md`
//! for their origin, licence and checksums), so it needs no files at run time.

pub mod boundaries;
pub mod gazetteer;
pub mod points;
pub mod polisen;
pub mod population;
pub mod seed;
pub mod shapefile;
pub mod statistics;
pub mod surveys;
pub mod table;
