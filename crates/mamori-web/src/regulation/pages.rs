//! Pages of the regulation: controls by theme with filters, one control with everything
//! linked to it, open items, the records and recurring duties the regulation names, and the
//! import flow (upload → preview with diagnostics → confirm).

use super::views::*;
use crate::ctx::Ctx;
use crate::error::message;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::tokyo_time;
use crate::upload::{self, PageForm, Refused};
use crate::views::{Layout, render};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::Actor;
use mamori_app::AppError;
use mamori_app::regulation::{self, Current};
use mamori_regulation::catalogue::{self, ATTRIBUTES, Theme};
use mamori_regulation::parse::Control;
use serde::Deserialize;

fn theme_label(t: &Tr, th: Theme) -> String {
    t.t(&format!("theme-{}", th.key()))
}

fn freq_label(t: &Tr, f: &str) -> String {
    t.t(&format!("freq-{f}"))
}

fn attr_label(lang: Lang, key: &str, ja: &str) -> String {
    if lang == Lang::En { key.replace('_', " ") } else { ja.to_string() }
}

async fn load(state: &AppState, a: &Actor) -> Result<Option<Current>, AppError> {
    regulation::current(&state.db, a).await
}

/// Filters of the controls list.
#[derive(Deserialize, Default)]
pub struct ControlFilter {
    theme: Option<String>,
    applicable: Option<String>,
    attr: Option<String>,
    role: Option<String>,
    has: Option<String>,
    done: Option<String>,
    version: Option<i64>,
}

fn matches_attr(c: &Control, attr: &str) -> bool {
    let Some((family, key)) = attr.split_once(':') else { return true };
    let Some(cat) = catalogue::control(&c.id) else { return false };
    let values = match family {
        "control_type" => &cat.control_type,
        "security_properties" => &cat.security_properties,
        "cybersecurity_concepts" => &cat.cybersecurity_concepts,
        "operational_capabilities" => &cat.operational_capabilities,
        "security_domains" => &cat.security_domains,
        _ => return false,
    };
    values.iter().any(|v| v.key == key)
}

/// Whether a control passes the filter (pure, shared by the page and the API).
pub fn filter_control(c: &Control, f: &ControlFilter) -> bool {
    let nonempty = |o: &Option<String>| o.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(th) = nonempty(&f.theme)
        && c.theme.key() != th
    {
        return false;
    }
    match nonempty(&f.applicable).as_deref() {
        Some("yes") if !c.applicable => return false,
        Some("no") if c.applicable => return false,
        _ => {}
    }
    if let Some(a) = nonempty(&f.attr)
        && !matches_attr(c, &a)
    {
        return false;
    }
    if let Some(r) = nonempty(&f.role)
        && !c.roles.contains(&r)
    {
        return false;
    }
    match nonempty(&f.has).as_deref() {
        Some("records") => !c.records.is_empty(),
        Some("duties") => !c.recurring.is_empty() || !c.recurring_unspecified.is_empty(),
        Some("approvals") => !c.approvals.is_empty(),
        Some("open_items") => !c.draft_notes.is_empty(),
        _ => true,
    }
}

