//! Incident reports for rapid action: made by staff, partners or residents,
//! routed to the organisation responsible for the place, followed through a
//! workflow where every change is an update, and counted into figures.

mod catalog;
mod est;
mod figures;
mod query;
mod routing;
mod workflow;

pub use catalog::{Category, Zone};
pub use est::{EstDecision, check_week};
pub use figures::ReportFigures;
pub use query::ReportQuery;
pub(crate) use routing::RoutingCache;
pub use routing::{Destination, ROUTING_TTL_MS, Routing};
pub use workflow::Change;

use crate::{OptF64, Result, Store, StoreError, mail, now_ms, parse, sha256_hex};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Email, Invalid, LatLon, ReportState, ReporterKind, contains_identity_number};

/// The longest description accepted, in characters.
pub const MAX_DESCRIPTION: usize = 4000;
/// The most photos one report may carry.
pub const MAX_PHOTOS: usize = 5;
/// The largest photo stored, in bytes (after re-encoding).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// Who made a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Reporter {
    /// Staff, partner or resident.
    pub kind: ReporterKind,
    /// The signed-in user, if any.
    pub user: Option<i64>,
    /// The reporter's organisation, if any.
    pub partner: Option<Code>,
    /// The reporter's role in their organisation, e.g. "väktare".
    pub role: Option<String>,
    /// An address for feedback (residents may leave one).
    pub email: Option<Email>,
}

impl Reporter {
    /// An anonymous resident.
    pub fn resident(email: Option<Email>) -> Self {
        Self { kind: ReporterKind::Resident, user: None, partner: None, role: None, email }
    }

    /// The actor string for updates and the audit log.
    pub fn actor(&self) -> String {
        match (&self.user, &self.partner) {
            (Some(id), _) => format!("user:{id}"),
            (None, Some(p)) => format!("partner:{p}"),
            (None, None) => "public".into(),
        }
    }
}

/// A photo, already re-encoded (no metadata) by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The encoded image.
    pub bytes: Vec<u8>,
}

/// A stored photo without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    /// Database id.
    pub id: i64,
    /// The report it belongs to.
    pub report_id: i64,
    /// Media type.
    pub content_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A report as it is made.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    /// The (leaf) category.
    pub category: Code,
    /// Where, in WGS84; if absent, the place's position is used.
    pub position: Option<LatLon>,
    /// A known place (from the place list).
    pub place: Option<Code>,
    /// When it was seen, epoch ms.
    pub seen_at: i64,
    /// What was seen.
    pub description: String,
    /// Who reports.
    pub reporter: Reporter,
    /// Channel: `web`, `open311`, `demo`, …
    pub source: String,
    /// Photos, re-encoded.
    pub photos: Vec<Photo>,
    /// When it was made, epoch ms; `None` means now (other values are for demo data and tests).
    pub created_at: Option<i64>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Database id (also the Open311 `service_request_id`).
    pub id: i64,
    /// Category code.
    pub category: Code,
    /// Position (WGS84).
    pub position: Option<LatLon>,
    /// The place, if one was chosen.
    pub place: Option<Code>,
    /// The district it lies in.
    pub area: Code,
    /// When it was seen, epoch ms.
    pub seen_at: i64,
    /// What was seen.
    pub description: String,
    /// Who reported.
    pub reporter: Reporter,
    /// The organisation responsible.
    pub responsible: Code,
    /// The zone that decided the responsibility.
    pub zone: Option<Code>,
    /// Workflow state.
    pub state: ReportState,
    /// When it should be fixed by, epoch ms.
    pub due_at: i64,
    /// Made, epoch ms.
    pub created_at: i64,
    /// Last changed, epoch ms.
    pub updated_at: i64,
    /// First acknowledged, epoch ms.
    pub acknowledged_at: Option<i64>,
    /// Fixed, epoch ms (cleared on reopening).
    pub fixed_at: Option<i64>,
    /// Closed in any way, epoch ms (cleared on reopening).
    pub closed_at: Option<i64>,
    /// How many times it was reopened.
    pub reopened: i64,
    /// The report this one duplicates.
    pub duplicate_of: Option<i64>,
    /// Channel it came in by.
    pub source: String,
}

