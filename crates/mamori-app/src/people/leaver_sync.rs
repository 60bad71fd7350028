//! What the system settles on a leaver's checklist by itself (5.11, 5.18, 6.5), as the
//! system (audit rows by `system`):
//!
//! - [`disable_logins`] (the daily job, once per organisation per day): the mamori login linked
//!   to every person whose leave date has come (`left_on` ≤ today) is disabled — a person whose
//!   login is to work again needs their leave date cleared or moved first —, and the open
//!   checklist's `login` item is marked done with the day ([`LeaverMarkRow::done_on`]);
//! - [`confirm_m365`] (after each Microsoft 365 import): the item [`M365_ITEM`] (a checklist
//!   gets it when the person has an e-mail address and the organisation has Microsoft 365
//!   accounts on record) is done when the person's account (UPN = e-mail address) is disabled
//!   or absent in the admin center export, and flagged when it can still sign in after the
//!   leave date (`m365_enabled`) or signed in after it (`m365_signed_in`, the day as the sign-in
//!   evidence knows it). A flagged item stays open; the flag shows on the checklist and on the
//!   directory ([`flagged`]).

use crate::people::leave;
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, LeaverMarkRow};
use serde::Serialize;
use std::collections::BTreeMap;

pub use super::leave::{M365_ITEM, M365_LABEL, has_m365_accounts};

/// The system as an actor (every permission; audit rows by `system`).
fn system(org_id: &str) -> Actor {
    Actor { label: "system".into(), ..Actor::cli(org_id) }
}

fn mark_row(
    org_id: &str,
    leaver_id: &str,
    key: &str,
    done_on: Option<String>,
    flag: &str,
    detail: &str,
    now: i64,
) -> LeaverMarkRow {
    LeaverMarkRow {
        org_id: org_id.to_string(),
        leaver_id: leaver_id.to_string(),
        key: key.to_string(),
        done_on,
        flag: flag.to_string(),
        detail: detail.to_string(),
        updated_at: now,
    }
}

/// Records what was found about an item (as the system, audited); false when nothing changed.
async fn mark(db: &Db, after: LeaverMarkRow) -> Result<bool, AppError> {
    let (org_id, leaver_id) = (after.org_id.clone(), after.leaver_id.clone());
    let mut tx = db.begin().await?;
    let before = rows::leaver_marks(&mut tx.ex(), &org_id, &leaver_id).await?.into_iter().find(|m| m.key == after.key);
    if before.as_ref().is_some_and(|b| b.done_on == after.done_on && b.flag == after.flag && b.detail == after.detail) {
        return Ok(false);
    }
    rows::upsert_leaver_mark(&mut tx.ex(), &after).await?;
    let show = |m: &LeaverMarkRow| serde_json::json!({"item": m.key, "done_on": m.done_on, "flag": m.flag, "detail": m.detail});
    let (actor, now) = (system(&org_id), after.updated_at);
    match &before {
        Some(b) => {
            crate::audit::updated(&mut tx, &actor, "person_leaver_mark", &leaver_id, &show(b), &show(&after), now)
                .await?
        }
        None => crate::audit::created(&mut tx, &actor, "person_leaver_mark", &leaver_id, &show(&after), now).await?,
    }
    tx.commit().await?;
    Ok(true)
}

/// The daily job's part: disables the login of every person whose leave date has come and
/// marks their open checklist's `login` item done on `today`. Returns how many logins were
/// disabled.
pub async fn disable_logins(db: &Db, org_id: &str, today: Date, now: i64) -> Result<usize, AppError> {
    let actor = system(org_id);
    let (people, users) = {
        let mut c = db.conn().await?;
        (rows::people(&mut c.ex(), org_id).await?, rows::list_users(&mut c.ex(), org_id).await?)
    };
    let today_s = today.to_string();
    let mut n = 0;
    for p in people.iter().filter(|p| p.left_on.as_deref().is_some_and(|d| d <= today_s.as_str())) {
        let Some(login) = &p.login_id else { continue };
        let Some(u) = users.iter().find(|u| &u.login_key == login) else { continue };
        if u.disabled == 0 {
            crate::users::set_disabled(db, &actor, login, true, now).await?;
            n += 1;
        }
        let Some(c) = leave::of(db, &actor, &p.id).await? else { continue };
        if c.state == "open" && c.items.iter().any(|i| i.key == "login" && i.state == "open") {
            mark(db, mark_row(org_id, &c.id, "login", Some(today_s.clone()), "", "", now)).await?;
            leave::settle(db, &actor, &p.id, "login", "done", "", now).await?;
        }
    }
    Ok(n)
}

/// What [`confirm_m365`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct M365Outcome {
    /// Items marked done.
    pub confirmed: usize,
    /// Items flagged.
    pub flagged: usize,
}

