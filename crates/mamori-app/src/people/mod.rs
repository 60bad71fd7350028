//! The staff directory (people and awareness, 6.1–6.6, 5.11, 5.16): everyone in scope, with or
//! without a mamori login — employees, officers, part-timers, contractors and 委託先 staff.
//!
//! Need-to-know: every member of the organisation reads names, kinds, departments, managers
//! and whether someone is active (like `users::people`, for choosing and naming colleagues);
//! e-mail addresses, joined/left dates, the linked login and the leaver checklist, and every
//! change, need `people.manage` (経営責任者, 情報セキュリティ管理者, システム管理者). A member
//! without it gets the same records with those fields left out (`None`), never a refusal.
//!
//! A person is linked to a mamori login by its login ID (normalised like a login; it must name
//! a user of the organisation and is unique per organisation when set). [`pledge`] holds the
//! gate of the account request (no account before the 秘密保持誓約書), [`leave`] the leaver
//! checklist. What falls to the logged-in person is `crate::me`.

pub mod import;
pub mod leave;
pub mod leaver_sync;
pub mod links;
pub mod pledge;

use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::password::normalise_login;
use mamori_domain::people as rules;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, PersonRow};
use serde::{Deserialize, Serialize};

/// What a form or the API gives for a person (every field a string; empty is none).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct PersonInput {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Kind key.
    pub kind: String,
    /// Department.
    pub department: String,
    /// Joined (YYYY-MM-DD).
    pub joined_on: String,
    /// Left (YYYY-MM-DD).
    pub left_on: String,
    /// Login ID of their mamori account.
    pub login_id: String,
    /// Their manager's person id.
    pub manager_id: String,
}

impl PersonInput {
    /// The input a stored person gives (an edit form's starting values).
    pub fn of(p: &PersonRow) -> PersonInput {
        PersonInput {
            name: p.name.clone(),
            email: p.email.clone(),
            kind: p.kind.clone(),
            department: p.department.clone(),
            joined_on: p.joined_on.clone().unwrap_or_default(),
            left_on: p.left_on.clone().unwrap_or_default(),
            login_id: p.login_id.clone().unwrap_or_default(),
            manager_id: p.manager_id.clone().unwrap_or_default(),
        }
    }
}

/// A person as the reader may see them: the contract's fields (`email`, dates and `login_id`
/// are `None` for a reader without `people.manage`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Kind key.
    pub kind: String,
    /// Department.
    pub department: String,
    /// Joined.
    pub joined_on: Option<String>,
    /// Left.
    pub left_on: Option<String>,
    /// Login ID.
    pub login_id: Option<String>,
    /// Manager's id.
    pub manager_id: Option<String>,
    /// Manager's name.
    pub manager_name: Option<String>,
    /// Not left (no leave date, or one after today).
    pub active: bool,
}

fn view(p: &PersonRow, all: &[PersonRow], full: bool, today: Date) -> PersonView {
    let manager_name = p.manager_id.as_ref().and_then(|m| all.iter().find(|q| &q.id == m)).map(|m| m.name.clone());
    let active = p.left_on.as_deref().is_none_or(|d| d > today.to_string().as_str());
    PersonView {
        id: p.id.clone(),
        name: p.name.clone(),
        email: full.then(|| p.email.clone()),
        kind: p.kind.clone(),
        department: p.department.clone(),
        joined_on: if full { p.joined_on.clone() } else { None },
        left_on: if full { p.left_on.clone() } else { None },
        login_id: if full { p.login_id.clone() } else { None },
        manager_id: p.manager_id.clone(),
        manager_name,
        active,
    }
}

/// Whether the actor reads e-mail addresses and dates and may change people.
pub fn may_manage(actor: &Actor) -> bool {
    actor.grants.has(Permission::PeopleManage)
}

/// A list filter (empty: any).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Department.
    pub department: String,
    /// Kind key.
    pub kind: String,
    /// `active`, `left` or empty.
    pub status: String,
}

/// The directory, by name, filtered.
pub async fn list(db: &Db, actor: &Actor, f: &Filter, today: Date) -> Result<Vec<PersonView>, AppError> {
    actor.require(Permission::DashboardView)?;
    let all = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let full = may_manage(actor);
    Ok(all
        .iter()
        .map(|p| view(p, &all, full, today))
        .filter(|v| f.department.is_empty() || v.department == f.department)
        .filter(|v| f.kind.is_empty() || v.kind == f.kind)
        .filter(|v| match f.status.as_str() {
            "active" => v.active,
            "left" => !v.active,
            _ => true,
        })
        .collect())
}

/// One person as the reader may see them.
pub async fn get(db: &Db, actor: &Actor, id: &str, today: Date) -> Result<PersonView, AppError> {
    actor.require(Permission::DashboardView)?;
    let all = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let p = all.iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    Ok(view(p, &all, may_manage(actor), today))
}

/// The stored row (for `people.manage` only: edit forms and the leaver checklist).
pub async fn row(db: &Db, actor: &Actor, id: &str) -> Result<PersonRow, AppError> {
    actor.require(Permission::PeopleManage)?;
    let mut c = db.conn().await?;
    rows::person(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)
}

