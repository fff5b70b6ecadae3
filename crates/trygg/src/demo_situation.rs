//! Synthetic demo data for the situation report (lägesbild) of Järva, from
//! 2024 to today: point incidents, population, reported crimes and survey
//! waves, plus the few real, published trygghetsmätning figures.
//!
//! Everything synthetic is deterministic (seeded [`SeededRng`]), written
//! through the store's import API with a provenance record whose file name
//! starts with `demo:` and says it is synthetic, and made once: an import is
//! skipped when a run with the same SHA-256 exists. The incidents depend on
//! the day only through their end (yesterday), and each day's events depend
//! on the days before it only, so a later day adds that day's events and
//! leaves the earlier ones unchanged.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashSet};
use trygg_analysis::rng::SeededRng;
use trygg_core::{AreaLevel, Code, Date, LatLon, Period, Polygon};
use trygg_import::polisen::sha256_hex;
use trygg_store::{
    AreaMethod, CrimeCount, ImportMeta, NewEvent, PopulationCount, Store, SurveyValue, now_ms,
};

/// The source of the synthetic point incidents.
pub const INCIDENT_SOURCE: &str = "demo-incidents";
/// The source of the synthetic population.
pub const POPULATION_SOURCE: &str = "demo-population";
/// The source of the synthetic reported crimes (laid out like Brå's statistics).
pub const CRIME_SOURCE: &str = "demo-bra";
/// The city survey (real published figures and a synthetic 2025 wave).
pub const SURVEY: &str = "trygghetsmatningen";
/// The youth survey (a synthetic 2024 wave).
pub const YOUTH_SURVEY: &str = "stockholmsenkaten";
/// Incidents per year the demo makes (a benchmark can ask for more).
pub const DEMO_INCIDENTS_PER_YEAR: usize = 12_000;
/// The year of the first demo incident (1 January) and of the first crime tertial.
pub const FIRST_YEAR: i16 = 2024;
/// The Stockholm time zone of the incidents' local times.
const TIME_ZONE: &str = "Europe/Stockholm";
/// Bumped when the generator changes, so a new version is imported once more.
const GENERATOR_VERSION: u32 = 1;

/// The incident types, in Swedish as the police name them.
pub const INCIDENT_TYPES: [&str; 8] =
    ["Skadegörelse", "Klotter", "Inbrott", "Misshandel", "Rån", "Narkotikabrott", "Stöld", "Brand"];
const BURGLARY: usize = 2;

/// Relative weights of the incident types, by where they happen (order of [`INCIDENT_TYPES`]).
const MIX_RESIDENTIAL: [f64; 8] = [20.0, 16.0, 13.0, 8.0, 2.0, 5.0, 16.0, 5.0];
const MIX_CENTRE: [f64; 8] = [14.0, 12.0, 1.0, 14.0, 7.0, 16.0, 26.0, 2.0];
const MIX_STATION: [f64; 8] = [16.0, 18.0, 0.0, 14.0, 10.0, 14.0, 18.0, 2.0];

/// The types' multipliers in 2024, 2025 and 2026 (2026: more vandalism and
/// graffiti, fewer robberies; the rest as before).
const TYPE_TREND: [[f64; 3]; 8] = [
    [1.0, 1.0, 1.3],
    [1.0, 0.95, 1.35],
    [1.0, 1.0, 1.0],
    [1.0, 1.02, 1.0],
    [1.0, 0.95, 0.65],
    [1.0, 1.05, 1.0],
    [1.0, 1.0, 1.02],
    [1.0, 1.0, 1.0],
];
/// The largest multiplier of [`TYPE_TREND`], for thinning.
const MAX_TREND: f64 = 1.35;

/// Incidents per hour of the day, by type (order of [`INCIDENT_TYPES`]).
const HOURS: [[u32; 24]; 8] = [
    [6, 5, 3, 2, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8],
    [7, 6, 4, 2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 8, 9, 10, 10, 10, 9],
    [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 10, 10, 9, 8, 6, 5, 4, 3, 2, 2, 1],
    [8, 7, 5, 3, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 9],
    [5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8, 6],
    [3, 2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 9, 8, 7, 5, 4],
    [1, 1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 9, 10, 10, 10, 10, 10, 10, 9, 8, 6, 4, 3, 2],
    [6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8],
];
/// Incidents by weekday, Monday first (busiest on Friday and Saturday).
const WEEKDAYS: [f64; 7] = [0.92, 0.92, 0.95, 0.98, 1.12, 1.18, 0.93];
/// Incidents by month, January first (more in the light half of the year).
const MONTHS: [f64; 12] = [0.88, 0.85, 0.92, 0.96, 1.06, 1.12, 1.1, 1.1, 1.04, 1.0, 0.98, 0.99];
/// The share of incidents at the hot spots (the rest are spread over the districts).
const HOT_SHARE: f64 = 0.5;
/// The chance that a burglary is followed by another nearby (near repeat).
const REPEAT_CHANCE: f64 = 0.4;

/// What kind of hot spot a place is.
#[derive(Debug, Clone, Copy)]
enum Spot {
    Centre,
    Station,
}

