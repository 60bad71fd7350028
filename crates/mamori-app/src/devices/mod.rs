//! Devices (6.7, 7.7, 8.1, 8.7): the self-attestation each custodian answers for their own
//! devices, and the overview of devices not attested within the period or not compliant.
//!
//! A device is a row of the `devices` register (端末管理台帳). Its custodian reads and answers
//! for it here only — the register itself is for its view roles —, and the answer is written
//! through the register engine (`registers::prepare_patch`/`apply`: validated, history and
//! audit row kept). The checklist is data (`mamori_domain::device`).

use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::device::{self, ATTESTED_ON, CUSTODIAN, EVIDENCE, REGISTER};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, RegisterRowRow};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A device as the attestation page and the overview show it.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// Row id.
    pub id: String,
    /// The row's values.
    pub values: Map<String, Value>,
    /// Row version (an attestation answers the version shown).
    pub version: i64,
    /// The applicable checklist fields not answered yes.
    pub gaps: Vec<String>,
    /// Attested within the period.
    pub attested: bool,
}

impl Device {
    fn of(r: RegisterRowRow, today: Date) -> Device {
        let values: Map<String, Value> = serde_json::from_str(&r.values_json).unwrap_or_default();
        let c = device::checklist();
        Device {
            gaps: c.gaps(&values).iter().map(|i| i.field.clone()).collect(),
            attested: c.attested(&values, today),
            id: r.id,
            values,
            version: r.version,
        }
    }

    /// The value of a text field ("" when none).
    pub fn text(&self, key: &str) -> String {
        self.values.get(key).and_then(Value::as_str).unwrap_or("").to_string()
    }
}

/// What a custodian answers for one device: yes or no per checklist field, and an optional
/// stored screenshot (SHA-256).
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Checklist field → yes.
    pub checks: BTreeMap<String, bool>,
    /// A stored screenshot.
    pub screenshot: Option<String>,
}

async fn devices(db: &Db, org_id: &str, today: Date) -> Result<Vec<Device>, AppError> {
    let mut c = db.conn().await?;
    let all = rows::register_rows_all(&mut c.ex(), org_id, REGISTER, false).await?;
    Ok(all.into_iter().map(|r| Device::of(r, today)).filter(|d| device::in_use(&d.values)).collect())
}

/// The names a person is written as in a person field (login ID, display name).
async fn names_of(db: &Db, actor: &Actor) -> Result<Vec<String>, AppError> {
    let uid = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    let mut c = db.conn().await?;
    let u = rows::user_by_id(&mut c.ex(), &actor.org_id, uid).await?.ok_or(AppError::Forbidden)?;
    Ok(vec![u.login_id, u.display_name])
}

fn custodian_is(d: &Device, names: &[String]) -> bool {
    let c = d.text(CUSTODIAN);
    !c.trim().is_empty() && names.iter().any(|n| n == c.trim())
}

/// The devices in use whose custodian is the actor (any logged-in person).
pub async fn mine(db: &Db, actor: &Actor, today: Date) -> Result<Vec<Device>, AppError> {
    let names = names_of(db, actor).await?;
    Ok(devices(db, &actor.org_id, today).await?.into_iter().filter(|d| custodian_is(d, &names)).collect())
}

/// Records the custodian's answers for one of their devices: the checklist fields that apply
/// to its kind, today's date as the last attestation and the screenshot, through the register
/// engine. Someone else's device (or no device) is not found. Returns the device as written.
pub async fn attest(
    db: &Db,
    actor: &Actor,
    id: &str,
    answers: Answers,
    today: Date,
    now: i64,
) -> Result<Device, AppError> {
    let names = names_of(db, actor).await?;
    let d = devices(db, &actor.org_id, today)
        .await?
        .into_iter()
        .find(|d| d.id == id && custodian_is(d, &names))
        .ok_or(AppError::NotFound)?;
    let kind = d.text(device::KIND);
    let mut patch = Map::new();
    for item in device::checklist().items_for(&kind) {
        patch.insert(item.field.clone(), Value::Bool(answers.checks.get(&item.field).copied().unwrap_or(false)));
    }
    patch.insert(ATTESTED_ON.into(), Value::String(today.to_string()));
    if let Some(sha) = answers.screenshot.filter(|s| !s.is_empty()) {
        crate::evidence::require_readable(db, actor, [(EVIDENCE.to_string(), vec![sha.clone()])]).await?;
        patch.insert(EVIDENCE.into(), Value::Array(vec![Value::String(sha)]));
    }
    let p = crate::registers::prepare_patch(db, actor, REGISTER, id, &patch, now).await?;
    let mut tx = db.begin().await?;
    crate::registers::apply(&mut tx, actor, &p, now).await?;
    tx.commit().await?;
    Ok(Device::of(p.row, today))
}

/// Every device in use with whether it is attested within the period and its gaps, for the
/// readers of the `devices` register.
pub async fn overview(db: &Db, actor: &Actor, today: Date) -> Result<Vec<Device>, AppError> {
    actor.require(Permission::RegistersView)?;
    crate::registers::definition(db, actor, REGISTER).await?;
    devices(db, &actor.org_id, today).await
}
