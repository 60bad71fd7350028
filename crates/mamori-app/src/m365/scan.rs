//! The streaming detection scan: pages of the detected operations in time order through
//! [`mamori_m365::detect::Detector`], hits collected (CLI, tests) or recorded as findings.

use super::search::fill_raw;
use super::settings::{Settings, settings};
use crate::error::internal;
use crate::{Actor, AppError, new_id};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, M365EventRow};

/// Events per page of the detection scan.
const SCAN_PAGE: i64 = 16384;

/// Runs the detections over the events since `since` (all when `None`) in time order,
/// handing hits to `sink` page by page; returns the networks learned for the baseline.
async fn scan(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    settings: &Settings,
    sink: &mut Sink,
) -> Result<(), AppError> {
    use mamori_m365::detect::{Detector, Event, NEEDS_RAW, OPERATIONS};
    let baseline = {
        let mut c = db.conn().await?;
        rows::m365_user_networks(&mut c.ex(), &actor.org_id).await?
    };
    let mut d = Detector::new(settings.thresholds, settings.allow(), baseline);
    // Pages are read by a task of their own, so the database prepares the next page while
    // the detector works through this one.
    type Page = Vec<(rows::M365ScanRow, String)>;
    let (pages_tx, mut pages) = tokio::sync::mpsc::channel::<Result<Page, AppError>>(2);
    let (fdb, org) = (db.clone(), actor.org_id.clone());
    let start = (since.map(|d| d.to_string()).unwrap_or_default(), String::new());
    let fetcher = tokio::spawn(async move {
        let read = async {
            let mut c = fdb.conn().await?;
            let mut after = start;
            loop {
                let page =
                    rows::m365_events_after(&mut c.ex(), &org, (&after.0, &after.1), &OPERATIONS, SCAN_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = (last.0.clone(), last.1.clone());
                let full = page.len() as i64 == SCAN_PAGE;
                // The few operations whose rules read the raw JSON get it from their segments.
                let mut needs: Vec<M365EventRow> = page
                    .iter()
                    .filter(|e| NEEDS_RAW.contains(&e.2.as_str()))
                    .map(|e| M365EventRow {
                        org_id: org.clone(),
                        audit_id: e.1.clone(),
                        at: e.0.clone(),
                        operation: e.2.clone(),
                        user_id: e.3.clone(),
                        ip: e.4.clone(),
                        workload: String::new(),
                        record_type: 0,
                        result: String::new(),
                        seg: e.5,
                        slot: e.6,
                        raw: String::new(),
                    })
                    .collect();
                fill_raw(&mut c, &org, &mut needs).await?;
                let mut raw_of: std::collections::HashMap<(String, String), String> =
                    needs.into_iter().map(|e| ((e.at, e.audit_id), e.raw)).collect();
                let page: Page = page
                    .into_iter()
                    .map(|e| {
                        let raw = if raw_of.is_empty() {
                            String::new()
                        } else {
                            raw_of.remove(&(e.0.clone(), e.1.clone())).unwrap_or_default()
                        };
                        (e, raw)
                    })
                    .collect();
                if pages_tx.send(Ok(page)).await.is_err() || !full {
                    break;
                }
            }
            Ok::<(), AppError>(())
        };
        if let Err(e) = read.await {
            let _ = pages_tx.send(Err(e)).await;
        }
    });
    while let Some(page) = pages.recv().await {
        for (e, raw) in &page? {
            d.push(&Event { id: &e.1, time: &e.0, operation: &e.2, user: &e.3, ip: &e.4, raw });
        }
        sink.take(db, actor, d.drain()).await?;
    }
    fetcher.await.map_err(internal)?;
    let (rest, learned) = d.finish();
    sink.take(db, actor, rest).await?;
    if !learned.is_empty() {
        let mut tx = db.begin().await?;
        rows::upsert_m365_user_networks(&mut tx.ex(), &actor.org_id, &learned).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Where detection hits go.
enum Sink {
    /// Kept (for the CLI and tests).
    Collect(Vec<mamori_m365::detect::Hit>),
    /// Recorded as findings at `now`; counts the new ones.
    Record { now: i64, added: usize },
}

impl Sink {
    async fn take(&mut self, db: &Db, actor: &Actor, hits: Vec<mamori_m365::detect::Hit>) -> Result<(), AppError> {
        if hits.is_empty() {
            return Ok(());
        }
        match self {
            Sink::Collect(all) => all.extend(hits),
            Sink::Record { now, added } => {
                let mut tx = db.begin().await?;
                for h in hits {
                    let f = rows::M365FindingRow {
                        id: new_id(),
                        org_id: actor.org_id.clone(),
                        rule: h.rule.to_string(),
                        subject: h.user,
                        first_seen: h.first_seen,
                        last_seen: h.last_seen,
                        event_count: i64::try_from(h.count).unwrap_or(i64::MAX),
                        event_ids_json: serde_json::to_string(&h.event_ids).unwrap_or_else(|_| "[]".into()),
                        state: "new".into(),
                        reason: None,
                        decided_by: None,
                        decided_at: None,
                        incident_id: None,
                        created_at: *now,
                    };
                    if rows::insert_m365_finding(&mut tx.ex(), &f).await? {
                        *added += 1;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// Runs the detections ([`mamori_m365::detect`]) over the events since `since` (all when
/// `None`) with the organisation's settings; hits sorted by first time, rule and subject.
pub async fn detect(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
) -> Result<Vec<mamori_m365::detect::Hit>, AppError> {
    actor.require(Permission::AuditView)?;
    let s = settings(db, actor).await?;
    let mut sink = Sink::Collect(Vec::new());
    scan(db, actor, since, &s, &mut sink).await?;
    let Sink::Collect(mut out) = sink else { return Ok(Vec::new()) };
    out.sort_by(|a, b| (&a.first_seen, a.rule, &a.user).cmp(&(&b.first_seen, b.rule, &b.user)));
    Ok(out)
}

/// Runs the detections since `since` and records new findings; returns how many were new.
pub async fn refresh_findings(
    db: &Db,
    actor: &Actor,
    since: Option<jiff::civil::Date>,
    now: i64,
) -> Result<usize, AppError> {
    actor.require(Permission::AuditView)?;
    let s = settings(db, actor).await?;
    let mut sink = Sink::Record { now, added: 0 };
    scan(db, actor, since, &s, &mut sink).await?;
    Ok(match sink {
        Sink::Record { added, .. } => added,
        Sink::Collect(_) => 0,
    })
}
