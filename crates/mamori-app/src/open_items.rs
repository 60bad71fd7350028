//! Open items (未決事項): what the regulation leaves open — the authors' draft notes
//! (「…確認後、記載する」) and "定期的に" without an interval — each with an owner, a due date
//! and a resolution. They are created from every regulation import and every offer of duties
//! (never twice for the same control, kind and text); resolving one records who and when in
//! the item and in the audit trail. Deciding an undecided duty resolves its item.
//!
//! Who may: everyone who may read the regulation reads them; those who import the regulation
//! (経営責任者, 情報セキュリティ管理者) assign owners and due dates; they and the owner
//! resolve an item.

use crate::audit;
use crate::{Actor, AppError, new_id};
use jiff::civil::Date;
use mamori_domain::permission::Permission;
use mamori_regulation::parse::Control;
use mamori_store::rows::{self, OpenItemRow};
use mamori_store::{Db, Tx};
use serde::Serialize;

/// A draft note left by the regulation's authors.
pub const DRAFT_NOTE: &str = "draft_note";
/// A "定期的に" item without an interval.
pub const UNDECIDED_INTERVAL: &str = "undecided_interval";

/// An open item as people see it.
#[derive(Debug, Clone, Serialize)]
pub struct OpenItemView {
    /// The item.
    #[serde(flatten)]
    pub item: OpenItemRow,
    /// The owner's display name.
    pub owner_name: Option<String>,
    /// The control's title in the current regulation.
    pub control_title: String,
    /// Whether the caller may change or resolve it.
    pub may_edit: bool,
}

impl OpenItemView {
    /// Whether it is resolved.
    pub fn resolved(&self) -> bool {
        self.item.resolved_at.is_some()
    }
}

/// Adds the open items of a regulation's controls that do not exist yet (inside the caller's
/// transaction). Returns how many were added.
pub async fn sync_from_regulation(
    tx: &mut Tx,
    org_id: &str,
    controls: &[Control],
    now: i64,
) -> Result<usize, AppError> {
    let mut added = 0;
    for c in controls {
        let notes = c.draft_notes.iter().map(|n| (DRAFT_NOTE, n.as_str()));
        let undecided = c.recurring_unspecified.iter().map(|u| (UNDECIDED_INTERVAL, u.source_text.as_str()));
        for (kind, text) in notes.chain(undecided) {
            let row = OpenItemRow {
                id: new_id(),
                org_id: org_id.to_string(),
                control_id: c.id.clone(),
                kind: kind.into(),
                text: text.trim().to_string(),
                owner_id: None,
                due: None,
                resolution: None,
                resolved_at: None,
                resolved_by: None,
                created_at: now,
                updated_at: now,
            };
            if rows::insert_open_item(&mut tx.ex(), &row).await? {
                added += 1;
            }
        }
    }
    Ok(added)
}

fn may_manage(actor: &Actor) -> bool {
    actor.grants.has(Permission::RegulationImport)
}

fn may_edit(actor: &Actor, item: &OpenItemRow) -> bool {
    may_manage(actor) || item.owner_id.is_some() && item.owner_id == actor.user_id
}

/// Every open item of the organisation (unresolved first, then by control number).
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<OpenItemView>, AppError> {
    actor.require(Permission::RegulationView)?;
    let (items, users) = {
        let mut c = db.conn().await?;
        (rows::open_items(&mut c.ex(), &actor.org_id).await?, rows::list_users(&mut c.ex(), &actor.org_id).await?)
    };
    let current = crate::regulation::current(db, actor).await?;
    let mut out: Vec<OpenItemView> = items
        .into_iter()
        .map(|item| OpenItemView {
            owner_name: item
                .owner_id
                .as_ref()
                .and_then(|o| users.iter().find(|u| &u.id == o))
                .map(|u| u.display_name.clone()),
            control_title: current
                .as_ref()
                .and_then(|c| c.control(&item.control_id))
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            may_edit: may_edit(actor, &item),
            item,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.resolved(), control_order(&a.item.control_id), a.item.created_at).cmp(&(
            b.resolved(),
            control_order(&b.item.control_id),
            b.item.created_at,
        ))
    });
    Ok(out)
}

/// Who may own an open item: the organisation's active users (id, display name).
pub async fn owners(db: &Db, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    actor.require(Permission::RegulationView)?;
    Ok(crate::users::people(db, actor).await?.into_iter().filter(|p| p.active).map(|p| (p.id, p.name)).collect())
}

/// "5.9" before "5.10": the control id's numbers.
pub fn control_order(id: &str) -> Vec<u32> {
    id.split('.').map(|p| p.parse().unwrap_or(u32::MAX)).collect()
}

/// The open items of one control.
pub async fn for_control(db: &Db, actor: &Actor, control_id: &str) -> Result<Vec<OpenItemView>, AppError> {
    Ok(list(db, actor).await?.into_iter().filter(|i| i.item.control_id == control_id).collect())
}

/// One open item.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<OpenItemView, AppError> {
    list(db, actor).await?.into_iter().find(|i| i.item.id == id).ok_or(AppError::NotFound)
}

