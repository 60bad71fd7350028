//! Storage of Microsoft 365 audit events (migration 0014): a narrow event table clustered by
//! (organisation, time, AuditData.Id), raw-JSON segments, per-day term postings for searches,
//! the per-user sign-in network baseline and the organisation's detection settings.

use crate::{Ex, StoreError};

/// A stored audit event. `raw` is not a column: the use cases fill it from the event's segment
/// when they need it (queries here return it empty).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct M365EventRow {
    /// Organisation.
    pub org_id: String,
    /// AuditData.Id.
    pub audit_id: String,
    /// Event time, UTC `YYYY-MM-DDTHH:MM:SS`.
    pub at: String,
    /// Operation.
    pub operation: String,
    /// User (lower case).
    pub user_id: String,
    /// Client IP.
    pub ip: String,
    /// Workload.
    pub workload: String,
    /// RecordType.
    pub record_type: i64,
    /// ResultStatus.
    pub result: String,
    /// Segment holding the raw JSON.
    pub seg: i64,
    /// Slot in the segment.
    pub slot: i64,
    /// The original JSON (filled from the segment on demand).
    pub raw: String,
}

/// An event to store (borrowed from the parser's record).
#[derive(Debug, Clone, Copy)]
pub struct NewM365Event<'a> {
    /// Event time.
    pub at: &'a str,
    /// AuditData.Id.
    pub audit_id: &'a str,
    /// Operation.
    pub operation: &'a str,
    /// User.
    pub user_id: &'a str,
    /// Client IP.
    pub ip: &'a str,
    /// Workload.
    pub workload: &'a str,
    /// RecordType.
    pub record_type: i64,
    /// ResultStatus.
    pub result: &'a str,
}

const EVENT_COLS: &str =
    "org_id, audit_id, at, operation, user_id, ip, workload, record_type, result, seg, slot, '' AS raw";

/// Stores a batch of events whose raw JSON goes to segment `seg` (slot = position in the batch).
/// Events already stored (same time and AuditData.Id), or repeated in the batch, are skipped.
/// Returns the slots that were new.
///
/// SQLite binds the values with anonymous `?` placeholders: sqlx looks up a numbered
/// parameter's name and SQLite walks a list of every name for each, O(n²) per statement, and
/// binding measured cheaper there than unpacking JSON. PostgreSQL gets the batch as one JSON
/// parameter (`json_array_elements`). Only when some events were already stored does a second
/// query ask which slots of this segment are new.
pub async fn insert_m365_events(
    ex: &mut Ex<'_>,
    org_id: &str,
    seg: i64,
    events: &[NewM365Event<'_>],
) -> Result<Vec<i64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = events.len() as u64;
    let inserted = match &mut *ex {
        Ex::Sqlite(c) => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sqlite_insert_sql(events.len()))).bind(org_id).bind(seg);
            for e in events {
                q = q
                    .bind(e.at)
                    .bind(e.audit_id)
                    .bind(e.operation)
                    .bind(e.user_id)
                    .bind(e.ip)
                    .bind(e.workload)
                    .bind(e.record_type)
                    .bind(e.result);
            }
            q.execute(&mut **c).await?.rows_affected()
        }
        Ex::Pg(c) => sqlx::query(
            "INSERT INTO m365_event (org_id, at, audit_id, operation, user_id, ip, workload, record_type, result, seg, slot) \
             SELECT $1, e->>0, e->>1, e->>2, e->>3, e->>4, e->>5, (e->>6)::bigint, e->>7, $2, ord - 1 \
             FROM json_array_elements($3::json) WITH ORDINALITY AS t(e, ord) ON CONFLICT (org_id, at, audit_id) DO NOTHING",
        )
        .bind(org_id)
        .bind(seg)
        .bind(pack(events)?)
        .execute(&mut **c)
        .await?
        .rows_affected(),
    };
    if inserted == 0 {
        return Ok(Vec::new());
    }
    if inserted == n {
        return Ok((0..n as i64).collect());
    }
    // Some were already stored: which slots of this segment are ours.
    let batch = pack(events)?;
    let partial: String = match &mut *ex {
        Ex::Sqlite(c) => {
            sqlx::query_scalar(
                "SELECT json_group_array(j.key) FROM json_each(?3) j JOIN m365_event e \
                 ON e.org_id = ?1 AND e.at = j.value->>0 AND e.audit_id = j.value->>1 WHERE e.seg = ?2 AND e.slot = j.key",
            )
            .bind(org_id)
            .bind(seg)
            .bind(&batch)
            .fetch_one(&mut **c)
            .await?
        }
        Ex::Pg(c) => {
            sqlx::query_scalar(
                "SELECT COALESCE(json_agg(t.ord - 1), '[]'::json)::text FROM json_array_elements($3::json) WITH ORDINALITY AS t(e, ord) \
                 JOIN m365_event m ON m.org_id = $1 AND m.at = t.e->>0 AND m.audit_id = t.e->>1 WHERE m.seg = $2 AND m.slot = t.ord - 1",
            )
            .bind(org_id)
            .bind(seg)
            .bind(&batch)
            .fetch_one(&mut **c)
            .await?
        }
    };
    let mut slots: Vec<i64> = serde_json::from_str(&partial).map_err(|e| StoreError::Invalid(e.to_string()))?;
    slots.sort_unstable();
    Ok(slots)
}

