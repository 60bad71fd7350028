//! Requests and approvals on both engines: every request type's state machine, separation of
//! duties, register rows written on approval and completion, the emergency change path and its
//! deadline, attachments, overdue returns.

use crate::on_both_engines;
use jiff::civil::date;
use mamori_app::requests::{self, Scope};
use mamori_app::{Actor, AppError, org, registers};
use mamori_store::{Db, exec, rows};
use serde_json::{Map, Value, json};

use crate::support::{T0, actor_of, add_user};

struct People {
    cli: Actor,
    emp: Actor,
    kanri: Actor,
    boss: Actor,
    sys: Actor,
}

async fn setup(db: &Db) -> People {
    let o = org::create(db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in
        [("emp", "employee"), ("kanri", "security_manager"), ("boss", "top_management"), ("sys", "system_admin")]
    {
        add_user(db, &cli, login, role).await;
    }
    let mut media = Map::new();
    media.insert("media_id".into(), "USB-01".into());
    media.insert("kind".into(), "USB メモリ".into());
    registers::create(db, &cli, "media_ledger", &media, None, T0).await.unwrap();
    People {
        emp: actor_of(db, "emp").await,
        kanri: actor_of(db, "kanri").await,
        boss: actor_of(db, "boss").await,
        sys: actor_of(db, "sys").await,
        cli,
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

async fn media_takeout_with_separation_of_duties(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    let fields = obj(
        json!({"media": "USB-01", "purpose": "顧客先での説明", "destination": "A 社", "taken_on": "2026-11-25", "due_on": "2026-11-27"}),
    );
    // An unknown medium is refused before anything is stored.
    let bad = obj(json!({"media": "USB-99", "purpose": "x", "taken_on": "2026-11-25", "due_on": "2026-11-27"}));
    assert!(matches!(requests::create(&db, &p.emp, "media_takeout", &bad, today, T0).await, Err(AppError::Rows(_))));
    let missing = obj(json!({"media": "USB-01"}));
    match requests::create(&db, &p.emp, "media_takeout", &missing, today, T0).await {
        Err(AppError::Rows(r)) => assert_eq!(r.len(), 3, "purpose, taken_on, due_on: {r:?}"),
        other => panic!("{other:?}"),
    }
    let r = requests::create(&db, &p.emp, "media_takeout", &fields, today, T0).await.unwrap();
    assert_eq!(r.state, "submitted");
    // The requester may not approve; a colleague without the role may not either.
    let own = requests::transition(&db, &p.emp, &r.id, "approve", "", vec![], today, T0 + 1).await;
    assert!(matches!(own, Err(AppError::SeparationOfDuties)));
    let sys = requests::transition(&db, &p.sys, &r.id, "approve", "", vec![], today, T0 + 1).await;
    assert!(matches!(sys, Err(AppError::Forbidden)), "システム管理者 is not the approver of 7.10");
    let waiting = requests::list(&db, &p.kanri, Scope::Waiting, today).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].actions, ["approve", "reject", "return"]);
    assert!(requests::list(&db, &p.emp, Scope::Waiting, today).await.unwrap().is_empty());
    // Return for changes needs a comment; then the requester resubmits.
    assert!(matches!(
        requests::transition(&db, &p.kanri, &r.id, "return", " ", vec![], today, T0 + 2).await,
        Err(AppError::Validation(_))
    ));
    requests::transition(&db, &p.kanri, &r.id, "return", "持出先の住所を追記してください", vec![], today, T0 + 2)
        .await
        .unwrap();
    requests::transition(&db, &p.emp, &r.id, "resubmit", "", vec![], today, T0 + 3).await.unwrap();
    let approved =
        requests::transition(&db, &p.kanri, &r.id, "approve", "承認します", vec![], today, T0 + 4).await.unwrap();
    assert_eq!(approved.state, "approved");
    let (key, row_id) = approved.record_ref.as_deref().unwrap().split_once('/').unwrap();
    assert_eq!(key, "media_takeout");
    let row = registers::get(&db, &p.cli, key, row_id).await.unwrap();
    assert_eq!(row.values["taken_by"], "emp");
    assert_eq!(row.values["approved_by"], "kanri");
    assert_eq!(row.values["due_on"], "2026-11-27");
    assert_eq!(row.values["returned_on"], Value::Null);
    // Past its return date, the approved request is overdue.
    let late = requests::get(&db, &p.emp, &r.id, date(2026, 11, 28)).await.unwrap().0;
    assert!(late.overdue);
    // The return closes it: not by the requester, by the approver's side.
    assert!(matches!(
        requests::transition(&db, &p.emp, &r.id, "complete", "", vec![], today, T0 + 5).await,
        Err(AppError::SeparationOfDuties)
    ));
    let done = requests::transition(&db, &p.boss, &r.id, "complete", "返却を確認", vec![], date(2026, 11, 27), T0 + 6)
        .await
        .unwrap();
    assert_eq!(done.state, "completed");
    let row = registers::get(&db, &p.cli, key, row_id).await.unwrap();
    assert_eq!(row.values["returned_on"], "2026-11-27");
    assert_eq!(row.values["checked_by"], "boss");
    let (v, timeline) = requests::get(&db, &p.emp, &r.id, date(2026, 11, 28)).await.unwrap();
    assert!(!v.overdue);
    let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["submit", "return", "resubmit", "approve", "complete"]);
    assert_eq!(timeline[1].comment, "持出先の住所を追記してください");
    // Nothing leaves a final state.
    assert!(matches!(
        requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0 + 7).await,
        Err(AppError::Conflict)
    ));
    // Others' requests are not visible to an employee.
    let other = requests::create(
        &db,
        &p.kanri,
        "software_install",
        &obj(json!({"name": "7-Zip", "license": "OSS", "target": "PC-07", "purpose": "圧縮"})),
        today,
        T0,
    )
    .await
    .unwrap();
    assert!(matches!(requests::get(&db, &p.emp, &other.id, today).await, Err(AppError::Forbidden)));
    // Notices: the submission went to the approvers, the decisions to the requester, never
    // to the actor; queueing again adds nothing.
    struct Keys;
    impl mamori_app::reminders::MailText for Keys {
        fn text(&self, key: &str, args: &[(&str, String)]) -> String {
            let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{key} {}", a.join(" "))
        }
    }
    let cfg = mamori_app::reminders::SmtpConfig {
        host: "127.0.0.1".into(),
        port: 25,
        security: mamori_app::reminders::Security::None,
        username: None,
        password: None,
        from: "isms@example.jp".into(),
        base_url: Some("https://isms.example.jp".into()),
        days_before: 7,
    };
    let now = T0 + 10;
    mamori_app::reminders::queue(&db, &cfg, &Keys, today, now).await.unwrap();
    let outbox = mamori_app::reminders::outbox(&db, &p.cli, 100).await.unwrap();
    let notices: Vec<(String, String)> = outbox
        .iter()
        .filter(|m| m.kind == "request" && m.body.contains(&format!("/requests/{}", r.id)))
        .map(|m| {
            (
                m.recipient.clone(),
                m.subject.split(" action=").nth(1).unwrap_or("").split(' ').next().unwrap_or("").to_string(),
            )
        })
        .collect();
    let to = |who: &str| notices.iter().filter(|(r, _)| r == who).map(|(_, a)| a.as_str()).collect::<Vec<_>>();
    assert!(to("kanri@example.jp").contains(&"req-action-submit"), "{notices:?}");
    assert!(to("boss@example.jp").contains(&"req-action-submit"));
    assert!(
        to("emp@example.jp").contains(&"req-action-approve") && to("emp@example.jp").contains(&"req-action-complete")
    );
    assert!(!to("emp@example.jp").contains(&"req-action-submit"), "not to the actor");
    assert_eq!(mamori_app::reminders::queue(&db, &cfg, &Keys, today, now + 1).await.unwrap(), 0);
    assert!(mamori_app::audit::verify_org(&db, &p.cli.org_id).await.unwrap().is_ok());
}

