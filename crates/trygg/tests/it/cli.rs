//! The command line: help, init, users, audit, errors, and serving the same
//! answers from SQLite and PostgreSQL.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use trygg_store::testing::TestDb;

fn trygg(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trygg"));
    c.current_dir(dir)
        .args(args)
        .env_remove("TRYGG_DATABASE_URL")
        .env_remove("TRYGG_PASSWORD")
        .env("RUST_LOG", "warn");
    c.stdin(Stdio::null());
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    trygg(dir, args).output().expect("run trygg")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["init", "--help"],
        &["serve", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["user", "list", "--help"],
        &["audit", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let o = run(dir.path(), args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("Usage:"), "{args:?}");
    }
    let o = run(dir.path(), &["frobnicate"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unrecognized subcommand"));
}

#[test]
fn init_is_idempotent_and_users_can_be_added() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let o = run(dir.path(), &["init"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("117 districts"), "{}", text(&o));
    }
    assert!(dir.path().join("trygg.db").exists(), "the default database is ./trygg.db");

    let add = |email: &str, role: &str, password: Option<&str>| {
        let mut c = trygg(dir.path(), &["user", "add", "--email", email, "--role", role, "--area", "jarva"]);
        if let Some(p) = password {
            c.env("TRYGG_PASSWORD", p);
        }
        c.output().unwrap()
    };
    let o = add("samordnare@trygg.se", "coordinator", Some("ett långt lösenord"));
    assert!(o.status.success(), "{}", text(&o));
    let o = add("samordnare@trygg.se", "coordinator", Some("ett långt lösenord"));
    assert!(!o.status.success());
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    let o = add("ny@trygg.se", "sheriff", Some("ett långt lösenord"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("one of admin, coordinator"), "{}", text(&o));
    let o = add("ny@trygg.se", "member", Some("kort"));
    assert!(text(&o).contains("10–256 characters"), "{}", text(&o));
    let o = add("ny@trygg.se", "member", None);
    assert!(!o.status.success(), "no password and no terminal");
    assert!(text(&o).contains("TRYGG_PASSWORD"), "{}", text(&o));

    let o = run(dir.path(), &["user", "list"]);
    assert!(text(&o).contains("samordnare@trygg.se\tcoordinator\tjarva"), "{}", text(&o));
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(o.status.success() && text(&o).contains("audit log intact"), "{}", text(&o));
}

#[test]
fn configuration_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--database", "mysql://localhost/x", "init"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "), "{}", text(&o));
    assert!(text(&o).contains("sqlite://PATH or postgres://"));

    std::fs::write(dir.path().join("trygg.toml"), "databse = \"sqlite://x.db\"\n").unwrap();
    let o = run(dir.path(), &["init"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("trygg.toml") && text(&o).contains("databse"), "{}", text(&o));

    std::fs::write(dir.path().join("trygg.toml"), "database = \"sqlite://from-file.db\"\n").unwrap();
    assert!(run(dir.path(), &["init"]).status.success());
    assert!(dir.path().join("from-file.db").exists(), "the file's database is used");
}

#[tokio::test]
async fn a_database_from_a_newer_trygg_is_refused() {
    let db = TestDb::sqlite().await;
    trygg_store::testing::execute_raw(
        &db.store,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', TRUE, x'00', 0)",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--database", &db.url, "init"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("newer than this trygg knows"), "{}", text(&o));
    db.finish().await;
}

/// A `trygg serve` child process, killed on drop.
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(dir: &Path, database: &str) -> Server {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    let child = trygg(dir, &["--database", database, "serve", "--bind", &bind]).spawn().unwrap();
    let server = Server(child, format!("http://{bind}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{}/healthz", server.1)).await
            && r.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("trygg serve did not answer /healthz within 60 s");
}

async fn answers(base: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for path in ["/api/v1/areas", "/api/v1/areas/jarva", "/api/v1/strategies", "/api/v1/periods/2024"] {
        let res = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert!(res.status().is_success(), "{path}");
        out.push(res.json().await.unwrap());
    }
    out
}

#[tokio::test]
async fn init_then_serve_gives_the_same_answers_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("a.db").display());
    assert!(run(dir.path(), &["--database", &sqlite, "init"]).status.success());
    let expected = answers(&serve(dir.path(), &sqlite).await.1).await;
    assert_eq!(expected[0]["features"].as_array().unwrap().len(), 1 + 3 + 117 + 11);

    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let o = run(dir.path(), &["--database", &pg.url, "init"]);
    assert!(o.status.success(), "{}", text(&o));
    let server = serve(dir.path(), &pg.url).await;
    assert_eq!(answers(&server.1).await, expected, "PostgreSQL and SQLite differ");
    drop(server);
    pg.finish().await;
}

#[test]
fn police_events_and_points_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["init"]).status.success());
    let police = dir.path().join("events.json");
    std::fs::write(
        &police,
        r#"[{"id": 9, "datetime": "2024-05-02 9:05:00 +02:00", "name": "02 maj 08.40, Rån, Stockholm",
            "summary": "Rån vid Rinkeby torg.", "url": "/a/", "type": "Rån",
            "location": {"name": "Stockholm", "gps": "59.329324,18.068581"}}]"#,
    )
    .unwrap();
    let p = police.to_str().unwrap();
    let o = run(dir.path(), &["import", "polisen", "--dry-run", p]);
    assert!(
        o.status.success()
            && text(&o).contains("1 events, 1 in the city, 1 placed")
            && text(&o).contains("dry run"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &["import", "polisen", p]);
    assert!(o.status.success() && text(&o).contains("1 new"), "{}", text(&o));
    let o = run(dir.path(), &["import", "polisen", p]);
    assert!(text(&o).contains("0 new, 0 updated, 1 unchanged"), "{}", text(&o));

    let csv = dir.path().join("points.csv");
    std::fs::write(
        &csv,
        "id,typ,tid,lon,lat\n1,Klotter,2025-05-02 21:10,17.9042,59.3940\n2,Klotter,igår,17.9,59.39\n",
    )
    .unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(
        &mapping,
        "source = \"test\"\ncrs = \"EPSG:4326\"\nx_column = \"lon\"\ny_column = \"lat\"\ntime_column = \"tid\"\ncategory_column = \"typ\"\nid_column = \"id\"\n",
    )
    .unwrap();
    let (c, m) = (csv.to_str().unwrap(), mapping.to_str().unwrap());
    let o = run(dir.path(), &["import", "points", c, "--mapping", m]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("line 3, column tid") && text(&o).contains("nothing was imported"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &["import", "points", c, "--mapping", m, "--skip-invalid"]);
    assert!(o.status.success() && text(&o).contains("1 new"), "{}", text(&o));
    let o = run(dir.path(), &["import", "points", c, "--source", "x"]);
    assert!(!o.status.success() && text(&o).contains("--crs"), "{}", text(&o));
}

#[tokio::test]
async fn a_municipality_loads_its_own_rapid_action_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["init"]).status.success());
    let file = dir.path().join("rapid.toml");
    std::fs::write(
        &file,
        r#"
[[categories]]
code = "snoskottning"
name_sv = "Snöskottning"
name_en = "Snow clearing"
description = "Snö och is på gångvägar."
deadline = "24 hours"
responsible = "city_administration"

[[categories]]
code = "snoskottning-gangvag"
parent = "snoskottning"
name_sv = "Oskottad gångväg"
name_en = "Uncleared footpath"
description = "En gångväg som inte är skottad eller sandad."
deadline = "1 working day"
responsible = "city_administration"

[[partners]]
code = "vinterentreprenor"
name = "Vinterentreprenören"
kind = "other"

[[zones]]
code = "vinter-tensta"
name = "Vinterväghållning Tensta"
partner = "vinterentreprenor"
around = "tensta-centrum"
radius_m = 500
categories = ["snoskottning"]
"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let o = run(dir.path(), &["import", "rapid-action", path, "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 categories, 1 partners, 1 zones"), "{}", text(&o));
    let store = trygg_store::Store::connect(&format!("sqlite://{}", dir.path().join("trygg.db").display()))
        .await
        .unwrap();
    assert!(store.zones().await.unwrap().iter().all(|z| z.code.as_str() != "vinter-tensta"), "dry run wrote");
    let o = run(dir.path(), &["import", "rapid-action", path]);
    assert!(o.status.success(), "{}", text(&o));
    let routing = store.routing().await.unwrap();
    let category = routing.category(&trygg_core::Code::new("snoskottning-gangvag").unwrap()).unwrap();
    let dest = routing.route(category, trygg_core::LatLon::new(59.3940, 17.9042).unwrap()).unwrap();
    assert_eq!(dest.responsible.as_str(), "vinterentreprenor");
    // A zone around a place that does not exist: refused, naming the file and the zone.
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap().replace("tensta-centrum", "atlantis"))
        .unwrap();
    let o = run(dir.path(), &["import", "rapid-action", path]);
    assert!(!o.status.success());
    assert!(text(&o).contains("rapid.toml") && text(&o).contains("zone vinter-tensta"), "{}", text(&o));
}