/// The hot spots: a place of the seed, its kind, spread (m) and strength in 2024, 2025 and
/// 2026. Rinkeby torg and Hjulsta grow in 2026; Husby centrum fades.
const HOT_SPOTS: &[(&str, Spot, f64, [f64; 3])] = &[
    ("tensta-centrum", Spot::Centre, 80.0, [1.0, 1.0, 1.05]),
    ("rinkeby-torg", Spot::Centre, 70.0, [0.9, 1.0, 1.6]),
    ("husby-centrum", Spot::Centre, 70.0, [1.0, 0.6, 0.2]),
    ("kista-galleria", Spot::Centre, 90.0, [0.75, 0.75, 0.8]),
    ("akalla-torg", Spot::Centre, 60.0, [0.4, 0.4, 0.42]),
    ("tensta-t", Spot::Station, 50.0, [0.35, 0.35, 0.35]),
    ("rinkeby-t", Spot::Station, 50.0, [0.35, 0.38, 0.5]),
    ("husby-t", Spot::Station, 50.0, [0.3, 0.25, 0.15]),
    ("kista-t", Spot::Station, 50.0, [0.3, 0.3, 0.3]),
    ("akalla-t", Spot::Station, 50.0, [0.2, 0.2, 0.2]),
    ("hjulsta-t", Spot::Station, 60.0, [0.3, 0.45, 0.95]),
];

/// Population of Järva's districts on 31 December 2023, 2024 and 2025 (synthetic, of
/// plausible size; Tensta includes Hjulsta), and the age profile they follow.
const DISTRICT_POPULATION: &[(&str, [i64; 3], AgeProfile)] = &[
    ("akalla", [9_100, 9_050, 9_120], AgeProfile::Young),
    ("hansta", [30, 30, 31], AgeProfile::Villa),
    ("husby", [12_100, 12_000, 11_950], AgeProfile::Young),
    ("kista", [12_600, 12_900, 13_300], AgeProfile::Kista),
    ("rinkeby", [16_000, 15_900, 15_950], AgeProfile::Young),
    ("bromsten", [7_300, 7_350, 7_400], AgeProfile::Villa),
    ("flysta", [2_900, 2_950, 3_000], AgeProfile::Villa),
    ("lunda", [450, 460, 470], AgeProfile::Villa),
    ("solhem", [5_100, 5_150, 5_200], AgeProfile::Villa),
    ("sundby", [2_600, 2_650, 2_700], AgeProfile::Villa),
    ("tensta", [19_100, 19_000, 19_150], AgeProfile::Young),
];
/// The city's population (synthetic, of plausible size).
const CITY_POPULATION: [i64; 3] = [984_700, 989_000, 993_100];
/// The years with population figures.
const POPULATION_YEARS: [i32; 3] = [2023, 2024, 2025];
/// The age bands of the population figures.
pub const AGE_BANDS: [&str; 5] = ["0-15", "16-24", "25-44", "45-64", "65+"];
/// The share of women in each age band.
const WOMEN_SHARE: [f64; 5] = [0.487, 0.47, 0.48, 0.495, 0.545];

/// An age structure.
#[derive(Debug, Clone, Copy)]
enum AgeProfile {
    /// Many children and young people (Rinkeby, Tensta, Husby, Akalla).
    Young,
    /// Many young adults (Kista).
    Kista,
    /// Older, houses (Spånga's districts).
    Villa,
    /// The city as a whole.
    City,
}

impl AgeProfile {
    fn shares(self) -> [f64; 5] {
        match self {
            Self::Young => [0.25, 0.12, 0.29, 0.22, 0.12],
            Self::Kista => [0.20, 0.12, 0.38, 0.20, 0.10],
            Self::Villa => [0.21, 0.10, 0.26, 0.27, 0.16],
            Self::City => [0.18, 0.09, 0.33, 0.24, 0.16],
        }
    }
}

/// What [`prepare`] added: new rows per kind (all zero when everything was there).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Made {
    /// New point incidents.
    pub incidents: usize,
    /// New population rows.
    pub population: usize,
    /// New reported-crime rows.
    pub crime_counts: usize,
    /// New survey values (both surveys).
    pub survey_values: usize,
}

