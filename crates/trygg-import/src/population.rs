//! Population per region, year, sex and age band: SCB's PX-Web API output
//! (v1 `json` and v2 JSON-stat 2.0) and a plain CSV/XLSX (area, year, sex,
//! age, population) for what SCB does not publish, such as Stockholm's
//! districts.
//!
//! PX-Web dimensions are recognised by their codes: `Region` (absent: the
//! whole country, `00`), `Tid` (the year), `Kon` (1 men, 2 women, 1+2 or
//! absent: all) and `Alder` (`tot…` or absent: all). The content is the one
//! contents code, or the one labelled *Folkmängd* when there are several.
//! Any other dimension must have a single category (it is then left out,
//! with a note). Missing values — `null`, or SCB's status symbols such as
//! `..` — are not figures: they are counted and noted, never stored as 0.

use crate::statistics::{Outcome, TableImportError, TableOptions, matcher, meta, outcome};
use crate::table::{AreaMatcher, Place, Problem, read_table, whole};
use serde_json::Value;
use trygg_store::{PopulationCount, Store};

/// Population figures read from a file.
#[derive(Debug, Default)]
pub struct ParsedPopulation {
    /// The figures.
    pub rows: Vec<PopulationCount>,
    /// Refused rows or cells.
    pub rejected: Vec<Problem>,
    /// Remarks: missing values, dimensions left out.
    pub notes: Vec<String>,
}

/// Reads a population file: JSON-stat 2.0, PX-Web v1 `json`, or CSV/XLSX.
pub fn parse(file: &str, bytes: &[u8], areas: &AreaMatcher) -> Result<ParsedPopulation, Problem> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).map(|i| bytes[i]);
    if start == Some(b'{') {
        let json: Value = serde_json::from_slice(bytes).map_err(|e| json_problem(file, &e))?;
        if json.get("class").and_then(Value::as_str) == Some("dataset") || json.get("id").is_some() {
            jsonstat(file, &json, areas)
        } else if json.get("columns").is_some() && json.get("data").is_some() {
            pxweb_v1(file, &json, areas)
        } else {
            Err(problem(
                file,
                "",
                "a JSON object that is neither JSON-stat 2.0 (class \"dataset\") nor PX-Web json (columns, data)",
            ))
        }
    } else {
        csv_population(file, bytes, areas)
    }
}

fn problem(file: &str, at: &str, reason: &str) -> Problem {
    Problem {
        place: Place { file: file.into(), sheet: None, row: 0, column: at.into() },
        reason: reason.into(),
    }
}

fn json_problem(file: &str, e: &serde_json::Error) -> Problem {
    let what = if e.is_eof() { "the JSON ends too early (a truncated file?)" } else { "invalid JSON" };
    Problem {
        place: Place { file: file.into(), sheet: None, row: e.line() as u64, column: String::new() },
        reason: format!("character {}: {what}", e.column()),
    }
}

/// One dimension: its code and its categories (code, label) in index order.
struct Dimension {
    id: String,
    label: String,
    categories: Vec<(String, String)>,
}

fn jsonstat(file: &str, j: &Value, areas: &AreaMatcher) -> Result<ParsedPopulation, Problem> {
    let bad = |at: &str, reason: &str| problem(file, at, reason);
    let ids: Vec<String> = j["id"]
        .as_array()
        .ok_or_else(|| bad("id", "expected an array of dimension ids"))?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("id", "expected strings")))
        .collect::<Result<_, _>>()?;
    let sizes: Vec<usize> = j["size"]
        .as_array()
        .ok_or_else(|| bad("size", "expected an array of sizes"))?
        .iter()
        .map(|v| v.as_u64().map(|n| n as usize).ok_or_else(|| bad("size", "expected whole numbers")))
        .collect::<Result<_, _>>()?;
    if ids.len() != sizes.len() {
        return Err(bad("size", &format!("{} ids but {} sizes", ids.len(), sizes.len())));
    }
    let mut dims = Vec::new();
    for (id, &size) in ids.iter().zip(&sizes) {
        let d = &j["dimension"][id];
        let at = format!("dimension.{id}.category.index");
        let categories = categories(&d["category"]).map_err(|e| bad(&at, &e))?;
        if categories.len() != size {
            return Err(bad(&at, &format!("{} categories but size says {size}", categories.len())));
        }
        let label = d["label"].as_str().unwrap_or(id).to_owned();
        dims.push(Dimension { id: id.clone(), label, categories });
    }
    let total: usize = sizes.iter().product();
    let values = cells(&j["value"], total).map_err(|e| bad("value", &e))?;
    let status = |i: usize| -> Option<String> {
        match &j["status"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.get(i).and_then(Value::as_str).map(str::to_owned),
            Value::Object(o) => o.get(&i.to_string()).and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    };
    let observations = (0..total).map(|i| {
        let mut rest = i;
        let mut coords = vec![0; sizes.len()];
        for k in (0..sizes.len()).rev() {
            coords[k] = rest % sizes[k];
            rest /= sizes[k];
        }
        (coords, values[i], status(i))
    });
    assemble(file, &dims, observations, areas)
}

