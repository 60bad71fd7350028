//! The demo's business continuity (5.29, 5.30, 8.13, 8.14): the seed regulation's plan — its
//! risks, the 対策本部 of 経営責任者 and 情報セキュリティ管理者, the contact tree, the recovery
//! procedures A)–C) and the fallback channels — entered as data and approved jointly by both
//! roles; and three past drills and tests: the 安否確認 drill (a problem found, its corrective
//! action opened), a restore test from the backup HDD within its target, and a tethering test
//! over its target.

use crate::context::app_err;
use anyhow::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::Actor;
use mamori_app::continuity::{self, drills};
use mamori_domain::bcp;
use serde_json::{Map, Value, json};

/// Adds the plan and the drills. The plan is entered by the setup (`cli`), so both managers
/// may approve it (neither wrote it).
pub async fn add(
    db: &mamori_store::Db,
    org_id: &str,
    admin: &Actor,
    kanri: &Actor,
    today: Date,
    now: i64,
) -> Result<()> {
    let boss = mamori_app::users::people(db, admin).await.map_err(app_err)?;
    let name =
        |a: &Actor| boss.iter().find(|p| Some(&p.id) == a.user_id.as_ref()).map(|p| p.name.clone()).unwrap_or_default();
    let (head, member) = (name(admin), name(kanri));
    let mut plan = bcp::starter_for(|role| match role {
        "top_management" => vec![head.clone()],
        "security_manager" => vec![member.clone()],
        _ => Vec::new(),
    });
    if let [h, m, ..] = plan.headquarters.as_mut_slice() {
        h.deputy = member.clone();
        h.contact = "社用携帯（緊急連絡網に記載）".into();
        m.deputy = head.clone();
        m.contact = "社用携帯（緊急連絡網に記載）".into();
    }
    let setup = Actor::cli(org_id);
    continuity::save(db, &setup, &plan, "制定", now).await.map_err(app_err)?;
    continuity::approve(db, admin, now).await.map_err(app_err)?;
    continuity::approve(db, kanri, now).await.map_err(app_err)?;

    let day = |n: i64| today.checked_sub(n.days()).map(|d| d.to_string());
    let rows: [(Value, bool); 3] = [
        (
            json!({"subject": "安否確認訓練（全員）", "tested_on": day(30)?, "kind": "安否確認訓練",
                   "target_minutes": 120, "actual_minutes": 135, "result": "問題あり",
                   "problems": "内部監査員から 2 時間以内に回答がなかった。再送後に回答できない理由を確認すること。",
                   "participants": "全従業員", "performed_by": member}),
            true,
        ),
        (
            json!({"subject": "USB バックアップからの復元テスト", "tested_on": day(20)?, "kind": "バックアップからの復元テスト",
                   "medium": "HDD-01", "target_minutes": 120, "actual_minutes": 95, "result": "問題なし",
                   "participants": head, "performed_by": head}),
            false,
        ),
        (
            json!({"subject": "執務室ルーターの代替（テザリング）の稼働試験", "tested_on": day(40)?, "kind": "代替回線（テザリング）の試験",
                   "target_minutes": 30, "actual_minutes": 45, "result": "問題あり",
                   "problems": "テザリングの接続手順書が古く、設定に時間がかかった。",
                   "participants": member, "performed_by": member}),
            false,
        ),
    ];
    for (v, raise) in rows {
        let input: Map<String, Value> = v.as_object().cloned().unwrap_or_default();
        let row =
            mamori_app::registers::create(db, kanri, drills::REGISTER, &input, None, now).await.map_err(app_err)?;
        if raise {
            let owner = kanri.user_id.clone().unwrap_or_default();
            drills::raise_corrective(db, admin, &row.id, &owner, today.checked_add(30.days())?, now)
                .await
                .map_err(app_err)?;
        }
    }
    Ok(())
}
