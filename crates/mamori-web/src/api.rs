//! The JSON API under `/api/v1`: same use cases and the same permission layer as the pages.
//! Errors are `{ "error": { "code", "message" } }`.

use crate::ClientIp;
use crate::ctx::{Ctx, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokyo_time;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use mamori_app::session::LoginRequest;
use mamori_app::{AppError, audit, session, users};
use serde::Deserialize;
use serde_json::json;

type ApiResult = Result<Response, ApiError>;

fn fail(ctx: &Ctx) -> impl Fn(AppError) -> ApiError + '_ {
    move |e| ApiError::new(ctx, e)
}

/// Turns a JSON body rejection into a 422 naming the problem.
fn body<T>(ctx: &Ctx, j: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    j.map(|Json(v)| v).map_err(|e| ApiError::new(ctx, AppError::Validation(vec![("body".into(), e.body_text())])))
}

fn with_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Body of `POST /api/v1/session`.
#[derive(Deserialize)]
pub struct LoginBody {
    login_id: String,
    password: String,
    #[serde(default)]
    organization: Option<String>,
}

/// `POST /api/v1/session`: 200 with a session cookie; 401; 423 `account_locked`.
pub async fn login(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    ClientIp(ip): ClientIp,
    j: Result<Json<LoginBody>, JsonRejection>,
) -> ApiResult {
    let b = body(&ctx, j)?;
    if !state.allow_login(&ip) {
        return Err(ApiError::new(&ctx, AppError::RateLimited));
    }
    let login_id = b.login_id.clone();
    let s = session::login(
        &state.db,
        LoginRequest { organization: b.organization, login_id: b.login_id, password: b.password },
        state.now(),
    )
    .await
    .map_err(fail(&ctx))?;
    let r = Json(json!({
        "login_id": login_id,
        "must_change_password": s.must_change_password,
        "csrf_token": s.csrf_token,
    }))
    .into_response();
    Ok(with_cookie(r, &ctx.cookie(SESSION_COOKIE, &s.token, None, "Lax")))
}

/// `DELETE /api/v1/session`: logout.
pub async fn logout(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    session::logout(&state.db, s, state.now()).await.map_err(fail(&ctx))?;
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &ctx.cookie(SESSION_COOKIE, "", Some(0), "Lax")))
}