/// A category's codes in index order, from `index` as an array or an object (or from `label` alone).
fn categories(c: &Value) -> Result<Vec<(String, String)>, String> {
    let label = |code: &str| c["label"].get(code).and_then(Value::as_str).unwrap_or(code).to_owned();
    match &c["index"] {
        Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().map(|s| (s.to_owned(), label(s))).ok_or_else(|| "expected codes".to_owned()))
            .collect(),
        Value::Object(o) => {
            let mut v: Vec<(usize, String)> = o
                .iter()
                .map(|(k, i)| {
                    i.as_u64()
                        .map(|i| (i as usize, k.clone()))
                        .ok_or_else(|| format!("{k}: expected a position"))
                })
                .collect::<Result<_, _>>()?;
            v.sort();
            if v.iter().enumerate().any(|(n, (i, _))| n != *i) {
                return Err("positions are not 0, 1, 2, …".into());
            }
            Ok(v.into_iter().map(|(_, k)| (label(&k), k)).map(|(l, k)| (k, l)).collect())
        }
        Value::Null => match &c["label"] {
            Value::Object(o) if o.len() == 1 => {
                Ok(o.iter().map(|(k, l)| (k.clone(), l.as_str().unwrap_or(k).to_owned())).collect())
            }
            _ => Err("no index, and not a single labelled category".into()),
        },
        _ => Err("expected an array or an object".into()),
    }
}

/// The values in row-major order, from an array or a sparse object; `None` is missing.
fn cells(v: &Value, total: usize) -> Result<Vec<Option<f64>>, String> {
    match v {
        Value::Array(a) if a.len() == total => Ok(a.iter().map(Value::as_f64).collect()),
        Value::Array(a) => Err(format!("{} values for {total} cells", a.len())),
        Value::Object(o) => {
            let mut out = vec![None; total];
            for (k, x) in o {
                let i: usize = k
                    .parse()
                    .ok()
                    .filter(|i| *i < total)
                    .ok_or_else(|| format!("key {k:?} is not a cell below {total}"))?;
                out[i] = x.as_f64();
            }
            Ok(out)
        }
        _ => Err("expected an array or an object of values".into()),
    }
}

fn pxweb_v1(file: &str, j: &Value, areas: &AreaMatcher) -> Result<ParsedPopulation, Problem> {
    let bad = |at: &str, reason: &str| problem(file, at, reason);
    let columns = j["columns"].as_array().ok_or_else(|| bad("columns", "expected an array"))?;
    let (mut keys, mut contents) = (Vec::new(), Vec::new());
    for c in columns {
        let code = c["code"].as_str().ok_or_else(|| bad("columns", "a column without a code"))?.to_owned();
        let text = c["text"].as_str().unwrap_or(&code).to_owned();
        if c["type"].as_str() == Some("c") { contents.push((code, text)) } else { keys.push((code, text)) }
    }
    let data = j["data"].as_array().ok_or_else(|| bad("data", "expected an array"))?;
    // Dimensions as in JSON-stat: the key columns' codes in the order first seen, plus contents.
    let mut dims: Vec<Dimension> = keys
        .iter()
        .map(|(id, label)| Dimension { id: id.clone(), label: label.clone(), categories: Vec::new() })
        .collect();
    dims.push(Dimension {
        id: "ContentsCode".into(),
        label: "tabellinnehåll".into(),
        categories: contents.clone(),
    });
    let mut observations = Vec::new();
    for (n, row) in data.iter().enumerate() {
        let at = format!("data[{n}]");
        let key = row["key"]
            .as_array()
            .filter(|k| k.len() == keys.len())
            .ok_or_else(|| bad(&at, &format!("expected a key of {} codes", keys.len())))?;
        let values = row["values"]
            .as_array()
            .filter(|v| v.len() == contents.len())
            .ok_or_else(|| bad(&at, &format!("expected {} values", contents.len())))?;
        let mut coords = Vec::new();
        for (k, code) in key.iter().enumerate() {
            let code = code.as_str().ok_or_else(|| bad(&at, "key codes must be strings"))?;
            let cats = &mut dims[k].categories;
            let i = cats.iter().position(|(c, _)| c == code).unwrap_or_else(|| {
                cats.push((code.to_owned(), code.to_owned()));
                cats.len() - 1
            });
            coords.push(i);
        }
        for (ci, v) in values.iter().enumerate() {
            let mut c = coords.clone();
            c.push(ci);
            // v1 gives numbers as strings; symbols such as ".." mean missing.
            let (value, status) = match v {
                Value::String(s) => match whole(s) {
                    Some(x) => (Some(x as f64), None),
                    None => (None, Some(s.clone())),
                },
                Value::Number(x) => (x.as_f64(), None),
                _ => (None, None),
            };
            observations.push((c, value, status));
        }
    }
    assemble(file, &dims, observations.into_iter(), areas)
}

