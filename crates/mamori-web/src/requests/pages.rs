//! Pages of requests and approvals (申請・承認): my requests and requests waiting for me, the
//! new-request form of any type (built from the type's fields), a request's detail with its
//! timeline and the actions the viewer may take, and who approves each type.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::tokyo_time;
use crate::upload::{self};
use crate::views::{Layout, render};
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::requests::{self, RequestView, Scope};
use mamori_domain::permission::Permission;
use mamori_domain::register::{FieldType, format_cell};
use mamori_domain::workflow::RequestType;
use serde::Deserialize;
use serde_json::{Map, Value};

fn type_name(t: &Tr, r: &RequestType) -> String {
    match (&t.lang, &r.name_en) {
        (Lang::En, Some(n)) => n.clone(),
        _ => r.name.clone(),
    }
}

fn row(t: &Tr, v: RequestView) -> Row {
    Row {
        number: requests::number_label(v.request.number),
        kind: v.type_name,
        state_label: t.t(&format!("req-state-{}", v.request.state)),
        state: v.request.state,
        title: v.request.title,
        requester: v.request.requester_label,
        updated: tokyo_time(v.request.updated_at),
        overdue: v.overdue,
        id: v.request.id,
    }
}

/// Which list.
#[derive(Deserialize, Default)]
pub struct ScopeQuery {
    scope: Option<String>,
}

/// `GET /requests` (`?scope=waiting`: waiting for me; `?scope=all`: every request, for
/// auditors): the list, and the request types to start a new one.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<ScopeQuery>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let can_all = a.grants.has(Permission::AuditView);
    let (scope, key) = match q.scope.as_deref() {
        Some("waiting") => (Scope::Waiting, "waiting"),
        Some("all") if can_all => (Scope::All, "all"),
        _ => (Scope::Mine, "mine"),
    };
    let today = state.today();
    let list = requests::list(&state.db, a, scope, today).await?;
    let waiting = if scope == Scope::Waiting {
        list.len()
    } else {
        requests::list(&state.db, a, Scope::Waiting, today).await?.len()
    };
    let all_types = requests::types(&state.db, a).await?;
    let types = all_types.iter().map(|r| (r.key.clone(), type_name(&t, r), r.controls.join(", "))).collect();
    let settings = if a.grants.has(Permission::SettingsManage) {
        let roles = mamori_app::duties::choices(&state.db, a).await?.roles;
        all_types
            .iter()
            .map(|ty| {
                let checks = roles
                    .iter()
                    .map(|r| {
                        let name = if t.lang == Lang::En { r.2.clone() } else { r.1.clone() };
                        (r.0.clone(), name, ty.approver_roles.contains(&r.0))
                    })
                    .collect();
                (ty.key.clone(), type_name(&t, ty), checks)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&ListPage {
        layout: Layout::new(&ctx),
        scope: key,
        rows: list.into_iter().map(|v| row(&t, v)).collect(),
        waiting,
        types,
        can_all,
        settings,
    }))
}

/// `POST /requests/types/{key}/roles`: who approves a type in this organisation.
pub async fn set_roles(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let current = requests::types(&state.db, a).await?.into_iter().find(|t| t.key == key);
    let completers = current.map(|t| t.completer_roles).unwrap_or_default();
    requests::set_roles(&state.db, a, &key, form.all("approver_roles"), completers, state.now()).await?;
    Ok(Redirect::to("/requests#settings").into_response())
}

