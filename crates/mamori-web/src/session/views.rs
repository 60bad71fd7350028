//! Templates of the session pages: login and password change.

use crate::views::Layout;
use askama::Template;

/// Login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Layout.
    pub layout: Layout,
    /// Login ID typed before.
    pub login_id: String,
    /// Organisation typed before.
    pub organization: String,
}

/// Password change page.
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    /// Layout.
    pub layout: Layout,
    /// Forced (initial password pending).
    pub forced: bool,
    /// Broken rules.
    pub problems: Vec<String>,
}
