//! わたしの ISMS (#17 8): what falls to the logged-in person, for their own page and for
//! `GET /api/v1/me/tasks`.
//!
//! - `pledges`: their person of the directory (linked by login) and each pledge they are to
//!   sign: never signed, or signed on an earlier version (`crate::pledges`); `signed` is
//!   whether the joiner's pledge is signed at all (the account gate's answer).
//! - `acknowledgements`: published versions in their audience they have not acknowledged.
//! - `trainings`: courses assigned to them this fiscal year and not yet passed (`crate::training`).
//! - `duties`: their open duty occurrences overdue or due within 60 days.
//! - `requests`: their own requests not yet closed.
//!
//! Each part holds only what the person may see anyway. This module reads every other
//! capability and nothing reads it.

pub mod reminders;

use crate::documents::Pending;
use crate::duties::DueItem;
use crate::pledges::PersonPledge;
use crate::requests::RequestView;
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::PersonRow;
use serde_json::{Value, json};

/// Everything of the person's own page.
#[derive(Debug, Clone)]
pub struct Mine {
    /// Their person of the directory (none: their login is not linked to one).
    pub person: Option<PersonRow>,
    /// Each pledge with where they stand (signed ones included).
    pub pledges: Vec<PersonPledge>,
    /// Whether the joiner's pledge is signed (any version; the gate's answer).
    pub pledge_signed: bool,
    /// Versions to acknowledge.
    pub acknowledgements: Vec<Pending>,
    /// Their duties due soon or overdue.
    pub duties: Vec<DueItem>,
    /// Their open requests.
    pub requests: Vec<RequestView>,
    /// Courses assigned this fiscal year and not yet passed.
    pub trainings: Vec<crate::training::attempts::Pending>,
}

impl Mine {
    /// The pledges still to sign.
    pub fn to_sign(&self) -> impl Iterator<Item = &PersonPledge> {
        self.pledges.iter().filter(|p| p.standing == "missing" || p.standing == "outdated")
    }
}

/// Gathers the person's page.
pub async fn mine(db: &Db, actor: &Actor, today: Date) -> Result<Mine, AppError> {
    actor.require(Permission::DashboardView)?;
    let person = crate::people::of_actor(db, actor).await?;
    let (pledges, pledge_signed) = match &person {
        Some(p) => {
            let mut c = db.conn().await?;
            let signed = crate::people::pledge::signed(
                &mut c.ex(),
                &actor.org_id,
                &p.name,
                p.login_id.as_deref(),
                Some(p.id.as_str()),
            )
            .await?;
            drop(c);
            (crate::pledges::standing_of(db, &actor.org_id, p).await?, signed)
        }
        None => (Vec::new(), false),
    };
    let acknowledgements = crate::documents::pending_for(db, actor).await?;
    let duties = if actor.grants.has(Permission::DutiesView) {
        crate::duties::due_soon(db, actor, false, today, 60, 200).await?.items
    } else {
        Vec::new()
    };
    let requests = if actor.grants.has(Permission::RequestsUse) {
        crate::requests::list(db, actor, crate::requests::Scope::Mine, today)
            .await?
            .into_iter()
            .filter(|r| !r.closed)
            .collect()
    } else {
        Vec::new()
    };
    let trainings = crate::training::attempts::pending_for(db, actor, today).await?;
    Ok(Mine { person, pledges, pledge_signed, acknowledgements, duties, requests, trainings })
}

/// The answer of `GET /api/v1/me/tasks`: `{pledges, acknowledgements, trainings, duties,
/// requests}`.
pub async fn tasks(db: &Db, actor: &Actor, today: Date) -> Result<Value, AppError> {
    let m = mine(db, actor, today).await?;
    let pledges = json!({
        "person": m.person.as_ref().map(|p| json!({"id": p.id, "name": p.name})),
        "signed": m.person.as_ref().map(|_| m.pledge_signed),
        "to_sign": m.to_sign().map(|p| json!({"kind": p.kind, "title": p.title, "edition": p.edition,
                                              "standing": p.standing})).collect::<Vec<_>>(),
    });
    let acknowledgements: Vec<Value> = m
        .acknowledgements
        .iter()
        .map(|p| {
            json!({"document_id": p.document_id, "version_id": p.version_id, "doc_number": p.doc_number,
                   "title": p.title, "edition": p.edition})
        })
        .collect();
    let duties: Vec<Value> = m
        .duties
        .iter()
        .map(|d| {
            json!({"occurrence_id": d.occurrence.occurrence.id, "duty_id": d.occurrence.occurrence.duty_id,
                   "title": d.title, "control": d.control_id, "due": d.occurrence.occurrence.due,
                   "overdue": d.occurrence.occurrence.due < today.to_string()})
        })
        .collect();
    let requests: Vec<Value> = m
        .requests
        .iter()
        .map(|r| {
            json!({"id": r.request.id, "number": crate::requests::number_label(r.request.number),
                   "type": r.request.type_key, "title": r.request.title, "state": r.request.state})
        })
        .collect();
    let trainings: Vec<Value> = m
        .trainings
        .iter()
        .map(|t| {
            json!({"course_id": t.course_id, "title": t.title, "fiscal_year": t.fiscal_year, "due": t.due_on,
                   "overdue": t.overdue, "reason": t.reason})
        })
        .collect();
    Ok(json!({"pledges": pledges, "acknowledgements": acknowledgements, "trainings": trainings, "duties": duties,
              "requests": requests}))
}
