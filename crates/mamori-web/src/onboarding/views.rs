//! Templates of the onboarding page.

use crate::views::{Layout, Tried};
use askama::Template;

/// One step, as shown.
pub struct StepRow {
    pub key: String,
    pub label: String,
    pub state: String,
    pub done: bool,
    pub detail: String,
}

/// One screening record, as shown.
pub struct ScreeningRow {
    pub checked_on: String,
    pub checks: String,
    pub result: String,
    pub checked_by: String,
    pub notes: String,
}

/// One pledge, as shown.
pub struct PledgeRow {
    pub pledge: String,
    pub edition: String,
    pub standing: String,
}

/// One signature, as shown.
pub struct SignatureRow {
    pub id: String,
    pub pledge: String,
    pub edition: String,
    pub signed_on: String,
    pub method: String,
}

/// One account request, as shown.
pub struct AccountRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub system: String,
    pub state: String,
}

/// `onboarding.html`.
#[derive(Template)]
#[template(path = "onboarding.html")]
pub struct OnboardingPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub complete: bool,
    pub steps: Vec<StepRow>,
    pub screenings: Vec<ScreeningRow>,
    pub pledges: Vec<PledgeRow>,
    pub signatures: Vec<SignatureRow>,
    pub accounts: Vec<AccountRow>,
    /// (kind key, label) of the pledges.
    pub kinds: Vec<(String, String)>,
    /// The screening or paper form as refused.
    pub tried: Tried,
}
