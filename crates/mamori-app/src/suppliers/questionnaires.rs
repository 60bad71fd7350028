//! Security questionnaires sent to a supplier (5.19–5.21): a personal link (a random token,
//! stored as its SHA-256 only, valid [`VALID_DAYS`] days, one organisation's, usable once) that
//! works without a mamori account; the supplier answers online; the answers are scored against
//! the expected ones (`mamori_domain::questionnaire`) and each supplier requirement a question
//! proves is set from them while it is still unconfirmed: confirmed when met, `deviation` (a
//! follow-up) when not. A requirement someone confirmed is never overwritten by an answer.
//!
//! A questionnaire keeps the template as sent (`template_json`): a later change of the template
//! never changes what was asked or answered. Templates are the shipped ones or the
//! organisation's own (`templates`). Files may come with the answers ([`IncomingFile`]: for one
//! question or the whole questionnaire; capped in count, size, total and type) and are stored
//! in the asking organisation's evidence store.
//!
//! Who may: sending and reading follow the supplier register (its edit and view roles), and so
//! does reading the files sent with the answers; answering needs only the link.

use super::{get, require_register};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::questionnaire::{self as rules, Answers, Score, Template};
use mamori_domain::supplier::ReqState;
use mamori_store::Db;
use mamori_store::rows::{self, QuestionnaireFileRow, QuestionnaireRow, SupplierRequirementRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Days a link works.
pub const VALID_DAYS: i64 = 30;

/// The longest respondent name kept.
pub const MAX_RESPONDENT: usize = 100;

fn hash(token: &str) -> String {
    mamori_domain::hex::encode(&Sha256::digest(token.as_bytes()))
}

/// Sends a questionnaire of `template` to a supplier → (the questionnaire, the link's token).
pub async fn send(
    db: &Db,
    actor: &Actor,
    supplier_id: &str,
    template: &str,
    today: Date,
    now: i64,
) -> Result<(QuestionnaireRow, String), AppError> {
    require_register(db, actor, true).await?;
    let me = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let Some(t) = super::templates::find(db, &actor.org_id, template).await? else {
        return Err(AppError::Validation(vec![("template".into(), "field-not-a-choice".into())]));
    };
    let supplier = get(db, actor, supplier_id, today).await?;
    let token = crate::random::token()?;
    let row = QuestionnaireRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        supplier_id: supplier.id.clone(),
        template: template.to_string(),
        token_hash: hash(&token),
        state: "sent".into(),
        sent_at: now,
        expires_at: now + VALID_DAYS * 86_400_000,
        answered_at: None,
        respondent: None,
        answers_json: None,
        score: None,
        created_by: me,
        template_json: Some(serde_json::to_string(&t).map_err(internal)?),
        reeval_due: None,
        mailed_to: None,
    };
    let mut tx = db.begin().await?;
    rows::insert_questionnaire(&mut tx.ex(), &row).await?;
    crate::audit::created(
        &mut tx,
        actor,
        "supplier_questionnaire",
        &row.id,
        &serde_json::json!({"supplier": supplier.name(), "template": t.title}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((row, token))
}

/// What the link shows to the supplier.
#[derive(Debug, Clone, Serialize)]
pub struct Public {
    /// The asking organisation's name.
    pub organisation: String,
    /// The supplier's name.
    pub supplier: String,
    /// The questions as sent.
    pub template: Template,
    /// When the link stops working.
    pub expires_at: i64,
}

/// Why a link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// No such link.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Already answered.
    Answered,
}

/// Opens a link: what it asks, or why it is closed.
pub async fn open(db: &Db, token: &str, now: i64) -> Result<Result<(QuestionnaireRow, Public), Closed>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(Closed::Unknown));
    }
    let mut c = db.conn().await?;
    let Some(q) = rows::questionnaire_by_token(&mut c.ex(), &hash(token)).await? else {
        return Ok(Err(Closed::Unknown));
    };
    if q.state != "sent" {
        return Ok(Err(Closed::Answered));
    }
    if now >= q.expires_at {
        return Ok(Err(Closed::Expired));
    }
    let org = rows::org_by_id(&mut c.ex(), &q.org_id).await?.map(|o| o.name).unwrap_or_default();
    let supplier = rows::register_rows_all(&mut c.ex(), &q.org_id, super::REGISTER, false)
        .await?
        .into_iter()
        .find(|r| r.id == q.supplier_id)
        .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.values_json).ok())
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .ok_or(AppError::NotFound)?;
    let template = template_of(&q).ok_or(AppError::NotFound)?;
    Ok(Ok((q.clone(), Public { organisation: org, supplier, template, expires_at: q.expires_at })))
}

