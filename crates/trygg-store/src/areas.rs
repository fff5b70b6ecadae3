//! Areas and their time-dependent hierarchy.

use crate::{OptF64, Result, Store, StoreError, date_text, parse, parse_date};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use trygg_core::{Area, AreaCode, AreaLevel, AreaParent, Invalid, LatLon, Polygon};

/// The columns every area query reads; the boundary is added where wanted.
macro_rules! columns {
    () => {
        "code, name, level, valid_from, valid_to, boundary_source, lat, lon, kind, exposed"
    };
}

macro_rules! select_areas {
    ($extra:literal) => {
        concat!(
            "SELECT ",
            columns!(),
            $extra,
            " FROM areas WHERE ($1 IS NULL OR level = $1) ",
            "ORDER BY CASE level WHEN 'city' THEN 0 WHEN 'district_area' THEN 1 ",
            "WHEN 'district' THEN 2 ELSE 3 END, name"
        )
    };
}

impl Store {
    /// Inserts or replaces an area and its parent memberships. Each parent
    /// must exist and sit at a higher level.
    pub async fn upsert_area(&self, area: &Area) -> Result<()> {
        area.validate()?;
        let boundary = area.boundary.as_ref().map(boundary_to_json);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO areas (code, name, level, valid_from, valid_to, boundary, boundary_source, lat, lon, kind, exposed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
             valid_from = excluded.valid_from, valid_to = excluded.valid_to, boundary = excluded.boundary, \
             boundary_source = excluded.boundary_source, lat = excluded.lat, lon = excluded.lon, \
             kind = excluded.kind, exposed = excluded.exposed",
        )
        .bind(area.code.as_str())
        .bind(area.name.as_str())
        .bind(area.level.as_str())
        .bind(date_text(area.valid_from))
        .bind(date_text(area.valid_to))
        .bind(boundary)
        .bind(area.boundary_source.as_deref())
        .bind(OptF64(area.location.map(|p| p.lat)))
        .bind(OptF64(area.location.map(|p| p.lon)))
        .bind(area.kind.as_deref())
        .bind(i64::from(area.exposed))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM area_parents WHERE child = $1")
            .bind(area.code.as_str())
            .execute(&mut *tx)
            .await?;
        for p in &area.parents {
            let level: Option<String> = sqlx::query_scalar("SELECT level FROM areas WHERE code = $1")
                .bind(p.code.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let level: AreaLevel = match level {
                Some(l) => l.parse()?,
                None => {
                    return Err(StoreError::NotFound { what: "parent area", key: p.code.to_string() });
                }
            };
            if level >= area.level {
                return Err(Invalid::new(
                    "parent",
                    p.code.as_str(),
                    format!("an area above the level {}", area.level),
                )
                .into());
            }
            sqlx::query(
                "INSERT INTO area_parents (child, parent, valid_from, valid_to) VALUES ($1, $2, $3, $4)",
            )
            .bind(area.code.as_str())
            .bind(p.code.as_str())
            .bind(date_text(p.valid_from))
            .bind(date_text(p.valid_to))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One area with its boundary, or `None`.
    pub async fn area(&self, code: &AreaCode) -> Result<Option<Area>> {
        let sql = concat!("SELECT ", columns!(), ", boundary FROM areas WHERE code = $1");
        let Some(row) = sqlx::query(sql).bind(code.as_str()).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let mut area = area_from_row(&row, true)?;
        area.parents = self.parents_of(Some(code)).await?.remove(code).unwrap_or_default();
        Ok(Some(area))
    }

    /// All areas, optionally of one level, ordered by level and name.
    /// Boundaries are loaded only when asked for (they are large).
    pub async fn areas(&self, level: Option<AreaLevel>, with_boundary: bool) -> Result<Vec<Area>> {
        let sql = if with_boundary { select_areas!(", boundary") } else { select_areas!("") };
        let rows = sqlx::query(sql).bind(level.map(AreaLevel::as_str)).fetch_all(&self.pool).await?;
        let mut parents = self.parents_of(None).await?;
        rows.iter()
            .map(|row| {
                let mut area = area_from_row(row, with_boundary)?;
                area.parents = parents.remove(&area.code).unwrap_or_default();
                Ok(area)
            })
            .collect()
    }

    /// The areas that have (or had) `code` as a parent, with their memberships.
    pub async fn children(&self, code: &AreaCode, with_boundary: bool) -> Result<Vec<Area>> {
        let all = self.areas(None, with_boundary).await?;
        Ok(all.into_iter().filter(|a| a.parents.iter().any(|p| &p.code == code)).collect())
    }

    async fn parents_of(&self, child: Option<&AreaCode>) -> Result<HashMap<AreaCode, Vec<AreaParent>>> {
        let rows = sqlx::query(
            "SELECT child, parent, valid_from, valid_to FROM area_parents \
             WHERE ($1 IS NULL OR child = $1) ORDER BY child, COALESCE(valid_from, ''), parent",
        )
        .bind(child.map(AreaCode::as_str))
        .fetch_all(&self.pool)
        .await?;
        let mut map: HashMap<AreaCode, Vec<AreaParent>> = HashMap::new();
        for row in rows {
            let parent = AreaParent {
                code: parse(&row, "parent")?,
                valid_from: parse_date("valid_from", row.try_get("valid_from")?)?,
                valid_to: parse_date("valid_to", row.try_get("valid_to")?)?,
            };
            map.entry(parse(&row, "child")?).or_default().push(parent);
        }
        Ok(map)
    }
}

fn area_from_row(row: &AnyRow, with_boundary: bool) -> Result<Area> {
    let mut area = Area::new(parse(row, "code")?, name(row)?, parse(row, "level")?);
    area.valid_from = parse_date("valid_from", row.try_get("valid_from")?)?;
    area.valid_to = parse_date("valid_to", row.try_get("valid_to")?)?;
    area.boundary_source = row.try_get("boundary_source")?;
    let lat: Option<f64> = row.try_get("lat")?;
    let lon: Option<f64> = row.try_get("lon")?;
    area.location = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon)?),
        _ => None,
    };
    area.kind = row.try_get("kind")?;
    area.exposed = row.try_get::<i64, _>("exposed")? != 0;
    if with_boundary {
        let text: Option<String> = row.try_get("boundary")?;
        area.boundary = text.map(|t| boundary_from_json(&t)).transpose()?;
    }
    Ok(area)
}

fn name(row: &AnyRow) -> Result<trygg_core::Name> {
    let s: String = row.try_get("name")?;
    Ok(trygg_core::Name::new(&s)?)
}

/// A boundary as GeoJSON `MultiPolygon` geometry text.
pub(crate) fn boundary_to_json(b: &Polygon) -> String {
    serde_json::json!({"type": "MultiPolygon", "coordinates": b.to_lon_lat()}).to_string()
}

pub(crate) fn boundary_from_json(text: &str) -> Result<Polygon> {
    #[derive(serde::Deserialize)]
    struct Geometry {
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    }
    let g: Geometry =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("boundary: {e}")))?;
    Ok(Polygon::from_lon_lat(&g.coordinates)?)
}
