use crate::on_both_engines;
use mamori_app::session::{LoginRequest, login, lookup};
use mamori_app::{Actor, AppError, audit, org, session, users};
use mamori_domain::audit::ChainError;
use mamori_domain::permission::Permission;
use mamori_store::{Db, exec, rows};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

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

async fn setup(db: &Db, slug: &str) -> Actor {
    let o = org::create(db, slug, "テスト株式会社", T0).await.unwrap();
    Actor::cli(&o.id)
}

async fn lockout_after_three_failures_until_unlocked(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("sato", &["employee"]), T0).await.unwrap();

    assert!(matches!(login(&db, req("sato", "wrong1"), T0 + 1).await, Err(AppError::InvalidCredentials)));
    assert!(matches!(login(&db, req("sato", "wrong2"), T0 + 2).await, Err(AppError::InvalidCredentials)));
    assert!(matches!(login(&db, req("sato", "wrong3"), T0 + 3).await, Err(AppError::LockedNow)));
    // The right password is refused once locked.
    assert!(matches!(login(&db, req("sato", "Initial123"), T0 + 4).await, Err(AppError::AccountLocked)));
    let v = users::get(&db, &admin, "sato").await.unwrap();
    assert!(v.locked);
    assert_eq!(v.failed_attempts, 3);

    users::unlock(&db, &admin, "sato", T0 + 5).await.unwrap();
    let s = login(&db, req("sato", "Initial123"), T0 + 6).await.unwrap();
    assert!(s.must_change_password, "created users start with an initial password");

    // Audit: failures, lockout and unlock are recorded and the chain verifies.
    let (rows, total) = audit::list(&db, &admin, 100, 0).await.unwrap();
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "create",
            "login_failure",
            "login_failure",
            "login_failure",
            "lockout",
            "login_failure",
            "unlock",
            "login_success"
        ]
    );
    assert_eq!(total, 9);
    assert_eq!(audit::verify_org(&db, &admin.org_id).await.unwrap(), Ok(9));
}

async fn threshold_is_an_organisation_setting(db: Db) {
    let admin = setup(&db, "acme").await;
    {
        let mut c = db.conn().await.unwrap();
        rows::set_lockout_threshold(&mut c.ex(), &admin.org_id, 5).await.unwrap();
    }
    users::create(&db, &admin, new_user("kato", &["employee"]), T0).await.unwrap();
    for i in 0..4 {
        assert!(matches!(login(&db, req("kato", "nope"), T0 + i).await, Err(AppError::InvalidCredentials)));
    }
    assert!(matches!(login(&db, req("kato", "nope"), T0 + 10).await, Err(AppError::LockedNow)));
}

async fn lockout_and_password_change_revoke_sessions(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("ito", &["employee"]), T0).await.unwrap();
    let first = login(&db, req("ito", "Initial123"), T0).await.unwrap();
    let info = lookup(&db, &first.token, T0 + 1).await.unwrap().expect("session is live");
    assert!(info.must_change_password());

    // Policy violations name the rule; nothing changes.
    match session::change_password(&db, &info, "Initial123", "ito", T0 + 2).await {
        Err(AppError::PasswordPolicy(v)) => {
            use mamori_domain::password::PolicyViolation::*;
            assert_eq!(v, vec![TooShort, NoDigit, EqualsLoginId]);
        }
        other => panic!("expected a policy error, got {other:?}"),
    }
    assert!(matches!(
        session::change_password(&db, &info, "wrong", "Better123", T0 + 2).await,
        Err(AppError::WrongCurrentPassword)
    ));
    let second = login(&db, req("ito", "Initial123"), T0 + 3).await.unwrap();
    let fresh = session::change_password(&db, &info, "Initial123", "Better123", T0 + 4).await.unwrap();
    assert!(lookup(&db, &first.token, T0 + 5).await.unwrap().is_none(), "old sessions are revoked");
    assert!(lookup(&db, &second.token, T0 + 5).await.unwrap().is_none(), "other sessions are revoked too");
    let now = lookup(&db, &fresh.token, T0 + 5).await.unwrap().expect("new session");
    assert!(!now.must_change_password());

    // Lockout revokes a live session.
    for i in 0..3 {
        let _ = login(&db, req("ito", "bad"), T0 + 10 + i).await;
    }
    assert!(lookup(&db, &fresh.token, T0 + 20).await.unwrap().is_none());

    // Reset issues a new initial password, unlocks, and forces a change again.
    let pw = users::reset_password(&db, &admin, "ito", None, T0 + 30).await.unwrap();
    let s = login(&db, req("ito", &pw), T0 + 31).await.unwrap();
    assert!(s.must_change_password);
}