/// `GET /controls`.
pub async fn controls(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Query(f): Query<ControlFilter>,
) -> WebResult {
    let t = ctx.tr();
    let cur = load(&state, &s.actor).await?;
    let mut layout = Layout::new(&ctx);
    if f.done.as_deref() == Some("imported") {
        layout.flash = Some(t.t1("import-done", "version", &f.version.unwrap_or_default().to_string()));
    }
    let sel = |v: &Option<String>, k: &str| v.as_deref() == Some(k);
    let themes =
        Theme::ALL.iter().map(|th| (th.key().to_string(), theme_label(&t, *th), sel(&f.theme, th.key()))).collect();
    let applicability = vec![
        ("yes".to_string(), t.t("applicable-yes"), sel(&f.applicable, "yes")),
        ("no".to_string(), t.t("applicable-no"), sel(&f.applicable, "no")),
    ];
    let mut attributes = Vec::new();
    for (family, _family_ja, values) in ATTRIBUTES {
        let family_label = t.t(&format!("attr-{family}"));
        for (_, key, ja) in *values {
            let v = format!("{family}:{key}");
            attributes.push((
                v.clone(),
                format!("{family_label}: {}", attr_label(ctx.lang, key, ja)),
                sel(&f.attr, &v),
            ));
        }
    }
    let has = ["records", "duties", "approvals", "open_items"]
        .iter()
        .map(|k| (k.to_string(), t.t(&format!("has-{}", k.replace('_', "-"))), sel(&f.has, k)))
        .collect();
    let mut role_names: Vec<String> = Vec::new();
    let mut groups: Vec<(String, Vec<ControlRow>)> = Vec::new();
    let mut count = 0i64;
    if let Some(cur) = &cur {
        for c in &cur.controls {
            for r in &c.roles {
                if !role_names.contains(r) {
                    role_names.push(r.clone());
                }
            }
        }
        for th in Theme::ALL {
            let rows: Vec<ControlRow> = cur
                .controls
                .iter()
                .filter(|c| c.theme == th && filter_control(c, &f))
                .map(|c| ControlRow {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    applicable: c.applicable,
                    records: c.records.len(),
                    duties: c.recurring.len() + c.recurring_unspecified.len(),
                    approvals: c.approvals.len(),
                    open_items: c.draft_notes.len(),
                })
                .collect();
            count += i64::try_from(rows.len()).unwrap_or(0);
            if !rows.is_empty() {
                groups.push((theme_label(&t, th), rows));
            }
        }
    }
    let roles = role_names.into_iter().map(|r| (r.clone(), r.clone(), sel(&f.role, &r))).collect();
    let version = cur.as_ref().map(|c| {
        let v = &c.version;
        let dash = "—";
        t.ta(
            "controls-version",
            &[
                ("version", &v.version_no.to_string()),
                ("number", v.doc_number.as_deref().unwrap_or(dash)),
                ("edition", v.edition.as_deref().unwrap_or(dash)),
                ("date", v.doc_date.as_deref().unwrap_or(dash)),
            ],
        )
    });
    Ok(render(&ControlsPage { layout, version, themes, applicability, attributes, roles, has, count, groups }))
}

/// `GET /controls/{id}`.
pub async fn control(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    let t = ctx.tr();
    let cur = load(&state, &s.actor).await?.ok_or_else(|| WebError::from(AppError::NotFound))?;
    let c = cur.control(&id).cloned().ok_or_else(|| WebError::from(AppError::NotFound))?;
    let cat = catalogue::control(&c.id);
    let catalogue_title = cat
        .map(|x| format!("Annex A {} — {}", x.id, if ctx.lang == Lang::En { &x.title_en } else { &x.title_ja }))
        .unwrap_or_default();
    let title_of = |x: &str| cur.control(x).map(|c| c.title.clone()).unwrap_or_default();
    let cross_refs = c.cross_refs.iter().map(|x| (x.clone(), title_of(x))).collect();
    let duties = c.recurring.iter().map(|d| (freq_label(&t, &d.frequency), d.what.clone(), d.who.clone())).collect();
    let mut attributes = Vec::new();
    if let Some(x) = cat {
        let fam = [
            ("control_type", &x.control_type),
            ("security_properties", &x.security_properties),
            ("cybersecurity_concepts", &x.cybersecurity_concepts),
            ("operational_capabilities", &x.operational_capabilities),
            ("security_domains", &x.security_domains),
        ];
        for (family, values) in fam {
            let v: Vec<String> = values.iter().map(|v| attr_label(ctx.lang, v.key, v.ja)).collect();
            attributes.push((t.t(&format!("attr-{family}")), v.join("、")));
        }
    }
    let open_items = mamori_app::open_items::for_control(&state.db, &s.actor, &c.id)
        .await?
        .into_iter()
        .map(|v| {
            let resolved = v.resolved();
            let i = v.item;
            (
                i.text,
                t.t(&format!("open-item-kind-{}", i.kind)),
                v.owner_name.unwrap_or_default(),
                i.due.unwrap_or_default(),
                resolved,
            )
        })
        .collect();
    let health = mamori_app::health::of_control(&state.db, &s.actor, &c.id, state.today()).await?;
    Ok(render(&ControlPage {
        layout: Layout::new(&ctx),
        open_items,
        health: super::health::view(&t, &health),
        theme: theme_label(&t, c.theme),
        control_paragraphs: c.control_text.split('\n').map(str::to_string).collect(),
        catalogue_title,
        duties,
        cross_refs,
        attributes,
        c,
    }))
}

