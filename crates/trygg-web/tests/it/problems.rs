//! The problem pages: who may read and change problems, scoping by area, the
//! prefill from a link in the situation report, the cause analysis with its
//! assumptions, bad input answered with 400, audit, and hostile text escaped.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use trygg_core::{CauseKind, Code, Email, EvidenceKind, FactorLevel, Name, Role};
use trygg_store::{NewCause, NewProblem, NewUser};

fn problem(area: &str, title: &str) -> NewProblem {
    NewProblem {
        area: Code::new(area).unwrap(),
        title: title.into(),
        what: "Rån mot unga".into(),
        place: "Uppgången vid torget".into(),
        time: "Fredag och lördag kväll".into(),
        affected: "Unga 13–17 år".into(),
        priority: 2,
    }
}

/// A problem made directly in the store.
async fn make(app: &App, area: &str, title: &str) -> trygg_store::Problem {
    app.store.create_problem("user:0", &problem(area, title), &[]).await.unwrap()
}

fn form<'a>(area: &'a str, title: &'a str, priority: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("area", area),
        ("title", title),
        ("what", "Rån mot unga"),
        ("place", "Uppgången vid torget"),
        ("time", "Fredag och lördag kväll 21–02"),
        ("affected", "Unga 13–17 år"),
        ("priority", priority),
    ]
}

/// A signed-in user of `role` who works only in `area`: (cookie, CSRF token).
async fn user_in(app: &App, role: Role, area: &str) -> (String, String) {
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new(&format!("{}-{area}@test.trygg.se", role.as_str().replace('_', "-"))).unwrap(),
            name: Name::new("Annat område").unwrap(),
            role,
            areas: vec![Code::new(area).unwrap()],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    new_session(&app.store, user.id).await
}

