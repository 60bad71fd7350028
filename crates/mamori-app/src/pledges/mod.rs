//! Pledges signed in mamori (5.16, 6.5, 6.6; #17 3): the 秘密保持誓約書 a joiner signs before
//! access and the 退職時の秘密保持誓約書 a leaver signs.
//!
//! A pledge is a controlled document (found by its title, `pledge::kind_of_title`; created
//! from the shipped starter text by [`prepare`] when the organisation has none), drafted and
//! approved like every document. A person of the directory signs the version in force on their
//! own page: they read it, type their name and confirm; the signature records the time, the
//! version and its 版数, the SHA-256 of its content, and goes into the hash-chained audit trail
//! together with a row of the pledge's register (秘密保持誓約書〔対従業員〕 / 退職時の秘密保持誓約書,
//! the auditor's 台帳). A paper pledge is recorded by a manager with its scan instead. When a
//! new version comes into force, everyone who signed an earlier one is asked again
//! (`Standing::Outdated`). Signatures are never changed or deleted.
//!
//! Need-to-know: a person reads their own signatures; everyone's, and recording paper pledges,
//! need `people.manage`. Printing a certificate follows the same rule ([`certificate`]).

mod certificate;

pub use certificate::{certificate_html, pdf};

use crate::checks::{self, Problems};
use crate::{Actor, AppError, new_id, tokyo_date};
use mamori_domain::document::{DocKind, VersionStatus};
use mamori_domain::permission::Permission;
use mamori_domain::pledge::{self, Kind, Standing};
use mamori_store::rows::{self, DocVersionRow, DocumentRow, PersonRow, PledgeSignatureRow};
use mamori_store::{Db, Ex};
use serde::Serialize;
use serde_json::{Map, Value};

/// A pledge document with its version in force.
#[derive(Debug, Clone)]
pub struct PledgeDoc {
    /// Which pledge.
    pub kind: Kind,
    /// The document.
    pub doc: DocumentRow,
    /// The approved version, if any.
    pub current: Option<DocVersionRow>,
    /// An open draft, if any.
    pub draft: Option<DocVersionRow>,
}

impl PledgeDoc {
    /// The SHA-256 a signature of the version in force binds.
    pub fn current_sha256(&self) -> Option<String> {
        self.current.as_ref().map(|v| pledge::content_sha256(&v.body, v.file_sha256.as_deref()))
    }
}

/// The organisation's pledge documents, one per kind: the one with a version in force, else
/// the first by number.
pub async fn documents(ex: &mut Ex<'_>, org_id: &str) -> Result<Vec<PledgeDoc>, AppError> {
    let docs = rows::list_documents(ex, org_id).await?;
    let versions = rows::all_doc_versions(ex, org_id).await?;
    let mut out: Vec<PledgeDoc> = Vec::new();
    for d in docs {
        let Some(kind) = pledge::kind_of_title(&d.title) else { continue };
        let of = |s: VersionStatus| versions.iter().find(|v| v.document_id == d.id && v.status == s.key()).cloned();
        let p = PledgeDoc { kind, current: of(VersionStatus::Approved), draft: of(VersionStatus::Draft), doc: d };
        match out.iter_mut().find(|o| o.kind == kind) {
            Some(o) if o.current.is_none() && p.current.is_some() => *o = p,
            Some(_) => {}
            None => out.push(p),
        }
    }
    out.sort_by_key(|p| p.kind != Kind::Joiner);
    Ok(out)
}

/// The pledge documents (`people.manage` or `documents.edit`: the overview page).
pub async fn all_documents(db: &Db, actor: &Actor) -> Result<Vec<PledgeDoc>, AppError> {
    if !actor.grants.has(Permission::PeopleManage) && !actor.grants.has(Permission::DocumentsEdit) {
        return Err(AppError::Forbidden);
    }
    let mut c = db.conn().await?;
    documents(&mut c.ex(), &actor.org_id).await
}

async fn document_of(db: &Db, org_id: &str, kind: Kind) -> Result<Option<PledgeDoc>, AppError> {
    let mut c = db.conn().await?;
    Ok(documents(&mut c.ex(), org_id).await?.into_iter().find(|p| p.kind == kind))
}

