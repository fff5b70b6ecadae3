//! What reports are about and who answers for them: the category list,
//! responsibility zones, partners' notification addresses and Open311 keys.

use crate::areas::{boundary_from_json, boundary_to_json};
use crate::{OptF64, Result, Store, StoreError, now_ms, parse, sha256_hex};
use sqlx::Row;
use sqlx::any::AnyRow;
use trygg_core::{Code, Deadline, Email, Invalid, PartnerKind, Polygon};

/// An incident category (two levels: a group and its categories).
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Stable code, also the Open311 `service_code`.
    pub code: Code,
    /// The group it belongs to; `None` for a group.
    pub parent: Option<Code>,
    /// Swedish name.
    pub name_sv: String,
    /// English name.
    pub name_en: String,
    /// A sentence on what belongs here (Swedish).
    pub description: String,
    /// How soon the responsible organisation should have fixed it.
    pub deadline: Deadline,
    /// The kind of organisation that is usually responsible.
    pub responsible_kind: PartnerKind,
    /// Whether reports of this category (and their positions) may be shown publicly.
    pub public: bool,
    /// Whether such a report should also be reported to the police.
    pub police: bool,
    /// A report within this distance of an open one of the same category is a likely duplicate.
    pub duplicate_radius_m: f64,
    /// Sort order.
    pub position: i64,
}

impl Category {
    /// The name in the requested language.
    pub fn name(&self, english: bool) -> &str {
        if english { &self.name_en } else { &self.name_sv }
    }
}

/// A polygon owned by an organisation for a set of categories.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Stable code.
    pub code: Code,
    /// Name, e.g. "Tensta centrum".
    pub name: String,
    /// The responsible organisation.
    pub partner: Code,
    /// The zone's boundary.
    pub boundary: Polygon,
    /// The categories it answers for; empty means all.
    pub categories: Vec<Code>,
}

impl Zone {
    /// Whether the zone answers for `category` (or its group).
    pub fn covers(&self, category: &Category) -> bool {
        self.categories.is_empty()
            || self.categories.contains(&category.code)
            || category.parent.as_ref().is_some_and(|p| self.categories.contains(p))
    }
}

/// The longest deadline in hours (a year): longer ones are mistakes, and
/// would reach past the calendar's range.
pub const MAX_DEADLINE_HOURS: i64 = 8760;
/// The longest deadline in working days (a year).
pub const MAX_DEADLINE_WORKING_DAYS: i64 = 260;

const CATEGORY_COLUMNS: &str = "code, parent, name_sv, name_en, description, deadline_hours, \
     deadline_working_days, responsible_kind, public, police, duplicate_radius_m, position";

