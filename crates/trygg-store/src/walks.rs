//! Safety walks (trygghetsvandringar, migration 9): a walk in an area on a
//! day along a route, who took part (per organisation and group, with the
//! gender balance), and the findings along the route. A finding has an
//! incident category, a description, an optional photo (re-encoded by the
//! caller), the organisation that answers for it (from the routing zones)
//! and a deadline: the walk's day plus 6 months, or 12 months for physical
//! rebuilding. It is closed as done (on a day, optionally with a photo) or
//! declined (with a reason), and may be sent on as an incident report or
//! linked to a measure.
//!
//! Every change is audited in its own transaction (`walk.create`,
//! `finding.create`, `finding.close`, `finding.link`). Free texts refuse
//! personal data.

use crate::{
    CreatedReport, NewReport, OptF64, Photo, Reporter, Result, Store, StoreError, audit, now_ms, parse,
};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Date, Invalid, LatLon, Period, find_personal_data};

/// The longest description, reason or note accepted, in characters.
pub const MAX_WALK_TEXT: usize = 2_000;
/// The most points a route may have.
pub const MAX_ROUTE_POINTS: usize = 500;
/// Months to a finding's deadline.
pub const DEADLINE_MONTHS: i8 = 6;
/// Months to the deadline of a finding that needs physical rebuilding.
pub const REBUILD_DEADLINE_MONTHS: i8 = 12;

/// The groups of participants the strategy asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParticipantGroup {
    /// Residents of the area.
    Residents,
    /// Children or pupils from a local school.
    Pupils,
    /// The police.
    Police,
    /// Property owners.
    PropertyOwners,
    /// The district administration.
    DistrictAdministration,
    /// Anyone else.
    Other,
}

/// What has become of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingState {
    /// Still to be acted on.
    Open,
    /// Fixed (with the day).
    Done,
    /// Will not be acted on (with the reason).
    Declined,
}

trygg_core::text_forms!(ParticipantGroup {
    Residents = "residents",
    Pupils = "pupils",
    Police = "police",
    PropertyOwners = "property_owners",
    DistrictAdministration = "district_administration",
    Other = "other"
});
trygg_core::text_forms!(FindingState { Open = "open", Done = "done", Declined = "declined" });

/// Who took part from one organisation and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The organisation, free text (not empty), e.g. "Hjulsta skola".
    pub organisation: String,
    /// The group.
    pub group: ParticipantGroup,
    /// Women (or girls) taking part.
    pub women: i64,
    /// Men (or boys) taking part.
    pub men: i64,
    /// Others, or not stated.
    pub other: i64,
}

impl Participant {
    /// Everyone of this row.
    pub fn total(&self) -> i64 {
        self.women + self.men + self.other
    }
}

/// A walk to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWalk {
    /// The area walked (an existing area).
    pub area: Code,
    /// The day of the walk.
    pub walked_on: Date,
    /// The route, in walking order (at least two points).
    pub route: Vec<LatLon>,
    /// Notes (may be empty).
    pub notes: String,
    /// Who took part (at least one row with at least one person).
    pub participants: Vec<Participant>,
}

/// A recorded walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    /// Database id.
    pub id: i64,
    /// The area walked.
    pub area: Code,
    /// The day.
    pub walked_on: Date,
    /// The route, in walking order.
    pub route: Vec<LatLon>,
    /// Notes.
    pub notes: String,
    /// Who took part, in the order given.
    pub participants: Vec<Participant>,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
}

impl Walk {
    /// The gender balance: (women, men, other) over every participant.
    pub fn gender_balance(&self) -> (i64, i64, i64) {
        self.participants.iter().fold((0, 0, 0), |(w, m, o), p| (w + p.women, m + p.men, o + p.other))
    }
}