/// Turns observations over dimensions into population rows.
fn assemble(
    file: &str,
    dims: &[Dimension],
    observations: impl Iterator<Item = (Vec<usize>, Option<f64>, Option<String>)>,
    areas: &AreaMatcher,
) -> Result<ParsedPopulation, Problem> {
    let find = |id: &str| dims.iter().position(|d| d.id.eq_ignore_ascii_case(id));
    let (region, time, sex, age) = (find("Region"), find("Tid"), find("Kon"), find("Alder"));
    let time = time.ok_or_else(|| problem(file, "Tid", "no time dimension Tid"))?;
    let contents = find("ContentsCode");
    let mut out = ParsedPopulation::default();
    let wanted = match contents {
        None => None,
        Some(c) => Some(population_content(file, &dims[c])?),
    };
    for (k, d) in dims.iter().enumerate() {
        let known = [Some(time), region, sex, age, contents].contains(&Some(k));
        if !known {
            if d.categories.len() != 1 {
                return Err(problem(
                    file,
                    &d.id,
                    &format!(
                        "dimension {} ({}) has {} categories; select one (population by region, year, sex and age only)",
                        d.id,
                        d.label,
                        d.categories.len()
                    ),
                ));
            }
            out.notes.push(format!("dimension {} ({}) = {} left out", d.id, d.label, d.categories[0].1));
        }
    }
    if region.is_none() {
        out.notes.push("no Region dimension: the figures are for Sweden (00)".into());
    }
    let mut missing = 0;
    for (coords, value, status) in observations {
        if let (Some(c), Some(w)) = (contents, wanted)
            && coords[c] != w
        {
            continue;
        }
        let code = |d: Option<usize>| d.map(|d| dims[d].categories[coords[d]].0.clone());
        let place = || {
            let key: Vec<String> =
                dims.iter().zip(&coords).map(|(d, &i)| format!("{}={}", d.id, d.categories[i].0)).collect();
            key.join(", ")
        };
        let Some(v) = value else {
            missing += 1;
            out.notes.push(format!(
                "{}: missing value{}",
                place(),
                status.map(|s| format!(" ({s})")).unwrap_or_default()
            ));
            continue;
        };
        let row = (|| -> Result<PopulationCount, String> {
            let year = year_of(&dims[time].categories[coords[time]].0)?;
            let region_code = code(region).unwrap_or_else(|| "00".into());
            let label = region.map(|r| dims[r].categories[coords[r]].1.clone());
            if v < 0.0 || v.fract() != 0.0 {
                return Err(format!("{v} is not a number of persons"));
            }
            Ok(PopulationCount {
                area: areas.find(&region_code).or_else(|| label.and_then(|l| areas.find(&l))),
                region: region_code,
                year,
                sex: sex_of(code(sex).as_deref())?,
                age: age_of(code(age).as_deref()),
                persons: v as i64,
            })
        })();
        match row {
            Ok(r) => out.rows.push(r),
            Err(e) => out.rejected.push(problem(file, &place(), &e)),
        }
    }
    if missing > 0 {
        out.notes.insert(0, format!("{missing} missing values (not stored)"));
    }
    Ok(out)
}

