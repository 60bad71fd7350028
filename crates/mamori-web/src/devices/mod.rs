//! Devices (6.7, 7.7, 8.1, 8.7): the self-attestation page where each person answers the
//! checklist for the devices they are custodian of, and the overview of devices not attested
//! within the period or not compliant (for the readers of 端末管理台帳).

pub mod pages;
pub mod views;

use crate::guarded;
use crate::state::AppState;
use crate::upload::upload_limit;
use axum::Router;
use axum::routing::{get, post};
use mamori_domain::permission::Permission::*;

/// The device routes. The attestation needs only a session (everyone answers for their own
/// devices; the use case finds only those); the overview follows the register's view roles.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/devices/attest", get(pages::attest_page))
        .route("/devices/attest/{id}", post(pages::attest).layer(upload_limit()))
        .merge(guarded(RegistersView, Router::new().route("/devices", get(pages::overview))))
}
