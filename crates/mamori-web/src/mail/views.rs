//! Template of the mail outbox.

use crate::views::Layout;
use askama::Template;

/// A mail view (template data).
pub struct MailView {
    pub id: String,
    pub created: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    pub sent: String,
    pub error: String,
}

/// The `mail_outbox.html` template.
#[derive(Template)]
#[template(path = "mail_outbox.html")]
pub struct OutboxPage {
    pub layout: Layout,
    pub mails: Vec<MailView>,
    pub failing: usize,
}