impl Report {
    /// Whether it is open and past its deadline at `now`.
    pub fn is_overdue(&self, now: i64) -> bool {
        self.state.is_open() && now > self.due_at
    }
}

/// A report just made, with the token of the reporter's follow link (shown once).
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedReport {
    /// The report.
    pub report: Report,
    /// The unguessable token for `/r/{token}`; only its hash is stored.
    pub token: String,
}

/// One change in a report's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportUpdate {
    /// Database id (also the Open311 `update_id`).
    pub id: i64,
    /// The report.
    pub report_id: i64,
    /// When, epoch ms.
    pub at: i64,
    /// Who (`user:ID`, `partner:CODE`, `public`, `system`).
    pub actor: String,
    /// The organisation acting, if any.
    pub actor_org: Option<Code>,
    /// The new state, if the state changed.
    pub state: Option<ReportState>,
    /// What was done or said.
    pub note: String,
    /// Whether the reporter and the public may see the note.
    pub public: bool,
}

/// Who a report's notification goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The organisation.
    pub partner: Code,
    /// Its address.
    pub email: String,
}

/// The columns every report query reads.
pub(crate) const REPORT_COLUMNS: &str = "r.id, r.category, r.lat, r.lon, r.place, r.area, r.seen_at, \
     r.description, r.reporter_kind, r.reporter_user, r.reporter_partner, r.reporter_role, r.reporter_email, \
     r.responsible, r.zone, r.state, r.due_at, r.created_at, r.updated_at, r.acknowledged_at, r.fixed_at, \
     r.closed_at, r.reopened, r.duplicate_of, r.source";

/// Checks free text from a report: length, and no personal identity number.
pub fn check_description(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_DESCRIPTION {
        let shown = format!("{} characters", text.chars().count());
        return Err(Invalid::new("description", &shown, format!("1–{MAX_DESCRIPTION} characters")));
    }
    if contains_identity_number(text) {
        return Err(Invalid::new(
            "description",
            "(not shown)",
            "text without a personal identity number (personnummer or samordningsnummer)",
        ));
    }
    Ok(text.to_owned())
}

