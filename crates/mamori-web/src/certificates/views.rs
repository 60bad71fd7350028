//! Template of the certificate-check page.

use crate::views::Layout;
use askama::Template;

/// One row of the register with a host, as shown.
pub struct CheckLine {
    pub row_id: String,
    pub name: String,
    pub host: String,
    pub registered: String,
    /// The certificate's expiry (date in Japan), empty when none was read.
    pub found: String,
    pub issuer: String,
    pub subject: String,
    /// 正常 / 要確認 / 確認できず, or 未確認.
    pub outcome: String,
    /// The findings in words, joined.
    pub findings: String,
    pub checked_at: String,
    /// Anything but ok (or not checked yet).
    pub attention: bool,
    /// The found expiry differs from the register's.
    pub differs: bool,
}

/// `certificates_check.html`.
#[derive(Template)]
#[template(path = "certificates_check.html")]
pub struct CheckPage {
    pub layout: Layout,
    pub rows: Vec<CheckLine>,
    pub may_run: bool,
}