/// A finding to record on a walk.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    /// Where along the route.
    pub position: LatLon,
    /// An incident category (a leaf of the report categories).
    pub category: Code,
    /// What was found (not empty).
    pub description: String,
    /// A photo, already re-encoded.
    pub photo: Option<Photo>,
    /// Whether acting on it needs physical rebuilding (12 months instead of 6).
    pub rebuild: bool,
}

/// How a finding is closed.
#[derive(Debug, Clone, PartialEq)]
pub enum Closure {
    /// Fixed on a day (not before the walk), optionally with a photo.
    Done {
        /// The day it was fixed.
        on: Date,
        /// A photo of the result, already re-encoded.
        photo: Option<Photo>,
    },
    /// Will not be acted on, and why (not empty; shown in the protocol).
    Declined {
        /// The reason.
        reason: String,
    },
}

/// A finding of a walk (photos are read with [`Store::finding_photo`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Database id.
    pub id: i64,
    /// The walk.
    pub walk_id: i64,
    /// The walk's area.
    pub area: Code,
    /// Where.
    pub position: LatLon,
    /// The incident category.
    pub category: Code,
    /// What was found.
    pub description: String,
    /// Whether a photo was taken.
    pub has_photo: bool,
    /// The organisation that answers for it, from the routing zones (none outside every zone).
    pub responsible: Option<Code>,
    /// Whether it needs physical rebuilding.
    pub rebuild: bool,
    /// By when it is to be acted on.
    pub deadline: Date,
    /// Open, done or declined.
    pub state: FindingState,
    /// The day it was fixed (done only).
    pub done_on: Option<Date>,
    /// Whether a photo of the result was taken (done only).
    pub has_done_photo: bool,
    /// Why it will not be acted on (declined only).
    pub decline_reason: Option<String>,
    /// The incident report it was sent on as.
    pub report_id: Option<i64>,
    /// The measure it was linked to.
    pub measure_id: Option<i64>,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
}

impl Finding {
    /// Whether it is still open after its deadline on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.state == FindingState::Open && self.deadline < today
    }
}

fn invalid(field: &'static str, value: &str, expected: impl Into<String>) -> StoreError {
    Invalid::new(field, value, expected).into()
}

/// Trims `s`, checks it is not empty (when `required`), not longer than
/// `max` characters and free of personal data.
fn clean(field: &'static str, s: &str, required: bool, max: usize) -> Result<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(invalid(field, s, "a text that is not empty"));
    }
    let n = s.chars().count();
    if n > max {
        return Err(invalid(field, &format!("{n} characters"), format!("at most {max} characters")));
    }
    if let Some(found) = find_personal_data(s).first() {
        return Err(invalid(
            field,
            &format!("{found:?}"),
            "no personal data (identity numbers, phone, e-mail)",
        ));
    }
    Ok(s.to_owned())
}

fn check_photo(field: &'static str, p: &Option<Photo>) -> Result<()> {
    if let Some(p) = p {
        if !matches!(p.content_type.as_str(), "image/jpeg" | "image/png" | "image/webp") {
            return Err(invalid(field, &p.content_type, "a JPEG, PNG or WebP image"));
        }
        if p.bytes.len() > crate::MAX_PHOTO_BYTES {
            let shown = format!("{} bytes", p.bytes.len());
            return Err(invalid(field, &shown, format!("at most {} bytes", crate::MAX_PHOTO_BYTES)));
        }
    }
    Ok(())
}

/// The deadline of a finding of a walk on `walked_on`.
pub fn finding_deadline(walked_on: Date, rebuild: bool) -> Result<Date> {
    let months = if rebuild { REBUILD_DEADLINE_MONTHS } else { DEADLINE_MONTHS };
    walked_on
        .checked_add(jiff::Span::new().months(months))
        .map_err(|_| invalid("walked_on", &walked_on.to_string(), "a day in the calendar's range"))
}

