//! Server-rendered pages. Every form posts back to the server and works without JavaScript;
//! htmx only swaps a table row in place where it is loaded.

use crate::ctx::{CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::{PageError, message};
use crate::error::{PageResult, page_csrf as csrf, page_fail as fail};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views::*;
use crate::{ClientIp, FormData, tokyo_time};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use mamori_app::session::LoginRequest;
use mamori_app::{AppError, audit, session, users};
use mamori_domain::permission::Permission;
use serde::Deserialize;

fn with_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// `GET /lang?set=ja|en&next=/path`: remembers the language and goes back.
#[derive(Deserialize)]
pub struct LangQuery {
    set: String,
    next: Option<String>,
}

/// Language switch.
pub async fn lang(Extension(ctx): Extension<Ctx>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_tag(&q.set).unwrap_or(Lang::Ja);
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    with_cookie(Redirect::to(&next).into_response(), &ctx.cookie(LANG_COOKIE, lang.tag(), Some(31_536_000), "Lax"))
}

/// `GET /login`.
pub async fn login_form(Extension(ctx): Extension<Ctx>) -> Response {
    if ctx.session.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage { layout: Layout::new(&ctx), login_id: String::new(), organization: String::new() })
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    ClientIp(ip): ClientIp,
    Form(form): Form<FormData>,
) -> PageResult {
    let login_id = form.get("login_id").trim().to_string();
    let organization = form.get("organization").trim().to_string();
    let again = |e: AppError| {
        let mut layout = Layout::new(&ctx);
        layout.error = Some(message(&ctx, &e));
        let mut r = render(&LoginPage { layout, login_id: login_id.clone(), organization: organization.clone() });
        *r.status_mut() = crate::error::status(&e);
        r
    };
    // The login form is protected by the double-submit cookie set when it was shown.
    if ctx.new_anon_csrf || !ctx.check_csrf(form.get("csrf")) {
        let mut layout = Layout::new(&ctx);
        layout.error = Some(ctx.tr().t("error-csrf"));
        let mut r = render(&LoginPage { layout, login_id: login_id.clone(), organization: organization.clone() });
        *r.status_mut() = StatusCode::FORBIDDEN;
        return Ok(r);
    }
    if !state.allow_login(&ip) {
        return Ok(again(AppError::RateLimited));
    }
    let req = LoginRequest {
        organization: Some(organization.clone()).filter(|o| !o.is_empty()),
        login_id: login_id.clone(),
        password: form.get("password").to_string(),
    };
    match session::login(&state.db, req, state.now()).await {
        Ok(s) => {
            let to = if s.must_change_password { "/password" } else { "/" };
            let r = with_cookie(Redirect::to(to).into_response(), &ctx.cookie(SESSION_COOKIE, &s.token, None, "Lax"));
            Ok(with_cookie(r, &ctx.cookie(CSRF_COOKIE, "", Some(0), "Strict")))
        }
        Err(e @ (AppError::Store(_) | AppError::Internal(_))) => Err(PageError::new(&ctx, e)),
        Err(e) => Ok(again(e)),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    let Some(s) = ctx.session.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    csrf(&ctx, &form)?;
    session::logout(&state.db, &s, state.now()).await.map_err(fail(&ctx))?;
    Ok(with_cookie(Redirect::to("/login").into_response(), &ctx.cookie(SESSION_COOKIE, "", Some(0), "Lax")))
}

/// `GET /password`.
pub async fn password_form(Extension(ctx): Extension<Ctx>) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    Ok(render(&PasswordPage { layout: Layout::new(&ctx), forced: s.must_change_password(), problems: vec![] }))
}

/// `POST /password`.
pub async fn password(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
    let t = ctx.tr();
    let show = |problems: Vec<String>| {
        let mut r = render(&PasswordPage { layout: Layout::new(&ctx), forced: s.must_change_password(), problems });
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        r
    };
    if form.get("new_password") != form.get("confirm_password") {
        return Ok(show(vec![t.t("password-mismatch")]));
    }
    match session::change_password(&state.db, s, form.get("current_password"), form.get("new_password"), state.now())
        .await
    {
        Ok(new) => Ok(with_cookie(
            Redirect::to("/?done=password").into_response(),
            &ctx.cookie(SESSION_COOKIE, &new.token, None, "Lax"),
        )),
        Err(AppError::PasswordPolicy(v)) => Ok(show(v.iter().map(|p| t.t(p.message_key())).collect())),
        Err(AppError::WrongCurrentPassword) => Ok(show(vec![t.t("error-wrong-current-password")])),
        Err(e) => Err(PageError::new(&ctx, e)),
    }
}

/// `?done=` keys that pages may show as a success message.
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    login: Option<String>,
}