fn opt(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

/// Checks the input (every problem at its field) → the row's fields, keeping `id` and times.
async fn checked(db: &Db, actor: &Actor, id: &str, i: &PersonInput) -> Result<PersonInput, AppError> {
    let mut p: Problems = Vec::new();
    let name = checks::text(&mut p, "name", &i.name, checks::MAX_TITLE, true);
    let email = checks::text(&mut p, "email", &i.email, 254, false);
    if !email.is_empty() && (!email.contains('@') || email.chars().any(char::is_whitespace)) {
        checks::problem(&mut p, "email", "field-invalid-email");
    }
    let kind = i.kind.trim().to_string();
    if kind.is_empty() {
        checks::problem(&mut p, "kind", "field-required");
    } else if !rules::is_kind(&kind) {
        checks::problem(&mut p, "kind", "field-not-a-choice");
    }
    let department = checks::text(&mut p, "department", &i.department, checks::MAX_TITLE, false);
    let joined_on = i.joined_on.trim().to_string();
    let left_on = i.left_on.trim().to_string();
    for (field, v) in [("joined_on", &joined_on), ("left_on", &left_on)] {
        if !v.is_empty() && !rules::is_date(v) {
            checks::problem(&mut p, field, "field-not-date");
        }
    }
    if !joined_on.is_empty() && !left_on.is_empty() && rules::is_date(&left_on) && left_on < joined_on {
        checks::problem(&mut p, "left_on", "people-left-before-joined");
    }
    let login_id = if i.login_id.trim().is_empty() { String::new() } else { normalise_login(&i.login_id) };
    let manager_id = i.manager_id.trim().to_string();
    {
        let mut c = db.conn().await?;
        if !login_id.is_empty() && rows::user_by_login(&mut c.ex(), &actor.org_id, &login_id).await?.is_none() {
            checks::problem(&mut p, "login_id", "people-login-unknown");
        } else if !login_id.is_empty()
            && rows::people(&mut c.ex(), &actor.org_id)
                .await?
                .iter()
                .any(|q| q.id != id && q.login_id.as_deref() == Some(login_id.as_str()))
        {
            checks::problem(&mut p, "login_id", "people-login-taken");
        }
        if !manager_id.is_empty() {
            if manager_id == id {
                checks::problem(&mut p, "manager_id", "people-manager-self");
            } else if rows::person(&mut c.ex(), &actor.org_id, &manager_id).await?.is_none() {
                checks::problem(&mut p, "manager_id", "field-unknown-person");
            }
        }
    }
    checks::done(p)?;
    Ok(PersonInput { name, email, kind, department, joined_on, left_on, login_id, manager_id })
}

fn taken(e: AppError) -> AppError {
    match e {
        AppError::Conflict => AppError::Validation(vec![("login_id".into(), "people-login-taken".into())]),
        e => e,
    }
}

/// Adds a person (`people.manage`); `Validation` with every problem at its field.
pub async fn create(db: &Db, actor: &Actor, input: &PersonInput, now: i64) -> Result<PersonRow, AppError> {
    actor.require(Permission::PeopleManage)?;
    let id = new_id();
    let i = checked(db, actor, &id, input).await?;
    let p = PersonRow {
        id,
        org_id: actor.org_id.clone(),
        name: i.name,
        email: i.email,
        kind: i.kind,
        department: i.department,
        joined_on: opt(i.joined_on),
        left_on: opt(i.left_on),
        login_id: opt(i.login_id),
        manager_id: opt(i.manager_id),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_person(&mut tx.ex(), &p).await.map_err(|e| taken(e.into()))?;
    crate::audit::created(&mut tx, actor, "person", &p.id, &p, now).await?;
    tx.commit().await?;
    Ok(p)
}

/// Changes a person (`people.manage`); `Validation` with every problem at its field.
pub async fn update(db: &Db, actor: &Actor, id: &str, input: &PersonInput, now: i64) -> Result<PersonRow, AppError> {
    let before = row(db, actor, id).await?;
    let i = checked(db, actor, id, input).await?;
    let after = PersonRow {
        name: i.name,
        email: i.email,
        kind: i.kind,
        department: i.department,
        joined_on: opt(i.joined_on),
        left_on: opt(i.left_on),
        login_id: opt(i.login_id),
        manager_id: opt(i.manager_id),
        updated_at: now,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    rows::update_person(&mut tx.ex(), &after).await.map_err(|e| taken(e.into()))?;
    crate::audit::updated(&mut tx, actor, "person", id, &before, &after, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// The person linked to the actor's login, if any.
pub async fn of_actor(db: &Db, actor: &Actor) -> Result<Option<PersonRow>, AppError> {
    let Some(uid) = actor.user_id.as_deref() else { return Ok(None) };
    let mut c = db.conn().await?;
    let Some(u) = rows::user_by_id(&mut c.ex(), &actor.org_id, uid).await? else { return Ok(None) };
    Ok(rows::people(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .find(|p| p.login_id.as_deref() == Some(u.login_key.as_str())))
}