/// The SQLite multi-row INSERT for `n` events (kept for the batch sizes seen, so a full batch
/// reuses the same text and sqlx's prepared statement).
fn sqlite_insert_sql(n: usize) -> std::sync::Arc<str> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<str>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(s) = cache.lock().ok().and_then(|c| c.get(&n).cloned()) {
        return s;
    }
    // The organisation and the segment are bound once (the first two placeholders), each
    // event's eight values after them.
    let head = "INSERT INTO m365_event (org_id, at, audit_id, operation, user_id, ip, workload, record_type, result, seg, slot) \
                SELECT p.o, v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, p.s, v.column9 \
                FROM (SELECT ? AS o, ? AS s) AS p, (VALUES ";
    let mut sql = String::with_capacity(head.len() + 96 + n * 24);
    sql.push_str(head);
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,");
        sql.push_str(&i.to_string());
        sql.push(')');
    }
    sql.push_str(") AS v WHERE true ON CONFLICT (org_id, at, audit_id) DO NOTHING");
    let sql: Arc<str> = Arc::from(sql);
    if let Ok(mut c) = cache.lock()
        && c.len() < 64
    {
        c.insert(n, sql.clone());
    }
    sql
}

/// A batch as one JSON array of (time, id, operation, user, ip, workload, record type,
/// result), as the SQL above unpacks it.
fn pack(events: &[NewM365Event<'_>]) -> Result<String, StoreError> {
    type Packed<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, i64, &'a str);
    let rows: Vec<Packed<'_>> = events
        .iter()
        .map(|e| (e.at, e.audit_id, e.operation, e.user_id, e.ip, e.workload, e.record_type, e.result))
        .collect();
    serde_json::to_string(&rows).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// A raw-JSON segment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct M365SegmentRow {
    /// Organisation.
    pub org_id: String,
    /// Segment id (unique in the organisation).
    pub id: i64,
    /// Import that stored it.
    pub import_id: String,
    /// `lz4` (mamori_m365::segment layout) or `json` (one entry, plain).
    pub codec: String,
    /// Slots.
    pub entries: i64,
    /// Earliest event time in it.
    pub first_at: String,
    /// Latest event time in it.
    pub last_at: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// Stores a segment.
pub async fn insert_m365_segment(ex: &mut Ex<'_>, s: &M365SegmentRow) -> Result<(), StoreError> {
    crate::exec!(
        ex,
        "INSERT INTO m365_segment (org_id, id, import_id, codec, entries, first_at, last_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &s.org_id,
        s.id,
        &s.import_id,
        &s.codec,
        s.entries,
        &s.first_at,
        &s.last_at,
        &s.data
    )?;
    Ok(())
}

/// The segments with these ids.
pub async fn m365_segments(ex: &mut Ex<'_>, org_id: &str, ids: &[i64]) -> Result<Vec<M365SegmentRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let mut sql = String::from(
            "SELECT org_id, id, import_id, codec, entries, first_at, last_at, data FROM m365_segment WHERE org_id = $1 AND id IN (",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(i + 2).to_string());
        }
        sql.push(')');
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q.bind(org_id);
                for id in chunk {
                    q = q.bind(*id);
                }
                q
            }};
        }
        out.extend(match &mut *ex {
            Ex::Sqlite(c) => {
                bind_all!(sqlx::query_as::<_, M365SegmentRow>(sqlx::AssertSqlSafe(sql))).fetch_all(&mut **c).await?
            }
            Ex::Pg(c) => {
                bind_all!(sqlx::query_as::<_, M365SegmentRow>(sqlx::AssertSqlSafe(sql))).fetch_all(&mut **c).await?
            }
        });
    }
    Ok(out)
}

/// Term kinds of the day postings.
pub mod term {
    /// A user.
    pub const USER: &str = "u";
    /// An operation.
    pub const OPERATION: &str = "o";
    /// A client IP.
    pub const IP: &str = "i";
    /// A workload.
    pub const WORKLOAD: &str = "w";
    /// A user's successful sign-in.
    pub const SIGN_IN: &str = "s";
}

