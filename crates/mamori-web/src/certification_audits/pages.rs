//! Pages of certification audits: the list of audits and certificates with the forms to
//! record them, and an audit's page with its findings. A refused form comes back on the same
//! page (422) with the values kept and each problem at its field.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{Done, Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::certification_audits::{self as ca, NewAudit, NewCertificate, NewFinding};
use mamori_domain::certification::{self as rules, AuditKind};
use mamori_domain::permission::Permission;

const AUDIT_FIELDS: [&str; 6] = ["kind", "body", "lead_auditor", "auditors", "starts_on", "ends_on"];
const CERT_FIELDS: [&str; 5] = ["number", "body", "scope", "issued_on", "expires_on"];
const FINDING_FIELDS: [&str; 5] = ["grade", "text", "reference", "control", "due"];
const GRADES: [&str; 4] = ["major_nc", "minor_nc", "observation", "opportunity"];

fn dates(t: &Tr, starts: &str, ends: &str) -> String {
    if starts == ends { starts.to_string() } else { t.t2("cert-dates", ("from", starts), ("to", ends)) }
}

fn refused(t: &Tr, form: &crate::FormData, fields: &[&str], problems: Vec<(String, String)>) -> Tried {
    let mut f = Tried::from_form(form, fields);
    f.errors = problems.into_iter().map(|(field, key)| (field, t.t(&key))).collect();
    f
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    s: &Session,
    audit_form: Tried,
    cert_form: Tried,
    done: Option<&str>,
) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let today = state.today();
    let audits = ca::list(&state.db, a).await?;
    let certs = ca::certificates(&state.db, a, today).await?;
    let failed = audit_form.failed() || cert_form.failed();
    let page = ListPage {
        layout: Layout::new(ctx).with_done("ca", done),
        audits: audits
            .into_iter()
            .map(|x| AuditLine {
                number: ca::number_label(x.number),
                kind: t.t(&format!("cert-kind-{}", x.kind)),
                dates: dates(&t, &x.starts_on, &x.ends_on),
                state: t.t(&format!("cert-state-{}", x.state)),
                id: x.id,
                body: x.body,
            })
            .collect(),
        certificates: certs
            .into_iter()
            .map(|c| {
                let x = c.certificate;
                CertificateLine {
                    remaining: if c.days_left < 0 {
                        t.t("cert-expired")
                    } else {
                        t.tn("cert-days-left", "days", c.days_left)
                    },
                    expiring: c.current && c.days_left <= rules::EXPIRY_WINDOW_DAYS,
                    current: c.current,
                    number: x.number,
                    body: x.body,
                    scope: x.scope,
                    issued_on: x.issued_on,
                    expires_on: x.expires_on,
                }
            })
            .collect(),
        may_manage: a.grants.has(Permission::InternalAuditsManage),
        kinds: AuditKind::ALL.iter().map(|k| (k.key().to_string(), t.t(&format!("cert-kind-{}", k.key())))).collect(),
        audit_form,
        cert_form,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// `GET /certification-audits`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    list_page(&state, &ctx, &s, Tried::default(), Tried::default(), q.done.as_deref()).await
}

/// `POST /certification-audits`: records an audit.
pub async fn record(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let n = NewAudit {
        kind: form.get("kind").into(),
        body: form.get("body").into(),
        lead_auditor: form.get("lead_auditor").into(),
        auditors: form.get("auditors").into(),
        starts_on: form.get("starts_on").into(),
        ends_on: form.get("ends_on").into(),
    };
    match ca::record(&state.db, &s.actor, n, state.now()).await {
        Ok(row) => Ok(Redirect::to(&format!("/certification-audits/{}?done=recorded", row.id)).into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx.tr(), &form, &AUDIT_FIELDS, p);
            list_page(&state, &ctx, &s, f, Tried::default(), None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /certification-audits/certificates`: records a certificate.
pub async fn add_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let n = NewCertificate {
        number: form.get("number").into(),
        body: form.get("body").into(),
        scope: form.get("scope").into(),
        issued_on: form.get("issued_on").into(),
        expires_on: form.get("expires_on").into(),
    };
    match ca::add_certificate(&state.db, &s.actor, n, state.now()).await {
        Ok(_) => Ok(Redirect::to("/certification-audits?done=certificate#certificates").into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx.tr(), &form, &CERT_FIELDS, p);
            list_page(&state, &ctx, &s, Tried::default(), f, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

async fn detail_page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, form: Tried, done: Option<&str>) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let x = ca::get(&state.db, a, id).await?;
    let findings = ca::findings(&state.db, a, id).await?;
    let recorded_by = ca::recorded_by(&state.db, a, &x).await?;
    let failed = form.failed();
    let page = DetailPage {
        layout: Layout::new(ctx).with_done("ca", done),
        number: ca::number_label(x.number),
        kind: t.t(&format!("cert-kind-{}", x.kind)),
        dates: dates(&t, &x.starts_on, &x.ends_on),
        state: t.t(&format!("cert-state-{}", x.state)),
        planned: x.state == "planned",
        recorded_by,
        findings: findings
            .into_iter()
            .map(|f| {
                let g = f.finding;
                FindingLine {
                    grade: t.t(&format!("cert-grade-{}", g.grade)),
                    nonconformity: g.nonconformity_id.is_some(),
                    reference: g.reference.unwrap_or_default(),
                    control: g.control_id.unwrap_or_default(),
                    text: g.text,
                    corrective: g
                        .nonconformity_id
                        .map(|n| (f.corrective_action.unwrap_or_default(), format!("/nonconformities/{n}"))),
                }
            })
            .collect(),
        may_manage: a.grants.has(Permission::InternalAuditsManage),
        grades: GRADES.iter().map(|g| (g.to_string(), t.t(&format!("cert-grade-{g}")))).collect(),
        form,
        id: x.id,
        body: x.body,
        lead_auditor: x.lead_auditor,
        auditors: x.auditors,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// `GET /certification-audits/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> WebResult {
    detail_page(&state, &ctx, &s, &id, Tried::default(), q.done.as_deref()).await
}

/// `POST /certification-audits/{id}/findings`: records a finding.
pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let opt = |k: &str| Some(form.get(k).to_string()).filter(|v| !v.trim().is_empty());
    let f = NewFinding {
        grade: form.get("grade").into(),
        text: form.get("text").into(),
        reference: opt("reference"),
        control: opt("control"),
        due: opt("due"),
    };
    match ca::add_finding(&state.db, &s.actor, &id, f, state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/certification-audits/{id}?done=finding#findings")).into_response()),
        Err(AppError::Validation(p)) => {
            let f = refused(&ctx.tr(), &form, &FINDING_FIELDS, p);
            detail_page(&state, &ctx, &s, &id, f, None).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /certification-audits/{id}/complete`.
pub async fn complete(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    ca::complete(&state.db, &s.actor, &id, state.now()).await?;
    Ok(Redirect::to(&format!("/certification-audits/{id}")).into_response())
}
