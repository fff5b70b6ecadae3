//! Surveys (the city's trygghetsmätning, Stockholmsenkäten, the citizen
//! survey, the national NTU) from one CSV/XLSX template, documented in
//! `docs/import-templates.md`: survey, wave, area, indicator, group,
//! respondents, yes count or share, weighted share, source. Every figure is
//! stored with its wave's year, so it is never shown as current when it is
//! not.

use crate::statistics::{Outcome, TableImportError, TableOptions, matcher, meta, outcome};
use crate::table::{AreaMatcher, Problem, Table, decimal, normalise, read_table, whole};
use trygg_store::{Store, SurveyValue};

/// The template's columns: (canonical name, accepted names, required).
pub const COLUMNS: &[(&str, &[&str], bool)] = &[
    ("survey", &["survey", "undersökning", "undersokning"], false),
    ("wave", &["wave", "year", "år", "ar", "våg", "vag"], true),
    ("area", &["area", "område", "omrade", "region", "stadsdel", "stadsdelsområde", "stadsdelsomrade"], true),
    ("area_level", &["area_level", "områdesnivå", "nivå"], false),
    ("indicator", &["indicator", "indikator", "question", "fråga", "fraga"], true),
    ("group", &["group", "grupp"], false),
    ("respondents", &["respondents", "svarande", "n"], false),
    ("yes_count", &["yes_count", "antal_ja", "yes"], false),
    ("share", &["share", "value_pct", "andel", "andel_procent", "share_pct"], false),
    ("weighted_share", &["weighted_share", "viktad_andel"], false),
    ("source_url", &["source_url", "källa", "kalla", "source"], false),
];

struct Cols {
    idx: Vec<Option<usize>>,
}

impl Cols {
    fn get(&self, name: &str) -> Option<usize> {
        COLUMNS.iter().position(|(n, _, _)| *n == name).and_then(|i| self.idx[i])
    }
}

fn columns(t: &Table, default_survey: bool) -> Result<Cols, Problem> {
    let idx: Vec<Option<usize>> = COLUMNS.iter().map(|(_, names, _)| t.column(names)).collect();
    let cols = Cols { idx };
    for (i, (name, names, required)) in COLUMNS.iter().enumerate() {
        if cols.idx[i].is_none() && (*required || (*name == "survey" && !default_survey)) {
            return Err(t.header_problem(&format!("no {name} column ({})", names.join(", "))));
        }
    }
    if let Some(c) = (0..t.header.len()).find(|c| !cols.idx.contains(&Some(*c))) {
        let known: Vec<&str> = COLUMNS.iter().map(|(n, _, _)| *n).collect();
        return Err(t.problem(
            t.header_row,
            Some(c),
            format!("unknown column {:?}; the template's columns are {}", t.header[c], known.join(", ")),
        ));
    }
    Ok(cols)
}

/// `all`, `women`, `men`, `age:16-24`, `age:65+` or `other:…` from the forms people write.
pub fn parse_group(s: &str) -> Result<String, String> {
    let n = normalise(s);
    let group = match n.as_str() {
        "" | "all" | "alla" | "totalt" | "total" | "samtliga" => "all".to_owned(),
        "women" | "kvinnor" | "kvinna" | "k" | "female" => "women".to_owned(),
        "men" | "män" | "man" | "m" | "male" => "men".to_owned(),
        _ => {
            let band = n.strip_prefix("age:").unwrap_or(&n).replace('–', "-");
            let band = band.trim_end_matches("_år").trim_end_matches("år");
            if let Some(other) = n.strip_prefix("other:").filter(|o| !o.is_empty()) {
                format!("other:{other}")
            } else if is_age_band(band) {
                format!("age:{band}")
            } else {
                return Err(format!(
                    "{s:?} is not a group: expected all, women, men, an age band such as 16-24 or 65+, or other:NAME"
                ));
            }
        }
    };
    Ok(group)
}

fn is_age_band(s: &str) -> bool {
    let age = |a: &str| !a.is_empty() && a.len() <= 3 && a.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        Some((a, b)) => age(a) && age(b) && a.parse::<u16>().ok() <= b.parse::<u16>().ok(),
        None => s.strip_suffix('+').is_some_and(age),
    }
}

/// Reads survey values; `default_survey` names the survey when the file has no survey column.
pub fn parse(
    file: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    default_survey: Option<&str>,
    areas: &AreaMatcher,
) -> Result<(Vec<SurveyValue>, Vec<Problem>), Problem> {
    let t = read_table(file, bytes, sheet)?;
    let cols = columns(&t, default_survey.is_some())?;
    let (mut values, mut rejected) = (Vec::new(), Vec::new());
    for (line, cells) in &t.rows {
        match value(&t, &cols, *line, cells, default_survey, areas) {
            Ok(v) => values.push(v),
            Err(p) => rejected.push(p),
        }
    }
    Ok((values, rejected))
}

