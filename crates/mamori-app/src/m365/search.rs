//! The Microsoft 365 event search: a query naming a user, operation, IP or workload visits
//! only the days on which it occurs (the day postings); raw JSON comes from the segments.

use crate::{Actor, AppError};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, M365EventRow};

/// Filters of the event search (empty = any; dates inclusive, `YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// User (compared lower-case).
    pub user: String,
    /// Operation.
    pub operation: String,
    /// Client IP.
    pub ip: String,
    /// Workload.
    pub workload: String,
    /// First day (UTC).
    pub from: String,
    /// Last day (UTC).
    pub to: String,
    /// At most this many.
    pub limit: i64,
}

/// Fills the events' raw JSON from their segments.
pub(super) async fn fill_raw(
    c: &mut mamori_store::Conn,
    org_id: &str,
    events: &mut [M365EventRow],
) -> Result<(), AppError> {
    let mut ids: Vec<i64> = events.iter().map(|e| e.seg).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut segments = std::collections::HashMap::new();
    for chunk in ids.chunks(64) {
        for s in rows::m365_segments(&mut c.ex(), org_id, chunk).await? {
            segments.insert(s.id, s);
        }
        for e in events.iter_mut().filter(|e| chunk.contains(&e.seg)) {
            let Some(s) = segments.get(&e.seg) else { continue };
            e.raw = match s.codec.as_str() {
                "json" => String::from_utf8_lossy(&s.data).into_owned(),
                _ => mamori_m365::segment::Segment::decode(&s.data)
                    .map_err(|err| AppError::Internal(format!("segment {}: {err}", s.id)))?
                    .get(usize::try_from(e.slot).unwrap_or(usize::MAX))
                    .unwrap_or("")
                    .to_string(),
            };
        }
        segments.clear();
    }
    Ok(())
}

/// Stored events matching the query, oldest first, with their raw JSON. A query naming a user,
/// operation, IP or workload visits only the days on which it occurs (the day postings).
pub async fn events(db: &Db, actor: &Actor, q: &EventQuery) -> Result<Vec<M365EventRow>, AppError> {
    actor.require(Permission::AuditView)?;
    let user = q.user.trim().to_lowercase();
    let operation = q.operation.trim().trim_end_matches('.').to_string();
    let f = rows::M365Filter { user: &user, operation: &operation, ip: q.ip.trim(), workload: q.workload.trim() };
    let from = if q.from.is_empty() { "0000".to_string() } else { q.from.clone() };
    let to = if q.to.is_empty() { "9999".to_string() } else { format!("{}T99", q.to) };
    let limit = if q.limit <= 0 { 1000 } else { q.limit };
    let mut c = db.conn().await?;
    // The most selective named term decides the days to visit.
    let term = [
        (rows::term::IP, f.ip),
        (rows::term::USER, f.user),
        (rows::term::OPERATION, f.operation),
        (rows::term::WORKLOAD, f.workload),
    ]
    .into_iter()
    .find(|(_, v)| !v.is_empty());
    let mut out = Vec::new();
    match term {
        None => out = rows::m365_events_range(&mut c.ex(), &actor.org_id, f, &from, &to, limit).await?,
        Some((kind, value)) => {
            let days = rows::m365_term_days(
                &mut c.ex(),
                &actor.org_id,
                kind,
                value,
                from.get(..10).unwrap_or("0000"),
                to.get(..10).unwrap_or("9999"),
            )
            .await?;
            for day in days {
                let lo = std::cmp::max(from.clone(), format!("{day}T00"));
                let hi = std::cmp::min(to.clone(), format!("{day}T99"));
                let left = limit - out.len() as i64;
                if left <= 0 {
                    break;
                }
                out.extend(rows::m365_events_range(&mut c.ex(), &actor.org_id, f, &lo, &hi, left).await?);
            }
        }
    }
    fill_raw(&mut c, &actor.org_id, &mut out).await?;
    Ok(out)
}
