//! Suppliers, cloud services and outsourcing (5.19–5.23, 8.21, 8.30): the supplier list and the
//! form to add one, a supplier's page with its requirements to confirm, its duties and checks,
//! and the JSON API. The use cases decide who reads (the register's view roles) and who changes.

pub mod api;
pub mod development;
pub mod edit;
pub mod files;
pub mod pages;
pub mod questionnaire;
pub mod templates;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The supplier routes.
pub fn routes() -> Router<AppState> {
    // The questionnaire a supplier answers: open routes (the link's token is the access).
    let public = Router::new().route("/q/{token}", get(questionnaire::show).post(questionnaire::submit));
    public.merge(guarded(
        RegistersView,
        Router::new()
            .route("/suppliers", get(pages::list).post(pages::create))
            .route("/suppliers/{id}", get(pages::detail))
            .route("/suppliers/{id}/edit", get(edit::form).post(edit::save))
            .route("/suppliers/{id}/requirements/{key}", get(pages::back).post(pages::confirm))
            .route("/suppliers/{id}/questionnaires", get(pages::back_to_supplier).post(pages::send_questionnaire))
            .route("/suppliers/{id}/end", get(pages::back_to_supplier).post(pages::end))
            .route("/suppliers/{id}/progress", get(pages::back_to_supplier).post(development::record))
            .route("/api/v1/suppliers/{id}/end", post(api::end))
            .route("/suppliers/{id}/questionnaires/{qid}", get(pages::answers))
            .route("/suppliers/{id}/questionnaires/{qid}/export", get(pages::answers_export))
            .route("/api/v1/suppliers/{id}/questionnaires", post(api::send_questionnaire))
            .route("/api/v1/suppliers/{id}/questionnaires/{qid}", get(api::questionnaire))
            .route("/api/v1/suppliers", get(api::list).post(api::create))
            .route("/api/v1/suppliers/{id}", get(api::one).put(api::update))
            .route("/api/v1/suppliers/{id}/requirements/{key}", post(api::confirm))
            .route("/suppliers/{id}/questionnaires/{qid}/files/{fid}", get(files::download))
            .route("/questionnaire-templates", get(templates::list).post(templates::import).layer(upload_limit()))
            .route("/questionnaire-templates/{template}/export", get(templates::export))
            .route(
                "/api/v1/questionnaire-templates",
                get(templates::api_list).post(templates::api_import).layer(upload_limit()),
            ),
    ))
}
