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
    /// Second step: the password was right and the account asks for a one-time code.
    pub mfa_step: bool,
}

/// MFA enrolment page (the user's own settings, beside the password change).
#[derive(Template)]
#[template(path = "mfa.html")]
pub struct MfaPage {
    /// Layout.
    pub layout: Layout,
    /// Already enrolled.
    pub enrolled: bool,
    /// The organisation requires it of this user and they have not enrolled.
    pub required: bool,
    /// A pending enrolment: the QR code (inline SVG) and the secret in groups.
    pub qr_svg: Option<String>,
    /// The secret in groups of four, for manual entry.
    pub secret_grouped: String,
    /// Recovery codes just issued (shown once).
    pub recovery_codes: Vec<String>,
    /// A problem with the confirmation code.
    pub code_error: Option<String>,
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