async fn change_requests_and_the_emergency_path(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    let f = obj(
        json!({"category": "その他の変更", "system": "社内ファイルサーバー", "description": "OS の更新", "plan": "夜間に適用、失敗時はスナップショットへ戻す"}),
    );
    let r = requests::create(&db, &p.emp, "change_request", &f, today, T0).await.unwrap();
    requests::transition(&db, &p.sys, &r.id, "plan", "手順確認済み", vec![], today, T0 + 1).await.unwrap();
    // The planner may not approve their own plan (the type requires a fresh approver), and
    // the lists do not offer it either.
    let planner_view = requests::get(&db, &p.sys, &r.id, today).await.unwrap().0;
    assert!(!planner_view.actions.contains(&"approve".to_string()), "{:?}", planner_view.actions);
    assert!(
        requests::list(&db, &p.boss, Scope::Waiting, today)
            .await
            .unwrap()
            .iter()
            .any(|w| w.request.id == r.id && w.actions.contains(&"approve".to_string()))
    );
    assert!(matches!(
        requests::transition(&db, &p.sys, &r.id, "approve", "", vec![], today, T0 + 2).await,
        Err(AppError::SeparationOfDuties)
    ));
    requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0 + 2).await.unwrap();
    requests::transition(&db, &p.sys, &r.id, "implement", "", vec![], today, T0 + 3).await.unwrap();
    let done = requests::transition(&db, &p.boss, &r.id, "complete", "問題なし", vec![], today, T0 + 4).await.unwrap();
    let (key, id) = done.record_ref.as_deref().unwrap().split_once('/').unwrap();
    assert_eq!(key, "change_log");
    let row = registers::get(&db, &p.cli, key, id).await.unwrap();
    assert_eq!(row.values["change_no"], requests::number_label(r.number).as_str());
    assert_eq!(row.values["approved_by"], "boss");
    assert_eq!(row.values["reviewed_by"], "boss");

    // Emergency: implemented while the approver is absent; approval is due within 5 days.
    let e = requests::create(&db, &p.emp, "change_request", &f, today, T0).await.unwrap();
    assert!(
        matches!(
            requests::transition(&db, &p.sys, &e.id, "emergency", "", vec![], today, T0 + 1).await,
            Err(AppError::Validation(_))
        ),
        "an emergency needs its reason"
    );
    let em =
        requests::transition(&db, &p.sys, &e.id, "emergency", "ランサムウェア対策の緊急パッチ", vec![], today, T0 + 1)
            .await
            .unwrap();
    assert_eq!(em.state, "emergency_implemented");
    assert_eq!(em.deadline.as_deref(), Some("2026-11-30"));
    assert!(!requests::get(&db, &p.boss, &e.id, date(2026, 11, 30)).await.unwrap().0.overdue);
    assert!(
        requests::get(&db, &p.boss, &e.id, date(2026, 12, 1)).await.unwrap().0.overdue,
        "approval after the deadline is overdue"
    );
    let waiting = requests::list(&db, &p.boss, Scope::Waiting, today).await.unwrap();
    assert!(waiting.iter().any(|w| w.request.id == e.id && w.actions.contains(&"approve".to_string())));
    let after = requests::transition(&db, &p.boss, &e.id, "approve", "事後承認", vec![], date(2026, 11, 27), T0 + 2)
        .await
        .unwrap();
    assert_eq!((after.state.as_str(), after.deadline.as_deref()), ("implemented", None));
}

