//! Migration 0016 (accounts): the login-key backfill keeps every account when existing login
//! IDs differ only by case (the oldest keeps the key, later ones are disabled with an
//! unreachable key), and the unique index then refuses a new case variant.

use mamori_store::{Db, Engine, exec, fetch_all, on_both_engines, sqlx};

const T0: i64 = 1_767_225_600_000;

/// The backfill statements of the migration as shipped for this engine.
fn backfill(engine: Engine) -> Vec<String> {
    let text = match engine {
        Engine::Sqlite => include_str!("../../migrations/sqlite/0016_accounts.sql"),
        Engine::Postgres => include_str!("../../migrations/postgres/0016_accounts.sql"),
    };
    let without_comments: String =
        text.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|s| s.starts_with("UPDATE app_user"))
        .map(str::to_string)
        .collect()
}

#[derive(sqlx::FromRow, Debug, PartialEq, Eq)]
struct K {
    login_id: String,
    login_key: String,
    disabled: i64,
}

async fn login_key_backfill_keeps_colliding_accounts(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    exec!(
        ex,
        "INSERT INTO organization (id, slug, name, lockout_threshold, created_at) VALUES ('o1', 'o1', 'O', 3, 0)"
    )
    .unwrap();
    // As before the migration: no key yet, and no unique index on it.
    exec!(ex, "DROP INDEX idx_app_user_login_key").unwrap();
    for (id, login, at) in [("u1", "tm1", T0), ("u2", "TM1", T0 + 1), ("u3", "Tm1", T0 + 2), ("u4", "sato", T0)] {
        exec!(
            ex,
            "INSERT INTO app_user (id, org_id, login_id, display_name, email, password_hash, created_at, updated_at, login_key) VALUES ($1, 'o1', $2, $2, '', 'x', $3, $3, '')",
            id,
            login,
            at
        )
        .unwrap();
    }
    let statements = backfill(db.engine());
    assert_eq!(statements.len(), 2, "{statements:?}");
    for s in statements {
        exec!(ex, sqlx::AssertSqlSafe(s)).unwrap();
    }
    exec!(ex, "CREATE UNIQUE INDEX idx_app_user_login_key ON app_user (org_id, login_key)").unwrap();
    let rows = fetch_all!(ex, K, "SELECT login_id, login_key, disabled FROM app_user ORDER BY id").unwrap();
    assert_eq!(
        rows,
        vec![
            K { login_id: "tm1".into(), login_key: "tm1".into(), disabled: 0 },
            K { login_id: "TM1".into(), login_key: "tm1#u2".into(), disabled: 1 },
            K { login_id: "Tm1".into(), login_key: "tm1#u3".into(), disabled: 1 },
            K { login_id: "sato".into(), login_key: "sato".into(), disabled: 0 },
        ]
    );
    // A new case variant is refused by the index.
    let dup = exec!(
        ex,
        "INSERT INTO app_user (id, org_id, login_id, display_name, email, password_hash, created_at, updated_at, login_key) VALUES ('u5', 'o1', 'SATO', 'S', '', 'x', 0, 0, 'sato')"
    );
    assert!(dup.is_err());
}

on_both_engines!(login_key_backfill_keeps_colliding_accounts);
