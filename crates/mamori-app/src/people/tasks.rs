//! `GET /api/v1/me/tasks`: what falls to the logged-in person (わたしの ISMS, #17 8 — its first
//! part). `pledges`: the person of the directory linked to the login and whether their
//! 秘密保持誓約書 is signed (see [`super::pledge`]); `acknowledgements`: published versions in
//! their audience they have not acknowledged; `trainings`: the courses assigned to them this
//! fiscal year and not yet passed, with the due date (see `crate::training`);
//! `duties`: their open duty occurrences overdue or due within 60 days; `requests`: their own
//! requests not yet closed. Each part only holds what the person may see anyway.

use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use serde_json::{Value, json};

/// The answer of `GET /api/v1/me/tasks`.
pub async fn mine(db: &Db, actor: &Actor, today: Date) -> Result<Value, AppError> {
    actor.require(Permission::DashboardView)?;
    let pledges = match super::of_actor(db, actor).await? {
        Some(p) => {
            let mut c = db.conn().await?;
            let signed = super::pledge::signed(&mut c.ex(), &actor.org_id, &p.name, p.login_id.as_deref()).await?;
            json!({"person": {"id": p.id, "name": p.name}, "signed": signed})
        }
        None => json!({"person": null, "signed": null}),
    };
    let acknowledgements: Vec<Value> = crate::documents::pending_for(db, actor)
        .await?
        .into_iter()
        .map(|p| {
            json!({"document_id": p.document_id, "version_id": p.version_id, "doc_number": p.doc_number,
                   "title": p.title, "edition": p.edition})
        })
        .collect();
    let duties: Vec<Value> = if actor.grants.has(Permission::DutiesView) {
        crate::duties::due_soon(db, actor, false, today, 60, 200)
            .await?
            .items
            .into_iter()
            .map(|d| {
                json!({"occurrence_id": d.occurrence.occurrence.id, "duty_id": d.occurrence.occurrence.duty_id,
                       "title": d.title, "control": d.control_id, "due": d.occurrence.occurrence.due,
                       "overdue": d.occurrence.occurrence.due < today.to_string()})
            })
            .collect()
    } else {
        Vec::new()
    };
    let requests: Vec<Value> = if actor.grants.has(Permission::RequestsUse) {
        crate::requests::list(db, actor, crate::requests::Scope::Mine, today)
            .await?
            .into_iter()
            .filter(|r| !r.closed)
            .map(|r| {
                json!({"id": r.request.id, "number": crate::requests::number_label(r.request.number),
                       "type": r.request.type_key, "title": r.request.title, "state": r.request.state})
            })
            .collect()
    } else {
        Vec::new()
    };
    let trainings: Vec<Value> = crate::training::attempts::pending_for(db, actor, today)
        .await?
        .into_iter()
        .map(|t| {
            json!({"course_id": t.course_id, "title": t.title, "fiscal_year": t.fiscal_year, "due": t.due_on,
                   "overdue": t.overdue, "reason": t.reason})
        })
        .collect();
    Ok(json!({"pledges": pledges, "acknowledgements": acknowledgements, "trainings": trainings, "duties": duties,
              "requests": requests}))
}
