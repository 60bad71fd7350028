//! Issue 14, accounts: disable/enable, case-insensitive login IDs, TOTP MFA (enrolment, login,
//! replay, recovery codes, lockout), the MFA requirement for privileged roles, reset passwords
//! that expire, the absolute session lifetime and the password policy at the use-case level.

use crate::on_both_engines;
use mamori_app::session::{LoginRequest, login, lookup, lookup_with};
use mamori_app::{Actor, AppError, audit, calendar, mfa, org, session, users};
use mamori_domain::password::PolicyViolation;
use mamori_domain::totp;
use mamori_store::Db;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z (a TOTP step boundary)
const HOUR: i64 = 60 * 60 * 1000;

fn new_user(login: &str, roles: &[&str]) -> users::NewUser {
    users::NewUser {
        login_id: login.into(),
        display_name: format!("{login} さん"),
        email: format!("{login}@example.jp"),
        password: "Initial123".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn req(login: &str, pw: &str) -> LoginRequest {
    LoginRequest { organization: None, login_id: login.into(), password: pw.into(), totp: None }
}

fn req_code(login: &str, pw: &str, code: &str) -> LoginRequest {
    LoginRequest { totp: Some(code.into()), ..req(login, pw) }
}

async fn setup(db: &Db) -> Actor {
    let o = org::create(db, "acme", "テスト株式会社", T0).await.unwrap();
    Actor::cli(&o.id)
}

async fn actor_of(db: &Db, login_id: &str, now: i64) -> Actor {
    let s = login(db, req(login_id, "Initial123"), now).await.unwrap();
    lookup(db, &s.token, now).await.unwrap().expect("session").actor
}

async fn failed_attempts(db: &Db, cli: &Actor, login_id: &str) -> i64 {
    users::get(db, cli, login_id).await.unwrap().failed_attempts
}

/// Disabled: history kept, no login (a wrong password looks like any wrong password; the right
/// one says disabled), sessions and the calendar feed end; enabling restores. Same authority
/// rule as role changes.
async fn disabled_users_cannot_log_in_and_their_sessions_and_feed_stop(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("sato", &["employee"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("sysadm", &["system_admin"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("boss", &["top_management"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("anzen", &["security_manager"]), T0).await.unwrap();
    let live = login(&db, req("sato", "Initial123"), T0).await.unwrap();
    let sato = lookup(&db, &live.token, T0).await.unwrap().unwrap();
    let feed_path = calendar::rotate(&db, &sato.actor, T0).await.unwrap();
    let token = feed_path.trim_start_matches("/calendar/").trim_end_matches(".ics").to_string();
    let today = mamori_app::tokyo_date(T0);
    assert!(calendar::feed(&db, &token, today, T0).await.unwrap().is_some());

    let sysadm = actor_of(&db, "sysadm", T0 + 1).await;
    assert!(matches!(users::set_disabled(&db, &sysadm, "sysadm", true, T0 + 2).await, Err(AppError::SelfDisable)));
    assert!(matches!(
        users::set_disabled(&db, &sysadm, "anzen", true, T0 + 2).await,
        Err(AppError::RoleGrantForbidden)
    ));
    let v = users::set_disabled(&db, &sysadm, "sato", true, T0 + 3).await.unwrap();
    assert!(v.disabled);
    assert!(lookup(&db, &live.token, T0 + 4).await.unwrap().is_none(), "sessions end");
    assert!(calendar::feed(&db, &token, today, T0 + 4).await.unwrap().is_none(), "the feed stops");
    assert!(matches!(login(&db, req("sato", "wrong-pass1"), T0 + 5).await, Err(AppError::InvalidCredentials)));
    assert!(matches!(login(&db, req("sato", "Initial123"), T0 + 6).await, Err(AppError::AccountDisabled)));
    // A wrong password counts as on any account (no unlimited guessing behind the 401/403
    // difference); the right one answers "disabled" without counting.
    assert_eq!(failed_attempts(&db, &cli, "sato").await, 1, "a wrong password on a disabled account counts");

    let boss = actor_of(&db, "boss", T0 + 7).await;
    users::set_disabled(&db, &boss, "anzen", true, T0 + 8).await.unwrap();
    users::set_disabled(&db, &sysadm, "sato", false, T0 + 9).await.unwrap();
    assert!(login(&db, req("sato", "Initial123"), T0 + 10).await.is_ok(), "enabled again");
    // Audited with before/after.
    let (rows, _) = audit::list(&db, &cli, 500, 0).await.unwrap();
    let changes: Vec<_> = rows
        .iter()
        .filter(|r| r.action == "update" && r.object_type == "user")
        .map(|r| r.after_json.clone().unwrap_or_default())
        .collect();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.iter().filter(|a| a.contains("\"disabled\":true")).count() == 2, "{changes:?}");
    assert_eq!(audit::verify_org(&db, &cli.org_id).await.unwrap().map(|_| ()), Ok(()));
}

/// `tm1` and `TM1` cannot coexist; logins match whatever the case or width.
async fn login_ids_are_case_insensitive(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("tm1", &["employee"]), T0).await.unwrap();
    assert!(matches!(users::create(&db, &cli, new_user("TM1", &["employee"]), T0).await, Err(AppError::Conflict)));
    for typed in ["TM1", "Tm1", "ｔｍ１", " tm1 "] {
        assert!(login(&db, req(typed, "Initial123"), T0 + 1).await.is_ok(), "{typed:?}");
    }
    assert_eq!(users::get(&db, &cli, "TM1").await.unwrap().login_id, "tm1");
}

/// Enrolment, then login needs the code: without → mfa_required, wrong → invalid and counted,
/// right → in; a code is not accepted twice; a recovery code works once; three wrong codes lock;
/// the secret never reaches the audit trail.
async fn totp_enrolment_login_replay_recovery_and_lockout(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("suzuki", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("suzuki", "Initial123"), T0).await.unwrap();
    let info = lookup(&db, &s.token, T0).await.unwrap().unwrap();
    let e = mfa::start(&db, &info, None, T0).await.unwrap();
    assert!(e.otpauth_url.starts_with("otpauth://totp/mamori:acme%3Asuzuki?secret="), "{}", e.otpauth_url);
    let key = totp::base32_decode(&e.secret).unwrap();
    let bad = if totp::code_at(&key, T0) == "000000" { "111111" } else { "000000" };
    assert!(matches!(mfa::confirm(&db, &info, bad, T0).await, Err(AppError::InvalidCode)));
    let codes = mfa::confirm(&db, &info, &totp::code_at(&key, T0), T0).await.unwrap();
    assert_eq!(codes.len(), 10);
    // Replacing the enrolled secret needs the password (a session alone is not enough), and a
    // wrong one counts toward the lockout; the enrolled secret stays until a new one is confirmed.
    assert!(matches!(mfa::start(&db, &info, None, T0 + 10).await, Err(AppError::WrongCurrentPassword)));
    assert!(matches!(mfa::start(&db, &info, Some("wrong-pass1"), T0 + 11).await, Err(AppError::WrongCurrentPassword)));
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 2, "wrong passwords at re-enrolment count");
    mfa::start(&db, &info, Some("Initial123"), T0 + 12).await.unwrap();
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 0, "the right password ends the run");

    let t1 = T0 + 60_000;
    assert!(matches!(login(&db, req("suzuki", "Initial123"), t1).await, Err(AppError::MfaRequired)));
    assert!(matches!(login(&db, req("suzuki", "wrong-pass1"), t1).await, Err(AppError::InvalidCredentials)));
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 1);
    let good = totp::code_at(&key, t1);
    let wrong = if good == "123456" { "654321" } else { "123456" };
    assert!(matches!(login(&db, req_code("suzuki", "Initial123", wrong), t1).await, Err(AppError::InvalidCredentials)));
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 2, "a wrong code counts like a wrong password");
    login(&db, req_code("suzuki", "Initial123", &good), t1).await.unwrap();
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 0);
    // The same code again (same step) is refused.
    assert!(matches!(
        login(&db, req_code("suzuki", "Initial123", &good), t1 + 1000).await,
        Err(AppError::InvalidCredentials)
    ));
    // A recovery code works once, typed in any case and with or without its hyphen.
    let rc = codes[0].to_uppercase();
    login(&db, req_code("suzuki", "Initial123", &rc), t1 + 2000).await.unwrap();
    assert!(matches!(
        login(&db, req_code("suzuki", "Initial123", &codes[0].replace('-', "")), t1 + 3000).await,
        Err(AppError::InvalidCredentials)
    ));
    // Wrong codes lock at the threshold: the reused recovery code counted one.
    assert_eq!(failed_attempts(&db, &cli, "suzuki").await, 1);
    assert!(matches!(
        login(&db, req_code("suzuki", "Initial123", wrong), t1 + 4000).await,
        Err(AppError::InvalidCredentials)
    ));
    assert!(matches!(login(&db, req_code("suzuki", "Initial123", wrong), t1 + 5000).await, Err(AppError::LockedNow)));
    assert!(users::get(&db, &cli, "suzuki").await.unwrap().locked);
    // Lost phone and codes: an administrator removes the MFA; the password alone works again.
    users::unlock(&db, &cli, "suzuki", t1 + 6000).await.unwrap();
    assert!(users::get(&db, &cli, "suzuki").await.unwrap().mfa_enrolled);
    assert!(!users::reset_mfa(&db, &cli, "suzuki", t1 + 7000).await.unwrap().mfa_enrolled);
    login(&db, req("suzuki", "Initial123"), t1 + 8000).await.unwrap();

    let (rows, _) = audit::list(&db, &cli, 500, 0).await.unwrap();
    for r in &rows {
        for j in [&r.before_json, &r.after_json].into_iter().flatten() {
            assert!(!j.contains(&e.secret), "the secret is in the audit trail: {j}");
            for c in &codes {
                assert!(!j.contains(c.as_str()), "a recovery code is in the audit trail: {j}");
            }
        }
    }
    assert!(rows.iter().any(|r| r.object_type == "user_mfa"), "the enrolment is audited");
}

