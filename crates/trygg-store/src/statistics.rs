//! Aggregate figures: reported crimes per region, period and crime type;
//! survey values per wave; population per region, year, sex and age band.
//!
//! Each import is one transaction with a provenance record in `import_runs`
//! (the same table as event imports). A row is identified by its key (for
//! crimes: source, region, period, crime type); importing the same key again
//! with the same figures changes nothing, with other figures updates it and
//! counts it as updated. `region` is the name or code the source uses, `area`
//! the area it was matched to, if any.

use crate::events::{RunCounts, finish_run_record, insert_run};
use crate::{ImportMeta, ImportRun, OptF64, Result, Store, StoreError, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use trygg_core::{Code, Polygon};

/// Reported crimes of one type in one region and period.
#[derive(Debug, Clone, PartialEq)]
pub struct CrimeCount {
    /// The region as the source names it, e.g. `Rinkeby-Kista`.
    pub region: String,
    /// The area it was matched to, if any.
    pub area: Option<Code>,
    /// `2016`, `2016-06` or `2016-T2`.
    pub period: String,
    /// The crime type or group as the source names it.
    pub crime_type: String,
    /// Reported crimes.
    pub count: i64,
}

/// One survey figure: a share for a group in an area, in one wave (year).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyValue {
    /// The survey, e.g. `trygghetsmatningen`.
    pub survey: String,
    /// The year of the wave; every figure carries it.
    pub wave: i32,
    /// The area as the source names it.
    pub region: String,
    /// The area it was matched to, if any.
    pub area: Option<Code>,
    /// Question or indicator code.
    pub indicator: String,
    /// `all`, `women`, `men`, `age:16-24` or `other:…`.
    pub group: String,
    /// Respondents in the group, if given.
    pub respondents: Option<i64>,
    /// Respondents answering yes, if given.
    pub yes_count: Option<i64>,
    /// Share answering yes, per cent (0–100).
    pub share: f64,
    /// Weighted share, per cent, if given.
    pub weighted_share: Option<f64>,
    /// Where the figure was published, if given.
    pub source_url: Option<String>,
}

/// Population of one region, year, sex and age band.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationCount {
    /// The region's code or name in the source (`00` is Sweden in SCB's tables).
    pub region: String,
    /// The area it was matched to, if any.
    pub area: Option<Code>,
    /// The year (SCB: population on 31 December).
    pub year: i32,
    /// `all`, `women` or `men`.
    pub sex: String,
    /// `all`, one age (`0`) or a band (`0-4`, `65+`).
    pub age: String,
    /// Persons.
    pub persons: i64,
}

/// A kind of aggregate row: its table's statements and how it binds.
trait Figure: Sized {
    /// `SELECT` of the key (first columns, joined with `\u{1f}`) and the figures of every row of a source.
    const EXISTING: &'static str;
    /// Upsert of one row (`$1` is the source, the last parameter the import run).
    const UPSERT: &'static str;
    /// Key columns in `EXISTING`.
    const KEY_COLUMNS: usize;
    /// The row's key and figures, as `EXISTING` reads them back.
    fn identity(&self) -> (String, String);
    /// Binds the row's columns after the source.
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q>;
    /// The area the row refers to.
    fn area(&self) -> Option<&Code>;
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

const SEP: char = '\u{1f}';

fn text_of(row: &AnyRow, i: usize) -> Result<String> {
    use sqlx::{TypeInfo, ValueRef};
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(String::new());
    }
    let name = raw.type_info().name().to_ascii_uppercase();
    Ok(if name.contains("INT") {
        row.try_get::<i64, _>(i)?.to_string()
    } else if name.contains("REAL") || name.contains("DOUBLE") || name.contains("FLOAT") {
        row.try_get::<f64, _>(i)?.to_string()
    } else {
        row.try_get::<String, _>(i)?
    })
}

