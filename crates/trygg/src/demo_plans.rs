//! A demo of the golden thread in Järva: a prioritised problem from the
//! situation report's hot spot at Tensta centrum, its cause analysis, the
//! overall action plan for 2025 with three measures on Brå's template
//! (causes, indicators, perspectives), their tertial follow-up, computed
//! indicator values, and the approvals: tertial 1 locked by the steering
//! group, tertial 2 approved by the preparation group, tertial 3 open (so a
//! coordinator can still report and approve). Made once: nothing is added
//! when a plan exists already. Illustrative, not the city's real plan.

use anyhow::Result;
use jiff::civil::date;
use trygg_core::{
    ApprovalStage, CauseKind, Code, EvidenceBase, EvidenceKind, FactorLevel, MeasureStatus, Period, PlanKind,
};
use trygg_store::{
    AgreementKind, Commitment, DecisionStatus, MeasureInput, NewAgreement, NewCause, NewDecision,
    NewEvidence, NewMeeting, NewPlan, NewProblem, Signatory, Store,
};

const ACTOR: &str = "system";

/// Makes the demo plan; returns whether anything was added.
pub async fn make(store: &Store) -> Result<bool> {
    let jarva = Code::new("jarva")?;
    if !store.plans(std::slice::from_ref(&jarva)).await?.is_empty() {
        return Ok(false);
    }
    let (problem_id, causes) = problem(store, &jarva).await?;
    let plan = store
        .create_plan(
            ACTOR,
            &NewPlan {
                kind: PlanKind::Overall,
                parent_id: None,
                strategy: Code::new("jarva-2020-2025")?,
                name: "Övergripande handlingsplan Järva 2025 (demo)".into(),
                unit: None,
                area: jarva.clone(),
                valid_from: date(2025, 1, 1),
                valid_to: date(2025, 12, 31),
            },
        )
        .await?;
    let specs = [
        (
            "Klotter saneras inom 24 timmar vid Tensta centrum",
            "Minst 90 % av anmält klotter vid Tensta centrum saneras inom 24 timmar, hela 2025.",
            "Fastighetsägaren Tensta centrum",
            Some(("tensta-centrum", "rinkeby-torg")),
            vec![causes[2], causes[5]],
            vec!["rapporter-atgardade-i-tid", "rapporter-klotter", "brott-skadegorelse"],
        ),
        (
            "Trygghetsvandringar med boende och skolelever",
            "Två vandringar per termin med boende, elever och polis; åtgärdade fynd följs upp.",
            "Stadsdelsförvaltningen Järva",
            None,
            vec![causes[3]],
            vec!["otrygg-sent-kvall", "trygghetsvandring-6-man"],
        ),
        (
            "Fritidsgård öppen kvällar och helger",
            "Öppet fyra kvällar i veckan; 60 unika besökare per månad, hälften flickor.",
            "Stadsdelsförvaltningen Järva",
            None,
            vec![causes[1]],
            vec!["atgarder-status"],
        ),
    ];
    let indicators: Vec<Code> = store.indicators().await?.into_iter().map(|i| i.code).collect();
    let mut ids = Vec::new();
    for (name, goal, owner, place, cause_ids, wanted) in specs {
        let m = store
            .create_measure(
                ACTOR,
                &MeasureInput {
                    plan_id: plan.id,
                    name: name.into(),
                    goal: goal.into(),
                    starts: date(2025, 1, 1),
                    ends: date(2025, 12, 31),
                    owner: owner.into(),
                    working_group: "Arbetsgrupp Tensta centrum".into(),
                    partners: "Polisen, Fastighetsägarna".into(),
                    hours: Some(400.0),
                    money: Some(250_000.0),
                    staff: Some(0.5),
                    competence: "Platssamverkan, situationell prevention".into(),
                    follow_up: "Felanmälningar och tid till åtgärd per tertial; trygghetsmätningen".into(),
                    direction: Some(Code::new("trygg-stadsmiljo")?),
                    working_method: Some(Code::new("samverkan")?),
                    evidence_base: EvidenceBase::Promising,
                    evidence_reference: "Brå 2019:5, Platssamverkan".into(),
                    place: place.map(|(p, _)| Code::new(p)).transpose()?,
                    comparison_area: place.map(|(_, c)| Code::new(c)).transpose()?,
                },
            )
            .await?;
        for c in cause_ids {
            store.link_cause(ACTOR, m.id, c).await?;
        }
        for code in wanted.iter().filter_map(|w| indicators.iter().find(|i| i.as_str() == *w)) {
            store.link_indicator(ACTOR, m.id, code).await?;
        }
        for (perspective, text) in PERSPECTIVES {
            store.set_perspective(ACTOR, m.id, &Code::new(perspective)?, text).await?;
        }
        ids.push(m.id);
    }
    governance(store, &jarva, problem_id, ids[0]).await?;
    follow_up(store, &jarva, &ids).await?;
    Ok(true)
}