async fn every_type_runs_its_state_machine(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    let types = requests::types(&db, &p.emp).await.unwrap();
    assert_eq!(types.len(), 19);
    let cert = {
        let store = mamori_app::evidence::EvidenceStore {
            dir: std::env::temp_dir().join(format!("mamori-req-{}", mamori_app::new_id())),
            max_bytes: 1 << 20,
        };
        mamori_app::evidence::store_bytes(&store, &db, &p.kanri, "消去証明書.pdf", b"%PDF-1.4 erased", T0)
            .await
            .unwrap()
            .sha256
    };
    let by_role = |roles: &[String]| -> Actor {
        let r = roles.first().map(String::as_str).unwrap_or("");
        match r {
            "security_manager" => p.kanri.clone(),
            "system_admin" => p.sys.clone(),
            _ => p.boss.clone(),
        }
    };
    // Requests about a supplier name one, which only the supplier register's readers may.
    let dev = json!({"name": "開発委託株式会社", "kind": "outsourced_development", "services": "受託開発", "criticality": "中"});
    mamori_app::suppliers::create(&db, &p.kanri, dev.as_object().unwrap().clone(), today, T0).await.unwrap();
    let report = mamori_app::evidence::store_bytes(
        &mamori_app::evidence::EvidenceStore {
            dir: std::env::temp_dir().join(format!("mamori-req-{}", mamori_app::new_id())),
            max_bytes: 1 << 20,
        },
        &db,
        &p.boss,
        "受入テスト報告書.pdf",
        b"%PDF-1.4 tested",
        T0,
    )
    .await
    .unwrap()
    .sha256;
    // An account is issued only to someone whose 秘密保持誓約書 is recorded (the pledge gate).
    let pledge = json!({"person": "kanri", "version": "第1版", "signed_on": "2026-04-01"});
    mamori_app::registers::create(&db, &p.kanri, "employee_pledges", pledge.as_object().unwrap(), None, T0)
        .await
        .unwrap();
    for t in &types {
        let about_supplier = t.fields.iter().any(|f| f.reference.as_deref() == Some("suppliers"));
        let requester = if about_supplier { &p.kanri } else { &p.emp };
        let mut f = Map::new();
        for field in &t.fields {
            let v: Value = match serde_json::to_value(field.ty).unwrap().as_str().unwrap() {
                // Today: a return written on completion is not before a take-out date.
                "date" => "2026-11-25".into(),
                "datetime" => "2026-11-25T10:00".into(),
                "boolean" => true.into(),
                "choice" => field.choices[0].clone().into(),
                "person" => "kanri".into(),
                _ if field.key == "media" => "USB-01".into(),
                "reference" => "開発委託株式会社".into(),
                _ => format!("{} の値", field.label).into(),
            };
            f.insert(field.key.clone(), v);
        }
        let r = requests::create(&db, requester, &t.key, &f, today, T0)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.key));
        let mut state = r.state.clone();
        let path: &[&str] = match t.workflow.as_str() {
            "change" => &["plan", "approve", "implement", "complete"],
            "approval_only" | "approval_with_record" => &["approve"],
            _ => &["approve", "complete"],
        };
        for action in path {
            let who = match *action {
                "plan" | "implement" => by_role(&t.implementer_roles),
                "complete" if !t.completer_roles.is_empty() => by_role(&t.completer_roles),
                _ => by_role(&t.approver_roles),
            };
            let files = if t.key == "disposal" && *action == "complete" {
                assert!(
                    matches!(
                        requests::transition(&db, &who, &r.id, action, "", vec![], today, T0).await,
                        Err(AppError::Validation(_))
                    ),
                    "disposal needs the erasure certificate"
                );
                vec![cert.clone()]
            } else if t.workflow == "approval_with_record" {
                assert!(
                    matches!(
                        requests::transition(&db, &who, &r.id, action, "", vec![], today, T0).await,
                        Err(AppError::Validation(_))
                    ),
                    "{} needs its record attached",
                    t.key
                );
                vec![report.clone()]
            } else {
                vec![]
            };
            let next = requests::transition(&db, &who, &r.id, action, "", files, today, T0)
                .await
                .unwrap_or_else(|e| panic!("{} {action}: {e:?}", t.key));
            assert_ne!(next.state, state);
            state = next.state;
        }
        assert!(["approved", "completed"].contains(&state.as_str()), "{}: {state}", t.key);
        if let Some(link) = &t.register {
            let r = requests::get(&db, &p.boss, &r.id, today).await.unwrap().0.request;
            assert!(r.record_ref.as_deref().unwrap().starts_with(&format!("{}/", link.register)), "{}", t.key);
        }
        // Rejection and withdrawal end a request.
        let r2 = requests::create(&db, requester, &t.key, &f, today, T0).await.unwrap();
        let rej = requests::transition(&db, &by_role(&t.approver_roles), &r2.id, "reject", "不要", vec![], today, T0)
            .await
            .unwrap();
        assert_eq!(rej.state, "rejected");
        let r3 = requests::create(&db, requester, &t.key, &f, today, T0).await.unwrap();
        assert_eq!(
            requests::transition(&db, requester, &r3.id, "withdraw", "", vec![], today, T0).await.unwrap().state,
            "withdrawn"
        );
    }
    // Roles are the organisation's to change: the software installation approver becomes 経営責任者.
    requests::set_roles(&db, &p.cli, "software_install", vec!["top_management".into()], vec![], T0).await.unwrap();
    let t = requests::types(&db, &p.emp).await.unwrap().into_iter().find(|t| t.key == "software_install").unwrap();
    assert_eq!(t.approver_roles, ["top_management"]);
    assert!(matches!(
        requests::set_roles(&db, &p.emp, "software_install", vec!["employee".into()], vec![], T0).await,
        Err(AppError::Forbidden)
    ));
}

