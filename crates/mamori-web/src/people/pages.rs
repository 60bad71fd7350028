//! The people pages. A refused form (the new person, an edit, a leave date, a waiver without
//! its reason) comes back with 422, what was typed and each problem at its field.

use super::views::{ItemRow, ListPage, NewPage, PersonPage, Row};
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::AppError;
use mamori_app::people::{self, Filter, PersonInput, PersonView, leave};
use mamori_domain::people::KINDS;

/// The fields of the person form.
const FIELDS: [&str; 8] = ["name", "email", "kind", "department", "joined_on", "left_on", "login_id", "manager_id"];

fn kinds(t: &Tr) -> Vec<(String, String)> {
    KINDS.iter().map(|k| (k.to_string(), t.t(&format!("people-kind-{}", k.replace('_', "-"))))).collect()
}

fn kind_label(t: &Tr, k: &str) -> String {
    kinds(t).into_iter().find(|(key, _)| key == k).map(|(_, l)| l).unwrap_or_default()
}

fn input_of(form: &FormData) -> PersonInput {
    PersonInput {
        name: form.get("name").into(),
        email: form.get("email").into(),
        kind: form.get("kind").into(),
        department: form.get("department").into(),
        joined_on: form.get("joined_on").into(),
        left_on: form.get("left_on").into(),
        login_id: form.get("login_id").into(),
        manager_id: form.get("manager_id").into(),
    }
}

async fn managers(state: &AppState, s: &Session, except: &str) -> Result<Vec<(String, String)>, WebError> {
    let all = people::list(&state.db, &s.actor, &Filter::default(), state.today()).await?;
    Ok(all.into_iter().filter(|p| p.id != except).map(|p| (p.id, p.name)).collect())
}

/// `GET /people`: the directory, filtered.
pub async fn list(State(state): State<AppState>, ctx: Ctx, s: Session, Query(f): Query<Filter>) -> WebResult {
    let t = ctx.tr();
    let all = people::list(&state.db, &s.actor, &Filter::default(), state.today()).await?;
    let mut departments: Vec<String> = all.iter().map(|p| p.department.clone()).filter(|d| !d.is_empty()).collect();
    departments.sort();
    departments.dedup();
    let shown = people::list(&state.db, &s.actor, &f, state.today()).await?;
    let rows = shown
        .into_iter()
        .map(|p| Row {
            kind: kind_label(&t, &p.kind),
            manager: p.manager_name.unwrap_or_default(),
            email: p.email.unwrap_or_default(),
            joined_on: p.joined_on.unwrap_or_default(),
            left_on: p.left_on.unwrap_or_default(),
            id: p.id,
            name: p.name,
            department: p.department,
            active: p.active,
        })
        .collect();
    let filter = Tried {
        values: vec![("department".into(), f.department), ("kind".into(), f.kind), ("status".into(), f.status)],
        ..Tried::default()
    };
    let page = ListPage {
        layout: Layout::new(&ctx),
        rows,
        may_manage: people::may_manage(&s.actor),
        kinds: kinds(&t),
        departments,
        filter,
        flagged: super::linked::flagged(&state, &t, &s.actor).await?,
    };
    Ok(render(&page))
}

async fn new_page(state: &AppState, ctx: &Ctx, s: &Session, tried: Tried) -> WebResult {
    let status = tried.status();
    let page =
        NewPage { layout: Layout::new(ctx), kinds: kinds(&ctx.tr()), managers: managers(state, s, "").await?, tried };
    Ok((status, render(&page)).into_response())
}

/// `GET /people/new`: the form (for `people.manage`).
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    if !people::may_manage(&s.actor) {
        return Err(WebError::from(AppError::Forbidden));
    }
    let tried = Tried { values: vec![("kind".into(), "employee".into())], ..Tried::default() };
    new_page(&state, &ctx, &s, tried).await
}

