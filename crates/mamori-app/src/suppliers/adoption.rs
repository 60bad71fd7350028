//! A cloud service adopted through its request (5.23 (1): 経営責任者が導入を判断する). The
//! `cloud_service` request type's register link (data) names the supplier register; approving a
//! 導入 request writes the supplier with everything a supplier brings (requirements to confirm,
//! recurring checks, the regulation's notes naming it) in the approval's transaction. When the
//! provider is already a supplier in use, its services are extended instead (one supplier, several
//! services); a provider whose use has ended is refused: its end was decided, and taking it up
//! again is a new supplier decision made on the supplier's page.
//!
//! Who may: whoever the request's workflow lets approve (the request engine decides before this
//! runs); the supplier register's own edit roles are not asked again.

use super::{Prepared, REGISTER};
use crate::error::internal;
use crate::{Actor, AppError, registers};
use jiff::civil::Date;
use mamori_store::Db;
use mamori_store::rows;
use serde_json::{Map, Value};

/// What an approved adoption writes.
pub enum Adoption {
    /// A new supplier.
    New(Box<Prepared>),
    /// A supplier in use whose services are extended (`None`: the service is already listed).
    Known {
        /// The supplier's id.
        id: String,
        /// The register patch.
        patch: Option<Box<registers::Prepared>>,
    },
}

impl Adoption {
    /// The supplier's id.
    pub fn supplier_id(&self) -> &str {
        match self {
            Adoption::New(p) => &p.register.row.id,
            Adoption::Known { id, .. } => id,
        }
    }
}

/// The request field each supplier field comes from (problems are shown at the request's fields).
const FROM: [(&str, &str); 4] =
    [("name", "provider"), ("services", "service"), ("information", "data"), ("security_clauses", "security")];

fn at_request_fields(e: AppError) -> AppError {
    let rename = |k: String| FROM.iter().find(|(s, _)| *s == k).map(|(_, r)| (*r).to_string()).unwrap_or(k);
    match e {
        AppError::Validation(p) => AppError::Validation(p.into_iter().map(|(k, m)| (rename(k), m)).collect()),
        AppError::Rows(p) => AppError::Rows(
            p.into_iter()
                .map(|mut x| {
                    x.field = rename(x.field);
                    x
                })
                .collect(),
        ),
        other => other,
    }
}

/// Checks what an adoption with these supplier `values` (from the request's register link)
/// will write.
pub async fn prepare(db: &Db, actor: &Actor, values: &Map<String, Value>, now: i64) -> Result<Adoption, AppError> {
    let name = values.get("name").and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let service = values.get("services").and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let known = {
        let mut c = db.conn().await?;
        rows::register_rows_all(&mut c.ex(), &actor.org_id, REGISTER, false).await?
    }
    .into_iter()
    .map(|r| Ok((r.id, serde_json::from_str::<Map<String, Value>>(&r.values_json).map_err(internal)?)))
    .collect::<Result<Vec<_>, AppError>>()?
    .into_iter()
    .find(|(_, v)| {
        v.get("name").and_then(Value::as_str).is_some_and(|n| !name.is_empty() && n.trim().eq_ignore_ascii_case(&name))
    });
    let Some((id, v)) = known else {
        return super::prepare(db, actor, values.clone(), now)
            .await
            .map(|p| Adoption::New(Box::new(p)))
            .map_err(at_request_fields);
    };
    if v.get("status").and_then(Value::as_str) == Some("終了") {
        return Err(AppError::Validation(vec![("provider".into(), "field-supplier-ended".into())]));
    }
    let listed = v.get("services").and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let already = listed.split(['、', ',', '，', '/']).any(|s| s.trim() == service);
    let patch = if already || service.is_empty() {
        None
    } else {
        let mut m = Map::new();
        let joined = if listed.is_empty() { service } else { format!("{listed}、{service}") };
        m.insert("services".into(), Value::from(joined));
        Some(Box::new(registers::prepare_patch(db, actor, REGISTER, &id, &m, now).await.map_err(at_request_fields)?))
    };
    Ok(Adoption::Known { id, patch })
}

/// Writes a prepared adoption in `tx`; the caller materialises duties after its commit.
pub async fn apply(
    tx: &mut mamori_store::Tx,
    actor: &Actor,
    a: &Adoption,
    today: Date,
    now: i64,
) -> Result<(), AppError> {
    match a {
        Adoption::New(p) => super::apply(tx, actor, p, today, now).await,
        Adoption::Known { patch: Some(p), .. } => registers::apply(tx, actor, p, now).await,
        Adoption::Known { patch: None, .. } => Ok(()),
    }
}