/// Makes sure the pledge can be written (`documents.edit`): creates its document when the
/// organisation has none (numbered after the regulation, `<number>-PLEDGE` / `-LEAVE`, approved
/// by 経営責任者) and, when it has no version at all, saves the starter text as the 初版 draft
/// to be read, edited and approved. Returns the document's id.
pub async fn prepare(db: &Db, actor: &Actor, kind: Kind, now: i64) -> Result<String, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let starter = pledge::starter(kind);
    let existing = document_of(db, &actor.org_id, kind).await?;
    let id = match &existing {
        Some(p) => p.doc.id.clone(),
        None => {
            let mut tx = db.begin().await?;
            tx.lock_org(&actor.org_id).await?;
            let docs = rows::list_documents(&mut tx.ex(), &actor.org_id).await?;
            if let Some(d) = docs.iter().find(|d| pledge::kind_of_title(&d.title) == Some(kind)) {
                d.id.clone()
            } else {
                let regulation = docs.iter().find(|d| d.kind == DocKind::Regulation.key());
                let suffix = if kind == Kind::Joiner { "PLEDGE" } else { "LEAVE" };
                let base =
                    regulation.map(|r| format!("{}-{suffix}", r.doc_number)).unwrap_or_else(|| format!("{suffix}-01"));
                let mut number = base.clone();
                let mut n = 2;
                while docs.iter().any(|d| d.doc_number == number) {
                    number = format!("{base}-{n}");
                    n += 1;
                }
                let doc = crate::documents::insert_document_under(
                    &mut tx,
                    actor,
                    DocKind::Manual,
                    &number,
                    &starter.title,
                    None,
                    Some(crate::documents::Placement {
                        parent_id: regulation.map(|r| r.id.clone()),
                        approver_roles: vec![mamori_domain::permission::ROLE_TOP_MANAGEMENT.to_string()],
                    }),
                    now,
                )
                .await?;
                tx.commit().await?;
                doc.id
            }
        }
    };
    let has_version = {
        let mut c = db.conn().await?;
        !rows::doc_versions(&mut c.ex(), &actor.org_id, &id).await?.is_empty()
    };
    if !has_version {
        crate::documents::save_draft(db, actor, &id, &starter.body, "雛形から作成", now).await?;
    }
    Ok(id)
}

/// One person's standing with one pledge.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPledge {
    /// `joiner` or `leaver`.
    pub kind: &'static str,
    /// The document's title.
    pub title: Option<String>,
    /// The 版数 in force.
    pub edition: Option<String>,
    /// `no_document`, `missing`, `outdated` or `signed`.
    pub standing: &'static str,
    /// Their latest signature.
    pub latest: Option<PledgeSignatureRow>,
}

/// Where `person` stands with each pledge (the leaver's only once they have a leave date).
pub async fn standing_of(db: &Db, org_id: &str, person: &PersonRow) -> Result<Vec<PersonPledge>, AppError> {
    let (docs, sigs) = {
        let mut c = db.conn().await?;
        (documents(&mut c.ex(), org_id).await?, rows::pledge_signatures_of(&mut c.ex(), org_id, &person.id).await?)
    };
    let mut out = Vec::new();
    for kind in Kind::ALL {
        if kind == Kind::Leaver && person.left_on.is_none() {
            continue;
        }
        let doc = docs.iter().find(|d| d.kind == kind);
        let mine: Vec<&PledgeSignatureRow> = sigs.iter().filter(|s| s.kind == kind.key()).collect();
        let current = doc.and_then(|d| d.current.as_ref());
        let st = pledge::standing(current.map(|v| v.id.as_str()), mine.iter().map(|s| s.version_id.as_str()));
        out.push(PersonPledge {
            kind: kind.key(),
            title: doc.map(|d| d.doc.title.clone()),
            edition: current.map(|v| v.edition.clone()),
            standing: st.key(),
            latest: mine.last().map(|s| (*s).clone()),
        });
    }
    Ok(out)
}