impl Made {
    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Makes every part of the situation-report demo data that is missing, up to yesterday.
pub async fn prepare(store: &Store) -> Result<Made> {
    let today = today()?;
    let made = Made {
        incidents: make_incidents_until(store, DEMO_INCIDENTS_PER_YEAR, today).await?,
        population: make_population(store).await?,
        crime_counts: make_crime_counts(store, today).await?,
        survey_values: make_surveys(store).await?,
    };
    if !made.is_empty() {
        store
            .audit(
                "system",
                "demo.situation",
                "events",
                &format!(
                    "{} incidents, {} population rows, {} crime counts, {} survey values",
                    made.incidents, made.population, made.crime_counts, made.survey_values
                ),
            )
            .await?;
    }
    Ok(made)
}

/// Today's date in Stockholm.
pub fn today() -> Result<Date> {
    let now = now_ms();
    let days = u64::try_from((now + 2 * 3_600_000).div_euclid(86_400_000)).context("clock before 1970")?;
    // Stockholm is one or two hours ahead of UTC: the UTC date two hours on is today or tomorrow.
    let candidate = Date::new(1970, 1, 1)?.checked_add(std::time::Duration::from_secs(days * 86_400))?;
    Ok(if day_start(candidate)? > now { candidate.yesterday()? } else { candidate })
}

/// Midnight in Stockholm at the start of `date`, epoch ms.
fn day_start(date: Date) -> Result<i64> {
    Ok(date.in_tz(TIME_ZONE)?.timestamp().as_millisecond())
}

/// Makes the synthetic incidents from 2024-01-01 up to yesterday, about
/// `per_year` a year, unless already made; returns how many were new.
#[allow(dead_code, reason = "for benchmarks and tests; the demo calls make_incidents_until")]
pub async fn make_incidents(store: &Store, per_year: usize) -> Result<usize> {
    make_incidents_until(store, per_year, today()?).await
}

/// Makes the synthetic incidents from 2024-01-01 up to the day before `until`
/// (see [`incidents`]) unless an import of the same generator, rate and end
/// exists; returns how many were new.
pub async fn make_incidents_until(store: &Store, per_year: usize, until: Date) -> Result<usize> {
    let recipe = format!(
        "{INCIDENT_SOURCE} generator v{GENERATOR_VERSION} per_year={per_year} from={FIRST_YEAR}-01-01 until={until}"
    );
    let sha256 = sha256_hex(recipe.as_bytes());
    if already_imported(store, &sha256).await? {
        return Ok(0);
    }
    let last = until.yesterday()?;
    println!("Making synthetic demo incidents {FIRST_YEAR}-01-01 – {last} (at most once a day)…");
    let started = std::time::Instant::now();
    let events = incidents(&Geography::jarva()?, per_year, until)?;
    let generated_ms = started.elapsed().as_millis();
    let meta = meta(
        "demo-incidents",
        INCIDENT_SOURCE,
        format!("demo: syntetiska händelser {FIRST_YEAR}-01-01–{last}"),
        sha256,
    );
    let mut import = store.begin_import().await?;
    import.start_run(&meta).await?;
    let total = events.len();
    for e in events {
        import.add(e).await?;
    }
    let run = import.finish_run(&meta.sha256, 0).await?;
    import.commit().await?;
    let imported_ms = started.elapsed().as_millis() - generated_ms;
    tracing::info!(
        total,
        inserted = run.inserted,
        generated_ms,
        imported_ms,
        "synthetic demo incidents imported"
    );
    Ok(usize::try_from(run.inserted).unwrap_or(0))
}

/// Whether an import with this SHA-256 exists.
async fn already_imported(store: &Store, sha256: &str) -> Result<bool> {
    Ok(store.import_runs(1000).await?.iter().any(|r| r.sha256 == sha256))
}

/// The provenance of a synthetic import, by the system.
fn meta(kind: &str, source: &str, file_name: String, sha256: String) -> ImportMeta {
    ImportMeta {
        kind: kind.into(),
        source: source.into(),
        file_name,
        sha256,
        rejected: 0,
        actor: "system".into(),
        started_at: now_ms(),
    }
}

/// A district of Järva with its boundary.
#[derive(Debug, Clone)]
pub struct District {
    /// Its area code, e.g. `tensta`.
    pub code: Code,
    /// Its name, e.g. `Tensta`.
    pub name: String,
    /// Its boundary.
    pub boundary: Polygon,
    sw: LatLon,
    ne: LatLon,
}

impl District {
    fn contains(&self, p: LatLon) -> bool {
        (self.sw.lat..=self.ne.lat).contains(&p.lat)
            && (self.sw.lon..=self.ne.lon).contains(&p.lon)
            && self.boundary.contains(p)
    }
}

/// Järva's districts and hot spots, from the embedded seed.
#[derive(Debug, Clone)]
pub struct Geography {
    /// The districts of Järva, in the seed's order.
    pub districts: Vec<District>,
    /// The hot spots: centre position, kind, spread and strengths.
    spots: Vec<(LatLon, Spot, f64, [f64; 3])>,
}

impl Geography {
    /// Reads the districts of Järva and the hot-spot places from the embedded seed.
    pub fn jarva() -> Result<Self> {
        let seed = trygg_import::seed::jarva()?;
        let districts: Vec<District> = seed
            .areas
            .iter()
            .filter(|a| {
                a.level == AreaLevel::District && a.parents.iter().any(|p| p.code.as_str() == "jarva")
            })
            .filter_map(|a| {
                let boundary = a.boundary.clone()?;
                let (sw, ne) = boundary.bbox();
                Some(District { code: a.code.clone(), name: a.name.as_str().to_owned(), boundary, sw, ne })
            })
            .collect();
        anyhow::ensure!(!districts.is_empty(), "the seed has no districts of Järva with boundaries");
        let mut spots = Vec::new();
        for (place, kind, spread, strength) in HOT_SPOTS {
            let location = seed
                .areas
                .iter()
                .find(|a| a.code.as_str() == *place)
                .and_then(|a| a.location)
                .with_context(|| format!("the seed has no place {place} with a position"))?;
            spots.push((location, *kind, *spread, *strength));
        }
        Ok(Self { districts, spots })
    }

    /// The index of the district that contains `p`, if any.
    pub fn locate(&self, p: LatLon) -> Option<usize> {
        self.districts.iter().position(|d| d.contains(p))
    }

    /// The hot spots' centres.
    #[allow(dead_code, reason = "for tests")]
    pub fn hot_spots(&self) -> impl Iterator<Item = LatLon> + '_ {
        self.spots.iter().map(|s| s.0)
    }
}

/// A follow-up burglary waiting for its day.
struct Repeat {
    near: LatLon,
}

