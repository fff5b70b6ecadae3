//! Trygg's numerics: pure functions on plain `f64` values and slices.
//!
//! No I/O, no async, no dependency on the domain crate; callers convert
//! their types at the edge. For now this holds the map [`projection`]
//! (WGS84/SWEREF 99 latitude and longitude to SWEREF 99 grid metres and back);
//! spatial statistics (density, hot spots, near-repeat tests) will follow.

pub mod projection;