/// What the signing page shows: the version in force and where the person stands.
#[derive(Debug, Clone)]
pub struct ToSign {
    /// The person signing.
    pub person: PersonRow,
    /// The pledge.
    pub doc: PledgeDoc,
    /// Where they stand.
    pub standing: Standing,
}

/// The pledge of `kind` for the actor's own person of the directory. `NotFound` when the
/// actor's login is not linked to a person or there is no such pledge document.
pub async fn to_sign(db: &Db, actor: &Actor, kind: Kind) -> Result<ToSign, AppError> {
    actor.require(Permission::DashboardView)?;
    let person = crate::people::of_actor(db, actor).await?.ok_or(AppError::NotFound)?;
    let doc = document_of(db, &actor.org_id, kind).await?.ok_or(AppError::NotFound)?;
    let sigs = {
        let mut c = db.conn().await?;
        rows::pledge_signatures_of(&mut c.ex(), &actor.org_id, &person.id).await?
    };
    let standing = pledge::standing(
        doc.current.as_ref().map(|v| v.id.as_str()),
        sigs.iter().filter(|s| s.kind == kind.key()).map(|s| s.version_id.as_str()),
    );
    Ok(ToSign { person, doc, standing })
}

/// The person signs the pledge's version in force (read, name typed, confirmed), as
/// themselves. Every problem at its field: the typed name must be their name in the directory,
/// the confirmation ticked, a version in force that they have not signed yet.
pub async fn sign(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    typed_name: &str,
    confirmed: bool,
    now: i64,
) -> Result<PledgeSignatureRow, AppError> {
    let t = to_sign(db, actor, kind).await?;
    let mut p: Problems = Vec::new();
    let typed = checks::text(&mut p, "typed_name", typed_name, checks::MAX_TITLE, true);
    if !typed.is_empty() && !pledge::typed_name_matches(&typed, &t.person.name) {
        checks::problem(&mut p, "typed_name", "pledge-name-mismatch");
    }
    if !confirmed {
        checks::problem(&mut p, "confirm", "pledge-confirm-required");
    }
    let Some(version) = t.doc.current.clone() else {
        return Err(AppError::Validation(vec![("confirm".into(), "pledge-no-version".into())]));
    };
    if t.standing == Standing::Signed {
        checks::problem(&mut p, "confirm", "pledge-already-signed");
    }
    checks::done(p)?;
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    record(db, actor, kind, &t.person, &t.doc, &version, "online", &typed, tokyo_date(now), &user_id, None, now).await
}

