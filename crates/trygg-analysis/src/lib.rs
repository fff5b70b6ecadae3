//! Trygg's numerics: pure functions on plain `f64` values and slices.
//!
//! No I/O, no async, no dependency on the domain crate; callers convert
//! their types at the edge. Modules:
//!
//! - [`projection`]: WGS84 ↔ SWEREF 99 TM / 18 00 (Gauss–Krüger).
//! - [`grid`]: square grids with an origin, cell size and extent; counts per cell.
//! - [`pip`]: a point-in-polygon index (R-tree) for assigning points to areas.
//! - [`weights`]: spatial weights on grids (queen contiguity, distance band).
//! - [`hotspot`]: Getis-Ord Gi*/Gi, local and global Moran's I, General G,
//!   permutation inference and false-discovery-rate control.
//! - [`kde`]: kernel density estimation and bandwidth rules.
//! - [`knox`]: the Knox test and Ratcliffe's near-repeat calculation.
//! - [`counts`]: trends, two-period comparisons, difference-in-differences
//!   and survey proportions.
//! - [`rng`]: the seeded random numbers every permutation test uses.

pub mod counts;
pub mod grid;
pub mod hotspot;
pub mod kde;
pub mod knox;
pub mod pip;
pub mod projection;
pub mod rng;
pub mod weights;
