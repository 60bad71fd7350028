//! What several test files share: people created with one initial password, and the actor of
//! a real login as one of them.

use mamori_app::{Actor, session, users};
use mamori_store::Db;

/// The tests' fixed start time (2026-01-01 00:00 UTC).
pub const T0: i64 = 1_767_225_600_000;
/// The initial password of the people `add_user` creates.
pub const PASSWORD: &str = "Initial-Pass9";

/// Creates `login` with one role, as the command line would.
pub async fn add_user(db: &Db, cli: &Actor, login: &str, role: &str) {
    let u = users::NewUser {
        login_id: login.into(),
        display_name: format!("{login} さん"),
        email: format!("{login}@example.jp"),
        password: PASSWORD.into(),
        roles: vec![role.into()],
    };
    users::create(db, cli, u, T0).await.unwrap();
}

/// The actor of a real login (password, session lookup) as `login`.
pub async fn actor_of(db: &Db, login: &str) -> Actor {
    let req =
        session::LoginRequest { organization: None, login_id: login.into(), password: PASSWORD.into(), totp: None };
    let s = session::login(db, req, T0).await.unwrap();
    session::lookup(db, &s.token, T0).await.unwrap().unwrap().actor
}
