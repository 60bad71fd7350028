//! Templates of the supplier pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One supplier of the list.
pub struct SupplierRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub services: String,
    pub criticality: String,
    pub status: String,
    /// 「5 / 7」.
    pub confirmed: String,
    pub settled: bool,
}

/// `suppliers.html`.
#[derive(Template)]
#[template(path = "suppliers.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<SupplierRow>,
    pub may_add: bool,
    /// The kinds: (key, label).
    pub kinds: Vec<(String, String)>,
    pub tried: Tried,
}

/// One requirement with its form.
pub struct RequirementRow {
    pub key: String,
    pub label: String,
    pub state: String,
    pub state_label: String,
    pub evidence: String,
    pub confirmed_line: String,
    /// Problems of a refused confirmation of this requirement.
    pub error: String,
}

/// One duty of the supplier.
pub struct DutyRow {
    pub id: String,
    pub title: String,
    pub frequency: String,
}

/// One check done.
pub struct CheckRow {
    pub title: String,
    pub done_on: String,
    pub note: String,
    pub by: String,
}

/// `supplier.html`.
#[derive(Template)]
#[template(path = "supplier.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    /// (label, value) of the register's fields that are filled.
    pub facts: Vec<(String, String)>,
    pub requirements: Vec<RequirementRow>,
    pub settled: bool,
    /// (key, label) of the requirement states.
    pub states: Vec<(String, String)>,
    pub duties: Vec<DutyRow>,
    pub checks: Vec<CheckRow>,
    /// (control, text, resolved) of the regulation's notes waiting for it.
    pub open_items: Vec<(String, String, bool)>,
    pub may_edit: bool,
    pub tried: Tried,
    /// Not ended (the end form is offered).
    pub in_use: bool,
    /// The questionnaires sent.
    pub questionnaires: Vec<QuestionnaireRow>,
    /// The link just issued (shown once), and whether it was mailed.
    pub sent_link: Option<String>,
    pub mailed_to: String,
    /// Outsourced development (kind 委託開発): `supplier_development.html`.
    pub development: Option<super::development::Section>,
    /// The templates to send: (key, title).
    pub templates: Vec<(String, String)>,
    /// The next re-evaluation (the questionnaire is sent again that day), or "".
    pub next_reevaluation: String,
}

/// One questionnaire of a supplier.
pub struct QuestionnaireRow {
    pub id: String,
    pub sent: String,
    pub state: String,
    pub state_label: String,
    pub score: String,
    pub respondent: String,
    /// 「再評価（2027-01-05）で自動送信: a@b」 for a questionnaire the re-evaluation sent.
    pub auto: String,
}

/// One answer as the sender reads it.
pub struct AnswerRow {
    pub key: String,
    pub text: String,
    pub answer: String,
    pub expected: String,
    pub comment: String,
    pub deviation: bool,
    /// The files sent for this question: (file id, name).
    pub files: Vec<(String, String)>,
}

/// `supplier_questionnaire.html`: the answers of one questionnaire.
#[derive(Template)]
#[template(path = "supplier_questionnaire.html")]
pub struct AnswersPage {
    pub layout: Layout,
    pub id: String,
    pub supplier_id: String,
    pub supplier: String,
    pub title: String,
    pub state_label: String,
    pub score: String,
    pub respondent: String,
    pub answered: String,
    pub rows: Vec<AnswerRow>,
    /// The files sent for the whole questionnaire: (file id, name).
    pub files: Vec<(String, String)>,
}

/// One question of the public form.
pub struct PublicQuestion {
    pub key: String,
    pub text: String,
    /// The answer given (kept after a refusal).
    pub answer: String,
    pub comment: String,
    /// Not answered in a refused submission.
    pub missing: bool,
    /// Why the file sent for this question was refused.
    pub file_error: String,
}

/// A section of the public form.
pub struct PublicSection {
    pub title: String,
    pub questions: Vec<PublicQuestion>,
}

/// The answer choices: (value, label).
pub struct PublicAnswer;

impl PublicAnswer {
    /// yes / no / does not apply, labelled.
    pub fn choices(ctx: &crate::ctx::Ctx) -> Vec<(String, String)> {
        let t = ctx.tr();
        ["yes", "no", "na"].iter().map(|a| (a.to_string(), t.t(&format!("q-answer-{a}")))).collect()
    }
}

/// `questionnaire.html`: the form a supplier answers without an account.
#[derive(Template)]
#[template(path = "questionnaire.html")]
pub struct PublicPage {
    pub layout: Layout,
    pub token: String,
    pub organisation: String,
    pub supplier: String,
    /// 「A から B 様へのお願いです。」
    pub from_line: String,
    pub title: String,
    pub intro: String,
    pub expires: String,
    pub sections: Vec<PublicSection>,
    pub respondent: String,
    pub respondent_error: String,
    pub answers: Vec<(String, String)>,
    /// The score once answered (the thank-you page).
    pub done: Option<i64>,
    /// Why a file sent for the whole questionnaire was refused.
    pub files_error: String,
    /// The file limits as the supplier reads them.
    pub files_help: String,
}

impl PublicPage {
    /// An empty page (a closed link shows only its message).
    pub fn default_for(ctx: &crate::ctx::Ctx) -> PublicPage {
        PublicPage {
            layout: Layout::new(ctx),
            token: String::new(),
            organisation: String::new(),
            supplier: String::new(),
            from_line: String::new(),
            title: String::new(),
            intro: String::new(),
            expires: String::new(),
            sections: Vec::new(),
            respondent: String::new(),
            respondent_error: String::new(),
            answers: Vec::new(),
            done: None,
            files_error: String::new(),
            files_help: String::new(),
        }
    }
}

/// `supplier_edit.html`.
#[derive(Template)]
#[template(path = "supplier_edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    /// Unused by the edit form (the kind is shown, not chosen); the shared fields need it.
    pub kinds: Vec<(String, String)>,
    pub tried: Tried,
}

/// One template of the list.
pub struct TemplateRow {
    pub key: String,
    pub title: String,
    /// 標準（同梱） / 自社で取り込み.
    pub kind: String,
    pub questions: usize,
    pub source: String,
    pub updated: String,
}

/// `questionnaire_templates.html`: 質問票のひな形.
#[derive(Template)]
#[template(path = "questionnaire_templates.html")]
pub struct TemplatesPage {
    pub layout: Layout,
    pub rows: Vec<TemplateRow>,
    pub may_import: bool,
    pub tried: Tried,
}
