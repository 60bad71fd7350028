//! The home dashboard: who is logged in, cards of duties, requests and incidents, policies to
//! acknowledge.

use super::views::*;
use crate::ctx::Ctx;
use crate::error::WebResult;
use crate::extract::Session;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views::{Layout, render};
use axum::extract::{Query, State};
use serde::Deserialize;

/// `?done=password` after a password change.
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /`: the home dashboard.
pub async fn dashboard(State(state): State<AppState>, ctx: Ctx, s: Session, Query(q): Query<DoneQuery>) -> WebResult {
    let mut layout = Layout::new(&ctx);
    match q.done.as_deref() {
        Some("password") => layout.flash = Some(ctx.tr().t("password-changed")),
        Some("first-run-catalogue") => layout.flash = Some(ctx.tr().t("first-run-marked-catalogue")),
        Some("first-run-dismissed") => layout.flash = Some(ctx.tr().t("first-run-marked-dismissed")),
        _ => {}
    }
    // The first run's checklist, for those who set mamori up, until done or closed.
    let first_run = match mamori_app::first_run::status(&state.db, &s.actor).await {
        Ok(f) if f.shown() => Some(crate::first_run::views::view(&ctx.tr(), &f)),
        Ok(_) | Err(mamori_app::AppError::Forbidden) => None,
        Err(e) => return Err(e.into()),
    };
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
        first_run,
        cards: dashboard_cards(&state, &ctx, &s.actor).await?,
        pending: mamori_app::documents::pending_for(&state.db, &s.actor)
            .await?
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
) -> Result<Vec<(&'static str, Vec<(String, String)>)>, crate::error::WebError> {
    use mamori_domain::permission::Permission;
    let t = ctx.tr();
    let today = state.today();
    let mut cards = Vec::new();
    if actor.grants.has(Permission::DutiesView) {
        let soon = mamori_app::duties::due_soon(&state.db, actor, false, today, 30, 0).await?;
        let mut items = vec![
            ("/duties".to_string(), t.tn("card-duties-overdue", "count", soon.overdue as i64)),
            ("/duties".to_string(), t.tn("card-duties-soon", "count", (soon.total - soon.overdue) as i64)),
        ];
        // Duties done on time this fiscal year (9.1), for those who read the objectives.
        if actor.grants.has(Permission::ObjectivesView) {
            use mamori_domain::objective::{Metric, format_milli};
            let rate = mamori_app::objectives::compute(&state.db, actor, Metric::DutyCompletionRate, today).await?;
            let text = match rate {
                Some(r) => t.t1("card-duties-on-time", "percent", &format_milli(r)),
                None => t.t("card-duties-on-time-none"),
            };
            items.push(("/duties/heatmap".to_string(), text));
        }
        cards.push(("card-duties", items));
    }
    if actor.grants.has(Permission::RequestsUse) {
        use mamori_app::requests::{Scope, list};
        let waiting = list(&state.db, actor, Scope::Waiting, today).await?;
        let mine = list(&state.db, actor, Scope::Mine, today).await?;
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
    let incidents = mamori_app::incidents::list(&state.db, actor).await?;
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
        let overdue = mamori_app::incidents::overdue_corrective(&state.db, actor, today).await?;
        inc.push(("/incidents#ca-overdue".to_string(), t.tn("card-corrective-overdue", "count", overdue.len() as i64)));
    }
    if actor.grants.has(Permission::RegistersView) {
        // Findings and nonconformities not yet closed (10.2).
        let open =
            mamori_app::nonconformities::list(&state.db, actor).await?.into_iter().filter(|n| n.state != "closed");
        inc.push(("/nonconformities".to_string(), t.tn("card-nonconformities-open", "count", open.count() as i64)));
    }
    cards.push(("card-incidents", inc));
    if actor.grants.has(Permission::InternalAuditsView)
        && let Some(c) = mamori_app::certification_audits::expiring(&state.db, actor, today).await?
    {
        // The certificate in force expires within 90 days (or has expired).
        let x = &c.certificate;
        let text = if c.days_left < 0 {
            t.ta("card-certificate-expired", &[("number", &x.number), ("expires", &x.expires_on)])
        } else {
            let days = c.days_left.to_string();
            t.ta("card-certificate-expiring", &[("number", &x.number), ("expires", &x.expires_on), ("days", &days)])
        };
        cards.push(("card-certificate", vec![("/certification-audits#certificates".to_string(), text)]));
    }
    if actor.grants.has(Permission::RegulationView) {
        // Controls needing attention (9.1), the worst first.
        let health = mamori_app::health::all(&state.db, actor, today).await?;
        let titles = mamori_app::regulation::current(&state.db, actor).await?;
        let mut worst: Vec<_> = health.iter().filter(|(_, h)| h.state.needs_attention()).collect();
        worst.sort_by_key(|(_, h)| std::cmp::Reverse(h.state));
        let title = |id: &str| titles.as_ref().and_then(|c| c.control(id)).map(|c| c.title.clone()).unwrap_or_default();
        let items = worst
            .into_iter()
            .map(|(id, h)| {
                (
                    format!("/controls/{id}#health"),
                    format!("{id} {} — {}", title(id), crate::regulation::health::label(&t, h.state)),
                )
            })
            .collect();
        cards.push(("card-health", items));
    }
    // Leavers whose Microsoft 365 account needs checking (#17), for `people.manage` only.
    let flagged = crate::people::linked::flagged(state, &t, actor).await?;
    if !flagged.is_empty() {
        let items =
            flagged.into_iter().map(|(id, name, text)| (format!("/people/{id}#checklist"), format!("{name}: {text}")));
        cards.push(("card-leavers", items.collect()));
    }
    Ok(cards)
}
