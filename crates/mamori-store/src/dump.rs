//! A logical dump of the whole schema, table by table, for backup and restore.
//!
//! The tables are enumerated from the engine's catalogue (so a table added by a later
//! migration is included without a change here), ordered parents first by their foreign keys,
//! each with its columns, portable column kinds and primary key. Values travel as
//! [`Value`]s: the same dump restores into either engine. This is the one place in the crate
//! whose SQL differs per engine: the catalogue queries, and the snapshot transaction
//! ([`crate::Db::begin_snapshot`]).

use crate::{Ex, StoreError};
use sqlx::Row;

/// Tables never dumped: the migration ledger (the schema level is recorded separately) and
/// the server-side sessions (a restored system starts with everyone logged out).
pub const NOT_DUMPED: &[&str] = &["_sqlx_migrations", "session"];

/// The portable kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `BIGINT` (and other integer types).
    Int,
    /// `TEXT`.
    Text,
    /// `BLOB` / `BYTEA`.
    Bytes,
    /// A floating-point column (none today; kept for completeness).
    Real,
}

/// A column of a dumped table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// Its portable kind.
    pub kind: Kind,
}

/// A table of the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// The table name.
    pub name: String,
    /// Its columns in declaration order.
    pub columns: Vec<Column>,
    /// Its primary-key columns (empty: every column orders the rows).
    pub primary_key: Vec<String>,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A float.
    Real(f64),
}

fn safe_ident(name: &str) -> Result<String, StoreError> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Invalid(format!("unexpected identifier in the schema: {name:?}")))
    }
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Kind::Int
    } else if t.contains("BLOB") || t.contains("BYTEA") {
        Kind::Bytes
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") || t.contains("NUMERIC") {
        Kind::Real
    } else {
        Kind::Text
    }
}

#[derive(sqlx::FromRow)]
struct ColRow {
    table_name: String,
    column_name: String,
    declared: String,
    pk: i64,
    position: i64,
}

#[derive(sqlx::FromRow)]
struct FkRow {
    child: String,
    parent: String,
}

/// A table's columns and primary-key columns, each with its position.
type Collected = (Vec<(i64, Column)>, Vec<(i64, String)>);

/// The tables of the schema (but [`NOT_DUMPED`]), parents before the tables referencing them,
/// otherwise by name.
pub async fn tables(ex: &mut Ex<'_>) -> Result<Vec<Table>, StoreError> {
    let (cols, fks) = match ex {
        Ex::Sqlite(c) => {
            let cols = sqlx::query_as::<_, ColRow>(
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS declared, p.pk AS pk, p.cid AS position \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
            )
            .fetch_all(&mut **c)
            .await?;
            let fks = sqlx::query_as::<_, FkRow>(
                "SELECT m.name AS child, f.\"table\" AS parent FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut **c)
            .await?;
            (cols, fks)
        }
        Ex::Pg(c) => {
            let cols = sqlx::query_as::<_, ColRow>(
                "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                        c.data_type::text AS declared, \
                        COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t \
                                  JOIN information_schema.key_column_usage k \
                                    ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema \
                                   AND k.table_name = t.table_name \
                                  WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema \
                                    AND t.table_name = c.table_name AND k.column_name = c.column_name), 0)::bigint AS pk, \
                        c.ordinal_position::bigint AS position \
                 FROM information_schema.columns c JOIN information_schema.tables tb \
                   ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE' \
                 ORDER BY c.table_name, c.ordinal_position",
            )
            .fetch_all(&mut **c)
            .await?;
            let fks = sqlx::query_as::<_, FkRow>(
                "SELECT cl.relname::text AS child, pr.relname::text AS parent FROM pg_constraint k \
                 JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pr ON pr.oid = k.confrelid \
                 JOIN pg_namespace n ON n.oid = cl.relnamespace \
                 WHERE k.contype = 'f' AND n.nspname = current_schema()",
            )
            .fetch_all(&mut **c)
            .await?;
            (cols, fks)
        }
    };
    let mut by_name: std::collections::BTreeMap<String, Collected> = std::collections::BTreeMap::new();
    for c in cols {
        if NOT_DUMPED.contains(&c.table_name.as_str()) {
            continue;
        }
        let e = by_name.entry(c.table_name).or_default();
        if c.pk > 0 {
            e.1.push((c.pk, c.column_name.clone()));
        }
        e.0.push((c.position, Column { name: c.column_name, kind: kind_of(&c.declared) }));
    }
    let mut pending: Vec<Table> = by_name
        .into_iter()
        .map(|(name, (mut cols, mut pk))| {
            cols.sort_by_key(|(p, _)| *p);
            pk.sort_by_key(|(p, _)| *p);
            Table {
                name,
                columns: cols.into_iter().map(|(_, c)| c).collect(),
                primary_key: pk.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect();
    // Parents first (a cycle, which the schema does not have, would be appended by name).
    let mut out: Vec<Table> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<usize> = (0..pending.len())
            .filter(|&i| {
                let t = &pending[i].name;
                fks.iter().filter(|f| &f.child == t && &f.parent != t).all(|f| out.iter().any(|o| o.name == f.parent))
            })
            .collect();
        if ready.is_empty() {
            out.append(&mut pending);
            break;
        }
        let mut batch: Vec<Table> = ready.into_iter().rev().map(|i| pending.remove(i)).collect();
        batch.reverse();
        out.append(&mut batch);
    }
    Ok(out)
}

/// The highest applied migration (0 before any).
pub async fn migration_level(ex: &mut Ex<'_>) -> Result<i64, StoreError> {
    Ok(crate::fetch_i64!(ex, "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE")?)
}

/// The number of rows of a table.
pub async fn count(ex: &mut Ex<'_>, table: &Table) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {}", safe_ident(&table.name)?);
    Ok(match ex {
        Ex::Sqlite(c) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut **c).await?,
        Ex::Pg(c) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut **c).await?,
    })
}

macro_rules! decode_row {
    ($row:expr, $cols:expr) => {{
        let mut v = Vec::with_capacity($cols.len());
        for (i, c) in $cols.iter().enumerate() {
            v.push(match c.kind {
                Kind::Int => $row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
                Kind::Text => $row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
                Kind::Bytes => $row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Value::Null, Value::Bytes),
                Kind::Real => $row.try_get::<Option<f64>, _>(i)?.map_or(Value::Null, Value::Real),
            });
        }
        v
    }};
}

