//! Partner organisations and groups.

use crate::{Result, Store, date_text, parse, parse_date};
use sqlx::Row;
use trygg_core::{Group, GroupMember, Name, Partner};

impl Store {
    /// Inserts or replaces a partner organisation.
    pub async fn upsert_partner(&self, p: &Partner) -> Result<()> {
        sqlx::query(
            "INSERT INTO partners (code, name, kind) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind",
        )
        .bind(p.code.as_str())
        .bind(p.name.as_str())
        .bind(p.kind.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// All partner organisations by name.
    pub async fn partners(&self) -> Result<Vec<Partner>> {
        let rows =
            sqlx::query("SELECT code, name, kind FROM partners ORDER BY name").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("name")?;
                Ok(Partner { code: parse(r, "code")?, name: Name::new(&name)?, kind: parse(r, "kind")? })
            })
            .collect()
    }

    /// Inserts or replaces a group and its members (the seed's path; the
    /// web's is [`Store::save_group`], which also audits).
    pub async fn upsert_group(&self, g: &Group) -> Result<()> {
        g.validate()?;
        let mut tx = self.begin_write().await?;
        write_group(&mut tx, g).await?;
        tx.commit().await?;
        Ok(())
    }

    /// All groups with their members, steering first.
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let rows = sqlx::query(
            "SELECT code, name, kind, mandate, end_date FROM org_groups ORDER BY \
             CASE kind WHEN 'steering' THEN 0 WHEN 'preparation' THEN 1 ELSE 2 END, name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let code: trygg_core::Code = parse(&r, "code")?;
            let name: String = r.try_get("name")?;
            out.push(Group {
                members: self.group_members(&code).await?,
                code,
                name: Name::new(&name)?,
                kind: parse(&r, "kind")?,
                mandate: r.try_get("mandate")?,
                end_date: parse_date("end_date", r.try_get("end_date")?)?,
            });
        }
        Ok(out)
    }

    async fn group_members(&self, code: &trygg_core::Code) -> Result<Vec<GroupMember>> {
        let rows = sqlx::query(
            "SELECT name, partner, role FROM group_members WHERE group_code = $1 ORDER BY position",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("name")?;
                let partner: Option<String> = r.try_get("partner")?;
                Ok(GroupMember {
                    name: Name::new(&name)?,
                    partner: partner.map(|p| p.parse()).transpose()?,
                    role: r.try_get("role")?,
                })
            })
            .collect()
    }
}

/// Writes a group and replaces its members, inside the caller's transaction.
pub(crate) async fn write_group(tx: &mut sqlx::AnyConnection, g: &Group) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_groups (code, name, kind, mandate, end_date) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
         mandate = excluded.mandate, end_date = excluded.end_date",
    )
    .bind(g.code.as_str())
    .bind(g.name.as_str())
    .bind(g.kind.as_str())
    .bind(g.mandate.trim())
    .bind(date_text(g.end_date))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM group_members WHERE group_code = $1")
        .bind(g.code.as_str())
        .execute(&mut *tx)
        .await?;
    for (i, m) in g.members.iter().enumerate() {
        sqlx::query("INSERT INTO group_members (group_code, position, name, partner, role) VALUES ($1, $2, $3, $4, $5)")
            .bind(g.code.as_str())
            .bind(i as i64)
            .bind(m.name.as_str())
            .bind(m.partner.as_ref().map(|c| c.as_str()))
            .bind(m.role.as_deref().map(str::trim).filter(|r| !r.is_empty()))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
