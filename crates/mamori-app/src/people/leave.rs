//! The leaver checklist (5.11, 6.5, 5.18). Recording a leave date opens a checklist of the
//! person's own — a small table (`person_leaver`, `person_leaver_item`) rather than a row of the
//! register 退職時及び契約終了時のチェックリスト, because its items are per asset and per account,
//! each settled on its own with a reason, which the register's four yes/no fields cannot hold.
//! Its items:
//!
//! - `media:ROW` / `device:ROW`: each medium (媒体管理台帳, not 廃棄済) and device (端末管理台帳)
//!   whose 管理者 names the person (by name or login ID) is to be returned; the 情報資産
//!   リスクアセスメント表 has no custodian (its リスク所有者 owns a risk, not a thing to return);
//! - `account:SYSTEM`: for a person with an e-mail address, one 削除 request of the `account`
//!   type per system the type offers (電子メール, Microsoft 365), opened at once in the actor's
//!   name (its approval and completion follow the request's workflow);
//! - `leaver_pledge`: the 退職時の秘密保持誓約書 — done at once when the register
//!   `leaver_pledges` already has a row naming the person;
//! - `login`: their mamori login disabled — at once when the leave date is today or past and
//!   the actor may disable it (`users::set_disabled`'s rules), else by the daily job on the day
//!   (`leaver_sync::disable_logins`) or by hand.
//!
//! States are stable keys (`open`, `done`, `waived`); a waiver needs a reason; the checklist
//! closes only when every item is done or waived (`mamori_domain::people::closes`).
//! Everything here needs `people.manage`.

use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::people::{self as rules, names};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, LeaverItemRow, LeaverRow, PersonRow};
use serde::Serialize;
use serde_json::{Map, Value};

/// A checklist as the API and the page show it.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    /// Id.
    pub id: String,
    /// The person.
    pub person_id: String,
    /// The leave date.
    pub left_on: String,
    /// `open` or `closed`.
    pub state: String,
    /// The items in order.
    pub items: Vec<Item>,
}

/// One item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable key within the checklist.
    pub key: String,
    /// What is to be done (Japanese, as recorded).
    pub label: String,
    /// `open`, `done` or `waived`.
    pub state: String,
    /// Why it was waived.
    pub reason: String,
    /// The request or register row it refers to.
    pub ref_id: Option<String>,
}

fn checklist(l: LeaverRow, items: Vec<LeaverItemRow>) -> Checklist {
    Checklist {
        id: l.id,
        person_id: l.person_id,
        left_on: l.left_on,
        state: l.state,
        items: items
            .into_iter()
            .map(|i| Item { key: i.key, label: i.label, state: i.state, reason: i.reason, ref_id: i.ref_id })
            .collect(),
    }
}

/// A person's latest checklist, if any.
pub async fn of(db: &Db, actor: &Actor, person_id: &str) -> Result<Option<Checklist>, AppError> {
    actor.require(Permission::PeopleManage)?;
    let mut c = db.conn().await?;
    let Some(l) = rows::leaver_of(&mut c.ex(), &actor.org_id, person_id).await? else { return Ok(None) };
    let items = rows::leaver_items(&mut c.ex(), &actor.org_id, &l.id).await?;
    Ok(Some(checklist(l, items)))
}

/// (key, label, ref) of the things in the person's custody.
async fn custody(db: &Db, org_id: &str, p: &PersonRow) -> Result<Vec<(String, String, String)>, AppError> {
    let mut out = Vec::new();
    let mut c = db.conn().await?;
    for (register, id_field, what) in [("media_ledger", "media_id", "媒体"), ("devices", "device_id", "端末")] {
        for r in rows::register_rows_all(&mut c.ex(), org_id, register, false).await? {
            let Ok(v) = serde_json::from_str::<Map<String, Value>>(&r.values_json) else { continue };
            let custodian = v.get("custodian").and_then(Value::as_str).unwrap_or_default();
            if !names(custodian, &p.name, p.login_id.as_deref())
                || v.get("status").and_then(Value::as_str) == Some("廃棄済")
            {
                continue;
            }
            let number = v.get(id_field).and_then(Value::as_str).unwrap_or_default();
            let key = if register == "media_ledger" { "media" } else { "device" };
            out.push((format!("{key}:{}", r.id), format!("{what}「{number}」の返却"), r.id));
        }
    }
    Ok(out)
}