async fn sessions_expire_when_idle(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("abe", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("abe", "Initial123"), T0).await.unwrap();
    assert!(lookup(&db, &s.token, T0 + session::IDLE_MS - 1).await.unwrap().is_some());
    assert!(lookup(&db, &s.token, T0 + 3 * session::IDLE_MS).await.unwrap().is_none());
    assert!(lookup(&db, "0".repeat(64).as_str(), T0).await.unwrap().is_none());
}

async fn permissions_and_validation(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("emp", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("emp", "Initial123"), T0).await.unwrap();
    let emp = lookup(&db, &s.token, T0).await.unwrap().unwrap().actor;
    assert!(emp.grants.has(Permission::DashboardView));
    assert!(matches!(users::unlock(&db, &emp, "emp", T0).await, Err(AppError::Forbidden)));
    assert!(matches!(users::list(&db, &emp).await, Err(AppError::Forbidden)));
    assert!(matches!(audit::list(&db, &emp, 10, 0).await, Err(AppError::Forbidden)));
    assert!(matches!(users::create(&db, &emp, new_user("x", &["employee"]), T0).await, Err(AppError::Forbidden)));

    assert!(matches!(users::create(&db, &admin, new_user("emp", &["employee"]), T0).await, Err(AppError::Conflict)));
    match users::create(
        &db,
        &admin,
        users::NewUser { login_id: "山田".into(), roles: vec![], ..new_user("z", &[]) },
        T0,
    )
    .await
    {
        Err(AppError::Validation(f)) => {
            let fields: Vec<&str> = f.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["login_id", "roles"]);
        }
        other => panic!("expected validation error, got {other:?}"),
    }
    assert!(matches!(
        users::create(&db, &admin, new_user("x", &["no_such_role"]), T0).await,
        Err(AppError::Validation(_))
    ));
    assert!(matches!(
        users::create(&db, &admin, users::NewUser { password: "password".into(), ..new_user("y", &["employee"]) }, T0)
            .await,
        Err(AppError::PasswordPolicy(_))
    ));
    // Role change is audited with before and after.
    users::set_roles(&db, &admin, "emp", vec!["employee".into(), "internal_auditor".into()], T0 + 1).await.unwrap();
    let (rows, _) = audit::list(&db, &admin, 1, 0).await.unwrap();
    assert_eq!(rows[0].action, "role_change");
    assert!(rows[0].before_json.as_deref().unwrap().contains("[\"employee\"]"));
    assert!(rows[0].after_json.as_deref().unwrap().contains("internal_auditor"));
}

async fn organisations_are_isolated(db: Db) {
    let a = setup(&db, "alpha").await;
    let b = setup(&db, "beta").await;
    users::create(&db, &a, new_user("tanaka", &["system_admin"]), T0).await.unwrap();
    users::create(&db, &b, new_user("tanaka", &["employee"]), T0).await.unwrap();
    users::create(&db, &b, new_user("only_b", &["employee"]), T0).await.unwrap();

    // Same login ID in two organisations: the organisation must be named.
    assert!(matches!(login(&db, req("tanaka", "Initial123"), T0).await, Err(AppError::OrganizationRequired)));
    let s = login(&db, LoginRequest { organization: Some("alpha".into()), ..req("tanaka", "Initial123") }, T0)
        .await
        .unwrap();
    let alpha_admin = lookup(&db, &s.token, T0).await.unwrap().unwrap().actor;
    let seen: Vec<String> = users::list(&db, &alpha_admin).await.unwrap().into_iter().map(|u| u.login_id).collect();
    assert_eq!(seen, ["tanaka"]);
    assert!(matches!(users::unlock(&db, &alpha_admin, "only_b", T0).await, Err(AppError::NotFound)));
    // A unique login ID needs no organisation.
    assert!(login(&db, req("only_b", "Initial123"), T0).await.is_ok());
    // Each organisation has its own chain.
    let all = audit::verify_all(&db).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|v| v.result.is_ok()));
}