/// The synthetic incidents from 2024-01-01 up to the day before `until`,
/// about `per_year` a year (before the yearly trends), each at a position
/// inside the Järva district it is filed under.
///
/// Half come from hot spots at centres, squares and stations (normally
/// distributed around them; some grow in 2026, Husby centrum fades), half
/// are spread over the districts by population; types follow a mix per kind
/// of place with yearly trends, hours a profile per type, days a weekday
/// and month profile. After a burglary, another within about 200 m and 14
/// days follows with probability 0.4 (chains). Each day's events depend only
/// on the days before it, so a later `until` extends the list and keeps the
/// earlier events as they were.
pub fn incidents(geo: &Geography, per_year: usize, until: Date) -> Result<Vec<NewEvent>> {
    let mut rng = SeededRng::new(0x7279_6767_2024);
    let tz = Date::new(FIRST_YEAR, 1, 1)?.in_tz(TIME_ZONE)?.time_zone().clone();
    let residential: Vec<f64> = geo
        .districts
        .iter()
        .map(|d| {
            DISTRICT_POPULATION
                .iter()
                .find(|(c, ..)| *c == d.code.as_str())
                .map_or(0.0, |(_, p, _)| p[1] as f64)
        })
        .collect();
    let month_mean = MONTHS.iter().sum::<f64>() / 12.0;
    let burglary_share = (1.0 - HOT_SHARE) * MIX_RESIDENTIAL[BURGLARY] / MIX_RESIDENTIAL.iter().sum::<f64>();
    // Follow-ups add burglary_share · p / (1 − p) to every base event; thinning removes 1/MAX_TREND.
    let base_per_day =
        per_year as f64 / 365.25 * MAX_TREND / (1.0 + burglary_share * REPEAT_CHANCE / (1.0 - REPEAT_CHANCE));
    let hours: Vec<Vec<(u32, u32)>> =
        HOURS.iter().map(|h| (0..24).zip(h.iter().copied()).collect()).collect();
    let mut queue: BTreeMap<Date, Vec<Repeat>> = BTreeMap::new();
    let mut out = Vec::with_capacity(per_year * 3);
    let mut day = Date::new(FIRST_YEAR, 1, 1)?;
    while day < until {
        let year = usize::try_from(day.year() - FIRST_YEAR).unwrap_or(0).min(2);
        let weekday = WEEKDAYS[usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0)];
        let month = MONTHS[usize::try_from(day.month() - 1).unwrap_or(0)] / month_mean;
        let rate = base_per_day * weekday * month;
        let spot_weights: Vec<f64> = geo.spots.iter().map(|s| s.3[year]).collect();
        // The hot spots' 2025 strengths make up HOT_SHARE of the base; other years scale it.
        let spot_scale = spot_weights.iter().sum::<f64>() / geo.spots.iter().map(|s| s.3[1]).sum::<f64>();
        let hot = poisson(&mut rng, rate * HOT_SHARE * spot_scale);
        let spread_out = poisson(&mut rng, rate * (1.0 - HOT_SHARE));
        let mut of_day: Vec<(usize, usize, LatLon)> = Vec::new();
        for k in 0..hot + spread_out {
            let (mix, position) = if k < hot {
                let (centre, kind, spread, _) = geo.spots[pick_weighted(&mut rng, &spot_weights)];
                let mix = match kind {
                    Spot::Centre => &MIX_CENTRE,
                    Spot::Station => &MIX_STATION,
                };
                (mix, near(&mut rng, geo, centre, spread, f64::INFINITY))
            } else {
                let d = pick_weighted(&mut rng, &residential);
                (&MIX_RESIDENTIAL, inside(&mut rng, geo, d))
            };
            let kind = pick_weighted(&mut rng, mix);
            if rng.uniform() * MAX_TREND >= TYPE_TREND[kind][year] {
                continue;
            }
            if let Some((d, p)) = position {
                of_day.push((kind, d, p));
            }
        }
        for r in queue.remove(&day).unwrap_or_default() {
            let spread = exponential(&mut rng, 70.0);
            if let Some((d, p)) = near(&mut rng, geo, r.near, spread, 200.0) {
                of_day.push((BURGLARY, d, p));
            }
        }
        for (i, (kind, d, p)) in of_day.into_iter().enumerate() {
            if kind == BURGLARY && rng.uniform() < REPEAT_CHANCE {
                let days = 1 + (exponential(&mut rng, 3.0) as i64).min(13);
                let at = day.checked_add(std::time::Duration::from_secs(days.unsigned_abs() * 86_400))?;
                queue.entry(at).or_default().push(Repeat { near: p });
            }
            let hour = *pick(&mut rng, &hours[kind]);
            let second = rng.below(3600);
            let local = day.at(hour as i8, (second / 60) as i8, (second % 60) as i8, 0);
            let occurred_at = local.to_zoned_datetime(tz.clone())?.timestamp().as_millisecond();
            let district = &geo.districts[d];
            out.push(NewEvent {
                source_id: format!("{day}-{i:05}"),
                category: INCIDENT_TYPES[kind].to_owned(),
                occurred_at,
                published_at: None,
                title: Some(format!("{}, {}", INCIDENT_TYPES[kind], district.name)),
                summary: Some("Syntetisk händelse för demonstration, inte verklig.".into()),
                url: None,
                location_name: Some(district.name.clone()),
                municipality: Some("Stockholm".into()),
                position: Some(p),
                area: Some(district.code.clone()),
                area_method: Some(AreaMethod::Point),
            });
        }
        day = day.tomorrow()?;
    }
    Ok(out)
}

/// A position about `spread` m (normal) from `centre`, at most `max` m away,
/// rounded to 1e-6° and inside a district of Järva; `None` after 20 misses.
fn near(
    rng: &mut SeededRng,
    geo: &Geography,
    centre: LatLon,
    spread: f64,
    max: f64,
) -> Option<(usize, LatLon)> {
    for _ in 0..20 {
        let (a, b) = normal_pair(rng);
        let metres = (spread * a.hypot(b)).min(max);
        let p = round(centre.offset(metres, rng.uniform() * 360.0));
        if let Some(d) = geo.locate(p) {
            return Some((d, p));
        }
    }
    None
}

/// A uniform position inside district `d` (by rejection in its bounding box); `None` after 50 misses.
fn inside(rng: &mut SeededRng, geo: &Geography, d: usize) -> Option<(usize, LatLon)> {
    let district = geo.districts.get(d)?;
    for _ in 0..50 {
        let p = round(LatLon {
            lat: district.sw.lat + rng.uniform() * (district.ne.lat - district.sw.lat),
            lon: district.sw.lon + rng.uniform() * (district.ne.lon - district.sw.lon),
        });
        if district.contains(p) {
            return Some((d, p));
        }
    }
    None
}

