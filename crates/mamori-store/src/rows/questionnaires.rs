//! Supplier questionnaires (migration 0024): an organisation's own templates, the files a
//! supplier sent with the answers, and the automatic re-send on a re-evaluation.

use super::sql;
use crate::{Ex, StoreError, exec, fetch_all, fetch_optional};

/// A questionnaire template of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct QuestionnaireTemplateRow {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The key a questionnaire's `template` names.
    pub key: String,
    /// Title.
    pub title: String,
    /// The introduction shown to the supplier.
    pub intro: String,
    /// The sections (JSON of `mamori_domain::questionnaire::Section`s).
    pub sections_json: String,
    /// The file it was imported from.
    pub source_name: String,
    /// Who imported it (user id, or `cli`).
    pub created_by: String,
    /// Created.
    pub created_at: i64,
    /// Last replaced.
    pub updated_at: i64,
}

const T_COLS: &str = "id, org_id, key, title, intro, sections_json, source_name, created_by, created_at, updated_at";

/// Adds a template, or replaces the one of the same key (its id and creation kept).
pub async fn upsert_questionnaire_template(ex: &mut Ex<'_>, t: &QuestionnaireTemplateRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&[
            "INSERT INTO questionnaire_template (",
            T_COLS,
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (org_id, key) DO UPDATE SET \
             title = excluded.title, intro = excluded.intro, sections_json = excluded.sections_json, \
             source_name = excluded.source_name, updated_at = excluded.updated_at"
        ]),
        &t.id,
        &t.org_id,
        &t.key,
        &t.title,
        &t.intro,
        &t.sections_json,
        &t.source_name,
        &t.created_by,
        t.created_at,
        t.updated_at
    )?;
    Ok(())
}

/// The organisation's templates, by title.
pub async fn questionnaire_templates(
    ex: &mut Ex<'_>,
    org_id: &str,
) -> Result<Vec<QuestionnaireTemplateRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        QuestionnaireTemplateRow,
        sql(&["SELECT ", T_COLS, " FROM questionnaire_template WHERE org_id = $1 ORDER BY title, key"]),
        org_id
    )?)
}

/// One template of the organisation by key.
pub async fn questionnaire_template(
    ex: &mut Ex<'_>,
    org_id: &str,
    key: &str,
) -> Result<Option<QuestionnaireTemplateRow>, StoreError> {
    Ok(fetch_optional!(
        ex,
        QuestionnaireTemplateRow,
        sql(&["SELECT ", T_COLS, " FROM questionnaire_template WHERE org_id = $1 AND key = $2"]),
        org_id,
        key
    )?)
}

/// A file sent with a questionnaire's answers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct QuestionnaireFileRow {
    /// Id.
    pub id: String,
    /// Organisation (the asking one).
    pub org_id: String,
    /// The questionnaire.
    pub questionnaire_id: String,
    /// The question it goes with; none for the whole questionnaire.
    pub question_key: Option<String>,
    /// SHA-256 in the evidence store.
    pub sha256: String,
    /// The name it was sent with.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Content type (by content).
    pub content_type: String,
    /// When.
    pub uploaded_at: i64,
}

const F_COLS: &str = "id, org_id, questionnaire_id, question_key, sha256, name, size, content_type, uploaded_at";

/// Records a file of a questionnaire.
pub async fn insert_questionnaire_file(ex: &mut Ex<'_>, f: &QuestionnaireFileRow) -> Result<(), StoreError> {
    exec!(
        ex,
        sql(&["INSERT INTO supplier_questionnaire_file (", F_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"]),
        &f.id,
        &f.org_id,
        &f.questionnaire_id,
        &f.question_key,
        &f.sha256,
        &f.name,
        f.size,
        &f.content_type,
        f.uploaded_at
    )?;
    Ok(())
}

/// The files of a questionnaire, in the order sent.
pub async fn questionnaire_files(
    ex: &mut Ex<'_>,
    org_id: &str,
    questionnaire_id: &str,
) -> Result<Vec<QuestionnaireFileRow>, StoreError> {
    Ok(fetch_all!(
        ex,
        QuestionnaireFileRow,
        sql(&[
            "SELECT ",
            F_COLS,
            " FROM supplier_questionnaire_file WHERE org_id = $1 AND questionnaire_id = $2 ORDER BY uploaded_at, id"
        ]),
        org_id,
        questionnaire_id
    )?)
}

/// Whether an evidence file was sent with some questionnaire of the organisation.
pub async fn questionnaire_file_exists(ex: &mut Ex<'_>, org_id: &str, sha256: &str) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct I {
        id: String,
    }
    let found: Option<I> = fetch_optional!(
        ex,
        I,
        "SELECT id FROM supplier_questionnaire_file WHERE org_id = $1 AND sha256 = $2 ORDER BY id LIMIT 1",
        org_id,
        sha256
    )?;
    Ok(found.is_some_and(|i| !i.id.is_empty()))
}

/// Every questionnaire of the organisation sent by a re-evaluation (supplier, due date).
pub async fn reevaluation_sends(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct S {
        supplier_id: String,
        reeval_due: String,
    }
    Ok(fetch_all!(
        ex,
        S,
        "SELECT supplier_id, reeval_due FROM supplier_questionnaire WHERE org_id = $1 AND reeval_due IS NOT NULL \
         ORDER BY supplier_id, reeval_due",
        org_id
    )?
    .into_iter()
    .map(|s| (s.supplier_id, s.reeval_due))
    .collect())
}
