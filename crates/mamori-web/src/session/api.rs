//! Session API: `POST`/`DELETE /api/v1/session`, `GET /api/v1/me`, `POST /api/v1/me/password`.

use crate::ClientIp;
use crate::ctx::Ctx;
use crate::ctx::SESSION_COOKIE;
use crate::error::{WebError, WebResult};
use crate::extract::{JsonBody, Session};
use crate::respond::with_cookie;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::session::{self, LoginRequest};
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /api/v1/session`.
#[derive(Deserialize)]
pub struct LoginBody {
    login_id: String,
    password: String,
    #[serde(default)]
    organization: Option<String>,
    /// The 6-digit TOTP code, or a recovery code, once the account uses MFA.
    #[serde(default)]
    totp: Option<String>,
}

/// `POST /api/v1/session`: 200 with a session cookie; 401 `invalid_credentials` /
/// `mfa_required` / `password_expired`; 403 `account_disabled`; 423 `account_locked`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    JsonBody(b): JsonBody<LoginBody>,
) -> WebResult {
    if !state.allow_login(&ip) {
        return Err(WebError::from(AppError::RateLimited));
    }
    let login_id = b.login_id.clone();
    let s = session::login(
        &state.db,
        LoginRequest { organization: b.organization, login_id: b.login_id, password: b.password, totp: b.totp },
        state.now(),
    )
    .await?;
    let r = Json(json!({
        "login_id": login_id,
        "must_change_password": s.must_change_password,
        "csrf_token": s.csrf_token,
    }))
    .into_response();
    Ok(with_cookie(r, &ctx.cookie(SESSION_COOKIE, &s.token, None, "Lax")))
}

/// `DELETE /api/v1/session`: logout.
pub async fn logout(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    session::logout(&state.db, &s, state.now()).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &ctx.cookie(SESSION_COOKIE, "", Some(0), "Lax")))
}

/// `GET /api/v1/me` (with `today`, the server's date in Japan).
pub async fn me(State(state): State<AppState>, s: Session) -> WebResult {
    let mut perms: Vec<&str> = s.actor.grants.all().iter().map(|p| p.key()).collect();
    perms.sort_unstable();
    Ok(Json(json!({
        "id": s.user.id,
        "login_id": s.user.login_id,
        "display_name": s.user.display_name,
        "email": s.user.email,
        "roles": s.roles.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "role_names": s.roles.iter().map(|r| r.name_ja.as_str()).collect::<Vec<_>>(),
        "permissions": perms,
        "organization": s.org.slug,
        "organization_name": s.org.name,
        "must_change_password": s.must_change_password(),
        "mfa_enrolled": s.mfa_enrolled,
        "mfa_enrolment_required": s.must_enrol_mfa(),
        "csrf_token": s.session.csrf_token,
        "today": state.today().to_string(),
    }))
    .into_response())
}

/// Body of `POST /api/v1/me/password`.
#[derive(Deserialize)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/me/password`: 200 (with a fresh session cookie); 422 naming the broken rule.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    JsonBody(b): JsonBody<PasswordBody>,
) -> WebResult {
    let new = session::change_password(&state.db, &s, &b.current_password, &b.new_password, state.now()).await?;
    let r =
        Json(json!({ "changed": true, "must_change_password": false, "csrf_token": new.csrf_token })).into_response();
    Ok(with_cookie(r, &ctx.cookie(SESSION_COOKIE, &new.token, None, "Lax")))
}

/// Body of `POST /api/v1/me/mfa/totp/confirm`.
#[derive(Deserialize)]
pub struct ConfirmBody {
    code: String,
}

/// Body of `POST /api/v1/me/mfa/totp` (optional): the password, needed to replace an
/// enrolled secret.
#[derive(Deserialize, Default)]
pub struct StartBody {
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/v1/me/mfa/totp` `[{password}]` → `{secret, otpauth_url}` (pending until
/// confirmed); once enrolled, without the right password → 401 `wrong_current_password`.
pub async fn mfa_start(State(state): State<AppState>, s: Session, body: axum::body::Bytes) -> WebResult {
    let b: StartBody = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| WebError::from(AppError::Validation(vec![("body".into(), "error-json-body".into())])))?
    };
    let e = mamori_app::mfa::start(&state.db, &s, b.password.as_deref(), state.now()).await?;
    Ok(Json(json!({ "secret": e.secret, "otpauth_url": e.otpauth_url })).into_response())
}

/// `POST /api/v1/me/mfa/totp/confirm {code}` → `{recovery_codes}` (shown once); 422
/// `invalid_code`.
pub async fn mfa_confirm(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<ConfirmBody>) -> WebResult {
    let codes = mamori_app::mfa::confirm(&state.db, &s, &b.code, state.now()).await?;
    Ok(Json(json!({ "recovery_codes": codes })).into_response())
}
