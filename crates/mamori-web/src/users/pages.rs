//! Users page: list, create with an initial password, roles, unlock (htmx row swap), password
//! reset, and the organisation's lockout threshold.

use super::views::*;
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Lang;
use crate::respond::urlencode;
use crate::state::AppState;
use crate::views::{Layout, render};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::users;
use mamori_domain::permission::Permission;
use serde::Deserialize;

/// `?done=` keys that pages may show as a success message.
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    login: Option<String>,
}

/// (key, name in the request's language) of every role of the organisation.
async fn role_labels(state: &AppState, ctx: &Ctx, a: &mamori_app::Actor) -> Result<Vec<(String, String)>, AppError> {
    let roles = users::roles(&state.db, a).await?;
    Ok(roles.into_iter().map(|(key, ja, en)| (key, if ctx.lang == Lang::En { en } else { ja })).collect())
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    s: &mamori_app::session::SessionInfo,
    layout: Layout,
    form: Option<&FormData>,
    errors: Vec<String>,
) -> WebResult {
    let list = users::list(&state.db, &s.actor).await?;
    let all_roles = role_labels(state, ctx, &s.actor).await?;
    let rows = list.into_iter().map(|u| user_row(ctx, u, &all_roles)).collect();
    Ok(render(&UsersPage {
        layout,
        rows,
        all_roles,
        can_manage: s.actor.grants.has(Permission::UsersManage),
        can_unlock: s.actor.grants.has(Permission::UsersUnlock),
        can_settings: s.actor.grants.has(Permission::SettingsManage),
        lockout_threshold: s.org.lockout_threshold,
        regulation_lockout_threshold: i64::from(mamori_domain::auth::DEFAULT_LOCKOUT_THRESHOLD),
        can_set_mfa: mamori_app::mfa::may_set_required(&s.actor),
        mfa_required: s.org.mfa_required != 0,
        field_errors: errors,
        form_login_id: form.map(|f| f.get("login_id").to_string()).unwrap_or_default(),
        form_display_name: form.map(|f| f.get("display_name").to_string()).unwrap_or_default(),
        form_email: form.map(|f| f.get("email").to_string()).unwrap_or_default(),
    }))
}

fn user_row(ctx: &Ctx, u: users::UserView, all_roles: &[(String, String)]) -> UserRowView {
    let names = if ctx.lang == Lang::En { &u.role_names_en } else { &u.role_names_ja };
    UserRowView {
        role_labels: names.join("、"),
        role_checks: all_roles.iter().map(|(k, l)| (k.clone(), l.clone(), u.roles.contains(k))).collect(),
        login_id: u.login_id,
        display_name: u.display_name,
        email: u.email,
        locked: u.locked,
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        failed_attempts: u.failed_attempts,
        mfa_enrolled: u.mfa_enrolled,
    }
}

/// `GET /users`.
pub async fn users_list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<DoneQuery>) -> WebResult {
    let mut layout = Layout::new(&ctx);
    let login = q.login.unwrap_or_default();
    layout.flash = match q.done.as_deref() {
        Some("created") => Some(ctx.tr().t1("users-created", "login", &login)),
        Some("unlocked") => Some(ctx.tr().t1("users-unlocked", "login", &login)),
        Some("roles") => Some(ctx.tr().t1("users-roles-saved", "login", &login)),
        Some("settings") => Some(ctx.tr().t("settings-saved")),
        Some("disabled") => Some(ctx.tr().t1("users-disabled-done", "login", &login)),
        Some("enabled") => Some(ctx.tr().t1("users-enabled-done", "login", &login)),
        _ => None,
    };
    users_page(&state, &ctx, &s, layout, None, vec![]).await
}

