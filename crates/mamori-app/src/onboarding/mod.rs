//! The joiner's onboarding (6.1, 6.2, 6.6, 5.16; #17 2). Adding a person to the directory opens
//! it: the steps are worked out from the records each step leaves, never kept as a copy that
//! could disagree with them —
//!
//! - `screening` (6.1): a screening record (what was checked, the result, by whom, when),
//!   kept here (`person_screening`);
//! - `pledge` (6.6): the 秘密保持誓約書 signed (`crate::pledges`; any version);
//! - `policies` (7.3): every published version in their roles' audience acknowledged (a person
//!   with a login only);
//! - `training` (6.3): every course assigned this fiscal year passed (none assigned yet is
//!   still open; [`open`] assigns the year's plans to a joiner);
//! - `accounts` (5.16, 5.18): the `account` requests naming them, with where each stands (the
//!   account gate refuses an issue before the pledge).
//!
//! A person is onboarded when every applicable step is done. Everything here needs
//! `people.manage` (screening results are personal data).

use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id};
use mamori_domain::people::{is_date, names};
use mamori_store::Db;
use mamori_store::rows::{self, PersonRow, ScreeningRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a form or the API gives for a screening record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ScreeningInput {
    /// When checked (YYYY-MM-DD).
    pub checked_on: String,
    /// What was checked (経歴, 資格, 身元保証書 …).
    pub checks: String,
    /// The result.
    pub result: String,
    /// Who checked.
    pub checked_by: String,
    /// Notes.
    pub notes: String,
}

/// Records a screening check (`people.manage`); every problem at its field.
pub async fn record_screening(
    db: &Db,
    actor: &Actor,
    person_id: &str,
    i: &ScreeningInput,
    today: jiff::civil::Date,
    now: i64,
) -> Result<ScreeningRow, AppError> {
    let person = crate::people::row(db, actor, person_id).await?;
    let mut p: Problems = Vec::new();
    let checked_on = i.checked_on.trim().to_string();
    if checked_on.is_empty() {
        checks::problem(&mut p, "checked_on", "field-required");
    } else if !is_date(&checked_on) {
        checks::problem(&mut p, "checked_on", "field-not-date");
    } else if checked_on > today.to_string() {
        checks::problem(&mut p, "checked_on", "screening-in-future");
    }
    let what = checks::text(&mut p, "checks", &i.checks, checks::MAX_TEXT, true);
    let result = checks::text(&mut p, "result", &i.result, checks::MAX_TITLE, true);
    let checked_by = checks::text(&mut p, "checked_by", &i.checked_by, checks::MAX_TITLE, true);
    let notes = checks::text(&mut p, "notes", &i.notes, checks::MAX_TEXT, false);
    checks::done(p)?;
    let row = ScreeningRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        person_id: person.id.clone(),
        checked_on,
        checks: what,
        result,
        checked_by,
        notes,
        recorded_by: actor.user_id.clone().unwrap_or_else(|| actor.label.clone()),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_screening(&mut tx.ex(), &row).await?;
    // The trail is read by roles without `people.manage` (システム管理者, 内部監査責任者): what
    // was checked and its result stay out of it, as a restricted register's values do.
    let entry = serde_json::json!({"person": person.name, "checked_on": row.checked_on});
    crate::audit::created(&mut tx, actor, "person_screening", &row.id, &entry, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// An account request naming the person.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRequest {
    /// The request.
    pub id: String,
    /// Its number as shown (申請-0001).
    pub number: String,
    /// 発行 or 削除 (its 申請内容).
    pub kind: String,
    /// The system asked for.
    pub system: String,
    /// Its workflow state key.
    pub state: String,
}

/// One step of the onboarding.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `screening`, `pledge`, `policies` or `accounts`.
    pub key: &'static str,
    /// `done`, `open` or `not_applicable`.
    pub state: &'static str,
    /// How many things remain (policies to acknowledge), or were done (accounts requested).
    pub count: usize,
}

/// The person's onboarding.
#[derive(Debug, Clone, Serialize)]
pub struct Onboarding {
    /// The steps in order.
    pub steps: Vec<Step>,
    /// Their screening records, oldest first.
    pub screenings: Vec<ScreeningRow>,
    /// The account requests naming them.
    pub accounts: Vec<AccountRequest>,
    /// Where they stand with each pledge.
    pub pledges: Vec<crate::pledges::PersonPledge>,
    /// Their signatures, oldest first.
    pub signatures: Vec<mamori_store::rows::PledgeSignatureRow>,
    /// Every applicable step done.
    pub complete: bool,
}

fn step(key: &'static str, done: bool, count: usize) -> Step {
    Step { key, state: if done { "done" } else { "open" }, count }
}

/// The account requests whose person field names `p` (by id, name or login ID).
async fn accounts_of(db: &Db, org_id: &str, p: &PersonRow) -> Result<Vec<AccountRequest>, AppError> {
    let mut c = db.conn().await?;
    let all = rows::requests(&mut c.ex(), org_id).await?;
    Ok(all
        .into_iter()
        .filter(|r| r.type_key == crate::people::pledge::ACCOUNT_TYPE)
        .filter_map(|r| {
            let f: Map<String, Value> = serde_json::from_str(&r.fields_json).ok()?;
            let named = f.get(crate::people::pledge::PERSON_FIELD).and_then(Value::as_str).unwrap_or_default();
            (named == p.id || names(named, &p.name, p.login_id.as_deref())).then(|| AccountRequest {
                id: r.id.clone(),
                number: crate::requests::number_label(r.number),
                kind: f.get("kind").and_then(Value::as_str).unwrap_or_default().to_string(),
                system: f.get("system").and_then(Value::as_str).unwrap_or_default().to_string(),
                state: r.state.clone(),
            })
        })
        .collect())
}

/// Opens a joiner's onboarding once they are added (`people.manage`): this fiscal year's
/// training plans assign them their courses (`training::plan::join`). The other steps need
/// nothing opened: they are worked out from the records.
pub async fn open(db: &Db, actor: &Actor, person_id: &str, today: jiff::civil::Date, now: i64) -> Result<(), AppError> {
    crate::people::row(db, actor, person_id).await?;
    crate::training::plan::join(db, actor, person_id, today, now).await?;
    Ok(())
}

/// Where the person's onboarding stands (`people.manage`).
pub async fn of(db: &Db, actor: &Actor, person_id: &str, today: jiff::civil::Date) -> Result<Onboarding, AppError> {
    let person = crate::people::row(db, actor, person_id).await?;
    let screenings: Vec<ScreeningRow> = {
        let mut c = db.conn().await?;
        rows::screenings(&mut c.ex(), &actor.org_id).await?.into_iter().filter(|s| s.person_id == person.id).collect()
    };
    let pledge_signed = {
        let mut c = db.conn().await?;
        crate::people::pledge::signed(
            &mut c.ex(),
            &actor.org_id,
            &person.name,
            person.login_id.as_deref(),
            Some(&person.id),
        )
        .await?
    };
    let user = match &person.login_id {
        Some(l) => {
            let mut c = db.conn().await?;
            rows::user_by_login(&mut c.ex(), &actor.org_id, l).await?
        }
        None => None,
    };
    let policies = match &user {
        Some(u) => Some(crate::documents::pending_of_user(db, &actor.org_id, &u.id).await?.len()),
        None => None,
    };
    let accounts = accounts_of(db, &actor.org_id, &person).await?;
    let mut steps = vec![step("screening", !screenings.is_empty(), screenings.len()), step("pledge", pledge_signed, 0)];
    steps.push(match policies {
        Some(n) => step("policies", n == 0, n),
        None => Step { key: "policies", state: "not_applicable", count: 0 },
    });
    let trainings = crate::training::attempts::pending_of_person(db, &actor.org_id, &person.id, today).await?;
    let assigned = {
        let mut c = db.conn().await?;
        let year = i64::from(crate::training::fiscal_year(today));
        rows::assignments_of_person(&mut c.ex(), &actor.org_id, &person.id)
            .await?
            .iter()
            .filter(|a| a.fiscal_year == year)
            .count()
    };
    // No course assigned this year is not "done": the joiner has training still to be given.
    steps.push(step("training", assigned > 0 && trainings.is_empty(), trainings.len()));
    let issued = accounts.iter().filter(|a| a.kind == "発行").count();
    steps.push(step("accounts", issued > 0 || user.is_some(), issued));
    let complete = steps.iter().all(|s| s.state != "open");
    let pledges = crate::pledges::standing_of(db, &actor.org_id, &person).await?;
    let signatures = crate::pledges::signatures_of(db, actor, &person.id).await?;
    Ok(Onboarding { steps, screenings, accounts, complete, pledges, signatures })
}
