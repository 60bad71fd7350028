//! Session pages: language switch, login (double-submit cookie), logout, password change.

use super::views::*;
use crate::ClientIp;
use crate::FormData;
use crate::ctx::Ctx;
use crate::ctx::{CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
use crate::error::{WebError, WebResult};
use crate::error::{check_csrf, message};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Lang;
use crate::respond::with_cookie;
use crate::state::AppState;
use crate::views::{Layout, render};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::AppError;
use mamori_app::session::{self, LoginRequest};
use serde::Deserialize;

/// `GET /lang?set=ja|en&next=/path`: remembers the language and goes back.
#[derive(Deserialize)]
pub struct LangQuery {
    set: String,
    next: Option<String>,
}

/// Language switch.
pub async fn lang(ctx: Ctx, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_tag(&q.set).unwrap_or(Lang::Ja);
    let next = crate::respond::local_path(q.next.as_deref());
    with_cookie(Redirect::to(next).into_response(), &ctx.cookie(LANG_COOKIE, lang.tag(), Some(31_536_000), "Lax"))
}

/// `GET /login`.
pub async fn login_form(ctx: Ctx) -> Response {
    if ctx.session.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage {
        layout: Layout::new(&ctx),
        login_id: String::new(),
        organization: String::new(),
        mfa_step: false,
    })
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Form(form): Form<FormData>,
) -> WebResult {
    let login_id = form.get("login_id").trim().to_string();
    let organization = form.get("organization").trim().to_string();
    let typed_code = form.get("totp").trim().to_string();
    let again = |e: AppError| {
        let mut layout = Layout::new(&ctx);
        layout.error = Some(message(&ctx, &e));
        // The second step (the code) stays on screen once asked for; the password is typed again.
        let mfa_step = matches!(e, AppError::MfaRequired) || !typed_code.is_empty();
        let mut r =
            render(&LoginPage { layout, login_id: login_id.clone(), organization: organization.clone(), mfa_step });
        *r.status_mut() = crate::error::status(&e);
        r
    };
    // The login form is protected by the double-submit cookie set when it was shown.
    if ctx.new_anon_csrf || !ctx.check_csrf(form.get("csrf")) {
        let mut layout = Layout::new(&ctx);
        layout.error = Some(ctx.tr().t("error-csrf"));
        let mut r = render(&LoginPage {
            layout,
            login_id: login_id.clone(),
            organization: organization.clone(),
            mfa_step: false,
        });
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
        totp: Some(typed_code.clone()).filter(|c| !c.is_empty()),
    };
    match session::login(&state.db, req, state.now()).await {
        Ok(s) => {
            let to = if s.must_change_password { "/password" } else { "/" };
            let r = with_cookie(Redirect::to(to).into_response(), &ctx.cookie(SESSION_COOKIE, &s.token, None, "Lax"));
            Ok(with_cookie(r, &ctx.cookie(CSRF_COOKIE, "", Some(0), "Strict")))
        }
        Err(e @ (AppError::Store(_) | AppError::Internal(_))) => Err(WebError::from(e)),
        Err(e) => Ok(again(e)),
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, ctx: Ctx, Form(form): Form<FormData>) -> WebResult {
    let Some(s) = ctx.session.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    check_csrf(&ctx, &form)?;
    session::logout(&state.db, &s, state.now()).await?;
    Ok(with_cookie(Redirect::to("/login").into_response(), &ctx.cookie(SESSION_COOKIE, "", Some(0), "Lax")))
}

/// `GET /password`.
pub async fn password_form(ctx: Ctx, s: Session) -> WebResult {
    Ok(render(&PasswordPage { layout: Layout::new(&ctx), forced: s.must_change_password(), problems: vec![] }))
}

/// `POST /password`.
pub async fn password(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let t = ctx.tr();
    let show = |problems: Vec<String>| {
        let mut r = render(&PasswordPage { layout: Layout::new(&ctx), forced: s.must_change_password(), problems });
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        r
    };
    if form.get("new_password") != form.get("confirm_password") {
        return Ok(show(vec![t.t("password-mismatch")]));
    }
    match session::change_password(&state.db, &s, form.get("current_password"), form.get("new_password"), state.now())
        .await
    {
        Ok(new) => Ok(with_cookie(
            Redirect::to("/?done=password").into_response(),
            &ctx.cookie(SESSION_COOKIE, &new.token, None, "Lax"),
        )),
        Err(AppError::PasswordPolicy(v)) => Ok(show(v.iter().map(|p| t.t(p.message_key())).collect())),
        Err(AppError::WrongCurrentPassword) => Ok(show(vec![t.t("error-wrong-current-password")])),
        Err(e) => Err(WebError::from(e)),
    }
}

/// The QR code of an `otpauth://` URL as inline SVG (rendered on the server: no script).
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    // Drop the XML declaration: the SVG is embedded in the page.
    Some(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

async fn mfa_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    recovery_codes: Vec<String>,
    code_error: Option<String>,
) -> WebResult {
    let pending = if recovery_codes.is_empty() { mamori_app::mfa::pending(&state.db, s).await? } else { None };
    let enrolled = s.mfa_enrolled || !recovery_codes.is_empty();
    let mut r = render(&MfaPage {
        layout: Layout::new(ctx),
        enrolled,
        required: s.must_enrol_mfa() && recovery_codes.is_empty(),
        qr_svg: pending.as_ref().and_then(|p| qr_svg(&p.otpauth_url)),
        secret_grouped: pending.as_ref().map(|p| mamori_domain::totp::grouped(&p.secret)).unwrap_or_default(),
        recovery_codes,
        code_error: code_error.clone(),
    });
    if code_error.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// `GET /mfa`: the enrolment page (status; a pending enrolment's QR code).
pub async fn mfa_form(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    mfa_page(&state, &ctx, &s, vec![], None).await
}

/// `POST /mfa/start`: a new pending secret, shown as a QR code and in groups.
pub async fn mfa_start(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let password = Some(form.get("password")).filter(|p| !p.is_empty());
    match mamori_app::mfa::start(&state.db, &s, password, state.now()).await {
        Ok(_) => mfa_page(&state, &ctx, &s, vec![], None).await,
        // Replacing an enrolled secret needs the password: the form again, the problem at it.
        Err(e @ AppError::WrongCurrentPassword) => {
            mfa_page(&state, &ctx, &s, vec![], Some(ctx.tr().t(e.message_key()))).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /mfa/confirm`: confirms with a code; shows the recovery codes once. A wrong code
/// shows the same QR code again with the problem at the field.
pub async fn mfa_confirm(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    match mamori_app::mfa::confirm(&state.db, &s, form.get("code"), state.now()).await {
        Ok(codes) => mfa_page(&state, &ctx, &s, codes, None).await,
        Err(e @ AppError::InvalidCode) => mfa_page(&state, &ctx, &s, vec![], Some(ctx.tr().t(e.message_key()))).await,
        Err(e) => Err(WebError::from(e)),
    }
}