/// Records that terms occur on days (kind, term, `YYYY-MM-DD`); known ones are kept.
pub async fn insert_m365_terms(
    ex: &mut Ex<'_>,
    org_id: &str,
    terms: &[(&'static str, String, String)],
) -> Result<(), StoreError> {
    for chunk in terms.chunks(300) {
        let mut sql = String::from("INSERT INTO m365_term (org_id, kind, term, day) VALUES ");
        let sqlite = matches!(ex, Ex::Sqlite(_));
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            if sqlite {
                sql.push_str("(?,?,?,?)");
            } else {
                let b = 1 + i * 4;
                sql.push_str(&format!("(${b},${},${},${})", b + 1, b + 2, b + 3));
            }
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for (k, t, d) in chunk {
                    q = q.bind(org_id).bind(*k).bind(t).bind(d);
                }
                q
            }};
        }
        match &mut *ex {
            Ex::Sqlite(c) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut **c).await?.rows_affected(),
            Ex::Pg(c) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut **c).await?.rows_affected(),
        };
    }
    Ok(())
}

/// The days (ascending) within [`from_day`, `to_day`] on which a term occurs.
pub async fn m365_term_days(
    ex: &mut Ex<'_>,
    org_id: &str,
    kind: &str,
    term: &str,
    from_day: &str,
    to_day: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(crate::fetch_all!(
        ex,
        (String,),
        "SELECT day FROM m365_term WHERE org_id = $1 AND kind = $2 AND term = $3 AND day >= $4 AND day <= $5 ORDER BY day",
        org_id,
        kind,
        term,
        from_day,
        to_day
    )?
    .into_iter()
    .map(|(d,)| d)
    .collect())
}

/// Filters of an event range query (empty = any).
#[derive(Debug, Clone, Copy, Default)]
pub struct M365Filter<'a> {
    /// User.
    pub user: &'a str,
    /// Operation.
    pub operation: &'a str,
    /// Client IP.
    pub ip: &'a str,
    /// Workload.
    pub workload: &'a str,
}

/// Events with `from <= at <= to` matching the filter, oldest first, at most `limit`.
pub async fn m365_events_range(
    ex: &mut Ex<'_>,
    org_id: &str,
    f: M365Filter<'_>,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<M365EventRow>, StoreError> {
    Ok(crate::fetch_all!(
        ex,
        M365EventRow,
        crate::sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLS} FROM m365_event WHERE org_id = $1 AND at >= $2 AND at <= $3 \
             AND ($4 = '' OR user_id = $4) AND ($5 = '' OR operation = $5) AND ($6 = '' OR ip = $6) AND ($7 = '' OR workload = $7) \
             ORDER BY at, audit_id LIMIT $8"
        )),
        org_id,
        from,
        to,
        f.user,
        f.operation,
        f.ip,
        f.workload,
        limit
    )?)
}

/// An event as the detections' scan reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct M365ScanRow(
    /// Time.
    pub String,
    /// AuditData.Id.
    pub String,
    /// Operation.
    pub String,
    /// User.
    pub String,
    /// Client IP.
    pub String,
    /// Segment.
    pub i64,
    /// Slot.
    pub i64,
);

/// The next page (at most `limit`) of events after (`at`, `audit_id`) in time order whose
/// operation is one of `operations` (the detections' scan). The page comes back as one JSON
/// value built by the database (one row instead of thousands through the driver).
pub async fn m365_events_after(
    ex: &mut Ex<'_>,
    org_id: &str,
    after: (&str, &str),
    operations: &[&str],
    limit: i64,
) -> Result<Vec<M365ScanRow>, StoreError> {
    let ops = serde_json::to_string(operations).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let page: Option<String> = match &mut *ex {
        Ex::Sqlite(c) => {
            sqlx::query_scalar(
                "SELECT json_group_array(json_array(at, audit_id, operation, user_id, ip, seg, slot)) FROM ( \
                 SELECT at, audit_id, operation, user_id, ip, seg, slot FROM m365_event \
                 WHERE org_id = ?1 AND (at, audit_id) > (?2, ?3) AND operation IN (SELECT value FROM json_each(?4)) \
                 ORDER BY at, audit_id LIMIT ?5)",
            )
            .bind(org_id)
            .bind(after.0)
            .bind(after.1)
            .bind(&ops)
            .bind(limit)
            .fetch_one(&mut **c)
            .await?
        }
        Ex::Pg(c) => {
            sqlx::query_scalar(
                "SELECT json_agg(json_build_array(at, audit_id, operation, user_id, ip, seg, slot) ORDER BY at, audit_id)::text FROM ( \
                 SELECT at, audit_id, operation, user_id, ip, seg, slot FROM m365_event \
                 WHERE org_id = $1 AND (at, audit_id) > ($2, $3) AND operation IN (SELECT json_array_elements_text($4::json)) \
                 ORDER BY at, audit_id LIMIT $5) p",
            )
            .bind(org_id)
            .bind(after.0)
            .bind(after.1)
            .bind(&ops)
            .bind(limit)
            .fetch_one(&mut **c)
            .await?
        }
    };
    let mut rows: Vec<M365ScanRow> = match page {
        Some(p) => serde_json::from_str(&p).map_err(|e| StoreError::Invalid(e.to_string()))?,
        None => Vec::new(),
    };
    // Aggregates keep the subquery's order in practice; sorting makes it certain.
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Ok(rows)
}

