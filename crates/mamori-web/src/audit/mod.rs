//! The audit trail: the log page and `GET /api/v1/audit`, both with the chain's verification.

pub mod api;
pub mod describe;
pub mod export;
pub mod filter;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use mamori_domain::permission::Permission::*;

/// The audit routes.
pub fn routes() -> Router<AppState> {
    guarded(
        AuditView,
        Router::new()
            .route("/audit", get(pages::audit_log))
            .route("/audit/export.csv", get(pages::audit_export_csv))
            .route("/audit/export.xlsx", get(pages::audit_export_xlsx))
            .route("/api/v1/audit", get(api::audit_list)),
    )
}
