//! A person's links (#17, 1): what else mamori knows of them, for `people.manage` only (the
//! rest of the organisation sees the directory's public fields and nothing of this):
//!
//! - their mamori login (display name, roles, disabled or not), by the linked login ID;
//! - their Microsoft 365 account as the reconciliation knows it (the admin center export's
//!   account whose UPN is their e-mail address: can it sign in, the last sign-in day in the
//!   evidence, signed in after their leave date);
//! - the register rows naming them in a person field (`mamori_domain::people::names`: by name,
//!   spaces ignored, or login ID) — assets, media, devices, keys and every register with a
//!   person-type field — and their pledges (rows of `employee_pledges` and `leaver_pledges`,
//!   whose 氏名 is a text field). Register read access is kept: a register the reader may not
//!   read, or a 極秘 row not for them, is left out.
//!
//! [`picker_names`] gives the register forms the directory's active people to choose from.

use crate::registers::{access, title_of};
use crate::{Actor, AppError};
use jiff::civil::Date;
use mamori_domain::people::names;
use mamori_domain::permission::Permission;
use mamori_domain::register::{FieldType, RegisterDef};
use mamori_store::Db;
use mamori_store::rows;
use serde::Serialize;
use serde_json::{Map, Value};

/// The registers of signed pledges (their `person` field is text).
pub const PLEDGE_REGISTERS: [&str; 2] = ["employee_pledges", "leaver_pledges"];

/// Their mamori login.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoginLink {
    /// Login ID.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// Role names in Japanese.
    pub roles_ja: Vec<String>,
    /// Role names in English.
    pub roles_en: Vec<String>,
    /// Disabled.
    pub disabled: bool,
}

/// Their Microsoft 365 account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct M365Link {
    /// UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Can sign in (not blocked, not deleted).
    pub enabled: bool,
    /// The last sign-in day in the evidence (YYYY-MM-DD).
    pub last_sign_in: Option<String>,
    /// Signed in after their leave date.
    pub signed_in_after_leave: bool,
}

/// A register row naming them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecordLink {
    /// Register key (for the link).
    pub register: String,
    /// Register name.
    pub register_name: String,
    /// Row id (for the link).
    pub row_id: String,
    /// The row's title.
    pub title: String,
    /// The field naming them (its label).
    pub field: String,
}

/// Everything linked to a person.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Links {
    /// Their mamori login, when linked and found.
    pub login: Option<LoginLink>,
    /// Their Microsoft 365 account, when found.
    pub m365: Option<M365Link>,
    /// Whether Microsoft 365 accounts are on record at all.
    pub m365_known: bool,
    /// Register rows naming them (assets, media, devices, …).
    pub records: Vec<RecordLink>,
    /// Their pledges.
    pub pledges: Vec<RecordLink>,
}

/// A person's links (`people.manage`).
pub async fn of(db: &Db, actor: &Actor, person_id: &str) -> Result<Links, AppError> {
    let p = super::row(db, actor, person_id).await?;
    let mut out = Links::default();
    if let Some(login) = &p.login_id {
        match crate::users::load_view(db, &actor.org_id, login).await {
            Ok(u) => {
                out.login = Some(LoginLink {
                    login_id: u.login_id,
                    display_name: u.display_name,
                    roles_ja: u.role_names_ja,
                    roles_en: u.role_names_en,
                    disabled: u.disabled,
                })
            }
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let mut c = db.conn().await?;
    let accounts = rows::m365_accounts(&mut c.ex(), &actor.org_id).await?;
    out.m365_known = !accounts.is_empty();
    let email = p.email.trim().to_lowercase();
    if !email.is_empty()
        && let Some(a) = accounts.iter().find(|a| a.upn.to_lowercase() == email)
    {
        let last = rows::m365_last_sign_in(&mut c.ex(), &actor.org_id)
            .await?
            .into_iter()
            .find(|(u, _)| u.to_lowercase() == email)
            .map(|(_, d)| d.chars().take(10).collect::<String>());
        let after = match (&last, &p.left_on) {
            (Some(d), Some(l)) => d.as_str() > l.as_str(),
            _ => false,
        };
        out.m365 = Some(M365Link {
            upn: a.upn.clone(),
            display_name: a.display_name.clone(),
            enabled: a.blocked == 0 && a.deleted.is_empty(),
            last_sign_in: last,
            signed_in_after_leave: after,
        });
    }
    for d in rows::register_defs(&mut c.ex(), &actor.org_id).await? {
        let Ok(def) = serde_json::from_str::<RegisterDef>(&d.def_json) else { continue };
        let pledge = PLEDGE_REGISTERS.contains(&def.key.as_str());
        let fields: Vec<_> =
            def.fields.iter().filter(|f| f.ty == FieldType::Person || (pledge && f.key == "person")).collect();
        if fields.is_empty() || !access::may_view(actor, &def) {
            continue;
        }
        for r in rows::register_rows_all(&mut c.ex(), &actor.org_id, &def.key, false).await? {
            if !access::row_visible(actor, &r.label, &access::restriction(&r.restricted_to)) {
                continue;
            }
            let Ok(values) = serde_json::from_str::<Map<String, Value>>(&r.values_json) else { continue };
            let Some(f) = fields.iter().find(|f| {
                values.get(&f.key).and_then(Value::as_str).is_some_and(|v| names(v, &p.name, p.login_id.as_deref()))
            }) else {
                continue;
            };
            let title = if pledge {
                let v = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                [v("version"), v("signed_on")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
            } else {
                title_of(&def, &values)
            };
            let link = RecordLink {
                register: def.key.clone(),
                register_name: def.name.clone(),
                row_id: r.id.clone(),
                title,
                field: f.label.clone(),
            };
            if pledge { out.pledges.push(link) } else { out.records.push(link) }
        }
    }
    Ok(out)
}

/// The names of the directory's active people (no leave date, or one after `today`), for the
/// register forms' person pickers (every member; names are public in the directory).
pub async fn picker_names(db: &Db, actor: &Actor, today: Date) -> Result<Vec<String>, AppError> {
    actor.require(Permission::DashboardView)?;
    let mut c = db.conn().await?;
    let today = today.to_string();
    Ok(rows::people(&mut c.ex(), &actor.org_id)
        .await?
        .into_iter()
        .filter(|p| p.left_on.as_deref().is_none_or(|d| d > today.as_str()))
        .map(|p| p.name)
        .collect())
}