fn join(parts: &[String]) -> String {
    parts.join(&SEP.to_string())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

impl Figure for CrimeCount {
    const EXISTING: &'static str =
        "SELECT region, period, crime_type, area, count FROM crime_counts WHERE source = $1";
    const UPSERT: &'static str = "INSERT INTO crime_counts (source, region, area, period, crime_type, count, import_run) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, region, period, crime_type) DO UPDATE SET \
         area = excluded.area, count = excluded.count, import_run = excluded.import_run";
    const KEY_COLUMNS: usize = 3;
    fn identity(&self) -> (String, String) {
        (
            join(&[self.region.clone(), self.period.clone(), self.crime_type.clone()]),
            join(&[opt(self.area.as_ref()), self.count.to_string()]),
        )
    }
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(&self.region)
            .bind(self.area.as_ref().map(Code::as_str))
            .bind(&self.period)
            .bind(&self.crime_type)
            .bind(self.count)
    }
    fn area(&self) -> Option<&Code> {
        self.area.as_ref()
    }
}

impl Figure for SurveyValue {
    const EXISTING: &'static str = "SELECT wave, region, indicator, grp, area, respondents, yes_count, share, \
         weighted_share, source_url FROM survey_values WHERE survey = $1";
    const UPSERT: &'static str = "INSERT INTO survey_values (survey, wave, region, indicator, grp, area, \
         respondents, yes_count, share, weighted_share, source_url, import_run) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (survey, wave, region, indicator, grp) DO UPDATE SET area = excluded.area, \
         respondents = excluded.respondents, yes_count = excluded.yes_count, share = excluded.share, \
         weighted_share = excluded.weighted_share, source_url = excluded.source_url, \
         import_run = excluded.import_run";
    const KEY_COLUMNS: usize = 4;
    fn identity(&self) -> (String, String) {
        (
            join(&[self.wave.to_string(), self.region.clone(), self.indicator.clone(), self.group.clone()]),
            join(&[
                opt(self.area.as_ref()),
                opt(self.respondents),
                opt(self.yes_count),
                self.share.to_string(),
                opt(self.weighted_share),
                opt(self.source_url.as_ref()),
            ]),
        )
    }
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(i64::from(self.wave))
            .bind(&self.region)
            .bind(&self.indicator)
            .bind(&self.group)
            .bind(self.area.as_ref().map(Code::as_str))
            .bind(self.respondents)
            .bind(self.yes_count)
            .bind(OptF64(Some(self.share)))
            .bind(OptF64(self.weighted_share))
            .bind(self.source_url.as_deref())
    }
    fn area(&self) -> Option<&Code> {
        self.area.as_ref()
    }
}

impl Figure for PopulationCount {
    const EXISTING: &'static str =
        "SELECT region, year, sex, age, area, persons FROM population WHERE source = $1";
    const UPSERT: &'static str = "INSERT INTO population (source, region, year, sex, age, area, persons, import_run) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source, region, year, sex, age) DO UPDATE SET \
         area = excluded.area, persons = excluded.persons, import_run = excluded.import_run";
    const KEY_COLUMNS: usize = 4;
    fn identity(&self) -> (String, String) {
        (
            join(&[self.region.clone(), self.year.to_string(), self.sex.clone(), self.age.clone()]),
            join(&[opt(self.area.as_ref()), self.persons.to_string()]),
        )
    }
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(&self.region)
            .bind(i64::from(self.year))
            .bind(&self.sex)
            .bind(&self.age)
            .bind(self.area.as_ref().map(Code::as_str))
            .bind(self.persons)
    }
    fn area(&self) -> Option<&Code> {
        self.area.as_ref()
    }
}

impl Store {
    /// Imports reported-crime counts under `meta.source` in one transaction, with provenance.
    pub async fn import_crime_counts(&self, meta: &ImportMeta, rows: &[CrimeCount]) -> Result<ImportRun> {
        self.import_figures(meta, &meta.source, rows).await
    }

    /// Imports survey values in one transaction, with provenance; `meta.source` is the survey.
    pub async fn import_survey_values(&self, meta: &ImportMeta, rows: &[SurveyValue]) -> Result<ImportRun> {
        if let Some(other) = rows.iter().find(|r| r.survey != meta.source) {
            return Err(StoreError::Internal(format!(
                "survey {:?} imported under source {:?}",
                other.survey, meta.source
            )));
        }
        self.import_figures(meta, &meta.source, rows).await
    }

    /// Imports population counts under `meta.source` in one transaction, with provenance.
    pub async fn import_population(&self, meta: &ImportMeta, rows: &[PopulationCount]) -> Result<ImportRun> {
        self.import_figures(meta, &meta.source, rows).await
    }

