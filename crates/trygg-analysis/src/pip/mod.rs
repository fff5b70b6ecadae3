//! A point-in-polygon index for assigning points to areas (districts, zones).
//!
//! An area is a list of polygons, each a list of rings of `[x, y]` vertices:
//! the first ring of a polygon is its outline and the others its holes, in
//! either orientation, closed (last vertex = first) or not. A point is in an
//! area by the even–odd rule over the rings of one of its polygons. The test
//! is planar, so lon/lat degrees and projected metres work alike (at
//! Stockholm's scale an edge between two lon/lat vertices is straight enough).
//!
//! **Boundary rule.** Half-open, like [`crate::grid`]'s cells: a point on a
//! polygon's south or west boundary is inside, on its north or east boundary
//! outside. Edges are stored with their lower end first, so two areas that
//! share an edge (with identical vertices) compute it identically and a point
//! on it is assigned to exactly one of them (the one to its north or east).
//! Where areas overlap, [`PolygonIndex::locate`] returns the lowest area index.
//!
//! **Speed.** An R-tree (`rstar`) over the polygons' bounding boxes finds the
//! candidates; each polygon keeps its edges in horizontal bands of equal
//! height (about one band per edge), so a test reads only the few edges of
//! one band. Building is O(E log E) for E edges; a lookup is O(log P + k)
//! for P polygons and k edges in the band — a million points into
//! Stockholm's 117 districts take a fraction of a second on one core.

#[cfg(test)]
mod tests;

use std::ops::ControlFlow;

use rstar::{AABB, RTree, RTreeObject};

/// One ring: its vertices `[x, y]`.
pub type Ring = Vec<[f64; 2]>;
/// One polygon: its outline ring, then its holes.
pub type Polygon = Vec<Ring>;
/// One area: its polygons (a multipolygon).
pub type Area = Vec<Polygon>;

/// Why an index cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PipError {
    /// No areas were given.
    #[error("no areas to index")]
    NoAreas,
    /// More areas than fit the `u32` ids of [`PolygonIndex::locate_all`].
    #[error("{0} areas are more than can be indexed")]
    TooManyAreas(usize),
    /// An area has no polygon with a ring.
    #[error("area {0} has no polygon")]
    EmptyArea(usize),
    /// A ring has fewer than three distinct vertices.
    #[error("area {area}, polygon {polygon}, ring {ring} has fewer than three distinct vertices")]
    ShortRing {
        /// The area.
        area: usize,
        /// The polygon within the area.
        polygon: usize,
        /// The ring within the polygon.
        ring: usize,
    },
    /// A vertex is NaN or infinite.
    #[error("area {area}, polygon {polygon}, ring {ring} has a coordinate that is not a finite number")]
    NonFinite {
        /// The area.
        area: usize,
        /// The polygon within the area.
        polygon: usize,
        /// The ring within the polygon.
        ring: usize,
    },
}

/// An edge with its lower end first (`ya < yb`), and its slope `dx/dy`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    xa: f64,
    ya: f64,
    yb: f64,
    slope: f64,
}

impl Edge {
    /// Whether a rightward ray from (x, y) crosses the edge (half-open in y).
    #[inline]
    fn crossed_by(&self, x: f64, y: f64) -> bool {
        self.ya <= y && y < self.yb && x < self.xa + (y - self.ya) * self.slope
    }
}

/// One polygon's edges, bucketed into horizontal bands (CSR layout).
#[derive(Debug, Clone)]
struct BandedPolygon {
    area: u32,
    min: [f64; 2],
    max: [f64; 2],
    inv_band: f64,
    edges: Vec<Edge>,
    /// `band_start[b]..band_start[b + 1]` index `band_edges` for band b.
    band_start: Vec<u32>,
    band_edges: Vec<u32>,
}

impl BandedPolygon {
    fn new(area: u32, edges: Vec<Edge>, min: [f64; 2], max: [f64; 2]) -> Self {
        let bands = edges.len().clamp(1, 1 << 16);
        let height = max[1] - min[1];
        let inv_band = if height > 0.0 { bands as f64 / height } else { 0.0 };
        let band_of = |y: f64| (((y - min[1]) * inv_band) as usize).min(bands - 1);
        let mut band_start = vec![0u32; bands + 1];
        for e in &edges {
            for b in band_of(e.ya)..=band_of(e.yb) {
                band_start[b + 1] += 1;
            }
        }
        for b in 0..bands {
            band_start[b + 1] += band_start[b];
        }
        let mut next = band_start.clone();
        let mut band_edges = vec![0u32; band_start[bands] as usize];
        for (i, e) in edges.iter().enumerate() {
            for b in band_of(e.ya)..=band_of(e.yb) {
                band_edges[next[b] as usize] = i as u32;
                next[b] += 1;
            }
        }
        BandedPolygon { area, min, max, inv_band, edges, band_start, band_edges }
    }