async fn tampering_is_found_at_the_first_broken_row(db: Db) {
    let admin = setup(&db, "acme").await;
    for i in 0..5 {
        users::create(&db, &admin, new_user(&format!("u{i}"), &["employee"]), T0 + i).await.unwrap();
    }
    assert_eq!(audit::verify_org(&db, &admin.org_id).await.unwrap(), Ok(6));
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "UPDATE audit_log SET actor_label = 'mallory' WHERE org_id = $1 AND seq = 4", &admin.org_id)
            .unwrap();
    }
    assert_eq!(audit::verify_org(&db, &admin.org_id).await.unwrap(), Err(ChainError::Altered { seq: 4 }));
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1 AND seq = 2", &admin.org_id).unwrap();
    }
    assert_eq!(audit::verify_org(&db, &admin.org_id).await.unwrap(), Err(ChainError::Gap { expected: 2, found: 3 }));
}

async fn concurrent_writers_keep_one_chain(db: Db) {
    let admin = setup(&db, "acme").await;
    for i in 0..8 {
        users::create(&db, &admin, new_user(&format!("c{i}"), &["employee"]), T0).await.unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { login(&db, req(&format!("c{i}"), "bad"), T0 + 100).await }));
    }
    for t in tasks {
        assert!(matches!(t.await.unwrap(), Err(AppError::InvalidCredentials)));
    }
    assert_eq!(audit::verify_org(&db, &admin.org_id).await.unwrap(), Ok(17));
}

/// A logged-in user's actor (with the roles loaded from the session).
async fn actor_of(db: &Db, login_id: &str, password: &str, now: i64) -> Actor {
    let s = login(db, req(login_id, password), now).await.unwrap();
    lookup(db, &s.token, now).await.unwrap().expect("session").actor
}

/// A system administrator may not give itself (or a second account) 経営責任者, nor change its
/// own roles; a 経営責任者 may grant it; every change is audited with the roles before and after.
async fn roles_cannot_be_self_granted_and_top_management_needs_top_management(db: Db) {
    let cli = setup(&db, "acme").await;
    users::create(&db, &cli, new_user("sysadm", &["system_admin"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("boss", &["top_management"]), T0).await.unwrap();
    users::create(&db, &cli, new_user("sato", &["employee"]), T0).await.unwrap();
    let sys = actor_of(&db, "sysadm", "Initial123", T0 + 1).await;
    let boss = actor_of(&db, "boss", "Initial123", T0 + 2).await;

    let own = users::set_roles(&db, &sys, "sysadm", vec!["system_admin".into(), "top_management".into()], T0 + 3).await;
    assert!(matches!(own, Err(AppError::SelfRoleChange)), "{own:?}");
    let own = users::set_roles(&db, &sys, "sysadm", vec!["employee".into()], T0 + 3).await;
    assert!(matches!(own, Err(AppError::SelfRoleChange)), "not even to fewer roles: {own:?}");
    let grant = users::set_roles(&db, &sys, "sato", vec!["top_management".into()], T0 + 4).await;
    assert!(matches!(grant, Err(AppError::RoleGrantForbidden)), "{grant:?}");
    let second = users::create(&db, &sys, new_user("sysadm2", &["top_management"]), T0 + 5).await;
    assert!(matches!(second, Err(AppError::RoleGrantForbidden)), "{second:?}");
    let revoke = users::set_roles(&db, &sys, "boss", vec!["employee".into()], T0 + 6).await;
    assert!(matches!(revoke, Err(AppError::RoleGrantForbidden)), "removing it needs it too: {revoke:?}");
    let sec = users::set_roles(&db, &sys, "sato", vec!["security_manager".into()], T0 + 6).await;
    assert!(matches!(sec, Err(AppError::RoleGrantForbidden)), "情報セキュリティ管理者 too: {sec:?}");
    let reset = users::reset_password(&db, &sys, "boss", None, T0 + 6).await;
    assert!(matches!(reset, Err(AppError::RoleGrantForbidden)), "no taking over the 経営責任者: {reset:?}");
    // Other roles stay the system administrator's to manage.
    users::set_roles(&db, &sys, "sato", vec!["employee".into(), "internal_auditor".into()], T0 + 7).await.unwrap();
    // A 経営責任者 may grant it.
    let v = users::set_roles(&db, &boss, "sato", vec!["top_management".into()], T0 + 8).await.unwrap();
    assert_eq!(v.roles, ["top_management"]);
    assert_eq!(users::get(&db, &cli, "sysadm").await.unwrap().roles, ["system_admin"], "unchanged");

    let (rows, _) = audit::list(&db, &cli, 100, 0).await.unwrap();
    let changes: Vec<_> = rows.iter().filter(|r| r.action == "role_change").collect();
    assert_eq!(changes.len(), 2, "the two accepted changes, nothing for the refused ones");
    let last = changes[0];
    assert!(last.before_json.as_deref().unwrap_or("").contains("internal_auditor"), "{last:?}");
    assert!(last.after_json.as_deref().unwrap_or("").contains("top_management"), "{last:?}");
}

/// 60 simultaneous wrong passwords: exactly three are counted before the lock (8.5), on both
/// engines; the rest are refused as locked.
async fn simultaneous_failures_lock_after_exactly_three(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("sato", &["employee"]), T0).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { login(&db, req("sato", &format!("wrong{i}")), T0 + 1 + i).await }));
    }
    let (mut invalid, mut locked_now, mut locked) = (0, 0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Err(AppError::InvalidCredentials) => invalid += 1,
            Err(AppError::LockedNow) => locked_now += 1,
            Err(AppError::AccountLocked) => locked += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((invalid, locked_now, locked), (2, 1, 57));
    let v = users::get(&db, &admin, "sato").await.unwrap();
    assert!(v.locked);
    assert_eq!(v.failed_attempts, 3);
}

