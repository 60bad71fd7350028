//! The demo's staff directory (#17): the two pledges drafted from the starter texts and
//! approved by 経営責任者, and people in each state — signed in mamori (管理 次郎, 監査 花子),
//! the administrator still to sign (their わたしのISMS shows it), a joiner screened but not yet
//! pledged (an account issue for them is refused), a contractor without a login, and a
//! leaver whose checklist is open.

use crate::context::app_err;
use anyhow::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::people::{self, PersonInput, leave};
use mamori_app::{Actor, documents, onboarding, pledges};
use mamori_domain::pledge::Kind;
use mamori_store::Db;

fn person(name: &str, kind: &str, department: &str, joined: Date, login: &str, email: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        email: email.into(),
        kind: kind.into(),
        department: department.into(),
        joined_on: joined.to_string(),
        login_id: login.into(),
        ..PersonInput::default()
    }
}

/// Adds the directory; `admin` is 経営責任者, `kanri` and `kansa` the other members signed in.
pub async fn add(db: &Db, admin: &Actor, kanri: &Actor, kansa: &Actor, today: Date, now: i64) -> Result<()> {
    for kind in Kind::ALL {
        let id = pledges::prepare(db, kanri, kind, now).await.map_err(app_err)?;
        documents::approve(db, admin, &id, now).await.map_err(app_err)?;
    }
    let ago = |n: i64| today.checked_sub(n.days()).map_err(anyhow::Error::from);
    let boss =
        people::create(db, admin, &person("管理者", "officer", "経営", ago(3650)?, "admin", "admin@example.jp"), now)
            .await
            .map_err(app_err)?;
    let mut k = person("管理 次郎", "employee", "情報システム部", ago(1200)?, "kanri", "kanri@example.jp");
    k.manager_id = boss.id.clone();
    people::create(db, admin, &k, now).await.map_err(app_err)?;
    let mut a = person("監査 花子", "employee", "総務部", ago(900)?, "kansa", "kansa@example.jp");
    a.manager_id = boss.id.clone();
    people::create(db, admin, &a, now).await.map_err(app_err)?;
    pledges::sign(db, kanri, Kind::Joiner, "管理 次郎", true, now).await.map_err(app_err)?;
    pledges::sign(db, kansa, Kind::Joiner, "監査 花子", true, now).await.map_err(app_err)?;

    // A joiner of last week: screened, the pledge still to sign.
    let mut j = person("営業 一郎", "employee", "営業部", ago(7)?, "", "eigyo@example.jp");
    j.manager_id = boss.id.clone();
    let joiner = people::create(db, admin, &j, now).await.map_err(app_err)?;
    let screening = onboarding::ScreeningInput {
        checked_on: ago(20)?.to_string(),
        checks: "履歴書・職務経歴書、資格証明書（基本情報技術者）の確認".into(),
        result: "問題なし".into(),
        checked_by: "管理 次郎".into(),
        notes: String::new(),
    };
    onboarding::record_screening(db, admin, &joiner.id, &screening, today, now).await.map_err(app_err)?;
    // A contractor of a 委託先, without a login.
    let c = person("派遣 さくら", "contractor", "情報システム部", ago(60)?, "", "");
    people::create(db, admin, &c, now).await.map_err(app_err)?;
    // A leaver at the end of next month: the checklist is open.
    let l = person("退職 予定子", "part_time", "総務部", ago(700)?, "", "taishoku@example.jp");
    let leaver = people::create(db, admin, &l, now).await.map_err(app_err)?;
    let left_on = today.checked_add(30.days())?.to_string();
    leave::leave(db, admin, &leaver.id, &left_on, today, now).await.map_err(app_err)?;
    Ok(())
}