/// Records `left_on` and opens the checklist (`people.manage`); 409 `conflict` while an
/// earlier checklist of the person is open; `Validation` at `left_on`.
pub async fn leave(
    db: &Db,
    actor: &Actor,
    person_id: &str,
    left_on: &str,
    today: Date,
    now: i64,
) -> Result<Checklist, AppError> {
    let before = super::row(db, actor, person_id).await?;
    let left_on = left_on.trim();
    if !rules::is_date(left_on) {
        let key = if left_on.is_empty() { "field-required" } else { "field-not-date" };
        return Err(AppError::Validation(vec![("left_on".into(), key.into())]));
    }
    if before.joined_on.as_deref().is_some_and(|j| left_on < j) {
        return Err(AppError::Validation(vec![("left_on".into(), "people-left-before-joined".into())]));
    }
    if of(db, actor, person_id).await?.is_some_and(|c| c.state == "open") {
        return Err(AppError::Conflict);
    }
    let mut items: Vec<(String, String, String, Option<String>)> = custody(db, &actor.org_id, &before)
        .await?
        .into_iter()
        .map(|(k, l, r)| (k, l, "open".into(), Some(r)))
        .collect();
    if before.email.contains('@') {
        for (system, key) in [("電子メール", "email"), ("Microsoft 365", "m365")] {
            let mut input = Map::new();
            input.insert("kind".into(), "削除".into());
            input.insert("system".into(), system.into());
            input.insert("person".into(), before.name.clone().into());
            input.insert("on".into(), left_on.into());
            input.insert("reason".into(), "退職・契約終了".into());
            let r = crate::requests::create(db, actor, super::pledge::ACCOUNT_TYPE, &input, today, now).await?;
            let label = format!("アカウント削除の申請 {}（{system}）", crate::requests::number_label(r.number));
            items.push((format!("account:{key}"), label, "open".into(), Some(r.id)));
        }
    }
    let pledged = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, "leaver_pledges", false).await?.iter().any(|r| {
            serde_json::from_str::<Map<String, Value>>(&r.values_json)
                .ok()
                .and_then(|v| {
                    v.get("person").and_then(Value::as_str).map(|s| names(s, &before.name, before.login_id.as_deref()))
                })
                .unwrap_or(false)
        })
    };
    let state = if pledged { "done" } else { "open" };
    items.push(("leaver_pledge".into(), "退職時の秘密保持誓約書の受領".into(), state.into(), None));
    if let Some(login) = &before.login_id {
        let disabled = left_on <= today.to_string().as_str()
            && crate::users::set_disabled(db, actor, login, true, now).await.is_ok();
        let state = if disabled { "done" } else { "open" };
        items.push(("login".into(), format!("mamori のログインの無効化（{left_on}）"), state.into(), None));
    }
    if before.email.contains('@') && has_m365_accounts(db, &actor.org_id).await? {
        let (key, label) = (M365_ITEM, M365_LABEL);
        items.push((key.into(), label.into(), "open".into(), None));
    }
    let after = PersonRow { left_on: Some(left_on.to_string()), updated_at: now, ..before.clone() };
    let closed = rules::closes(items.iter().map(|i| i.2.as_str()));
    let l = LeaverRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        person_id: person_id.to_string(),
        left_on: left_on.to_string(),
        state: if closed { "closed" } else { "open" }.into(),
        created_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: now,
        closed_at: closed.then_some(now),
    };
    let rows_: Vec<LeaverItemRow> = items
        .into_iter()
        .enumerate()
        .map(|(n, (key, label, state, ref_id))| LeaverItemRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            leaver_id: l.id.clone(),
            seq: i64::try_from(n).unwrap_or(i64::MAX),
            key,
            label,
            state,
            reason: String::new(),
            ref_id,
            updated_by: None,
            updated_at: now,
        })
        .collect();
    let mut tx = db.begin().await?;
    rows::update_person(&mut tx.ex(), &after).await?;
    rows::insert_leaver(&mut tx.ex(), &l).await?;
    for i in &rows_ {
        rows::insert_leaver_item(&mut tx.ex(), i).await?;
    }
    crate::audit::updated(&mut tx, actor, "person", person_id, &before, &after, now).await?;
    crate::audit::created(
        &mut tx,
        actor,
        "person_leaver",
        &l.id,
        &serde_json::json!({"person": before.name, "left_on": l.left_on, "items": rows_.len()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(checklist(l, rows_))
}

/// Marks an item of the person's open checklist `done` or `waived` (a reason required);
/// the checklist closes when every item is settled. 409 when no checklist is open.
pub async fn settle(
    db: &Db,
    actor: &Actor,
    person_id: &str,
    key: &str,
    state: &str,
    reason: &str,
    now: i64,
) -> Result<Checklist, AppError> {
    actor.require(Permission::PeopleManage)?;
    let mut p = Vec::new();
    if state != "done" && state != "waived" {
        crate::checks::problem(&mut p, "state", "field-not-a-choice");
    }
    let reason = crate::checks::text(&mut p, "reason", reason, crate::checks::MAX_TEXT, state == "waived");
    crate::checks::done(p)?;
    let mut tx = db.begin().await?;
    let l = rows::leaver_of(&mut tx.ex(), &actor.org_id, person_id).await?.ok_or(AppError::NotFound)?;
    if l.state != "open" {
        return Err(AppError::Conflict);
    }
    let mut items = rows::leaver_items(&mut tx.ex(), &actor.org_id, &l.id).await?;
    let i = items.iter_mut().find(|i| i.key == key).ok_or(AppError::NotFound)?;
    let before = i.clone();
    i.state = state.to_string();
    i.reason = if state == "waived" { reason } else { String::new() };
    i.updated_by = actor.user_id.clone().or_else(|| Some(actor.label.clone()));
    i.updated_at = now;
    rows::set_leaver_item(&mut tx.ex(), i).await?;
    let after = i.clone();
    let closed = rules::closes(items.iter().map(|i| i.state.as_str()));
    let l = if closed {
        rows::set_leaver_state(&mut tx.ex(), &actor.org_id, &l.id, "closed", Some(now)).await?;
        LeaverRow { state: "closed".into(), closed_at: Some(now), ..l }
    } else {
        l
    };
    let show = |i: &LeaverItemRow| serde_json::json!({"item": i.label, "state": i.state, "reason": i.reason});
    crate::audit::updated(&mut tx, actor, "person_leaver", &l.id, &show(&before), &show(&after), now).await?;
    tx.commit().await?;
    Ok(checklist(l, items))
}

/// The checklist item confirming the Microsoft 365 account is disabled (settled by
/// `leaver_sync::confirm_m365`).
pub const M365_ITEM: &str = "m365_account";
/// Its label as recorded.
pub const M365_LABEL: &str = "Microsoft 365 アカウントの無効化の確認";

/// Whether the organisation has Microsoft 365 accounts on record (an admin center export).
pub async fn has_m365_accounts(db: &Db, org_id: &str) -> Result<bool, AppError> {
    let mut c = db.conn().await?;
    Ok(!rows::m365_accounts(&mut c.ex(), org_id).await?.is_empty())
}