    async fn import_figures<F: Figure>(
        &self,
        meta: &ImportMeta,
        source: &str,
        rows: &[F],
    ) -> Result<ImportRun> {
        let mut tx = self.pool.begin().await?;
        let run_id = insert_run(&mut tx, meta, rows.len() as i64).await?;
        let mut known: HashMap<String, String> = HashMap::new();
        for r in sqlx::query(F::EXISTING).bind(source).fetch_all(&mut *tx).await? {
            let cols: Vec<String> = (0..r.len()).map(|i| text_of(&r, i)).collect::<Result<_>>()?;
            let (key, figures) = cols.split_at(F::KEY_COLUMNS);
            known.insert(join(key), join(figures));
        }
        let mut c =
            RunCounts { accepted: rows.len() as i64, rejected: meta.rejected, ..RunCounts::default() };
        for row in rows {
            let (key, figures) = row.identity();
            match known.get(&key) {
                Some(old) if *old == figures => {
                    c.unchanged += 1;
                    continue;
                }
                Some(_) => c.updated += 1,
                None => c.inserted += 1,
            }
            row.bind(sqlx::query(F::UPSERT).bind(source)).bind(run_id).execute(&mut *tx).await.map_err(
                |e| match &e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                        StoreError::NotFound { what: "area", key: opt(row.area()) }
                    }
                    _ => e.into(),
                },
            )?;
            known.insert(key, figures);
        }
        let finished_at = now_ms();
        finish_run_record(&mut tx, run_id, &meta.sha256, &c, finished_at).await?;
        tx.commit().await?;
        Ok(ImportRun {
            id: run_id,
            kind: meta.kind.clone(),
            source: meta.source.clone(),
            file_name: meta.file_name.clone(),
            sha256: meta.sha256.clone(),
            accepted: c.accepted,
            rejected: c.rejected,
            inserted: c.inserted,
            updated: c.updated,
            unchanged: c.unchanged,
            actor: meta.actor.clone(),
            started_at: meta.started_at,
            finished_at,
        })
    }

    /// Reported-crime counts of `source`, by region, period and crime type.
    pub async fn crime_counts(&self, source: &str) -> Result<Vec<CrimeCount>> {
        let rows = sqlx::query(
            "SELECT region, area, period, crime_type, count FROM crime_counts WHERE source = $1 \
             ORDER BY region, period, crime_type",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CrimeCount {
                    region: r.try_get("region")?,
                    area: area_of(r)?,
                    period: r.try_get("period")?,
                    crime_type: r.try_get("crime_type")?,
                    count: r.try_get("count")?,
                })
            })
            .collect()
    }

    /// The values of `survey`, oldest wave first; each carries its wave's year.
    pub async fn survey_values(&self, survey: &str) -> Result<Vec<SurveyValue>> {
        let rows = sqlx::query(
            "SELECT survey, wave, region, area, indicator, grp, respondents, yes_count, share, weighted_share, \
             source_url FROM survey_values WHERE survey = $1 ORDER BY wave, region, indicator, grp",
        )
        .bind(survey)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SurveyValue {
                    survey: r.try_get("survey")?,
                    wave: year_of(r, "wave")?,
                    region: r.try_get("region")?,
                    area: area_of(r)?,
                    indicator: r.try_get("indicator")?,
                    group: r.try_get("grp")?,
                    respondents: r.try_get("respondents")?,
                    yes_count: r.try_get("yes_count")?,
                    share: r.try_get("share")?,
                    weighted_share: r.try_get("weighted_share")?,
                    source_url: r.try_get("source_url")?,
                })
            })
            .collect()
    }

    /// Population counts of `source`, by region, year, sex and age.
    pub async fn population(&self, source: &str) -> Result<Vec<PopulationCount>> {
        let rows = sqlx::query(
            "SELECT region, area, year, sex, age, persons FROM population WHERE source = $1 \
             ORDER BY region, year, sex, age",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PopulationCount {
                    region: r.try_get("region")?,
                    area: area_of(r)?,
                    year: year_of(r, "year")?,
                    sex: r.try_get("sex")?,
                    age: r.try_get("age")?,
                    persons: r.try_get("persons")?,
                })
            })
            .collect()
    }
}

/// `{select} WHERE area IN ($1, …){order}` for `areas` (at least one slot).
fn in_areas(select: &str, areas: &[Code], order: &str) -> String {
    let slots: Vec<String> = (1..=areas.len().max(1)).map(|i| format!("${i}")).collect();
    format!("{select} WHERE area IN ({}){order}", slots.join(", "))
}

