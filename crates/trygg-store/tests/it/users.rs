use trygg_core::{Area, AreaLevel, Code, Email, Name, Role};
use trygg_store::{NewUser, Store, StoreError, now_ms};

fn new_user(email: &str, role: Role, areas: &[&str]) -> NewUser {
    NewUser {
        email: Email::new(email).unwrap(),
        name: Name::new("Test Person").unwrap(),
        role,
        areas: areas.iter().map(|a| Code::new(a).unwrap()).collect(),
        password_hash: "$argon2id$fake".into(),
    }
}

async fn users_are_unique_by_email_and_scoped_to_existing_areas(store: Store) {
    store
        .upsert_area(&Area::new(
            Code::new("stockholm").unwrap(),
            Name::new("Stockholm").unwrap(),
            AreaLevel::City,
        ))
        .await
        .unwrap();
    let u = store.create_user(&new_user("a@trygg.se", Role::Coordinator, &["stockholm"])).await.unwrap();
    assert_eq!(store.user(u.id).await.unwrap().unwrap(), u);
    let (found, hash) = store.user_for_login(&Email::new("A@Trygg.se").unwrap()).await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "$argon2id$fake"));

    let dup = store.create_user(&new_user("a@trygg.se", Role::Admin, &[])).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { what: "user", .. }), "{dup}");
    let bad_area = store.create_user(&new_user("b@trygg.se", Role::Admin, &["atlantis"])).await.unwrap_err();
    assert!(matches!(bad_area, StoreError::NotFound { what: "area", .. }), "{bad_area}");
    assert!(
        store.user_for_login(&Email::new("b@trygg.se").unwrap()).await.unwrap().is_none(),
        "nothing half-written"
    );
    let public = store.create_user(&new_user("c@trygg.se", Role::Public, &[])).await.unwrap_err();
    assert!(matches!(public, StoreError::Invalid(_)));
    assert_eq!(store.users().await.unwrap().len(), 1);
}

async fn sessions_expire_and_end_with_password_change_or_disabling(store: Store) {
    let u = store.create_user(&new_user("s@trygg.se", Role::Member, &[])).await.unwrap();
    let later = now_ms() + 3_600_000;
    store.create_session("live", u.id, "csrf1", later).await.unwrap();
    store.create_session("old", u.id, "csrf2", now_ms() - 1).await.unwrap();
    let s = store.session("live").await.unwrap().unwrap();
    assert_eq!((s.user.id, s.csrf_token.as_str()), (u.id, "csrf1"));
    assert!(store.session("old").await.unwrap().is_none(), "expired");
    assert!(store.session("nope").await.unwrap().is_none());

    store.delete_session("live").await.unwrap();
    assert!(store.session("live").await.unwrap().is_none());

    store.create_session("again", u.id, "c", later).await.unwrap();
    store.set_password(u.id, "$argon2id$new").await.unwrap();
    assert!(store.session("again").await.unwrap().is_none(), "password change ends sessions");

    store.create_session("third", u.id, "c", later).await.unwrap();
    store.set_user_disabled(u.id, true).await.unwrap();
    assert!(store.session("third").await.unwrap().is_none());
    assert!(store.user(u.id).await.unwrap().unwrap().disabled);
    assert!(matches!(store.set_password(999_999, "x").await, Err(StoreError::NotFound { .. })));
    store.prune(0).await.unwrap();
}

async fn login_failures_are_counted_per_key_and_cleared(store: Store) {
    let start = now_ms();
    for _ in 0..3 {
        store.record_login_failure("email:x@trygg.se").await.unwrap();
    }
    store.record_login_failure("ip:127.0.0.1").await.unwrap();
    assert_eq!(store.login_failures_since("email:x@trygg.se", start).await.unwrap(), 3);
    assert_eq!(store.login_failures_since("email:x@trygg.se", now_ms() + 1).await.unwrap(), 0);
    store.clear_login_failures("email:x@trygg.se").await.unwrap();
    assert_eq!(store.login_failures_since("email:x@trygg.se", start).await.unwrap(), 0);
    assert_eq!(store.login_failures_since("ip:127.0.0.1", start).await.unwrap(), 1);
}

trygg_store::test_on_every_backend!(
    users_are_unique_by_email_and_scoped_to_existing_areas,
    sessions_expire_and_end_with_password_change_or_disabling,
    login_failures_are_counted_per_key_and_cleared,
);
