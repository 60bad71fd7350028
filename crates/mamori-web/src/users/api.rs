//! Users API (`/api/v1/users…`) and the organisation settings (`PUT /api/v1/organization/settings`).

use crate::error::{WebError, WebResult};
use crate::extract::{JsonBody, Session};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mamori_app::AppError;
use mamori_app::users;
use serde::Deserialize;
use serde_json::json;

/// An instant as RFC 3339 in Japan time (`2026-01-02T09:00:00+09:00`).
fn jst_rfc3339(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => String::new(),
    }
}

/// `GET /api/v1/users`.
pub async fn users_list(State(state): State<AppState>, s: Session) -> WebResult {
    let list = users::list(&state.db, &s.actor).await?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/users/{login_id}`.
pub async fn users_get(State(state): State<AppState>, s: Session, Path(login): Path<String>) -> WebResult {
    Ok(Json(users::get(&state.db, &s.actor, &login).await?).into_response())
}

/// Body of `POST /api/v1/users`.
#[derive(Deserialize)]
pub struct NewUserBody {
    login_id: String,
    display_name: String,
    #[serde(default)]
    email: String,
    password: String,
    roles: Vec<String>,
}

/// `POST /api/v1/users` → 201.
pub async fn users_create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<NewUserBody>) -> WebResult {
    let u = users::create(
        &state.db,
        &s.actor,
        users::NewUser {
            login_id: b.login_id,
            display_name: b.display_name,
            email: b.email,
            password: b.password,
            roles: b.roles,
        },
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

/// `POST /api/v1/users/{login_id}/unlock` (privileged only).
pub async fn users_unlock(State(state): State<AppState>, s: Session, Path(login): Path<String>) -> WebResult {
    Ok(Json(users::unlock(&state.db, &s.actor, &login, state.now()).await?).into_response())
}

/// Body of `PUT /api/v1/users/{login_id}/roles`.
#[derive(Deserialize)]
pub struct RolesBody {
    roles: Vec<String>,
}

/// `PUT /api/v1/users/{login_id}/roles`.
pub async fn users_roles(
    State(state): State<AppState>,
    s: Session,
    Path(login): Path<String>,
    JsonBody(b): JsonBody<RolesBody>,
) -> WebResult {
    Ok(Json(users::set_roles(&state.db, &s.actor, &login, b.roles, state.now()).await?).into_response())
}

/// Body of `POST /api/v1/users/{login_id}/password-reset`.
#[derive(Deserialize, Default)]
pub struct ResetBody {
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/v1/users/{login_id}/password-reset` → `{ "password" }` (a new initial password).
pub async fn users_reset(
    State(state): State<AppState>,
    s: Session,
    Path(login): Path<String>,
    j: Result<Json<ResetBody>, JsonRejection>,
) -> WebResult {
    // An empty body means "generate one".
    let b = match j {
        Ok(Json(b)) => b,
        Err(JsonRejection::MissingJsonContentType(_)) => ResetBody::default(),
        Err(_) => {
            return Err(WebError::from(AppError::Validation(vec![("body".into(), "error-json-body".into())])));
        }
    };
    let now = state.now();
    let pw = users::reset_password(&state.db, &s.actor, &login, b.password, now).await?;
    Ok(Json(json!({
        "login_id": login,
        "password": pw,
        "must_change_password": true,
        "expires_at": jst_rfc3339(now + users::RESET_VALID_MS),
    }))
    .into_response())
}

/// Body of `PUT /api/v1/organization/settings`.
#[derive(Deserialize)]
pub struct SettingsBody {
    lockout_threshold: i64,
}

/// `PUT /api/v1/organization/settings` `{ "lockout_threshold": 1..10 }`.
pub async fn settings(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<SettingsBody>) -> WebResult {
    let o = mamori_app::org::set_lockout_threshold(&state.db, &s.actor, b.lockout_threshold, state.now()).await?;
    Ok(Json(json!({
        "organization": o.slug,
        "lockout_threshold": o.lockout_threshold,
        "regulation_lockout_threshold": mamori_domain::auth::DEFAULT_LOCKOUT_THRESHOLD,
    }))
    .into_response())
}

/// `POST /api/v1/users/{login_id}/disable`: the account stops (sessions and calendar feed end).
pub async fn users_disable(State(state): State<AppState>, s: Session, Path(login): Path<String>) -> WebResult {
    Ok(Json(users::set_disabled(&state.db, &s.actor, &login, true, state.now()).await?).into_response())
}

/// `POST /api/v1/users/{login_id}/enable`.
pub async fn users_enable(State(state): State<AppState>, s: Session, Path(login): Path<String>) -> WebResult {
    Ok(Json(users::set_disabled(&state.db, &s.actor, &login, false, state.now()).await?).into_response())
}

/// Body of `PUT /api/v1/organization/mfa`.
#[derive(Deserialize)]
pub struct MfaSettingBody {
    required: bool,
}

/// `PUT /api/v1/organization/mfa` `{ "required": bool }`: MFA for privileged roles.
pub async fn mfa_setting(
    State(state): State<AppState>,
    s: Session,
    JsonBody(b): JsonBody<MfaSettingBody>,
) -> WebResult {
    let o = mamori_app::mfa::set_required(&state.db, &s.actor, b.required, state.now()).await?;
    Ok(Json(json!({ "organization": o.slug, "mfa_required": o.mfa_required != 0 })).into_response())
}

/// `POST /api/v1/users/{login_id}/mfa-reset`: removes the user's MFA (they enrol again).
pub async fn users_mfa_reset(State(state): State<AppState>, s: Session, Path(login): Path<String>) -> WebResult {
    Ok(Json(users::reset_mfa(&state.db, &s.actor, &login, state.now()).await?).into_response())
}