impl Store {
    /// Reported-crime counts matched to any of `areas`, from every source, as
    /// `(source, count)`.
    pub async fn crime_counts_in(&self, areas: &[Code]) -> Result<Vec<(String, CrimeCount)>> {
        let sql = in_areas(
            "SELECT source, region, area, period, crime_type, count FROM crime_counts",
            areas,
            " ORDER BY source, region, period, crime_type",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in areas {
            q = q.bind(a.as_str());
        }
        if areas.is_empty() {
            q = q.bind("");
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let count = CrimeCount {
                    region: r.try_get("region")?,
                    area: area_of(r)?,
                    period: r.try_get("period")?,
                    crime_type: r.try_get("crime_type")?,
                    count: r.try_get("count")?,
                };
                Ok((r.try_get("source")?, count))
            })
            .collect()
    }

    /// Population counts matched to any of `areas`, from every source, as `(source, count)`.
    pub async fn population_in(&self, areas: &[Code]) -> Result<Vec<(String, PopulationCount)>> {
        let sql = in_areas(
            "SELECT source, region, area, year, sex, age, persons FROM population",
            areas,
            " ORDER BY source, region, year, sex, age",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in areas {
            q = q.bind(a.as_str());
        }
        if areas.is_empty() {
            q = q.bind("");
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let count = PopulationCount {
                    region: r.try_get("region")?,
                    area: area_of(r)?,
                    year: year_of(r, "year")?,
                    sex: r.try_get("sex")?,
                    age: r.try_get("age")?,
                    persons: r.try_get("persons")?,
                };
                Ok((r.try_get("source")?, count))
            })
            .collect()
    }

    /// The names of the surveys that have values.
    pub async fn surveys(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT survey FROM survey_values ORDER BY survey")
            .fetch_all(&self.pool)
            .await?)
    }
}

impl Store {
    /// Replaces the boundaries of existing areas in one transaction, with
    /// provenance; an area whose boundary is already the same is counted as
    /// unchanged. The boundaries of the areas above them are not recomputed.
    pub async fn import_boundaries(
        &self,
        meta: &ImportMeta,
        boundaries: &[(Code, Polygon)],
    ) -> Result<ImportRun> {
        let mut tx = self.pool.begin().await?;
        let run_id = insert_run(&mut tx, meta, boundaries.len() as i64).await?;
        let mut c =
            RunCounts { accepted: boundaries.len() as i64, rejected: meta.rejected, ..RunCounts::default() };
        for (code, polygon) in boundaries {
            let text =
                serde_json::json!({"type": "MultiPolygon", "coordinates": polygon.to_lon_lat()}).to_string();
            let old: Option<Option<String>> =
                sqlx::query_scalar("SELECT boundary FROM areas WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            match old {
                None => return Err(StoreError::NotFound { what: "area", key: code.to_string() }),
                Some(Some(old)) if old == text => c.unchanged += 1,
                Some(_) => {
                    sqlx::query("UPDATE areas SET boundary = $1, boundary_source = $2 WHERE code = $3")
                        .bind(&text)
                        .bind(&meta.file_name)
                        .bind(code.as_str())
                        .execute(&mut *tx)
                        .await?;
                    c.updated += 1;
                }
            }
        }
        let finished_at = now_ms();
        finish_run_record(&mut tx, run_id, &meta.sha256, &c, finished_at).await?;
        tx.commit().await?;
        Ok(ImportRun {
            id: run_id,
            kind: meta.kind.clone(),
            source: meta.source.clone(),
            file_name: meta.file_name.clone(),
            sha256: meta.sha256.clone(),
            accepted: c.accepted,
            rejected: c.rejected,
            inserted: 0,
            updated: c.updated,
            unchanged: c.unchanged,
            actor: meta.actor.clone(),
            started_at: meta.started_at,
            finished_at,
        })
    }
}

fn area_of(r: &AnyRow) -> Result<Option<Code>> {
    let area: Option<String> = r.try_get("area")?;
    Ok(area.map(|a| Code::new(&a)).transpose()?)
}

fn year_of(r: &AnyRow, col: &str) -> Result<i32> {
    let y: i64 = r.try_get(col)?;
    i32::try_from(y).map_err(|_| StoreError::Corrupt(format!("{col}: {y} is not a year")))
}
