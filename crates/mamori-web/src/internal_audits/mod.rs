//! Internal audit (9.2): plans with auditor independence, the checklist, findings (a
//! nonconformity raises its corrective action), the report and its approval (pages and JSON API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The internal-audit routes: readers hold `internal_audits.view`; planning, findings and the
/// report need `internal_audits.manage` (the use case checks the audit's own auditors);
/// approval is for 経営責任者 who is not an auditor of it (checked by the use case).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            InternalAuditsView,
            Router::new()
                .route("/internal-audits", get(pages::list))
                .route("/internal-audits/{id}", get(pages::detail))
                .route("/internal-audits/{id}/export", get(pages::export))
                .route("/internal-audits/{id}/{step}", get(pages::back).post(pages::step))
                .route("/api/v1/internal-audits", get(api::list))
                .route("/api/v1/internal-audits/{id}", get(api::one))
                .route("/api/v1/internal-audits/{id}/checklist", get(api::checklist))
                .route("/api/v1/internal-audits/{id}/findings", get(api::findings))
                .route("/api/v1/internal-audits/{id}/approve", post(api::approve)),
        ))
        .merge(guarded(
            InternalAuditsManage,
            Router::new()
                .route("/internal-audits", post(pages::plan))
                .route("/api/v1/internal-audits", post(api::plan))
                .route("/api/v1/internal-audits/{id}/findings", post(api::add_finding))
                .route("/api/v1/internal-audits/{id}/report", post(api::report)),
        ))
}
