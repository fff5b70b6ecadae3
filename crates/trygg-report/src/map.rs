//! SVG maps of areas and points, projected to SWEREF 99 TM, north up.
//!
//! The output is one standalone `<svg>` element that can be inlined in a
//! page or embedded in a report. It carries no `style` attributes and no
//! `<style>` element (the Content-Security-Policy forbids inline styles):
//! pages style it through classes (`map`, `area`, `label`, `point`,
//! `point-label`, plus each item's own classes). A few inherited defaults
//! (fill, stroke, font size) sit as presentation attributes on the groups so
//! that the SVG is legible where no stylesheet applies (a PDF, an image
//! viewer); any CSS rule on those classes overrides them.

use crate::chart::text_width;
use std::fmt::{self, Write};
use trygg_analysis::projection::TransverseMercator;
use trygg_core::{LatLon, Polygon};

/// An area drawn as a filled shape with a label.
#[derive(Debug, Clone)]
pub struct MapShape<'a> {
    /// Identifies the shape; its path gets the element id `{map id}-{id}`.
    pub id: &'a str,
    /// The name: shown as the label, the tooltip and the accessible name.
    pub label: &'a str,
    /// The boundary (any ring orientation; holes are cut out).
    pub boundary: &'a Polygon,
    /// Classes added beside `area`, space separated, e.g. `rinkeby-kista exposed`.
    pub class: &'a str,
    /// Where the shape links to, if anywhere.
    pub href: Option<&'a str>,
}

/// A position drawn as a small circle.
#[derive(Debug, Clone)]
pub struct MapPoint<'a> {
    /// The name: the tooltip and accessible name, and the text label if shown.
    pub label: &'a str,
    /// Where it is.
    pub at: LatLon,
    /// Classes added beside `point`, space separated.
    pub class: &'a str,
    /// Whether to write the label beside the circle too.
    pub show_label: bool,
}

/// A grid cell: a rectangle in SWEREF 99 TM metres (EPSG:3006), the
/// analysis grid's coordinates, drawn under the areas' outlines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapCell {
    /// West edge (easting), metres.
    pub x0: f64,
    /// South edge (northing), metres.
    pub y0: f64,
    /// East edge (easting), metres.
    pub x1: f64,
    /// North edge (northing), metres.
    pub y1: f64,
    /// Classes added beside `cell`, space separated. `density-1`…`density-5`
    /// get a light-to-dark fill by default, `hot` a thick dark outline and a
    /// hatch, so that both read in greyscale; other classes are left to CSS.
    pub class: String,
    /// The tooltip, e.g. "12 events".
    pub title: Option<String>,
}

/// One entry of the map's legend: a swatch drawn like the class, and its text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegendItem {
    /// The class the swatch shows. A cell class (`density-N`, `hot`) gives a
    /// cell swatch, a class some point has gives a point swatch, any other an
    /// area swatch; each with the class's classes, so page CSS applies to it too.
    pub class: String,
    /// The text beside the swatch.
    pub label: String,
}

/// What to draw: everything a map needs, as plain data.
#[derive(Debug, Clone, Default)]
pub struct MapSpec<'a> {
    /// Prefix for element ids; must be unique on the page, e.g. `map-overview`.
    /// Characters other than ASCII letters, digits, `-` and `_` become `-`.
    pub id: &'a str,
    /// Short title (the SVG's accessible name).
    pub title: &'a str,
    /// What the map shows, in a sentence or two (the accessible description).
    pub description: &'a str,
    /// Areas, drawn in order (later ones on top).
    pub shapes: Vec<MapShape<'a>>,
    /// Points, drawn on top of the areas.
    pub points: Vec<MapPoint<'a>>,
    /// Width in pixels; the height follows from the extent (at most the width),
    /// plus the legend and scale bar below the map.
    pub width: u32,
    /// Grid cells, drawn under the areas; they count in the fitted extent.
    pub cells: Vec<MapCell>,
    /// Draw the areas as outlines only (no fill), so that cells under them show.
    /// The root then also has the class `outline-only` for page CSS.
    pub outline_only: bool,
    /// Legend entries, drawn below the map.
    pub legend: Vec<LegendItem>,
    /// Draw a north arrow in the top right corner.
    pub north_arrow: bool,
    /// Draw a scale bar of a round length (100 m, 200 m, 500 m, 1 km, …) below the map.
    pub scale_bar: bool,
}

/// Renders the map as a standalone SVG document fragment.
///
/// All shapes and points are fitted into `width` pixels with a margin,
/// keeping the aspect ratio of SWEREF 99 TM metres. The root has
/// `role="img"`, or `role="group"` when a shape is a link (an image's
/// content is hidden from assistive technology, and the links must not be).
pub fn render_svg(spec: &MapSpec) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_svg(spec, &mut out);
    out
}

type Xy = (f64, f64);
/// Projected polygons: for each, the outer ring and then the holes.
type Rings = Vec<Vec<Vec<Xy>>>;

/// Radius of a point's circle, pixels.
const POINT_RADIUS: f64 = 4.0;