/// Reads a route: either a GeoJSON LineString (`{"type":"LineString",
/// "coordinates":[[lon,lat],…]}`) or one point a line as `lat, lon` in
/// walking order. Needs 2 to [`MAX_ROUTE_POINTS`] valid points.
pub fn parse_route(text: &str) -> std::result::Result<Vec<LatLon>, Invalid> {
    let text = text.trim();
    let bad = |expected: &str| Invalid::new("route", &text.chars().take(60).collect::<String>(), expected);
    let points = if text.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("a GeoJSON LineString"))?;
        if v.get("type").and_then(|t| t.as_str()) != Some("LineString") {
            return Err(bad("a GeoJSON LineString"));
        }
        let coords = v.get("coordinates").and_then(|c| c.as_array()).ok_or_else(|| bad("coordinates"))?;
        coords
            .iter()
            .map(|c| match c.as_array().map(|a| (a.first().and_then(|x| x.as_f64()), a.get(1))) {
                Some((Some(lon), Some(lat))) => {
                    lat.as_f64().ok_or_else(|| bad("[lon, lat] pairs")).and_then(|lat| LatLon::new(lat, lon))
                }
                _ => Err(bad("[lon, lat] pairs")),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?
    } else {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (a, b) = l.split_once([',', ';', ' ']).ok_or_else(|| bad("one `lat, lon` a line"))?;
                match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                    (Ok(lat), Ok(lon)) => LatLon::new(lat, lon),
                    _ => Err(bad("one `lat, lon` a line")),
                }
            })
            .collect::<std::result::Result<Vec<_>, _>>()?
    };
    if points.len() < 2 || points.len() > MAX_ROUTE_POINTS {
        return Err(bad(&format!("2 to {MAX_ROUTE_POINTS} points")));
    }
    Ok(points)
}

/// The route as a GeoJSON LineString.
pub fn route_geojson(route: &[LatLon]) -> String {
    let coords: Vec<[f64; 2]> = route.iter().map(|p| [p.lon, p.lat]).collect();
    serde_json::json!({ "type": "LineString", "coordinates": coords }).to_string()
}

fn date_of(row: &AnyRow, col: &str) -> Result<Date> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("column {col}: {s:?} is not a date")))
}

async fn count(tx: &mut sqlx::AnyConnection, sql: &'static str, key: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(key).fetch_one(&mut *tx).await?)
}

async fn count_id(tx: &mut sqlx::AnyConnection, sql: &'static str, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(&mut *tx).await?)
}

const WALK_COLUMNS: &str = "id, area, walked_on, route, notes, created_by, created_at";
const FINDING_COLUMNS: &str = "f.id, f.walk_id, w.area, f.lat, f.lon, f.category, f.description, \
     f.photo_type, f.responsible, f.rebuild, f.deadline, f.state, f.done_on, f.done_photo_type, \
     f.decline_reason, f.report_id, f.measure_id, f.created_by, f.created_at, f.updated_by, f.updated_at";

