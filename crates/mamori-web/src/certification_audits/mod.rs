//! Certification audits (issue 18): the register of external audits, their findings (a
//! nonconformity raises its corrective action) and the certificate (pages and API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The certification-audit routes: the audit programme's holders read (`internal_audits.view`)
/// and record (`internal_audits.manage`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            InternalAuditsView,
            Router::new()
                .route("/certification-audits", get(pages::list))
                .route("/certification-audits/{id}", get(pages::detail))
                .route("/api/v1/certification-audits", get(api::list))
                .route("/api/v1/certification-audits/{id}", get(api::one))
                .route("/api/v1/certificates", get(api::certificates)),
        ))
        .merge(guarded(
            InternalAuditsManage,
            Router::new()
                .route("/certification-audits", post(pages::record))
                .route("/certification-audits/certificates", post(pages::add_certificate))
                .route("/certification-audits/{id}/findings", post(pages::add_finding))
                .route("/certification-audits/{id}/complete", post(pages::complete))
                .route("/api/v1/certification-audits", post(api::record))
                .route("/api/v1/certification-audits/{id}/findings", post(api::add_finding))
                .route("/api/v1/certificates", post(api::add_certificate)),
        ))
}
