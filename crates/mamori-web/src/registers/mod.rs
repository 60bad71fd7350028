//! The register engine: every register's list, rows, history, import/export, heat map and
//! designer (pages and API).

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post, put};
use mamori_domain::permission::Permission::*;

/// The register routes, grouped by permission.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(guarded(
            RegistersView,
            Router::new()
                .route("/registers", get(pages::list))
                .route("/registers/{key}", get(pages::rows))
                .route("/registers/{key}/rows/{id}", get(pages::row))
                .route("/registers/{key}/rows/{id}/history", get(pages::history))
                .route("/registers/{key}/export", get(pages::export))
                .route("/registers/{key}/heatmap", get(pages::heatmap))
                .route("/api/v1/registers", get(api::registers))
                .route("/api/v1/registers/{key}/rows", get(api::register_rows))
                .route("/api/v1/registers/{key}/rows/{id}", get(api::register_row))
                .route("/api/v1/registers/{key}/rows/{id}/history", get(api::register_history)),
        ))
        .merge(guarded(
            RegistersEdit,
            Router::new()
                .route("/registers/{key}/new", get(pages::new_row))
                .route("/registers/{key}", post(pages::create_row))
                .route("/registers/{key}/rows/{id}", post(pages::update_row))
                .route("/registers/{key}/rows/{id}/delete", post(pages::delete_row))
                .route("/registers/{key}/rows/{id}/restore", post(pages::restore_row))
                .route("/registers/{key}/import", post(pages::import).layer(upload_limit()))
                .route("/registers/{key}/rows/{id}/files/{field}", post(pages::attach_file).layer(upload_limit()))
                .route("/api/v1/registers/{key}/rows", post(api::register_create))
                .route("/api/v1/registers/{key}/rows/{id}", put(api::register_update).delete(api::register_delete))
                .route("/api/v1/registers/{key}/rows/{id}/restore", post(api::register_restore)),
        ))
        .merge(guarded(
            RegistersDesign,
            Router::new()
                .route("/registers", post(pages::create_register))
                .route("/registers/{key}/design", get(pages::design).post(pages::add_field))
                .route("/registers/{key}/access", post(pages::set_access))
                .route("/api/v1/registers/{key}/access", put(api::register_access)),
        ))
}