/// `POST /users`: create a user with an initial password.
pub async fn users_create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let new = users::NewUser {
        login_id: form.get("login_id").trim().to_string(),
        display_name: form.get("display_name").to_string(),
        email: form.get("email").to_string(),
        password: form.get("password").to_string(),
        roles: form.all("roles"),
    };
    let login = new.login_id.clone();
    match users::create(&state.db, &s.actor, new, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/users?done=created&login={}", urlencode(&login))).into_response()),
        Err(
            e @ (AppError::Validation(_)
            | AppError::PasswordPolicy(_)
            | AppError::Conflict
            | AppError::RoleGrantForbidden),
        ) => {
            let errors = match &e {
                AppError::Validation(f) => {
                    let t = ctx.tr();
                    f.iter()
                        .map(|(f, k)| match crate::error::field_label(&t, f) {
                            Some(l) => format!("{l}: {}", t.t(k)),
                            None => t.t(k),
                        })
                        .collect()
                }
                AppError::PasswordPolicy(v) => v.iter().map(|p| ctx.tr().t(p.message_key())).collect(),
                other => vec![ctx.tr().t(other.message_key())],
            };
            let mut r = users_page(&state, &ctx, &s, Layout::new(&ctx), Some(&form), errors).await?;
            *r.status_mut() = crate::error::status(&e);
            Ok(r)
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /settings`: the lockout threshold (users page).
pub async fn settings(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let n = form.get("lockout_threshold").trim().parse::<i64>().unwrap_or(0);
    mamori_app::org::set_lockout_threshold(&state.db, &s.actor, n, state.now()).await?;
    Ok(Redirect::to("/users?done=settings").into_response())
}

/// An expected refusal of a change to one user: the users page again, the reason at the
/// user's login ID, with the refusal's status.
async fn refused(state: &AppState, ctx: &Ctx, s: &Session, login: &str, reason: &str, e: &AppError) -> WebResult {
    let errors = vec![format!("{login}: {reason}")];
    let mut r = users_page(state, ctx, s, Layout::new(ctx), None, errors).await?;
    *r.status_mut() = crate::error::status(e);
    Ok(r)
}

/// `POST /users/{login}/roles`. An expected refusal (no role, one's own roles, 経営責任者 by
/// someone who is not) shows the users page again with the reason.
pub async fn users_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(login): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match users::set_roles(&state.db, &s.actor, &login, form.all("roles"), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/users?done=roles&login={}", urlencode(&login))).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::SelfRoleChange | AppError::RoleGrantForbidden)) => {
            let reason = match &e {
                AppError::Validation(_) => ctx.tr().t("error-roles-required"),
                other => ctx.tr().t(other.message_key()),
            };
            refused(&state, &ctx, &s, &login, &reason, &e).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /users/{login}/unlock`; answers the new table row to htmx, a redirect otherwise.
pub async fn users_unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    headers: HeaderMap,
    Path(login): Path<String>,
    _: CsrfForm,
) -> WebResult {
    let u = users::unlock(&state.db, &s.actor, &login, state.now()).await?;
    if headers.contains_key("hx-request") {
        let all = role_labels(&state, &ctx, &s.actor).await?;
        return Ok(render(&UserRowPartial {
            layout: Layout::new(&ctx),
            row: user_row(&ctx, u, &all),
            can_manage: s.actor.grants.has(Permission::UsersManage),
            can_unlock: true,
        }));
    }
    Ok(Redirect::to(&format!("/users?done=unlocked&login={}", urlencode(&login))).into_response())
}

/// `POST /users/{login}/reset-password`: issues a new initial password and shows it once.
pub async fn users_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(login): Path<String>,
    _: CsrfForm,
) -> WebResult {
    let pw = match users::reset_password(&state.db, &s.actor, &login, None, state.now()).await {
        Ok(pw) => pw,
        Err(e @ AppError::RoleGrantForbidden) => {
            return refused(&state, &ctx, &s, &login, &ctx.tr().t(e.message_key()), &e).await;
        }
        Err(e) => return Err(WebError::from(e)),
    };
    let mut layout = Layout::new(&ctx);
    let until = crate::tokyo_time(state.now() + users::RESET_VALID_MS);
    let mut flash = ctx.tr().t2("users-password-reset", ("login", &login), ("password", &pw));
    flash.push(' ');
    flash.push_str(&ctx.tr().t1("users-password-reset-once", "date", &until));
    layout.flash = Some(flash);
    users_page(&state, &ctx, &s, layout, None, vec![]).await
}

/// `POST /users/{login}/disable` and `/enable`: an expected refusal (one's own account, a
/// 経営責任者 or 情報セキュリティ管理者 account by someone who is not 経営責任者) shows the users page
/// again with the reason at the row's login ID.
async fn users_set_disabled(state: &AppState, ctx: &Ctx, s: &Session, login: &str, disabled: bool) -> WebResult {
    match users::set_disabled(&state.db, &s.actor, login, disabled, state.now()).await {
        Ok(_) => {
            let done = if disabled { "disabled" } else { "enabled" };
            Ok(Redirect::to(&format!("/users?done={done}&login={}", urlencode(login))).into_response())
        }
        Err(e @ (AppError::SelfDisable | AppError::RoleGrantForbidden)) => {
            refused(state, ctx, s, login, &ctx.tr().t(e.message_key()), &e).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /users/{login}/disable`.
pub async fn users_disable(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(login): Path<String>,
    _: CsrfForm,
) -> WebResult {
    users_set_disabled(&state, &ctx, &s, &login, true).await
}

/// `POST /users/{login}/enable`.
pub async fn users_enable(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(login): Path<String>,
    _: CsrfForm,
) -> WebResult {
    users_set_disabled(&state, &ctx, &s, &login, false).await
}

/// `POST /settings/mfa`: whether privileged roles must use MFA (users page).
pub async fn mfa_setting(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let required = form.get("mfa_required") == "1";
    mamori_app::mfa::set_required(&state.db, &s.actor, required, state.now()).await?;
    Ok(Redirect::to("/users?done=settings").into_response())
}