/// The steering group's meetings and decisions, the citizen promise and the
/// (expired) collaboration agreement with the police, followed up in 2025-T1
/// before that tertial is locked; 2026-T2 is left unreported, so it is flagged.
async fn governance(store: &Store, jarva: &Code, problem_id: i64, measure_id: i64) -> Result<()> {
    let meeting = store
        .create_meeting(
            ACTOR,
            &NewMeeting {
                group: Code::new("styrgrupp-jarva")?,
                area: jarva.clone(),
                held_on: date(2025, 3, 12),
                attendees: vec![
                    "Järva stadsdelsförvaltning".into(),
                    "Polisen, lokalpolisområde Järva".into(),
                    "Svenska Bostäder".into(),
                    "Trafikkontoret".into(),
                ],
                agenda: "1. Lägesbild 2024\n2. Prioriterade problem\n3. Handlingsplan 2025".into(),
                minutes: "Styrgruppen godkände lägesbilden och prioriterade skadegörelsen vid Tensta centrum kvällstid."
                    .into(),
            },
        )
        .await?;
    let done = store
        .add_decision(
            ACTOR,
            meeting.id,
            &NewDecision {
                text: "Teckna avtal om klottersanering inom 24 timmar vid Tensta centrum".into(),
                owner: "Fastighetsägaren Tensta centrum".into(),
                due: date(2025, 4, 30),
                measure_id: Some(measure_id),
                problem_id: Some(problem_id),
            },
        )
        .await?;
    store.set_decision_status(ACTOR, done.id, DecisionStatus::Done, Some(date(2025, 3, 28))).await?;
    let open = NewDecision {
        text: "Återrapportera trygghetsvandringarnas fynd till styrgruppen".into(),
        owner: "Järva stadsdelsförvaltning".into(),
        due: date(2025, 9, 30),
        measure_id: None,
        problem_id: None,
    };
    store.add_decision(ACTOR, meeting.id, &open).await?;
    let signatories = vec![
        Signatory { partner: Code::new("polisen-lpo-jarva")?, signed_as: "Lokalpolisområdeschef".into() },
        Signatory { partner: Code::new("jarva-sdf")?, signed_as: "Stadsdelsdirektör".into() },
    ];
    let promise = store
        .create_agreement(
            ACTOR,
            &NewAgreement {
                kind: AgreementKind::CitizenPromise,
                title: "Medborgarlöfte Järva 2025–2026 (demo)".into(),
                area: jarva.clone(),
                valid_from: date(2025, 1, 1),
                valid_to: date(2026, 12, 31),
                signatories: signatories.clone(),
                commitments: vec![
                    Commitment {
                        text: "Klotter vid Tensta centrum saneras inom ett dygn".into(),
                        measure_id: Some(measure_id),
                    },
                    Commitment {
                        text: "Gemensamma trygghetsvandringar varje tertial".into(),
                        measure_id: None,
                    },
                ],
            },
        )
        .await?;
    let t1 = Period::Tertial(2025, 1);
    store
        .report_agreement_followup(
            ACTOR,
            promise.id,
            t1,
            MeasureStatus::Green,
            "Avtal tecknat; två vandringar.",
        )
        .await?;
    store
        .create_agreement(
            ACTOR,
            &NewAgreement {
                kind: AgreementKind::Collaboration,
                title: "Samverkansöverenskommelse Järva 2024–2025 (demo)".into(),
                area: jarva.clone(),
                valid_from: date(2024, 1, 1),
                valid_to: date(2025, 12, 31),
                signatories,
                commitments: vec![Commitment {
                    text: "Gemensam lägesbild och styrgrupp varje tertial".into(),
                    measure_id: None,
                }],
            },
        )
        .await?;
    Ok(())
}

/// How each perspective of the strategy was considered (the same for every demo measure).
const PERSPECTIVES: [(&str, &str); 4] = [
    (
        "jamstalldhet",
        "Kvinnor känner sig otryggare: vandringarna går kvällstid och hälften av deltagarna är kvinnor.",
    ),
    ("hbtq", "Frågan om trakasserier av hbtq-personer tas upp på vandringarna."),
    ("barnratt", "Elever från närmaste skola deltar; deras synpunkter redovisas för sig."),
    ("funktionshinder", "Tillgänglighet i gångstråk och belysning ingår i fynden."),
];

