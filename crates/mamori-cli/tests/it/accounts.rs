//! `migrate`, `org`, `user` and `audit verify`.

use crate::support::Env;

#[test]
fn migrate_applies_the_migrations_and_creates_the_sqlite_file() {
    let env = Env::sqlite();
    let out = env.run(&["migrate"]).ok();
    assert_eq!(out.stdout, "migrations applied\n");
    assert!(env.data_dir().join("mamori.db").is_file());
    // Idempotent.
    env.run(&["migrate"]).ok();
}

#[test]
fn org_add_and_list_on_both_engines() {
    for env in Env::both() {
        let out = env.run(&["org", "add", "--slug", "acme", "--name", "アクメ株式会社"]).ok();
        assert_eq!(out.stdout, "organization acme created\n");
        env.run(&["org", "add", "--slug", "beta", "--name", "Beta"]).ok();
        let out = env.run(&["org", "list"]).ok();
        let mut lines: Vec<&str> = out.stdout.lines().collect();
        lines.sort_unstable();
        assert_eq!(lines, ["acme\tアクメ株式会社", "beta\tBeta"]);
        let dup = env.run(&["org", "add", "--slug", "acme", "--name", "again"]).code(2);
        assert!(dup.stderr.contains("already exists"), "{dup:?}");
        let out = env.run(&["org", "set-lockout-threshold", "--org", "acme", "--threshold", "5"]).ok();
        assert_eq!(out.stdout, "acme: accounts lock after 5 failed logins (the regulation's 8.5 says 3)\n");
        let zero = env.run(&["org", "set-lockout-threshold", "--org", "acme", "--threshold", "0"]).code(2);
        assert!(!zero.stderr.is_empty(), "{zero:?}");
    }
}

#[test]
fn user_commands_on_both_engines() {
    for env in Env::both() {
        env.org("acme");
        // A generated initial password is printed as the login line.
        let out = env.run(&["user", "add", "--org", "acme", "--login-id", "sato", "--role", "employee"]).ok();
        let pw = out.stdout.trim_end().strip_prefix("login: sato password: ").expect("login line");
        assert!(pw.len() >= 8, "{pw}");
        let out = env
            .run(&[
                "user",
                "add",
                "--login-id",
                "suzuki",
                "--display-name",
                "鈴木",
                "--email",
                "suzuki@example.jp",
                "--role",
                "system_admin",
                "--role",
                "top_management",
                "--password",
                "Initial123",
            ])
            .ok();
        assert_eq!(out.stdout, "user suzuki created\n");

        let out = env.run(&["user", "list", "--org", "acme", "--format", "json"]).ok();
        let list = out.json();
        let list = list.as_array().expect("an array");
        assert_eq!(list.len(), 2);
        for u in list {
            for field in ["login_id", "display_name", "email", "roles", "locked", "disabled", "must_change_password"] {
                assert!(u.get(field).is_some(), "{field} missing in {u}");
            }
        }
        let suzuki = list.iter().find(|u| u["login_id"] == "suzuki").expect("suzuki listed");
        assert_eq!(suzuki["display_name"], "鈴木");
        assert_eq!(suzuki["roles"].as_array().map(Vec::len), Some(2));
        assert_eq!(suzuki["locked"], false);
        assert_eq!(suzuki["must_change_password"], true);

        let out = env.run(&["user", "list"]).ok();
        assert!(out.stdout.lines().any(|l| l.starts_with("sato\tsato\temployee\tactive")), "{out:?}");

        let out = env.run(&["user", "reset-password", "--org", "acme", "--login-id", "sato"]).ok();
        let new_pw = out.stdout.trim_end().strip_prefix("login: sato password: ").expect("login line");
        assert_ne!(new_pw, pw);
        let out = env.run(&["user", "unlock", "--org", "acme", "--login-id", "sato"]).ok();
        assert_eq!(out.stdout, "sato unlocked\n");
        // Leavers: disabled (listed so, history kept), and enabled again; login IDs ignore case.
        let out = env.run(&["user", "disable", "--org", "acme", "--login-id", "SATO"]).ok();
        assert_eq!(out.stdout, "SATO disabled\n");
        let out = env.run(&["user", "list"]).ok();
        assert!(out.stdout.lines().any(|l| l.starts_with("sato\tsato\temployee\tdisabled")), "{out:?}");
        let out = env.run(&["user", "reset-mfa", "--org", "acme", "--login-id", "sato"]).ok();
        assert_eq!(out.stdout, "sato: MFA removed\n");
        let out = env.run(&["user", "enable", "--org", "acme", "--login-id", "sato"]).ok();
        assert_eq!(out.stdout, "sato enabled\n");
        let dup = env.run(&["user", "add", "--login-id", "Sato", "--role", "employee"]).code(2);
        assert!(dup.stderr.contains("already exists"), "{dup:?}");

        // Documented failures.
        let weak = env.run(&["user", "add", "--login-id", "weak", "--role", "employee", "--password", "short"]).code(2);
        assert!(weak.stderr.contains("the password breaks the policy"), "{weak:?}");
        let nobody = env.run(&["user", "unlock", "--login-id", "nobody"]).code(2);
        assert!(nobody.stderr.contains("not found"), "{nobody:?}");
        let no_org = env.run(&["user", "list", "--org", "nope"]).code(2);
        assert!(no_org.stderr.contains("organisation \"nope\" not found"), "{no_org:?}");
        let bad = env.run(&["user", "list", "--format", "yaml"]).code(2);
        assert!(bad.stderr.contains("unknown format"), "{bad:?}");
        let missing_role = env.run(&["user", "add", "--login-id", "x"]).code(2);
        assert!(missing_role.stderr.contains("--role"), "{missing_role:?}");
    }
}

#[test]
fn several_organisations_need_org() {
    let env = Env::sqlite();
    env.org("a");
    env.org("b");
    let out = env.run(&["user", "list"]).code(2);
    assert!(out.stderr.contains("several organisations exist: name one with --org"), "{out:?}");
}

#[test]
fn audit_verify_names_the_first_broken_row_on_both_engines() {
    for env in Env::both() {
        env.org("acme");
        env.run(&["user", "add", "--login-id", "sato", "--role", "employee"]).ok();
        env.run(&["user", "unlock", "--login-id", "sato"]).ok();
        let out = env.run(&["audit", "verify"]).ok();
        let line = out.stdout.lines().next().unwrap_or_default();
        let rows: u64 = line
            .strip_prefix("acme (acme 株式会社): ok, ")
            .and_then(|r| r.split_once(" rows;"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected {line:?}"));
        assert!(rows >= 3, "{line}");
        assert!(out.stdout.contains(&format!("verified 1 organisations, {rows} rows")), "{out:?}");

        assert_eq!(env.sql("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2"), 1);
        let out = env.run(&["audit", "verify"]).code(1);
        assert!(
            out.stdout
                .contains("acme (acme 株式会社): BROKEN at seq 2: audit row seq 2: content does not match its hash"),
            "{out:?}"
        );
    }
}
