//! The questionnaire re-sent on a supplier's re-evaluation (5.22). The due date is the
//! supplier's own re-evaluation duty — the annual duty its kind brings, 「{name} の再評価（…）」
//! (`mamori_domain::supplier::is_reevaluation`) —: when one of its occurrences is due (on the
//! due day, or up to [`CATCH_UP_DAYS`] later when no round ran that day) and still open, a new
//! questionnaire with the last template the supplier was sent (as that template is now; its
//! last snapshot when the template is gone) is sent to the supplier's contact address: the
//! link is mailed through the outbox, the questionnaire records the re-evaluation's due date
//! (unique per supplier: a re-evaluation sends once, however often the round runs) and the
//! audit trail records it. Not sent: a supplier that ended (終了), has no contact address, or
//! was never sent a questionnaire (its re-evaluation is done by hand), and nothing at all
//! without the server's public address (the link would lead nowhere).
//!
//! Run by the reminder round (`reminders::queue`), which knows the public address and the
//! mail text; time is a parameter.

use super::questionnaires::{VALID_DAYS, template_of};
use super::{REGISTER, require_register};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::supplier::is_reevaluation;
use mamori_store::Db;
use mamori_store::rows::{self, QuestionnaireRow};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Days after a due date that a missed round still sends.
pub const CATCH_UP_DAYS: i64 = 14;

/// The mail text: (key, arguments) → text, from the caller's catalogue.
pub type Text<'a> = &'a (dyn Fn(&str, &[(&str, String)]) -> String + Send + Sync);

/// One questionnaire sent by a re-evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resent {
    /// The supplier.
    pub supplier_id: String,
    /// The re-evaluation's due date.
    pub due: String,
    /// The questionnaire.
    pub questionnaire_id: String,
    /// Where the link was mailed.
    pub mailed_to: String,
}

fn days(d: Date, n: i64) -> Result<Date, AppError> {
    d.checked_add(jiff::Span::new().days(n)).map_err(internal)
}

/// Sends the questionnaires of the re-evaluations due on `today` in an organisation (each
/// once) → what was sent.
pub async fn send_due(
    db: &Db,
    org_id: &str,
    base_url: &str,
    text: Text<'_>,
    today: Date,
    now: i64,
) -> Result<Vec<Resent>, AppError> {
    crate::duties::ensure_materialized(db, org_id, today).await?;
    let from = days(today, -CATCH_UP_DAYS)?.to_string();
    let (suppliers, duties, occurrences, sent, org) = {
        let mut c = db.conn().await?;
        (
            rows::register_rows_all(&mut c.ex(), org_id, REGISTER, false).await?,
            rows::duties(&mut c.ex(), org_id).await?,
            rows::occurrences_between(&mut c.ex(), org_id, &from, &today.to_string()).await?,
            rows::reevaluation_sends(&mut c.ex(), org_id).await?,
            rows::org_by_id(&mut c.ex(), org_id).await?.map(|o| o.name).unwrap_or_default(),
        )
    };
    let mut out = Vec::new();
    for s in suppliers {
        let values: Map<String, Value> = serde_json::from_str(&s.values_json).unwrap_or_default();
        let get = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_string();
        let email = get("contact_email");
        if get("status") == "終了" || !email.contains('@') {
            continue;
        }
        let due = occurrences
            .iter()
            .filter(|o| o.state == "open")
            .filter(|o| {
                duties.iter().any(|d| {
                    d.id == o.duty_id
                        && d.active != 0
                        && d.supplier_id.as_deref() == Some(s.id.as_str())
                        && is_reevaluation(&d.title, d.frequency.as_deref())
                })
            })
            .map(|o| o.due.clone())
            .find(|due| !sent.iter().any(|(sid, d)| *sid == s.id && d == due));
        let Some(due) = due else { continue };
        let last = {
            let mut c = db.conn().await?;
            rows::questionnaires_of(&mut c.ex(), org_id, &s.id).await?.into_iter().next()
        };
        let Some(last) = last else { continue };
        let template = match super::templates::find(db, org_id, &last.template).await? {
            Some(t) => t,
            None => match template_of(&last) {
                Some(t) => t,
                None => continue,
            },
        };
        let token = crate::random::token()?;
        let row = QuestionnaireRow {
            id: new_id(),
            org_id: org_id.to_string(),
            supplier_id: s.id.clone(),
            template: template.key.clone(),
            token_hash: mamori_domain::hex::encode(&Sha256::digest(token.as_bytes())),
            state: "sent".into(),
            sent_at: now,
            expires_at: now + VALID_DAYS * 86_400_000,
            answered_at: None,
            respondent: None,
            answers_json: None,
            score: None,
            created_by: "cli".into(),
            template_json: Some(serde_json::to_string(&template).map_err(internal)?),
            reeval_due: Some(due.clone()),
            mailed_to: Some(email.clone()),
        };
        let url = format!("{}/q/{token}", base_url.trim_end_matches('/'));
        let name = get("name");
        let args = [
            ("organisation", org.clone()),
            ("supplier", name.clone()),
            ("when", crate::tokyo_datetime(row.expires_at)),
            ("url", url),
        ];
        let mail = crate::outbox::Mail {
            dedupe_key: format!("questionnaire:{}:{email}", row.id),
            kind: "questionnaire",
            recipient: email.clone(),
            subject: text("q-mail-subject", &args),
            body: text("q-mail-body", &args),
        };
        let mut tx = db.begin().await?;
        if !rows::insert_questionnaire(&mut tx.ex(), &row).await? {
            continue;
        }
        crate::outbox::queue(&mut tx, org_id, mail, now).await?;
        crate::audit::created(
            &mut tx,
            &Actor::cli(org_id),
            "supplier_questionnaire",
            &row.id,
            &serde_json::json!({"supplier": name, "template": template.title, "reevaluation": due, "mailed_to": email}),
            now,
        )
        .await?;
        tx.commit().await?;
        out.push(Resent { supplier_id: s.id, due, questionnaire_id: row.id, mailed_to: email });
    }
    Ok(out)
}

/// A supplier's next re-evaluation on or after `today` (its due date), for its page.
pub async fn next_due(db: &Db, actor: &Actor, supplier_id: &str, today: Date) -> Result<Option<String>, AppError> {
    require_register(db, actor, false).await?;
    crate::duties::ensure_materialized(db, &actor.org_id, today).await?;
    let mut c = db.conn().await?;
    let duties = rows::duties(&mut c.ex(), &actor.org_id).await?;
    let Some(d) = duties.iter().find(|d| {
        d.active != 0
            && d.supplier_id.as_deref() == Some(supplier_id)
            && is_reevaluation(&d.title, d.frequency.as_deref())
    }) else {
        return Ok(None);
    };
    let today = today.to_string();
    Ok(rows::occurrences_of_duty(&mut c.ex(), &actor.org_id, &d.id)
        .await?
        .into_iter()
        .filter(|o| o.state == "open" && o.due >= today)
        .map(|o| o.due)
        .min())
}
