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

/// What to draw: everything a map needs, as plain data.
#[derive(Debug, Clone)]
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
    /// Width in pixels; the height follows from the extent (at most the width).
    pub width: u32,
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
    let frame = Frame::fit(shapes.iter().flatten().flatten().flatten().chain(&points).copied(), spec.width);

    let id = html_id(spec.id);
    let role = if spec.shapes.iter().any(|s| s.href.is_some()) { "group" } else { "img" };
    let (w, h) = (Num(frame.width), Num(frame.height));
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" class="map" role="{role}" aria-labelledby="{id}-title {id}-desc">"#
    )?;
    write!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(spec.title),
        escape(spec.description)
    )?;

    out.push_str(
        r##"<g class="areas" fill="#e9ecef" stroke="#495057" stroke-width="1" fill-rule="evenodd">"##,
    );
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

    out.push_str(r##"<g class="labels" aria-hidden="true" fill="#212529" font-family="sans-serif" font-size="12" text-anchor="middle">"##);
    for (shape, rings) in spec.shapes.iter().zip(&shapes) {
        if let Some((x, y)) =
            label_point(rings).map(|p| frame.px(p)).filter(|p| p.0.is_finite() && p.1.is_finite())
        {
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
        write!(
            out,
            r#"<circle class="point{class}" cx="{}" cy="{}" r="{r}"><title>{label}</title></circle>"#,
            Num(x),
            Num(y)
        )?;
        if point.show_label {
            let (lx, ly) = (Num(x + POINT_RADIUS + 2.0), Num(y));
            write!(
                out,
                r#"<text class="point-label" aria-hidden="true" stroke="none" x="{lx}" y="{ly}" dy="0.35em">{label}</text>"#
            )?;
        }
    }
    out.push_str("</g></svg>");
    Ok(())
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
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", (self.0 * 10.0).round() / 10.0 + 0.0)
    }
}

/// An id made safe for `id` and `aria-labelledby`: ASCII letters, digits, `-`, `_`.
fn html_id(s: &str) -> String {
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
fn escape(s: &str) -> Escaped<'_> {
    Escaped(s)
}

/// See [`escape`].
struct Escaped<'a>(&'a str);

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
        Frame::fit(all.map(|p| tm.forward(p.lat, p.lon)), spec.width)
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
}