/// The position of the population content among several contents codes.
fn population_content(file: &str, d: &Dimension) -> Result<usize, Problem> {
    if d.categories.len() == 1 {
        return Ok(0);
    }
    d.categories.iter().position(|(_, label)| label.to_lowercase().starts_with("folkmängd")).ok_or_else(
        || {
            let all: Vec<String> = d.categories.iter().map(|(c, l)| format!("{c} ({l})")).collect();
            problem(file, &d.id, &format!("several contents and none is Folkmängd: {}", all.join(", ")))
        },
    )
}

fn year_of(code: &str) -> Result<i32, String> {
    code.parse::<i32>()
        .ok()
        .filter(|y| (1700..=2200).contains(y))
        .ok_or_else(|| format!("time {code:?} is not a year"))
}

fn sex_of(code: Option<&str>) -> Result<String, String> {
    Ok(match code.map(|c| c.trim().to_lowercase()) {
        None => "all",
        Some(c) => match c.as_str() {
            "1" | "men" | "män" | "man" | "m" => "men",
            "2" | "women" | "kvinnor" | "kvinna" | "k" => "women",
            "1+2" | "4" | "all" | "alla" | "totalt" | "" => "all",
            other => return Err(format!("sex {other:?}: expected 1 (men), 2 (women), 1+2 or all")),
        },
    }
    .to_owned())
}

fn age_of(code: Option<&str>) -> String {
    match code.map(str::trim) {
        None | Some("") => "all".into(),
        Some(c) if c.to_lowercase().starts_with("tot") || c.eq_ignore_ascii_case("all") => "all".into(),
        Some(c) => c.trim_end_matches(" år").replace('–', "-"),
    }
}

fn csv_population(file: &str, bytes: &[u8], areas: &AreaMatcher) -> Result<ParsedPopulation, Problem> {
    let t = read_table(file, bytes, None)?;
    let area = t.require("area", &["area", "område", "omrade", "region", "stadsdel"])?;
    let year = t.require("year", &["year", "år", "ar"])?;
    let persons = t.require("population", &["population", "folkmängd", "folkmangd", "persons", "antal"])?;
    let (sex, age) = (t.column(&["sex", "kön", "kon"]), t.column(&["age", "ålder", "alder"]));
    let mut out = ParsedPopulation::default();
    for (line, cells) in &t.rows {
        let cell = |c: usize| cells.get(c).map_or("", String::as_str);
        let row = (|| -> Result<PopulationCount, Problem> {
            let region = cell(area);
            if region.is_empty() {
                return Err(t.problem(*line, Some(area), "empty area"));
            }
            let y = year_of(cell(year)).map_err(|e| t.problem(*line, Some(year), e))?;
            let n = whole(cell(persons)).filter(|n| *n >= 0).ok_or_else(|| {
                t.problem(*line, Some(persons), format!("{:?} is not a number of persons", cell(persons)))
            })?;
            let s = sex_of(sex.map(cell)).map_err(|e| t.problem(*line, sex, e))?;
            Ok(PopulationCount {
                area: areas.find(region),
                region: region.to_owned(),
                year: y,
                sex: s,
                age: age_of(age.map(cell)),
                persons: n,
            })
        })();
        match row {
            Ok(r) => out.rows.push(r),
            Err(p) => out.rejected.push(p),
        }
    }
    Ok(out)
}

/// Checks and imports a population file in one transaction, with provenance.
pub async fn import(
    store: &Store,
    file: &str,
    bytes: &[u8],
    opts: &TableOptions,
) -> Result<Outcome, TableImportError> {
    let areas = matcher(store).await?;
    let parsed = parse(file, bytes, &areas)?;
    let mut outcome = outcome(
        file,
        parsed.rows.len(),
        parsed.rejected,
        parsed.rows.iter().filter(|r| r.area.is_none()).map(|r| &r.region),
    );
    outcome.notes = parsed.notes;
    if !outcome.rejected.is_empty() && !opts.skip_invalid {
        return Err(TableImportError::Rejected(Box::new(outcome)));
    }
    if !opts.dry_run {
        let meta = meta("population", file, bytes, opts, outcome.rejected.len());
        outcome.run = Some(store.import_population(&meta, &parsed.rows).await?);
    }
    Ok(outcome)
}