/// A paper pledge signed on `signed_on`, recorded by a manager (`people.manage`) with its scan
/// (`evidence_sha256`, a stored file the manager may read); the version in force unless
/// `version_id` names another version of the pledge.
#[allow(clippy::too_many_arguments)]
pub async fn record_paper(
    db: &Db,
    actor: &Actor,
    person_id: &str,
    kind: Kind,
    signed_on: &str,
    version_id: Option<&str>,
    evidence_sha256: &str,
    now: i64,
) -> Result<PledgeSignatureRow, AppError> {
    actor.require(Permission::PeopleManage)?;
    let person = {
        let mut c = db.conn().await?;
        rows::person(&mut c.ex(), &actor.org_id, person_id).await?.ok_or(AppError::NotFound)?
    };
    let doc = document_of(db, &actor.org_id, kind).await?;
    let mut p: Problems = Vec::new();
    let date = signed_on.trim().parse::<jiff::civil::Date>().ok().filter(|_| signed_on.trim().len() == 10);
    if signed_on.trim().is_empty() {
        checks::problem(&mut p, "signed_on", "field-required");
    } else if date.is_none() {
        checks::problem(&mut p, "signed_on", "field-not-date");
    } else if date.is_some_and(|d| d > tokyo_date(now)) {
        checks::problem(&mut p, "signed_on", "pledge-signed-in-future");
    }
    let sha = evidence_sha256.trim().to_ascii_lowercase();
    if sha.is_empty() {
        checks::problem(&mut p, "file", "pledge-scan-required");
    } else {
        let file = {
            let mut c = db.conn().await?;
            rows::evidence(&mut c.ex(), &actor.org_id, &sha).await?
        };
        match file {
            Some(f) if crate::evidence::may_read(db, actor, &f).await? => {}
            _ => checks::problem(&mut p, "file", "field-unknown-file"),
        }
    }
    let version = {
        let mut c = db.conn().await?;
        let all = match &doc {
            Some(d) => rows::doc_versions(&mut c.ex(), &actor.org_id, &d.doc.id).await?,
            None => Vec::new(),
        };
        match version_id.filter(|v| !v.is_empty()) {
            Some(v) => all.into_iter().find(|x| x.id == v && x.status != VersionStatus::Draft.key()),
            None => doc.as_ref().and_then(|d| d.current.clone()),
        }
    };
    if version.is_none() {
        checks::problem(&mut p, "version_id", "pledge-no-version");
    }
    checks::done(p)?;
    let (Some(doc), Some(version), Some(date)) = (doc, version, date) else { return Err(AppError::NotFound) };
    let user_id = actor.user_id.clone().unwrap_or_else(|| actor.label.clone());
    let name = person.name.clone();
    record(db, actor, kind, &person, &doc, &version, "paper", &name, date, &user_id, Some(sha), now).await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    person: &PersonRow,
    doc: &PledgeDoc,
    version: &DocVersionRow,
    method: &str,
    typed_name: &str,
    signed_on: jiff::civil::Date,
    recorded_by: &str,
    evidence: Option<String>,
    now: i64,
) -> Result<PledgeSignatureRow, AppError> {
    // The register row (the auditor's 台帳) written with the signature: 氏名, 誓約書の版, 署名日
    // and, for paper, the scan.
    let mut values = Map::new();
    values.insert("person".into(), Value::String(person.name.clone()));
    values.insert("version".into(), Value::String(version.edition.clone()));
    values.insert("signed_on".into(), Value::String(signed_on.to_string()));
    if let Some(sha) = &evidence {
        values.insert("file".into(), Value::String(sha.clone()));
    }
    let row = crate::registers::prepare_create(db, actor, kind.register(), &values, None, now).await?;
    let sig = PledgeSignatureRow {
        id: new_id(),
        org_id: actor.org_id.clone(),
        person_id: person.id.clone(),
        kind: kind.key().to_string(),
        document_id: doc.doc.id.clone(),
        version_id: version.id.clone(),
        edition: version.edition.clone(),
        content_sha256: pledge::content_sha256(&version.body, version.file_sha256.as_deref()),
        method: method.to_string(),
        typed_name: typed_name.to_string(),
        signed_on: signed_on.to_string(),
        signed_at: now,
        recorded_by: recorded_by.to_string(),
        evidence_sha256: evidence,
        register_row_id: Some(row.row.id.clone()),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    rows::insert_pledge_signature(&mut tx.ex(), &sig).await?;
    crate::registers::apply(&mut tx, actor, &row, now).await?;
    // The trail holds what a reader needs, in words: who, which pledge and version, the
    // content's digest, how and when (the signature's id is the entry's object).
    let entry = serde_json::json!({
        "person": person.name, "title": doc.doc.title, "edition": sig.edition,
        "content_sha256": sig.content_sha256,
        "method": if method == "paper" { "書面（署名済みの原本を電子化）" } else { "mamori 上で本人が署名" },
        "typed_name": sig.typed_name,
        "signed_on": sig.signed_on, "file": sig.evidence_sha256,
    });
    crate::audit::created(&mut tx, actor, "pledge_signature", &sig.id, &entry, now).await?;
    tx.commit().await?;
    if kind == Kind::Leaver {
        leaver_item_done(db, &actor.org_id, &person.id, now).await?;
    }
    Ok(sig)
}

/// The leaver's pledge signed: the `leaver_pledge` item of their open checklist is done (as
/// the system, since the signer may not manage people).
async fn leaver_item_done(db: &Db, org_id: &str, person_id: &str, now: i64) -> Result<(), AppError> {
    let system = Actor::cli(org_id);
    let Some(list) = crate::people::leave::of(db, &system, person_id).await? else { return Ok(()) };
    if list.state == "open" && list.items.iter().any(|i| i.key == "leaver_pledge" && i.state == "open") {
        crate::people::leave::settle(db, &system, person_id, "leaver_pledge", "done", "", now).await?;
    }
    Ok(())
}

/// A person's signatures (their own, or anyone's for `people.manage`), oldest first.
pub async fn signatures_of(db: &Db, actor: &Actor, person_id: &str) -> Result<Vec<PledgeSignatureRow>, AppError> {
    actor.require(Permission::DashboardView)?;
    if !actor.grants.has(Permission::PeopleManage) {
        let own = crate::people::of_actor(db, actor).await?;
        if own.is_none_or(|p| p.id != person_id) {
            return Err(AppError::NotFound);
        }
    }
    let mut c = db.conn().await?;
    // A person of another organisation is not found, whoever asks.
    rows::person(&mut c.ex(), &actor.org_id, person_id).await?.ok_or(AppError::NotFound)?;
    Ok(rows::pledge_signatures_of(&mut c.ex(), &actor.org_id, person_id).await?)
}

/// One signature with its person, for the certificate (the same rule as [`signatures_of`]).
pub async fn signature(db: &Db, actor: &Actor, id: &str) -> Result<(PledgeSignatureRow, PersonRow), AppError> {
    actor.require(Permission::DashboardView)?;
    let sig = {
        let mut c = db.conn().await?;
        rows::pledge_signatures(&mut c.ex(), &actor.org_id).await?.into_iter().find(|s| s.id == id)
    }
    .ok_or(AppError::NotFound)?;
    signatures_of(db, actor, &sig.person_id).await?;
    let mut c = db.conn().await?;
    let person = rows::person(&mut c.ex(), &actor.org_id, &sig.person_id).await?.ok_or(AppError::NotFound)?;
    Ok((sig, person))
}

/// Who has not signed the joiner's pledge in force (`people.manage`): active people of the
/// directory with their standing, and the leavers without the leaver's pledge.
#[derive(Debug, Clone, Serialize)]
pub struct Outstanding {
    /// The person.
    pub person_id: String,
    /// Their name.
    pub name: String,
    /// Department.
    pub department: String,
    /// `joiner` or `leaver`.
    pub kind: &'static str,
    /// `missing` or `outdated`.
    pub standing: &'static str,
}

/// Everyone still to sign a pledge in force (`people.manage`), by name.
pub async fn outstanding(db: &Db, actor: &Actor, today: jiff::civil::Date) -> Result<Vec<Outstanding>, AppError> {
    actor.require(Permission::PeopleManage)?;
    let (people, docs, sigs) = {
        let mut c = db.conn().await?;
        (
            rows::people(&mut c.ex(), &actor.org_id).await?,
            documents(&mut c.ex(), &actor.org_id).await?,
            rows::pledge_signatures(&mut c.ex(), &actor.org_id).await?,
        )
    };
    let today = today.to_string();
    let mut out = Vec::new();
    for p in &people {
        let left = p.left_on.as_deref().is_some_and(|d| d <= today.as_str());
        for d in &docs {
            let Some(current) = &d.current else { continue };
            // The joiner's pledge binds whoever is in scope; the leaver's whoever has a leave
            // date (before or after it).
            let due = match d.kind {
                Kind::Joiner => !left,
                Kind::Leaver => p.left_on.is_some(),
            };
            if !due {
                continue;
            }
            let st = pledge::standing(
                Some(current.id.as_str()),
                sigs.iter().filter(|s| s.person_id == p.id && s.kind == d.kind.key()).map(|s| s.version_id.as_str()),
            );
            if matches!(st, Standing::Missing | Standing::Outdated) {
                out.push(Outstanding {
                    person_id: p.id.clone(),
                    name: p.name.clone(),
                    department: p.department.clone(),
                    kind: d.kind.key(),
                    standing: st.key(),
                });
            }
        }
    }
    Ok(out)
}
