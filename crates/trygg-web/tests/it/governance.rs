//! Governance in the browser: who may read and write meetings, decisions,
//! agreements and working groups; areas; bad input as a clear 400; the
//! flags (overdue decisions, expired groups and agreements, missing
//! follow-up); a locked tertial refusing an agreement's follow-up; escaping.

use crate::harness::{App, new_session};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use trygg_core::{ApprovalStage, Code, Email, Name, Role};
use trygg_store::NewUser;

async fn audited(app: &App, action: &str) -> usize {
    app.store.audit_entries(1000).await.unwrap().iter().filter(|e| e.action == action).count()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// A session for a user of `role` who works only in Husby.
async fn husby_user(app: &App, role: Role) -> (String, String) {
    let user = app
        .store
        .create_user(&NewUser {
            email: Email::new(&format!("husby-gov-{}@test.trygg.se", role.as_str().replace('_', "-")))
                .unwrap(),
            name: Name::new("Husby").unwrap(),
            role,
            areas: vec![Code::new("husby").unwrap()],
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
        })
        .await
        .unwrap();
    new_session(&app.store, user.id).await
}

async fn body(res: reqwest::Response) -> String {
    res.text().await.unwrap()
}

const MEETING: &[(&str, &str)] = &[
    ("group", "styrgrupp-jarva"),
    ("area", "jarva"),
    ("held_on", "2026-03-10"),
    ("attendees", "Polisen\nJärva stadsdelsförvaltning"),
    ("agenda", "1. Lägesbild <script>alert(1)</script>"),
    ("minutes", "Lägesbilden godkändes."),
];

/// Records the meeting as the coordinator; its path.
async fn meeting(app: &App) -> String {
    let res = app.post_form_as(Role::Coordinator, "/governance/meetings", MEETING).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

#[tokio::test]
async fn readers_see_the_overview_and_others_are_refused() {
    let app = App::start().await;
    for role in [Role::Admin, Role::Coordinator, Role::Steering, Role::Member] {
        let res = app.get_as(role, "/governance").await;
        assert_eq!(res.status(), StatusCode::OK, "{role:?}");
        let page = body(res).await;
        assert!(page.contains("Lokal styrgrupp Järva") && page.contains("Arbetsgrupp Tensta centrum"));
        assert!(page.contains("Utgånget"), "the seeded working group ended 2025-12-31");
        assert_eq!(
            page.contains("/governance/meetings/new"),
            matches!(role, Role::Admin | Role::Coordinator)
        );
    }
    for role in [Role::Partner, Role::SocialServices] {
        assert_eq!(app.get_as(role, "/governance").await.status(), StatusCode::FORBIDDEN, "{role:?}");
        let res = app.post_form_as(role, "/governance/meetings", MEETING).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert!(app.get_as(Role::Public, "/governance").await.status().is_redirection());
    for role in [Role::Steering, Role::Member] {
        assert_eq!(app.get_as(role, "/governance/meetings/new").await.status(), StatusCode::FORBIDDEN);
        let res = app.post_form_as(role, "/governance/meetings", MEETING).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(audited(&app, "meeting.create").await, 0);
    // The expired working group is flagged on /organisation too, with the link for editors.
    let org = body(app.get_as(Role::Coordinator, "/organisation").await).await;
    assert!(org.contains("Uppdraget har gått ut") && org.contains("/governance/groups"));
    let org = body(app.get_as(Role::Member, "/organisation").await).await;
    assert!(!org.contains("/governance/groups"));
}

#[tokio::test]
async fn meetings_and_decisions_with_the_overdue_flag() {
    let app = App::start().await;
    assert_eq!(app.get_as(Role::Coordinator, "/governance/meetings/new").await.status(), StatusCode::OK);
    let path = meeting(&app).await;
    assert!(path.starts_with("/governance/meetings/"));
    let page = body(app.get_as(Role::Member, &path).await).await;
    assert!(
        (page.contains("&lt;script&gt;alert(1)") || page.contains("&#60;script&#62;alert(1)"))
            && !page.contains("<script>alert(1)")
    );
    assert!(page.contains("Järva stadsdelsförvaltning"));
    assert!(!page.contains(&format!("{path}/decisions")), "members may not add decisions");

    let decision = [("text", "Ta fram belysningsplan"), ("owner", "Trafikkontoret"), ("due", "2026-04-30")];
    let add = format!("{path}/decisions");
    assert_eq!(app.post_form_as(Role::Steering, &add, &decision).await.status(), StatusCode::FORBIDDEN);
    let res = app.post_form_as(Role::Coordinator, &add, &decision).await;
    assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, path.clone()));
    let overview = body(app.get_as(Role::Steering, "/governance").await).await;
    assert!(overview.contains("Ta fram belysningsplan") && overview.contains("Försenat"), "due in April");
    assert!(overview.contains("1 öppna beslut har passerat sitt slutdatum."));

    // Bad input: a clear 400, nothing stored.
    let bad: &[(&[(&str, &str)], &str)] = &[
        (&[("text", "x"), ("owner", "TK"), ("due", "snart")], "Ange när beslutet ska vara genomfört"),
        (&[("text", "Ring 070-123 45 67"), ("owner", "TK"), ("due", "2026-05-01")], "Beskriv beslutet"),
        (&[("text", "x"), ("owner", "TK"), ("due", "2026-05-01"), ("measure", "999")], "Välj en åtgärd"),
    ];
    for (form, message) in bad {
        let res = app.post_form_as(Role::Coordinator, &add, form).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{form:?}");
        assert!(body(res).await.contains(message), "{message}");
    }
    let res = app
        .post_form_as(
            Role::Coordinator,
            "/governance/meetings",
            &[("group", "styrgrupp-jarva"), ("area", "jarva")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let mut personal = MEETING.to_vec();
    personal[4] = ("agenda", "Kontakta kalle@example.se");
    let res = app.post_form_as(Role::Coordinator, "/governance/meetings", &personal).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("Ange en dagordning utan personuppgifter"));
    assert_eq!(audited(&app, "meeting.create").await, 1);
    assert_eq!(audited(&app, "decision.create").await, 1);

    // The steering group marks it done; the flag clears. A member may not.
    let id = app.store.decisions(&[]).await.unwrap()[0].id;
    let status = format!("/governance/decisions/{id}/status");
    let done = [("status", "done"), ("done_on", "2026-05-02")];
    assert_eq!(app.post_form_as(Role::Member, &status, &done).await.status(), StatusCode::FORBIDDEN);
    let res = app.post_form_as(Role::Steering, &status, &[("status", "done")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res =
        app.post_form_as(Role::Steering, &status, &[("status", "done"), ("done_on", "2026-01-01")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "before the meeting");
    let res = app.post_form_as(Role::Steering, &status, &done).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let overview = body(app.get_as(Role::Steering, "/governance").await).await;
    assert!(!overview.contains("Försenat"));
    assert_eq!(audited(&app, "decision.update").await, 1);

    // Out of area: a Husby coordinator neither sees nor changes the Järva meeting.
    let (cookie, csrf) = husby_user(&app, Role::Coordinator).await;
    let res = app.client.get(app.url(&path)).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .post(app.url(&status))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str()), ("status", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.client.get(app.url("/governance")).header(COOKIE, &cookie).send().await.unwrap();
    assert!(!body(res).await.contains("Ta fram belysningsplan"));
    assert_eq!(app.get_as(Role::Admin, "/governance/meetings/999").await.status(), StatusCode::NOT_FOUND);
}

const PROMISE: &[(&str, &str)] = &[
    ("kind", "citizen_promise"),
    ("title", "Medborgarlöfte Järva 2026"),
    ("area", "jarva"),
    ("valid_from", "2025-01-01"),
    ("valid_to", "2026-12-31"),
    ("partner", "polisen-lpo-jarva"),
    ("signed_as", "Lokalpolisområdeschef"),
    ("partner", "jarva-sdf"),
    ("signed_as", "Stadsdelsdirektör"),
    ("partner", ""),
    ("signed_as", ""),
    ("commitment", "Fler trygghetsvandringar"),
    ("commitment_measure", ""),
    ("commitment", ""),
    ("commitment_measure", ""),
];

#[tokio::test]
async fn agreements_with_signatories_followup_and_the_lock() {
    let app = App::start().await;
    assert_eq!(app.get_as(Role::Coordinator, "/governance/agreements/new").await.status(), StatusCode::OK);
    assert_eq!(
        app.post_form_as(Role::Member, "/governance/agreements", PROMISE).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = app.post_form_as(Role::Coordinator, "/governance/agreements", PROMISE).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    let page = body(app.get_as(Role::Member, &path).await).await;
    assert!(page.contains("Medborgarlöfte") && page.contains("Lokalpolisområdeschef"));
    assert!(page.contains("Fler trygghetsvandringar"));
    assert!(page.contains("Ingen uppföljning för"), "no follow-up of the last completed tertial");
    assert!(!page.contains(&format!("{path}/followup")), "members may not report");

    // A collaboration agreement signed by the police alone is refused.
    let mut collab: Vec<(&str, &str)> = PROMISE.to_vec();
    collab[0] = ("kind", "collaboration");
    collab[7] = ("partner", "");
    collab[8] = ("signed_as", "");
    let res = app.post_form_as(Role::Coordinator, "/governance/agreements", &collab).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("minst två organisationer varav polisen"));
    let mut no_date = PROMISE.to_vec();
    no_date[4] = ("valid_to", "sen");
    assert_eq!(
        app.post_form_as(Role::Coordinator, "/governance/agreements", &no_date).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(audited(&app, "agreement.create").await, 1);
    let overview = body(app.get_as(Role::Member, "/governance").await).await;
    assert!(
        overview.contains("Medborgarlöfte Järva 2026") && !overview.contains("Utgånget</strong> <strong")
    );
    let mut old = PROMISE.to_vec();
    old[1] = ("title", "Medborgarlöfte Järva 2025");
    old[4] = ("valid_to", "2025-12-31");
    assert_eq!(
        app.post_form_as(Role::Admin, "/governance/agreements", &old).await.status(),
        StatusCode::SEE_OTHER
    );
    let overview = body(app.get_as(Role::Member, "/governance").await).await;
    assert!(overview.contains("Medborgarlöfte Järva 2025"));
    assert!(overview.contains("Utgånget</strong> "), "the 2025 promise is flagged as expired");

    // Follow-up: reported for 2026-T1, then refused (409) once the steering group locks 2026-T2.
    let follow = format!("{path}/followup");
    let form = |p: &'static str| [("period", p), ("status", "yellow"), ("comment", "På väg")];
    let res = app.post_form_as(Role::Coordinator, &follow, &form("2026-T1")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(body(app.get_as(Role::Member, &path).await).await.contains("På väg"));
    let res = app.post_form_as(Role::Coordinator, &follow, &form("2026-T9")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let jarva = Code::new("jarva").unwrap();
    let t2 = "2026-T2".parse().unwrap();
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Preparation, "user:1").await.unwrap();
    app.store.approve_tertial(&jarva, t2, ApprovalStage::Steering, "user:1").await.unwrap();
    let res = app.post_form_as(Role::Coordinator, &follow, &form("2026-T2")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(body(res).await.contains("Tertialet är låst"));
    assert_eq!(audited(&app, "agreement.followup").await, 1);
    assert_eq!(audited(&app, "agreement.create").await, 2);
    assert_eq!(audited(&app, "agreement.followup.refused").await, 1);

    // Out of area.
    let (cookie, _) = husby_user(&app, Role::Member).await;
    let res = app.client.get(app.url(&path)).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(Role::Admin, "/governance/agreements/999").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn working_groups_are_created_and_changed_from_the_web() {
    let app = App::start().await;
    let form = [
        ("code", "belysning-tensta"),
        ("name", "Belysning Tensta"),
        ("mandate", "Kartlägga mörka platser"),
        ("end_date", "2027-06-30"),
        ("member_name", "Gatuchef"),
        ("member_partner", "trafikkontoret"),
        ("member_role", "sammankallande"),
        ("member_name", ""),
        ("member_partner", ""),
        ("member_role", ""),
    ];
    assert_eq!(
        app.post_form_as(Role::Steering, "/governance/groups", &form).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get_as(Role::Member, "/governance/groups").await.status(), StatusCode::FORBIDDEN);
    let res = app.post_form_as(Role::Coordinator, "/governance/groups", &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/governance/groups?code=belysning-tensta");
    let edit = body(app.get_as(Role::Coordinator, "/governance/groups?code=belysning-tensta").await).await;
    assert!(
        edit.contains("Kartlägga mörka platser") && edit.contains("2027-06-30") && edit.contains("Gatuchef")
    );
    let org = body(app.get_as(Role::Member, "/organisation").await).await;
    assert!(org.contains("Belysning Tensta") && org.contains("sammankallande"));
    assert_eq!(audited(&app, "group.upsert").await, 1);

    let mut no_end = form.to_vec();
    no_end[3] = ("end_date", "");
    let res = app.post_form_as(Role::Coordinator, "/governance/groups", &no_end).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("ange ett slutdatum"));
    let mut steering = form.to_vec();
    steering[0] = ("code", "styrgrupp-jarva");
    let res = app.post_form_as(Role::Admin, "/governance/groups", &steering).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "the steering group is not changed here");
    assert_eq!(
        app.get_as(Role::Admin, "/governance/groups?code=styrgrupp-jarva").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(audited(&app, "group.upsert").await, 1);
}