/// The questions a questionnaire asked: its snapshot, or (sent before snapshots were kept) the
/// shipped template of its key.
pub fn template_of(q: &QuestionnaireRow) -> Option<Template> {
    match &q.template_json {
        Some(j) => serde_json::from_str(j).ok(),
        None => rules::template(&q.template).cloned(),
    }
}

/// The most files sent with one questionnaire's answers.
pub const MAX_FILES: usize = 10;
/// The largest file sent with the answers.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most bytes of all files sent with one questionnaire's answers.
pub const MAX_FILES_TOTAL: usize = 15 * 1024 * 1024;
/// The kinds of file accepted with the answers: (extension, content type found by content).
pub const FILE_TYPES: [(&str, &str); 8] = [
    ("pdf", "application/pdf"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("csv", "text/plain; charset=utf-8"),
    ("txt", "text/plain; charset=utf-8"),
];

/// A file sent with the answers, as received (the reader stops keeping bytes past the caps:
/// `truncated` says so, and the file is refused).
#[derive(Debug, Clone, Default)]
pub struct IncomingFile {
    /// The question it goes with (`q01` …); none for the whole questionnaire.
    pub question: Option<String>,
    /// The name it was sent with.
    pub name: String,
    /// Its bytes (at most [`MAX_FILE_BYTES`] + 1 kept).
    pub bytes: Vec<u8>,
    /// More arrived than was kept (over a cap).
    pub truncated: bool,
}

impl IncomingFile {
    /// The form field it was sent in: `f_{question}` or `files`.
    pub fn field(&self) -> String {
        self.question.as_ref().map(|q| format!("f_{q}")).unwrap_or_else(|| "files".into())
    }
}

/// The content type of an accepted file, or the message key of its refusal.
fn file_type(f: &IncomingFile) -> Result<&'static str, &'static str> {
    if f.truncated || f.bytes.len() > MAX_FILE_BYTES {
        return Err("q-file-too-large");
    }
    if f.bytes.is_empty() {
        return Err("q-file-empty");
    }
    let lower = f.name.to_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let sniffed = crate::evidence::sniff(f.bytes.get(..512).unwrap_or(&f.bytes), &f.name);
    FILE_TYPES.iter().find(|(e, t)| *e == ext && sniffed == Some(*t)).map(|(_, t)| *t).ok_or("q-file-type")
}

/// Every problem of the files sent with answers to `t`: (field, message key).
pub fn check_files(t: &Template, files: &[IncomingFile]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut total = 0usize;
    for (i, f) in files.iter().enumerate() {
        let field = f.field();
        if let Some(q) = &f.question
            && !t.questions().any(|x| &x.key == q)
        {
            out.push((field, "q-unknown-question".into()));
            continue;
        }
        if i >= MAX_FILES {
            out.push((field, "q-file-too-many".into()));
            continue;
        }
        total = total.saturating_add(f.bytes.len());
        if total > MAX_FILES_TOTAL {
            out.push((field, "q-files-too-large".into()));
            continue;
        }
        if let Err(k) = file_type(f) {
            out.push((field, k.into()));
        }
    }
    out
}

/// Records the answers given through a link → the score; `Validation` naming each question
/// (`q01` …) not answered, `Conflict` when the link is closed.
pub async fn answer(db: &Db, token: &str, respondent: &str, answers: Answers, now: i64) -> Result<Score, AppError> {
    answer_with_files(db, None, token, respondent, answers, Vec::new(), now).await
}

/// [`answer`] with files (per question or for the whole questionnaire) stored in the asking
/// organisation's evidence store; every problem of the answers and the files comes back
/// together (`f_{key}` / `files` for a file) and nothing is stored then.
pub async fn answer_with_files(
    db: &Db,
    store: Option<&crate::evidence::EvidenceStore>,
    token: &str,
    respondent: &str,
    answers: Answers,
    files: Vec<IncomingFile>,
    now: i64,
) -> Result<Score, AppError> {
    let (q, public) = open(db, token, now).await?.map_err(|_| AppError::Conflict)?;
    let t = &public.template;
    let mut problems: Vec<(String, String)> =
        rules::validate(t, &answers).into_iter().map(|(k, m)| (k, m.to_string())).collect();
    crate::checks::text(&mut problems, "respondent", respondent, MAX_RESPONDENT, true);
    problems.extend(check_files(t, &files));
    crate::checks::done(problems)?;
    let mut stored = Vec::new();
    if !files.is_empty() {
        let store = store.ok_or_else(|| AppError::Internal("no evidence store for questionnaire files".into()))?;
        for f in &files {
            let known = file_type(f).ok();
            let row = crate::evidence::store_received(store, &q.org_id, &f.name, &f.bytes, known, now).await?;
            stored.push((f.question.clone(), row));
        }
    }
    let score = rules::score(t, &answers);
    let findings = rules::requirement_findings(t, &answers);
    let current = {
        let mut c = db.conn().await?;
        rows::supplier_requirements(&mut c.ex(), &q.org_id).await?
    };
    let day = crate::tokyo_date(now);
    let after = QuestionnaireRow {
        state: "answered".into(),
        answered_at: Some(now),
        respondent: Some(respondent.trim().to_string()),
        answers_json: Some(serde_json::to_string(&answers).map_err(internal)?),
        score: Some(score.percent),
        ..q.clone()
    };
    let file_count = stored.len();
    let mut tx = db.begin().await?;
    if rows::answer_questionnaire(&mut tx.ex(), &after).await? == 0 {
        return Err(AppError::Conflict);
    }
    for (question, row) in stored {
        let row = crate::evidence::record_received(&mut tx, row, now).await?;
        let f = QuestionnaireFileRow {
            id: new_id(),
            org_id: q.org_id.clone(),
            questionnaire_id: q.id.clone(),
            question_key: question,
            sha256: row.sha256,
            name: row.original_name,
            size: row.size,
            content_type: row.content_type,
            uploaded_at: now,
        };
        rows::insert_questionnaire_file(&mut tx.ex(), &f).await?;
    }
    for (key, met) in findings {
        let unconfirmed = current
            .iter()
            .find(|r| r.supplier_id == q.supplier_id && r.key == key)
            .is_none_or(|r| r.state == ReqState::Unconfirmed.key());
        if !unconfirmed {
            continue;
        }
        let (state, evidence) = if met {
            (ReqState::Confirmed, format!("{day} の質問票への回答（{}）", respondent.trim()))
        } else {
            (ReqState::Deviation, format!("{day} の質問票で要求を満たさない回答があった（要確認）"))
        };
        let row = SupplierRequirementRow {
            id: new_id(),
            org_id: q.org_id.clone(),
            supplier_id: q.supplier_id.clone(),
            key,
            state: state.key().into(),
            evidence,
            confirmed_by: None,
            confirmed_at: Some(now),
            updated_at: now,
        };
        rows::upsert_supplier_requirement(&mut tx.ex(), &row).await?;
    }
    let who = Actor::cli(&q.org_id);
    crate::audit::updated(
        &mut tx,
        &who,
        "supplier_questionnaire",
        &q.id,
        &serde_json::json!({"state": "sent"}),
        &serde_json::json!({"state": "answered", "score": score.percent, "respondent": respondent.trim(), "files": file_count}),
        now,
    )
    .await?;
    tx.commit().await?;
    super::requirements::resolve_notes(db, &who, day, now).await?;
    Ok(score)
}

/// A questionnaire as its sender reads it.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionnaireView {
    /// The row.
    #[serde(flatten)]
    pub row: QuestionnaireRow,
    /// The answers.
    pub answers: Answers,
    /// The score with its deviations (once answered).
    pub score: Option<Score>,
    /// The questions as sent.
    #[serde(skip)]
    pub template: Option<Template>,
    /// The files sent with the answers.
    pub files: Vec<QuestionnaireFileRow>,
}

