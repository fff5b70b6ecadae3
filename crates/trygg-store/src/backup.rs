//! Backup and restore of the whole database as one portable file.
//!
//! A backup is read in one read-only transaction (on PostgreSQL at
//! `REPEATABLE READ`; on SQLite a read transaction sees one snapshot of the
//! WAL), so it is consistent while the server keeps running. The file is
//! JSON lines: a header with the schema version, then for each table a line
//! naming it and its columns followed by one line per row (an array of
//! values; bytes as `{"hex": …}`). Tables come in the order the migrations
//! create them, which is an order in which every row's references exist
//! already. Because the format is the store's own, a backup of SQLite
//! restores into PostgreSQL and back.
//!
//! A restore replaces every row of the target database, migrated to the
//! same schema version, in one transaction: all of it or nothing.

use crate::migrate::MIGRATIONS;
use crate::{Backend, OptF64, Result, SCHEMA_VERSION, Store, StoreError, hex, now_ms};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};
use std::io::{BufRead, Write};

/// Tables whose rows refer to rows of the same table (one level deep), and the column.
const SELF_REFERENCES: &[(&str, &str)] =
    &[("report_categories", "parent"), ("plans", "parent_id"), ("reports", "duplicate_of")];

/// What a backup or restore handled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupSummary {
    /// The schema version of the data.
    pub schema_version: i64,
    /// Tables written or read.
    pub tables: usize,
    /// Rows written or read.
    pub rows: u64,
}

/// Every table of the schema, in the order the migrations create them.
pub fn backup_tables() -> Vec<&'static str> {
    let mut out = Vec::new();
    for (_, _, sqlite, _) in MIGRATIONS {
        for line in sqlite.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("CREATE TABLE ") {
                let name = rest.split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
                if !name.is_empty() && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn bad(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("backup file: {e}"))
}

impl Store {
    /// Writes a consistent backup of every table to `out`.
    pub async fn backup(&self, out: &mut (dyn Write + Send)) -> Result<BackupSummary> {
        let version = self.schema_version().await?.unwrap_or(0);
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let tables = backup_tables();
        let header =
            json!({"trygg_backup": 1, "schema_version": version, "created_at": now_ms(), "tables": tables});
        writeln!(out, "{header}").map_err(io)?;
        let mut summary = BackupSummary { schema_version: version, tables: tables.len(), rows: 0 };
        for table in tables {
            // Table names come from our own migrations, never from input. Rows
            // that refer to rows of their own table come after those.
            let order = match SELF_REFERENCES.iter().find(|(t, _)| *t == table) {
                Some((_, column)) => format!("{column} IS NOT NULL, 1"),
                None => "1".to_owned(),
            };
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table} ORDER BY {order}")))
                .fetch_all(&mut *tx)
                .await?;
            let columns: Vec<String> = rows
                .first()
                .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
                .unwrap_or_default();
            writeln!(out, "{}", json!({"table": table, "columns": columns, "rows": rows.len()}))
                .map_err(io)?;
            for row in &rows {
                let values = (0..columns.len()).map(|i| value_of(row, i)).collect::<Result<Vec<_>>>()?;
                writeln!(out, "{}", Value::Array(values)).map_err(io)?;
            }
            summary.rows += rows.len() as u64;
        }
        tx.commit().await?;
        out.flush().map_err(io)?;
        Ok(summary)
    }

    /// Replaces every row of this database with the backup in `input`, in one
    /// transaction. The database must be migrated to the backup's schema version.
    pub async fn restore(&self, input: &mut (dyn BufRead + Send)) -> Result<BackupSummary> {
        let mut lines = input.lines();
        let mut next = || -> Result<Option<Value>> {
            match lines.next() {
                None => Ok(None),
                Some(line) => serde_json::from_str(&line.map_err(io)?)
                    .map(Some)
                    .map_err(|e| bad(format!("backup file: {e}"))),
            }
        };
        let header = next()?.ok_or_else(|| bad("backup file is empty"))?;
        let version =
            header["schema_version"].as_i64().ok_or_else(|| bad("backup file has no schema version"))?;
        if header["trygg_backup"] != json!(1) {
            return Err(bad("not a Trygg backup (format 1)"));
        }
        if version != SCHEMA_VERSION || self.schema_version().await? != Some(version) {
            return Err(bad(format!(
                "the backup has schema version {version}; this binary and database must have the same (binary {SCHEMA_VERSION})"
            )));
        }
        let known = backup_tables();
        let mut tx = self.begin_write().await?;
        for table in known.iter().rev() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
        }
        let mut summary = BackupSummary { schema_version: version, tables: 0, rows: 0 };
        while let Some(head) = next()? {
            let table = head["table"].as_str().ok_or_else(|| bad("backup file: expected a table line"))?;
            let table = *known
                .iter()
                .find(|t| **t == table)
                .ok_or_else(|| bad(format!("unknown table {table:?}")))?;
            let columns: Vec<String> = serde_json::from_value(head["columns"].clone())
                .map_err(|e| bad(format!("backup file, table {table}: {e}")))?;
            if columns.iter().any(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')) {
                return Err(bad(format!("backup file, table {table}: bad column name")));
            }
            let n = head["rows"]
                .as_u64()
                .ok_or_else(|| bad(format!("backup file, table {table}: no row count")))?;
            let types = column_types(&mut tx, self.backend, table).await?;
            let kinds: Vec<&str> = columns
                .iter()
                .map(|c| types.iter().find(|(n, _)| n == c).map_or("text", |(_, t)| t.as_str()))
                .collect();
            let slots: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
            let sql = format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), slots.join(", "));
            for k in 0..n {
                let row = next()?.ok_or_else(|| bad(format!("backup file ends inside table {table}")))?;
                let values = row.as_array().filter(|v| v.len() == columns.len()).ok_or_else(|| {
                    bad(format!("backup file, table {table}: a row has not {} values", columns.len()))
                })?;
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (v, kind) in values.iter().zip(&kinds) {
                    q = bind(q, v, kind)?;
                }
                q.execute(&mut *tx).await.map_err(|e| bad(format!("table {table}, row {}: {e}", k + 1)))?;
            }
            summary.tables += 1;
            summary.rows += n;
        }
        if self.backend == Backend::Postgres {
            reset_identities(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds one value as the column's type where the target knows it (PostgreSQL
/// will neither cast a text null to a number nor take an integer for a float).
fn bind<'q>(q: AnyQuery<'q>, v: &Value, kind: &str) -> Result<AnyQuery<'q>> {
    let float = kind.contains("double") || kind.contains("real") || kind == "numeric";
    let int = kind.contains("int");
    // PostgreSQL's `integer` takes 4 bytes on the wire, `bigint` 8.
    let int4 = kind == "integer";
    Ok(match v {
        Value::Null if int4 => q.bind(None::<i32>),
        Value::Null if int => q.bind(None::<i64>),
        Value::Null if float => q.bind(OptF64(None)),
        Value::Null if kind == "bytea" => q.bind(None::<Vec<u8>>),
        Value::Null => q.bind(None::<String>),
        Value::Bool(b) => q.bind(i64::from(*b)),
        Value::Number(n) if float => q.bind(OptF64(n.as_f64())),
        Value::Number(n) if int4 => {
            let v = n
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| bad("backup file: integer too large"))?;
            q.bind(v)
        }
        Value::Number(n) if n.is_i64() => q.bind(n.as_i64()),
        Value::Number(n) => q.bind(OptF64(n.as_f64())),
        Value::String(s) => q.bind(s.clone()),
        Value::Object(o) => {
            let text =
                o.get("hex").and_then(Value::as_str).ok_or_else(|| bad("backup file: unknown value"))?;
            q.bind(unhex(text)?)
        }
        Value::Array(_) => return Err(bad("backup file: unexpected array value")),
    })
}