impl Store {
    /// Validates, places and routes a report, stores it with its photos and
    /// first update, and queues a notification to the responsible
    /// organisation, all in one transaction.
    pub async fn create_report(&self, new: &NewReport) -> Result<CreatedReport> {
        let routing = self.routing().await?;
        let description = check_description(&new.description)?;
        let category = routing
            .category(&new.category)
            .filter(|c| c.parent.is_some())
            .ok_or_else(|| Invalid::new("category", new.category.as_str(), "a category from the list"))?;
        let place = match &new.place {
            Some(code) => Some(
                routing
                    .place(code)
                    .ok_or_else(|| Invalid::new("place", code.as_str(), "a place from the list"))?,
            ),
            None => None,
        };
        let position = new.position.or(place.map(|(p, _)| p)).ok_or_else(|| {
            Invalid::new("position", "", "a position (latitude and longitude) or a place from the list")
        })?;
        let dest = routing.route(category, position)?;
        let now = new.created_at.unwrap_or_else(now_ms);
        check_seen_at(new.seen_at, now)?;
        check_photos(&new.photos)?;
        if let Some(role) = &new.reporter.role
            && (role.chars().count() > 100 || contains_identity_number(role))
        {
            return Err(
                Invalid::new("reporter_role", "(not shown)", "a role of at most 100 characters").into()
            );
        }
        let due_at =
            category.deadline.due(jiff::Timestamp::from_millisecond(now).map_err(|_| {
                Invalid::new("created_at", &now.to_string(), "an instant in epoch milliseconds")
            })?);
        let token = crate::random_hex::<32>();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (category, lat, lon, place, area, seen_at, description, reporter_kind, \
             reporter_user, reporter_partner, reporter_role, reporter_email, responsible, zone, state, due_at, \
             created_at, updated_at, reopened, token_hash, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, 'received', $15, $16, $16, 0, $17, $18) RETURNING id",
        )
        .bind(category.code.as_str())
        .bind(OptF64(Some(position.lat)))
        .bind(OptF64(Some(position.lon)))
        .bind(new.place.as_ref().map(Code::as_str))
        .bind(dest.area.as_str())
        .bind(new.seen_at)
        .bind(&description)
        .bind(new.reporter.kind.as_str())
        .bind(new.reporter.user)
        .bind(new.reporter.partner.as_ref().map(Code::as_str))
        .bind(new.reporter.role.as_deref())
        .bind(new.reporter.email.as_ref().map(Email::as_str))
        .bind(dest.responsible.as_str())
        .bind(dest.zone.as_str())
        .bind(due_at.as_millisecond())
        .bind(now)
        .bind(sha256_hex(&token))
        .bind(&new.source)
        .fetch_one(&mut *tx)
        .await?;
        workflow::insert_update(
            &mut tx,
            id,
            now,
            &new.reporter.actor(),
            new.reporter.partner.as_ref(),
            Some(ReportState::Received),
            "",
            true,
        )
        .await?;
        for photo in &new.photos {
            sqlx::query(
                "INSERT INTO report_photos (report_id, content_type, width, height, bytes) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&photo.content_type)
            .bind(i64::from(photo.width))
            .bind(i64::from(photo.height))
            .bind(&photo.bytes)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(email) = partner_email_in(&mut tx, &dest.responsible).await? {
            mail::enqueue(&mut tx, &email, "report.assigned", &format!("report:{id}")).await?;
        }
        let report = report_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(CreatedReport { report, token })
    }

    /// One report.
    pub async fn report(&self, id: i64) -> Result<Option<Report>> {
        let mut conn = self.pool.acquire().await?;
        match report_in(&mut conn, id).await {
            Ok(r) => Ok(Some(r)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The report a follow-link token belongs to.
    pub async fn report_by_token(&self, token: &str) -> Result<Option<Report>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.token_hash = $1"
        )))
        .bind(sha256_hex(token))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// Open reports of the same category within its duplicate radius of
    /// `position`, made in the 7 days before `at`, nearest first.
    pub async fn likely_duplicates(&self, category: &Code, position: LatLon, at: i64) -> Result<Vec<Report>> {
        let routing = self.routing().await?;
        let Some(cat) = routing.category(category) else { return Ok(Vec::new()) };
        let radius = cat.duplicate_radius_m;
        let (dlat, dlon) =
            (radius / 111_000.0, radius / (111_000.0 * position.lat.to_radians().cos().max(0.01)));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.category = $1 AND r.created_at >= $2 \
             AND r.created_at <= $3 AND r.state IN ('received', 'acknowledged', 'in_progress') \
             AND r.lat BETWEEN $4 AND $5 AND r.lon BETWEEN $6 AND $7"
        )))
        .bind(category.as_str())
        .bind(at - 7 * 86_400_000)
        .bind(at)
        .bind(position.lat - dlat)
        .bind(position.lat + dlat)
        .bind(position.lon - dlon)
        .bind(position.lon + dlon)
        .fetch_all(&self.pool)
        .await?;
        let mut near: Vec<(f64, Report)> = rows
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|r| r.position.map(|p| (p.distance_m(position), r)))
            .filter(|(d, _)| *d <= radius)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(near.into_iter().map(|(_, r)| r).collect())
    }

    /// A report's photos, without their bytes.
    pub async fn report_photos(&self, report_id: i64) -> Result<Vec<PhotoMeta>> {
        let rows = sqlx::query(
            "SELECT id, report_id, content_type, width, height FROM report_photos WHERE report_id = $1 ORDER BY id",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PhotoMeta {
                    id: row.try_get("id")?,
                    report_id: row.try_get("report_id")?,
                    content_type: row.try_get("content_type")?,
                    width: u32::try_from(row.try_get::<i64, _>("width")?).unwrap_or(0),
                    height: u32::try_from(row.try_get::<i64, _>("height")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// One photo with its bytes.
    pub async fn photo(&self, id: i64) -> Result<Option<(PhotoMeta, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT id, report_id, content_type, width, height, bytes FROM report_photos WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                PhotoMeta {
                    id: row.try_get("id")?,
                    report_id: row.try_get("report_id")?,
                    content_type: row.try_get("content_type")?,
                    width: u32::try_from(row.try_get::<i64, _>("width")?).unwrap_or(0),
                    height: u32::try_from(row.try_get::<i64, _>("height")?).unwrap_or(0),
                },
                row.try_get("bytes")?,
            ))
        })
        .transpose()
    }
}