/// The day of the latest successful sign-in per user.
pub async fn m365_last_sign_in(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    Ok(crate::fetch_all!(
        ex,
        (String, String),
        "SELECT term, MAX(day) FROM m365_term WHERE org_id = $1 AND kind = 's' GROUP BY term",
        org_id
    )?)
}

/// How many distinct days within [`from_day`, `to_day`] have stored log records (any posting).
pub async fn count_m365_days(ex: &mut Ex<'_>, org_id: &str, from_day: &str, to_day: &str) -> Result<i64, StoreError> {
    Ok(crate::fetch_i64!(
        ex,
        "SELECT COUNT(DISTINCT day) FROM m365_term WHERE org_id = $1 AND day >= $2 AND day <= $3",
        org_id,
        from_day,
        to_day
    )?)
}

/// Number of stored events.
pub async fn count_m365_events(ex: &mut Ex<'_>, org_id: &str) -> Result<i64, StoreError> {
    Ok(crate::fetch_i64!(ex, "SELECT COUNT(*) FROM m365_event WHERE org_id = $1", org_id)?)
}

/// The per-user sign-in network baseline: (user, network, first seen).
pub async fn m365_user_networks(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(crate::fetch_all!(
        ex,
        (String, String, String),
        "SELECT user_id, network, first_seen FROM m365_user_network WHERE org_id = $1",
        org_id
    )?)
}

/// Records networks first seen (an earlier first sighting wins).
pub async fn upsert_m365_user_networks(
    ex: &mut Ex<'_>,
    org_id: &str,
    rows: &[(String, String, String)],
) -> Result<(), StoreError> {
    for (user, network, first) in rows {
        match &mut *ex {
            Ex::Sqlite(c) => {
                sqlx::query(
                    "INSERT INTO m365_user_network (org_id, user_id, network, first_seen) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id, user_id, network) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)",
                )
                .bind(org_id)
                .bind(user)
                .bind(network)
                .bind(first)
                .execute(&mut **c)
                .await?
                .rows_affected()
            }
            Ex::Pg(c) => {
                sqlx::query(
                    "INSERT INTO m365_user_network (org_id, user_id, network, first_seen) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id, user_id, network) DO UPDATE SET first_seen = LEAST(m365_user_network.first_seen, excluded.first_seen)",
                )
                .bind(org_id)
                .bind(user)
                .bind(network)
                .bind(first)
                .execute(&mut **c)
                .await?
                .rows_affected()
            }
        };
    }
    Ok(())
}

/// What a retention purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct M365Purged {
    /// Events.
    pub events: u64,
    /// Raw-JSON segments.
    pub segments: u64,
    /// Day postings.
    pub terms: u64,
}

/// Deletes events before `cutoff` (`YYYY-MM-DDTHH:MM:SS`), the segments whose every event is
/// before it and the postings of earlier days.
pub async fn purge_m365_before(ex: &mut Ex<'_>, org_id: &str, cutoff: &str) -> Result<M365Purged, StoreError> {
    let day = cutoff.get(..10).unwrap_or(cutoff);
    Ok(M365Purged {
        events: crate::exec!(ex, "DELETE FROM m365_event WHERE org_id = $1 AND at < $2", org_id, cutoff)?,
        segments: crate::exec!(ex, "DELETE FROM m365_segment WHERE org_id = $1 AND last_at < $2", org_id, cutoff)?,
        terms: crate::exec!(ex, "DELETE FROM m365_term WHERE org_id = $1 AND day < $2", org_id, day)?,
    })
}

/// An organisation's Microsoft 365 settings (JSON owned by the use cases).
pub async fn m365_settings(ex: &mut Ex<'_>, org_id: &str) -> Result<Option<String>, StoreError> {
    Ok(crate::fetch_optional!(ex, (String,), "SELECT settings_json FROM m365_settings WHERE org_id = $1", org_id)?
        .map(|(s,)| s))
}

/// Stores an organisation's Microsoft 365 settings.
pub async fn put_m365_settings(ex: &mut Ex<'_>, org_id: &str, json: &str, by: &str, at: i64) -> Result<(), StoreError> {
    crate::exec!(
        ex,
        "INSERT INTO m365_settings (org_id, settings_json, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id) DO UPDATE SET settings_json = excluded.settings_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        org_id,
        json,
        by,
        at
    )?;
    Ok(())
}