/// 8.32 (2): changes of the kinds the regulation lists need 経営責任者; any other change
/// either approver role. A request stored before the category existed counts as その他.
async fn change_requests_route_by_category(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    let types = requests::types(&db, &p.emp).await.unwrap();
    let cr = types.iter().find(|t| t.key == "change_request").unwrap();
    let category = cr.fields.iter().find(|f| f.key == "category").unwrap();
    assert!(category.required && category.choices.contains(&"外部ネットワークとの接続".to_string()));
    let base = json!({"system": "UTM", "description": "VPN 接続先の追加"});
    let missing = requests::create(&db, &p.emp, "change_request", &obj(base.clone()), today, T0).await;
    assert!(
        matches!(&missing, Err(AppError::Rows(_)) | Err(AppError::Validation(_))),
        "the category is required: {missing:?}"
    );
    let with = |c: &str| {
        let mut f = obj(base.clone());
        f.insert("category".into(), c.into());
        f
    };
    // 経営責任者-only: a system administrator's approval is refused and not offered.
    let r =
        requests::create(&db, &p.emp, "change_request", &with("外部ネットワークとの接続"), today, T0).await.unwrap();
    requests::transition(&db, &p.kanri, &r.id, "plan", "", vec![], today, T0 + 1).await.unwrap_err();
    requests::transition(&db, &p.sys, &r.id, "plan", "", vec![], today, T0 + 1).await.unwrap();
    add_user(&db, &p.cli, "sys2", "system_admin").await;
    let sys2 = actor_of(&db, "sys2").await;
    assert!(!requests::get(&db, &sys2, &r.id, today).await.unwrap().0.actions.contains(&"approve".to_string()));
    assert!(matches!(
        requests::transition(&db, &sys2, &r.id, "approve", "", vec![], today, T0 + 2).await,
        Err(AppError::Forbidden)
    ));
    let ok = requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0 + 2).await.unwrap();
    assert_eq!(ok.state, "approved");
    // その他: a system administrator other than the planner approves.
    let o = requests::create(&db, &p.emp, "change_request", &with("その他の変更"), today, T0).await.unwrap();
    requests::transition(&db, &p.sys, &o.id, "plan", "", vec![], today, T0 + 1).await.unwrap();
    assert_eq!(
        requests::transition(&db, &sys2, &o.id, "approve", "", vec![], today, T0 + 2).await.unwrap().state,
        "approved"
    );
    // A change request stored before the field existed (no category) keeps working as その他.
    let old = requests::create(&db, &p.emp, "change_request", &with("その他の変更"), today, T0).await.unwrap();
    {
        let mut c = db.conn().await.unwrap();
        exec!(
            &mut c.ex(),
            "UPDATE request SET fields_json = $1 WHERE org_id = $2 AND id = $3",
            base.to_string(),
            &p.cli.org_id,
            &old.id
        )
        .unwrap();
    }
    requests::transition(&db, &p.sys, &old.id, "plan", "", vec![], today, T0 + 1).await.unwrap();
    assert_eq!(
        requests::transition(&db, &sys2, &old.id, "approve", "", vec![], today, T0 + 2).await.unwrap().state,
        "approved"
    );
}

