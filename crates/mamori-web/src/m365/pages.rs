//! Pages of Microsoft 365 evidence: import (upload streamed to disk, then the counts), the event
//! search, the findings inbox, the access review and the detection settings.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::state::AppState;
use crate::tokyo_time;
use crate::upload::{self, PageForm};
use crate::views::{Layout, render};
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::m365::{self, EventQuery, ImportReport};
use mamori_domain::permission::Permission;
use serde::Deserialize;

async fn import_page(
    state: &AppState,
    ctx: &Ctx,
    a: &mamori_app::Actor,
    report: Option<ImportReport>,
    problem: Option<String>,
) -> WebResult {
    let t = ctx.tr();
    let list = m365::imports(&state.db, a).await?;
    // The file's format in words (its key is the API's).
    let report = report.map(|mut r| {
        r.format = t.t(&format!("m365-format-{}", r.format));
        r
    });
    let mut layout = Layout::new(ctx);
    layout.error = problem;
    Ok(render(&ImportPage {
        layout,
        report,
        imports: list
            .into_iter()
            .map(|i| ImportView {
                counts: t.ta(
                    "m365-counts",
                    &[
                        ("read", &i.read_count.to_string()),
                        ("new", &i.new_count.to_string()),
                        ("duplicate", &i.duplicate_count.to_string()),
                        ("rejected", &i.rejected_count.to_string()),
                    ],
                ),
                file: i.file_name,
                format: t.t(&format!("m365-format-{}", i.format)),
                sha256_short: i.sha256.chars().take(12).collect(),
                sha256: i.sha256,
                by: i.imported_by,
                at: tokyo_time(i.imported_at),
            })
            .collect(),
    }))
}

/// `GET /m365`: the import form and the imports so far.
pub async fn index(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    import_page(&state, &ctx, &s.actor, None, None).await
}