/// The reconciliation's part, after an import of Microsoft 365 accounts or sign-ins: settles
/// or flags the [`M365_ITEM`] of every open checklist (nothing without accounts on record).
pub async fn confirm_m365(db: &Db, org_id: &str, today: Date, now: i64) -> Result<M365Outcome, AppError> {
    let actor = system(org_id);
    let mut out = M365Outcome::default();
    let (accounts, last, open) = {
        let mut c = db.conn().await?;
        let accounts = rows::m365_accounts(&mut c.ex(), org_id).await?;
        let last: BTreeMap<String, String> = rows::m365_last_sign_in(&mut c.ex(), org_id)
            .await?
            .into_iter()
            .map(|(u, d)| (u.to_lowercase(), d))
            .collect();
        (accounts, last, rows::open_leavers(&mut c.ex(), org_id).await?)
    };
    if accounts.is_empty() {
        return Ok(out);
    }
    let today_s = today.to_string();
    for l in open {
        let (items, person) = {
            let mut c = db.conn().await?;
            (
                rows::leaver_items(&mut c.ex(), org_id, &l.id).await?,
                rows::person(&mut c.ex(), org_id, &l.person_id).await?,
            )
        };
        let Some(person) = person else { continue };
        if !items.iter().any(|i| i.key == M365_ITEM && i.state == "open") {
            continue;
        }
        let email = person.email.trim().to_lowercase();
        if email.is_empty() {
            continue;
        }
        let account = accounts.iter().find(|a| a.upn.to_lowercase() == email);
        let enabled = account.is_some_and(|a| a.blocked == 0 && a.deleted.is_empty());
        let signed = last.get(&email).filter(|d| d.get(..10).is_some_and(|d| d > l.left_on.as_str()));
        let (done, flag, detail) = match signed {
            Some(d) => (false, "m365_signed_in", d.clone()),
            None if enabled && today_s.as_str() > l.left_on.as_str() => (false, "m365_enabled", String::new()),
            None if !enabled => (true, "", String::new()),
            None => (false, "", String::new()),
        };
        let row = mark_row(org_id, &l.id, M365_ITEM, done.then(|| today_s.clone()), flag, &detail, now);
        let changed = mark(db, row).await?;
        if done {
            leave::settle(db, &actor, &l.person_id, M365_ITEM, "done", "", now).await?;
            out.confirmed += 1;
        } else if !flag.is_empty() && changed {
            out.flagged += 1;
        }
    }
    Ok(out)
}

/// A checklist's marks by item key (`people.manage`).
pub async fn marks(db: &Db, actor: &Actor, leaver_id: &str) -> Result<Vec<LeaverMarkRow>, AppError> {
    actor.require(Permission::PeopleManage)?;
    let mut c = db.conn().await?;
    Ok(rows::leaver_marks(&mut c.ex(), &actor.org_id, leaver_id).await?)
}

/// A flagged item of an open checklist, for the directory's notice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Flagged {
    /// The person.
    pub person_id: String,
    /// Their name.
    pub name: String,
    /// Their leave date.
    pub left_on: String,
    /// `m365_enabled` or `m365_signed_in`.
    pub flag: String,
    /// The sign-in day, when signed in.
    pub detail: String,
}

/// The flagged items of open checklists (`people.manage`; empty for others).
pub async fn flagged(db: &Db, actor: &Actor) -> Result<Vec<Flagged>, AppError> {
    if !actor.grants.has(Permission::PeopleManage) {
        return Ok(Vec::new());
    }
    let mut c = db.conn().await?;
    let marks = rows::flagged_leaver_marks(&mut c.ex(), &actor.org_id).await?;
    if marks.is_empty() {
        return Ok(Vec::new());
    }
    let open = rows::open_leavers(&mut c.ex(), &actor.org_id).await?;
    let people = rows::people(&mut c.ex(), &actor.org_id).await?;
    // Only items still open: a settled item's flag is history.
    let mut open_items = std::collections::BTreeSet::new();
    for l in open.iter().filter(|l| marks.iter().any(|m| m.leaver_id == l.id)) {
        for i in rows::leaver_items(&mut c.ex(), &actor.org_id, &l.id).await? {
            if i.state == "open" {
                open_items.insert((l.id.clone(), i.key));
            }
        }
    }
    Ok(marks
        .into_iter()
        .filter(|m| open_items.contains(&(m.leaver_id.clone(), m.key.clone())))
        .filter_map(|m| {
            let l = open.iter().find(|l| l.id == m.leaver_id)?;
            let p = people.iter().find(|p| p.id == l.person_id)?;
            Some(Flagged {
                person_id: p.id.clone(),
                name: p.name.clone(),
                left_on: l.left_on.clone(),
                flag: m.flag,
                detail: m.detail,
            })
        })
        .collect())
}