/// `GET /regulation/records`: every record named in 【…】 with the controls naming it.
pub async fn records(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let cur = load(&state, &s.actor).await?;
    let mut records: Vec<(String, Vec<String>)> = Vec::new();
    for c in cur.iter().flat_map(|cur| cur.controls.iter()) {
        for r in &c.records {
            match records.iter_mut().find(|(n, _)| n == r) {
                Some((_, ids)) => ids.push(c.id.clone()),
                None => records.push((r.clone(), vec![c.id.clone()])),
            }
        }
    }
    let t = ctx.tr();
    let a = &s.actor;
    let names: Vec<String> = records.iter().map(|(n, _)| n.clone()).collect();
    let homes = if a.grants.has(mamori_domain::permission::Permission::RegistersView) {
        mamori_app::registers::record_homes(&state.db, a, &names, state.now()).await?
    } else {
        names.iter().map(|n| (n.clone(), mamori_app::registers::RecordHome::Missing)).collect()
    };
    // A document's name is never offered as a register.
    let is_doc = |n: &str| mamori_domain::document::is_document_name(n);
    let records = records
        .into_iter()
        .zip(homes)
        .map(|((n, ids), (_, home))| match home {
            mamori_app::registers::RecordHome::Register(k) => {
                (n, ids, format!("/registers/{k}"), t.t("record-register"))
            }
            mamori_app::registers::RecordHome::Document(d) => {
                (n, ids, format!("/documents/{d}"), t.t("record-document"))
            }
            mamori_app::registers::RecordHome::DocumentMissing => {
                (n, ids, String::new(), t.t("record-document-missing"))
            }
            mamori_app::registers::RecordHome::Missing if is_doc(&n) => {
                (n, ids, String::new(), t.t("record-document-missing"))
            }
            mamori_app::registers::RecordHome::Missing => (n, ids, String::new(), String::new()),
        })
        .collect();
    Ok(render(&RecordsPage {
        layout: Layout::new(&ctx),
        records,
        can_design: a.grants.has(mamori_domain::permission::Permission::RegistersDesign),
    }))
}

/// `POST /regulation/records/register`: creates a register for a named record.
pub async fn offer_register(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let def =
        mamori_app::registers::offer(&state.db, &s.actor, form.get("name"), form.all("controls"), state.now()).await?;
    Ok(Redirect::to(&format!("/registers/{}/design", def.key)).into_response())
}

/// `GET /regulation/duties`: the stated intervals, and the "定期的に" items needing a decision.
pub async fn duties(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let t = ctx.tr();
    let cur = load(&state, &s.actor).await?;
    let controls: Vec<&Control> = cur.iter().flat_map(|c| c.controls.iter()).collect();
    let duties = controls
        .iter()
        .flat_map(|c| {
            c.recurring.iter().map(|d| {
                (
                    c.id.clone(),
                    freq_label(&t, &d.frequency),
                    d.what.clone(),
                    d.who.clone().unwrap_or_default(),
                    d.source_text.clone(),
                )
            })
        })
        .collect();
    let undecided = controls
        .iter()
        .flat_map(|c| c.recurring_unspecified.iter().map(|u| (c.id.clone(), u.what.clone(), u.source_text.clone())))
        .collect();
    Ok(render(&DutiesPage { layout: Layout::new(&ctx), duties, undecided }))
}

async fn import_page(state: &AppState, a: &Actor, layout: Layout, preview: Option<Preview>) -> WebResult {
    let versions = regulation::versions(&state.db, a)
        .await
        .map_err(WebError::from)?
        .into_iter()
        .map(|v| {
            (
                v.version_no,
                v.doc_number.unwrap_or_default(),
                v.edition.unwrap_or_default(),
                v.doc_date.unwrap_or_default(),
                v.source_name,
                v.imported_by,
                tokyo_time(v.imported_at),
            )
        })
        .collect();
    Ok(render(&ImportPage { layout, preview, versions }))
}

/// `GET /regulation/import`.
pub async fn import_form(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    import_page(&state, &s.actor, Layout::new(&ctx), None).await
}

