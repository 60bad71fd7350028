//! The regulation (管理策規程): controls, one control, open items, the records and duties it
//! names, and its import (page with preview, and API).

pub mod api;
pub mod health;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The regulation routes, grouped by permission.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            RegulationView,
            Router::new()
                .route("/controls", get(pages::controls))
                .route("/controls/{id}", get(pages::control))
                .route("/regulation/records", get(pages::records))
                .route("/regulation/duties", get(pages::duties))
                .route("/api/v1/catalogue", get(api::catalogue))
                .route("/api/v1/controls", get(api::controls))
                .route("/api/v1/controls/{id}", get(api::control)),
        ))
        .merge(guarded(
            RegulationImport,
            Router::new()
                .route("/regulation/import", get(pages::import_form).post(pages::import_upload).layer(upload_limit()))
                .route("/regulation/import/confirm", post(pages::import_confirm))
                .route("/api/v1/regulation", post(api::regulation_import).layer(upload_limit())),
        ))
        .merge(guarded(
            RegistersDesign,
            Router::new().route("/regulation/records/register", post(pages::offer_register)),
        ))
}