/// The questionnaires of a supplier, newest first.
pub async fn list(db: &Db, actor: &Actor, supplier_id: &str, today: Date) -> Result<Vec<QuestionnaireView>, AppError> {
    let s = get(db, actor, supplier_id, today).await?;
    let list = {
        let mut c = db.conn().await?;
        rows::questionnaires_of(&mut c.ex(), &actor.org_id, &s.id).await?
    };
    let mut out = Vec::with_capacity(list.len());
    for row in list {
        let answers: Answers =
            row.answers_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        let template = template_of(&row);
        let score = (row.state == "answered").then(|| template.as_ref().map(|t| rules::score(t, &answers))).flatten();
        let files = if row.state == "answered" {
            let mut c = db.conn().await?;
            rows::questionnaire_files(&mut c.ex(), &actor.org_id, &row.id).await?
        } else {
            Vec::new()
        };
        out.push(QuestionnaireView { row, answers, score, template, files });
    }
    Ok(out)
}

/// One questionnaire of a supplier.
pub async fn one(
    db: &Db,
    actor: &Actor,
    supplier_id: &str,
    id: &str,
    today: Date,
) -> Result<QuestionnaireView, AppError> {
    require_register(db, actor, false).await?;
    list(db, actor, supplier_id, today).await?.into_iter().find(|q| q.row.id == id).ok_or(AppError::NotFound)
}