fn round(p: LatLon) -> LatLon {
    LatLon { lat: (p.lat * 1e6).round() / 1e6, lon: (p.lon * 1e6).round() / 1e6 }
}

/// Two independent standard normal numbers (Box–Muller).
fn normal_pair(rng: &mut SeededRng) -> (f64, f64) {
    let r = (-2.0 * (1.0 - rng.uniform()).ln()).sqrt();
    let t = std::f64::consts::TAU * rng.uniform();
    (r * t.cos(), r * t.sin())
}

fn exponential(rng: &mut SeededRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.uniform()).ln()
}

/// A Poisson count with mean `mean` (Knuth's product method in steps of 500, exact).
fn poisson(rng: &mut SeededRng, mean: f64) -> usize {
    let mut left = mean.max(0.0);
    let mut n = 0;
    while left > 0.0 {
        let step = left.min(500.0);
        left -= step;
        let limit = (-step).exp();
        let mut product = rng.uniform();
        while product > limit {
            n += 1;
            product *= rng.uniform();
        }
    }
    n
}

/// An index drawn with probability proportional to `weights` (which must not all be zero).
fn pick_weighted(rng: &mut SeededRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.uniform() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// One of `items`, drawn with probability proportional to its weight.
fn pick<'a, T>(rng: &mut SeededRng, items: &'a [(T, u32)]) -> &'a T {
    let weights: Vec<f64> = items.iter().map(|(_, w)| f64::from(*w)).collect();
    &items[pick_weighted(rng, &weights)].0
}

/// `total` split over `shares` in whole numbers that add up (largest remainder).
fn split(total: i64, shares: &[f64]) -> Vec<i64> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| total as f64 * s / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b))
    });
    let missing = total - parts.iter().sum::<i64>();
    for &i in order.iter().take(usize::try_from(missing).unwrap_or(0)) {
        parts[i] += 1;
    }
    parts
}

/// The population rows: per district of Järva, the district areas Järva,
/// Rinkeby-Kista and Spånga-Tensta (sums of their districts) and the city, for
/// 2023–2025, by sex (`women`, `men`, `all`) and age band (and `all`).
pub fn population() -> Result<Vec<PopulationCount>> {
    let seed = trygg_import::seed::jarva()?;
    let name_of = |code: &str| -> Result<String> {
        seed.areas
            .iter()
            .find(|a| a.code.as_str() == code)
            .map(|a| a.name.as_str().to_owned())
            .with_context(|| format!("the seed has no area {code}"))
    };
    let mut rows = Vec::new();
    // cells[region][year] = [sex][age] persons, women and men.
    let mut district_cells: Vec<(&str, Vec<[[i64; 5]; 2]>)> = Vec::new();
    for (code, totals, profile) in DISTRICT_POPULATION {
        let cells: Vec<[[i64; 5]; 2]> = totals.iter().map(|t| cells(*t, *profile)).collect();
        push_population(&mut rows, &name_of(code)?, code, &cells)?;
        district_cells.push((code, cells));
    }
    let members = |area: &str| -> Vec<String> {
        seed.areas
            .iter()
            .filter(|a| a.level == AreaLevel::District && a.parents.iter().any(|p| p.code.as_str() == area))
            .map(|a| a.code.as_str().to_owned())
            .collect()
    };
    for area in ["jarva", "rinkeby-kista", "spanga-tensta"] {
        let members = members(area);
        let mut sum = vec![[[0i64; 5]; 2]; POPULATION_YEARS.len()];
        for (_, cells) in district_cells.iter().filter(|(c, _)| members.iter().any(|m| m == c)) {
            for (s, c) in sum.iter_mut().zip(cells) {
                for sex in 0..2 {
                    for age in 0..5 {
                        s[sex][age] += c[sex][age];
                    }
                }
            }
        }
        push_population(&mut rows, &name_of(area)?, area, &sum)?;
    }
    let city: Vec<[[i64; 5]; 2]> = CITY_POPULATION.iter().map(|t| cells(*t, AgeProfile::City)).collect();
    push_population(&mut rows, "Stockholms stad", "stockholm", &city)?;
    Ok(rows)
}

/// Women and men per age band for a total.
fn cells(total: i64, profile: AgeProfile) -> [[i64; 5]; 2] {
    let bands = split(total, &profile.shares());
    let mut out = [[0; 5]; 2];
    for (age, persons) in bands.iter().enumerate() {
        let women = (*persons as f64 * WOMEN_SHARE[age]).round() as i64;
        out[0][age] = women;
        out[1][age] = persons - women;
    }
    out
}

fn push_population(
    rows: &mut Vec<PopulationCount>,
    region: &str,
    area: &str,
    years: &[[[i64; 5]; 2]],
) -> Result<()> {
    let area = Code::new(area)?;
    for (year, cells) in POPULATION_YEARS.iter().zip(years) {
        let mut row = |sex: &str, age: &str, persons: i64| {
            rows.push(PopulationCount {
                region: region.to_owned(),
                area: Some(area.clone()),
                year: *year,
                sex: sex.into(),
                age: age.into(),
                persons,
            });
        };
        for (age, band) in AGE_BANDS.iter().enumerate() {
            row("women", band, cells[0][age]);
            row("men", band, cells[1][age]);
            row("all", band, cells[0][age] + cells[1][age]);
        }
        let women: i64 = cells[0].iter().sum();
        let men: i64 = cells[1].iter().sum();
        row("women", "all", women);
        row("men", "all", men);
        row("all", "all", women + men);
    }
    Ok(())
}