macro_rules! bind_values {
    ($q:expr, $rows:expr, $kinds:expr) => {{
        let mut q = $q;
        for row in $rows {
            for (v, k) in row.iter().zip($kinds.iter()) {
                q = match (v, k) {
                    (Value::Null, Kind::Int) => q.bind(None::<i64>),
                    (Value::Null, Kind::Text) => q.bind(None::<String>),
                    (Value::Null, Kind::Bytes) => q.bind(None::<Vec<u8>>),
                    (Value::Null, Kind::Real) => q.bind(None::<f64>),
                    (Value::Int(i), _) => q.bind(*i),
                    (Value::Text(s), _) => q.bind(s.clone()),
                    (Value::Bytes(b), _) => q.bind(b.clone()),
                    (Value::Real(f), _) => q.bind(*f),
                };
            }
        }
        q
    }};
}

/// One page of a table's rows in primary-key order (every column when there is none):
/// the first `limit` rows after the key of `after` (a previous page's last row), or after
/// `offset` rows when the table has no primary key. Keyset paging keeps a whole-table read
/// linear however large the table.
pub async fn page_after(
    ex: &mut Ex<'_>,
    table: &Table,
    after: Option<&[Value]>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let cols = table.columns.iter().map(|c| safe_ident(&c.name)).collect::<Result<Vec<_>, _>>()?;
    let key: Vec<(usize, &Column)> =
        table.primary_key.iter().filter_map(|k| table.columns.iter().enumerate().find(|(_, c)| &c.name == k)).collect();
    let keyset = !key.is_empty() && key.len() == table.primary_key.len();
    let order = if keyset {
        key.iter().map(|(_, c)| safe_ident(&c.name)).collect::<Result<Vec<_>, _>>()?
    } else {
        cols.clone()
    };
    let mut bound: Vec<Value> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    let filter = match (keyset, after) {
        (true, Some(last)) => {
            for (i, c) in &key {
                bound.push(last.get(*i).cloned().unwrap_or(Value::Null));
                kinds.push(c.kind);
            }
            let params: Vec<String> = (1..=key.len()).map(|n| format!("${n}")).collect();
            format!(" WHERE ({}) > ({})", order.join(", "), params.join(", "))
        }
        _ => String::new(),
    };
    let skip = if keyset { String::new() } else { format!(" OFFSET {offset}") };
    let sql = format!(
        "SELECT {} FROM {}{filter} ORDER BY {} LIMIT {limit}{skip}",
        cols.join(", "),
        safe_ident(&table.name)?,
        order.join(", ")
    );
    let rows = [bound];
    let mut out = Vec::new();
    match ex {
        Ex::Sqlite(c) => {
            let q = bind_values!(sqlx::query(sqlx::AssertSqlSafe(sql)), rows.iter().filter(|r| !r.is_empty()), kinds);
            for row in q.fetch_all(&mut **c).await? {
                out.push(decode_row!(row, table.columns));
            }
        }
        Ex::Pg(c) => {
            let q = bind_values!(sqlx::query(sqlx::AssertSqlSafe(sql)), rows.iter().filter(|r| !r.is_empty()), kinds);
            for row in q.fetch_all(&mut **c).await? {
                out.push(decode_row!(row, table.columns));
            }
        }
    }
    Ok(out)
}

/// Inserts rows of `table` given as values of `columns` (a subset of the table's columns, in
/// that order), in batches.
pub async fn insert(ex: &mut Ex<'_>, table: &Table, columns: &[Column], rows: &[Vec<Value>]) -> Result<(), StoreError> {
    if rows.is_empty() || columns.is_empty() {
        return Ok(());
    }
    let names = columns.iter().map(|c| safe_ident(&c.name)).collect::<Result<Vec<_>, _>>()?;
    let kinds: Vec<Kind> = columns.iter().map(|c| c.kind).collect();
    let per_batch = (4000 / columns.len()).max(1);
    for batch in rows.chunks(per_batch) {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", safe_ident(&table.name)?, names.join(", "));
        let mut n = 0;
        for (r, row) in batch.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(StoreError::Invalid(format!(
                    "{}: a row has {} values for {} columns",
                    table.name,
                    row.len(),
                    columns.len()
                )));
            }
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for i in 0..columns.len() {
                n += 1;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        match ex {
            Ex::Sqlite(c) => {
                bind_values!(sqlx::query(sqlx::AssertSqlSafe(sql)), batch, kinds).execute(&mut **c).await?;
            }
            Ex::Pg(c) => {
                bind_values!(sqlx::query(sqlx::AssertSqlSafe(sql)), batch, kinds).execute(&mut **c).await?;
            }
        }
    }
    Ok(())
}
