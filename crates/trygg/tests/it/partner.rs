//! `trygg partner`: keys are printed once, work, are audited and can be revoked.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use trygg_core::Code;
use trygg_store::Store;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trygg"))
        .current_dir(dir)
        .args(args)
        .env_remove("TRYGG_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run trygg")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn partner_keys_are_printed_once_work_are_audited_and_can_be_revoked() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["init"]).status.success());
    let o = run(dir.path(), &["partner", "key", "svenska-bostader", "--label", "FixMyStreet"]);
    assert!(o.status.success(), "{}", text(&o));
    let key = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    assert_eq!(key.len(), 48, "{key}");
    let o = run(dir.path(), &["partner", "key", "ingen-sadan", "--label", "x"]);
    assert!(!o.status.success());
    let o = run(dir.path(), &["partner", "email", "svenska-bostader", "felanmalan@svenskabostader.se"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(dir.path(), &["partner", "email", "svenska-bostader", "inte en adress"]);
    assert!(!o.status.success());

    let url = format!("sqlite://{}", dir.path().join("trygg.db").display());
    let store = Store::connect(&url).await.unwrap();
    let partner = Code::new("svenska-bostader").unwrap();
    assert_eq!(store.partner_for_key(&key).await.unwrap(), Some(partner.clone()));
    assert_eq!(
        store.partner_email(&partner).await.unwrap().as_deref(),
        Some("felanmalan@svenskabostader.se")
    );
    let actions: Vec<String> = store.audit_entries(10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"partner_key.create".to_owned()), "{actions:?}");
    assert!(!actions.iter().any(|a| a.contains(&key)), "the key itself is never logged");

    let o = run(dir.path(), &["partner", "revoke", "svenska-bostader", "--label", "FixMyStreet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(store.partner_for_key(&key).await.unwrap(), None);
    let o = run(dir.path(), &["partner", "revoke", "svenska-bostader", "--label", "FixMyStreet"]);
    assert!(!o.status.success(), "nothing left to revoke");
}
