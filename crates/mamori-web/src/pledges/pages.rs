//! The pledge pages. A refused signature (a name other than one's own, the box not ticked)
//! comes back with 422, what was typed kept and each problem at its field.

use super::views::{DocRow, OutRow, OverviewPage, SignPage};
use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::extract::{CsrfForm, Session};
use crate::i18n::Tr;
use crate::respond::download;
use crate::state::AppState;
use crate::views::{Layout, Tried, render};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use mamori_app::{AppError, pledges};
use mamori_domain::permission::Permission;
use mamori_domain::pledge::Kind;

fn kind_of(key: &str) -> Result<Kind, WebError> {
    Kind::parse(key).ok_or(WebError::from(AppError::NotFound))
}

/// The label of a pledge kind.
pub fn kind_label(t: &Tr, key: &str) -> String {
    t.t(&format!("pledge-kind-{key}"))
}

/// The label of a standing.
pub fn standing_label(t: &Tr, key: &str) -> String {
    t.t(&format!("pledge-standing-{}", key.replace('_', "-")))
}

/// `GET /pledges`: the pledge documents and who is still to sign (`people.manage` or
/// `documents.edit`).
pub async fn overview(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let t = ctx.tr();
    let a = &s.actor;
    let may_manage = a.grants.has(Permission::PeopleManage);
    let may_prepare = a.grants.has(Permission::DocumentsEdit);
    if !may_manage && !may_prepare {
        return Err(WebError::from(AppError::Forbidden));
    }
    let found = pledges::all_documents(&state.db, a).await?;
    let docs: Vec<DocRow> = found
        .iter()
        .map(|d| DocRow {
            kind: kind_label(&t, d.kind.key()),
            title: d.doc.title.clone(),
            doc_id: d.doc.id.clone(),
            edition: d.current.as_ref().map(|v| v.edition.clone()).unwrap_or_default(),
            draft: d.draft.is_some(),
        })
        .collect();
    let missing = Kind::ALL
        .into_iter()
        .filter(|k| !found.iter().any(|d| d.kind == *k))
        .map(|k| (k.key().to_string(), kind_label(&t, k.key())))
        .collect();
    let outstanding = if may_manage {
        pledges::outstanding(&state.db, a, state.today())
            .await?
            .into_iter()
            .map(|o| OutRow {
                pledge: kind_label(&t, o.kind),
                standing: standing_label(&t, o.standing),
                person_id: o.person_id,
                name: o.name,
                department: o.department,
            })
            .collect()
    } else {
        Vec::new()
    };
    let acks = mamori_app::documents::ack_counts(&state.db, a)
        .await?
        .into_iter()
        .map(|c| (c.document_id, format!("{} {}", c.doc_number, c.title), c.edition, c.acknowledged, c.audience))
        .collect();
    let layout = Layout::new(&ctx);
    Ok(render(&OverviewPage { layout, docs, missing, may_prepare, outstanding, may_manage, acks }))
}

/// `GET /pledges/{kind}/prepare` (a reload): back to the overview.
pub async fn back() -> WebResult {
    Ok(Redirect::to("/pledges").into_response())
}

/// `POST /pledges/{kind}/prepare` (`documents.edit`): the pledge's document with the starter
/// text as its draft; on to the document's page to read, edit and approve it.
pub async fn prepare(
    State(state): State<AppState>,
    s: Session,
    Path(kind): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let id = pledges::prepare(&state.db, &s.actor, kind_of(&kind)?, state.now()).await?;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

async fn sign_page(state: &AppState, ctx: &Ctx, s: &Session, kind: Kind, tried: Tried) -> WebResult {
    let t = ctx.tr();
    let ts = pledges::to_sign(&state.db, &s.actor, kind).await?;
    let v = ts.doc.current.as_ref();
    let status = tried.status();
    let page = SignPage {
        layout: Layout::new(ctx),
        kind: kind.key().to_string(),
        title: ts.doc.doc.title.clone(),
        edition: v.map(|v| v.edition.clone()).unwrap_or_default(),
        body: v.filter(|v| v.file_sha256.is_none()).map(|v| v.body.clone()).unwrap_or_default(),
        file_name: v.and_then(|v| v.file_name.clone()).unwrap_or_default(),
        doc_id: ts.doc.doc.id.clone(),
        standing: ts.standing.key().to_string(),
        standing_label: standing_label(&t, ts.standing.key()),
        person_name: ts.person.name.clone(),
        tried,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /me/pledges/{kind}`: the version in force to read and sign.
pub async fn sign_form(State(state): State<AppState>, ctx: Ctx, s: Session, Path(kind): Path<String>) -> WebResult {
    sign_page(&state, &ctx, &s, kind_of(&kind)?, Tried::default()).await
}

/// `POST /me/pledges/{kind}` (`typed_name`, `confirm`): signs, then back to わたしの ISMS.
pub async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(kind): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let kind = kind_of(&kind)?;
    let confirmed = form.get("confirm") == "1";
    match pledges::sign(&state.db, &s.actor, kind, form.get("typed_name"), confirmed, state.now()).await {
        Ok(_) => Ok(Redirect::to("/me?signed=1#pledges").into_response()),
        Err(e @ AppError::Validation(_)) => {
            let tried = Tried::new(&ctx.tr(), "sign", &form, &e, String::new());
            sign_page(&state, &ctx, &s, kind, tried).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `GET /pledges/signatures/{id}/certificate`: the certificate as a PDF.
pub async fn certificate(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> WebResult {
    let (bytes, name) = pledges::pdf(&state.db, &s.actor, &id).await?;
    Ok(download(bytes, "pdf", &name))
}