impl Store {
    /// Inserts or replaces a category. A parent must exist already.
    pub async fn upsert_category(&self, c: &Category) -> Result<()> {
        let (hours, days) = match c.deadline {
            Deadline::Hours(h) => (Some(i64::from(h)), None),
            Deadline::WorkingDays(d) => (None, Some(i64::from(d))),
        };
        if hours.is_some_and(|h| !(1..=MAX_DEADLINE_HOURS).contains(&h))
            || days.is_some_and(|d| !(1..=MAX_DEADLINE_WORKING_DAYS).contains(&d))
        {
            return Err(Invalid::new(
                "deadline",
                &format!("{:?}", c.deadline),
                format!("1–{MAX_DEADLINE_HOURS} hours or 1–{MAX_DEADLINE_WORKING_DAYS} working days"),
            )
            .into());
        }
        if !(c.duplicate_radius_m.is_finite() && c.duplicate_radius_m >= 0.0) {
            let shown = c.duplicate_radius_m.to_string();
            return Err(Invalid::new("duplicate_radius_m", &shown, "a distance in metres ≥ 0").into());
        }
        sqlx::query(
            "INSERT INTO report_categories (code, parent, name_sv, name_en, description, deadline_hours, \
             deadline_working_days, responsible_kind, public, police, duplicate_radius_m, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (code) DO UPDATE SET \
             parent = excluded.parent, name_sv = excluded.name_sv, name_en = excluded.name_en, \
             description = excluded.description, deadline_hours = excluded.deadline_hours, \
             deadline_working_days = excluded.deadline_working_days, \
             responsible_kind = excluded.responsible_kind, public = excluded.public, \
             police = excluded.police, duplicate_radius_m = excluded.duplicate_radius_m, \
             position = excluded.position",
        )
        .bind(c.code.as_str())
        .bind(c.parent.as_ref().map(Code::as_str))
        .bind(&c.name_sv)
        .bind(&c.name_en)
        .bind(&c.description)
        .bind(hours)
        .bind(days)
        .bind(c.responsible_kind.as_str())
        .bind(i64::from(c.public))
        .bind(i64::from(c.police))
        .bind(c.duplicate_radius_m)
        .bind(c.position)
        .execute(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("foreign key") => {
                StoreError::NotFound {
                    what: "category",
                    key: c.parent.as_ref().map_or("", |p| p.as_str()).into(),
                }
            }
            e => e.into(),
        })?;
        self.invalidate_routing();
        Ok(())
    }

    /// Every category, groups first within their sort order.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CATEGORY_COLUMNS} FROM report_categories ORDER BY position, code"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(category_from_row).collect()
    }

    /// One category.
    pub async fn category(&self, code: &Code) -> Result<Option<Category>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CATEGORY_COLUMNS} FROM report_categories WHERE code = $1"
        )))
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(category_from_row).transpose()
    }

    /// Inserts or replaces a responsibility zone.
    pub async fn upsert_zone(&self, z: &Zone) -> Result<()> {
        let categories: Vec<&str> = z.categories.iter().map(Code::as_str).collect();
        sqlx::query(
            "INSERT INTO responsibility_zones (code, name, partner, boundary, area_m2, categories) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             partner = excluded.partner, boundary = excluded.boundary, area_m2 = excluded.area_m2, \
             categories = excluded.categories",
        )
        .bind(z.code.as_str())
        .bind(&z.name)
        .bind(z.partner.as_str())
        .bind(boundary_to_json(&z.boundary))
        .bind(OptF64(Some(z.boundary.area_m2())))
        .bind(categories.join(","))
        .execute(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("foreign key") => {
                StoreError::NotFound { what: "partner", key: z.partner.to_string() }
            }
            e => e.into(),
        })?;
        self.invalidate_routing();
        Ok(())
    }

    /// Every responsibility zone, by code.
    pub async fn zones(&self) -> Result<Vec<Zone>> {
        let rows = sqlx::query(
            "SELECT code, name, partner, boundary, categories FROM responsibility_zones ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let categories: String = row.try_get("categories")?;
                Ok(Zone {
                    code: parse(row, "code")?,
                    name: row.try_get("name")?,
                    partner: parse(row, "partner")?,
                    boundary: boundary_from_json(&row.try_get::<String, _>("boundary")?)?,
                    categories: categories
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(Code::new)
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect()
    }

    /// Sets (or clears) the address a partner is notified at.
    pub async fn set_partner_email(&self, partner: &Code, email: Option<&Email>) -> Result<()> {
        let n = sqlx::query("UPDATE partners SET email = $1 WHERE code = $2")
            .bind(email.map(Email::as_str))
            .bind(partner.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound { what: "partner", key: partner.to_string() });
        }
        Ok(())
    }

    /// The address a partner is notified at, if it has one.
    pub async fn partner_email(&self, partner: &Code) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>("SELECT email FROM partners WHERE code = $1")
            .bind(partner.as_str())
            .fetch_optional(&self.pool)
            .await?
            .flatten())
    }

    /// Creates an Open311 API key for a partner, records it in the audit log
    /// and returns the key. Only its hash is stored: the key is shown once.
    pub async fn create_partner_key(&self, actor: &str, partner: &Code, label: &str) -> Result<String> {
        let key = crate::random_hex::<24>();
        sqlx::query(
            "INSERT INTO partner_keys (partner, key_hash, label, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(partner.as_str())
        .bind(sha256_hex(&key))
        .bind(label)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("foreign key") => {
                StoreError::NotFound { what: "partner", key: partner.to_string() }
            }
            e => e.into(),
        })?;
        self.audit(actor, "partner_key.create", &format!("partner:{partner}"), label).await?;
        Ok(key)
    }

    /// The partner an unrevoked API key belongs to.
    pub async fn partner_for_key(&self, key: &str) -> Result<Option<Code>> {
        let code: Option<String> =
            sqlx::query_scalar("SELECT partner FROM partner_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                .bind(sha256_hex(key))
                .fetch_optional(&self.pool)
                .await?;
        code.map(|c| Code::new(&c).map_err(StoreError::from)).transpose()
    }

    /// Revokes every key of a partner with this label; returns how many.
    pub async fn revoke_partner_keys(&self, actor: &str, partner: &Code, label: &str) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE partner_keys SET revoked_at = $1 WHERE partner = $2 AND label = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(partner.as_str())
        .bind(label)
        .execute(&self.pool)
        .await?
        .rows_affected();
        self.audit(actor, "partner_key.revoke", &format!("partner:{partner}"), label).await?;
        Ok(n)
    }
}

fn category_from_row(row: &AnyRow) -> Result<Category> {
    let hours: Option<i64> = row.try_get("deadline_hours")?;
    let days: Option<i64> = row.try_get("deadline_working_days")?;
    let deadline = match (hours, days) {
        (Some(h), None) => Deadline::Hours(u32::try_from(h).unwrap_or(u32::MAX)),
        (None, Some(d)) => Deadline::WorkingDays(u32::try_from(d).unwrap_or(u32::MAX)),
        _ => return Err(StoreError::Corrupt("a category needs exactly one kind of deadline".into())),
    };
    let parent: Option<String> = row.try_get("parent")?;
    Ok(Category {
        code: parse(row, "code")?,
        parent: parent.map(|p| Code::new(&p)).transpose()?,
        name_sv: row.try_get("name_sv")?,
        name_en: row.try_get("name_en")?,
        description: row.try_get("description")?,
        deadline,
        responsible_kind: parse(row, "responsible_kind")?,
        public: row.try_get::<i64, _>("public")? != 0,
        police: row.try_get::<i64, _>("police")? != 0,
        duplicate_radius_m: row.try_get("duplicate_radius_m")?,
        position: row.try_get("position")?,
    })
}