/// `GET /api/v1/me`.
pub async fn me(Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let mut perms: Vec<&str> = s.actor.grants.all().iter().map(|p| p.key()).collect();
    perms.sort_unstable();
    Ok(Json(json!({
        "login_id": s.user.login_id,
        "display_name": s.user.display_name,
        "email": s.user.email,
        "roles": s.roles.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "role_names": s.roles.iter().map(|r| r.name_ja.as_str()).collect::<Vec<_>>(),
        "permissions": perms,
        "organization": s.org.slug,
        "organization_name": s.org.name,
        "must_change_password": s.must_change_password(),
        "csrf_token": s.session.csrf_token,
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
    Extension(ctx): Extension<Ctx>,
    j: Result<Json<PasswordBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let new = session::change_password(&state.db, s, &b.current_password, &b.new_password, state.now())
        .await
        .map_err(fail(&ctx))?;
    let r =
        Json(json!({ "changed": true, "must_change_password": false, "csrf_token": new.csrf_token })).into_response();
    Ok(with_cookie(r, &ctx.cookie(SESSION_COOKIE, &new.token, None, "Lax")))
}

/// `GET /api/v1/users`.
pub async fn users_list(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let list = users::list(&state.db, &s.actor).await.map_err(fail(&ctx))?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/users/{login_id}`.
pub async fn users_get(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(users::get(&state.db, &s.actor, &login).await.map_err(fail(&ctx))?).into_response())
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
pub async fn users_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    j: Result<Json<NewUserBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
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
    .await
    .map_err(fail(&ctx))?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

/// `POST /api/v1/users/{login_id}/unlock` (privileged only).
pub async fn users_unlock(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(users::unlock(&state.db, &s.actor, &login, state.now()).await.map_err(fail(&ctx))?).into_response())
}

/// Body of `PUT /api/v1/users/{login_id}/roles`.
#[derive(Deserialize)]
pub struct RolesBody {
    roles: Vec<String>,
}

/// `PUT /api/v1/users/{login_id}/roles`.
pub async fn users_roles(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
    j: Result<Json<RolesBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    Ok(Json(users::set_roles(&state.db, &s.actor, &login, b.roles, state.now()).await.map_err(fail(&ctx))?)
        .into_response())
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
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
    j: Result<Json<ResetBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    // An empty body means "generate one".
    let b = match j {
        Ok(Json(b)) => b,
        Err(JsonRejection::MissingJsonContentType(_)) => ResetBody::default(),
        Err(e) => {
            return Err(ApiError::new(&ctx, AppError::Validation(vec![("body".into(), e.body_text())])));
        }
    };
    let pw = users::reset_password(&state.db, &s.actor, &login, b.password, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(json!({ "login_id": login, "password": pw, "must_change_password": true })).into_response())
}

/// `GET /api/v1/audit?limit=&offset=`.
#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The organisation's audit rows, newest first, with the chain's verification.
pub async fn audit_list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<AuditQuery>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let (rows, total) =
        audit::list(&state.db, &s.actor, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await.map_err(fail(&ctx))?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|r| {
            json!({
                "seq": r.seq, "at_ms": r.at_ms, "at": tokyo_time(r.at_ms), "actor_id": r.actor_id, "actor": r.actor_label,
                "action": r.action, "object_type": r.object_type, "object_id": r.object_id,
                "before": r.before_json.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
                "after": r.after_json.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok()),
                "prev_hash": r.prev_hash, "hash": r.hash,
            })
        })
        .collect();
    let verified = audit::verify_org(&state.db, &s.org.id).await.map_err(fail(&ctx))?;
    Ok(Json(json!({
        "total": total,
        "items": items,
        "chain": match verified { Ok(n) => json!({ "ok": true, "rows": n }), Err(e) => json!({ "ok": false, "error": e.to_string() }) },
    }))
    .into_response())
}

/// Unknown API paths answer JSON too.
pub async fn not_found(Extension(ctx): Extension<Ctx>) -> ApiError {
    ApiError::new(&ctx, AppError::NotFound)
}

/// `GET /api/v1/catalogue`: the Annex A catalogue with attributes.
pub async fn catalogue() -> Response {
    Json(mamori_regulation::catalogue::controls()).into_response()
}

/// `GET /api/v1/controls`: the current regulation version's controls (with the filters of
/// the controls page: `theme`, `applicable=yes|no`, `attr=family:key`, `role`, `has`).
pub async fn controls(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(f): Query<crate::regulation_pages::ControlFilter>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let cur = mamori_app::regulation::current(&state.db, &s.actor).await.map_err(fail(&ctx))?;
    let Some(cur) = cur else { return Ok(Json(json!({ "version": null, "controls": [] })).into_response()) };
    let controls: Vec<_> = cur.controls.iter().filter(|c| crate::regulation_pages::filter_control(c, &f)).collect();
    Ok(Json(json!({
        "version": {
            "version_no": cur.version.version_no, "number": cur.version.doc_number, "title": cur.version.title,
            "edition": cur.version.edition, "date": cur.version.doc_date, "imported_at": tokyo_time(cur.version.imported_at),
        },
        "controls": controls,
    }))
    .into_response())
}

/// `GET /api/v1/controls/{id}`.
pub async fn control(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let cur = mamori_app::regulation::current(&state.db, &s.actor).await.map_err(fail(&ctx))?.ok_or(AppError::NotFound);
    let cur = cur.map_err(fail(&ctx))?;
    let c = cur.control(&id).ok_or(AppError::NotFound).map_err(fail(&ctx))?;
    Ok(Json(json!({ "control": c, "catalogue": mamori_regulation::catalogue::control(&id) })).into_response())
}

/// Query of `POST /api/v1/regulation`.
#[derive(Deserialize)]
pub struct ImportQuery {
    name: Option<String>,
}

/// `POST /api/v1/regulation?name=FILE` with the file as the body
/// (`application/octet-stream`): imports it as the next version → 201.
pub async fn regulation_import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let name = q.name.unwrap_or_else(|| "upload".into());
    let text = mamori_app::regulation_file::text_of_upload_async(name.clone(), body.to_vec())
        .await
        .map_err(|e| ApiError::new(&ctx, AppError::NotARegulation(e.to_string())))?;
    let imported = mamori_app::regulation::import_text(&state.db, &s.actor, &name, &text, state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "version_no": imported.version.version_no,
            "controls": imported.controls,
            "diagnostics": imported.diagnostics,
        })),
    )
        .into_response())
}

/// `GET /api/v1/soa` → `{ "document": {…}, "controls": [ { "id", "title", "applicable", "reason",
/// "status", "documents", "records", … } ] }` (the approved version, else the draft).
pub async fn soa(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let v = mamori_app::documents::soa(&state.db, &s.actor, true).await.map_err(fail(&ctx))?;
    Ok(Json(soa_json(&v)).into_response())
}

fn soa_json(v: &mamori_app::documents::SoaView) -> serde_json::Value {
    json!({
        "document": {
            "number": v.doc_number, "title": v.title, "edition": v.edition, "status": v.status,
            "version_no": v.version_no, "approved_by": v.approved_by, "approved_date": v.approved_date,
            "label": v.label, "regulation_approved": v.regulation_approved, "missing_reasons": v.missing_reasons,
        },
        "controls": v.rows.iter().map(|r| json!({
            "id": r.id, "title": r.title, "applicable": r.applicable, "reason": r.reason_display(),
            "reasons": r.reasons, "reason_text": r.reason_text, "status": r.status,
            "documents": r.documents, "records": r.records, "duties": r.duties, "approvals": r.approvals,
        })).collect::<Vec<_>>(),
    })
}

/// Body of `PUT /api/v1/soa/rows/{id}`.
#[derive(Deserialize)]
pub struct SoaRowBody {
    #[serde(default)]
    reasons: Vec<mamori_domain::soa::InclusionReason>,
    #[serde(default)]
    reason_text: String,
    status: Option<mamori_domain::soa::ImplStatus>,
    documents: Option<Vec<String>>,
}

/// `PUT /api/v1/soa/rows/{id}`: edits one row of the SoA draft.
pub async fn soa_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    j: Result<Json<SoaRowBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let edit = mamori_app::documents::RowEdit {
        reasons: b.reasons,
        reason_text: b.reason_text,
        status: b.status,
        documents: b.documents,
    };
    let v =
        mamori_app::documents::soa_edit_row(&state.db, &s.actor, &id, edit, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(soa_json(&v)).into_response())
}

/// `POST /api/v1/soa/approve`: 403 `separation_of_duties` for an author, 409 `blocked` while a
/// reason is missing.
pub async fn soa_approve(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let v = mamori_app::documents::soa_approve(&state.db, &s.actor, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(soa_json(&v)).into_response())
}

/// `GET /api/v1/documents`.
pub async fn documents(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let docs = mamori_app::documents::list(&state.db, &s.actor).await.map_err(fail(&ctx))?;
    Ok(Json(
        docs.iter()
            .map(|d| {
                json!({
                    "id": d.doc.id, "kind": d.doc.kind, "number": d.doc.doc_number, "title": d.doc.title,
                    "issuer": d.doc.issuer, "approver_role": d.doc.approver_role, "label": d.doc.confidentiality,
                    "versions": d.versions.iter().map(|v| json!({
                        "id": v.id, "version_no": v.version_no, "edition": v.edition, "status": v.status,
                        "author": v.author_label, "approver": v.approver_label, "revised_date": v.revised_date,
                        "change_summary": v.change_summary, "published": v.published_at.is_some(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// Body of `PUT /api/v1/organization/settings`.
#[derive(Deserialize)]
pub struct SettingsBody {
    lockout_threshold: i64,
}

/// `PUT /api/v1/organization/settings` `{ "lockout_threshold": 1..10 }`.
pub async fn settings(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    j: Result<Json<SettingsBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let o = mamori_app::org::set_lockout_threshold(&state.db, &s.actor, b.lockout_threshold, state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok(Json(json!({ "organization": o.slug, "lockout_threshold": o.lockout_threshold })).into_response())
}

/// `GET /api/v1/registers` → `[ { "key", "name", "controls", "rows", … } ]`.
pub async fn registers(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let list = mamori_app::registers::list(&state.db, &s.actor, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/registers/{key}/rows?q=&sort=&page=&per_page=&deleted=`.
pub async fn register_rows(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    Query(pq): Query<mamori_app::registers::PageQuery>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::registers::page(&state.db, &s.actor, &key, &pq).await.map_err(fail(&ctx))?).into_response())
}

/// `GET /api/v1/registers/{key}/rows/{id}`.
pub async fn register_row(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::registers::get(&state.db, &s.actor, &key, &id).await.map_err(fail(&ctx))?).into_response())
}

/// `GET /api/v1/registers/{key}/rows/{id}/history`.
pub async fn register_history(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::registers::history(&state.db, &s.actor, &key, &id).await.map_err(fail(&ctx))?).into_response())
}

/// Body of row writes: the values by field key (strings are parsed by field type), and the label.
#[derive(Deserialize)]
pub struct RowBody {
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    label: Option<String>,
}

/// `POST /api/v1/registers/{key}/rows` → 201 with the row; 422 listing every field problem.
pub async fn register_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    j: Result<Json<RowBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let r = mamori_app::registers::create(&state.db, &s.actor, &key, &b.values, b.label.as_deref(), state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// `PUT /api/v1/registers/{key}/rows/{id}`.
pub async fn register_update(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
    j: Result<Json<RowBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let r = mamori_app::registers::update(&state.db, &s.actor, &key, &id, &b.values, b.label.as_deref(), state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok(Json(r).into_response())
}

/// Body of `DELETE /api/v1/registers/{key}/rows/{id}`.
#[derive(Deserialize)]
pub struct DeleteBody {
    reason: String,
}

/// `DELETE /api/v1/registers/{key}/rows/{id}` with `{ "reason" }`: soft delete.
pub async fn register_delete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
    j: Result<Json<DeleteBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    Ok(Json(
        mamori_app::registers::delete(&state.db, &s.actor, &key, &id, &b.reason, state.now())
            .await
            .map_err(fail(&ctx))?,
    )
    .into_response())
}

/// `POST /api/v1/registers/{key}/rows/{id}/restore`.
pub async fn register_restore(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::registers::restore(&state.db, &s.actor, &key, &id, state.now()).await.map_err(fail(&ctx))?)
        .into_response())
}

/// `POST /api/v1/evidence` (multipart `file`) → 201 `{ "sha256", "size", "content_type", "original_name", … }`.
pub async fn evidence_upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut mp: axum::extract::Multipart,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    while let Ok(Some(mut field)) = mp.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload").to_string();
        let mut up = state.evidence.begin(&s.actor).await.map_err(fail(&ctx))?;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => up.write(&chunk).await.map_err(fail(&ctx))?,
                Ok(None) => break,
                Err(e) => return Err(ApiError::new(&ctx, AppError::Blocked(e.body_text()))),
            }
        }
        let row = up.finish(&state.db, &s.actor, &name, state.now()).await.map_err(fail(&ctx))?;
        return Ok((StatusCode::CREATED, Json(row)).into_response());
    }
    Err(ApiError::new(&ctx, AppError::Validation(vec![("file".into(), "field-required".into())])))
}

/// `POST /api/v1/me/calendar`: issues a new private calendar URL (the old one stops working).
pub async fn calendar_rotate(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let token = mamori_app::calendar::rotate(&state.db, &s.actor, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(json!({ "path": format!("/calendar/{token}.ics") })).into_response())
}

/// `GET /calendar/{token}.ics`: the person's open duties as iCalendar (no login; the token is
/// the secret).
pub async fn calendar_feed(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(file): Path<String>,
) -> Response {
    let Some(token) = file.strip_suffix(".ics") else { return ApiError::new(&ctx, AppError::NotFound).into_response() };
    let now = state.now();
    let today = mamori_app::tokyo_date(now);
    match mamori_app::calendar::feed(&state.db, token, today, now).await {
        Ok(Some(ics)) => {
            let mut r = ics.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
            r
        }
        Ok(None) => ApiError::new(&ctx, AppError::NotFound).into_response(),
        Err(e) => ApiError::new(&ctx, e).into_response(),
    }
}

/// `POST /api/v1/duties/offer`: creates duties for the current regulation's intervals.
pub async fn duties_offer(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let now = state.now();
    let today = mamori_app::tokyo_date(now);
    let added = mamori_app::duties::offer_from_regulation(&state.db, &s.actor, today, now).await.map_err(fail(&ctx))?;
    Ok(Json(json!({ "added": added })).into_response())
}

fn today_of(state: &AppState) -> jiff::civil::Date {
    mamori_app::tokyo_date(state.now())
}

/// `GET /api/v1/duties` → the contract of `mamori duties list`.
pub async fn duties_list(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let list = mamori_app::duties::list(&state.db, &s.actor, today_of(&state)).await.map_err(fail(&ctx))?;
    Ok(Json(list.iter().map(|d| d.contract()).collect::<Vec<_>>()).into_response())
}

/// Range of `GET /api/v1/duties/occurrences` (default: the current fiscal year).
#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/duties/occurrences?from=YYYY-MM-DD&to=YYYY-MM-DD` → the contract of
/// `mamori duties occurrences`, with completion details.
pub async fn duties_occurrences(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<RangeQuery>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let today = today_of(&state);
    let (first, last) = mamori_app::duties::fiscal_year_range(today).map_err(fail(&ctx))?;
    let date = |v: Option<&String>, field: &str, d: jiff::civil::Date| match v {
        Some(v) => v
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::new(&ctx, AppError::Validation(vec![(field.into(), "field-invalid-date".into())]))),
        None => Ok(d),
    };
    let (from, to) = (date(q.from.as_ref(), "from", first)?, date(q.to.as_ref(), "to", last)?);
    let occ = mamori_app::duties::occurrences(&state.db, &s.actor, from, to, today).await.map_err(fail(&ctx))?;
    Ok(Json(occ.iter().map(|o| o.contract()).collect::<Vec<_>>()).into_response())
}

/// Fiscal year of `GET /api/v1/duties/heatmap`.
#[derive(Deserialize)]
pub struct FyQuery {
    fy: Option<i16>,
}

/// `GET /api/v1/duties/heatmap?fy=2026` → `{ fiscal_year, months, rows: [{ duty_id, title,
/// control_id, cells: [{ state, count }] }] }`.
pub async fn duties_heatmap(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<FyQuery>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let today = today_of(&state);
    let fy = q.fy.unwrap_or_else(|| mamori_domain::schedule::fiscal_year(today, 4));
    Ok(Json(mamori_app::duties::heatmap(&state.db, &s.actor, fy, today).await.map_err(fail(&ctx))?).into_response())
}

/// Body of `POST /api/v1/duties/occurrences/{id}/complete`.
#[derive(Deserialize)]
pub struct CompleteBody {
    #[serde(default)]
    note: String,
    /// SHA-256 of files uploaded through `POST /api/v1/evidence`.
    #[serde(default)]
    evidence: Vec<String>,
    /// `register_key/row_id`.
    record_ref: Option<String>,
}

/// `POST /api/v1/duties/occurrences/{id}/complete`: 422 `validation` naming the missing
/// evidence, 409 when it is no longer open.
pub async fn duty_complete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    j: Result<Json<CompleteBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let done = mamori_app::duties::Completion { note: b.note, evidence: b.evidence, record_ref: b.record_ref };
    let o = mamori_app::duties::complete(&state.db, &s.actor, &id, done, today_of(&state), state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok(Json(o).into_response())
}

/// Body of `POST /api/v1/duties/occurrences/{id}/skip`.
#[derive(Deserialize)]
pub struct SkipBody {
    reason: String,
}

/// `POST /api/v1/duties/occurrences/{id}/skip`.
pub async fn duty_skip(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    j: Result<Json<SkipBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let o = mamori_app::duties::skip(&state.db, &s.actor, &id, &b.reason, state.now()).await.map_err(fail(&ctx))?;
    Ok(Json(o).into_response())
}

/// One field of a request type in the contract.
fn field_json(f: &mamori_domain::register::FieldDef) -> serde_json::Value {
    let ty = serde_json::to_value(f.ty).unwrap_or_default();
    json!({
        "key": f.key, "label": f.label, "label_en": f.label_en, "type": ty, "required": f.required,
        "choices": if f.choices.is_empty() { serde_json::Value::Null } else { json!(f.choices) },
    })
}

/// `GET /api/v1/request-types` → `[{key, name, controls, approver_roles, fields: [{key, label,
/// type, required, choices}]}]`.
pub async fn request_types(State(state): State<AppState>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let types = mamori_app::requests::types(&state.db, &s.actor).await.map_err(fail(&ctx))?;
    let out: Vec<serde_json::Value> = types
        .iter()
        .map(|t| {
            json!({
                "key": t.key, "name": t.name, "name_en": t.name_en, "controls": t.controls,
                "approver_roles": t.approver_roles, "completer_roles": t.completer_roles,
                "approver_note": t.approver_note, "workflow": t.workflow,
                "register": t.register.as_ref().map(|r| r.register.clone()),
                "fields": t.fields.iter().map(field_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Body of `PUT /api/v1/request-types/{key}/roles`.
#[derive(Deserialize)]
pub struct TypeRolesBody {
    approver_roles: Vec<String>,
    #[serde(default)]
    completer_roles: Vec<String>,
}

/// `PUT /api/v1/request-types/{key}/roles`: who approves and completes (settings.manage).
pub async fn request_type_roles(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(key): Path<String>,
    j: Result<Json<TypeRolesBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let t =
        mamori_app::requests::set_roles(&state.db, &s.actor, &key, b.approver_roles, b.completer_roles, state.now())
            .await
            .map_err(fail(&ctx))?;
    Ok(Json(json!({"key": t.key, "approver_roles": t.approver_roles, "completer_roles": t.completer_roles}))
        .into_response())
}

/// Body of `POST /api/v1/requests`.
#[derive(Deserialize)]
pub struct NewRequestBody {
    #[serde(rename = "type")]
    type_key: String,
    #[serde(default)]
    fields: serde_json::Map<String, serde_json::Value>,
}

/// `POST /api/v1/requests` `{type, fields}` → 201 `{id, state, number}`; 422 naming every
/// field problem.
pub async fn request_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    j: Result<Json<NewRequestBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let r = mamori_app::requests::create(&state.db, &s.actor, &b.type_key, &b.fields, today_of(&state), state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": r.id, "state": r.state, "number": mamori_app::requests::number_label(r.number)})),
    )
        .into_response())
}

/// Which requests.
#[derive(Deserialize)]
pub struct ScopeQuery {
    scope: Option<String>,
}

/// `GET /api/v1/requests?scope=mine|waiting|all` (default mine; all needs audit.view).
pub async fn requests_list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ScopeQuery>,
) -> ApiResult {
    use mamori_app::requests::Scope;
    let s = ctx.session().map_err(fail(&ctx))?;
    let scope = match q.scope.as_deref() {
        Some("waiting") => Scope::Waiting,
        Some("all") => Scope::All,
        _ => Scope::Mine,
    };
    let list = mamori_app::requests::list(&state.db, &s.actor, scope, today_of(&state)).await.map_err(fail(&ctx))?;
    Ok(Json(list).into_response())
}

/// `GET /api/v1/requests/{id}` → the request with its `timeline`.
pub async fn request_get(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let (v, timeline) =
        mamori_app::requests::get(&state.db, &s.actor, &id, today_of(&state)).await.map_err(fail(&ctx))?;
    let mut out = serde_json::to_value(&v).unwrap_or_default();
    out["timeline"] = json!(timeline);
    Ok(Json(out).into_response())
}

/// Body of `POST /api/v1/requests/{id}/transitions`.
#[derive(Deserialize)]
pub struct TransitionBody {
    action: String,
    #[serde(default)]
    comment: String,
    /// SHA-256 of files uploaded through `POST /api/v1/evidence`.
    #[serde(default)]
    files: Vec<String>,
}

/// `POST /api/v1/requests/{id}/transitions` `{action, comment}` → 200 `{id, state, …}`; 403
/// `separation_of_duties` when the requester approves their own request; 403 `forbidden` when
/// the role may not act; 409 when the action does not apply to the state.
pub async fn request_transition(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    j: Result<Json<TransitionBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let r = mamori_app::requests::transition(
        &state.db,
        &s.actor,
        &id,
        &b.action,
        &b.comment,
        b.files,
        today_of(&state),
        state.now(),
    )
    .await
    .map_err(fail(&ctx))?;
    Ok(Json(json!({"id": r.id, "state": r.state, "record_ref": r.record_ref, "deadline": r.deadline})).into_response())
}

/// Body of `POST /api/v1/incidents`.
#[derive(Deserialize)]
pub struct IncidentBody {
    title: String,
    description: String,
    occurred_at: String,
}

/// `POST /api/v1/incidents` `{title, description, occurred_at}` → 201 `{id, number, state}`
/// (anyone logged in).
pub async fn incident_report(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    j: Result<Json<IncidentBody>, JsonRejection>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let b = body(&ctx, j)?;
    let i = mamori_app::incidents::report(&state.db, &s.actor, &b.title, &b.description, &b.occurred_at, state.now())
        .await
        .map_err(fail(&ctx))?;
    Ok((StatusCode::CREATED, Json(json!({"id": i.id, "number": i.number, "state": i.state}))).into_response())
}

/// `GET /api/v1/incidents/{id}`: as the viewer may see it (403 for others).
pub async fn incident_get(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::incidents::get(&state.db, &s.actor, &id).await.map_err(fail(&ctx))?).into_response())
}

/// `GET /api/v1/incidents/{id}/evidence`: evidence items (403 without need-to-know access).
pub async fn incident_evidence(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> ApiResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(Json(mamori_app::incidents::evidence(&state.db, &s.actor, &id).await.map_err(fail(&ctx))?).into_response())
}
