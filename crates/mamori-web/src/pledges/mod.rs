//! Pledges (5.16, 6.5, 6.6): `/pledges` (the pledge documents, preparing them from the starter
//! text, and who is still to sign — `people.manage`), `/me/pledges/{kind}` (a person reads the
//! version in force and signs it, as themselves), `/pledges/signatures/{id}/certificate` (the
//! printable certificate, for the signer or `people.manage`), and the API
//! `GET /api/v1/pledges/outstanding`, `POST /api/v1/me/pledges/{kind}/sign {typed_name,
//! confirm}`, `GET /api/v1/people/{id}/pledges`. Every route needs membership; the use cases
//! decide who reads what.

pub mod api;
pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The pledge routes.
pub fn routes() -> Router<AppState> {
    guarded(
        DashboardView,
        Router::new()
            .route("/pledges", get(pages::overview))
            .route("/pledges/{kind}/prepare", get(pages::back).post(pages::prepare))
            .route("/pledges/signatures/{id}/certificate", get(pages::certificate))
            .route("/me/pledges/{kind}", get(pages::sign_form).post(pages::sign))
            .route("/api/v1/pledges/outstanding", get(api::outstanding))
            .route("/api/v1/me/pledges/{kind}/sign", post(api::sign))
            .route("/api/v1/people/{id}/pledges", get(api::of_person)),
    )
}
