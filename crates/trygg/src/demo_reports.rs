//! Demo incident reports over Järva from 1 January 2025 to now (so that 2025
//! and 2026 can be compared): clustered at centres, squares and stations, more
//! in the evening and in recent months, in every workflow state, with response
//! times that differ by organisation. Deterministic (seeded) given the day,
//! made once: nothing is added when reports exist already.

use anyhow::Result;
use trygg_analysis::rng::SeededRng;
use trygg_core::{Code, Date, ReportState, ReporterKind};
use trygg_store::{Change, NewReport, ReportQuery, Reporter, Store, StoreError, now_ms};

/// How many reports the demo holds.
pub const DEMO_REPORTS: usize = 2200;

/// The first day of the demo reports (local time in Stockholm).
const FIRST_DAY: (i16, i8, i8) = (2025, 1, 1);

/// Places and their weight: where reports cluster.
const PLACES: &[(&str, u32)] = &[
    ("tensta-centrum", 16),
    ("rinkeby-torg", 16),
    ("husby-centrum", 12),
    ("kista-galleria", 8),
    ("akalla-torg", 7),
    ("tensta-t", 6),
    ("rinkeby-t", 6),
    ("husby-t", 5),
    ("kista-t", 5),
    ("akalla-t", 4),
    ("hjulsta-t", 5),
];

/// Categories and their weight.
const CATEGORIES: &[(&str, u32)] = &[
    ("klotter-ovrigt", 24),
    ("klotter-krankande", 4),
    ("nedskrapning-skrap", 18),
    ("dumpning", 8),
    ("skadegorelse-allman", 12),
    ("belysning-trasig", 9),
    ("morker", 3),
    ("skymd-sikt", 2),
    ("buskage", 3),
    ("gomda-droger", 3),
    ("narkotikahandel", 2),
    ("overgivet-fordon", 3),
    ("trafikfarligt-fordon", 1),
    ("anlagd-brand", 2),
    ("otrygg-samling", 2),
    ("berusade-personer", 1),
    ("hot-vald-anstalld", 1),
];

/// Reports per hour of the day (evenings are busiest).
const HOURS: [u32; 24] = [3, 2, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 11, 11, 10, 8, 6, 4];

/// Mean hours to fix, by responsible organisation.
fn mean_hours_to_fix(partner: &str) -> f64 {
    match partner {
        "fastighetsagare-tensta-centrum" => 18.0,
        "fastighetsagare-husby-centrum" => 30.0,
        "fastighetsagare-kista-galleria" => 14.0,
        "svenska-bostader" => 36.0,
        "familjebostader" => 60.0,
        "region-stockholm" => 28.0,
        "trafikkontoret" => 110.0,
        "polisen-lpo-jarva" => 12.0,
        _ => 50.0,
    }
}

/// One of `items`, drawn with probability proportional to its weight.
fn pick<'a, T>(rng: &mut SeededRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(total as usize) as u32;
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[0].0
}

fn exponential(rng: &mut SeededRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.uniform()).ln()
}

