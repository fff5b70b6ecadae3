//! Published reports: versions count up per report, the document comes back
//! byte for byte, publishing is audited, and a tampered document is refused.

use trygg_core::{Area, AreaLevel, Code, Name};
use trygg_store::{NewSnapshot, Store};

async fn jarva(store: &Store) {
    let area = Area::new(Code::new("jarva").unwrap(), Name::new("Järva").unwrap(), AreaLevel::DistrictArea);
    store.upsert_area(&area).await.unwrap();
}

async fn versions_are_kept_exactly_and_audited(store: Store) {
    jarva(&store).await;
    let jarva = Code::new("jarva").unwrap();
    let new = |document: &'static str, lang: &'static str| NewSnapshot {
        kind: "situation",
        area: &jarva,
        period: "2025",
        lang,
        title: "Lägesbild Järva 2025",
        document,
    };
    let doc = r#"{"title":"Lägesbild Järva 2025","text":"å ä ö — \"citat\""}"#;
    let first = store.publish_snapshot("user:1", &new(doc, "sv")).await.unwrap();
    let second = store.publish_snapshot("user:1", &new("{}", "sv")).await.unwrap();
    let english = store.publish_snapshot("user:1", &new("{}", "en")).await.unwrap();
    assert_eq!((first.version, second.version, english.version), (1, 2, 1));
    let back = store.snapshot(first.id).await.unwrap().unwrap();
    assert_eq!(back.document, doc);
    assert_eq!(back.info, first);
    let listed = store.snapshots(Some(&jarva)).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [english.id, second.id, first.id]);
    assert!(store.snapshots(Some(&Code::new("tensta").unwrap())).await.unwrap().is_empty());
    assert!(store.snapshot(first.id + 100).await.unwrap().is_none());
    let audit = store.audit_entries(10).await.unwrap();
    let published: Vec<_> = audit.iter().filter(|e| e.action == "report.publish").collect();
    assert_eq!(published.len(), 3);
    assert!(published.iter().any(|e| e.record == format!("report_snapshot:{}", first.id)));
}

async fn an_unknown_area_is_refused(store: Store) {
    jarva(&store).await;
    let atlantis = Code::new("atlantis").unwrap();
    let new = NewSnapshot {
        kind: "situation",
        area: &atlantis,
        period: "2025",
        lang: "sv",
        title: "x",
        document: "{}",
    };
    assert!(store.publish_snapshot("user:1", &new).await.is_err());
    assert!(store.snapshots(None).await.unwrap().is_empty());
}

trygg_store::test_on_every_backend!(versions_are_kept_exactly_and_audited, an_unknown_area_is_refused);