/// `POST /people`: adds a person.
pub async fn create(State(state): State<AppState>, ctx: Ctx, s: Session, CsrfForm(form): CsrfForm) -> WebResult {
    match people::create(&state.db, &s.actor, &input_of(&form), state.now()).await {
        Ok(p) => {
            mamori_app::onboarding::open(&state.db, &s.actor, &p.id, state.today(), state.now()).await?;
            Ok(Redirect::to(&format!("/people/{}", p.id)).into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "new", &form, &e, String::new());
            new_page(&state, &ctx, &s, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

async fn person_page(state: &AppState, ctx: &Ctx, s: &Session, id: &str, tried: Option<Tried>) -> WebResult {
    let t = ctx.tr();
    let v: PersonView = people::get(&state.db, &s.actor, id, state.today()).await?;
    let may_manage = people::may_manage(&s.actor);
    let (tried, other) = match tried {
        Some(t) if t.is("edit") => (Some(t), Tried::default()),
        Some(t) => (None, t),
        None => (None, Tried::default()),
    };
    let (tried, checklist) = if may_manage {
        let stored = people::row(&state.db, &s.actor, id).await?;
        let input = PersonInput::of(&stored);
        let values = [
            &input.name,
            &input.email,
            &input.kind,
            &input.department,
            &input.joined_on,
            &input.left_on,
            &input.login_id,
            &input.manager_id,
        ];
        let tried = tried.unwrap_or_else(|| Tried {
            values: FIELDS.iter().zip(values).map(|(f, v)| (f.to_string(), v.clone())).collect(),
            ..Tried::default()
        });
        let checklist = leave::of(&state.db, &s.actor, id).await?.map(|c| {
            let items = c
                .items
                .into_iter()
                .map(|i| ItemRow {
                    href: match (i.key.split_once(':'), &i.ref_id) {
                        (Some(("account", _)), Some(r)) => format!("/requests/{r}"),
                        (Some(("media", _)), Some(r)) => format!("/registers/media_ledger/rows/{r}"),
                        (Some(("device", _)), Some(r)) => format!("/registers/devices/rows/{r}"),
                        _ => String::new(),
                    },
                    open: i.state == "open",
                    state: t.t(&format!("people-item-{}", i.state)),
                    key: i.key,
                    label: i.label,
                    reason: i.reason,
                    mark: String::new(),
                })
                .collect();
            (t.t(&format!("people-checklist-{}", c.state)), c.left_on, c.state == "open", items)
        });
        let mut checklist: Option<(String, String, bool, Vec<ItemRow>)> = checklist;
        if let Some(c) = checklist.as_mut() {
            let marks = super::linked::marks(state, &t, &s.actor, id).await?;
            for i in &mut c.3 {
                i.mark = marks.get(&i.key).cloned().unwrap_or_default();
            }
        }
        (tried, checklist)
    } else {
        (Tried::default(), None)
    };
    let status = if other.form.is_empty() { tried.status() } else { other.status() };
    let login_id = v.login_id.clone().unwrap_or_default();
    let page = PersonPage {
        layout: Layout::new(ctx),
        kind: kind_label(&t, &v.kind),
        manager: v.manager_name.clone().unwrap_or_default(),
        email: v.email.clone().unwrap_or_default(),
        joined_on: v.joined_on.clone().unwrap_or_default(),
        left_on: v.left_on.clone().unwrap_or_default(),
        login_id: v.login_id.clone().unwrap_or_default(),
        id: v.id,
        name: v.name,
        department: v.department,
        active: v.active,
        may_manage,
        kinds: kinds(&t),
        managers: if may_manage { managers(state, s, id).await? } else { Vec::new() },
        tried,
        other,
        may_leave: !checklist.as_ref().is_some_and(|c| c.2),
        checklist,
        links: if may_manage { Some(super::linked::view(state, &t, &s.actor, id, &login_id).await?) } else { None },
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /people/{id}`.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, s: Session, Path(id): Path<String>) -> WebResult {
    person_page(&state, &ctx, &s, &id, None).await
}

/// `POST /people/{id}`: saves the edit form.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match people::update(&state.db, &s.actor, &id, &input_of(&form), state.now()).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "edit", &form, &e, String::new());
            person_page(&state, &ctx, &s, &id, Some(tried)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /people/{id}/leave` (a reload after a post): back to the person (404 for a person
/// of another organisation, as the person's page).
pub async fn back(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let p = people::get(&state.db, &s.actor, &id, state.today()).await?;
    Ok(Redirect::to(&format!("/people/{}", p.id)).into_response())
}

/// `GET /people/{id}/checklist/{key}`: back to the person.
pub async fn back_from_item(
    State(state): State<AppState>,
    s: Session,
    Path((id, _)): Path<(String, String)>,
) -> WebResult {
    let p = people::get(&state.db, &s.actor, &id, state.today()).await?;
    Ok(Redirect::to(&format!("/people/{}#checklist", p.id)).into_response())
}

/// `POST /people/{id}/leave`: records the leave date and opens the checklist.
pub async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    match leave::leave(&state.db, &s.actor, &id, form.get("left_on"), state.today(), state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}#checklist")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "leave", &form, &e, String::new());
            person_page(&state, &ctx, &s, &id, Some(tried)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /people/{id}/checklist/{key}`: an item done or waived (with its reason).
pub async fn settle(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path((id, key)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let r = leave::settle(&state.db, &s.actor, &id, &key, form.get("state"), form.get("reason"), state.now()).await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}#checklist")).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), &key, &form, &e, String::new());
            person_page(&state, &ctx, &s, &id, Some(tried)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