fn input_kind(t: FieldType) -> &'static str {
    match t {
        FieldType::LongText => "textarea",
        FieldType::Integer | FieldType::Decimal => "number",
        FieldType::Date => "date",
        FieldType::Datetime => "datetime-local",
        FieldType::Boolean => "checkbox",
        FieldType::Choice => "select",
        FieldType::Reference => "reference",
        _ => "text",
    }
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    a: &mamori_app::Actor,
    key: &str,
    values: &Map<String, Value>,
    errors: Vec<(String, String)>,
) -> WebResult {
    let t = ctx.tr();
    let ty = requests::types(&state.db, a)
        .await?
        .into_iter()
        .find(|r| r.key == key)
        .ok_or_else(|| WebError::from(mamori_app::AppError::NotFound))?;
    let roles = mamori_app::duties::choices(&state.db, a).await?.roles;
    let approvers = ty
        .approver_roles
        .iter()
        .map(|k| {
            roles
                .iter()
                .find(|r| &r.0 == k)
                .map(|r| if t.lang == Lang::En { r.2.clone() } else { r.1.clone() })
                .unwrap_or_else(|| k.clone())
        })
        .collect::<Vec<_>>()
        .join("、");
    let mut options = requests::reference_options(&state.db, a, &ty).await?;
    let error_at = |key: &str| errors.iter().filter(|e| e.0 == key).map(|e| e.1.clone()).collect::<Vec<_>>().join(" ");
    Ok(render(&NewPage {
        layout: Layout::new(ctx),
        key: ty.key.clone(),
        name: type_name(&t, &ty),
        controls: ty.controls.join(", "),
        note: ty.approver_note.clone(),
        approvers,
        fields: ty
            .fields
            .iter()
            .map(|f| FieldView {
                key: f.key.clone(),
                label: match (&t.lang, &f.label_en) {
                    (Lang::En, Some(l)) => l.clone(),
                    _ => f.label.clone(),
                },
                kind: input_kind(f.ty),
                required: f.required,
                choices: f.choices.clone(),
                options: {
                    // A value sent or linked that is not among the rows stays offered (and
                    // picked): nothing typed is lost, the server says what is wrong with it.
                    let mut o = options.remove(&f.key).unwrap_or_default();
                    let v = values.get(&f.key).map(|v| format_cell(f, v)).unwrap_or_default();
                    if !v.is_empty() && !o.iter().any(|x| x.0 == v) {
                        o.insert(0, (v.clone(), v));
                    }
                    o
                },
                value: values.get(&f.key).map(|v| format_cell(f, v)).unwrap_or_default(),
                error: error_at(&f.key),
            })
            .collect(),
        errors: errors
            .iter()
            .map(|(f, m)| {
                let label =
                    ty.fields.iter().find(|x| &x.key == f).map(|x| x.label.clone()).unwrap_or_else(|| f.clone());
                if label.is_empty() { m.clone() } else { format!("{label}: {m}") }
            })
            .collect(),
    }))
}

/// `GET /requests/new/{key}`: the form of a request type; `?FIELD=VALUE` fills a field in
/// (a page linking to the form names its record, e.g. the supplier of a re-subcontracting).
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    Query(prefill): Query<std::collections::BTreeMap<String, String>>,
) -> WebResult {
    let values: Map<String, Value> = prefill
        .into_iter()
        .take(50)
        .map(|(k, v)| (k, Value::from(v.chars().take(mamori_app::checks::MAX_TITLE).collect::<String>())))
        .collect();
    new_page(&state, &ctx, &s.actor, &key, &values, vec![]).await
}

/// `POST /requests/new/{key}`: submits it; every field problem is shown in place.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let a = &s.actor;
    let ty = requests::types(&state.db, a).await?.into_iter().find(|r| r.key == key);
    let mut values = Map::new();
    for f in ty.iter().flat_map(|t| t.fields.iter()) {
        let raw = form.get(&f.key).trim().to_string();
        let v = match f.ty {
            FieldType::Boolean => Value::Bool(raw == "1" || raw == "on"),
            _ if raw.is_empty() => Value::Null,
            _ => Value::from(raw),
        };
        values.insert(f.key.clone(), v);
    }
    match requests::create(&state.db, a, &key, &values, state.today(), state.now()).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(mamori_app::AppError::Rows(problems)) => {
            let t = ctx.tr();
            let errors = problems.iter().map(|p| (p.field.clone(), t.t(&p.message))).collect();
            let mut r = new_page(&state, &ctx, &s.actor, &key, &values, errors).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e @ mamori_app::AppError::PledgeMissing(_)) => {
            // The pledge gate: the problem at the person field, the form kept.
            let errors = vec![(mamori_app::people::pledge::PERSON_FIELD.to_string(), crate::error::message(&ctx, &e))];
            let mut r = new_page(&state, &ctx, &s.actor, &key, &values, errors).await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// The register row a request wrote, as the viewer may see it: the register's name and the
/// row's title (its first field), linked when the viewer may read it (a supplier to its page).
async fn record_of(state: &AppState, a: &mamori_app::Actor, r: Option<&str>) -> (String, String) {
    let Some((r, (key, id))) = r.and_then(|r| r.split_once('/').map(|x| (r, x))) else {
        return (String::new(), String::new());
    };
    match mamori_app::registers::records::label(&state.db, a, r).await {
        Ok(Some(label)) => {
            let href = if key == mamori_app::suppliers::REGISTER {
                format!("/suppliers/{id}")
            } else {
                format!("/registers/{key}/rows/{id}")
            };
            (label, href)
        }
        // A register the viewer reads but a row hidden from them: the register's name alone.
        _ => match mamori_app::registers::definition(&state.db, a, key).await {
            Ok(def) => (def.name, String::new()),
            Err(_) => (String::new(), String::new()),
        },
    }
}

/// `GET /requests/{id}`.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    detail_page(&state, &ctx, &s, &id, None).await
}

