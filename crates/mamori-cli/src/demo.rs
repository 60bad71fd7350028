//! `mamori demo`: on first run a demo organisation, its administrator (the printed login
//! line), the seed regulation, its duties, a few media and an ISMS year (people, a completed
//! internal audit, a management review: `demo_year`); then it serves like `serve`.

use crate::context::{Ctx, app_err};
use anyhow::Result;
use mamori_app::{Actor, now_ms, org, users};
use mamori_domain::permission::{ROLE_SYSTEM_ADMIN, ROLE_TOP_MANAGEMENT};
use mamori_store::Db;

/// The default data directory of `demo`.
const DEMO_DIR: &str = "./mamori-demo";

/// `mamori demo [--port N] [--bind ADDR]`.
pub async fn run(ctx: &Ctx, port: Option<u16>, bind: Option<String>) -> Result<i32> {
    let db = ctx.open_db(DEMO_DIR).await?;
    if let Some(pw) = demo_setup(&db).await? {
        println!("login: {DEMO_ADMIN} password: {pw}");
    }
    let key = ctx.audit_key_path(DEMO_DIR);
    crate::serve::serve(db, &ctx.settings, bind, port, &ctx.dir_for(DEMO_DIR).join("evidence"), key).await?;
    Ok(0)
}

/// The customer's regulation shipped as example data; `demo` imports it.
const SEED_REGULATION: &str = include_str!("../../../examples/seed-regulation.txt");

/// The demo organisation's slug and administrator login.
const DEMO_ORG: &str = "demo";
const DEMO_ADMIN: &str = "admin";

/// Creates the demo data when the database has no organisation yet; returns the administrator's
/// initial password then, `None` otherwise.
async fn demo_setup(db: &Db) -> Result<Option<String>> {
    let existing = {
        let mut c = db.conn().await?;
        mamori_store::rows::list_orgs(&mut c.ex()).await?
    };
    if !existing.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    let o = org::create(db, DEMO_ORG, "デモ株式会社", now).await.map_err(app_err)?;
    let password = mamori_app::random::initial_password().map_err(app_err)?;
    let admin = users::create(
        db,
        &Actor::cli(&o.id),
        users::NewUser {
            login_id: DEMO_ADMIN.into(),
            display_name: "管理者".into(),
            email: "admin@example.jp".into(),
            password: password.clone(),
            roles: vec![ROLE_TOP_MANAGEMENT.into(), ROLE_SYSTEM_ADMIN.into()],
        },
        now,
    )
    .await
    .map_err(app_err)?;
    mamori_app::regulation::import_text(db, &Actor::cli(&o.id), "seed-regulation.txt", SEED_REGULATION, now)
        .await
        .map_err(app_err)?;
    let today = mamori_app::tokyo_date(now_ms());
    mamori_app::duties::offer_from_regulation(db, &Actor::cli(&o.id), today, now).await.map_err(app_err)?;
    // The demo company has reviewed the offered duties: they run from today (nothing is
    // backdated, so a fresh demo has nothing overdue).
    mamori_app::duties::confirm(db, &Actor::cli(&o.id), &[], today, today, now).await.map_err(app_err)?;
    // A few media in 媒体管理台帳, so a take-out request can be tried at once.
    for (id, kind, description) in [
        ("USB-01", "USB メモリ", "営業資料用"),
        ("HDD-01", "外付け HDD", "バックアップ用"),
        ("PC-01", "ノート PC", "貸出用"),
    ] {
        let mut v = serde_json::Map::new();
        v.insert("media_id".into(), id.into());
        v.insert("kind".into(), kind.into());
        v.insert("description".into(), description.into());
        mamori_app::registers::create(db, &Actor::cli(&o.id), "media_ledger", &v, None, now).await.map_err(app_err)?;
    }
    // One completed internal audit and one management review (issue 18).
    let admin = crate::demo_year::actor_of(db, DEMO_ORG, &admin.login_id, &password, now).await?;
    let (kanri, kansa) = crate::demo_year::add(db, DEMO_ORG, &o.id, &admin, today, now).await?;
    // The regulation's suppliers (issue 19).
    crate::demo_year::add_suppliers(db, &admin, today, now).await?;
    // One past 安否確認 drill, closed and recorded (5.29).
    crate::demo_year::add_safety_drill(db, &admin, today, now).await?;
    // The seed's business-continuity plan, approved jointly, with its drills and tests.
    crate::demo_continuity::add(db, &o.id, &admin, &kanri, today, now).await?;
    // The staff directory with pledges signed and to sign, a joiner and a leaver (issue 17).
    crate::demo_people::add(db, &admin, &kanri, &kansa, today, now).await?;
    // The starter course and this year's plan for whoever is in the staff directory (6.3).
    crate::demo_training::add(db, &admin, today, now).await?;
    Ok(Some(password))
}
