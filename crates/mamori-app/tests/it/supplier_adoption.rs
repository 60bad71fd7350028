//! A cloud service adopted through its request (5.23) on both engines: approving a 導入 request
//! writes the supplier with its requirements and recurring checks (the request records it); a
//! second service of the same provider extends that supplier; a 利用終了 request writes no
//! supplier; a provider whose use has ended is refused at its field when asked for again.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::{Actor, AppError, org, requests, suppliers};
use mamori_domain::supplier::catalogue;
use mamori_store::Db;
use serde_json::{Map, Value, json};

fn adoption(kind: &str, provider: &str, service: &str) -> Map<String, Value> {
    json!({"kind": kind, "service": service, "provider": provider,
           "security": "ISMAP 登録済み、データは国内リージョン", "data": "顧客との共有ファイル（社外秘）"})
    .as_object()
    .unwrap()
    .clone()
}

async fn a_cloud_service_adopted_through_its_request(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "keiei", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "emp", "employee").await;
    let (keiei, kanri, emp) = (actor_of(&db, "keiei").await, actor_of(&db, "kanri").await, actor_of(&db, "emp").await);
    let today = date(2026, 2, 2);

    let r = requests::create(&db, &emp, "cloud_service", &adoption("導入", "Box Japan", "Box Business"), today, T0)
        .await
        .unwrap();
    assert!(suppliers::list(&db, &kanri, today).await.unwrap().is_empty(), "nothing before the decision");
    let done = requests::transition(&db, &keiei, &r.id, "approve", "", vec![], today, T0 + 1).await.unwrap();
    let listed = suppliers::list(&db, &kanri, today).await.unwrap();
    assert_eq!(listed.len(), 1);
    let s = &listed[0];
    assert_eq!(done.record_ref.as_deref(), Some(format!("suppliers/{}", s.id).as_str()));
    assert_eq!((s.name(), s.kind.as_str()), ("Box Japan", "cloud_service"));
    assert_eq!(s.values["services"], "Box Business");
    assert_eq!(s.values["status"], "利用中");
    assert_eq!(s.values["contract_start"], "2026-02-02");
    assert_eq!(s.requirements.len(), catalogue().requirements.len());
    assert!(s.requirements.iter().all(|x| x.state == "unconfirmed"));
    let kinds = catalogue().kind("cloud_service").unwrap().duties.len();
    assert_eq!(s.duties.len(), kinds, "the kind's recurring checks come with it");
    assert!(s.duties.iter().all(|d| d.active != 0 && d.title.contains("Box Japan")));

    // Another service of the same provider extends the supplier; the same one again changes nothing.
    let r2 = requests::create(&db, &emp, "cloud_service", &adoption("導入", "box japan", "Box Sign"), today, T0 + 2)
        .await
        .unwrap();
    let done2 = requests::transition(&db, &keiei, &r2.id, "approve", "", vec![], today, T0 + 3).await.unwrap();
    assert_eq!(done2.record_ref, done.record_ref);
    let r3 = requests::create(&db, &emp, "cloud_service", &adoption("導入", "Box Japan", "Box Sign"), today, T0 + 4)
        .await
        .unwrap();
    requests::transition(&db, &keiei, &r3.id, "approve", "", vec![], today, T0 + 5).await.unwrap();
    let listed = suppliers::list(&db, &kanri, today).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].values["services"], "Box Business、Box Sign");
    assert_eq!(listed[0].duties.len(), kinds, "no second set of checks");

    // A termination request writes no supplier.
    let end = requests::create(
        &db,
        &emp,
        "cloud_service",
        &adoption("利用終了", "Dropbox", "Dropbox Business"),
        today,
        T0 + 6,
    )
    .await
    .unwrap();
    let ended = requests::transition(&db, &keiei, &end.id, "approve", "", vec![], today, T0 + 7).await.unwrap();
    assert_eq!(ended.record_ref, None);
    assert_eq!(suppliers::list(&db, &kanri, today).await.unwrap().len(), 1);

    // Once its use has ended, the provider is refused at the provider field.
    suppliers::end(&db, &kanri, &s.id, "全データをダウンロード後に削除", "管理者アカウントを削除", today, T0 + 8)
        .await
        .unwrap();
    match requests::create(&db, &emp, "cloud_service", &adoption("導入", "Box Japan", "Box Drive"), today, T0 + 9).await
    {
        Err(AppError::Validation(p)) => {
            assert_eq!(p, vec![("provider".to_string(), "field-supplier-ended".to_string())])
        }
        other => panic!("{other:?}"),
    }
}
on_both_engines!(a_cloud_service_adopted_through_its_request);