/// What a person changes on an open item.
#[derive(Debug, Clone, Default)]
pub struct OpenItemEdit {
    /// The owner (a user id of the organisation), or none.
    pub owner_id: Option<String>,
    /// The due date, or none.
    pub due: Option<String>,
    /// A resolution: when given, the item is resolved with it.
    pub resolution: Option<String>,
}

/// Assigns an open item's owner and due date (経営責任者 and 情報セキュリティ管理者), and
/// resolves it when a resolution is given (they, or the owner). Every problem is reported at
/// its field at once.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: &str,
    e: OpenItemEdit,
    today: Date,
    now: i64,
) -> Result<OpenItemRow, AppError> {
    actor.require(Permission::RegulationView)?;
    let before = {
        let mut c = db.conn().await?;
        rows::open_item(&mut c.ex(), &actor.org_id, id).await?.ok_or(AppError::NotFound)?
    };
    if !may_edit(actor, &before) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let owner_id = e.owner_id.map(|o| o.trim().to_string()).filter(|o| !o.is_empty());
    let due = e.due.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    let resolution = e.resolution.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let assigning = owner_id != before.owner_id || due != before.due;
    if assigning && !may_manage(actor) {
        errors.push(("owner_id".to_string(), "open-item-assign-forbidden".to_string()));
    }
    if let Some(o) = &owner_id {
        let mut c = db.conn().await?;
        if rows::user_by_id(&mut c.ex(), &actor.org_id, o).await?.is_none_or(|u| u.disabled != 0) {
            errors.push(("owner_id".into(), "field-not-a-choice".into()));
        }
    }
    if let Some(d) = &due {
        match d.parse::<Date>() {
            Err(_) => errors.push(("due".into(), "field-not-date".into())),
            // A new due date in the past is a mistake; an unchanged one may have passed.
            Ok(day) if day < today && Some(d) != before.due.as_ref() => {
                errors.push(("due".into(), "open-item-due-past".into()))
            }
            Ok(_) => {}
        }
    }
    if before.resolved_at.is_some() && resolution.is_some() {
        errors.push(("resolution".into(), "open-item-already-resolved".into()));
    }
    if resolution.as_ref().is_some_and(|r| r.chars().count() > 4000) {
        errors.push(("resolution".into(), "field-too-long".into()));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let resolving = resolution.is_some();
    let by = if resolving {
        let mut c = db.conn().await?;
        Some(crate::users::display_name(&mut c.ex(), actor).await?)
    } else {
        before.resolved_by.clone()
    };
    let after = OpenItemRow {
        owner_id,
        due,
        resolved_at: if resolving { Some(now) } else { before.resolved_at },
        resolved_by: by,
        resolution: resolution.or(before.resolution.clone()),
        updated_at: now.max(before.updated_at + 1),
        ..before.clone()
    };
    write(db, actor, &before, &after, now).await?;
    Ok(after)
}

async fn write(db: &Db, actor: &Actor, before: &OpenItemRow, after: &OpenItemRow, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    write_in(&mut tx, actor, before, after, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes an item changed from `before` (409 when someone changed it meanwhile) and its audit
/// row, inside the caller's transaction.
async fn write_in(
    tx: &mut Tx,
    actor: &Actor,
    before: &OpenItemRow,
    after: &OpenItemRow,
    now: i64,
) -> Result<(), AppError> {
    if rows::update_open_item(&mut tx.ex(), after, before.updated_at).await? == 0 {
        return Err(AppError::Conflict);
    }
    audit::updated(tx, actor, "open_item", &after.id, before, after, now).await
}

/// Resolves the undecided-interval item of a duty that has just been decided (inside the
/// caller's transaction; no resolution text: the page says it was decided as a duty).
pub async fn resolve_decided(
    tx: &mut Tx,
    actor: &Actor,
    control_id: &str,
    source_text: &str,
    now: i64,
) -> Result<(), AppError> {
    let items = rows::open_items(&mut tx.ex(), &actor.org_id).await?;
    let by = crate::users::display_name(&mut tx.ex(), actor).await?;
    let Some(before) = items.into_iter().find(|i| {
        i.control_id == control_id
            && i.kind == UNDECIDED_INTERVAL
            && i.text == source_text.trim()
            && i.resolved_at.is_none()
    }) else {
        return Ok(());
    };
    let after = OpenItemRow {
        resolved_at: Some(now),
        resolved_by: Some(by),
        updated_at: now.max(before.updated_at + 1),
        ..before.clone()
    };
    write_in(tx, actor, &before, &after, now).await
}

/// Resolves an item with a resolution written by the system (a supplier's requirements all
/// confirmed …), inside the caller's transaction; an item already resolved is left alone.
pub async fn resolve_with(
    tx: &mut Tx,
    actor: &Actor,
    before: &OpenItemRow,
    resolution: &str,
    now: i64,
) -> Result<(), AppError> {
    if before.resolved_at.is_some() {
        return Ok(());
    }
    let by = crate::users::display_name(&mut tx.ex(), actor).await?;
    let after = OpenItemRow {
        resolution: Some(resolution.to_string()),
        resolved_at: Some(now),
        resolved_by: Some(by),
        updated_at: now.max(before.updated_at + 1),
        ..before.clone()
    };
    write_in(tx, actor, before, &after, now).await
}
