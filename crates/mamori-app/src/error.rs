//! The application error: one enum, rendered as JSON by the API and as HTML by the pages.

use mamori_domain::password::PolicyViolation;
use mamori_store::StoreError;

/// A failure a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist (in this organisation).
    #[error("not found")]
    NotFound,
    /// The actor lacks the permission.
    #[error("forbidden")]
    Forbidden,
    /// Not logged in.
    #[error("not authenticated")]
    Unauthenticated,
    /// Wrong login ID or password.
    #[error("invalid login ID or password")]
    InvalidCredentials,
    /// The account is locked (8.5) until an administrator unlocks it.
    #[error("account locked")]
    AccountLocked,
    /// Wrong password, and this failure locked the account.
    #[error("invalid login ID or password; the account is now locked")]
    LockedNow,
    /// The account is disabled.
    #[error("account disabled")]
    AccountDisabled,
    /// The login ID exists in several organisations; the organisation must be named.
    #[error("organization required")]
    OrganizationRequired,
    /// An initial password must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// The new password breaks the policy (5.17).
    #[error("password policy: {0:?}")]
    PasswordPolicy(Vec<PolicyViolation>),
    /// The current password given for a change is wrong.
    #[error("current password is wrong")]
    WrongCurrentPassword,
    /// Input failed validation; (field, i18n message key) pairs.
    #[error("invalid input: {0:?}")]
    Validation(Vec<(String, String)>),
    /// Already exists.
    #[error("already exists")]
    Conflict,
    /// Register input failed validation: every problem with its row (1-based data row; 0 for a
    /// single form), column and i18n message key.
    #[error("invalid rows: {0:?}")]
    Rows(Vec<RowProblem>),
    /// The uploaded document is not a 管理策規程.
    #[error("not a regulation: {0}")]
    NotARegulation(String),
    /// The requester or author may not approve their own work (5.3).
    #[error("separation of duties")]
    SeparationOfDuties,
    /// An auditor is responsible for a control in the audit's scope (9.2): each conflict with
    /// the auditor's login ID, the control and the reason.
    #[error("auditor independence: {0:?}")]
    AuditorIndependence(Vec<mamori_domain::internal_audit::Conflict>),
    /// Nobody may change their own roles (a second identity would escape separation of duties).
    #[error("own roles cannot be changed")]
    SelfRoleChange,
    /// Granting or removing 経営責任者 needs a 経営責任者.
    #[error("only top management may grant or remove top management or security manager, or reset their passwords")]
    RoleGrantForbidden,
    /// A file beyond an import limit (decompressed size, rows, columns, cell length): the file,
    /// the i18n key of the limit (`limit-rows` …) with its value, and the same in English for
    /// logs and the command line.
    #[error("{file}: {detail}")]
    TooLarge {
        /// The file's name.
        file: String,
        /// The i18n key of the broken limit (takes `$limit`).
        key: &'static str,
        /// The limit.
        limit: u64,
        /// What was broken, in English.
        detail: String,
    },
    /// Something must be done first; the message says what.
    #[error("blocked: {0}")]
    Blocked(String),
    /// A file the evidence store does not keep (its kind, empty, over the size limit): the
    /// file's name and the i18n key of the reason, which takes `$limit` (megabytes). Answered
    /// as `blocked`, as before it had its own words.
    #[error("blocked: {file}: {key}")]
    FileRefused {
        /// The file's name.
        file: String,
        /// The i18n key of the reason (`evidence-refused-kind`, `-empty`, `-size`).
        key: &'static str,
        /// The size limit in megabytes.
        limit: u64,
    },
    /// An account may not be issued to a person whose 秘密保持誓約書 is not signed (5.16, 6.6:
    /// the pledge before access); the person's name.
    #[error("pledge missing: {0}")]
    PledgeMissing(String),
    /// Too many attempts from this client.
    #[error("too many requests")]
    RateLimited,
    /// The password was right; the account uses MFA and no code was given.
    #[error("a one-time code is required")]
    MfaRequired,
    /// The organisation requires MFA for the caller's role and the caller has not enrolled.
    #[error("MFA enrolment required")]
    MfaEnrolmentRequired,
    /// The one-time code given to confirm an enrolment is wrong (or none is pending).
    #[error("invalid one-time code")]
    InvalidCode,
    /// An administrator's reset password was not used in time; a new reset is needed.
    #[error("the reset password has expired")]
    PasswordExpired,
    /// Nobody may disable or enable their own account.
    #[error("own account cannot be disabled")]
    SelfDisable,
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else unexpected (details are logged, not shown).
    #[error("internal error: {0}")]
    Internal(String),
}