/// Makes the demo reports, from [`FIRST_DAY`] to now, unless there are
/// reports already. Returns how many were made.
pub async fn make(store: &Store) -> Result<usize> {
    if store.count_reports(&ReportQuery::default()).await? > 0 {
        return Ok(0);
    }
    println!("Making demo incident reports since 2025 (first start only)…");
    let routing = store.routing().await?;
    let mut rng = SeededRng::new(2025);
    let now = now_ms();
    let (y, m, d) = FIRST_DAY;
    let first = Date::new(y, m, d)?.in_tz("Europe/Stockholm")?.timestamp().as_millisecond();
    let span_days = ((now - first) / 86_400_000).max(1) as f64;
    let hours: Vec<(i64, u32)> = (0..).zip(HOURS).collect();
    let mut made = 0;
    let mut last_by_category: std::collections::HashMap<String, i64> = Default::default();
    for _ in 0..DEMO_REPORTS {
        let place = Code::new(pick::<&str>(&mut rng, PLACES))?;
        let Some((centre, _)) = routing.place(&place) else { continue };
        let position = centre.offset(exponential(&mut rng, 90.0).min(400.0), rng.uniform() * 360.0);
        let category = *pick(&mut rng, CATEGORIES);
        // Spread over the days since FIRST_DAY, a little more in recent months.
        let days_ago = span_days * rng.uniform().powf(1.2);
        let day_start = now - (days_ago as i64) * 86_400_000;
        let day_start = day_start - day_start.rem_euclid(86_400_000);
        let hour = *pick(&mut rng, &hours);
        let seen_at = (day_start + hour * 3_600_000 + rng.below(3_600_000) as i64 - 3_600_000)
            .clamp(first, now - 600_000);
        let created_at = (seen_at + exponential(&mut rng, 40.0 * 60_000.0) as i64).min(now - 60_000);
        let reporter = demo_reporter(&mut rng);
        let new = NewReport {
            category: Code::new(category)?,
            position: Some(position),
            place: (rng.uniform() < 0.6).then(|| place.clone()),
            seen_at,
            description: description(category, &mut rng).into(),
            reporter,
            source: "demo".into(),
            photos: vec![],
            created_at: Some(created_at),
        };
        let report = match store.create_report(&new).await {
            Ok(r) => r.report,
            Err(StoreError::Invalid(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let previous = last_by_category.insert(category.to_owned(), report.id);
        advance(store, &mut rng, &report, previous, now).await?;
        made += 1;
    }
    Ok(made)
}

fn demo_reporter(rng: &mut SeededRng) -> Reporter {
    let x = rng.uniform();
    if x < 0.4 {
        Reporter {
            kind: ReporterKind::Staff,
            user: None,
            partner: Some(code("jarva-sdf")),
            role: Some("trygghetsvärd".into()),
            email: None,
        }
    } else if x < 0.75 {
        let partner =
            ["svenska-bostader", "familjebostader", "fastighetsagare-tensta-centrum", "region-stockholm"]
                [rng.below(4)];
        Reporter {
            kind: ReporterKind::Partner,
            user: None,
            partner: Some(code(partner)),
            role: Some("väktare".into()),
            email: None,
        }
    } else {
        // Demo residents leave no address: the demo year must queue no mail.
        Reporter::resident(None)
    }
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap_or_else(|_| unreachable!("demo codes are valid"))
}

fn description(category: &str, rng: &mut SeededRng) -> &'static str {
    let texts: &[&str] = match category {
        "klotter-ovrigt" => {
            &["Nya taggar på väggen vid entrén.", "Klotter på elskåpet.", "Tags på busskuret."]
        }
        "klotter-krankande" => &["Rasistiskt klotter på fasaden.", "Hotfullt klotter riktat mot boende."],
        "nedskrapning-skrap" => {
            &["Mycket skräp vid bänkarna.", "Papperskorgen är full och skräpet blåser ut."]
        }
        "dumpning" => &["Soffa och madrass dumpade vid soprummet.", "Byggavfall lämnat på gräsmattan."],
        "skadegorelse-allman" => &["Krossad ruta i busskuret.", "Bänken är sönderslagen."],
        "belysning-trasig" => &["Gatlampan är släckt.", "Belysningen i gångtunneln fungerar inte."],
        "morker" => &["Gångvägen är mycket mörk på kvällen."],
        "skymd-sikt" => &["Plank skymmer sikten vid hörnet."],
        "buskage" => &["Buskarna har växt igen och skymmer lampan."],
        "gomda-droger" => &["Misstänkt gömma i buskaget."],
        "narkotikahandel" => &["Misstänkt försäljning vid trappan på kvällarna."],
        "overgivet-fordon" => &["Bil utan skyltar har stått här i veckor."],
        "trafikfarligt-fordon" => &["Bil parkerad på övergångsstället."],
        "anlagd-brand" => &["Brandskador i sopkärlet."],
        "otrygg-samling" => &["Stor grupp som stökar vid entrén sent på kvällen."],
        "berusade-personer" => &["Berusad person som behöver hjälp."],
        _ => &["Personalen hotades vid entrén."],
    };
    texts[rng.below(texts.len())]
}

/// Moves a demo report through the workflow as its organisation would.
async fn advance(
    store: &Store,
    rng: &mut SeededRng,
    r: &trygg_store::Report,
    previous: Option<i64>,
    now: i64,
) -> Result<()> {
    let hours_to_fix = exponential(rng, mean_hours_to_fix(r.responsible.as_str()));
    let ack_at = r.created_at + (exponential(rng, 4.0).min(hours_to_fix) * 3_600_000.0) as i64;
    let fix_at = r.created_at + (hours_to_fix * 3_600_000.0) as i64;
    let actor = format!("partner:{}", r.responsible);
    let change = |state: ReportState, note: &str, at: i64| Change {
        actor: actor.clone(),
        actor_org: Some(r.responsible.clone()),
        state: Some(state),
        note: note.into(),
        public: true,
        at: Some(at),
        ..Change::default()
    };
    if ack_at >= now {
        return Ok(());
    }
    store.change_report(r.id, &change(ReportState::Acknowledged, "", ack_at)).await?;
    let x = rng.uniform();
    if fix_at >= now || x < 0.04 {
        if fix_at < now && ack_at + 3_600_000 < now {
            store
                .change_report(
                    r.id,
                    &change(ReportState::InProgress, "Arbetet har påbörjats.", ack_at + 3_600_000),
                )
                .await?;
        }
        return Ok(());
    }
    let closing = if x < 0.09 {
        change(ReportState::NoAction, "Kunde inte hittas på platsen.", fix_at)
    } else if x < 0.13 && previous.is_some() {
        Change {
            duplicate_of: previous,
            ..change(ReportState::Duplicate, "Samma sak som en tidigare rapport.", fix_at)
        }
    } else if x < 0.16 {
        change(ReportState::NotResponsible, "Platsen ligger utanför vårt ansvar.", fix_at)
    } else {
        change(ReportState::Fixed, "Åtgärdat.", fix_at)
    };
    store.change_report(r.id, &closing).await?;
    let reopen_at = fix_at + 2 * 86_400_000;
    if closing.state == Some(ReportState::Fixed) && rng.uniform() < 0.08 && reopen_at + 86_400_000 < now {
        store.change_report(r.id, &change(ReportState::Received, "Problemet är kvar.", reopen_at)).await?;
        store
            .change_report(r.id, &change(ReportState::Fixed, "Åtgärdat igen.", reopen_at + 86_400_000))
            .await?;
    }
    Ok(())
}