/// An action refused on the request's page: why, and the comment typed.
struct Refused {
    problems: Vec<String>,
    comment: String,
    status: axum::http::StatusCode,
}

async fn detail_page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, refused: Option<Refused>) -> WebResult {
    let a = &s.actor;
    let t = ctx.tr();
    let (v, timeline) = requests::get(&state.db, a, id, state.today()).await?;
    let ty = requests::types(&state.db, a).await?.into_iter().find(|r| r.key == v.request.type_key);
    // A refusal names the request's fields by their labels, never by their keys.
    let refusal: Vec<String> = refused
        .as_ref()
        .map(|r| r.problems.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p.split_once('\u{1f}') {
            Some((field, message)) => {
                let label = match field {
                    "comment" => t.t("req-comment"),
                    "files" => t.t("req-attachments"),
                    f => ty
                        .iter()
                        .flat_map(|ty| ty.fields.iter())
                        .find(|x| x.key == f)
                        .map(|x| x.label.clone())
                        // A register's column (the row a transition writes) is named as it is.
                        .unwrap_or_else(|| if f.is_ascii() { String::new() } else { f.to_string() }),
                };
                if label.is_empty() { t.t(message) } else { format!("{label}: {}", t.t(message)) }
            }
            None => t.t(&p),
        })
        .collect();
    let fields = ty
        .iter()
        .flat_map(|ty| ty.fields.iter())
        .map(|f| (f.label.clone(), v.fields.get(&f.key).map(|x| format_cell(f, x)).unwrap_or_default()))
        .collect();
    let (record_ref, record_href) = record_of(state, a, v.request.record_ref.as_deref()).await;
    let actions = v.actions.iter().map(|x| (x.clone(), t.t(&format!("req-action-{x}")))).collect();
    let approver = v.request.approver_label.clone().unwrap_or_default();
    let deadline = v.request.deadline.clone().unwrap_or_default();
    let status = refused.as_ref().map(|r| r.status).unwrap_or(axum::http::StatusCode::OK);
    let page = render(&DetailPage {
        layout: Layout::new(ctx),
        refusal,
        comment: refused.map(|r| r.comment).unwrap_or_default(),
        row: row(&t, v),
        fields,
        approver,
        deadline,
        record_href,
        record_ref,
        actions,
        timeline: timeline
            .into_iter()
            .map(|e| EventView {
                at: tokyo_time(e.at_ms),
                action: t.t(&format!("req-action-{}", e.action)),
                actor: e.actor_label,
                to: t.t(&format!("req-state-{}", e.to_state)),
                comment: e.comment,
                files: serde_json::from_str(&e.files_json).unwrap_or_default(),
            })
            .collect(),
    });
    Ok((status, page).into_response())
}

/// `POST /requests/{id}/transitions` (multipart: `csrf` first, then `action`, `comment` and any
/// `file` attachments).
pub async fn transition(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: Multipart,
) -> WebResult {
    let (form, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let r = requests::transition(
        &state.db,
        &s.actor,
        &id,
        form.get("action"),
        form.get("comment"),
        files.into_iter().map(|f| f.sha256).collect(),
        state.today(),
        state.now(),
    )
    .await;
    use axum::http::StatusCode;
    use mamori_app::AppError;
    // An expected refusal comes back on the request's page, with why and what was typed.
    let (problems, status) = match r {
        Ok(_) => return Ok(Redirect::to(&format!("/requests/{id}")).into_response()),
        Err(AppError::Validation(p)) => {
            (p.into_iter().map(|(f, m)| format!("{f}\u{1f}{m}")).collect(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Rows(p)) => (
            p.into_iter()
                .map(|x| format!("{}\u{1f}{}", if x.column.is_empty() { &x.field } else { &x.column }, x.message))
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ (AppError::SeparationOfDuties | AppError::Forbidden)) => {
            (vec![e.message_key().to_string(), "req-refused-next".to_string()], StatusCode::FORBIDDEN)
        }
        Err(AppError::Conflict) => (vec!["req-refused-conflict".to_string()], StatusCode::CONFLICT),
        Err(e) => return Err(WebError::from(e)),
    };
    let refused = Refused { problems, comment: form.get("comment").to_string(), status };
    detail_page(&state, &ctx, &s, &id, Some(refused)).await
}
