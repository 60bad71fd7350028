//! `mamori user`: accounts (add, list, reset-password, unlock, disable, enable).

use crate::args::UserCommand;
use crate::context::{Ctx, DATA_DIR, actor, app_err};
use anyhow::{Result, bail};
use mamori_app::{now_ms, users};

/// `mamori user …`.
pub async fn run(c: UserCommand, ctx: &Ctx) -> Result<i32> {
    let db = ctx.open_db(DATA_DIR).await?;
    match c {
        UserCommand::Add { org, login_id, display_name, email, roles, password } => {
            let a = actor(&db, org.as_deref()).await?;
            let generated = password.is_none();
            let pw = match password {
                Some(p) => p,
                None => mamori_app::random::initial_password().map_err(app_err)?,
            };
            let u = users::create(
                &db,
                &a,
                users::NewUser {
                    display_name: display_name.unwrap_or_else(|| login_id.clone()),
                    login_id,
                    email,
                    password: pw.clone(),
                    roles,
                },
                now_ms(),
            )
            .await
            .map_err(app_err)?;
            if generated {
                println!("login: {} password: {pw}", u.login_id);
            } else {
                println!("user {} created", u.login_id);
            }
        }
        UserCommand::List { org, format } => {
            let a = actor(&db, org.as_deref()).await?;
            let list = users::list(&db, &a).await.map_err(app_err)?;
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&list)?),
                "table" => {
                    for u in list {
                        let state = if u.locked {
                            "locked"
                        } else if u.disabled {
                            "disabled"
                        } else {
                            "active"
                        };
                        println!("{}\t{}\t{}\t{}", u.login_id, u.display_name, u.roles.join(","), state);
                    }
                }
                other => bail!("unknown format {other:?} (json or table)"),
            }
        }
        UserCommand::ResetPassword { org, login_id, password } => {
            let a = actor(&db, org.as_deref()).await?;
            let pw = users::reset_password(&db, &a, &login_id, password, now_ms()).await.map_err(app_err)?;
            println!("login: {login_id} password: {pw}");
            eprintln!("mamori: this password is shown once; it works for 24 hours and must be changed at first login");
        }
        UserCommand::Unlock { org, login_id } => {
            let a = actor(&db, org.as_deref()).await?;
            users::unlock(&db, &a, &login_id, now_ms()).await.map_err(app_err)?;
            println!("{login_id} unlocked");
        }
        UserCommand::Disable { org, login_id } => {
            let a = actor(&db, org.as_deref()).await?;
            users::set_disabled(&db, &a, &login_id, true, now_ms()).await.map_err(app_err)?;
            println!("{login_id} disabled");
        }
        UserCommand::ResetMfa { org, login_id } => {
            let a = actor(&db, org.as_deref()).await?;
            users::reset_mfa(&db, &a, &login_id, now_ms()).await.map_err(app_err)?;
            println!("{login_id}: MFA removed");
        }
        UserCommand::Enable { org, login_id } => {
            let a = actor(&db, org.as_deref()).await?;
            users::set_disabled(&db, &a, &login_id, false, now_ms()).await.map_err(app_err)?;
            println!("{login_id} enabled");
        }
    }
    Ok(0)
}