/// An organisation created before the new types and the category rule gets them on first
/// use, keeping the roles it chose.
async fn an_older_organisation_gets_the_new_types(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    // As stored before: 15 types, the change request without its category and rule, and a
    // completer role the organisation chose.
    {
        let mut c = db.conn().await.unwrap();
        for k in ["evidence_for_court", "office_entry", "subcontracting", "audit_scope"] {
            exec!(&mut c.ex(), "DELETE FROM request_type WHERE org_id = $1 AND key = $2", &p.cli.org_id, k).unwrap();
        }
        let row = rows::request_types(&mut c.ex(), &p.cli.org_id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.key == "change_request")
            .unwrap();
        let mut def: Value = serde_json::from_str(&row.def_json).unwrap();
        let o = def.as_object_mut().unwrap();
        o.remove("approver_roles_when");
        o.remove("revision");
        o.insert("completer_roles".into(), json!(["security_manager"]));
        let fields = o["fields"].as_array_mut().unwrap();
        fields.retain(|f| f["key"] != "category");
        exec!(
            &mut c.ex(),
            "UPDATE request_type SET def_json = $1 WHERE org_id = $2 AND key = 'change_request'",
            def.to_string(),
            &p.cli.org_id
        )
        .unwrap();
        assert_eq!(rows::request_types(&mut c.ex(), &p.cli.org_id).await.unwrap().len(), 15);
    }
    let types = requests::types(&db, &p.emp).await.unwrap();
    assert_eq!(types.len(), 19);
    for (k, role) in [
        ("evidence_for_court", "top_management"),
        ("office_entry", "top_management"),
        ("subcontracting", "top_management"),
        ("audit_scope", "top_management"),
    ] {
        let t = types.iter().find(|t| t.key == k).unwrap_or_else(|| panic!("{k}"));
        assert_eq!(t.approver_roles, [role]);
    }
    let cr = types.iter().find(|t| t.key == "change_request").unwrap();
    assert!(cr.fields.iter().any(|f| f.key == "category"));
    assert_eq!(cr.approver_roles_when.len(), 1);
    assert_eq!(cr.completer_roles, ["security_manager"], "the organisation's choice is kept");
    // A fresh organisation has them too, and 5.28 (4) runs: 経営責任者 permits.
    let f = obj(
        json!({"case": "令和8年(ワ)第1号", "evidence": "監査ログ", "recipient": "地方裁判所", "purpose": "証拠提出"}),
    );
    let r = requests::create(&db, &p.emp, "evidence_for_court", &f, today, T0).await.unwrap();
    assert!(matches!(
        requests::transition(&db, &p.kanri, &r.id, "approve", "", vec![], today, T0).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        requests::transition(&db, &p.boss, &r.id, "approve", "", vec![], today, T0).await.unwrap().state,
        "approved"
    );
}

/// 状態 of a medium in 媒体管理台帳.
async fn medium_status(db: &Db, p: &People, media_id: &str) -> Value {
    let id = registers::records::row_named(db, &p.cli.org_id, "media_ledger", media_id).await.unwrap().unwrap();
    registers::get(db, &p.cli, "media_ledger", &id).await.unwrap().values["status"].clone()
}

/// The take-out's medium is picked from 媒体管理台帳, reads 持出中 once approved and 保管中 after
/// the return (the type's data-driven marks); a return date before the take-out date is refused
/// on the form and on 「完了にする」, leaving the medium out.
async fn media_takeout_marks_its_medium(db: Db) {
    let p = setup(&db).await;
    let today = date(2026, 11, 25);
    let t = requests::types(&db, &p.emp).await.unwrap().into_iter().find(|t| t.key == "media_takeout").unwrap();
    let options = requests::reference_options(&db, &p.emp, &t).await.unwrap();
    assert_eq!(options["media"], [("USB-01".to_string(), "USB-01 USB メモリ".to_string())]);
    let early = obj(json!({"media": "USB-01", "purpose": "説明", "taken_on": "2026-11-25", "due_on": "2026-11-24"}));
    match requests::create(&db, &p.emp, "media_takeout", &early, today, T0).await {
        Err(AppError::Rows(r)) => {
            let got: Vec<(&str, &str)> = r.iter().map(|x| (x.field.as_str(), x.message.as_str())).collect();
            assert_eq!(got, [("due_on", "field-date-before-start")]);
        }
        other => panic!("{other:?}"),
    }
    let fields = obj(json!({"media": "USB-01", "purpose": "説明", "taken_on": "2026-11-26", "due_on": "2026-11-30"}));
    let r = requests::create(&db, &p.emp, "media_takeout", &fields, today, T0).await.unwrap();
    assert_eq!(medium_status(&db, &p, "USB-01").await, "保管中");
    requests::transition(&db, &p.kanri, &r.id, "approve", "", vec![], today, T0 + 1).await.unwrap();
    assert_eq!(medium_status(&db, &p, "USB-01").await, "持出中");
    // Returned "today", before the take-out date: refused, nothing changes.
    match requests::transition(&db, &p.boss, &r.id, "complete", "", vec![], today, T0 + 2).await {
        Err(AppError::Rows(r)) => assert_eq!(r[0].field, "returned_on"),
        other => panic!("{other:?}"),
    }
    assert_eq!(requests::get(&db, &p.emp, &r.id, today).await.unwrap().0.request.state, "approved");
    assert_eq!(medium_status(&db, &p, "USB-01").await, "持出中");
    let done =
        requests::transition(&db, &p.boss, &r.id, "complete", "", vec![], date(2026, 11, 28), T0 + 3).await.unwrap();
    assert_eq!(done.state, "completed");
    assert_eq!(medium_status(&db, &p, "USB-01").await, "保管中");
    // Each mark is a change of the ledger row in its history and the audit trail.
    let id = registers::records::row_named(&db, &p.cli.org_id, "media_ledger", "USB-01").await.unwrap().unwrap();
    assert_eq!(registers::history(&db, &p.cli, "media_ledger", &id).await.unwrap().len(), 3);
    assert!(mamori_app::audit::verify_org(&db, &p.cli.org_id).await.unwrap().is_ok());
}

on_both_engines!(
    media_takeout_marks_its_medium,
    media_takeout_with_separation_of_duties,
    change_requests_and_the_emergency_path,
    every_type_runs_its_state_machine,
    change_requests_route_by_category,
    an_older_organisation_gets_the_new_types
);
