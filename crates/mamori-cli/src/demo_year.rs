//! The demo's ISMS year: its people (a security manager and an internal auditor besides the
//! administrator), one completed internal audit (planned two weeks ago by the administrator,
//! conducted by the independent auditor, a minor nonconformity with its corrective action and
//! an opportunity for improvement, reported and approved) and one management review held a
//! week ago with its inputs gathered, outputs recorded and minutes approved; and the outsourced
//! development of `demo_development` (its supplier, plan, a late report, a re-subcontracting).

use crate::context::app_err;
use anyhow::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::internal_audits::{self as ia, NewAudit};
use mamori_app::management_reviews::{self as mr, Action, Outputs};
use mamori_app::{Actor, session, users};
use mamori_domain::internal_audit::Grade;
use mamori_domain::permission::{ROLE_INTERNAL_AUDITOR, ROLE_SECURITY_MANAGER};
use mamori_store::Db;

/// The demo's people besides the administrator: (login ID, name, role).
const PEOPLE: [(&str, &str, &str); 2] =
    [("kanri", "管理 次郎", ROLE_SECURITY_MANAGER), ("kansa", "監査 花子", ROLE_INTERNAL_AUDITOR)];

/// Acts as `login` (signed in with the password just set, as the person would).
pub(crate) async fn actor_of(db: &Db, org_slug: &str, login: &str, password: &str, now: i64) -> Result<Actor> {
    let req = session::LoginRequest {
        organization: Some(org_slug.into()),
        login_id: login.into(),
        password: password.into(),
        totp: None,
    };
    let s = session::login(db, req, now).await.map_err(app_err)?;
    let info = session::lookup(db, &s.token, now).await.map_err(app_err)?;
    info.map(|i| i.actor).ok_or_else(|| anyhow::anyhow!("the demo session of {login} was not found"))
}

/// Adds the demo's ISMS year; `admin` is the administrator (経営責任者). Returns the security
/// manager (管理 次郎) and the internal auditor (監査 花子) signed in.
pub async fn add(
    db: &Db,
    org_slug: &str,
    org_id: &str,
    admin: &Actor,
    today: Date,
    now: i64,
) -> Result<(Actor, Actor)> {
    let mut ids = Vec::new();
    for (login, name, role) in PEOPLE {
        let password = mamori_app::random::initial_password().map_err(app_err)?;
        let u = users::NewUser {
            login_id: login.into(),
            display_name: name.into(),
            email: format!("{login}@example.jp"),
            password: password.clone(),
            roles: vec![role.into()],
        };
        let created = users::create(db, &Actor::cli(org_id), u, now).await.map_err(app_err)?;
        ids.push((created.id.clone(), password));
    }
    let auditor = actor_of(db, org_slug, "kansa", &ids[1].1, now).await?;
    let kanri = actor_of(db, org_slug, "kanri", &ids[0].1, now).await?;
    crate::demo_development::add(db, admin, &kanri, today, now).await?;
    let days = |n: i64| today.checked_sub(n.days()).map_err(anyhow::Error::from);

    let plan = NewAudit {
        title: "2026年度 第1回 内部監査（情報資産の管理）".into(),
        scope: vec!["5.9".into(), "5.10".into()],
        auditors: vec!["kansa".into()],
        planned_on: days(14)?,
    };
    let audit = ia::plan(db, admin, plan, now).await.map_err(app_err)?;
    let due = today.checked_add(45.days())?;
    ia::add_finding(
        db,
        &auditor,
        &audit.id,
        "5.9",
        Grade::MinorNc,
        "情報資産目録の年次見直しの記録が確認できない。",
        due,
        now,
    )
    .await
    .map_err(app_err)?;
    ia::add_finding(
        db,
        &auditor,
        &audit.id,
        "5.10",
        Grade::Opportunity,
        "利用の許容範囲を新入社員教育の資料にも載せるとよい。",
        due,
        now,
    )
    .await
    .map_err(app_err)?;
    ia::report(
        db,
        &auditor,
        &audit.id,
        "監査範囲の管理策は概ね規程どおり運用されている。情報資産目録の見直しに軽微な不適合が 1 件ある。",
        now,
    )
    .await
    .map_err(app_err)?;
    ia::approve(db, admin, &audit.id, now).await.map_err(app_err)?;

    let review = mr::create(db, admin, days(7)?, now).await.map_err(app_err)?;
    let outputs = Outputs {
        decisions: vec!["情報セキュリティ基本方針は現行のまま継続する。".into()],
        actions: vec![Action {
            text: "情報資産目録の見直し手順を情報セキュリティ運用ルールに追記する。".into(),
            owner_id: ids[0].0.clone(),
            due: today.checked_add(90.days())?.to_string(),
        }],
    };
    mr::record_outputs(db, admin, &review.id, outputs, now).await.map_err(app_err)?;
    mr::approve(db, admin, &review.id, now).await.map_err(app_err)?;
    Ok((kanri, auditor))
}

/// The seed regulation's own suppliers (its draft notes for 5.21, 5.23 and 8.22 wait for them).
pub async fn add_suppliers(db: &Db, admin: &Actor, today: Date, now: i64) -> Result<()> {
    for (name, kind, services, criticality) in [
        ("Microsoft", "cloud_service", "Microsoft 365 Business（メール、OneDrive、Teams）", "高"),
        ("さくらインターネット", "mail_hosting", "メール、ウェブサイトのホスティング", "中"),
        ("プラチナ光", "network_line", "事務所のインターネット回線", "中"),
        ("ALSOK", "security_alarm", "事務所の機械警備", "低"),
    ] {
        let v = serde_json::json!({"name": name, "kind": kind, "services": services, "criticality": criticality});
        let input = v.as_object().cloned().unwrap_or_default();
        mamori_app::suppliers::create(db, admin, input, today, now).await.map_err(app_err)?;
    }
    Ok(())
}

/// One past 安否確認 drill (5.29), thirty days before `today`: sent to everyone (nothing
/// mailed: it is a record of the past), answered by all but the internal auditor, re-sent to
/// her once, and closed two hours later — which records it in 事業継続計画実施記録.
pub async fn add_safety_drill(db: &Db, admin: &Actor, today: Date, now: i64) -> Result<()> {
    use mamori_app::safety_checks::{self as sc, Mailing, answer};
    let text = mamori_web::i18n::Tr { lang: mamori_web::i18n::Lang::Ja };
    let m = Mailing { text: &text, base_url: None, queue: false };
    let day = today.checked_sub(30.days())?;
    let at = now - 30 * 86_400_000;
    let title = format!("{} 年度 安否確認訓練", mamori_domain::schedule::fiscal_year(day, 4));
    let sent = sc::send(db, admin, &m, &title, true, at).await.map_err(app_err)?;
    let people = users::list(db, admin).await.map_err(app_err)?;
    let login_of = |id: &str| people.iter().find(|u| u.id == id).map(|u| u.login_id.clone()).unwrap_or_default();
    for (user_id, token) in &sent.unmailed {
        let (status, can_work, comment) = match login_of(user_id).as_str() {
            "admin" => ("safe", "yes", ""),
            "kanri" => ("minor_injury", "yes", "避難時に軽い打撲。業務に支障なし"),
            _ => continue,
        };
        answer::answer(db, token, status, can_work, comment, at + 15 * 60_000).await.map_err(app_err)?;
    }
    sc::resend(db, admin, &m, &sent.check.id, at + 60 * 60_000).await.map_err(app_err)?;
    sc::close(db, admin, &sent.check.id, day, at + 2 * 60 * 60_000).await.map_err(app_err)?;
    Ok(())
}