/// Imports [`population`] unless already there; returns the new rows.
pub async fn make_population(store: &Store) -> Result<usize> {
    let rows = population()?;
    let sha256 = sha256_hex(format!("{GENERATOR_VERSION} {rows:?}").as_bytes());
    if already_imported(store, &sha256).await? {
        return Ok(0);
    }
    let meta = meta("population", POPULATION_SOURCE, "demo: syntetisk befolkning 2023–2025".into(), sha256);
    let run = store.import_population(&meta, &rows).await?;
    Ok(usize::try_from(run.inserted).unwrap_or(0))
}

/// The crime groups of the reported-crime figures. `Våldsbrott` is a part of
/// `Brott mot person`; `Samtliga brott` is the sum of the other groups and
/// the rest of the crimes.
pub const CRIME_GROUPS: [&str; 6] =
    ["Brott mot person", "Våldsbrott", "Stöldbrott", "Skadegörelse", "Narkotikabrott", "Samtliga brott"];

/// Yearly means of the independent crime groups.
type GroupMeans = [f64; 5];
/// Multipliers of the independent crime groups in 2025 (on 2024) and 2026 (on 2025).
type GroupTrend = [[f64; 5]; 2];

/// Yearly means of the independent groups in 2024 (Brott mot person, Stöldbrott,
/// Skadegörelse, Narkotikabrott, other crimes), by region, and their multipliers in 2025
/// and 2026 (2026 in Järva: clearly more vandalism, clearly fewer drug crimes, the rest
/// within chance).
const CRIME_REGIONS: &[(&str, &str, GroupMeans, GroupTrend)] = &[
    (
        "Järva",
        "jarva",
        [1_850.0, 3_100.0, 1_350.0, 1_600.0, 3_600.0],
        [[1.0, 0.98, 1.02, 1.05, 1.0], [0.99, 0.99, 1.25, 0.8, 1.01]],
    ),
    (
        "Stockholms stad",
        "stockholm",
        [21_000.0, 58_000.0, 16_500.0, 12_500.0, 52_000.0],
        [[1.0, 0.97, 1.0, 1.02, 1.0], [1.0, 1.0, 1.06, 0.96, 1.0]],
    ),
];
/// The share of each tertial in a year.
const TERTIAL_SHARE: [f64; 3] = [0.31, 0.35, 0.34];
/// The share of `Brott mot person` that are violent crimes.
const VIOLENT_SHARE: f64 = 0.48;

/// Reported crimes per region (Järva and the city) for every tertial from
/// 2024-T1 that ended before `until`, and for every whole year before it (the
/// sum of its tertials). Counts are Poisson around the yearly means; a
/// tertial's counts do not depend on `until`.
pub fn crime_counts(until: Date) -> Result<Vec<CrimeCount>> {
    let mut rows = Vec::new();
    for (seed, (region, area, means, trend)) in (0x6272_6120_2024..).zip(CRIME_REGIONS) {
        // One generator per region, so that one region's periods never shift another's draws.
        let mut rng = SeededRng::new(seed);
        let area = Code::new(area)?;
        let mut year = FIRST_YEAR;
        loop {
            let mut year_sum = [0i64; 6];
            let mut complete = true;
            for t in 1..=3u8 {
                let period = Period::tertial(year, t)?;
                // Drawn even when not published, so that a tertial's counts never depend on `until`.
                let mut drawn = [0i64; 6];
                for (g, mean) in means.iter().enumerate() {
                    let factor = match year - FIRST_YEAR {
                        0 => 1.0,
                        1 => trend[0][g],
                        _ => trend[0][g] * trend[1][g],
                    };
                    let count =
                        i64::try_from(poisson(&mut rng, mean * factor * TERTIAL_SHARE[usize::from(t - 1)]))?;
                    drawn[g] = count;
                }
                let violent = (0..drawn[0]).filter(|_| rng.uniform() < VIOLENT_SHARE).count();
                let values = [
                    drawn[0],
                    i64::try_from(violent)?,
                    drawn[1],
                    drawn[2],
                    drawn[3],
                    drawn[0] + drawn[1] + drawn[2] + drawn[3] + drawn[4],
                ];
                if period.end() > until {
                    complete = false;
                    continue;
                }
                for (g, v) in values.iter().enumerate() {
                    year_sum[g] += v;
                    rows.push(CrimeCount {
                        region: (*region).into(),
                        area: Some(area.clone()),
                        period: period.to_string(),
                        crime_type: CRIME_GROUPS[g].into(),
                        count: *v,
                    });
                }
            }
            if !complete {
                break;
            }
            for (g, v) in year_sum.iter().enumerate() {
                rows.push(CrimeCount {
                    region: (*region).into(),
                    area: Some(area.clone()),
                    period: year.to_string(),
                    crime_type: CRIME_GROUPS[g].into(),
                    count: *v,
                });
            }
            year += 1;
        }
    }
    Ok(rows)
}

/// Imports [`crime_counts`] up to `until` unless already there; returns the new rows.
pub async fn make_crime_counts(store: &Store, until: Date) -> Result<usize> {
    let rows = crime_counts(until)?;
    let sha256 = sha256_hex(format!("{GENERATOR_VERSION} {rows:?}").as_bytes());
    if already_imported(store, &sha256).await? {
        return Ok(0);
    }
    let last = rows.iter().map(|r| r.period.as_str()).max().unwrap_or("–");
    let meta = meta(
        "statistics",
        CRIME_SOURCE,
        format!("demo: syntetisk brottsstatistik {FIRST_YEAR}-T1–{last}"),
        sha256,
    );
    let run = store.import_crime_counts(&meta, &rows).await?;
    Ok(usize::try_from(run.inserted).unwrap_or(0))
}