    /// Even–odd test over the edges of the point's band.
    #[inline]
    fn contains(&self, x: f64, y: f64) -> bool {
        if !(x >= self.min[0] && x <= self.max[0] && y >= self.min[1] && y <= self.max[1]) {
            return false;
        }
        let bands = self.band_start.len() - 1;
        let b = (((y - self.min[1]) * self.inv_band) as usize).min(bands - 1);
        let ids = &self.band_edges[self.band_start[b] as usize..self.band_start[b + 1] as usize];
        ids.iter().filter(|&&i| self.edges[i as usize].crossed_by(x, y)).count() % 2 == 1
    }
}

/// A polygon's bounding box in the R-tree.
#[derive(Debug, Clone)]
struct BoxEntry {
    envelope: AABB<[f64; 2]>,
    polygon: u32,
}

impl RTreeObject for BoxEntry {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The index: polygons with banded edges behind an R-tree of their bounding boxes.
#[derive(Debug, Clone)]
pub struct PolygonIndex {
    polygons: Vec<BandedPolygon>,
    tree: RTree<BoxEntry>,
    areas: usize,
}

impl PolygonIndex {
    /// Builds the index from `areas[i]` = the polygons of area `i`.
    pub fn new(areas: &[Area]) -> Result<Self, PipError> {
        if areas.is_empty() {
            return Err(PipError::NoAreas);
        }
        u32::try_from(areas.len()).map_err(|_| PipError::TooManyAreas(areas.len()))?;
        let mut polygons = Vec::new();
        for (a, area) in areas.iter().enumerate() {
            if area.iter().all(|p| p.is_empty()) {
                return Err(PipError::EmptyArea(a));
            }
            for (p, rings) in area.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
                polygons.push(build_polygon(a, p, rings)?);
            }
        }
        let entries = polygons
            .iter()
            .enumerate()
            .map(|(i, p)| BoxEntry { envelope: AABB::from_corners(p.min, p.max), polygon: i as u32 })
            .collect();
        Ok(PolygonIndex { polygons, tree: RTree::bulk_load(entries), areas: areas.len() })
    }

    /// Number of areas indexed.
    pub fn len(&self) -> usize {
        self.areas
    }

    /// Always false: an index has at least one area.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The lowest-numbered area containing (x, y), or `None` (also for NaN).
    /// See the module docs for points on a boundary.
    pub fn locate(&self, x: f64, y: f64) -> Option<usize> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let mut best: Option<u32> = None;
        let probe = AABB::from_point([x, y]);
        let _ = self.tree.locate_in_envelope_intersecting_int(&probe, |entry| {
            let poly = &self.polygons[entry.polygon as usize];
            if best.is_none_or(|b| poly.area < b) && poly.contains(x, y) {
                best = Some(poly.area);
            }
            ControlFlow::<()>::Continue(())
        });
        best.map(|a| a as usize)
    }

    /// [`locate`](Self::locate) for every point; pairs beyond the shorter slice are ignored.
    pub fn locate_all(&self, xs: &[f64], ys: &[f64]) -> Vec<Option<u32>> {
        xs.iter().zip(ys).map(|(&x, &y)| self.locate(x, y).map(|a| a as u32)).collect()
    }
}

/// Checks one polygon's rings and turns them into banded edges.
fn build_polygon(area: usize, polygon: usize, rings: &[Ring]) -> Result<BandedPolygon, PipError> {
    let mut edges = Vec::new();
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for (ring, vertices) in rings.iter().enumerate() {
        if vertices.iter().flatten().any(|v| !v.is_finite()) {
            return Err(PipError::NonFinite { area, polygon, ring });
        }
        let mut distinct = vertices.clone();
        distinct.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(PipError::ShortRing { area, polygon, ring });
        }
        for v in vertices {
            for d in 0..2 {
                min[d] = min[d].min(v[d]);
                max[d] = max[d].max(v[d]);
            }
        }
        ring_edges(vertices, &mut edges);
    }
    Ok(BandedPolygon::new(area as u32, edges, min, max))
}

/// Appends a ring's non-horizontal edges (closing it if needed), lower end first.
fn ring_edges(vertices: &[[f64; 2]], edges: &mut Vec<Edge>) {
    let n = vertices.len();
    for i in 0..n {
        let (p, q) = (vertices[i], vertices[(i + 1) % n]);
        if p[1] == q[1] {
            continue; // horizontal (or the closing duplicate): never crossed
        }
        let (lo, hi) = if p[1] < q[1] { (p, q) } else { (q, p) };
        edges.push(Edge { xa: lo[0], ya: lo[1], yb: hi[1], slope: (hi[0] - lo[0]) / (hi[1] - lo[1]) });
    }
}
