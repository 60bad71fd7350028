//! Templates of the certification-audit pages.

use crate::views::{Layout, Tried};
use askama::Template;

/// One audit in the list (template data).
pub struct AuditLine {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub body: String,
    pub dates: String,
    pub state: String,
}

/// One certificate (template data).
pub struct CertificateLine {
    pub number: String,
    pub body: String,
    pub scope: String,
    pub issued_on: String,
    pub expires_on: String,
    /// 「残り 45 日」 or 「期限切れ」.
    pub remaining: String,
    pub current: bool,
    pub expiring: bool,
}

/// The `certification_audits.html` template.
#[derive(Template)]
#[template(path = "certification_audits.html")]
pub struct ListPage {
    pub layout: Layout,
    pub audits: Vec<AuditLine>,
    pub certificates: Vec<CertificateLine>,
    pub may_manage: bool,
    /// (key, label) of the audit kinds.
    pub kinds: Vec<(String, String)>,
    /// The record-an-audit form.
    pub audit_form: Tried,
    /// The add-a-certificate form.
    pub cert_form: Tried,
}

/// One finding (template data).
pub struct FindingLine {
    pub grade: String,
    pub nonconformity: bool,
    pub reference: String,
    pub control: String,
    pub text: String,
    /// NC-0001 and its report's link.
    pub corrective: Option<(String, String)>,
}

/// The `certification_audit.html` template.
#[derive(Template)]
#[template(path = "certification_audit.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub number: String,
    pub kind: String,
    pub body: String,
    pub lead_auditor: String,
    pub auditors: String,
    pub dates: String,
    pub state: String,
    pub planned: bool,
    pub recorded_by: String,
    pub findings: Vec<FindingLine>,
    pub may_manage: bool,
    /// (key, label) of the grades.
    pub grades: Vec<(String, String)>,
    /// The add-a-finding form.
    pub form: Tried,
}