/// Real figures of the city's trygghetsmätning as quoted in the press: (wave,
/// region, area, indicator, share in per cent, where published). Group `all`.
const PUBLISHED: &[(i32, &str, &str, &str, f64, &str)] = &[
    (
        2014,
        "Stockholms stad",
        "stockholm",
        "oro_brott_ofta_12m",
        8.0,
        "https://www.dn.se/sthlm/stockholms-finansborgarrad-trenden-med-okande-otrygghet-verkar-vara-bruten/",
    ),
    (
        2017,
        "Stockholms stad",
        "stockholm",
        "oro_brott_ofta_12m",
        11.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2020,
        "Stockholms stad",
        "stockholm",
        "oro_brott_ofta_12m",
        9.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2017,
        "Rinkeby-Kista",
        "rinkeby-kista",
        "oro_brott_ofta_12m",
        21.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2020,
        "Rinkeby-Kista",
        "rinkeby-kista",
        "oro_brott_ofta_12m",
        11.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2017,
        "Spånga-Tensta",
        "spanga-tensta",
        "oro_brott_ofta_12m",
        26.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2020,
        "Spånga-Tensta",
        "spanga-tensta",
        "oro_brott_ofta_12m",
        13.0,
        "https://start.stockholm/aktuellt/nyheter/2020/09/positiv-trend-i-arets-trygghetsmatning/",
    ),
    (
        2017,
        "Stockholms stad",
        "stockholm",
        "otrygg_ensam_sent_kvall",
        10.0,
        "https://www.dn.se/sthlm/stockholms-finansborgarrad-trenden-med-okande-otrygghet-verkar-vara-bruten/",
    ),
    (
        2020,
        "Stockholms stad",
        "stockholm",
        "otrygg_ensam_sent_kvall",
        10.0,
        "https://www.dn.se/sthlm/stockholms-finansborgarrad-trenden-med-okande-otrygghet-verkar-vara-bruten/",
    ),
];

/// The real published figures (see [`PUBLISHED`]): shares only, with their source.
pub fn published_survey_values() -> Result<Vec<SurveyValue>> {
    PUBLISHED
        .iter()
        .map(|(wave, region, area, indicator, share, url)| {
            Ok(SurveyValue {
                survey: SURVEY.into(),
                wave: *wave,
                region: (*region).into(),
                area: Some(Code::new(area)?),
                indicator: (*indicator).into(),
                group: "all".into(),
                respondents: None,
                yes_count: None,
                share: *share,
                weighted_share: None,
                source_url: Some((*url).into()),
            })
        })
        .collect()
}

/// Synthetic 2025 trygghetsmätning indicators: (indicator, share of women and of men in
/// Rinkeby-Kista, Spånga-Tensta and the city, per cent). Women feel markedly less safe.
const CITY_SURVEY_2025: &[(&str, [[f64; 2]; 3])] = &[
    ("otrygg_ensam_sent_kvall", [[41.0, 19.0], [44.0, 21.0], [17.0, 6.0]]),
    ("oro_brott_ofta_12m", [[19.0, 10.0], [21.0, 11.0], [12.0, 6.0]]),
    ("avstar_aktiviteter_otrygghet", [[34.0, 14.0], [36.0, 15.0], [15.0, 5.0]]),
    ("problem_nedskrapning", [[52.0, 47.0], [55.0, 49.0], [30.0, 27.0]]),
    ("problem_klotter", [[28.0, 25.0], [33.0, 29.0], [17.0, 15.0]]),
    ("problem_ungdomsgang", [[37.0, 30.0], [40.0, 32.0], [11.0, 9.0]]),
    ("problem_narkotikaforsaljning", [[31.0, 27.0], [35.0, 30.0], [9.0, 8.0]]),
    ("problem_skadegorelse", [[33.0, 29.0], [36.0, 31.0], [16.0, 14.0]]),
];
/// Respondents of the synthetic 2025 wave (women, men) in Rinkeby-Kista, Spånga-Tensta, the city.
const CITY_SURVEY_RESPONDENTS: [[i64; 2]; 3] = [[480, 410], [455, 395], [6_900, 5_800]];

/// Shares (per cent) of girls and boys in grade 9 and in upper secondary year 2.
type GradeShares = [[f64; 2]; 2];

/// Synthetic 2024 Stockholmsenkät indicators, per grade (`ak9`, `gy2`): share of girls and
/// boys in Järva and in the city, per cent. Risk factors and protective factors.
const YOUTH_SURVEY_2024: &[(&str, GradeShares, GradeShares)] = &[
    ("skolk", [[24.0, 22.0], [27.0, 24.0]], [[31.0, 29.0], [35.0, 31.0]]),
    ("alkohol_berusning", [[6.0, 5.0], [14.0, 12.0]], [[17.0, 14.0], [33.0, 30.0]]),
    ("narkotika_cannabis", [[4.0, 7.0], [6.0, 9.0]], [[9.0, 14.0], [17.0, 23.0]]),
    ("utsatt_for_brott", [[21.0, 30.0], [24.0, 30.0]], [[28.0, 33.0], [30.0, 34.0]]),
    ("trygg_i_skolan", [[78.0, 86.0], [83.0, 88.0]], [[82.0, 87.0], [86.0, 90.0]]),
    ("vuxenkontakt", [[71.0, 68.0], [80.0, 76.0]], [[74.0, 70.0], [82.0, 78.0]]),
    ("trygg_i_omradet", [[61.0, 74.0], [80.0, 88.0]], [[65.0, 77.0], [82.0, 89.0]]),
];
/// Respondents of the synthetic 2024 wave (girls, boys) per grade in Järva and the city.
const YOUTH_RESPONDENTS: [[[i64; 2]; 2]; 2] = [[[340, 355], [250, 240]], [[3_700, 3_800], [3_300, 3_200]]];