/// `POST /regulation/import` (multipart): reads the file and shows the preview.
pub async fn import_upload(State(state): State<AppState>, ctx: Ctx, s: Session, mp: Multipart) -> WebResult {
    let t = ctx.tr();
    let refused_token = || async {
        let mut layout = Layout::new(&ctx);
        layout.error = Some(t.t("error-csrf"));
        let mut r = import_page(&state, &s.actor, layout, None).await?;
        *r.status_mut() = StatusCode::FORBIDDEN;
        Ok::<Response, WebError>(r)
    };
    let mut form = match PageForm::open(&ctx, mp).await {
        Ok(f) => f,
        Err(Refused::Token) => return refused_token().await,
        Err(e) => return Err(bad_upload(e)),
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await.map_err(bad_upload)? {
        if field.name() == Some("file") {
            let file_name = upload::file_name(&field, "upload");
            file = Some((file_name, upload::bytes(field).await.map_err(bad_upload)?));
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(bad_upload(Refused::Read(t.t("field-required"))));
    };
    let (state, ctx, s) = (&state, &ctx, &s);
    let failed = |msg: String, status: StatusCode| async move {
        let mut layout = Layout::new(ctx);
        layout.error = Some(msg);
        let mut r = import_page(state, &s.actor, layout, None).await?;
        *r.status_mut() = status;
        Ok::<Response, WebError>(r)
    };
    let text = match mamori_app::regulation_file::text_of_upload_async(file_name.clone(), bytes).await {
        Ok(text) => text,
        Err(e @ mamori_app::regulation_file::ReadError::TooLarge { .. }) => {
            let e = e.into_app();
            return failed(message(ctx, &e), StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        Err(e) => return failed(e.to_string(), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (staging_id, reg) = match regulation::stage(&state.db, &s.actor, &file_name, &text, state.now()).await {
        Ok(x) => x,
        Err(e @ AppError::NotARegulation(_)) => {
            return failed(format!("{file_name}: {}", message(ctx, &e)), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(AppError::Validation(v)) if v.iter().any(|(_, k)| k == "regulation-identical") => {
            let said = format!("{file_name}: {}", t.t("regulation-identical"));
            return failed(said, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(WebError::from(e)),
    };
    let count = |key: &str, n: usize| t.tn(key, "count", i64::try_from(n).unwrap_or(0));
    let cs = &reg.controls;
    let summary = vec![
        count("import-summary-controls", cs.len()),
        count("import-summary-excluded", cs.iter().filter(|c| !c.applicable).count()),
        count("import-summary-records", {
            let mut all: Vec<&String> = cs.iter().flat_map(|c| c.records.iter()).collect();
            all.sort();
            all.dedup();
            all.len()
        }),
        count("import-summary-duties", cs.iter().map(|c| c.recurring.len()).sum()),
        count("import-summary-undecided", cs.iter().map(|c| c.recurring_unspecified.len()).sum()),
        count("import-summary-approvals", cs.iter().map(|c| c.approvals.len()).sum()),
        // Distinct notes: the same note left under two controls is one thing to do.
        count("import-summary-open-items", {
            let mut all: Vec<&String> = cs.iter().flat_map(|c| c.draft_notes.iter()).collect();
            all.sort();
            all.dedup();
            all.len()
        }),
    ];
    let dash = || "—".to_string();
    let preview = Preview {
        staging_id,
        number: reg.document.number.clone().unwrap_or_else(dash),
        title: reg.document.title.clone().unwrap_or_else(dash),
        edition: reg.document.edition.clone().unwrap_or_else(dash),
        date: reg.document.date.clone().unwrap_or_else(dash),
        summary,
        diagnostics: reg.diagnostics.iter().map(|d| format!("{file_name}:{}: {}", d.line, d.message)).collect(),
        controls: cs
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.title.clone(),
                    if c.applicable { t.t("applicable-yes") } else { t.t("applicable-no") },
                    c.records.len(),
                    c.recurring.len() + c.recurring_unspecified.len(),
                    c.draft_notes.len(),
                )
            })
            .collect(),
        file_name,
    };
    import_page(state, &s.actor, Layout::new(ctx), Some(preview)).await
}

/// An upload that could not be read is a validation error of its `file` field.
fn bad_upload(r: Refused) -> WebError {
    match r {
        Refused::Read(detail) => WebError::from(AppError::Validation(vec![("file".into(), detail)])),
        r => WebError::from(r),
    }
}

/// `POST /regulation/import/confirm`.
pub async fn import_confirm(State(state): State<AppState>, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    let imported = regulation::import_staged(&state.db, &s.actor, form.get("staging_id"), state.now()).await?;
    Ok(Redirect::to(&format!("/controls?done=imported&version={}", imported.version.version_no)).into_response())
}