/// 経営責任者 or 情報セキュリティ管理者 may require MFA for privileged roles (audited); a
/// privileged user without MFA must then enrol, an employee need not.
async fn mfa_can_be_required_for_privileged_roles(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("sysadm", &["system_admin"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("anzen", &["security_manager"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("emp", &["employee"]), T0).await.unwrap();
    let sysadm = actor_of(&db, "sysadm", T0).await;
    assert!(matches!(mfa::set_required(&db, &sysadm, true, T0).await, Err(AppError::Forbidden)));
    let anzen = actor_of(&db, "anzen", T0).await;
    assert_eq!(mfa::set_required(&db, &anzen, true, T0 + 1).await.unwrap().mfa_required, 1);
    let s = login(&db, req("sysadm", "Initial123"), T0 + 2).await.unwrap();
    let info = lookup(&db, &s.token, T0 + 2).await.unwrap().unwrap();
    assert!(info.must_enrol_mfa());
    let e = lookup(&db, &login(&db, req("emp", "Initial123"), T0 + 2).await.unwrap().token, T0 + 2).await;
    assert!(!e.unwrap().unwrap().must_enrol_mfa());
    let en = mfa::start(&db, &info, None, T0 + 3).await.unwrap();
    let key = totp::base32_decode(&en.secret).unwrap();
    mfa::confirm(&db, &info, &totp::code_at(&key, T0 + 3), T0 + 3).await.unwrap();
    let after = lookup(&db, &s.token, T0 + 4).await.unwrap().unwrap();
    assert!(!after.must_enrol_mfa());
    let (rows, _) = audit::list(&db, &cli, 500, 0).await.unwrap();
    assert!(rows.iter().any(|r| r.after_json.as_deref() == Some("{\"mfa_required\":true}")));
}

/// An administrator's reset password works for 24 hours, then login refuses with
/// password_expired; a reset used in time forces the change.
async fn reset_passwords_expire_after_a_day(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("ito", &["employee"]), T0).await.unwrap();
    let pw = users::reset_password(&db, &cli, "ito", None, T0).await.unwrap();
    assert!(matches!(
        login(&db, req("ito", &pw), T0 + users::RESET_VALID_MS + 1).await,
        Err(AppError::PasswordExpired)
    ));
    let pw = users::reset_password(&db, &cli, "ito", None, T0 + 2 * users::RESET_VALID_MS).await.unwrap();
    let s = login(&db, req("ito", &pw), T0 + 2 * users::RESET_VALID_MS + HOUR).await.unwrap();
    assert!(s.must_change_password);
    let info = lookup(&db, &s.token, T0 + 2 * users::RESET_VALID_MS + HOUR).await.unwrap().unwrap();
    let fresh = session::change_password(&db, &info, &pw, "Better1234", T0 + 2 * users::RESET_VALID_MS + HOUR).await;
    assert!(fresh.is_ok());
    // Once changed, the password no longer expires.
    assert!(login(&db, req("ito", "Better1234"), T0 + 10 * users::RESET_VALID_MS).await.is_ok());
}

/// However active, a session ends at its absolute lifetime (12 hours by default).
async fn sessions_have_an_absolute_lifetime(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("abe", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("abe", "Initial123"), T0).await.unwrap();
    for h in 1..12 {
        assert!(lookup(&db, &s.token, T0 + h * HOUR).await.unwrap().is_some(), "hour {h}");
    }
    assert!(lookup(&db, &s.token, T0 + session::ABSOLUTE_MS).await.unwrap().is_none());
    let s = login(&db, req("abe", "Initial123"), T0).await.unwrap();
    assert!(lookup_with(&db, &s.token, T0 + HOUR, HOUR).await.unwrap().is_none(), "a configured lifetime");
}

/// The policy at the use case: the login ID in full width or with a space is refused, so are
/// non-ASCII digits and passwords beyond 128 characters.
async fn password_policy_at_the_use_case(db: Db) {
    let cli = setup(&db).await;
    users::create(&db, &cli, new_user("yamada123", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("yamada123", "Initial123"), T0).await.unwrap();
    let info = lookup(&db, &s.token, T0).await.unwrap().unwrap();
    for (pw, rule) in [
        ("ｙａｍａｄａ１２３", PolicyViolation::EqualsLoginId),
        ("yamada123 ", PolicyViolation::EqualsLoginId),
        ("abcdefg²١", PolicyViolation::NoDigit),
    ] {
        match session::change_password(&db, &info, "Initial123", pw, T0 + 1).await {
            Err(AppError::PasswordPolicy(v)) => assert!(v.contains(&rule), "{pw:?}: {v:?}"),
            other => panic!("{pw:?}: expected a policy error, got {other:?}"),
        }
    }
    let long = format!("a1{}", "x".repeat(127));
    match session::change_password(&db, &info, "Initial123", &long, T0 + 1).await {
        Err(AppError::PasswordPolicy(v)) => assert_eq!(v, vec![PolicyViolation::TooLong]),
        other => panic!("expected too long, got {other:?}"),
    }
}

on_both_engines!(
    disabled_users_cannot_log_in_and_their_sessions_and_feed_stop,
    login_ids_are_case_insensitive,
    totp_enrolment_login_replay_recovery_and_lockout,
    mfa_can_be_required_for_privileged_roles,
    reset_passwords_expire_after_a_day,
    sessions_have_an_absolute_lifetime,
    password_policy_at_the_use_case,
);