fn unhex(s: &str) -> Result<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return Err(bad("backup file: odd hex"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| bad("backup file: bad hex")))
        .collect()
}

/// One value as JSON, by the type the database reports.
fn value_of(row: &AnyRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let name = raw.type_info().name().to_ascii_uppercase();
    Ok(if name.contains("INT") || name == "BOOL" || name == "BOOLEAN" {
        match row.try_get::<i64, _>(i) {
            Ok(n) => json!(n),
            Err(_) => json!(i64::from(row.try_get::<bool, _>(i)?)),
        }
    } else if name.contains("REAL") || name.contains("DOUBLE") || name.contains("FLOAT") || name == "NUMERIC"
    {
        json!(row.try_get::<f64, _>(i)?)
    } else if name.contains("BLOB") || name.contains("BYTEA") {
        json!({"hex": hex(&row.try_get::<Vec<u8>, _>(i)?)})
    } else {
        json!(row.try_get::<String, _>(i)?)
    })
}

/// (column, data type) of a table on PostgreSQL; empty on SQLite, which needs no types for nulls.
async fn column_types(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, String)>> {
    if backend != Backend::Postgres {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT CAST(column_name AS TEXT) AS c, CAST(data_type AS TEXT) AS t FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("c")?, r.try_get::<String, _>("t")?.to_lowercase()))).collect()
}

/// Moves every identity sequence past the restored ids.
async fn reset_identities(tx: &mut sqlx::AnyConnection) -> Result<()> {
    let rows = sqlx::query(
        "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
         FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in rows {
        let (table, column): (String, String) = (r.try_get("table_name")?, r.try_get("column_name")?);
        if !backup_tables().contains(&table.as_str()) {
            continue;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new table that refers to itself must be listed, or its rows may restore out of order.
    #[test]
    fn every_self_reference_is_listed() {
        for (_, _, sqlite, _) in MIGRATIONS {
            let mut table = "";
            for line in sqlite.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                    table = rest.split_whitespace().next().unwrap_or("");
                } else if line.contains(&format!("REFERENCES {table} ")) {
                    let column = line.split_whitespace().next().unwrap_or("");
                    assert!(
                        SELF_REFERENCES.contains(&(table, column)),
                        "{table}.{column} refers to its own table"
                    );
                }
            }
        }
        assert!(backup_tables().starts_with(&["areas", "area_parents"]));
    }
}