/// Queues the mail carrying a questionnaire's link to the supplier's contact (text from the
/// caller's catalogue); false when already queued.
pub async fn mail_link(
    db: &Db,
    actor: &Actor,
    questionnaire_id: &str,
    recipient: &str,
    subject: String,
    body: String,
    now: i64,
) -> Result<bool, AppError> {
    require_register(db, actor, true).await?;
    let mut tx = db.begin().await?;
    let mail = crate::outbox::Mail {
        dedupe_key: format!("questionnaire:{questionnaire_id}:{recipient}"),
        kind: "questionnaire",
        recipient: recipient.to_string(),
        subject,
        body,
    };
    let queued = crate::outbox::queue(&mut tx, &actor.org_id, mail, now).await?;
    tx.commit().await?;
    Ok(queued)
}

/// The answers of a questionnaire as a table (xlsx, CSV, PDF): each question with its answer,
/// the expected answer, whether it needs follow-up, and the comment.
pub async fn answers_table(
    db: &Db,
    actor: &Actor,
    supplier_id: &str,
    id: &str,
    today: Date,
) -> Result<crate::export::Table, AppError> {
    use crate::export::{Cell, Table};
    let v = one(db, actor, supplier_id, id, today).await?;
    let s = get(db, actor, supplier_id, today).await?;
    let t = v.template.clone().ok_or(AppError::NotFound)?;
    let ja = mamori_domain::questionnaire_sheet::answer_label;
    let names = |key: Option<&str>| {
        v.files
            .iter()
            .filter(|f| f.question_key.as_deref() == key)
            .map(|f| f.name.clone())
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut rows = Vec::new();
    for sec in &t.sections {
        for q in &sec.questions {
            let a = v.answers.get(&q.key);
            let given = a.map(|a| a.answer.as_str()).unwrap_or("");
            let follow = !given.is_empty() && given != "na" && given != q.expected;
            rows.push(vec![
                Cell::Text(sec.title.clone()),
                Cell::Text(q.key.clone()),
                Cell::Text(q.text.clone()),
                Cell::Text(ja(given).into()),
                Cell::Text(ja(&q.expected).into()),
                Cell::Text(if follow { "要確認".into() } else { String::new() }),
                Cell::Text(a.map(|a| a.comment.clone()).unwrap_or_default()),
                Cell::Text(names(Some(&q.key))),
            ]);
        }
    }
    let whole = names(None);
    if !whole.is_empty() {
        rows.push(vec![
            Cell::Text("添付ファイル".into()),
            Cell::Text(String::new()),
            Cell::Text("質問票全体への添付".into()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(whole),
        ]);
    }
    let score = v.score.as_ref().map(|sc| format!("{} 点", sc.percent)).unwrap_or_else(|| "未回答".into());
    Ok(Table {
        sheet: "回答".into(),
        title: format!(
            "{}（{}）回答者: {} 評価: {}",
            t.title,
            s.name(),
            v.row.respondent.clone().unwrap_or_default(),
            score
        ),
        doc_number: format!("Q-{}", crate::tokyo_date(v.row.sent_at)),
        edition: "―".into(),
        label: "社外秘".into(),
        columns: vec![
            ("区分".into(), 16.0),
            ("番号".into(), 6.0),
            ("質問".into(), 50.0),
            ("回答".into(), 8.0),
            ("想定する回答".into(), 8.0),
            ("要確認".into(), 7.0),
            ("備考".into(), 30.0),
            ("添付ファイル".into(), 24.0),
        ],
        rows,
    })
}

/// A file sent with a questionnaire's answers, for the supplier register's readers → (its row,
/// its bytes); not found for anyone else and for a file of another questionnaire.
pub async fn file(
    db: &Db,
    store: &crate::evidence::EvidenceStore,
    actor: &Actor,
    supplier_id: &str,
    id: &str,
    file_id: &str,
    today: Date,
) -> Result<(QuestionnaireFileRow, Vec<u8>), AppError> {
    let v = one(db, actor, supplier_id, id, today).await?;
    let f = v.files.into_iter().find(|f| f.id == file_id).ok_or(AppError::NotFound)?;
    let (_, bytes) = store.open(db, actor, &f.sha256).await?;
    Ok((f, bytes))
}
