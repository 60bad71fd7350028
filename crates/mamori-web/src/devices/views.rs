//! Templates of the device pages.

use crate::views::Layout;
use askama::Template;

/// One question of a device's checklist.
pub struct CheckItem {
    pub field: String,
    pub question: String,
    pub checked: bool,
}

/// One of my devices with its checklist form.
pub struct DeviceCard {
    pub id: String,
    pub device_id: String,
    pub kind: String,
    pub model: String,
    pub attested_on: String,
    pub attested: bool,
    pub items: Vec<CheckItem>,
    /// The refused form is this one.
    pub refused: bool,
    /// Problem with the confirmation.
    pub confirm_error: String,
}

/// `devices_attest.html`.
#[derive(Template)]
#[template(path = "devices_attest.html")]
pub struct AttestPage {
    pub layout: Layout,
    pub devices: Vec<DeviceCard>,
    pub may_overview: bool,
    pub period_days: String,
}

/// One device of the overview.
pub struct OverviewRow {
    pub device_id: String,
    pub kind: String,
    pub custodian: String,
    pub attested_on: String,
    pub attested: bool,
    pub gaps: String,
}

/// `devices.html`.
#[derive(Template)]
#[template(path = "devices.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub rows: Vec<OverviewRow>,
    pub period_days: String,
}
