//! Strategy versions and their elements.

use crate::{Result, Store, parse, parse_date};
use sqlx::Row;
use trygg_core::{Code, Date, Name, StrategyElement, StrategyVersion};

impl Store {
    /// Inserts or replaces a strategy version with its areas and elements.
    pub async fn upsert_strategy(&self, s: &StrategyVersion) -> Result<()> {
        s.validate()?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO strategies (code, name, valid_from, valid_to) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, valid_from = excluded.valid_from, \
             valid_to = excluded.valid_to",
        )
        .bind(s.code.as_str())
        .bind(s.name.as_str())
        .bind(s.valid_from.to_string())
        .bind(s.valid_to.to_string())
        .execute(&mut *tx)
        .await?;
        for sql in [
            "DELETE FROM strategy_areas WHERE strategy = $1",
            "DELETE FROM strategy_elements WHERE strategy = $1",
        ] {
            sqlx::query(sql).bind(s.code.as_str()).execute(&mut *tx).await?;
        }
        for area in &s.areas {
            sqlx::query("INSERT INTO strategy_areas (strategy, area) VALUES ($1, $2)")
                .bind(s.code.as_str())
                .bind(area.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for (i, e) in s.elements.iter().enumerate() {
            sqlx::query(
                "INSERT INTO strategy_elements (strategy, kind, code, name, description, position) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(s.code.as_str())
            .bind(e.kind.as_str())
            .bind(e.code.as_str())
            .bind(e.name.as_str())
            .bind(&e.description)
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every strategy version, newest first.
    pub async fn strategies(&self) -> Result<Vec<StrategyVersion>> {
        let rows = sqlx::query(
            "SELECT code, name, valid_from, valid_to FROM strategies ORDER BY valid_from DESC, code",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let code: Code = parse(&row, "code")?;
            let name: String = row.try_get("name")?;
            let valid = |col| -> Result<Date> {
                parse_date(col, row.try_get(col)?)?
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("strategy {col} is empty")))
            };
            out.push(StrategyVersion {
                name: Name::new(&name)?,
                valid_from: valid("valid_from")?,
                valid_to: valid("valid_to")?,
                areas: self.strategy_areas(&code).await?,
                elements: self.strategy_elements(&code).await?,
                code,
            });
        }
        Ok(out)
    }

    /// The strategy version that applies on `date`, if any.
    pub async fn strategy_on(&self, date: Date) -> Result<Option<StrategyVersion>> {
        Ok(self.strategies().await?.into_iter().find(|s| s.applies_on(date)))
    }

    async fn strategy_areas(&self, code: &Code) -> Result<Vec<Code>> {
        let rows = sqlx::query("SELECT area FROM strategy_areas WHERE strategy = $1 ORDER BY area")
            .bind(code.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| parse(r, "area")).collect()
    }

    async fn strategy_elements(&self, code: &Code) -> Result<Vec<StrategyElement>> {
        let rows = sqlx::query(
            "SELECT kind, code, name, description FROM strategy_elements WHERE strategy = $1 ORDER BY position",
        )
        .bind(code.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("name")?;
                Ok(StrategyElement {
                    kind: parse(r, "kind")?,
                    code: parse(r, "code")?,
                    name: Name::new(&name)?,
                    description: r.try_get("description")?,
                })
            })
            .collect()
    }
}