/// Wrong current passwords in a password change count like failed logins: the third locks the
/// account and ends its sessions; a right one in between resets the count.
async fn wrong_current_passwords_count_towards_the_lockout(db: Db) {
    let admin = setup(&db, "acme").await;
    users::create(&db, &admin, new_user("sato", &["employee"]), T0).await.unwrap();
    let s = login(&db, req("sato", "Initial123"), T0 + 1).await.unwrap();
    let info = lookup(&db, &s.token, T0 + 1).await.unwrap().unwrap();
    let s = session::change_password(&db, &info, "Initial123", "Sato2026ab", T0 + 2).await.unwrap();
    let info = lookup(&db, &s.token, T0 + 2).await.unwrap().unwrap();
    for i in 0..2 {
        let r = session::change_password(&db, &info, &format!("guess{i}"), "Sato2026cd", T0 + 3 + i).await;
        assert!(matches!(r, Err(AppError::WrongCurrentPassword)), "{r:?}");
    }
    assert_eq!(users::get(&db, &admin, "sato").await.unwrap().failed_attempts, 2);
    // The right current password resets the count.
    let s = session::change_password(&db, &info, "Sato2026ab", "Sato2026cd", T0 + 10).await.unwrap();
    assert_eq!(users::get(&db, &admin, "sato").await.unwrap().failed_attempts, 0);
    let info = lookup(&db, &s.token, T0 + 10).await.unwrap().unwrap();
    for i in 0..2 {
        let r = session::change_password(&db, &info, &format!("again{i}"), "Sato2026ef", T0 + 11 + i).await;
        assert!(matches!(r, Err(AppError::WrongCurrentPassword)), "{r:?}");
    }
    let r = session::change_password(&db, &info, "again2", "Sato2026ef", T0 + 20).await;
    assert!(matches!(r, Err(AppError::LockedNow)), "the third wrong one locks: {r:?}");
    assert!(users::get(&db, &admin, "sato").await.unwrap().locked);
    assert!(lookup(&db, &s.token, T0 + 21).await.unwrap().is_none(), "the session ended");
    assert!(matches!(login(&db, req("sato", "Sato2026cd"), T0 + 22).await, Err(AppError::AccountLocked)));
    // A change sent alongside the guesses (its session read before the lock) cannot undo it.
    let late = session::change_password(&db, &info, "Sato2026cd", "Sato2026gh", T0 + 23).await;
    assert!(matches!(late, Err(AppError::AccountLocked)), "{late:?}");
    assert!(users::get(&db, &admin, "sato").await.unwrap().locked, "still locked");
}

on_both_engines!(
    wrong_current_passwords_count_towards_the_lockout,
    simultaneous_failures_lock_after_exactly_three,
    roles_cannot_be_self_granted_and_top_management_needs_top_management,
    lockout_after_three_failures_until_unlocked,
    threshold_is_an_organisation_setting,
    lockout_and_password_change_revoke_sessions,
    sessions_expire_when_idle,
    permissions_and_validation,
    organisations_are_isolated,
    tampering_is_found_at_the_first_broken_row,
    concurrent_writers_keep_one_chain,
);
