//! The staff directory: people (with or without a mamori login) and a leaver's checklist.
//! Migration 0027.

mod marks;
pub use marks::*;

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// One person of the directory.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PersonRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Name as people write it.
    pub name: String,
    /// E-mail address (may be empty).
    pub email: String,
    /// `employee`, `officer`, `part_time`, `contractor` or `outsourced`.
    pub kind: String,
    /// Department (may be empty).
    pub department: String,
    /// Joined (YYYY-MM-DD).
    pub joined_on: Option<String>,
    /// Left (YYYY-MM-DD).
    pub left_on: Option<String>,
    /// The normalised login ID of their mamori account.
    pub login_id: Option<String>,
    /// Their manager (a person of the same organisation).
    pub manager_id: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const P_COLS: &str =
    "id, org_id, name, email, kind, department, joined_on, left_on, login_id, manager_id, created_at, updated_at";

/// Inserts a person (`Conflict` when the login ID is taken in the organisation).
pub async fn insert_person(ex: &mut Ex<'_>, p: &PersonRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO person (", P_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"]),
        &p.id,
        &p.org_id,
        &p.name,
        &p.email,
        &p.kind,
        &p.department,
        &p.joined_on,
        &p.left_on,
        &p.login_id,
        &p.manager_id,
        p.created_at,
        p.updated_at
    )?;
    Ok(())
}

/// Replaces a person's fields (`Conflict` when the login ID is taken in the organisation).
pub async fn update_person(ex: &mut Ex<'_>, p: &PersonRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE person SET name = $3, email = $4, kind = $5, department = $6, joined_on = $7, left_on = $8, \
         login_id = $9, manager_id = $10, updated_at = $11 WHERE org_id = $1 AND id = $2",
        &p.org_id,
        &p.id,
        &p.name,
        &p.email,
        &p.kind,
        &p.department,
        &p.joined_on,
        &p.left_on,
        &p.login_id,
        &p.manager_id,
        p.updated_at
    )?;
    Ok(())
}

/// One person.
pub async fn person(ex: &mut Ex<'_>, org_id: &str, id: &str) -> Result<Option<PersonRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        PersonRow,
        sql(&["SELECT ", P_COLS, " FROM person WHERE org_id = $1 AND id = $2"]),
        org_id,
        id
    )?)
}

/// The organisation's people by name.
pub async fn people(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<PersonRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        PersonRow,
        sql(&["SELECT ", P_COLS, " FROM person WHERE org_id = $1 ORDER BY name, id"]),
        org_id
    )?)
}

/// A leaver's checklist.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LeaverRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The person leaving.
    pub person_id: String,
    /// The leave date (YYYY-MM-DD).
    pub left_on: String,
    /// `open` or `closed`.
    pub state: String,
    /// Who recorded the leave (a user id or a label).
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// When the last item was settled.
    pub closed_at: Option<i64>,
}

const L_COLS: &str = "id, org_id, person_id, left_on, state, created_by, created_at, closed_at";

/// One item of a leaver's checklist.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LeaverItemRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The checklist.
    pub leaver_id: String,
    /// Order.
    pub seq: i64,
    /// Stable key within the checklist.
    pub key: String,
    /// What is to be done, as shown.
    pub label: String,
    /// `open`, `done` or `waived`.
    pub state: String,
    /// Why it was waived.
    pub reason: String,
    /// The request or register row it refers to.
    pub ref_id: Option<String>,
    /// Who settled it (a user id).
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: i64,
}

const I_COLS: &str = "id, org_id, leaver_id, seq, key, label, state, reason, ref_id, updated_by, updated_at";

/// Inserts a checklist.
pub async fn insert_leaver(ex: &mut Ex<'_>, l: &LeaverRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO person_leaver (", L_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"]),
        &l.id,
        &l.org_id,
        &l.person_id,
        &l.left_on,
        &l.state,
        &l.created_by,
        l.created_at,
        l.closed_at
    )?;
    Ok(())
}

/// Sets a checklist's state.
pub async fn set_leaver_state(
    ex: &mut Ex<'_>,
    org_id: &str,
    id: &str,
    state: &str,
    closed_at: Option<i64>,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE person_leaver SET state = $3, closed_at = $4 WHERE org_id = $1 AND id = $2",
        org_id,
        id,
        state,
        closed_at
    )?;
    Ok(())
}

/// A person's latest checklist.
pub async fn leaver_of(ex: &mut Ex<'_>, org_id: &str, person_id: &str) -> Result<Option<LeaverRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        LeaverRow,
        sql(&[
            "SELECT ",
            L_COLS,
            " FROM person_leaver WHERE org_id = $1 AND person_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
        ]),
        org_id,
        person_id
    )?)
}

/// Inserts an item.
pub async fn insert_leaver_item(ex: &mut Ex<'_>, i: &LeaverItemRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO person_leaver_item (", I_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"]),
        &i.id,
        &i.org_id,
        &i.leaver_id,
        i.seq,
        &i.key,
        &i.label,
        &i.state,
        &i.reason,
        &i.ref_id,
        &i.updated_by,
        i.updated_at
    )?;
    Ok(())
}

/// Settles an item.
pub async fn set_leaver_item(ex: &mut Ex<'_>, i: &LeaverItemRow) -> Result<(), StoreError> {
    exec!(
        ex,
        "UPDATE person_leaver_item SET state = $3, reason = $4, updated_by = $5, updated_at = $6 \
         WHERE org_id = $1 AND id = $2",
        &i.org_id,
        &i.id,
        &i.state,
        &i.reason,
        &i.updated_by,
        i.updated_at
    )?;
    Ok(())
}

/// A checklist's items in order.
pub async fn leaver_items(ex: &mut Ex<'_>, org_id: &str, leaver_id: &str) -> Result<Vec<LeaverItemRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        LeaverItemRow,
        sql(&["SELECT ", I_COLS, " FROM person_leaver_item WHERE org_id = $1 AND leaver_id = $2 ORDER BY seq, id"]),
        org_id,
        leaver_id
    )?)
}