fn value(
    t: &Table,
    cols: &Cols,
    line: u64,
    cells: &[String],
    default_survey: Option<&str>,
    areas: &AreaMatcher,
) -> Result<SurveyValue, Problem> {
    let cell = |name: &str| cols.get(name).and_then(|c| cells.get(c)).map_or("", |s| s.as_str());
    let at = |name: &str, reason: String| t.problem(line, cols.get(name), reason);
    let text = |name: &str| -> Result<String, Problem> {
        let v = cell(name);
        if v.is_empty() { Err(at(name, format!("empty {name}"))) } else { Ok(v.to_owned()) }
    };
    let survey = match cell("survey") {
        "" => default_survey.map(str::to_owned).ok_or_else(|| at("survey", "empty survey".into()))?,
        s => s.to_owned(),
    };
    let wave = cell("wave");
    let wave = wave
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2100).contains(y))
        .ok_or_else(|| at("wave", format!("{wave:?} is not a year such as 2020")))?;
    let region = text("area")?;
    let indicator = text("indicator")?;
    let group = parse_group(cell("group")).map_err(|e| at("group", e))?;
    let count = |name: &str| -> Result<Option<i64>, Problem> {
        match cell(name) {
            "" => Ok(None),
            v => whole(v)
                .filter(|n| *n >= 0)
                .map(Some)
                .ok_or_else(|| at(name, format!("{v:?} is not a whole number ≥ 0"))),
        }
    };
    let percent = |name: &str| -> Result<Option<f64>, Problem> {
        match cell(name) {
            "" => Ok(None),
            v => decimal(v)
                .filter(|p| (0.0..=100.0).contains(p))
                .map(Some)
                .ok_or_else(|| at(name, format!("{v:?} is not a share in per cent (0–100)"))),
        }
    };
    let respondents = count("respondents")?;
    let yes_count = count("yes_count")?;
    if let (Some(n), Some(y)) = (respondents, yes_count)
        && y > n
    {
        return Err(at("yes_count", format!("{y} yes answers but only {n} respondents")));
    }
    let share = match (percent("share")?, respondents, yes_count) {
        (Some(s), _, _) => s,
        (None, Some(n), Some(y)) if n > 0 => 100.0 * y as f64 / n as f64,
        _ => return Err(at("share", "no share, and no yes count with respondents to compute it".into())),
    };
    let source_url = Some(cell("source_url").to_owned()).filter(|s| !s.is_empty());
    Ok(SurveyValue {
        survey,
        wave,
        area: areas.find(&region),
        region,
        indicator,
        group,
        respondents,
        yes_count,
        share,
        weighted_share: percent("weighted_share")?,
        source_url,
    })
}

/// Checks and imports a survey file in one transaction per survey, with
/// provenance. `opts.source` is the survey named when the file has no survey column.
pub async fn import(
    store: &Store,
    file: &str,
    bytes: &[u8],
    opts: &TableOptions,
) -> Result<Outcome, TableImportError> {
    let areas = matcher(store).await?;
    let (values, rejected) = parse(file, bytes, opts.sheet.as_deref(), Some(&opts.source), &areas)?;
    let mut outcome =
        outcome(file, values.len(), rejected, values.iter().filter(|v| v.area.is_none()).map(|v| &v.region));
    if !outcome.rejected.is_empty() && !opts.skip_invalid {
        return Err(TableImportError::Rejected(Box::new(outcome)));
    }
    let surveys: std::collections::BTreeSet<&str> = values.iter().map(|v| v.survey.as_str()).collect();
    if surveys.len() > 1 {
        return Err(TableImportError::File(Problem {
            place: crate::table::Place { file: file.into(), sheet: None, row: 0, column: "survey".into() },
            reason: format!(
                "one survey per file, found {}",
                surveys.into_iter().collect::<Vec<_>>().join(", ")
            ),
        }));
    }
    if !opts.dry_run {
        let survey = surveys.into_iter().next().unwrap_or(&opts.source).to_owned();
        let opts = TableOptions { source: survey, ..opts.clone() };
        let meta = meta("survey", file, bytes, &opts, outcome.rejected.len());
        outcome.run = Some(store.import_survey_values(&meta, &values).await?);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(parse_group("").unwrap(), "all");
        assert_eq!(parse_group("Kvinnor").unwrap(), "women");
        assert_eq!(parse_group("män").unwrap(), "men");
        assert_eq!(parse_group("16–24 år").unwrap(), "age:16-24");
        assert_eq!(parse_group("age:65+").unwrap(), "age:65+");
        assert_eq!(parse_group("other:Born abroad").unwrap(), "other:born_abroad");
        assert!(parse_group("24-16").is_err());
        assert!(parse_group("teenagers").unwrap_err().contains("other:NAME"));
    }
}