fn walk_of(r: &AnyRow, participants: Vec<Participant>) -> Result<Walk> {
    let route: String = r.try_get("route")?;
    Ok(Walk {
        id: r.try_get("id")?,
        area: parse(r, "area")?,
        walked_on: date_of(r, "walked_on")?,
        route: parse_route(&route).map_err(|e| StoreError::Corrupt(format!("walks.route: {e}")))?,
        notes: r.try_get("notes")?,
        participants,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn finding_of(r: &AnyRow) -> Result<Finding> {
    let photo: Option<String> = r.try_get("photo_type")?;
    let done_photo: Option<String> = r.try_get("done_photo_type")?;
    let done_on: Option<String> = r.try_get("done_on")?;
    let rebuild: i64 = r.try_get("rebuild")?;
    Ok(Finding {
        id: r.try_get("id")?,
        walk_id: r.try_get("walk_id")?,
        area: parse(r, "area")?,
        position: LatLon::new(r.try_get("lat")?, r.try_get("lon")?)
            .map_err(|e| StoreError::Corrupt(format!("walk_findings position: {e}")))?,
        category: parse(r, "category")?,
        description: r.try_get("description")?,
        has_photo: photo.is_some(),
        responsible: r
            .try_get::<Option<String>, _>("responsible")?
            .map(|s| s.parse())
            .transpose()
            .map_err(|e: Invalid| StoreError::Corrupt(format!("walk_findings.responsible: {e}")))?,
        rebuild: rebuild != 0,
        deadline: date_of(r, "deadline")?,
        state: parse(r, "state")?,
        done_on: done_on
            .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("walk_findings.done_on: {s:?}"))))
            .transpose()?,
        has_done_photo: done_photo.is_some(),
        decline_reason: r.try_get("decline_reason")?,
        report_id: r.try_get("report_id")?,
        measure_id: r.try_get("measure_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn not_found(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, key: id.to_string() }
}

impl Store {
    /// Records a walk (audited `walk.create`). The area must exist; the route
    /// needs 2 to [`MAX_ROUTE_POINTS`] points; at least one participant; no
    /// negative counts; no personal data in the texts.
    pub async fn create_walk(&self, actor: &str, w: &NewWalk) -> Result<Walk> {
        if w.route.len() < 2 || w.route.len() > MAX_ROUTE_POINTS {
            return Err(invalid(
                "route",
                &w.route.len().to_string(),
                format!("2 to {MAX_ROUTE_POINTS} points"),
            ));
        }
        for p in &w.route {
            LatLon::new(p.lat, p.lon)?;
        }
        let notes = clean("notes", &w.notes, false, MAX_WALK_TEXT)?;
        let mut participants = Vec::new();
        for p in &w.participants {
            let organisation = clean("organisation", &p.organisation, true, 200)?;
            if p.women < 0 || p.men < 0 || p.other < 0 {
                let shown = format!("{}/{}/{}", p.women, p.men, p.other);
                return Err(invalid("participants", &shown, "counts of 0 or more"));
            }
            participants.push(Participant { organisation, ..p.clone() });
        }
        if participants.iter().map(Participant::total).sum::<i64>() == 0 {
            return Err(invalid("participants", "0", "at least one participant"));
        }
        let mut tx = self.begin_write().await?;
        if count(&mut tx, "SELECT COUNT(*) FROM areas WHERE code = $1", w.area.as_str()).await? == 0 {
            return Err(invalid("area", w.area.as_str(), "an existing area"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO walks (area, walked_on, route, notes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(w.area.as_str())
        .bind(w.walked_on.to_string())
        .bind(route_geojson(&w.route))
        .bind(&notes)
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for (i, p) in participants.iter().enumerate() {
            sqlx::query(
                "INSERT INTO walk_participants (walk_id, position, organisation, grp, women, men, other) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i as i64)
            .bind(&p.organisation)
            .bind(p.group.as_str())
            .bind(p.women)
            .bind(p.men)
            .bind(p.other)
            .execute(&mut *tx)
            .await?;
        }
        let total: i64 = participants.iter().map(Participant::total).sum();
        let detail = format!("{} {} {} participants", w.area, w.walked_on, total);
        audit::append(&mut tx, actor, "walk.create", &format!("walk:{id}"), &detail).await?;
        tx.commit().await?;
        self.walk(id).await?.ok_or_else(|| not_found("walk", id))
    }

    /// One walk with its participants.
    pub async fn walk(&self, id: i64) -> Result<Option<Walk>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {WALK_COLUMNS} FROM walks WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(walk_of(&r, self.participants(id).await?)?)),
            None => Ok(None),
        }
    }

    async fn participants(&self, walk_id: i64) -> Result<Vec<Participant>> {
        let rows = sqlx::query(
            "SELECT organisation, grp, women, men, other FROM walk_participants WHERE walk_id = $1 \
             ORDER BY position",
        )
        .bind(walk_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Participant {
                    organisation: r.try_get("organisation")?,
                    group: parse(r, "grp")?,
                    women: r.try_get("women")?,
                    men: r.try_get("men")?,
                    other: r.try_get("other")?,
                })
            })
            .collect()
    }

    /// The walks of `areas` (empty: all), latest first.
    pub async fn walks(&self, areas: &[Code]) -> Result<Vec<Walk>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WALK_COLUMNS} FROM walks ORDER BY walked_on DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let area: Code = parse(r, "area")?;
            if areas.is_empty() || areas.contains(&area) {
                let id: i64 = r.try_get("id")?;
                out.push(walk_of(r, self.participants(id).await?)?);
            }
        }
        Ok(out)
    }

    /// Records a finding of a walk (audited `finding.create`), open, with the
    /// responsible organisation from the routing zones and the deadline from
    /// the walk's day. The category must be an incident category (not a group).
    pub async fn add_finding(&self, actor: &str, walk_id: i64, f: &NewFinding) -> Result<Finding> {
        let walk = self.walk(walk_id).await?.ok_or_else(|| not_found("walk", walk_id))?;
        LatLon::new(f.position.lat, f.position.lon)?;
        let description = clean("description", &f.description, true, MAX_WALK_TEXT)?;
        check_photo("photo", &f.photo)?;
        let routing = self.routing().await?;
        let category = routing
            .category(&f.category)
            .filter(|c| c.parent.is_some())
            .ok_or_else(|| invalid("category", f.category.as_str(), "a category from the list"))?;
        let responsible = routing.zone_for(category, f.position).map(|z| z.partner.to_string());
        let deadline = finding_deadline(walk.walked_on, f.rebuild)?;
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO walk_findings (walk_id, lat, lon, category, description, photo_type, photo_width, \
             photo_height, photo, responsible, rebuild, deadline, state, created_by, created_at, updated_by, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, \
             $13, $14) RETURNING id",
        )
        .bind(walk_id)
        .bind(OptF64(Some(f.position.lat)))
        .bind(OptF64(Some(f.position.lon)))
        .bind(f.category.as_str())
        .bind(&description)
        .bind(f.photo.as_ref().map(|p| p.content_type.clone()))
        .bind(f.photo.as_ref().map(|p| i64::from(p.width)))
        .bind(f.photo.as_ref().map(|p| i64::from(p.height)))
        .bind(f.photo.as_ref().map(|p| p.bytes.clone()))
        .bind(responsible.clone())
        .bind(i64::from(f.rebuild))
        .bind(deadline.to_string())
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!(
            "walk:{walk_id} {} responsible {} deadline {deadline}",
            f.category,
            responsible.as_deref().unwrap_or("-")
        );
        audit::append(&mut tx, actor, "finding.create", &format!("finding:{id}"), &detail).await?;
        tx.commit().await?;
        self.finding(id).await?.ok_or_else(|| not_found("finding", id))
    }

    /// One finding.
    pub async fn finding(&self, id: i64) -> Result<Option<Finding>> {
        Ok(self.findings_where(" WHERE f.id = $1", id).await?.into_iter().next())
    }

    /// The findings of a walk, in the order they were recorded.
    pub async fn walk_findings(&self, walk_id: i64) -> Result<Vec<Finding>> {
        self.findings_where(" WHERE f.walk_id = $1", walk_id).await
    }

    async fn findings_where(&self, filter: &str, id: i64) -> Result<Vec<Finding>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FINDING_COLUMNS} FROM walk_findings f JOIN walks w ON w.id = f.walk_id{filter} \
             ORDER BY f.id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(finding_of).collect()
    }

    /// A finding's photo: the one taken on the walk, or (with `done`) the one of the result.
    pub async fn finding_photo(&self, id: i64, done: bool) -> Result<Option<Photo>> {
        let sql = if done {
            "SELECT done_photo_type AS t, done_photo_width AS w, done_photo_height AS h, done_photo AS b \
             FROM walk_findings WHERE id = $1"
        } else {
            "SELECT photo_type AS t, photo_width AS w, photo_height AS h, photo AS b FROM walk_findings \
             WHERE id = $1"
        };
        let Some(r) = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let (t, w, h, b): (Option<String>, Option<i64>, Option<i64>, Option<Vec<u8>>) =
            (r.try_get("t")?, r.try_get("w")?, r.try_get("h")?, r.try_get("b")?);
        Ok(match (t, w, h, b) {
            (Some(content_type), Some(w), Some(h), Some(bytes)) => Some(Photo {
                content_type,
                width: u32::try_from(w).unwrap_or(0),
                height: u32::try_from(h).unwrap_or(0),
                bytes,
            }),
            _ => None,
        })
    }

    /// Closes an open finding as done or declined (audited `finding.close`).
    /// Done needs a day on or after the walk; declined a reason (no personal
    /// data). A closed finding is refused with a conflict.
    pub async fn close_finding(&self, actor: &str, id: i64, closure: &Closure) -> Result<Finding> {
        let current = self.finding(id).await?.ok_or_else(|| not_found("finding", id))?;
        if current.state != FindingState::Open {
            return Err(StoreError::Conflict { what: "closure of finding", key: id.to_string() });
        }
        let walk = self.walk(current.walk_id).await?.ok_or_else(|| not_found("walk", current.walk_id))?;
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let detail = match closure {
            Closure::Done { on, photo } => {
                if *on < walk.walked_on {
                    let expected = format!("a day on or after the walk ({})", walk.walked_on);
                    return Err(invalid("done_on", &on.to_string(), expected));
                }
                check_photo("done_photo", photo)?;
                sqlx::query(
                    "UPDATE walk_findings SET state = 'done', done_on = $1, done_photo_type = $2, \
                     done_photo_width = $3, done_photo_height = $4, done_photo = $5, updated_by = $6, \
                     updated_at = $7 WHERE id = $8",
                )
                .bind(on.to_string())
                .bind(photo.as_ref().map(|p| p.content_type.clone()))
                .bind(photo.as_ref().map(|p| i64::from(p.width)))
                .bind(photo.as_ref().map(|p| i64::from(p.height)))
                .bind(photo.as_ref().map(|p| p.bytes.clone()))
                .bind(actor)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                format!("done {on}{}", if photo.is_some() { " with photo" } else { "" })
            }
            Closure::Declined { reason } => {
                let reason = clean("reason", reason, true, MAX_WALK_TEXT)?;
                sqlx::query(
                    "UPDATE walk_findings SET state = 'declined', decline_reason = $1, updated_by = $2, \
                     updated_at = $3 WHERE id = $4",
                )
                .bind(&reason)
                .bind(actor)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                "declined".to_owned()
            }
        };
        audit::append(&mut tx, actor, "finding.close", &format!("finding:{id}"), &detail).await?;
        tx.commit().await?;
        self.finding(id).await?.ok_or_else(|| not_found("finding", id))
    }

    /// Links a finding to an incident report and/or a measure (audited
    /// `finding.link`); `None` leaves a link as it is. Both must exist.
    pub async fn link_finding(
        &self,
        actor: &str,
        id: i64,
        report_id: Option<i64>,
        measure_id: Option<i64>,
    ) -> Result<Finding> {
        let current = self.finding(id).await?.ok_or_else(|| not_found("finding", id))?;
        let mut tx = self.begin_write().await?;
        if let Some(r) = report_id
            && count_id(&mut tx, "SELECT COUNT(*) FROM reports WHERE id = $1", r).await? == 0
        {
            return Err(invalid("report", &r.to_string(), "an existing report"));
        }
        if let Some(m) = measure_id
            && count_id(&mut tx, "SELECT COUNT(*) FROM measures WHERE id = $1", m).await? == 0
        {
            return Err(invalid("measure", &m.to_string(), "an existing measure"));
        }
        let (report, measure) = (report_id.or(current.report_id), measure_id.or(current.measure_id));
        sqlx::query(
            "UPDATE walk_findings SET report_id = $1, measure_id = $2, updated_by = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(report)
        .bind(measure)
        .bind(actor)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let detail = format!(
            "report {} measure {}",
            report.map_or("-".into(), |r| r.to_string()),
            measure.map_or("-".into(), |m| m.to_string())
        );
        audit::append(&mut tx, actor, "finding.link", &format!("finding:{id}"), &detail).await?;
        tx.commit().await?;
        self.finding(id).await?.ok_or_else(|| not_found("finding", id))
    }

    /// Sends a finding on as an incident report (source `walk`, seen at noon
    /// of the walk's day, with the finding's photo) and links it. A finding
    /// already sent is refused with a conflict; a walk more than a year ago
    /// is refused by the report's own checks.
    pub async fn report_finding(&self, id: i64, reporter: Reporter) -> Result<CreatedReport> {
        let finding = self.finding(id).await?.ok_or_else(|| not_found("finding", id))?;
        if finding.report_id.is_some() {
            return Err(StoreError::Conflict { what: "report of finding", key: id.to_string() });
        }
        let walk = self.walk(finding.walk_id).await?.ok_or_else(|| not_found("walk", finding.walk_id))?;
        let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC);
        let noon = walk.walked_on.at(12, 0, 0, 0).to_zoned_datetime(tz).map_err(|_| {
            invalid("walked_on", &walk.walked_on.to_string(), "a day in the calendar's range")
        })?;
        let seen_at = noon.timestamp().as_millisecond().min(now_ms());
        let actor = reporter.actor();
        let new = NewReport {
            category: finding.category.clone(),
            position: Some(finding.position),
            place: None,
            seen_at,
            description: finding.description.clone(),
            reporter,
            source: "walk".into(),
            photos: self.finding_photo(id, false).await?.into_iter().collect(),
            created_at: None,
        };
        let created = self.create_report(&new).await?;
        self.link_finding(&actor, id, Some(created.report.id), None).await?;
        Ok(created)
    }

    /// The share (0–1) of the findings of walks in `area` (or an area below
    /// it) during `period` that were fixed within `months` of the walk;
    /// declined and open findings count as not fixed. `None` without findings.
    pub async fn share_fixed_within(&self, area: &Code, months: i8, period: Period) -> Result<Option<f64>> {
        let all = self.areas(None, false).await?;
        let scope = trygg_core::members(&all, area, None, None);
        let (findings, fixed) = self.findings_fixed_within(&scope, months, period).await?;
        Ok((findings > 0).then(|| fixed as f64 / findings as f64))
    }

    /// Findings of the walks in `areas` during `period`, and how many of them
    /// were fixed (done) within `months` of their walk.
    pub(crate) async fn findings_fixed_within(
        &self,
        areas: &[Code],
        months: i8,
        period: Period,
    ) -> Result<(i64, i64)> {
        if !(1..=120).contains(&months) {
            return Err(invalid("months", &months.to_string(), "1 to 120 months"));
        }
        let (mut findings, mut fixed) = (0i64, 0i64);
        for walk in self.walks(areas).await? {
            if !period.contains(walk.walked_on) {
                continue;
            }
            let limit = walk
                .walked_on
                .checked_add(jiff::Span::new().months(months))
                .map_err(|_| invalid("walked_on", &walk.walked_on.to_string(), "a day in range"))?;
            for f in self.walk_findings(walk.id).await? {
                findings += 1;
                if f.state == FindingState::Done && f.done_on.is_some_and(|d| d <= limit) {
                    fixed += 1;
                }
            }
        }
        Ok((findings, fixed))
    }
}