fn location(res: &reqwest::Response) -> String {
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn staff_read_coordinators_change_and_others_are_refused() {
    let app = App::start().await;
    let p = app.store.create_problem("user:0", &problem("jarva", "Rån vid torget"), &[]).await.unwrap();
    let page = format!("/problems/{}", p.id);
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        for path in ["/problems", page.as_str()] {
            let res = app.get_as(role, path).await;
            assert_eq!(res.status(), StatusCode::OK, "{role:?} {path}");
            assert!(res.text().await.unwrap().contains("Rån vid torget"), "{role:?} {path}");
        }
    }
    for role in [Role::Partner, Role::SocialServices] {
        for path in ["/problems", page.as_str(), "/problems/new"] {
            assert_eq!(app.get_as(role, path).await.status(), StatusCode::FORBIDDEN, "{role:?} {path}");
        }
    }
    assert!(app.get_as(Role::Public, "/problems").await.status().is_redirection());
    // Reading is not changing: steering and members get neither the forms nor the routes.
    let member_page = app.get_as(Role::Member, &page).await.text().await.unwrap();
    assert!(!member_page.contains("/causes\""), "no cause form for members");
    for role in [Role::Steering, Role::Member, Role::Partner] {
        assert_eq!(app.get_as(role, "/problems/new").await.status(), StatusCode::FORBIDDEN, "{role:?}");
        let res = app.post_form_as(role, "/problems", &form("jarva", "Nej", "1")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
        let cause = [("kind", "victim"), ("text", "Nej")];
        let res = app.post_form_as(role, &format!("{page}/causes"), &cause).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    assert!(app.store.causes(p.id).await.unwrap().is_empty());
    let coordinator_page = app.get_as(Role::Coordinator, &page).await.text().await.unwrap();
    assert!(coordinator_page.contains(&format!("action=\"{page}/causes\"")));
}

#[tokio::test]
async fn a_hot_spot_link_prefills_the_form_and_the_evidence_is_kept() {
    let app = App::start().await;
    let link = "/problems/new?area=jarva&period=2025&evidence_kind=hotspot\
                &reference=situation:jarva:2025:hotspots&note=Kluster%20vid%20Tensta%20torg&title=R%C3%A5n%20i%20centrum";
    let res = app.get_as(Role::Coordinator, link).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("value=\"Rån i centrum\""), "title prefilled");
    assert!(body.contains("value=\"situation:jarva:2025:hotspots\""), "reference prefilled");
    assert!(body.contains(">Kluster vid Tensta torg</textarea>"), "note prefilled");
    assert!(body.contains("<option value=\"hotspot\" selected>"), "kind selected");
    assert!(body.contains("<option value=\"jarva\" selected>"), "area selected");
    assert!(body.contains("value=\"2025\""), "the period is the first answer to when");

    let mut fields = form("jarva", "Rån i centrum", "1");
    fields.extend([
        ("evidence_kind", "hotspot"),
        ("reference", "situation:jarva:2025:hotspots"),
        ("note", "Kluster vid Tensta torg"),
    ]);
    let res = app.post_form_as(Role::Coordinator, "/problems", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let id: i64 = to.strip_prefix("/problems/").unwrap().parse().unwrap();
    let stored = app.store.problem(id).await.unwrap().unwrap();
    let coordinator = app.users[&Role::Coordinator];
    assert_eq!((stored.title.as_str(), stored.priority), ("Rån i centrum", 1));
    assert_eq!(stored.created_by, format!("user:{coordinator}"));
    let evidence = app.store.problem_evidence(id).await.unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].kind, EvidenceKind::Hotspot);
    assert_eq!(evidence[0].note, "Kluster vid Tensta torg");
    let audit = app.store.audit_entries(10).await.unwrap();
    let record = format!("problem:{id}");
    for action in ["problem.create", "problem.evidence.add"] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.record == record
                && e.actor == format!("user:{coordinator}"))
        );
    }
    // The evidence links back into the report.
    let page = app.get_as(Role::Member, &to).await.text().await.unwrap().replace("&#38;", "&amp;");
    assert!(page.contains("href=\"/situation?area=jarva&amp;period=2025#hotspots\""));

    // Without a reference the problem is made without evidence.
    let res = app.post_form_as(Role::Coordinator, "/problems", &form("husby", "Utan underlag", "4")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&res).strip_prefix("/problems/").unwrap().parse().unwrap();
    assert!(app.store.problem_evidence(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_cause_analysis_is_laid_out_with_its_assumptions() {
    let app = App::start().await;
    let p = make(&app, "jarva", "Rån").await;
    let page = format!("/problems/{}", p.id);
    let add = |fields: Vec<(&'static str, &'static str)>| {
        let path = format!("{page}/causes");
        let app = &app;
        async move { app.post_form_as(Role::Coordinator, &path, &fields).await }
    };
    let ok = [
        vec![
            ("kind", "victim"),
            ("text", "Ensamma unga på väg hem"),
            ("evidence", "Trygghetsmätningen 2024"),
        ],
        vec![("kind", "offender"), ("text", "Äldre ungdomar söker status"), ("evidence", "")],
        vec![("kind", "guardian"), ("text", "Få vuxna i rörelse sent"), ("evidence", "")],
        vec![
            ("kind", "risk"),
            ("level", "community"),
            ("text", "Mörk gångtunnel"),
            ("evidence", "Trygghetsvandring"),
        ],
        vec![("kind", "protective"), ("level", "group"), ("text", "Fältassistenter"), ("evidence", "")],
        vec![("kind", "chain"), ("position", "2"), ("text", "Hotet"), ("evidence", "")],
        vec![("kind", "chain"), ("position", "1"), ("text", "Mötet vid uppgången"), ("evidence", "")],
        // A level or step given for a kind that has none is ignored, not stored.
        vec![
            ("kind", "place"),
            ("level", "group"),
            ("position", "7"),
            ("text", "Uppgången"),
            ("evidence", ""),
        ],
    ];
    for fields in ok {
        let res = add(fields.clone()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{fields:?}");
        assert_eq!(location(&res), format!("{page}#analysis"));
    }
    let causes = app.store.causes(p.id).await.unwrap();
    assert_eq!(causes.len(), 8);
    let place = causes.iter().find(|c| c.kind == CauseKind::Place).unwrap();
    assert_eq!((place.level, place.position), (None, 0));
    let risk = causes.iter().find(|c| c.kind == CauseKind::Risk).unwrap();
    assert_eq!(risk.level, Some(FactorLevel::Community));

    let body = app.get_as(Role::Steering, &page).await.text().await.unwrap();
    assert!(body.contains("6 av 8 påståenden i orsaksanalysen är antaganden"), "the count at the top");
    assert_eq!(body.matches("<span class=\"badge\">antagande</span>").count(), 6);
    for heading in ["Fiskbensdiagram", "Problemanalystriangeln", "Risk- och skyddsfaktorer", "Händelsekedja"]
    {
        assert!(body.contains(heading), "{heading}");
    }
    // The chain is an ordered list by step, whatever the order of entry.
    let first = body.find("Mötet vid uppgången").unwrap();
    let second = body.find("Hotet").unwrap();
    assert!(first < second);
    // Factors sit in the row of their level.
    let community = body.find("<th scope=\"row\">Samhälle</th>").unwrap();
    let group = body.find("<th scope=\"row\">Grupp</th>").unwrap();
    assert!(body[community..].contains("Mörk gångtunnel"));
    assert!(body[group..community].contains("Fältassistenter"));
    let english = app.get_as(Role::Steering, &format!("{page}?lang=en")).await.text().await.unwrap();
    assert!(english.contains("6 of 8 claims in the cause analysis are assumptions"));
    assert!(english.contains("Fishbone diagram"));

    // Editing a cause can give an assumption its evidence; removing is audited.
    let offender = causes.iter().find(|c| c.kind == CauseKind::Offender).unwrap();
    let fields =
        [("kind", "offender"), ("text", "Äldre ungdomar söker status"), ("evidence", "Polisens lägesbild")];
    let res = app.post_form_as(Role::Coordinator, &format!("{page}/causes/{}", offender.id), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.post_form_as(Role::Coordinator, &format!("{page}/causes/{}/remove", place.id), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = app.get_as(Role::Member, &page).await.text().await.unwrap();
    assert!(body.contains("4 av 7 påståenden"));
    let audit = app.store.audit_entries(30).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "cause.update" && e.record == format!("cause:{}", offender.id)));
    assert!(audit.iter().any(|e| e.action == "cause.remove" && e.record == format!("cause:{}", place.id)));
    assert_eq!(audit.iter().filter(|e| e.action == "cause.add").count(), 8);
    // The list counts causes and assumptions.
    let list = app.get_as(Role::Member, "/problems").await.text().await.unwrap();
    assert!(list.contains("<td class=\"num\">7</td>\n      <td class=\"num\">4</td>"), "{list}");
}

#[tokio::test]
async fn other_areas_are_out_of_reach() {
    let app = App::start().await;
    let jarva = make(&app, "jarva", "Järvas problem").await;
    let husby = make(&app, "husby", "Husbys problem").await;
    let (member, _) = user_in(&app, Role::Member, "husby").await;
    let get = |path: String| app.client.get(app.url(&path)).header(COOKIE, member.clone()).send();
    let list = get("/problems".into()).await.unwrap().text().await.unwrap();
    assert!(list.contains("Husbys problem") && !list.contains("Järvas problem"));
    assert_eq!(get(format!("/problems/{}", husby.id)).await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(format!("/problems/{}", jarva.id)).await.unwrap().status(), StatusCode::NOT_FOUND);

    // A Järva coordinator sees Husby's problem too (Husby lies in Järva).
    let res = app.get_as(Role::Coordinator, &format!("/problems/{}", husby.id)).await;
    assert_eq!(res.status(), StatusCode::OK);

    let (cookie, csrf) = user_in(&app, Role::Coordinator, "husby").await;
    let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        app.client.post(app.url(&path)).header(COOKIE, cookie.clone()).form(&fields).send()
    };
    let res = post("/problems".into(), form("jarva", "Fel område", "1")).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Du arbetar inte med det området"));
    let cause = vec![("kind", "victim"), ("text", "x")];
    let res = post(format!("/problems/{}/causes", jarva.id), cause.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = post(format!("/problems/{}/closed", jarva.id), vec![("closed", "1")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = post(format!("/problems/{}", jarva.id), form("husby", "Flytta hit", "1")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Moving one's own problem into another area is refused too.
    let res = post(format!("/problems/{}", husby.id), form("jarva", "Flytta bort", "1")).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .client
        .get(app.url("/problems/new?area=jarva"))
        .header(COOKIE, cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(app.store.causes(jarva.id).await.unwrap().is_empty());
    assert!(!app.store.problem(jarva.id).await.unwrap().unwrap().closed);
    assert_eq!(app.store.problem(husby.id).await.unwrap().unwrap().area.as_str(), "husby");
    // A cause of one problem cannot be reached through another.
    let c = app
        .store
        .add_cause(
            "user:0",
            jarva.id,
            &NewCause { kind: CauseKind::Victim, level: None, position: 0, text: "x".into(), evidence: None },
        )
        .await
        .unwrap();
    let res = post(format!("/problems/{}/causes/{}/remove", husby.id, c.id), vec![]).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(app.store.cause(c.id).await.unwrap().is_some());
}

/// A path, its form fields and a part of the message expected.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn bad_input_is_answered_with_400_and_a_clear_message() {
    let app = App::start().await;
    let p = make(&app, "jarva", "P").await;
    let long = "x".repeat(2_001);
    let cases: Vec<Case> = vec![
        ("/problems".into(), form("jarva", "", "1"), "Ange en rubrik"),
        ("/problems".into(), form("jarva", "T", "0"), "Prioriteten ska vara ett heltal från 1 till 9"),
        ("/problems".into(), form("jarva", "T", "hög"), "Prioriteten ska vara ett heltal från 1 till 9"),
        ("/problems".into(), form("atlantis", "T", "1"), "Okänt område"),
        ("/problems".into(), form("jarva", &long, "1"), "Ange en rubrik (högst 2 000 tecken)"),
        ("/problems".into(), form("jarva", "Ring 070-123 45 67", "1"), "liknar en personuppgift"),
        ("/problems".into(), vec![], "Okänt område"),
        (format!("/problems/{}/causes", p.id), vec![("kind", "risk"), ("text", "t")], "ska ha en nivå"),
        (format!("/problems/{}/causes", p.id), vec![("kind", "chain"), ("text", "t")], "stegnummer"),
        (
            format!("/problems/{}/causes", p.id),
            vec![("kind", "chain"), ("position", "0"), ("text", "t")],
            "stegnummer",
        ),
        (
            format!("/problems/{}/causes", p.id),
            vec![("kind", "bone"), ("text", "t")],
            "Okänd del av orsaksanalysen",
        ),
        (format!("/problems/{}/causes", p.id), vec![("kind", "victim"), ("text", " ")], "Skriv påståendet"),
        (
            format!("/problems/{}/evidence", p.id),
            vec![("kind", "survey"), ("reference", "")],
            "Ange en referens",
        ),
        (
            format!("/problems/{}/evidence", p.id),
            vec![("kind", "rumour"), ("reference", "r")],
            "Okänd typ av underlag",
        ),
        (format!("/problems/{}/closed", p.id), vec![("closed", "maybe")], "Ogiltigt val"),
        (format!("/problems/{}", p.id), form("jarva", "T", "10"), "Prioriteten ska vara"),
    ];
    for (path, fields, message) in cases {
        let res = app.post_form_as(Role::Coordinator, &path, &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path} {fields:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains(message), "{path} {fields:?}: {message}");
        assert!(body.contains("role=\"alert\""), "{path}: the message is announced");
    }
    for path in [
        "/problems/new?evidence_kind=rumour",
        "/problems/new?period=2025-T9",
        "/problems/new?area=atlantis",
        "/problems/new?area=%3Cscript%3E",
    ] {
        let res = app.get_as(Role::Coordinator, path).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    for path in ["/problems/999999", "/problems/abc"] {
        let status = app.get_as(Role::Member, path).await.status();
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{path}: {status}");
    }
    assert_eq!(app.store.problems(&[]).await.unwrap().len(), 1, "nothing was stored");
    assert!(app.store.causes(p.id).await.unwrap().is_empty());
    assert!(app.store.problem_evidence(p.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn closing_and_reopening_is_audited() {
    let app = App::start().await;
    let p = make(&app, "jarva", "P").await;
    let path = format!("/problems/{}/closed", p.id);
    let res = app.post_form_as(Role::Admin, &path, &[("closed", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.store.problem(p.id).await.unwrap().unwrap().closed);
    let list = app.get_as(Role::Member, "/problems").await.text().await.unwrap();
    assert!(list.contains("Avslutat"));
    app.post_form_as(Role::Coordinator, &path, &[("closed", "0")]).await;
    assert!(!app.store.problem(p.id).await.unwrap().unwrap().closed);
    let audit = app.store.audit_entries(10).await.unwrap();
    let record = format!("problem:{}", p.id);
    assert!(audit.iter().any(|e| e.action == "problem.close" && e.record == record));
    assert!(audit.iter().any(|e| e.action == "problem.reopen" && e.record == record));
}

#[tokio::test]
async fn hostile_text_is_shown_as_text() {
    let app = App::start().await;
    let hostile = "<script>alert(1)</script>";
    let mut fields = form("jarva", hostile, "3");
    fields.extend([
        ("evidence_kind", "document"),
        ("reference", "\"><img src=x onerror=alert(1)>"),
        ("note", hostile),
    ]);
    let res = app.post_form_as(Role::Coordinator, "/problems", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let cause = [("kind", "victim"), ("text", hostile), ("evidence", hostile)];
    assert_eq!(
        app.post_form_as(Role::Coordinator, &format!("{page}/causes"), &cause).await.status(),
        StatusCode::SEE_OTHER
    );
    for path in [page.as_str(), "/problems"] {
        let body = app.get_as(Role::Coordinator, path).await.text().await.unwrap();
        assert!(!body.contains(hostile), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || body.contains("&#60;script&#62;"),
            "{path}"
        );
    }
    let prefill =
        app.get_as(Role::Coordinator, "/problems/new?title=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(prefill.status(), StatusCode::OK);
    assert!(!prefill.text().await.unwrap().contains(hostile));
}

#[tokio::test]
async fn each_cause_shows_the_measures_that_address_it() {
    use trygg_core::{Date, EvidenceBase, PlanKind};
    use trygg_store::{MeasureInput, NewPlan};
    let app = App::start().await;
    let p = make(&app, "jarva", "Rån").await;
    let cause = |text: &str| NewCause {
        kind: CauseKind::Place,
        level: None,
        position: 0,
        text: text.into(),
        evidence: Some("Trygghetsvandring 2024".into()),
    };
    let lit = app.store.add_cause("user:0", p.id, &cause("Mörk gångtunnel")).await.unwrap();
    let other = app.store.add_cause("user:0", p.id, &cause("Öde torg")).await.unwrap();
    let date = |s: &str| s.parse::<Date>().unwrap();
    let plan = app
        .store
        .create_plan(
            "user:0",
            &NewPlan {
                kind: PlanKind::Overall,
                parent_id: None,
                strategy: Code::new("jarva-2020-2025").unwrap(),
                name: "Övergripande handlingsplan".into(),
                unit: None,
                area: Code::new("jarva").unwrap(),
                valid_from: date("2025-01-01"),
                valid_to: date("2025-12-31"),
            },
        )
        .await
        .unwrap();
    let measure = app
        .store
        .create_measure(
            "user:0",
            &MeasureInput {
                plan_id: plan.id,
                name: "Belysning i gångtunneln".into(),
                goal: "Ny belysning före 1 oktober".into(),
                starts: date("2025-03-01"),
                ends: date("2025-10-01"),
                owner: "Trafikkontoret".into(),
                working_group: String::new(),
                partners: String::new(),
                hours: None,
                money: None,
                staff: None,
                competence: String::new(),
                follow_up: "Trygghetsvandring".into(),
                direction: None,
                working_method: None,
                evidence_base: EvidenceBase::Promising,
                evidence_reference: "Brå 2019".into(),
                place: None,
                comparison_area: None,
            },
        )
        .await
        .unwrap();
    app.store.link_cause("user:0", measure.id, lit.id).await.unwrap();
    let body = app.get_as(Role::Member, &format!("/problems/{}", p.id)).await.text().await.unwrap();
    let link = format!("<a href=\"/measures/{}\">Belysning i gångtunneln</a>", measure.id);
    assert_eq!(body.matches(&link).count(), 1, "shown once, under its cause");
    let at_lit = body.find(&format!("id=\"cause-{}\"", lit.id)).unwrap();
    let at_other = body.find(&format!("id=\"cause-{}\"", other.id)).unwrap();
    let at_link = body.find(&link).unwrap();
    assert!(at_lit < at_link && at_link < at_other, "the link sits in the item of the cause it addresses");
}
