//! Migration parity: the SQLite and the PostgreSQL migrations build the same tables with the
//! same columns (name, nullability, type family), and the two folders hold the same files.

use mamori_store::testing::fresh_db;
use mamori_store::{Db, Engine};
use std::collections::{BTreeMap, BTreeSet};

/// Differences between the two engines' schemas that are deliberate, one `(table, column,
/// reason)` each; `column` `"*"` excludes the whole table. Every entry must still match a real
/// difference (checked below), so that a stale one is noticed. None so far.
const DELIBERATE: &[(&str, &str, &str)] = &[];

/// The bookkeeping table of sqlx, which differs by engine and is not ours.
const IGNORED_TABLES: &[&str] = &["_sqlx_migrations"];

/// Nullability and type family of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    not_null: bool,
    family: String,
}

/// Table → column → description.
type Catalogue = BTreeMap<String, BTreeMap<String, Column>>;

/// Maps an engine's column type to a family both engines share: integer, text, blob or real.
/// An unknown type stays visible as `other(<type>)`, so that the comparison shows it.
fn family(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    let f = if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t == "blob" || t == "bytea" {
        "blob"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t == "numeric" {
        "real"
    } else {
        return format!("other({t})");
    };
    f.to_owned()
}

fn ignored(table: &str) -> bool {
    IGNORED_TABLES.contains(&table)
}

async fn sqlite_catalogue(db: &Db) -> Catalogue {
    let Db::Sqlite(p) = db else { panic!("not SQLite") };
    let rows: Vec<(String, String, String, i64, i64)> = mamori_store::sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_' ORDER BY m.name, p.cid",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut cat = Catalogue::new();
    for (table, column, ty, not_null, pk) in rows {
        if ignored(&table) {
            continue;
        }
        // A primary key column counts as NOT NULL: PostgreSQL makes it so, and SQLite's
        // exception (NULL allowed in a non-integer key of a rowid table) is a quirk of the
        // engine, not of our DDL; the ids are always written.
        let not_null = not_null != 0 || pk != 0;
        cat.entry(table).or_default().insert(column, Column { not_null, family: family(&ty) });
    }
    cat
}

async fn pg_catalogue(db: &Db) -> Catalogue {
    let Db::Pg(p) = db else { panic!("not PostgreSQL") };
    let rows: Vec<(String, String, String, String)> = mamori_store::sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut cat = Catalogue::new();
    for (table, column, ty, nullable) in rows {
        if ignored(&table) {
            continue;
        }
        cat.entry(table).or_default().insert(column, Column { not_null: nullable == "NO", family: family(&ty) });
    }
    cat
}

/// Removes the deliberate differences from a catalogue.
fn without_deliberate(mut cat: Catalogue) -> Catalogue {
    for (table, column, _) in DELIBERATE {
        if *column == "*" {
            cat.remove(*table);
        } else if let Some(cols) = cat.get_mut(*table) {
            cols.remove(*column);
        }
    }
    cat
}

/// Lines describing every difference, empty when the catalogues match.
fn differences(sqlite: &Catalogue, pg: &Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = sqlite.keys().chain(pg.keys()).collect();
    for table in tables {
        match (sqlite.get(table), pg.get(table)) {
            (Some(_), None) => out.push(format!("table {table}: only on SQLite")),
            (None, Some(_)) => out.push(format!("table {table}: only on PostgreSQL")),
            (Some(s), Some(p)) => {
                let columns: BTreeSet<&String> = s.keys().chain(p.keys()).collect();
                for column in columns {
                    match (s.get(column), p.get(column)) {
                        (Some(a), Some(b)) if a == b => {}
                        (a, b) => out.push(format!("{table}.{column}: SQLite {a:?}, PostgreSQL {b:?}")),
                    }
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn migration_files(engine: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn migration_folders_hold_the_same_files() {
    let sqlite = migration_files("sqlite");
    let pg = migration_files("postgres");
    assert!(sqlite.len() >= 14, "migrations missing: {sqlite:?}");
    assert_eq!(sqlite, pg, "migrations/sqlite and migrations/postgres must hold the same file names");
    // Numbers are unique and consecutive from 0001.
    let numbers: Vec<u32> = sqlite.iter().map(|f| f[..4].parse().unwrap()).collect();
    let expected: Vec<u32> = (1..=numbers.last().copied().unwrap_or(0)).collect();
    assert_eq!(numbers, expected, "migration numbers: {sqlite:?}");
}

#[test]
fn type_families_are_mapped() {
    assert_eq!(family("BIGINT"), "integer");
    assert_eq!(family("integer"), "integer");
    assert_eq!(family("TEXT"), "text");
    assert_eq!(family("character varying"), "text");
    assert_eq!(family("BLOB"), "blob");
    assert_eq!(family("bytea"), "blob");
    assert_eq!(family("double precision"), "real");
    assert_eq!(family("boolean"), "other(boolean)");
}

#[test]
fn differences_are_reported() {
    let col = |not_null, family: &str| Column { not_null, family: family.to_owned() };
    let mut a = Catalogue::new();
    a.entry("t".into()).or_default().insert("x".into(), col(true, "integer"));
    let mut b = a.clone();
    assert!(differences(&a, &b).is_empty());
    b.entry("t".into()).or_default().insert("x".into(), col(false, "integer"));
    assert_eq!(differences(&a, &b).len(), 1);
    b.entry("u".into()).or_default().insert("y".into(), col(true, "text"));
    assert_eq!(differences(&a, &b).len(), 2);
}

/// Migrates a fresh database on each engine and compares their catalogues. Without PostgreSQL
/// it is skipped locally and fails when `CI=true`, like every PostgreSQL test.
#[tokio::test]
async fn migrations_build_the_same_schema_on_both_engines() {
    let Some(lite) = fresh_db(Engine::Sqlite).await else { panic!("SQLite is always available") };
    let Some(pg) = fresh_db(Engine::Postgres).await else {
        lite.cleanup().await;
        return;
    };
    let sqlite_cat = sqlite_catalogue(lite.db()).await;
    let pg_cat = pg_catalogue(pg.db()).await;
    lite.cleanup().await;
    pg.cleanup().await;

    // The comparison is not vacuous: the foundation and the latest migration are there.
    for table in ["organization", "app_user", "audit_log", "m365_event", "m365_segment"] {
        assert!(sqlite_cat.contains_key(table), "SQLite has no table {table}");
        assert!(pg_cat.contains_key(table), "PostgreSQL has no table {table}");
    }
    assert!(sqlite_cat.len() >= 30, "only {} tables on SQLite", sqlite_cat.len());

    // Every deliberate difference is still a difference.
    let raw = differences(&sqlite_cat, &pg_cat);
    for (table, column, reason) in DELIBERATE {
        let prefix = if *column == "*" { format!("table {table}:") } else { format!("{table}.{column}:") };
        assert!(
            raw.iter().any(|d| d.starts_with(&prefix) || (*column == "*" && d.starts_with(&format!("{table}.")))),
            "DELIBERATE lists {table}.{column} ({reason}) but the engines agree there"
        );
    }

    let diff = differences(&without_deliberate(sqlite_cat), &without_deliberate(pg_cat));
    assert!(diff.is_empty(), "the migrations differ between the engines:\n{}", diff.join("\n"));
}