/// The lines of a backup after its header (which carries the time it was made).
fn body(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_and_across_backends() {
    let dir = tempfile::tempdir().unwrap();
    let a = format!("sqlite://{}", dir.path().join("a.db").display());
    let b = format!("sqlite://{}", dir.path().join("b.db").display());
    assert!(run(dir.path(), &["--database", &a, "init"]).status.success());
    let o = run(dir.path(), &["--database", &a, "backup", "a.backup"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("tables"), "{}", text(&o));
    assert!(!dir.path().join("a.partial").exists(), "the partial file is moved into place");

    let o = run(dir.path(), &["--database", &b, "restore", "a.backup"]);
    assert!(!o.status.success() && text(&o).contains("--yes"), "a restore must be confirmed");
    let o = run(dir.path(), &["--database", &b, "restore", "a.backup", "--yes"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(run(dir.path(), &["--database", &b, "backup", "b.backup"]).status.success());
    let (first, second) = (body(&dir.path().join("a.backup")), body(&dir.path().join("b.backup")));
    // b is a plus the restore's audit entry: every line of a is in b, except the
    // audit tables' headers (their row counts) and the audit head (its new hash).
    let in_b: std::collections::HashSet<&str> = second.lines().collect();
    let mut table = "";
    let missing: Vec<&str> = first
        .lines()
        .filter(|l| {
            if let Some(rest) = l.split("\"table\":\"").nth(1) {
                table = rest.split('"').next().unwrap_or("");
            }
            !in_b.contains(l) && !table.starts_with("audit_")
        })
        .collect();
    assert!(missing.is_empty(), "rows lost in the round trip: {missing:?}");
    assert!(second.lines().count() > first.lines().count() - 3);
    let o = run(dir.path(), &["--database", &b, "audit", "verify"]);
    assert!(o.status.success() && text(&o).contains("intact"), "{}", text(&o));
    let o = run(dir.path(), &["--database", &b, "user", "list"]);
    assert!(o.status.success());

    std::fs::write(
        dir.path().join("cut.backup"),
        &std::fs::read(dir.path().join("a.backup")).unwrap()[..4000],
    )
    .unwrap();
    let o = run(dir.path(), &["--database", &b, "restore", "cut.backup", "--yes"]);
    assert!(!o.status.success() && text(&o).contains("nothing was restored"), "{}", text(&o));

    if let Some(pg) = TestDb::postgres().await {
        let o = run(dir.path(), &["--database", &pg.url, "restore", "a.backup", "--yes"]);
        assert!(o.status.success(), "SQLite's backup restores into PostgreSQL: {}", text(&o));
        let o = run(dir.path(), &["--database", &pg.url, "audit", "verify"]);
        assert!(o.status.success() && text(&o).contains("intact"), "{}", text(&o));
        pg.finish().await;
    }
}
