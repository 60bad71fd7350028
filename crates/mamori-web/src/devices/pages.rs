//! Device pages: my devices' self-attestation (a refused answer comes back with 422, the
//! boxes as ticked) and the overview.

use super::views::{AttestPage, CheckItem, DeviceCard, OverviewPage, OverviewRow};
use crate::FormData;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::Session;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::upload;
use crate::views::{Done, Layout, render};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_app::devices::{self, Answers, Device};
use mamori_app::{AppError, registers, users};
use mamori_domain::device::{self as rules, ATTESTED_ON, CUSTODIAN, KIND};

/// The form sent back: the device, what was sent and the problem with the confirmation.
struct Refusal {
    id: String,
    form: FormData,
    confirm_error: String,
}

fn card(t: &crate::i18n::Tr, d: &Device, refusal: Option<&Refusal>) -> DeviceCard {
    let kind = d.text(KIND);
    let refused = refusal.is_some_and(|r| r.id == d.id);
    let items = rules::checklist()
        .items_for(&kind)
        .map(|i| CheckItem {
            field: i.field.clone(),
            question: if t.lang == Lang::En { i.question_en.clone() } else { i.question.clone() },
            checked: match refusal.filter(|_| refused) {
                Some(r) => r.form.all("check").contains(&i.field),
                None => d.values.get(&i.field).and_then(|v| v.as_bool()) == Some(true),
            },
        })
        .collect();
    DeviceCard {
        id: d.id.clone(),
        device_id: d.text("device_id"),
        kind,
        model: d.text("model"),
        attested_on: d.text(ATTESTED_ON),
        attested: d.attested,
        items,
        refused,
        confirm_error: refusal.filter(|_| refused).map(|r| r.confirm_error.clone()).unwrap_or_default(),
    }
}

async fn page(state: &AppState, ctx: &Ctx, s: &Session, refusal: Option<Refusal>) -> Result<AttestPage, AppError> {
    let t = ctx.tr();
    let mine = devices::mine(&state.db, &s.actor, state.today()).await?;
    let may_overview = registers::definition(&state.db, &s.actor, rules::REGISTER).await.is_ok();
    Ok(AttestPage {
        devices: mine.iter().map(|d| card(&t, d, refusal.as_ref())).collect(),
        may_overview,
        period_days: rules::checklist().period_days.to_string(),
        layout: Layout::new(ctx),
    })
}

/// `GET /devices/attest`: the devices I am custodian of, each with its checklist.
pub async fn attest_page(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<Done>) -> WebResult {
    let mut p = page(&state, &ctx, &s, None).await?;
    p.layout = p.layout.with_done("devices", q.done.as_deref());
    Ok(render(&p))
}

/// `POST /devices/attest/{id}` (multipart: `csrf` first, the ticked `check` fields, `confirm`
/// and an optional screenshot `file`).
pub async fn attest(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Session,
    Path(id): Path<String>,
    mp: Multipart,
) -> WebResult {
    let (form, files) = upload::receive_form(&state, &ctx, &s.actor, mp).await?;
    let t = ctx.tr();
    if form.get("confirm") != "1" {
        let refusal = Refusal { id: id.clone(), form, confirm_error: t.t("dev-confirm-required") };
        // Someone else's device is not found, whatever was sent.
        let p = page(&state, &ctx, &s, Some(refusal)).await?;
        if !p.devices.iter().any(|d| d.id == id) {
            return Err(AppError::NotFound.into());
        }
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response());
    }
    let answers = Answers {
        checks: form.all("check").into_iter().map(|f| (f, true)).collect(),
        screenshot: files.into_iter().next().map(|f| f.sha256),
    };
    devices::attest(&state.db, &s.actor, &id, answers, state.today(), state.now()).await?;
    Ok(Redirect::to("/devices/attest?done=attested").into_response())
}

/// `GET /devices`: every device in use, its last attestation and what it lacks.
pub async fn overview(State(state): State<AppState>, ctx: Ctx, s: Session) -> WebResult {
    let t = ctx.tr();
    let all = devices::overview(&state.db, &s.actor, state.today()).await?;
    let def = registers::definition(&state.db, &s.actor, rules::REGISTER).await?;
    let people = users::people(&state.db, &s.actor).await?;
    let label = |key: &str| {
        def.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| if t.lang == Lang::En { f.label_en.clone().unwrap_or(f.label.clone()) } else { f.label.clone() })
            .unwrap_or_default()
    };
    let rows = all
        .iter()
        .map(|d| {
            let c = d.text(CUSTODIAN);
            OverviewRow {
                device_id: d.text("device_id"),
                kind: d.text(KIND),
                custodian: people.iter().find(|p| p.login_id == c).map(|p| p.name.clone()).unwrap_or(c),
                attested_on: d.text(ATTESTED_ON),
                attested: d.attested,
                gaps: d.gaps.iter().map(|g| label(g)).collect::<Vec<_>>().join("、"),
            }
        })
        .collect();
    Ok(render(&OverviewPage {
        layout: Layout::new(&ctx),
        rows,
        period_days: rules::checklist().period_days.to_string(),
    }))
}
