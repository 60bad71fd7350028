//! The pledge gate (5.16, 6.6: the 秘密保持誓約書 before access). An account request (type
//! `account`) whose 申請内容 is 発行 is refused with [`AppError::PledgeMissing`] (409
//! `pledge_missing`) unless the person has signed the joiner's pledge: a signature recorded in
//! mamori (`pledges`, online or paper, any version — a newer version asks for a new signature
//! but an earlier one still binds), or a live row of the register `employee_pledges`
//! (秘密保持誓約書〔対従業員〕) whose 氏名 names the person (by name, spaces ignored, or by their
//! login ID), kept by hand before mamori. A removal (削除) is never held back.
//!
//! The gate reads the register whatever the requester may read: it answers only "missing",
//! naming the person the requester named themselves.

use crate::{Actor, AppError};
use mamori_domain::people::names;
use mamori_store::Ex;
use mamori_store::rows::{self, PersonRow};
use serde_json::{Map, Value};

/// The register a signed pledge is a row of.
pub const REGISTER: &str = "employee_pledges";
/// The request type the gate holds.
pub const ACCOUNT_TYPE: &str = "account";
/// The request field naming the person.
pub const PERSON_FIELD: &str = "person";

/// The 氏名 of every live pledge row.
async fn signers(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<String>, AppError> {
    Ok(rows::register_rows_all(ex, org_id, REGISTER, false)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_str::<Map<String, Value>>(&r.values_json).ok())
        .filter_map(|v| v.get("person").and_then(Value::as_str).map(str::to_string))
        .collect())
}

/// Whether the person (name, login key, their id in the directory) has signed the joiner's
/// pledge: a signature in mamori or a row of the register.
pub async fn signed(
    ex: &mut Ex<'_>,
    org_id: &str,
    name: &str,
    login: Option<&str>,
    person_id: Option<&str>,
) -> Result<bool, AppError> {
    if let Some(id) = person_id
        && rows::pledge_signatures_of(ex, org_id, id).await?.iter().any(|s| s.kind == "joiner")
    {
        return Ok(true);
    }
    Ok(signers(ex, org_id).await?.iter().any(|s| names(s, name, login)))
}

/// Who a request's person value names: the directory's person (by id, name or login ID),
/// else the user with that login ID or name; their name and login key.
pub(crate) async fn resolve(
    ex: &mut Ex<'_>,
    org_id: &str,
    value: &str,
) -> Result<(String, Option<String>, Option<PersonRow>), AppError> {
    let people = rows::people(ex, org_id).await?;
    if let Some(p) = people.iter().find(|p| p.id == value || names(value, &p.name, p.login_id.as_deref())) {
        return Ok((p.name.clone(), p.login_id.clone(), Some(p.clone())));
    }
    let users = rows::list_users(ex, org_id).await?;
    if let Some(u) = users.iter().find(|u| names(value, &u.display_name, Some(&u.login_key)) || u.login_id == value) {
        return Ok((u.display_name.clone(), Some(u.login_key.clone()), None));
    }
    Ok((value.to_string(), None, None))
}

/// The gate: `Err(PledgeMissing)` for an account issue whose person has no signed pledge.
pub async fn check(
    db: &mamori_store::Db,
    actor: &Actor,
    type_key: &str,
    fields: &Map<String, Value>,
) -> Result<(), AppError> {
    if type_key != ACCOUNT_TYPE || fields.get("kind").and_then(Value::as_str) != Some("発行") {
        return Ok(());
    }
    let Some(value) = fields.get(PERSON_FIELD).and_then(Value::as_str).filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let mut c = db.conn().await?;
    let (name, login, person) = resolve(&mut c.ex(), &actor.org_id, value).await?;
    if signed(&mut c.ex(), &actor.org_id, &name, login.as_deref(), person.as_ref().map(|p| p.id.as_str())).await? {
        Ok(())
    } else {
        Err(AppError::PledgeMissing(name))
    }
}