/// A claim of the cause analysis: kind, level, chain step, text, evidence (`None`: an assumption).
type Claim = (CauseKind, Option<FactorLevel>, i64, &'static str, Option<&'static str>);

/// The problem at Tensta centrum and its cause analysis; the causes' ids in creation order.
async fn problem(store: &Store, jarva: &Code) -> Result<(i64, Vec<i64>)> {
    let problem = store
        .create_problem(
            ACTOR,
            &NewProblem {
                area: jarva.clone(),
                title: "Skadegörelse och klotter vid Tensta centrum kvällstid".into(),
                what: "Skadegörelse, klotter och nedskräpning som gör torget otryggt".into(),
                place: "Tensta centrum och gångstråket mot tunnelbanan".into(),
                time: "Kvällar 18–23, mest fredag och lördag".into(),
                affected: "Boende som passerar, särskilt kvinnor; butiksanställda".into(),
                priority: 1,
            },
            &[NewEvidence {
                kind: EvidenceKind::Hotspot,
                reference: "situation:jarva:2025:hotspots".into(),
                note: "Ihållande signifikant brännpunkt (Gi*, FDR 0,05) vid Tensta centrum 2024 och 2025."
                    .into(),
            }],
        )
        .await?;
    let claims: [Claim; 7] = [
        (
            CauseKind::Victim,
            None,
            0,
            "Få rör sig på torget efter stängning",
            Some("Felanmälningar per timme, lägesbilden 2025"),
        ),
        (CauseKind::Offender, None, 0, "Grupper av unga utan annan mötesplats kvällstid", None),
        (
            CauseKind::Place,
            None,
            0,
            "Trasig belysning och skymd sikt vid gångstråket",
            Some("Trygghetsvandring maj 2025"),
        ),
        (CauseKind::Guardian, None, 0, "Ingen vuxen närvaro efter butikernas stängning", None),
        (
            CauseKind::Risk,
            Some(FactorLevel::Community),
            0,
            "Nedskräpning signalerar att ingen bryr sig",
            None,
        ),
        (
            CauseKind::Manager,
            None,
            0,
            "Klotter sanerades först efter en vecka",
            Some("Tid till åtgärd i felanmälningarna"),
        ),
        (CauseKind::Protective, Some(FactorLevel::Group), 0, "Aktiva föreningar i centrumhuset", None),
    ];
    let mut ids = Vec::new();
    for (kind, level, position, text, evidence) in claims {
        let cause =
            NewCause { kind, level, position, text: text.into(), evidence: evidence.map(str::to_owned) };
        ids.push(store.add_cause(ACTOR, problem.id, &cause).await?.id);
    }
    Ok((problem.id, ids))
}

/// Tertials 1–3 of 2025: statuses, computed indicator values, approvals.
async fn follow_up(store: &Store, jarva: &Code, ids: &[i64]) -> Result<()> {
    use MeasureStatus::{Green, Red, Yellow};
    let reports: [(u8, [(MeasureStatus, &str); 3]); 3] = [
        (
            1,
            [
                (Yellow, "Avtal om sanering klart i mars."),
                (Green, "Två vandringar genomförda."),
                (Red, "Lokal saknas."),
            ],
        ),
        (
            2,
            [
                (Green, "92 % sanerat inom 24 timmar."),
                (Green, "Fynden lämnade till ansvariga."),
                (Yellow, "Öppet två kvällar."),
            ],
        ),
        (3, [(Green, "Målet nått."), (Yellow, "En vandring ställdes in."), (Green, "Öppet fyra kvällar.")]),
    ];
    for (n, statuses) in reports {
        let period = Period::Tertial(2025, n);
        for (id, (status, comment)) in ids.iter().zip(statuses) {
            store.report_followup(*id, period, status, comment, ACTOR).await?;
        }
        store.compute_indicator_values(jarva, period, ACTOR).await?;
        if n < 3 {
            store.approve_tertial(jarva, period, ApprovalStage::Preparation, ACTOR).await?;
        }
        if n < 2 {
            store.approve_tertial(jarva, period, ApprovalStage::Steering, ACTOR).await?;
        }
    }
    store.compute_indicator_values(jarva, Period::Year(2025), ACTOR).await?;
    Ok(())
}
