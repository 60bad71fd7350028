//! The first run's checklist (issue 15, item 1): what a new organisation does before mamori
//! runs its ISMS — import the regulation, confirm the duties it offers with their first due
//! dates, review the registers and request types it brought, give the roles that own duties
//! to people and fill the staff directory, evaluate the SoA. Each step is worked out from the
//! records it leaves, never stored as a copy; only what leaves no record (the review of the
//! registers and request types, and closing the checklist by hand) is kept in
//! `first_run_step`, once, audited.
//!
//! Need-to-know: the checklist is for those who set mamori up — `settings.manage` or
//! `duties.manage`; its facts are counts and role names, nothing restricted.

use crate::{Actor, AppError};
use mamori_domain::audit::AuditAction;
use mamori_domain::permission::Permission;
use mamori_domain::soa::ImplStatus;
use mamori_store::Db;
use mamori_store::rows::{self, FirstRunStepRow};

/// The steps in the order the checklist shows them.
pub const STEPS: [&str; 5] = ["regulation", "duties", "catalogue", "people", "soa"];

/// The steps a person marks done by hand (they leave no other record), and closing the list.
pub const MARKABLE: [&str; 2] = ["catalogue", "dismissed"];

/// One step and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `regulation`, `duties`, `catalogue`, `people` or `soa`.
    pub key: &'static str,
    /// Whether it is done.
    pub done: bool,
    /// How many things are left (offered duties unconfirmed, controls not evaluated, roles
    /// without a holder); 0 when done or not countable.
    pub left: usize,
    /// What is left, by name where names help (the roles nobody holds).
    pub names: Vec<String>,
}

/// The checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstRun {
    /// The steps in order.
    pub steps: Vec<Step>,
    /// Closed by hand before every step was done.
    pub dismissed: bool,
}

impl FirstRun {
    /// Whether every step is done.
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.done)
    }

    /// Whether the dashboard shows it: until done, unless closed by hand.
    pub fn shown(&self) -> bool {
        !self.dismissed && !self.complete()
    }

    /// The first step not done.
    pub fn next(&self) -> Option<&Step> {
        self.steps.iter().find(|s| !s.done)
    }
}

fn may_set_up(actor: &Actor) -> Result<(), AppError> {
    if actor.grants.has(Permission::SettingsManage) || actor.grants.has(Permission::DutiesManage) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Where the organisation's first run stands.
pub async fn status(db: &Db, actor: &Actor) -> Result<FirstRun, AppError> {
    may_set_up(actor)?;
    let org = actor.org_id.as_str();
    let (marked, duties, people, roles, regulation) = {
        let mut c = db.conn().await?;
        (
            rows::first_run_steps(&mut c.ex(), org).await?,
            rows::duties(&mut c.ex(), org).await?,
            rows::people(&mut c.ex(), org).await?,
            rows::list_roles(&mut c.ex(), org).await?,
            !rows::list_regulation_versions(&mut c.ex(), org).await?.is_empty(),
        )
    };
    let is_marked = |step: &str| marked.iter().any(|m| m.step == step);

    // Duties: every active duty offered by the regulation confirmed (scheduled from a first
    // due date), and at least one.
    let active: Vec<_> = duties.iter().filter(|d| d.active != 0).collect();
    let unconfirmed = active.iter().filter(|d| d.confirmed_at.is_none()).count();
    let duties_done = regulation && unconfirmed == 0 && active.iter().any(|d| d.confirmed_at.is_some());

    // People: the roles that own confirmed duties each held by an active user, and the staff
    // directory not empty.
    let mut owners: Vec<&str> =
        active.iter().filter(|d| d.confirmed_at.is_some()).filter_map(|d| d.owner_role.as_deref()).collect();
    owners.sort_unstable();
    owners.dedup();
    // Who holds what, read once (two queries whatever the number of roles).
    let (users, held) = {
        let mut c = db.conn().await?;
        (rows::list_users(&mut c.ex(), org).await?, rows::all_user_roles(&mut c.ex(), org).await?)
    };
    let is_held =
        |key: &str| held.iter().any(|r| r.key == key && users.iter().any(|u| u.id == r.user_id && u.disabled == 0));
    let unheld: Vec<String> = owners
        .into_iter()
        .filter(|key| !is_held(key))
        .map(|key| roles.iter().find(|r| r.key == key).map_or_else(|| key.to_string(), |r| r.name_ja.clone()))
        .collect();
    let people_done = regulation && unheld.is_empty() && !people.is_empty();

    // SoA: no applicable control left 未評価.
    let unevaluated = if regulation {
        crate::soa::soa(db, actor, false)
            .await
            .map(|v| v.rows.iter().filter(|r| r.applicable && r.status == ImplStatus::NotEvaluated).count())
            .unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    let soa_done = unevaluated == 0;

    let step = |key, done, left, names| Step { key, done, left, names };
    Ok(FirstRun {
        steps: vec![
            step("regulation", regulation, 0, Vec::new()),
            step("duties", duties_done, unconfirmed, Vec::new()),
            step("catalogue", regulation && is_marked("catalogue"), 0, Vec::new()),
            step("people", people_done, unheld.len(), unheld),
            step("soa", soa_done, if unevaluated == usize::MAX { 0 } else { unevaluated }, Vec::new()),
        ],
        dismissed: is_marked("dismissed"),
    })
}

/// Marks a step that leaves no other record done (`catalogue`), or closes the checklist
/// (`dismissed`); once, audited as `first_run_step`. Another key is a 422 at `step`.
pub async fn mark(db: &Db, actor: &Actor, step: &str, now: i64) -> Result<FirstRun, AppError> {
    may_set_up(actor)?;
    let Some(step) = MARKABLE.iter().find(|s| **s == step) else {
        return Err(AppError::Validation(vec![("step".into(), "first-run-unknown-step".into())]));
    };
    let row = FirstRunStepRow {
        org_id: actor.org_id.clone(),
        step: step.to_string(),
        done_at: now,
        done_by: actor.user_id.clone(),
    };
    let mut tx = db.begin().await?;
    if rows::mark_first_run_step(&mut tx.ex(), &row).await? {
        let after = serde_json::json!({ "step": step });
        let e = crate::audit::Entry::by(actor, AuditAction::Create, "first_run_step", None, None, Some(after));
        crate::audit::append(&mut tx, e, now).await?;
    }
    tx.commit().await?;
    status(db, actor).await
}