fn check_seen_at(seen_at: i64, now: i64) -> Result<(), Invalid> {
    const YEAR_MS: i64 = 366 * 86_400_000;
    if seen_at > now + 300_000 || seen_at < now - YEAR_MS {
        let shown = jiff::Timestamp::from_millisecond(seen_at)
            .map_or_else(|_| seen_at.to_string(), |t| t.to_string());
        return Err(Invalid::new("seen_at", &shown, "a time within the last year, not in the future"));
    }
    Ok(())
}

fn check_photos(photos: &[Photo]) -> Result<(), Invalid> {
    if photos.len() > MAX_PHOTOS {
        return Err(Invalid::new(
            "photos",
            &photos.len().to_string(),
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for p in photos {
        if !matches!(p.content_type.as_str(), "image/jpeg" | "image/png" | "image/webp") {
            return Err(Invalid::new("photo", &p.content_type, "a JPEG, PNG or WebP image"));
        }
        if p.bytes.len() > MAX_PHOTO_BYTES {
            let shown = format!("{} bytes", p.bytes.len());
            return Err(Invalid::new("photo", &shown, format!("at most {MAX_PHOTO_BYTES} bytes")));
        }
    }
    Ok(())
}

pub(crate) async fn partner_email_in(
    conn: &mut sqlx::AnyConnection,
    partner: &Code,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT email FROM partners WHERE code = $1")
        .bind(partner.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .flatten())
}

pub(crate) async fn report_in(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Report> {
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REPORT_COLUMNS} FROM reports r WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound { what: "report", key: id.to_string() })?;
    report_from_row(&row)
}

fn opt_code(row: &AnyRow, col: &str) -> Result<Option<Code>> {
    let s: Option<String> = row.try_get(col)?;
    Ok(s.map(|s| Code::new(&s)).transpose()?)
}

pub(crate) fn report_from_row(row: &AnyRow) -> Result<Report> {
    let lat: Option<f64> = row.try_get("lat")?;
    let lon: Option<f64> = row.try_get("lon")?;
    let email: Option<String> = row.try_get("reporter_email")?;
    Ok(Report {
        id: row.try_get("id")?,
        category: parse(row, "category")?,
        position: lat.zip(lon).map(|(lat, lon)| LatLon { lat, lon }),
        place: opt_code(row, "place")?,
        area: parse(row, "area")?,
        seen_at: row.try_get("seen_at")?,
        description: row.try_get("description")?,
        reporter: Reporter {
            kind: parse(row, "reporter_kind")?,
            user: row.try_get("reporter_user")?,
            partner: opt_code(row, "reporter_partner")?,
            role: row.try_get("reporter_role")?,
            email: email.map(|e| Email::new(&e)).transpose()?,
        },
        responsible: parse(row, "responsible")?,
        zone: opt_code(row, "zone")?,
        state: parse(row, "state")?,
        due_at: row.try_get("due_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        fixed_at: row.try_get("fixed_at")?,
        closed_at: row.try_get("closed_at")?,
        reopened: row.try_get("reopened")?,
        duplicate_of: row.try_get("duplicate_of")?,
        source: row.try_get("source")?,
    })
}
