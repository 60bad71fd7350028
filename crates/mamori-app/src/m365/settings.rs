//! Microsoft 365 settings of an organisation (detection thresholds, allow list, retention)
//! and the audited retention purge.

use crate::error::internal;
use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;

/// An organisation's Microsoft 365 settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Detection thresholds.
    pub thresholds: mamori_m365::detect::Thresholds,
    /// Address blocks never flagged by the new-network rule (office, VPN).
    pub allow_list: Vec<String>,
    /// Days events are kept (None: forever).
    pub retention_days: Option<u32>,
}

/// Shortest retention accepted (Microsoft itself keeps 180 days; a shorter setting would
/// defeat keeping the log as evidence).
pub const MIN_RETENTION_DAYS: u32 = 180;

impl Settings {
    pub(super) fn allow(&self) -> Vec<mamori_m365::detect::Cidr> {
        self.allow_list.iter().filter_map(|s| mamori_m365::detect::Cidr::parse(s).ok()).collect()
    }
}

/// The organisation's settings (defaults when never saved).
pub async fn settings(db: &Db, actor: &Actor) -> Result<Settings, AppError> {
    actor.require(Permission::AuditView)?;
    let mut c = db.conn().await?;
    Ok(rows::m365_settings(&mut c.ex(), &actor.org_id)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Saves the settings (administrators); audited with the values before and after.
pub async fn save_settings(db: &Db, actor: &Actor, new: &Settings, now: i64) -> Result<Settings, AppError> {
    actor.require(Permission::SettingsManage)?;
    let mut errors: Vec<(String, String)> =
        new.thresholds.invalid_fields().into_iter().map(|f| (f.to_string(), "field-out-of-range".into())).collect();
    if new.allow_list.iter().any(|s| mamori_m365::detect::Cidr::parse(s).is_err()) {
        errors.push(("allow_list".into(), "field-not-an-ip-block".into()));
    }
    if new.retention_days.is_some_and(|d| d < MIN_RETENTION_DAYS) {
        errors.push(("retention_days".into(), "field-retention-too-short".into()));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let before = settings(db, actor).await?;
    let to_json = |s: &Settings| serde_json::to_value(s).map_err(internal);
    let mut tx = db.begin().await?;
    rows::put_m365_settings(&mut tx.ex(), &actor.org_id, &to_json(new)?.to_string(), &actor.label, now).await?;
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            mamori_domain::audit::AuditAction::Update,
            "m365_settings",
            Some(&actor.org_id),
            Some(to_json(&before)?),
            Some(to_json(new)?),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(new.clone())
}

/// Applies the retention setting: deletes events older than `retention_days` before `today`
/// (nothing when kept forever). The deletion is audited with what it removed.
pub async fn purge(
    db: &Db,
    actor: &Actor,
    today: jiff::civil::Date,
    now: i64,
) -> Result<Option<rows::M365Purged>, AppError> {
    actor.require(Permission::SettingsManage)?;
    let s = settings(db, actor).await?;
    let Some(days) = s.retention_days else { return Ok(None) };
    let cutoff = today.checked_sub(jiff::Span::new().days(i64::from(days))).map_err(internal)?.to_string();
    let cutoff_at = format!("{cutoff}T00:00:00");
    let mut tx = db.begin().await?;
    let purged = rows::purge_m365_before(&mut tx.ex(), &actor.org_id, &cutoff_at).await?;
    if purged != rows::M365Purged::default() {
        crate::audit::append(
            &mut tx,
            crate::audit::Entry::by(
                actor,
                mamori_domain::audit::AuditAction::Delete,
                "m365_event",
                None,
                None,
                Some(serde_json::json!({
                    "retention_days": days, "before": cutoff_at,
                    "events": purged.events, "segments": purged.segments, "postings": purged.terms,
                })),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(purged))
}