fn write_svg(spec: &MapSpec, out: &mut String) -> fmt::Result {
    let tm = TransverseMercator::SWEREF99_TM;
    let project = |p: &LatLon| tm.forward(p.lat, p.lon);
    let shapes: Vec<Rings> = spec
        .shapes
        .iter()
        .map(|s| {
            s.boundary
                .polygons()
                .iter()
                .map(|poly| poly.iter().map(|ring| ring.iter().map(project).collect()).collect())
                .collect()
        })
        .collect();
    let points: Vec<Xy> = spec.points.iter().map(|p| project(&p.at)).collect();
    let corners = spec.cells.iter().flat_map(|c| [(c.x0, c.y0), (c.x1, c.y1)]);
    let frame = Frame::fit(
        shapes.iter().flatten().flatten().flatten().chain(&points).copied().chain(corners),
        spec.width,
    );

    let id = html_id(spec.id);
    let footer = footer(spec, &frame, &id)?;
    let role = if spec.shapes.iter().any(|s| s.href.is_some()) { "group" } else { "img" };
    let (w, h) = (Num(frame.width), Num(frame.height + footer.height));
    let class = if spec.outline_only { "map outline-only" } else { "map" };
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" class="{class}" role="{role}" aria-labelledby="{id}-title {id}-desc">"#
    )?;
    write!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(spec.title),
        escape(spec.description)
    )?;
    let hot = spec.cells.iter().any(|c| is_hot(&c.class)) || spec.legend.iter().any(|l| is_hot(&l.class));
    if hot {
        write!(
            out,
            r##"<defs><pattern id="{id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="8" fill="#000000"/><rect x="2" width="2" height="8" fill="#ffffff"/></pattern></defs>"##
        )?;
    }
    write_cells(out, spec, &frame, &id)?;

    let fill = if spec.outline_only { "none" } else { "#e9ecef" };
    write!(
        out,
        r##"<g class="areas" fill="{fill}" stroke="#495057" stroke-width="1" fill-rule="evenodd">"##
    )?;
    for (shape, rings) in spec.shapes.iter().zip(&shapes) {
        let title = escape(shape.label);
        if let Some(href) = shape.href {
            write!(out, r#"<a href="{}"><title>{title}</title>"#, escape(href))?;
        }
        write!(out, r#"<path id="{id}-{}" class="area{}" d=""#, html_id(shape.id), classes(shape.class))?;
        write_path_data(out, &frame, rings)?;
        write!(out, r#""><title>{title}</title></path>"#)?;
        if shape.href.is_some() {
            out.push_str("</a>");
        }
    }
    out.push_str("</g>");

    // Over grid cells, labels get a white halo (a stroke painted under the fill).
    let halo = if spec.cells.is_empty() {
        ""
    } else {
        r##" stroke="#ffffff" stroke-width="3" paint-order="stroke""##
    };
    write!(
        out,
        r##"<g class="labels" aria-hidden="true" fill="#212529" font-family="sans-serif" font-size="12" text-anchor="middle"{halo}>"##
    )?;
    for (shape, rings) in spec.shapes.iter().zip(&shapes) {
        if let Some((x, y)) =
            label_point(rings).map(|p| frame.px(p)).filter(|p| p.0.is_finite() && p.1.is_finite())
        {
            // Kept inside the map, so that a label near the edge is not cut off.
            let half = text_width(shape.label, LABEL_SIZE) / 2.0;
            let x = if 2.0 * half + 4.0 >= frame.width {
                frame.width / 2.0
            } else {
                x.clamp(half + 2.0, frame.width - half - 2.0)
            };
            let y = y.clamp(
                LABEL_SIZE / 2.0 + 2.0,
                (frame.height - LABEL_SIZE / 2.0 - 2.0).max(LABEL_SIZE / 2.0 + 2.0),
            );
            write!(
                out,
                r#"<text class="label" x="{}" y="{}" dy="0.35em">{}</text>"#,
                Num(x),
                Num(y),
                escape(shape.label)
            )?;
        }
    }
    out.push_str("</g>");

    out.push_str(r##"<g class="points" fill="#c92a2a" stroke="#ffffff" stroke-width="1" font-family="sans-serif" font-size="11">"##);
    for (point, &xy) in spec.points.iter().zip(&points) {
        let (x, y) = frame.px(xy);
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let (label, class, r) = (escape(point.label), classes(point.class), Num(POINT_RADIUS));
        let halo = if halo.is_empty() { r#" stroke="none""# } else { halo };
        write!(
            out,
            r#"<circle class="point{class}" cx="{}" cy="{}" r="{r}"><title>{label}</title></circle>"#,
            Num(x),
            Num(y)
        )?;
        if point.show_label {
            // Right of the circle, or left of it where the right edge would cut the text.
            let w = text_width(point.label, POINT_LABEL_SIZE);
            let right = x + POINT_RADIUS + 2.0;
            let (lx, anchor) = if right + w > frame.width - 2.0 && x - POINT_RADIUS - 2.0 - w >= 2.0 {
                (x - POINT_RADIUS - 2.0, r#" text-anchor="end""#)
            } else {
                (right, "")
            };
            let ly = y.clamp(
                POINT_LABEL_SIZE / 2.0 + 2.0,
                (frame.height - POINT_LABEL_SIZE / 2.0 - 2.0).max(POINT_LABEL_SIZE / 2.0 + 2.0),
            );
            write!(
                out,
                r#"<text class="point-label" aria-hidden="true"{halo} x="{}" y="{}" dy="0.35em"{anchor}>{label}</text>"#,
                Num(lx),
                Num(ly)
            )?;
        }
    }
    out.push_str("</g>");
    if spec.north_arrow {
        write_north_arrow(out, &frame)?;
    }
    out.push_str(&footer.svg);
    out.push_str("</svg>");
    Ok(())
}

/// Font size of area labels, pixels.
const LABEL_SIZE: f64 = 12.0;
/// Font size of point labels and the legend, pixels.
const POINT_LABEL_SIZE: f64 = 11.0;
/// Default fills of `density-1`…`density-5`: one ramp, light to dark (ColorBrewer OrRd).
const DENSITY: [&str; 5] = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];

/// The default fill of a cell's classes: its density class's, if any.
fn density_fill(class: &str) -> Option<&'static str> {
    class.split_whitespace().find_map(|c| {
        let n: usize = c.strip_prefix("density-")?.parse().ok()?;
        DENSITY.get(n.checked_sub(1)?).copied()
    })
}

/// Whether the classes include `hot`.
fn is_hot(class: &str) -> bool {
    class.split_whitespace().any(|c| c == "hot")
}

/// Whether the classes are those of a cell (a density class or `hot`).
fn is_cell_class(class: &str) -> bool {
    density_fill(class).is_some() || is_hot(class)
}

/// The cells, then the marks of the hot ones on top of all cells (so that no
/// neighbour covers a thick outline).
fn write_cells(out: &mut String, spec: &MapSpec, frame: &Frame, id: &str) -> fmt::Result {
    if spec.cells.is_empty() {
        return Ok(());
    }
    let rect = |c: &MapCell| {
        let (a, b) = (frame.px((c.x0, c.y1)), frame.px((c.x1, c.y0)));
        let (x, y, w, h) = (a.0.min(b.0), a.1.min(b.1), (b.0 - a.0).abs(), (b.1 - a.1).abs());
        [x, y, w, h].iter().all(|v| v.is_finite()).then_some((x, y, w, h))
    };
    let title =
        |c: &MapCell| c.title.as_deref().map(|t| format!("<title>{}</title>", escape(t))).unwrap_or_default();
    out.push_str(r#"<g class="cells" stroke="none" shape-rendering="crispEdges">"#);
    for cell in &spec.cells {
        if let Some((x, y, w, h)) = rect(cell) {
            let fill = density_fill(&cell.class).unwrap_or("none");
            write!(
                out,
                r#"<rect class="cell{}" x="{}" y="{}" width="{}" height="{}" fill="{fill}">{}</rect>"#,
                classes(&cell.class),
                Num(x),
                Num(y),
                Num(w),
                Num(h),
                title(cell)
            )?;
        }
    }
    out.push_str("</g>");
    if spec.cells.iter().any(|c| is_hot(&c.class)) {
        write!(
            out,
            r##"<g class="hot-marks" fill="url(#{id}-hatch)" stroke="#000000" stroke-width="2.5">"##
        )?;
        for cell in spec.cells.iter().filter(|c| is_hot(&c.class)) {
            if let Some((x, y, w, h)) = rect(cell) {
                write!(
                    out,
                    r#"<rect class="hot-mark" x="{}" y="{}" width="{}" height="{}">{}</rect>"#,
                    Num(x),
                    Num(y),
                    Num(w),
                    Num(h),
                    title(cell)
                )?;
            }
        }
        out.push_str("</g>");
    }
    Ok(())
}

/// A north arrow on a light backing in the top right corner.
fn write_north_arrow(out: &mut String, frame: &Frame) -> fmt::Result {
    let (cx, top) = (frame.width - 16.0, 4.0);
    write!(
        out,
        r##"<g class="north-arrow" aria-hidden="true"><rect x="{}" y="{top}" width="20" height="38" rx="3" fill="#ffffff" fill-opacity="0.8"/><text x="{cx}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="12" font-weight="bold" fill="#212529">N</text><path d="M{cx} {}L{} {}L{cx} {}Z" fill="#212529"/><path d="M{cx} {}L{} {}L{cx} {}Z" fill="#ffffff" stroke="#212529" stroke-width="1"/></g>"##,
        Num(cx - 10.0),
        Num(top + 13.0),
        Num(top + 16.0),
        Num(cx - 6.0),
        Num(top + 36.0),
        Num(top + 31.0),
        Num(top + 16.0),
        Num(cx + 6.0),
        Num(top + 36.0),
        Num(top + 31.0),
    )
}

/// What goes below the map: the scale bar and the legend.
struct Footer {
    svg: String,
    height: f64,
}

/// Lays out and writes the scale bar and the legend below the map.
fn footer(spec: &MapSpec, frame: &Frame, id: &str) -> Result<Footer, fmt::Error> {
    let mut svg = String::new();
    let scale = spec.scale_bar.then(|| scale_bar(frame)).flatten();
    if scale.is_none() && spec.legend.is_empty() {
        return Ok(Footer { svg, height: 0.0 });
    }
    let (row_h, x0, x1) = (20.0, 8.0, frame.width - 8.0);
    let top = frame.height + 2.0;
    let (mut x, mut y) = (x0, top);
    let mut place = |w: f64| {
        if x > x0 && x + w > x1 {
            (x, y) = (x0, y + row_h);
        }
        let at = (x, y);
        x += w + 16.0;
        at
    };
    svg.push_str(r##"<g class="map-footer" font-family="sans-serif" font-size="11" fill="#212529">"##);
    if let Some((px, text)) = scale {
        let (sx, sy) = place(px + 6.0 + text_width(&text, POINT_LABEL_SIZE));
        let half = px / 2.0;
        write!(
            svg,
            r##"<g class="scale-bar"><rect x="{0}" y="{1}" width="{2}" height="5" fill="#212529" stroke="#212529" stroke-width="1"/><rect x="{3}" y="{1}" width="{2}" height="5" fill="#ffffff" stroke="#212529" stroke-width="1"/><text x="{4}" y="{5}" dy="0.35em">{6}</text></g>"##,
            Num(sx),
            Num(sy + 7.5),
            Num(half),
            Num(sx + half),
            Num(sx + px + 6.0),
            Num(sy + 10.0),
            escape(&text)
        )?;
    }
    for item in &spec.legend {
        let (lx, ly) = place(22.0 + text_width(&item.label, POINT_LABEL_SIZE));
        write!(svg, r#"<g class="legend-item">"#)?;
        let (sx, sy) = (Num(lx), Num(ly + 4.0));
        if is_cell_class(&item.class) {
            let fill = density_fill(&item.class).unwrap_or("none");
            write!(
                svg,
                r##"<rect class="cell{}" x="{sx}" y="{sy}" width="16" height="12" fill="{fill}" stroke="#adb5bd" stroke-width="0.75"/>"##,
                classes(&item.class)
            )?;
            if is_hot(&item.class) {
                write!(
                    svg,
                    r##"<rect class="hot-mark" x="{sx}" y="{sy}" width="16" height="12" fill="url(#{id}-hatch)" stroke="#000000" stroke-width="2.5"/>"##
                )?;
            }
        } else if spec.points.iter().any(|p| p.class.trim() == item.class.trim()) {
            write!(
                svg,
                r##"<circle class="point{}" cx="{}" cy="{}" r="{}" fill="#c92a2a" stroke="#ffffff" stroke-width="1"/>"##,
                classes(&item.class),
                Num(lx + 8.0),
                Num(ly + 10.0),
                Num(POINT_RADIUS)
            )?;
        } else {
            let fill = if spec.outline_only { "none" } else { "#e9ecef" };
            write!(
                svg,
                r##"<rect class="area{}" x="{sx}" y="{sy}" width="16" height="12" fill="{fill}" stroke="#495057" stroke-width="1"/>"##,
                classes(&item.class)
            )?;
        }
        write!(
            svg,
            r#"<text x="{}" y="{}" dy="0.35em">{}</text></g>"#,
            Num(lx + 22.0),
            Num(ly + 10.0),
            escape(&item.label)
        )?;
    }
    svg.push_str("</g>");
    Ok(Footer { svg, height: y - top + row_h + 6.0 })
}

/// The longest round length (10 m, 20 m, 50 m, 100 m, …, 1 km, 2 km, …) that
/// takes at most a quarter of the map's width (and at most 160 pixels), as its
/// length in pixels and its label; `None` when not even 10 m fits.
fn scale_bar(frame: &Frame) -> Option<(f64, String)> {
    let per_metre = frame.pixels_per_ground_metre();
    if !(per_metre.is_finite() && per_metre > 0.0) {
        return None;
    }
    let room = (frame.width / 4.0).min(160.0);
    let mut best = None;
    for exp in 1..8 {
        for m in [1.0, 2.0, 5.0] {
            let metres = m * 10f64.powi(exp);
            if metres * per_metre <= room {
                best = Some(metres);
            }
        }
    }
    let metres = best?;
    let label =
        if metres >= 1000.0 { format!("{}\u{a0}km", metres / 1000.0) } else { format!("{metres}\u{a0}m") };
    Some((metres * per_metre, label))
}

/// The mapping from projected metres to pixels (y down).
struct Frame {
    x0: f64,
    y1: f64,
    scale: f64,
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Frame {
    /// Fits the bounding box of `points` into `width` pixels with a margin;
    /// the height is at most the width, and at least a quarter of it.
    fn fit(points: impl Iterator<Item = Xy>, width: u32) -> Self {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        if x0 > x1 {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let width = f64::from(width.max(1));
        let margin = (width / 20.0).min(12.0);
        let inner = width - 2.0 * margin;
        // Zoom no closer than 100 m across, so a lone point gets surroundings.
        let scale = inner / (x1 - x0).max(y1 - y0).max(100.0);
        let (used_w, used_h) = ((x1 - x0) * scale, (y1 - y0) * scale);
        let inner_h = used_h.max(inner / 4.0);
        let left = margin + (inner - used_w) / 2.0;
        let top = margin + (inner_h - used_h) / 2.0;
        Self { x0, y1, scale, left, top, width, height: (inner_h + 2.0 * margin).ceil() }
    }

    fn px(&self, (x, y): Xy) -> Xy {
        (self.left + (x - self.x0) * self.scale, self.top + (self.y1 - y) * self.scale)
    }

    /// Pixels per metre on the ground at the middle of the map: the grid
    /// scale times the transverse Mercator point scale factor
    /// k = k0 · (1 + E² / (2 R²)), E the distance from the central meridian.
    fn pixels_per_ground_metre(&self) -> f64 {
        /// Earth's mean radius of curvature near 59° N, metres.
        const R: f64 = 6_381_000.0;
        let tm = TransverseMercator::SWEREF99_TM;
        let centre_x = self.x0 + (self.width / 2.0 - self.left) / self.scale;
        let e = (centre_x - tm.false_easting) / tm.k0;
        let k = tm.k0 * (1.0 + e * e / (2.0 * R * R));
        self.scale * k
    }
}

/// Writes `M x y L x y … Z` per ring, in pixels rounded to 0.1, dropping
/// the closing vertex, repeated positions and rings that collapse.
fn write_path_data(out: &mut String, frame: &Frame, rings: &Rings) -> fmt::Result {
    let tenths = |v: f64| (v * 10.0).round() as i64;
    for ring in rings.iter().flatten() {
        let mut kept: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
        for &p in &ring[..ring.len().saturating_sub(1)] {
            let (x, y) = frame.px(p);
            let t = (tenths(x), tenths(y));
            if x.is_finite() && y.is_finite() && kept.last() != Some(&t) {
                kept.push(t);
            }
        }
        if kept.len() >= 2 && kept.first() == kept.last() {
            kept.pop();
        }
        if kept.len() < 3 {
            continue;
        }
        for (i, (x, y)) in kept.iter().enumerate() {
            let cmd = match i {
                0 => "M",
                1 => "L",
                _ => " ",
            };
            write!(out, "{cmd}{} {}", Num(*x as f64 / 10.0), Num(*y as f64 / 10.0))?;
        }
        out.push('Z');
    }
    Ok(())
}

/// Where to put a shape's label: the area centroid of the largest outer
/// ring, moved along its horizontal line into the polygon if it falls
/// outside (a C-shaped area, or a hole).
fn label_point(rings: &Rings) -> Option<Xy> {
    let poly = rings
        .iter()
        .filter(|p| !p.is_empty())
        .max_by(|a, b| ring_area(&a[0]).abs().total_cmp(&ring_area(&b[0]).abs()))?;
    let outer = &poly[0];
    let &(ox, oy) = outer.first()?;
    let (mut a2, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for w in outer.windows(2) {
        let ((x0, y0), (x1, y1)) = ((w[0].0 - ox, w[0].1 - oy), (w[1].0 - ox, w[1].1 - oy));
        let cross = x0 * y1 - x1 * y0;
        (a2, sx, sy) = (a2 + cross, sx + (x0 + x1) * cross, sy + (y0 + y1) * cross);
    }
    if a2 == 0.0 {
        return Some((ox, oy));
    }
    let (cx, cy) = (ox + sx / (3.0 * a2), oy + sy / (3.0 * a2));
    let mut xs: Vec<f64> = poly
        .iter()
        .flat_map(|ring| ring.windows(2))
        .filter(|w| (w[0].1 > cy) != (w[1].1 > cy))
        .map(|w| w[0].0 + (cy - w[0].1) * (w[1].0 - w[0].0) / (w[1].1 - w[0].1))
        .collect();
    xs.sort_by(f64::total_cmp);
    let spans = xs.chunks_exact(2).map(|s| (s[0], s[1]));
    if spans.clone().any(|(a, b)| a <= cx && cx <= b) {
        return Some((cx, cy));
    }
    let widest = spans.max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)));
    Some(widest.map_or((cx, cy), |(a, b)| ((a + b) / 2.0, cy)))
}

/// Twice the signed area of a closed ring (shoelace).
fn ring_area(ring: &[Xy]) -> f64 {
    let Some(&(ox, oy)) = ring.first() else {
        return 0.0;
    };
    ring.windows(2).map(|w| (w[0].0 - ox) * (w[1].1 - oy) - (w[1].0 - ox) * (w[0].1 - oy)).sum()
}

/// A number rounded to one decimal, without a trailing `.0` or a `-0`.
pub(crate) struct Num(pub(crate) f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", (self.0 * 10.0).round() / 10.0 + 0.0)
    }
}

/// An id made safe for `id` and `aria-labelledby`: ASCII letters, digits, `-`, `_`.
pub(crate) fn html_id(s: &str) -> String {
    let id: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    if id.is_empty() { "map".to_owned() } else { id }
}

/// Extra classes, escaped, with a leading space unless there are none.
fn classes(class: &str) -> String {
    let class = class.trim();
    if class.is_empty() { String::new() } else { format!(" {}", escape(class)) }
}

/// Text escaped for XML content and attribute values; characters that XML
/// 1.0 does not allow (most control characters) are dropped.
pub(crate) fn escape(s: &str) -> Escaped<'_> {
    Escaped(s)
}

/// See [`escape`].
pub(crate) struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => {
                    f.write_char(c)?
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A file under `../shared/data`, or `None` (after saying why) when it is
    /// missing; under `CI=true` a missing file fails the test instead.
    fn shared_data(rel: &str) -> Option<PathBuf> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
        if path.is_file() {
            return Some(path);
        }
        let why = format!("test data {} not found", path.display());
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why} (required when CI=true)");
        eprintln!("skipping: {why}");
        None
    }

    fn ring(corners: &[(f64, f64)]) -> Vec<LatLon> {
        let mut r: Vec<LatLon> = corners.iter().map(|&(lat, lon)| LatLon::new(lat, lon).unwrap()).collect();
        r.push(r[0]);
        r
    }

    /// A lat/lon box as a ring, clockwise or not.
    fn square(lat: f64, lon: f64, size: f64, clockwise: bool) -> Vec<LatLon> {
        let mut c = vec![(lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon)];
        if clockwise {
            c.reverse();
        }
        ring(&c)
    }

    /// Values of `name="…"` on every `<tag ` element, in order.
    fn attrs<'s>(svg: &'s str, tag: &str, name: &str) -> Vec<&'s str> {
        let key = format!(" {name}=\"");
        svg.split(&format!("<{tag}"))
            .skip(1)
            .filter(|el| el.starts_with(' '))
            .map(|el| {
                let el = &el[..el.find('>').unwrap()];
                let start = el.find(&key).unwrap() + key.len();
                &el[start..start + el[start..].find('"').unwrap()]
            })
            .collect()
    }

    /// Every number in every path's `d`, as (x, y) pairs.
    fn path_points(svg: &str) -> Vec<(f64, f64)> {
        let nums: Vec<f64> = attrs(svg, "path", "d")
            .iter()
            .flat_map(|d| d.split(|c: char| c.is_ascii_alphabetic() || c == ' ').filter(|s| !s.is_empty()))
            .map(|n| n.parse().unwrap())
            .collect();
        nums.chunks_exact(2).map(|c| (c[0], c[1])).collect()
    }

    #[test]
    fn escape_neutralises_markup() {
        let esc = |s: &str| escape(s).to_string();
        assert_eq!(esc("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assert_eq!(esc(r#""><img onerror=alert(1)>"#), "&quot;&gt;&lt;img onerror=alert(1)&gt;");
        assert_eq!(esc("Rinkeby & Kista &amp;"), "Rinkeby &amp; Kista &amp;amp;");
        assert_eq!(esc("Spånga\u{0}-\u{1b}Tensta\n"), "Spånga-Tensta\n");
        assert_eq!(html_id("map 1\"><x"), "map-1---x");
    }

    #[test]
    fn renders_structure_titles_links_and_north_up() {
        let plain = Polygon::new(vec![vec![square(59.40, 17.90, 0.01, true)]]).unwrap();
        let with_hole =
            Polygon::new(vec![vec![square(59.40, 17.93, 0.02, false), square(59.405, 17.935, 0.01, true)]])
                .unwrap();
        let spec = MapSpec {
            id: "m",
            title: "Järva <karta>",
            description: "Två områden & två platser",
            shapes: vec![
                MapShape {
                    id: "a",
                    label: "<script>alert(1)</script>",
                    boundary: &plain,
                    class: "rinkeby-kista",
                    href: None,
                },
                MapShape {
                    id: "b",
                    label: "Tensta",
                    boundary: &with_hole,
                    class: "spanga-tensta",
                    href: Some("/omraden/tensta?a=1&b=2"),
                },
            ],
            points: vec![
                MapPoint {
                    label: "Norr",
                    at: LatLon::new(59.42, 17.92).unwrap(),
                    class: "station",
                    show_label: true,
                },
                MapPoint {
                    label: "Söder",
                    at: LatLon::new(59.40, 17.92).unwrap(),
                    class: "station",
                    show_label: false,
                },
            ],
            width: 400,
            ..Default::default()
        };
        let svg = render_svg(&spec);
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 "#), "{svg}");
        assert!(svg.ends_with("</svg>"));
        let height: f64 = attrs(&svg, "svg", "height")[0].parse().unwrap();
        assert!(height > 100.0 && height <= 400.0, "height {height}");
        assert!(svg.contains(r#"role="group" aria-labelledby="m-title m-desc""#));
        assert!(svg.contains(r#"<title id="m-title">Järva &lt;karta&gt;</title><desc id="m-desc">Två områden &amp; två platser</desc>"#));
        assert_eq!(attrs(&svg, "path", "class"), ["area rinkeby-kista", "area spanga-tensta"]);
        assert_eq!(attrs(&svg, "path", "id"), ["m-a", "m-b"]);
        let rings: usize = attrs(&svg, "path", "d").iter().map(|d| d.matches('M').count()).sum();
        assert_eq!(rings, 3, "two outer rings and one hole");
        assert!(svg.contains(r#"fill-rule="evenodd""#));
        assert!(svg.contains(r#"<a href="/omraden/tensta?a=1&amp;b=2"><title>Tensta</title><path "#));
        assert_eq!(svg.matches("<title>Tensta</title>").count(), 2, "link and path");
        assert_eq!(svg.matches("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>").count(), 1);
        assert!(!svg.contains("<script") && !svg.contains("style"));
        assert_eq!(attrs(&svg, "text", "class"), ["label", "label", "point-label"]);
        // North up: the northern point is drawn higher (smaller y).
        let cy: Vec<f64> = attrs(&svg, "circle", "cy").iter().map(|v| v.parse().unwrap()).collect();
        assert!(cy[0] < cy[1], "{cy:?}");
        // Everything lies inside the view box, and the hole's label moved out of the hole.
        for (x, y) in path_points(&svg) {
            assert!((0.0..=400.0).contains(&x) && (0.0..=height).contains(&y), "({x}, {y})");
        }
        let hole_centre = frame_for(&spec).px(TransverseMercator::SWEREF99_TM.forward(59.41, 17.94));
        let label_x: f64 = attrs(&svg, "text", "x")[1].parse().unwrap();
        assert!((label_x - hole_centre.0).abs() > 20.0, "label at {label_x}, hole at {hole_centre:?}");
    }

    fn frame_for(spec: &MapSpec) -> Frame {
        let tm = TransverseMercator::SWEREF99_TM;
        let all = spec
            .shapes
            .iter()
            .flat_map(|s| s.boundary.polygons().iter().flatten().flatten())
            .chain(spec.points.iter().map(|p| &p.at));
        let corners = spec.cells.iter().flat_map(|c| [(c.x0, c.y0), (c.x1, c.y1)]);
        Frame::fit(all.map(|p| tm.forward(p.lat, p.lon)).chain(corners), spec.width)
    }

    #[test]
    fn without_links_it_is_one_image_and_empty_maps_are_valid() {
        let poly = Polygon::new(vec![vec![square(59.40, 17.90, 0.01, false)]]).unwrap();
        let shape = MapShape { id: "x", label: "X", boundary: &poly, class: "", href: None };
        let svg = render_svg(&MapSpec {
            id: "",
            title: "T",
            description: "D",
            shapes: vec![shape],
            points: vec![],
            width: 200,
            ..Default::default()
        });
        assert!(svg.contains(r#"role="img" aria-labelledby="map-title map-desc""#), "{svg}");
        assert!(!svg.contains("<a ") && svg.contains(r#"class="area" d="#));
        let empty = render_svg(&MapSpec {
            id: "e",
            title: "",
            description: "",
            shapes: vec![],
            points: vec![],
            width: 0,
            ..Default::default()
        });
        assert!(
            empty.contains(r#"viewBox="0 0 1 1""#) && !empty.contains("NaN") && !empty.contains("inf"),
            "{empty}"
        );
        let point =
            MapPoint { label: "P", at: LatLon::new(59.4, 17.9).unwrap(), class: "", show_label: false };
        let lone = render_svg(&MapSpec {
            id: "p",
            title: "",
            description: "",
            shapes: vec![],
            points: vec![point],
            width: 200,
            ..Default::default()
        });
        assert!(lone.contains(r#"cx="100" cy="32.5""#), "{lone}");
    }

    #[test]
    fn renders_the_jarva_districts() {
        let Some(path) = shared_data("stockholm-stadsdelar/jarva_stadsdelar_wgs84.geo.json") else {
            return;
        };
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let features = json["features"].as_array().unwrap();
        let pos =
            |p: &serde_json::Value| LatLon::new(p[1].as_f64().unwrap(), p[0].as_f64().unwrap()).unwrap();
        let areas: Vec<(String, String, Polygon)> = features
            .iter()
            .map(|f| {
                let rings = f["geometry"]["coordinates"].as_array().unwrap();
                let rings = rings.iter().map(|r| r.as_array().unwrap().iter().map(pos).collect()).collect();
                let props = &f["properties"];
                let class = props["stadsdelsomrade"].as_str().unwrap().to_lowercase().replace('å', "a");
                (props["stadsdel"].as_str().unwrap().to_owned(), class, Polygon::new(vec![rings]).unwrap())
            })
            .collect();
        let spec = MapSpec {
            id: "jarva",
            title: "Järva",
            description: "Stadsdelarna i Rinkeby-Kista och Spånga-Tensta",
            shapes: areas
                .iter()
                .map(|(name, class, poly)| MapShape {
                    id: name,
                    label: name,
                    boundary: poly,
                    class,
                    href: None,
                })
                .collect(),
            points: vec![],
            width: 600,
            ..Default::default()
        };
        let svg = render_svg(&spec);
        eprintln!("Järva map: {} bytes", svg.len());
        assert_eq!(features.len(), 11);
        assert_eq!(svg.matches("<path ").count(), 11);
        for name in ["Akalla", "Husby", "Kista", "Rinkeby", "Tensta"] {
            assert!(svg.contains(&format!("<title>{name}</title>")), "{name}");
        }
        assert!(
            svg.contains(r#"class="area spanga-tensta""#) && svg.contains(r#"class="area rinkeby-kista""#)
        );
        let height: f64 = attrs(&svg, "svg", "height")[0].parse().unwrap();
        let pts = path_points(&svg);
        assert!(pts.len() > 500);
        for &(x, y) in &pts {
            assert!(
                (0.0..=600.0).contains(&x) && (0.0..=height).contains(&y),
                "({x}, {y}) outside 600×{height}"
            );
        }
        // The drawing fills the width (minus the margin) in one direction or the other.
        let max_x = pts.iter().map(|p| p.0).fold(0.0, f64::max);
        let max_y = pts.iter().map(|p| p.1).fold(0.0, f64::max);
        assert!(max_x > 580.0 || max_y > height - 20.0, "max ({max_x}, {max_y})");
    }

    /// The part of `svg` from `<g class="{class}"` to the `</g>` closing it (no nested groups).
    fn group<'s>(svg: &'s str, class: &str) -> &'s str {
        let start = svg.find(&format!(r#"<g class="{class}""#)).unwrap_or_else(|| panic!("no group {class}"));
        &svg[start..start + svg[start..].find("</g>").unwrap()]
    }

    /// Grid cells of `size` metres covering the projected bounding box of `polys`.
    fn grid_over(polys: &[&Polygon], size: f64) -> Vec<MapCell> {
        let tm = TransverseMercator::SWEREF99_TM;
        let pts: Vec<Xy> = polys
            .iter()
            .flat_map(|p| p.polygons().iter().flatten().flatten())
            .map(|p| tm.forward(p.lat, p.lon))
            .collect();
        let x0 = (pts.iter().map(|p| p.0).fold(f64::MAX, f64::min) / size).floor() * size;
        let y0 = (pts.iter().map(|p| p.1).fold(f64::MAX, f64::min) / size).floor() * size;
        let x1 = pts.iter().map(|p| p.0).fold(f64::MIN, f64::max);
        let y1 = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let (cols, rows) = (((x1 - x0) / size).ceil() as usize, ((y1 - y0) / size).ceil() as usize);
        let (cx, cy) = (cols as f64 / 2.0, rows as f64 / 2.0);
        let mut cells = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let d = ((c as f64 - cx).powi(2) + (r as f64 - cy).powi(2)).sqrt() / cx.max(cy).max(1.0);
                let level = (5.0 - d * 5.0).ceil().clamp(1.0, 5.0) as usize;
                let hot = if d < 0.2 { " hot" } else { "" };
                let (x, y) = (x0 + c as f64 * size, y0 + r as f64 * size);
                cells.push(MapCell {
                    x0: x,
                    y0: y,
                    x1: x + size,
                    y1: y + size,
                    class: format!("density-{level}{hot}"),
                    title: Some(format!("{level} <händelser>")),
                });
            }
        }
        cells
    }

    fn legend(items: &[(&str, &str)]) -> Vec<LegendItem> {
        items.iter().map(|(c, l)| LegendItem { class: (*c).to_owned(), label: (*l).to_owned() }).collect()
    }

    /// Great-circle distance in metres (a sphere of the mean radius; for checking the scale bar).
    fn haversine(a: LatLon, b: LatLon) -> f64 {
        let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
        let (dp, dl) = (p2 - p1, (b.lon - a.lon).to_radians());
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    #[test]
    fn cells_legend_north_arrow_and_scale_bar() {
        let poly = Polygon::new(vec![vec![square(59.40, 17.90, 0.02, false)]]).unwrap();
        let mut cells = grid_over(&[&poly], 250.0);
        // A cell far to the east widens the extent.
        let far = cells.iter().map(|c| c.x1).fold(f64::MIN, f64::max) + 2000.0;
        let (fy0, fy1) = (cells[0].y0, cells[0].y1);
        cells.push(MapCell {
            x0: far - 250.0,
            y0: fy0,
            x1: far,
            y1: fy1,
            class: "density-1".into(),
            title: None,
        });
        let n_hot = cells.iter().filter(|c| c.class.ends_with("hot")).count();
        assert!(n_hot > 0);
        let spec = MapSpec {
            id: "m",
            title: "Täthet",
            description: "Händelser per ruta",
            shapes: vec![MapShape { id: "a", label: "Område", boundary: &poly, class: "self", href: None }],
            points: vec![MapPoint {
                label: "P",
                at: LatLon::new(59.41, 17.91).unwrap(),
                class: "station",
                show_label: false,
            }],
            width: 600,
            cells: cells.clone(),
            outline_only: true,
            legend: legend(&[
                ("density-1", "1–2"),
                ("density-5", "9 eller fler"),
                ("hot", "Het ruta (Gi*)"),
                ("self", "Stadsdel"),
                ("station", "Station <T>"),
            ]),
            north_arrow: true,
            scale_bar: true,
        };
        let svg = render_svg(&spec);
        crate::chart::tests::assert_well_formed(&svg);
        assert!(!svg.contains("style") && !svg.contains("NaN"));
        assert!(svg.contains(r#"class="map outline-only" role="img" aria-labelledby="m-title m-desc""#));
        // Cells lie under the area outlines, and the areas are unfilled.
        let (cells_at, areas_at) =
            (svg.find(r#"<g class="cells""#).unwrap(), svg.find(r#"<g class="areas""#).unwrap());
        assert!(cells_at < areas_at);
        assert!(group(&svg, "areas").contains(r#"fill="none""#));
        let drawn = group(&svg, "cells");
        assert_eq!(drawn.matches("<rect ").count(), cells.len());
        assert!(drawn.contains(r##"class="cell density-1" "##) && drawn.contains(r##"fill="#fef0d9""##));
        assert!(
            drawn.contains(r##"fill="#b30000""##) && drawn.contains("<title>5 &lt;händelser&gt;</title>")
        );
        // Hot cells: one hatch pattern, a mark per hot cell on top of all cells.
        assert_eq!(svg.matches("<pattern ").count(), 1);
        assert_eq!(svg.matches(r#"<pattern id="m-hatch""#).count(), 1);
        assert_eq!(group(&svg, "hot-marks").matches("<rect ").count(), n_hot);
        assert!(
            svg.contains(
                r##"<g class="hot-marks" fill="url(#m-hatch)" stroke="#000000" stroke-width="2.5">"##
            )
        );
        // All cells, including the far one, inside the map part of the view box.
        let frame = frame_for(&spec);
        for el in drawn.split("<rect ").skip(1) {
            let num = |k: &str| -> f64 {
                let i = el.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
                el[i..i + el[i..].find('"').unwrap()].parse().unwrap()
            };
            let (x, y, w, h) = (num("x"), num("y"), num("width"), num("height"));
            assert!(
                x >= 0.0 && y >= 0.0 && x + w <= frame.width + 0.1 && y + h <= frame.height + 0.1,
                "{el}"
            );
        }
        let footer = group(&svg, "map-footer");
        // Legend swatches drawn like their classes.
        assert!(
            svg.contains(r##"<rect class="cell density-1" x=""##)
                && svg.contains(r##"<rect class="cell hot" "##)
        );
        assert!(
            svg.contains(r##"<rect class="area self" "##)
                && svg.contains(r##"<circle class="point station" "##)
        );
        assert!(svg.contains(">Station &lt;T&gt;</text>") && svg.contains(">9 eller fler</text>"));
        assert_eq!(svg.matches(r#"class="hot-mark""#).count(), n_hot + 1, "cells and the legend swatch");
        // The footer extends the height below the map.
        let height: f64 = attrs(&svg, "svg", "height")[0].parse().unwrap();
        assert!(height > frame.height + 15.0, "{height} vs {}", frame.height);
        assert!(!footer.is_empty());
        // North arrow.
        assert!(svg.contains(r#"<g class="north-arrow" aria-hidden="true">"#) && svg.contains(">N</text>"));
        // Scale bar: a round length, its pixels matching the ground distance.
        let scale = svg.split(r#"<g class="scale-bar">"#).nth(1).unwrap();
        let label = scale.split("</text>").next().unwrap().rsplit('>').next().unwrap();
        let (number, unit) = label.split_once('\u{a0}').unwrap();
        let metres = number.parse::<f64>().unwrap() * if unit == "km" { 1000.0 } else { 1.0 };
        assert!(["m", "km"].contains(&unit));
        let lead = number.trim_end_matches('0');
        assert!(["1", "2", "5"].contains(&lead), "{label}");
        let widths: Vec<f64> = attrs(scale, "rect", "width").iter().map(|v| v.parse().unwrap()).collect();
        let bar_px = widths[0] + widths[1];
        assert!(bar_px <= 150.0 + 0.2 && bar_px > 150.0 / 2.5 - 0.2, "{bar_px} px for {label}");
        // Independently: two points 0.01° of longitude apart, their pixel distance per ground metre.
        let (a, b) = (LatLon::new(59.41, 17.90).unwrap(), LatLon::new(59.41, 17.95).unwrap());
        let tm = TransverseMercator::SWEREF99_TM;
        let (pa, pb) = (frame.px(tm.forward(a.lat, a.lon)), frame.px(tm.forward(b.lat, b.lon)));
        let px_per_m = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt() / haversine(a, b);
        assert!((bar_px / metres / px_per_m - 1.0).abs() < 0.005, "{} vs {px_per_m}", bar_px / metres);
    }

    #[test]
    fn scale_bar_picks_the_longest_round_length_that_fits() {
        let tm = TransverseMercator::SWEREF99_TM;
        let (x, y) = tm.forward(59.4, 17.9);
        for (span, width, expect) in
            [(10_000.0, 400, "2\u{a0}km"), (1_000.0, 720, "200\u{a0}m"), (3_000.0, 720, "500\u{a0}m")]
        {
            let frame = Frame::fit([(x, y), (x + span, y)].into_iter(), width);
            let (px, label) = scale_bar(&frame).unwrap();
            assert_eq!(label, expect, "{span} m in {width} px");
            assert!(px <= (f64::from(width) / 4.0).min(160.0));
        }
    }

    #[test]
    fn labels_near_the_edges_stay_inside() {
        let east = Polygon::new(vec![vec![square(59.40, 17.90, 0.002, false)]]).unwrap();
        let west = Polygon::new(vec![vec![square(59.40, 17.80, 0.002, false)]]).unwrap();
        let long = "Ett mycket långt områdesnamn som inte får klippas";
        let spec = MapSpec {
            id: "edge",
            shapes: vec![
                MapShape { id: "w", label: long, boundary: &west, class: "", href: None },
                MapShape { id: "e", label: "Östra", boundary: &east, class: "", href: None },
            ],
            points: vec![
                MapPoint {
                    label: "Punkt längst i öster",
                    at: LatLon::new(59.401, 17.902).unwrap(),
                    class: "",
                    show_label: true,
                },
                MapPoint {
                    label: "Väst",
                    at: LatLon::new(59.401, 17.80).unwrap(),
                    class: "",
                    show_label: true,
                },
            ],
            width: 500,
            ..Default::default()
        };
        let svg = render_svg(&spec);
        crate::chart::tests::assert_well_formed(&svg);
        let xs: Vec<f64> = attrs(&svg, "text", "x").iter().map(|v| v.parse().unwrap()).collect();
        let w = text_width(long, LABEL_SIZE);
        assert!(xs[0] - w / 2.0 >= 0.0, "area label starts at {}", xs[0] - w / 2.0);
        // The eastern point's label goes to the left of it, ending before the circle.
        let east_label = svg.split(r#"<text class="point-label""#).nth(1).unwrap();
        assert!(east_label.contains(r#"text-anchor="end""#), "{east_label}");
        let cx: f64 = attrs(&svg, "circle", "cx")[0].parse().unwrap();
        assert!(xs[2] < cx && xs[2] - text_width("Punkt längst i öster", POINT_LABEL_SIZE) >= 0.0);
        // The western one stays to the right.
        let west_label = svg.split(r#"<text class="point-label""#).nth(2).unwrap();
        assert!(!west_label.contains("text-anchor"), "{west_label}");
    }

    /// Writes a sample map (the Järva districts with a density grid where the
    /// data is present, otherwise two squares) and renders it to PNG when
    /// `rsvg-convert` is installed.
    #[test]
    fn sample_map_renders() {
        let squares = [
            Polygon::new(vec![vec![square(59.40, 17.90, 0.02, false)]]).unwrap(),
            Polygon::new(vec![vec![square(59.40, 17.92, 0.02, false)]]).unwrap(),
        ];
        let jarva: Option<Vec<(String, Polygon)>> =
            shared_data("stockholm-stadsdelar/jarva_stadsdelar_wgs84.geo.json").map(|path| {
                let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
                let pos = |p: &serde_json::Value| {
                    LatLon::new(p[1].as_f64().unwrap(), p[0].as_f64().unwrap()).unwrap()
                };
                json["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        let rings = f["geometry"]["coordinates"].as_array().unwrap();
                        let rings =
                            rings.iter().map(|r| r.as_array().unwrap().iter().map(pos).collect()).collect();
                        (
                            f["properties"]["stadsdel"].as_str().unwrap().to_owned(),
                            Polygon::new(vec![rings]).unwrap(),
                        )
                    })
                    .collect()
            });
        let areas: Vec<(String, &Polygon)> = match &jarva {
            Some(a) => a.iter().map(|(n, p)| (n.clone(), p)).collect(),
            None => squares.iter().enumerate().map(|(i, p)| (format!("Område {i}"), p)).collect(),
        };
        let polys: Vec<&Polygon> = areas.iter().map(|(_, p)| *p).collect();
        let spec = MapSpec {
            id: "sample-map",
            title: "Händelser per ruta",
            description: "Täthet per 250 m-ruta",
            shapes: areas
                .iter()
                .map(|(n, p)| MapShape { id: n, label: n, boundary: p, class: "district", href: None })
                .collect(),
            points: vec![MapPoint {
                label: "Kista centrum",
                at: LatLon::new(59.4030, 17.9440).unwrap(),
                class: "place",
                show_label: true,
            }],
            width: 720,
            cells: grid_over(&polys, 250.0),
            outline_only: true,
            legend: legend(&[
                ("density-1", "1–2"),
                ("density-2", "3–4"),
                ("density-3", "5–8"),
                ("density-4", "9–16"),
                ("density-5", "17 eller fler"),
                ("hot", "Statistiskt säkerställd het ruta"),
                ("place", "Plats"),
            ]),
            north_arrow: true,
            scale_bar: true,
        };
        let svg = render_svg(&spec);
        crate::chart::tests::assert_well_formed(&svg);
        let dir = std::env::temp_dir().join("trygg-charts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("map.svg");
        std::fs::write(&path, &svg).unwrap();
        crate::chart::tests::render_png(&path);
    }
}
