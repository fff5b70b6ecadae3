use trygg_store::testing::execute_raw;
use trygg_store::{AuditVerification, Store};

async fn the_chain_verifies_and_entries_cannot_be_changed(store: Store) {
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { entries: 0 });
    let first = store.audit("cli", "user.create", "user:1", "role=admin").await.unwrap();
    let second = store.audit("user:1", "login", "user:1", "").await.unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(second.prev_hash, first.hash);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { entries: 2 });
    assert_eq!(store.audit_entries(10).await.unwrap(), vec![second, first]);

    assert!(execute_raw(&store, "UPDATE audit_log SET actor = 'x' WHERE seq = 1").await.is_err());
    assert!(execute_raw(&store, "DELETE FROM audit_log WHERE seq = 1").await.is_err());
}

async fn tampering_is_detected(store: Store) {
    for i in 0..3 {
        store.audit("cli", "test", &format!("r:{i}"), "").await.unwrap();
    }
    // Reach past the append-only guard, as someone with database access could.
    for sql in [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    ] {
        let _ = execute_raw(&store, sql).await;
    }
    execute_raw(&store, "UPDATE audit_log SET record = 'r:forged' WHERE seq = 2").await.unwrap();
    match store.verify_audit().await.unwrap() {
        AuditVerification::Broken { seq, reason } => {
            assert_eq!(seq, 2);
            assert!(reason.contains("hash"), "{reason}");
        }
        ok => panic!("tampering not detected: {ok:?}"),
    }
}

async fn concurrent_appends_keep_one_chain(store: Store) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.audit("system", "test", &format!("r:{i}"), "").await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { entries: 16 });
}

trygg_store::test_on_every_backend!(
    the_chain_verifies_and_entries_cannot_be_changed,
    tampering_is_detected,
    concurrent_appends_keep_one_chain
);