/// `GET /`: the home dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    let mut layout = Layout::new(&ctx);
    if q.done.as_deref() == Some("password") {
        layout.flash = Some(ctx.tr().t("password-changed"));
    }
    let roles = s
        .roles
        .iter()
        .map(|r| if ctx.lang == Lang::En { r.name_en.clone() } else { r.name_ja.clone() })
        .collect::<Vec<_>>()
        .join("、");
    Ok(render(&DashboardPage {
        layout,
        display_name: s.user.display_name.clone(),
        org_name: s.org.name.clone(),
        roles,
        cards: dashboard_cards(&state, &ctx, &s.actor).await?,
        pending: mamori_app::documents::pending_for(&state.db, &s.actor)
            .await
            .map_err(fail(&ctx))?
            .into_iter()
            .map(|p| {
                (format!("/documents/{}", p.document_id), format!("{} {}（{}）", p.doc_number, p.title, p.edition))
            })
            .collect(),
    }))
}

/// The dashboard's cards: (title key, [(link, text)]), from what the actor may see.
async fn dashboard_cards(
    state: &AppState,
    ctx: &Ctx,
    actor: &mamori_app::Actor,
) -> Result<Vec<(&'static str, Vec<(String, String)>)>, crate::error::PageError> {
    use mamori_domain::permission::Permission;
    let t = ctx.tr();
    let today = mamori_app::tokyo_date(state.now());
    let mut cards = Vec::new();
    if actor.grants.has(Permission::DutiesView) {
        let soon = mamori_app::duties::due_soon(&state.db, actor, false, today, 30, 0).await.map_err(fail(ctx))?;
        cards.push((
            "card-duties",
            vec![
                ("/duties".to_string(), t.tn("card-duties-overdue", "count", soon.overdue as i64)),
                ("/duties".to_string(), t.tn("card-duties-soon", "count", (soon.total - soon.overdue) as i64)),
            ],
        ));
    }
    if actor.grants.has(Permission::RequestsUse) {
        use mamori_app::requests::{Scope, list};
        let waiting = list(&state.db, actor, Scope::Waiting, today).await.map_err(fail(ctx))?;
        let mine = list(&state.db, actor, Scope::Mine, today).await.map_err(fail(ctx))?;
        let open = mine.iter().filter(|r| !r.closed).count();
        let overdue = mine.iter().chain(&waiting).filter(|r| r.overdue).count();
        cards.push((
            "card-requests",
            vec![
                ("/requests?scope=waiting".to_string(), t.tn("card-requests-waiting", "count", waiting.len() as i64)),
                ("/requests".to_string(), t.tn("card-requests-mine", "count", open as i64)),
                ("/requests".to_string(), t.tn("card-requests-overdue", "count", overdue as i64)),
            ],
        ));
    }
    let incidents = mamori_app::incidents::list(&state.db, actor).await.map_err(fail(ctx))?;
    let mut inc = vec![
        (
            "/incidents".to_string(),
            t.tn("card-incidents-reported", "count", incidents.iter().filter(|i| i.state == "reported").count() as i64),
        ),
        (
            "/incidents".to_string(),
            t.tn("card-incidents-open", "count", incidents.iter().filter(|i| i.state == "open").count() as i64),
        ),
    ];
    if actor.grants.has(Permission::RegistersView) {
        let overdue = mamori_app::incidents::overdue_corrective(&state.db, actor, today).await.map_err(fail(ctx))?;
        inc.push(("/incidents#ca-overdue".to_string(), t.tn("card-corrective-overdue", "count", overdue.len() as i64)));
    }
    cards.push(("card-incidents", inc));
    Ok(cards)
}

