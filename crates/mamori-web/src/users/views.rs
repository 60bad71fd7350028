//! Templates of the users page.

use crate::views::Layout;
use askama::Template;

/// One row of the users table.
pub struct UserRowView {
    /// Login ID.
    pub login_id: String,
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Role names joined.
    pub role_labels: String,
    /// (key, label, held) for every role of the organisation.
    pub role_checks: Vec<(String, String, bool)>,
    /// Locked.
    pub locked: bool,
    /// Disabled.
    pub disabled: bool,
    /// Initial password pending.
    pub must_change_password: bool,
    /// Consecutive failures.
    pub failed_attempts: i64,
    /// Uses MFA.
    pub mfa_enrolled: bool,
}

/// Users page.
#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    /// Layout.
    pub layout: Layout,
    /// Rows.
    pub rows: Vec<UserRowView>,
    /// (key, label) of every role.
    pub all_roles: Vec<(String, String)>,
    /// May create users and change roles.
    pub can_manage: bool,
    /// May unlock.
    pub can_unlock: bool,
    /// May change organisation settings.
    pub can_settings: bool,
    /// Consecutive failures that lock an account.
    pub lockout_threshold: i64,
    /// The regulation's value (8.5: 3), shown beside it.
    pub regulation_lockout_threshold: i64,
    /// May change the MFA requirement (経営責任者, 情報セキュリティ管理者).
    pub can_set_mfa: bool,
    /// Privileged roles must use MFA.
    pub mfa_required: bool,
    /// Errors of the create form.
    pub field_errors: Vec<String>,
    /// Create form: login ID.
    pub form_login_id: String,
    /// Create form: name.
    pub form_display_name: String,
    /// Create form: e-mail.
    pub form_email: String,
}

/// One users-table row alone (htmx swap target).
#[derive(Template)]
#[template(path = "user_row.html")]
pub struct UserRowPartial {
    /// Layout (for labels and the CSRF token).
    pub layout: Layout,
    /// The row.
    pub row: UserRowView,
    /// May change roles.
    pub can_manage: bool,
    /// May unlock.
    pub can_unlock: bool,
}