/// `POST /m365/import` (multipart: `csrf` first, then `file`): imports one export and shows
/// its counts.
pub async fn import(State(state): State<AppState>, ctx: Ctx, s: Session, mp: Multipart) -> WebResult {
    let a = &s.actor;
    a.require(Permission::SettingsManage)?;
    let mut form = PageForm::open(&ctx, mp).await?;
    // Removed however the request ends, including a client that disconnects mid-upload (the
    // handler's future is then dropped at its next await).
    let tmp = mamori_app::evidence::RemoveOnDrop::new(state.config.evidence_dir.join("tmp").join(mamori_app::new_id()));
    let dir = tmp.path().to_path_buf();
    let mut saved = None;
    let mut received = Ok(());
    while let Some(mut field) = form.next().await? {
        if field.name() == Some("file") {
            match upload::to_temp_file(&mut field, &dir, "export").await {
                Ok(path) => saved = Some(path),
                Err(e) => {
                    received = Err(e);
                    break;
                }
            }
        }
    }
    let result = match (received, saved) {
        (Err(e), _) => Err(WebError::from(e)),
        (Ok(()), None) => Err(WebError::from(AppError::Validation(vec![("file".into(), "field-required".into())]))),
        (Ok(()), Some(path)) => {
            m365::import_file(&state.db, a, &state.evidence, &path, state.now()).await.map_err(WebError::from)
        }
    };
    drop(tmp);
    match result {
        Ok(report) => import_page(&state, &ctx, a, Some(report), None).await,
        // An expected refusal (an unknown file, a file beyond a cap, no file) stays on the
        // form with what to do; anything else is the error page.
        Err(WebError::App(
            e @ (AppError::Blocked(_)
            | AppError::FileRefused { .. }
            | AppError::TooLarge { .. }
            | AppError::Validation(_)),
        )) => {
            let mut r = import_page(&state, &ctx, a, None, Some(crate::error::message(&ctx, &e))).await?;
            *r.status_mut() = crate::error::status(&e);
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

/// Filters of the event search.
#[derive(Deserialize, Default)]
pub struct EventFilter {
    user: Option<String>,
    operation: Option<String>,
    ip: Option<String>,
    workload: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /m365/events`: search by user, operation, IP, workload and days (UTC).
pub async fn events(State(state): State<AppState>, ctx: Ctx, s: Session, Query(f): Query<EventFilter>) -> WebResult {
    let a = &s.actor;
    let q = EventQuery {
        user: f.user.clone().unwrap_or_default(),
        operation: f.operation.clone().unwrap_or_default(),
        ip: f.ip.clone().unwrap_or_default(),
        workload: f.workload.clone().unwrap_or_default(),
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        limit: 500,
    };
    let list = m365::events(&state.db, a, &q).await?;
    Ok(render(&EventsPage {
        layout: Layout::new(&ctx),
        user: q.user,
        operation: q.operation,
        ip: q.ip,
        workload: q.workload,
        from: q.from,
        to: q.to,
        events: list
            .into_iter()
            .map(|e| EventView {
                time: e.at,
                operation: e.operation,
                user: e.user_id,
                ip: e.ip,
                workload: e.workload,
                result: e.result,
                id: e.audit_id,
            })
            .collect(),
    }))
}

/// `GET /m365/findings`: the findings inbox, new ones first.
pub async fn findings(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let mut list = m365::findings(&state.db, a).await?;
    list.sort_by_key(|f| f.state != "new");
    Ok(render(&FindingsPage {
        layout: Layout::new(&ctx),
        findings: list
            .into_iter()
            .map(|f| FindingView {
                rule_label: t.t(&format!("m365-rule-{}", f.rule)),
                state_label: t.t(&format!("m365-finding-{}", f.state)),
                id: f.id,
                rule: f.rule,
                subject: f.subject,
                first_day: f.first_seen.chars().take(10).collect(),
                last_day: f.last_seen.chars().take(10).collect(),
                first: f.first_seen,
                last: f.last_seen,
                count: f.event_count,
                state: f.state,
                reason: f.reason.unwrap_or_default(),
                incident: f.incident_id.unwrap_or_default(),
            })
            .collect(),
    }))
}

/// `POST /m365/findings/{id}`: `decision` = confirm or dismiss, `reason`, `incident` = 1 to
/// open an incident.
pub async fn decide(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let confirm = form.get("decision") == "confirm";
    // The incident is the organisation's record: titled in Japanese whatever the page language.
    let ja = crate::i18n::Tr { lang: crate::i18n::Lang::Ja };
    m365::decide_finding(
        &state.db,
        &s.actor,
        &id,
        confirm,
        form.get("reason"),
        form.get("incident") == "1",
        &|rule: &str| ja.t(&format!("m365-rule-{rule}")),
        state.now(),
    )
    .await?;
    Ok(Redirect::to("/m365/findings").into_response())
}

/// `GET /m365/accounts`: the yearly access-rights review (5.18, 8.2).
pub async fn accounts(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let today = state.today();
    let mut lines = m365::review(&state.db, a, today, 90).await?;
    lines.sort_by_key(|l| (l.account.flags.is_empty(), l.account.upn.clone()));
    Ok(render(&AccountsPage {
        layout: Layout::new(&ctx),
        decisions: m365::REVIEW_DECISIONS.iter().map(|d| (d.to_string(), t.t(&format!("m365-decision-{d}")))).collect(),
        accounts: lines
            .into_iter()
            .map(|l| AccountView {
                flags: l.account.flags.iter().map(|f| t.t(&format!("m365-flag-{f}"))).collect(),
                upn: l.account.upn,
                name: l.account.display_name,
                enabled: l.account.enabled,
                last: l.account.last_sign_in.unwrap_or_default(),
                decision: l.decision.as_ref().map(|d| d.decision.clone()).unwrap_or_default(),
                note: l.decision.as_ref().map(|d| d.note.clone()).unwrap_or_default(),
                decided: l
                    .decision
                    .map(|d| format!("{} {}", d.decided_by, tokyo_time(d.decided_at)))
                    .unwrap_or_default(),
            })
            .collect(),
    }))
}

/// `POST /m365/accounts`: the reviewer's decision on one account (`upn`, `decision`, `note`).
pub async fn decide_account(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let today = state.today();
    m365::decide_account(
        &state.db,
        &s.actor,
        form.get("upn"),
        form.get("decision"),
        form.get("note"),
        today,
        state.now(),
    )
    .await?;
    Ok(Redirect::to("/m365/accounts").into_response())
}

/// The threshold fields: form name, label key, value.
fn threshold_fields(t: &m365::Thresholds) -> [(&'static str, &'static str, i64); 7] {
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    [
        ("spray_users", "m365-spray-users", n(t.spray_users)),
        ("spray_window_min", "m365-spray-window", t.spray_window_min),
        ("brute_failures", "m365-brute-failures", n(t.brute_failures)),
        ("brute_window_min", "m365-brute-window", t.brute_window_min),
        ("success_after", "m365-success-after", n(t.success_after)),
        ("download_events", "m365-download-events", n(t.download_events)),
        ("download_window_min", "m365-download-window", t.download_window_min),
    ]
}

fn settings_page(ctx: &Ctx, a: &mamori_app::Actor, s: &m365::Settings, saved: bool, errors: Vec<String>) -> WebResult {
    let t = ctx.tr();
    let may_edit = a.grants.has(Permission::SettingsManage);
    Ok(render(&SettingsPage {
        layout: Layout::new(ctx),
        numbers: threshold_fields(&s.thresholds)
            .into_iter()
            .map(|(name, key, v)| NumberField { name, label: t.t(key), value: v.to_string() })
            .collect(),
        allow_list: s.allow_list.join("\n"),
        retention_days: s.retention_days.map(|d| d.to_string()).unwrap_or_default(),
        may_edit,
        saved,
        errors,
    }))
}

/// `GET /m365/settings`: detection thresholds, allow list and retention.
pub async fn settings(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let a = &s.actor;
    let s = m365::settings(&state.db, a).await?;
    settings_page(&ctx, a, &s, false, Vec::new())
}

/// `POST /m365/settings`: saves them (administrators); invalid values are shown with the form.
pub async fn save_settings(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let field = |k: &str| form.get(k).trim().to_string();
    let mut errors = Vec::new();
    let mut num = |k: &str, current: i64| -> i64 {
        match field(k).parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                errors.push((k.to_string(), "field-out-of-range".to_string()));
                current
            }
        }
    };
    let d = m365::settings(&state.db, a).await?;
    let usize_of = |v: i64| usize::try_from(v).unwrap_or(0);
    let thresholds = m365::Thresholds {
        spray_users: usize_of(num("spray_users", 0)),
        spray_window_min: num("spray_window_min", 0),
        brute_failures: usize_of(num("brute_failures", 0)),
        brute_window_min: num("brute_window_min", 0),
        success_after: usize_of(num("success_after", 0)),
        download_events: usize_of(num("download_events", 0)),
        download_window_min: num("download_window_min", 0),
    };
    let retention = field("retention_days");
    let retention_days = if retention.is_empty() {
        None
    } else {
        match retention.parse::<u32>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(("retention_days".into(), "field-out-of-range".into()));
                d.retention_days
            }
        }
    };
    let new = m365::Settings {
        thresholds,
        allow_list: field("allow_list").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        retention_days,
    };
    let label = |(f, k): &(String, String)| match crate::error::field_label(&t, f) {
        Some(l) => format!("{l}: {}", t.t(k)),
        None => t.t(k),
    };
    if !errors.is_empty() {
        return settings_page(&ctx, a, &new, false, errors.iter().map(label).collect());
    }
    match m365::save_settings(&state.db, a, &new, state.now()).await {
        Ok(s) => settings_page(&ctx, a, &s, true, Vec::new()),
        Err(AppError::Validation(v)) => settings_page(&ctx, a, &new, false, v.iter().map(label).collect()),
        Err(e) => Err(WebError::from(e)),
    }
}
