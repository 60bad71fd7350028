//! The directory's import and export (xlsx or CSV), all rows or none, as the registers'.
//!
//! The file is read by the register import's reader with its limits ([`MAX_FILE_BYTES`], then
//! [`crate::registers::REGISTER_CAPS`]: rows, columns, cells, cell length, what an xlsx expands
//! to; CSV in UTF-8 with or without BOM, or Shift_JIS/CP932); the cells by
//! [`mamori_domain::people_sheet::parse`]. Then, against what is stored: an ID must name a
//! person of the organisation (once in the file), a login ID a user of the organisation linked
//! to no one else, a 上長 one person by name (in the file or stored; when several share the
//! name, the person's current manager of that name is kept). Every problem is reported with its
//! row and column; nothing is written unless the whole file is good, and then in one
//! transaction with an audit row per person added or changed and one for the import (with the
//! file's SHA-256). A column the file does not have keeps what is stored; a text that differs
//! only by Excel's CP932 save (〜/～, ―/—) keeps the stored text. The export writes the same
//! columns (ID included), so it imports again without a change.
//!
//! Both need `people.manage`.

use crate::error::RowProblem;
use crate::export::{Cell, Table};
use crate::registers::{REGISTER_CAPS, read_grid, read_xlsx};
use crate::{Actor, AppError, new_id};
use mamori_domain::audit::AuditAction;
use mamori_domain::password::normalise_login;
use mamori_domain::people_sheet::{self as sheet, SheetProblem, SheetRow, column_label, name_key, same_text};
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows::{self, PersonRow};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The largest file an import reads (the register import's upload limit).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// A person added or changed by an import.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportLine {
    /// The row of the file.
    pub row: usize,
    /// The person's id.
    pub id: String,
    /// Their name.
    pub name: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// People added (追加).
    pub created: Vec<ImportLine>,
    /// People changed (更新).
    pub updated: Vec<ImportLine>,
    /// Rows identical to what is stored.
    pub unchanged: usize,
}

fn problem(row: usize, column: &str, message: &str) -> RowProblem {
    RowProblem {
        row,
        column: column_label(column).to_string(),
        field: column.to_string(),
        message: message.to_string(),
    }
}

fn problems(p: Vec<SheetProblem>) -> AppError {
    AppError::Rows(p.into_iter().map(|x| problem(x.row, x.column, x.message)).collect())
}

/// Reads a file into sheet rows (the caps first; every problem of the cells as
/// [`AppError::Rows`]).
pub fn parse_file(file_name: &str, bytes: &[u8]) -> Result<Vec<SheetRow>, AppError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::TooLarge {
            file: file_name.to_string(),
            key: "limit-file-mb",
            limit: (MAX_FILE_BYTES / (1024 * 1024)) as u64,
            detail: format!("larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let (first_row, grid) = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(file_name, bytes, &REGISTER_CAPS)?
    } else {
        (0, read_grid(file_name, bytes)?)
    };
    sheet::parse(&grid, first_row).map_err(problems)
}

/// `new` unless it differs from `old` only by a CP932 round trip.
fn keep(old: &str, new: &str) -> String {
    if same_text(old, new) { old.to_string() } else { new.to_string() }
}

