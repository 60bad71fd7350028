//! Evidence sampling for an audit's checklist (9.2): for an in-scope control, the records
//! mamori holds that an auditor samples — the latest completed occurrences of its duties, the
//! latest requests of the request types serving it, and the registers serving it with their
//! row counts. Each is a link; the record's own page still decides who reads it.

use super::{get, ids};
use crate::{Actor, AppError};
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;

/// How many records of each kind are offered.
pub const PER_KIND: usize = 3;

/// One record to sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// `duty_occurrence`, `request`, `register`.
    pub kind: &'static str,
    /// The record's id (the register's key).
    pub id: String,
    /// Its human title.
    pub title: String,
    /// The day it was done or filed (or the row count of a register).
    pub when: String,
}

/// The samples of `control` for audit `id` (`Validation` when the control is not in scope).
pub async fn samples(db: &Db, actor: &Actor, id: &str, control: &str, now: i64) -> Result<Vec<Sample>, AppError> {
    let a = get(db, actor, id).await?;
    if !ids(&a.scope_json).iter().any(|c| c == control) {
        return Err(AppError::Validation(vec![("control".into(), "field-unknown-control".into())]));
    }
    let mut out = Vec::new();
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    let duties = rows::duties(&mut c.ex(), org).await?;
    let mut done: Vec<(String, String, String)> = Vec::new();
    for d in duties.iter().filter(|d| d.control_id.as_deref() == Some(control)) {
        for o in rows::occurrences_of_duty(&mut c.ex(), org, &d.id).await?.into_iter().filter(|o| o.state == "done") {
            done.push((o.done_on.clone().unwrap_or(o.due.clone()), o.id, d.title.clone()));
        }
    }
    done.sort_by(|x, y| y.0.cmp(&x.0));
    out.extend(done.into_iter().take(PER_KIND).map(|(when, id, title)| Sample {
        kind: "duty_occurrence",
        id,
        title,
        when,
    }));
    let types: Vec<(String, String)> = rows::request_types(&mut c.ex(), org)
        .await?
        .iter()
        .filter_map(|r| serde_json::from_str::<mamori_domain::workflow::RequestType>(&r.def_json).ok())
        .filter(|t| t.controls.iter().any(|x| x == control))
        .map(|t| (t.key, t.name))
        .collect();
    let mut requests: Vec<_> = rows::requests(&mut c.ex(), org)
        .await?
        .into_iter()
        .filter(|r| types.iter().any(|(k, _)| *k == r.type_key))
        .collect();
    requests.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    out.extend(requests.into_iter().take(PER_KIND).map(|r| Sample {
        kind: "request",
        id: r.id,
        title: r.title,
        when: crate::tokyo_date(r.created_at).to_string(),
    }));
    drop(c);
    if actor.grants.has(mamori_domain::permission::Permission::RegistersView) {
        for s in crate::registers::list(db, actor, now).await? {
            if s.def.controls.iter().any(|x| x == control) {
                out.push(Sample {
                    kind: "register",
                    id: s.def.key.clone(),
                    title: s.def.name.clone(),
                    when: s.rows.to_string(),
                });
            }
        }
    }
    Ok(out)
}
