//! The common indicators of Järva from the seed's TOML file: definitions
//! with baselines, and illustrative targets per area and period.

use super::SeedError;
use serde::Deserialize;
use std::collections::BTreeSet;
use trygg_core::{Area, Cadence, Code, Factor, IndicatorSource, Period, Polarity};
use trygg_store::{Indicator, Store};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    indicators: Vec<IndicatorRow>,
    #[serde(default)]
    targets: Vec<TargetRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorRow {
    code: Code,
    name_sv: String,
    name_en: String,
    numerator: String,
    denominator: Option<String>,
    // The vocabulary's text (`per_1000`, `lower_is_better`), parsed with `FromStr`.
    factor: String,
    source: String,
    #[serde(default)]
    query: String,
    #[serde(default = "default_disaggregation")]
    disaggregation: String,
    cadence: String,
    polarity: String,
    baseline_value: Option<f64>,
    baseline_period: Option<String>,
}

fn default_disaggregation() -> String {
    "sex,age".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRow {
    indicator: Code,
    area: Code,
    period: Period,
    value: f64,
}

/// A target of the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTarget {
    /// The indicator.
    pub indicator: Code,
    /// The area.
    pub area: Code,
    /// The period.
    pub period: Period,
    /// The target value.
    pub value: f64,
}

/// The indicators and targets of the seed, checked.
#[derive(Debug, Clone)]
pub struct SeedIndicators {
    /// The definitions.
    pub indicators: Vec<Indicator>,
    /// The targets.
    pub targets: Vec<SeedTarget>,
}

impl SeedIndicators {
    /// Parses and checks the file: every definition valid, codes unique,
    /// targets of known indicators and seeded areas, one per indicator, area
    /// and period, with finite values.
    pub(super) fn parse(file: &str, text: &str, areas: &[Area]) -> Result<Self, SeedError> {
        let parsed: File = toml::from_str(text).map_err(|e| SeedError::data(file, e.to_string()))?;
        let mut codes = BTreeSet::new();
        let mut indicators = Vec::new();
        for r in parsed.indicators {
            if !codes.insert(r.code.clone()) {
                return Err(SeedError::data(file, format!("indicator {} is defined twice", r.code)));
            }
            let bad = |e: trygg_core::Invalid| SeedError::data(file, format!("indicator {}: {e}", r.code));
            let (factor, source) =
                (r.factor.parse::<Factor>().map_err(bad)?, r.source.parse::<IndicatorSource>().map_err(bad)?);
            let (cadence, polarity) =
                (r.cadence.parse::<Cadence>().map_err(bad)?, r.polarity.parse::<Polarity>().map_err(bad)?);
            let i = Indicator {
                code: r.code,
                name_sv: r.name_sv,
                name_en: r.name_en,
                numerator: r.numerator,
                denominator: r.denominator,
                factor,
                source,
                query: r.query,
                disaggregation: r.disaggregation,
                cadence,
                polarity,
                baseline_value: r.baseline_value,
                baseline_period: r.baseline_period,
            };
            i.validate().map_err(|e| SeedError::data(file, format!("indicator {}: {e}", i.code)))?;
            indicators.push(i);
        }
        let mut seen = BTreeSet::new();
        let mut targets = Vec::new();
        for t in parsed.targets {
            let key = format!("{} {} {}", t.indicator, t.area, t.period);
            if !codes.contains(&t.indicator) {
                return Err(SeedError::data(file, format!("target {key}: no such indicator")));
            }
            if !areas.iter().any(|a| a.code == t.area) {
                return Err(SeedError::data(file, format!("target {key}: no such area in the seed")));
            }
            if !t.value.is_finite() {
                return Err(SeedError::data(file, format!("target {key}: the value is not a number")));
            }
            if !seen.insert(key.clone()) {
                return Err(SeedError::data(file, format!("target {key} is given twice")));
            }
            targets.push(SeedTarget {
                indicator: t.indicator,
                area: t.area,
                period: t.period,
                value: t.value,
            });
        }
        Ok(Self { indicators, targets })
    }

    /// Upserts the definitions, then the targets (the areas must be loaded).
    pub(super) async fn load(&self, store: &Store) -> Result<(), SeedError> {
        for i in &self.indicators {
            store.upsert_indicator("system", i).await?;
        }
        for t in &self.targets {
            store.set_indicator_target("system", &t.indicator, &t.area, t.period, t.value).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trygg_core::{AreaLevel, Name};

    fn jarva() -> Vec<Area> {
        vec![Area::new(Code::new("jarva").unwrap(), Name::new("Järva").unwrap(), AreaLevel::DistrictArea)]
    }

    #[test]
    fn the_seed_file_holds_the_common_indicators() {
        let s = SeedIndicators::parse(super::super::INDICATORS.name, super::super::INDICATORS.text, &jarva())
            .unwrap();
        let of = |c: &str| s.indicators.iter().find(|i| i.code.as_str() == c).unwrap();
        for (code, query) in [
            ("brott-samtliga", "Samtliga brott"),
            ("brott-mot-person", "Brott mot person"),
            ("brott-stold", "Stöldbrott"),
            ("brott-skadegorelse", "Skadegörelse"),
            ("brott-narkotika", "Narkotikabrott"),
        ] {
            let i = of(code);
            assert_eq!(
                (i.source, i.factor, i.query.as_str()),
                (IndicatorSource::Crime, Factor::Per1000, query)
            );
        }
        assert_eq!(of("otrygg-sent-kvall").query, "trygghetsmatningen:otrygg_ensam_sent_kvall");
        assert_eq!(of("oro-brott").query, "trygghetsmatningen:oro_brott_ofta_12m");
        assert_eq!(of("rapporter-atgardade-i-tid").query, trygg_store::SHARE_FIXED_IN_TIME);
        assert_eq!(of("allvarssamtal-48h").source, IndicatorSource::SeriousTalks);
        assert_eq!(of("trygghetsvandring-6-man").source, IndicatorSource::Walks);
        assert_eq!(of("atgarder-status").source, IndicatorSource::Measures);
        assert!(s.indicators.iter().filter(|i| i.source == IndicatorSource::Reports).count() >= 2);
        assert!(s.targets.iter().any(|t| t.period == "2025".parse().unwrap()));
        assert!(s.targets.iter().any(|t| t.period == "2026".parse().unwrap()));
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let row = "[[indicators]]\ncode = \"a\"\nname_sv = \"A\"\nname_en = \"A\"\nnumerator = \"n\"\n\
                   factor = \"count\"\nsource = \"walks\"\ncadence = \"year\"\npolarity = \"lower_is_better\"\n";
        let twice = format!("{row}\n{row}");
        let err = SeedIndicators::parse("f.toml", &twice, &jarva()).unwrap_err().to_string();
        assert!(err.contains("defined twice"), "{err}");
        let target = format!(
            "{row}\n[[targets]]\nindicator = \"a\"\narea = \"husby\"\nperiod = \"2025\"\nvalue = 1.0\n"
        );
        let err = SeedIndicators::parse("f.toml", &target, &jarva()).unwrap_err().to_string();
        assert!(err.contains("no such area"), "{err}");
        let bad = row.replace("factor = \"count\"", "factor = \"percent\"");
        let err = SeedIndicators::parse("f.toml", &bad, &jarva()).unwrap_err().to_string();
        assert!(err.contains("f.toml") && err.contains("denominator"), "{err}");
    }
}