fn role_label(ctx: &Ctx, ja: &str, en: &str) -> String {
    if ctx.lang == Lang::En { en.to_string() } else { ja.to_string() }
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    layout: Layout,
    form: Option<&FormData>,
    errors: Vec<String>,
) -> PageResult {
    let s = ctx.session().map_err(fail(ctx))?;
    let list = users::list(&state.db, &s.actor).await.map_err(fail(ctx))?;
    let roles = {
        let mut c = state.db.conn().await.map_err(|e| PageError::new(ctx, e.into()))?;
        mamori_store::rows::list_roles(&mut c.ex(), &s.org.id).await.map_err(|e| PageError::new(ctx, e.into()))?
    };
    let all_roles: Vec<(String, String)> =
        roles.iter().map(|r| (r.key.clone(), role_label(ctx, &r.name_ja, &r.name_en))).collect();
    let rows = list.into_iter().map(|u| user_row(ctx, u, &all_roles)).collect();
    Ok(render(&UsersPage {
        layout,
        rows,
        all_roles,
        can_manage: s.actor.grants.has(Permission::UsersManage),
        can_unlock: s.actor.grants.has(Permission::UsersUnlock),
        can_settings: s.actor.grants.has(Permission::SettingsManage),
        lockout_threshold: s.org.lockout_threshold,
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
    }
}

/// `GET /users`.
pub async fn users_list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let mut layout = Layout::new(&ctx);
    let login = q.login.unwrap_or_default();
    layout.flash = match q.done.as_deref() {
        Some("created") => Some(ctx.tr().t1("users-created", "login", &login)),
        Some("unlocked") => Some(ctx.tr().t1("users-unlocked", "login", &login)),
        Some("roles") => Some(ctx.tr().t1("users-roles-saved", "login", &login)),
        Some("settings") => Some(ctx.tr().t("settings-saved")),
        _ => None,
    };
    users_page(&state, &ctx, layout, None, vec![]).await
}

/// `POST /users`: create a user with an initial password.
pub async fn users_create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
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
        Err(e @ (AppError::Validation(_) | AppError::PasswordPolicy(_) | AppError::Conflict)) => {
            let errors = match &e {
                AppError::Validation(f) => f.iter().map(|(f, k)| format!("{f}: {}", ctx.tr().t(k))).collect(),
                AppError::PasswordPolicy(v) => v.iter().map(|p| ctx.tr().t(p.message_key())).collect(),
                _ => vec![ctx.tr().t("error-conflict")],
            };
            let mut r = users_page(&state, &ctx, Layout::new(&ctx), Some(&form), errors).await?;
            *r.status_mut() = crate::error::status(&e);
            Ok(r)
        }
        Err(e) => Err(PageError::new(&ctx, e)),
    }
}

/// `POST /settings`: the lockout threshold (users page).
pub async fn settings(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
    let n = form.get("lockout_threshold").trim().parse::<i64>().unwrap_or(0);
    mamori_app::org::set_lockout_threshold(&state.db, &s.actor, n, state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to("/users?done=settings").into_response())
}

/// `POST /users/{login}/roles`.
pub async fn users_roles(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
    users::set_roles(&state.db, &s.actor, &login, form.all("roles"), state.now()).await.map_err(fail(&ctx))?;
    Ok(Redirect::to(&format!("/users?done=roles&login={}", urlencode(&login))).into_response())
}

/// `POST /users/{login}/unlock`; answers the new table row to htmx, a redirect otherwise.
pub async fn users_unlock(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Path(login): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
    let u = users::unlock(&state.db, &s.actor, &login, state.now()).await.map_err(fail(&ctx))?;
    if headers.contains_key("hx-request") {
        let roles = {
            let mut c = state.db.conn().await.map_err(|e| PageError::new(&ctx, e.into()))?;
            mamori_store::rows::list_roles(&mut c.ex(), &s.org.id).await.map_err(|e| PageError::new(&ctx, e.into()))?
        };
        let all: Vec<(String, String)> =
            roles.iter().map(|r| (r.key.clone(), role_label(&ctx, &r.name_ja, &r.name_en))).collect();
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
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
    Form(form): Form<FormData>,
) -> PageResult {
    let s = ctx.session().map_err(fail(&ctx))?;
    csrf(&ctx, &form)?;
    let pw = users::reset_password(&state.db, &s.actor, &login, None, state.now()).await.map_err(fail(&ctx))?;
    let mut layout = Layout::new(&ctx);
    layout.flash = Some(ctx.tr().t2("users-password-reset", ("login", &login), ("password", &pw)));
    users_page(&state, &ctx, layout, None, vec![]).await
}

/// `GET /audit?page=N`.
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// The audit log (privileged roles only, 8.15 (5)).
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    const PER_PAGE: i64 = 50;
    let s = ctx.session().map_err(fail(&ctx))?;
    let page = q.page.unwrap_or(0).max(0);
    let (rows, total) = audit::list(&state.db, &s.actor, PER_PAGE, page * PER_PAGE).await.map_err(fail(&ctx))?;
    let t = ctx.tr();
    let verified = audit::verify_org(&state.db, &s.org.id).await.map_err(fail(&ctx))?;
    let (chain_ok, chain_message) = match verified {
        Ok(n) => (true, t.tn("audit-chain-ok", "count", i64::try_from(n).unwrap_or(i64::MAX))),
        Err(e) => (false, t.t1("audit-chain-broken", "detail", &e.to_string())),
    };
    let rows = rows
        .into_iter()
        .map(|r| AuditRowView {
            seq: r.seq,
            at: tokyo_time(r.at_ms),
            actor: r.actor_label,
            action: t.t(&format!("action-{}", r.action)),
            object: format!("{} {}", r.object_type, r.object_id.unwrap_or_default()),
            before: r.before_json,
            after: r.after_json,
        })
        .collect();
    Ok(render(&AuditPage {
        layout: Layout::new(&ctx),
        rows,
        chain_ok,
        chain_message,
        newer: (page > 0).then(|| page - 1),
        older: ((page + 1) * PER_PAGE < total).then_some(page + 1),
    }))
}

/// Percent-encodes a path or query component.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