fn opt(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

/// Imports a directory file (`people.manage`): all rows or none.
pub async fn import(db: &Db, actor: &Actor, file_name: &str, bytes: &[u8], now: i64) -> Result<ImportReport, AppError> {
    actor.require(Permission::PeopleManage)?;
    let sheet_rows = parse_file(file_name, bytes)?;
    let (stored, users) = {
        let mut c = db.conn().await?;
        (rows::people(&mut c.ex(), &actor.org_id).await?, rows::list_users(&mut c.ex(), &actor.org_id).await?)
    };
    let logins: BTreeSet<String> = users.iter().map(|u| u.login_key.clone()).collect();
    let mut bad: Vec<RowProblem> = Vec::new();
    // Each row's person: the stored one (by ID) or a new one, with the file's values.
    let mut seen_ids: BTreeSet<String> = BTreeSet::new();
    let mut plan: Vec<(usize, Option<PersonRow>, PersonRow, Option<String>)> = Vec::new();
    for r in &sheet_rows {
        let before = if r.id.is_empty() {
            None
        } else {
            match stored.iter().find(|p| p.id == r.id) {
                Some(p) => Some(p.clone()),
                None => {
                    bad.push(problem(r.line, "id", "import-unknown-id"));
                    continue;
                }
            }
        };
        if !r.id.is_empty() && !seen_ids.insert(r.id.clone()) {
            bad.push(problem(r.line, "id", "people-import-duplicate-id"));
            continue;
        }
        let base = before.clone().unwrap_or_else(|| PersonRow {
            id: new_id(),
            org_id: actor.org_id.clone(),
            name: String::new(),
            email: String::new(),
            kind: String::new(),
            department: String::new(),
            joined_on: None,
            left_on: None,
            login_id: None,
            manager_id: None,
            created_at: now,
            updated_at: now,
        });
        let mut after = base.clone();
        after.name = keep(&base.name, &r.name);
        after.kind.clone_from(&r.kind);
        if let Some(e) = &r.email {
            after.email = keep(&base.email, e);
        }
        if let Some(d) = &r.department {
            after.department = keep(&base.department, d);
        }
        if let Some(d) = &r.joined_on {
            after.joined_on = opt(d.clone());
        }
        if let Some(d) = &r.left_on {
            after.left_on = opt(d.clone());
        }
        if let (Some(j), Some(l)) = (&after.joined_on, &after.left_on)
            && l < j
        {
            bad.push(problem(
                r.line,
                if r.left_on.is_some() { "left_on" } else { "joined_on" },
                "people-left-before-joined",
            ));
        }
        if let Some(l) = &r.login_id {
            let key = if l.trim().is_empty() { String::new() } else { normalise_login(l) };
            if !key.is_empty() && !logins.contains(&key) {
                bad.push(problem(r.line, "login_id", "people-login-unknown"));
            }
            after.login_id = opt(key);
        }
        plan.push((r.line, before, after, r.manager.clone()));
    }
    // Everyone as they will be: the file's rows, and the stored people the file leaves alone.
    let in_file: BTreeSet<String> = plan.iter().map(|p| p.2.id.clone()).collect();
    let mut everyone: Vec<(String, String, Option<String>)> = plan
        .iter()
        .map(|p| (p.2.id.clone(), p.2.name.clone(), p.2.login_id.clone()))
        .chain(
            stored
                .iter()
                .filter(|s| !in_file.contains(s.id.as_str()))
                .map(|s| (s.id.clone(), s.name.clone(), s.login_id.clone())),
        )
        .collect();
    // A login linked to two people: the second row in the file (or the file's row, against a
    // stored person the file leaves alone) is refused.
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    for (line, _, after, _) in &plan {
        if let Some(l) = &after.login_id {
            let stored_other =
                stored.iter().any(|s| !in_file.contains(s.id.as_str()) && s.login_id.as_deref() == Some(l));
            if stored_other || !claimed.insert(l.clone()) {
                bad.push(problem(*line, "login_id", "people-login-taken"));
            }
        }
    }
    let by_name: BTreeMap<String, Vec<String>> = everyone.drain(..).fold(BTreeMap::new(), |mut m, (id, name, _)| {
        m.entry(name_key(&name)).or_default().push(id);
        m
    });
    for (line, before, after, manager) in &mut plan {
        let Some(m) = manager.as_deref() else { continue };
        if m.trim().is_empty() {
            after.manager_id = None;
            continue;
        }
        let found = by_name.get(&name_key(m)).cloned().unwrap_or_default();
        let current = before.as_ref().and_then(|b| b.manager_id.clone());
        let chosen = match found.as_slice() {
            [one] => Some(one.clone()),
            [] if stored.iter().any(|s| s.id == m.trim()) || in_file.contains(m.trim()) => Some(m.trim().to_string()),
            [] => {
                bad.push(problem(*line, "manager", "field-unknown-person"));
                None
            }
            many => match current.filter(|c| many.contains(c)) {
                Some(c) => Some(c),
                None => {
                    bad.push(problem(*line, "manager", "people-import-manager-ambiguous"));
                    None
                }
            },
        };
        if chosen.as_deref() == Some(after.id.as_str()) {
            bad.push(problem(*line, "manager", "people-manager-self"));
        }
        after.manager_id = chosen;
    }
    if !bad.is_empty() {
        let order = |k: &str| sheet::COLUMNS.iter().position(|c| c.0 == k).unwrap_or(usize::MAX);
        bad.sort_by_key(|p| (p.row, order(&p.field)));
        bad.dedup();
        return Err(AppError::Rows(bad));
    }
    let mut report = ImportReport::default();
    let mut tx = db.begin().await?;
    for (line, before, mut after, _) in plan {
        match before {
            Some(b) => {
                if b == after {
                    report.unchanged += 1;
                    continue;
                }
                after.updated_at = now;
                rows::update_person(&mut tx.ex(), &after).await?;
                crate::audit::updated(&mut tx, actor, "person", &after.id, &b, &after, now).await?;
                report.updated.push(ImportLine { row: line, id: after.id.clone(), name: after.name.clone() });
            }
            None => {
                rows::insert_person(&mut tx.ex(), &after).await?;
                crate::audit::created(&mut tx, actor, "person", &after.id, &after, now).await?;
                report.created.push(ImportLine { row: line, id: after.id.clone(), name: after.name.clone() });
            }
        }
    }
    let sha =
        mamori_domain::hex::encode(&sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), bytes)));
    crate::audit::append(
        &mut tx,
        crate::audit::Entry::by(
            actor,
            AuditAction::Update,
            "person_import",
            None,
            None,
            Some(serde_json::json!({"import": file_name, "sha256": sha, "created": report.created.len(),
                "updated": report.updated.len(), "unchanged": report.unchanged})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The directory as an export table (`people.manage`): the import's columns, ID first.
pub async fn table(db: &Db, actor: &Actor) -> Result<Table, AppError> {
    actor.require(Permission::PeopleManage)?;
    let all = {
        let mut c = db.conn().await?;
        rows::people(&mut c.ex(), &actor.org_id).await?
    };
    let name_of = |id: &Option<String>| {
        id.as_ref().and_then(|m| all.iter().find(|p| &p.id == m)).map(|p| p.name.clone()).unwrap_or_default()
    };
    let date = |d: &Option<String>| match d {
        Some(d) if !d.is_empty() => Cell::Date(d.clone()),
        _ => Cell::Text(String::new()),
    };
    let widths = [38.0, 18.0, 28.0, 16.0, 16.0, 12.0, 12.0, 14.0, 18.0];
    Ok(Table {
        sheet: "社員名簿".into(),
        title: "社員名簿".into(),
        doc_number: "—".into(),
        edition: "—".into(),
        label: "社外秘".into(),
        columns: sheet::COLUMNS.iter().zip(widths).map(|(c, w)| (c.1.to_string(), w)).collect(),
        rows: all
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.id.clone()),
                    Cell::Text(p.name.clone()),
                    Cell::Text(p.email.clone()),
                    Cell::Text(sheet::kind_label(&p.kind).to_string()),
                    Cell::Text(p.department.clone()),
                    date(&p.joined_on),
                    date(&p.left_on),
                    Cell::Text(p.login_id.clone().unwrap_or_default()),
                    Cell::Text(name_of(&p.manager_id)),
                ]
            })
            .collect(),
    })
}