/// One problem in register input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// Row of the file (as a spreadsheet shows it), or 0 for a form.
    pub row: usize,
    /// Column header or field label.
    pub column: String,
    /// Field key.
    pub field: String,
    /// i18n message key.
    pub message: String,
}

/// An unexpected failure, with its message (for `map_err`).
pub(crate) fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::Internal(e.to_string())
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict,
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    /// Stable machine-readable code (`error.code` in the API).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials | AppError::LockedNow => "invalid_credentials",
            AppError::AccountLocked => "account_locked",
            AppError::AccountDisabled => "account_disabled",
            AppError::OrganizationRequired => "organization_required",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::PasswordPolicy(_) => "password_policy",
            AppError::WrongCurrentPassword => "wrong_current_password",
            AppError::Validation(_) | AppError::Rows(_) => "validation",
            AppError::Conflict => "conflict",
            AppError::NotARegulation(_) => "not_a_regulation",
            AppError::SeparationOfDuties => "separation_of_duties",
            AppError::AuditorIndependence(_) => "auditor_independence",
            AppError::SelfRoleChange => "self_role_change",
            AppError::RoleGrantForbidden => "role_grant_forbidden",
            AppError::TooLarge { .. } => "too_large",
            AppError::Blocked(_) | AppError::FileRefused { .. } => "blocked",
            AppError::PledgeMissing(_) => "pledge_missing",
            AppError::RateLimited => "rate_limited",
            AppError::MfaRequired => "mfa_required",
            AppError::MfaEnrolmentRequired => "mfa_enrolment_required",
            AppError::InvalidCode => "invalid_code",
            AppError::PasswordExpired => "password_expired",
            AppError::SelfDisable => "self_disable",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The i18n catalogue key of the user-facing message.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Forbidden => "error-forbidden",
            AppError::Unauthenticated => "error-unauthenticated",
            AppError::InvalidCredentials => "error-invalid-credentials",
            AppError::AccountLocked => "error-account-locked",
            AppError::LockedNow => "error-locked-now",
            AppError::AccountDisabled => "error-account-disabled",
            AppError::OrganizationRequired => "error-organization-required",
            AppError::PasswordChangeRequired => "error-password-change-required",
            AppError::PasswordPolicy(_) => "error-password-policy",
            AppError::WrongCurrentPassword => "error-wrong-current-password",
            AppError::Validation(_) | AppError::Rows(_) => "error-validation",
            AppError::Conflict => "error-conflict",
            AppError::NotARegulation(_) => "error-not-a-regulation",
            AppError::SeparationOfDuties => "error-separation-of-duties",
            AppError::AuditorIndependence(_) => "error-auditor-independence",
            AppError::SelfRoleChange => "error-self-role-change",
            AppError::RoleGrantForbidden => "error-role-grant-forbidden",
            AppError::TooLarge { .. } => "error-too-large",
            AppError::Blocked(_) => "error-blocked",
            AppError::FileRefused { .. } => "error-file-refused",
            AppError::PledgeMissing(_) => "error-pledge-missing",
            AppError::RateLimited => "error-rate-limited",
            AppError::MfaRequired => "error-mfa-required",
            AppError::MfaEnrolmentRequired => "error-mfa-enrolment-required",
            AppError::InvalidCode => "error-invalid-code",
            AppError::PasswordExpired => "error-password-expired",
            AppError::SelfDisable => "error-self-disable",
            AppError::Store(_) | AppError::Internal(_) => "error-internal",
        }
    }
}
