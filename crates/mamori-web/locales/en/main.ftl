# mamori UI catalogue — English. Keep keys in step with ../ja/main.ftl.
app-name = mamori
app-tagline = ISMS operations platform
lang-ja = 日本語
lang-en = English
lang-switch = Language
skip-to-content = Skip to content
confidential-label = Internal use only

nav-home = Home
nav-users = Users
nav-audit = Audit log
nav-password = Change password
nav-logout = Log out
nav-signed-in-as = Signed in as { $name }

login-title = Log in
login-organization = Organization ID
login-organization-help = Only needed when your login ID exists in more than one organization.
login-id = Login ID
login-password = Password
login-submit = Log in
login-locked-help = Three wrong passwords in a row lock the account. Ask a system administrator to unlock it.

password-title = Change password
password-forced = You are still using an initial password. Change it to continue.
password-current = Current password
password-new = New password
password-confirm = New password (again)
password-rules = At least 8 characters, with letters and digits, and not equal to your login ID.
password-submit = Change
password-changed = Your password was changed.
password-mismatch = The two new passwords differ.
password-too-short = Use at least 8 characters.
password-no-letter = Include a letter.
password-no-digit = Include a digit.
password-equals-login-id = The password must not equal the login ID.
password-same-as-current = Choose a password different from the current one.

dashboard-title = Home
dashboard-welcome = Welcome, { $name }.
dashboard-org = Organization: { $org }
dashboard-roles = Roles: { $roles }
card-duties = Duties this month
card-requests = Requests awaiting approval
card-incidents = Open incidents
card-acknowledgements = Documents to acknowledge
card-empty = Nothing to show yet.

users-title = Users
users-login-id = Login ID
users-display-name = Name
users-email = E-mail
users-roles = Roles
users-status = Status
users-actions = Actions
users-status-active = Active
users-status-locked = Locked
users-status-disabled = Disabled
users-status-must-change = Initial password
users-unlock = Unlock
users-reset-password = Issue new password
users-save-roles = Save roles
users-new = Add user
users-initial-password = Initial password
users-create = Add
users-created = User { $login } was added. They must change the password at first login.
users-unlocked = { $login } was unlocked.
users-roles-saved = Roles of { $login } were updated.
users-password-reset = New initial password for { $login }: { $password }
users-failed-attempts = { $count ->
    [one] { $count } failed attempt
   *[other] { $count } failed attempts
}

audit-title = Audit log
audit-at = Time
audit-actor = Actor
audit-action = Action
audit-object = Object
audit-detail = Detail
audit-chain-ok = Tamper check: the hash chain of { $count } records is intact.
audit-chain-broken = Tamper check: the hash chain is broken ({ $detail }).
audit-newer = Newer
audit-older = Older
action-create = Created
action-update = Updated
action-delete = Deleted
action-login_success = Login
action-login_failure = Failed login
action-lockout = Account locked
action-unlock = Unlocked
action-role_change = Roles changed
action-password_change = Password changed
action-password_reset = Password reissued
action-logout = Logout

error-title = Error
error-back-home = Back to home
error-not-found = Not found.
error-forbidden = You are not allowed to do this.
error-unauthenticated = Please log in.
error-invalid-credentials = Wrong login ID or password.
error-account-locked = This account is locked. Ask a system administrator to unlock it.
error-locked-now = Wrong login ID or password. The account is now locked after repeated failures; ask a system administrator to unlock it.
error-account-disabled = This account is disabled.
error-organization-required = Enter your organization ID.
error-password-change-required = Change your password first.
error-password-policy = The password does not meet the rules.
error-wrong-current-password = The current password is wrong.
error-validation = Please check your input.
error-conflict = This already exists.
error-rate-limited = Too many attempts. Wait a moment and try again.
error-internal = An internal error occurred. Contact your administrator.
error-csrf = The form expired. Reload the page and try again.

field-required = Required.
field-invalid-login-id = Use up to 64 letters, digits and . _ - @.
field-invalid-email = Not a valid e-mail address.
field-unknown-role = Unknown role.
field-invalid-slug = Use up to 64 letters, digits and . _ - @.