/// Survey values for women, men and everyone from the share of women and of men,
/// with yes counts drawn binomially (so the figures have sampling noise).
#[allow(clippy::too_many_arguments)]
fn survey_rows(
    rng: &mut SeededRng,
    out: &mut Vec<SurveyValue>,
    survey: &str,
    wave: i32,
    (region, area): (&str, &Code),
    indicator: &str,
    shares: [f64; 2],
    respondents: [i64; 2],
) {
    let yes: Vec<i64> = shares.iter().zip(respondents).map(|(s, n)| binomial(rng, n, s / 100.0)).collect();
    let groups = [
        ("women", respondents[0], yes[0]),
        ("men", respondents[1], yes[1]),
        ("all", respondents[0] + respondents[1], yes[0] + yes[1]),
    ];
    for (group, n, y) in groups {
        out.push(SurveyValue {
            survey: survey.into(),
            wave,
            region: region.into(),
            area: Some(area.clone()),
            indicator: indicator.into(),
            group: group.into(),
            respondents: Some(n),
            yes_count: Some(y),
            share: share(y, n),
            weighted_share: None,
            source_url: None,
        });
    }
}

/// Per cent with one decimal, as published.
fn share(yes: i64, n: i64) -> f64 {
    if n == 0 { 0.0 } else { (1000.0 * yes as f64 / n as f64).round() / 10.0 }
}

/// A binomial count (sum of Bernoulli draws; the demo's samples are small).
fn binomial(rng: &mut SeededRng, n: i64, p: f64) -> i64 {
    (0..n).map(|_| i64::from(rng.uniform() < p)).sum()
}

/// The synthetic 2025 trygghetsmätning wave: Rinkeby-Kista, Spånga-Tensta,
/// Järva (their sum) and the city, for everyone, women and men, with
/// respondents and yes counts.
pub fn synthetic_city_survey() -> Result<Vec<SurveyValue>> {
    let mut rng = SeededRng::new(0x7472_7967_2025);
    let regions = [
        ("Rinkeby-Kista", Code::new("rinkeby-kista")?),
        ("Spånga-Tensta", Code::new("spanga-tensta")?),
        ("Stockholms stad", Code::new("stockholm")?),
    ];
    let jarva = Code::new("jarva")?;
    let mut out = Vec::new();
    for (indicator, shares) in CITY_SURVEY_2025 {
        let first = out.len();
        for (r, (region, area)) in regions.iter().enumerate() {
            survey_rows(
                &mut rng,
                &mut out,
                SURVEY,
                2025,
                (region, area),
                indicator,
                shares[r],
                CITY_SURVEY_RESPONDENTS[r],
            );
        }
        // Järva = Rinkeby-Kista + Spånga-Tensta, group by group.
        let parts: Vec<SurveyValue> = out[first..first + 6].to_vec();
        for g in 0..3 {
            let (a, b) = (&parts[g], &parts[g + 3]);
            let n = a.respondents.unwrap_or(0) + b.respondents.unwrap_or(0);
            let y = a.yes_count.unwrap_or(0) + b.yes_count.unwrap_or(0);
            out.push(SurveyValue {
                region: "Järva".into(),
                area: Some(jarva.clone()),
                respondents: Some(n),
                yes_count: Some(y),
                share: share(y, n),
                ..a.clone()
            });
        }
    }
    Ok(out)
}

/// The synthetic 2024 Stockholmsenkät wave: Järva and the city, for everyone,
/// girls (`women`) and boys (`men`); the grade is part of the indicator
/// (`skolk_ak9`, `skolk_gy2`).
pub fn synthetic_youth_survey() -> Result<Vec<SurveyValue>> {
    let mut rng = SeededRng::new(0x7374_6b68_2024);
    let regions = [("Järva", Code::new("jarva")?), ("Stockholms stad", Code::new("stockholm")?)];
    let mut out = Vec::new();
    for (indicator, jarva, city) in YOUTH_SURVEY_2024 {
        for (r, ((region, area), shares)) in regions.iter().zip([jarva, city]).enumerate() {
            for (g, grade) in ["ak9", "gy2"].iter().enumerate() {
                let code = format!("{indicator}_{grade}");
                survey_rows(
                    &mut rng,
                    &mut out,
                    YOUTH_SURVEY,
                    2024,
                    (region, area),
                    &code,
                    shares[g],
                    YOUTH_RESPONDENTS[r][g],
                );
            }
        }
    }
    Ok(out)
}

/// Imports the published trygghetsmätning figures, the synthetic 2025 wave
/// and the synthetic Stockholmsenkät 2024, each unless already there; returns the new values.
pub async fn make_surveys(store: &Store) -> Result<usize> {
    let sets = [
        (
            SURVEY,
            "Trygghetsmätningen, publicerade värden ur press och stadens nyheter",
            published_survey_values()?,
        ),
        (SURVEY, "demo: syntetisk trygghetsmätning 2025", synthetic_city_survey()?),
        (YOUTH_SURVEY, "demo: syntetisk Stockholmsenkät 2024", synthetic_youth_survey()?),
    ];
    let done: HashSet<String> = store.import_runs(1000).await?.into_iter().map(|r| r.sha256).collect();
    let mut made = 0;
    for (survey, file_name, rows) in sets {
        let sha256 = sha256_hex(format!("{GENERATOR_VERSION} {rows:?}").as_bytes());
        if done.contains(&sha256) {
            continue;
        }
        let run =
            store.import_survey_values(&meta("survey", survey, file_name.into(), sha256), &rows).await?;
        made += usize::try_from(run.inserted).unwrap_or(0);
    }
    Ok(made)
}
