//! Suppliers (issue 19): the requirements confirmed per supplier, and the links of duties and
//! open items to a supplier (the supplier itself is a row of the `suppliers` register).

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// One requirement of one supplier.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SupplierRequirementRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The supplier (its register row id).
    pub supplier_id: String,
    /// The requirement's key (`mamori_domain::supplier`).
    pub key: String,
    /// unconfirmed | confirmed | not_applicable | deviation.
    pub state: String,
    /// The evidence or reason.
    pub evidence: String,
    /// Who confirmed it (user id).
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<i64>,
    /// Changed.
    pub updated_at: i64,
}

const COLS: &str = "id, org_id, supplier_id, key, state, evidence, confirmed_by, confirmed_at, updated_at";

/// Writes a requirement's state (inserted, or replacing the supplier's row for that key).
pub async fn upsert_supplier_requirement(ex: &mut Ex<'_>, r: &SupplierRequirementRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO supplier_requirement (",
            COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, supplier_id, key) DO UPDATE SET \
             state = excluded.state, evidence = excluded.evidence, confirmed_by = excluded.confirmed_by, \
             confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at"
        ]),
        &r.id,
        &r.org_id,
        &r.supplier_id,
        &r.key,
        &r.state,
        &r.evidence,
        &r.confirmed_by,
        r.confirmed_at,
        r.updated_at
    )?;
    Ok(())
}

/// Every requirement row of the organisation (all suppliers).
pub async fn supplier_requirements(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<SupplierRequirementRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        SupplierRequirementRow,
        sql(&["SELECT ", COLS, " FROM supplier_requirement WHERE org_id = $1 ORDER BY supplier_id, key"]),
        org_id
    )?)
}

/// Links an open item to the supplier it waits for.
pub async fn link_open_item_supplier(
    ex: &mut Ex<'_>,
    org_id: &str,
    item_id: &str,
    supplier_id: &str,
) -> Result<(), StoreError> {
    exec!(ex, "UPDATE open_item SET supplier_id = $1 WHERE org_id = $2 AND id = $3", supplier_id, org_id, item_id)?;
    Ok(())
}

/// (open item id, supplier id) of every open item linked to a supplier.
pub async fn open_item_suppliers(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Link {
        id: String,
        supplier_id: String,
    }
    Ok(fetch_all!(
        ex,
        Link,
        "SELECT id, supplier_id FROM open_item WHERE org_id = $1 AND supplier_id IS NOT NULL ORDER BY id",
        org_id
    )?
    .into_iter()
    .map(|l| (l.id, l.supplier_id))
    .collect())
}

/// A questionnaire sent to a supplier.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct QuestionnaireRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The supplier.
    pub supplier_id: String,
    /// The template's key.
    pub template: String,
    /// SHA-256 (hex) of the link's token.
    #[serde(skip)]
    pub token_hash: String,
    /// sent | answered.
    pub state: String,
    /// When sent.
    pub sent_at: i64,
    /// When the link stops working.
    pub expires_at: i64,
    /// When answered.
    pub answered_at: Option<i64>,
    /// Who answered (as they wrote their name).
    pub respondent: Option<String>,
    /// The answers (JSON by question key).
    pub answers_json: Option<String>,
    /// The score in percent.
    pub score: Option<i64>,
    /// Who sent it (user id; `cli` for the automatic re-send).
    pub created_by: String,
    /// The template as sent (JSON of `mamori_domain::questionnaire::Template`); none on rows
    /// sent before migration 0024.
    #[serde(skip)]
    pub template_json: Option<String>,
    /// The due date of the re-evaluation that sent it automatically.
    pub reeval_due: Option<String>,
    /// The address the automatic re-send mailed the link to.
    pub mailed_to: Option<String>,
}

const Q_COLS: &str = "id, org_id, supplier_id, template, token_hash, state, sent_at, expires_at, answered_at, respondent, answers_json, score, created_by, template_json, reeval_due, mailed_to";

/// Adds a questionnaire → false (nothing written) when one was sent for the same re-evaluation
/// already (`reeval_due` is unique per supplier; a questionnaire sent by hand has none).
pub async fn insert_questionnaire(ex: &mut Ex<'_>, q: &QuestionnaireRow) -> Result<bool, StoreError> {
    let n = exec!(
        ex,
        sql(&[
            "INSERT INTO supplier_questionnaire (",
            Q_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (org_id, supplier_id, reeval_due) DO NOTHING"
        ]),
        &q.id,
        &q.org_id,
        &q.supplier_id,
        &q.template,
        &q.token_hash,
        &q.state,
        q.sent_at,
        q.expires_at,
        q.answered_at,
        &q.respondent,
        &q.answers_json,
        q.score,
        &q.created_by,
        &q.template_json,
        &q.reeval_due,
        &q.mailed_to
    )?;
    Ok(n > 0)
}

/// The questionnaire of a link (any organisation: the token is the access).
pub async fn questionnaire_by_token(ex: &mut Ex<'_>, token_hash: &str) -> Result<Option<QuestionnaireRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        QuestionnaireRow,
        sql(&["SELECT ", Q_COLS, " FROM supplier_questionnaire WHERE token_hash = $1"]),
        token_hash
    )?)
}

/// The questionnaires of a supplier, newest first.
pub async fn questionnaires_of(
    ex: &mut Ex<'_>,
    org_id: &str,
    supplier_id: &str,
) -> Result<Vec<QuestionnaireRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        QuestionnaireRow,
        sql(&[
            "SELECT ",
            Q_COLS,
            " FROM supplier_questionnaire WHERE org_id = $1 AND supplier_id = $2 ORDER BY sent_at DESC, id"
        ]),
        org_id,
        supplier_id
    )?)
}

/// Records the answers of a questionnaire still `sent` (0 when it was answered meanwhile).
pub async fn answer_questionnaire(ex: &mut Ex<'_>, q: &QuestionnaireRow) -> Result<u64, StoreError> {
    Ok(exec!(
        ex,
        "UPDATE supplier_questionnaire SET state = $1, answered_at = $2, respondent = $3, answers_json = $4, score = $5 \
         WHERE org_id = $6 AND id = $7 AND state = 'sent'",
        &q.state,
        q.answered_at,
        &q.respondent,
        &q.answers_json,
        q.score,
        &q.org_id,
        &q.id
    )?)
}

/// The completed occurrences of every duty generated for a supplier (one query for all
/// suppliers), latest due first.
pub async fn supplier_checks_done(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<super::OccurrenceRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        super::OccurrenceRow,
        "SELECT o.id, o.org_id, o.duty_id, o.due, o.state, o.done_by, o.done_on, o.done_at, o.note, o.evidence, \
         o.skip_reason, o.record_ref FROM duty_occurrence o JOIN duty d ON d.id = o.duty_id AND d.org_id = o.org_id \
         WHERE o.org_id = $1 AND o.state = 'done' AND d.supplier_id IS NOT NULL ORDER BY o.due DESC, o.id",
        org_id
    )?)
}
