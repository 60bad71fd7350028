//! The documents the regulation names (5.37, 7.5): each 【…】 name that is a document (the
//! parser's `Control.documents`, else a record name ending as a document does, see
//! [`is_document_name`]) and the document a joint approval names (5.29 I.: the 事業継続計画
//! approved by 経営責任者 and 情報セキュリティ管理者) become controlled documents under the
//! regulation document, once: a re-import adds only names not seen before.
//!
//! They are created without a version: nothing of them has been written in mamori yet, and
//! an empty 初版 draft could be approved as if it were the document. The first text saved or
//! file uploaded starts the 初版 draft.

use super::versions::{Placement, insert_document_under};
use crate::{Actor, AppError};
use mamori_domain::document::{approver_roles_in, document_names_in, is_document_name, kind_of_document_name};
use mamori_regulation::Regulation;
use mamori_store::Tx;
use mamori_store::rows::{self, DocumentRow};

/// A document the regulation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedDocument {
    /// Its name as written.
    pub title: String,
    /// The control naming it first.
    pub control_id: String,
    /// Two or more roles when the regulation has it approved jointly.
    pub approver_roles: Vec<String>,
}

fn push(out: &mut Vec<NamedDocument>, title: &str, control_id: &str, roles: Vec<String>) {
    let title = title.trim();
    match out.iter_mut().find(|d| d.title == title) {
        Some(d) if d.approver_roles.is_empty() => d.approver_roles = roles,
        Some(_) => {}
        None => out.push(NamedDocument {
            title: title.to_string(),
            control_id: control_id.to_string(),
            approver_roles: roles,
        }),
    }
}

/// The documents a parsed regulation names, in order of first mention.
pub fn named_documents(reg: &Regulation) -> Vec<NamedDocument> {
    let mut out = Vec::new();
    for c in &reg.controls {
        for n in c.documents.iter().chain(c.records.iter().filter(|r| is_document_name(r))) {
            push(&mut out, n, &c.id, Vec::new());
        }
        for a in &c.approvals {
            let roles = if a.approver_roles.len() > 1 { a.approver_roles.clone() } else { approver_roles_in(&a.what) };
            if roles.len() < 2 {
                continue;
            }
            // What is approved: the parser's subject, else the first document the sentence or
            // the procedure items after it name (「事業継続計画は、…」).
            let subject = if is_document_name(&a.subject) {
                Some(a.subject.trim().to_string())
            } else {
                let head: String = a.what.trim().chars().take(12).collect();
                let from = c.procedure.iter().position(|p| p.text.contains(&head)).unwrap_or(0);
                std::iter::once(a.what.as_str())
                    .chain(c.procedure.iter().skip(from).map(|p| p.text.as_str()))
                    .flat_map(document_names_in)
                    .next()
            };
            if let Some(s) = subject {
                push(&mut out, &s, &c.id, roles);
            }
        }
    }
    out
}

/// Creates the named documents the organisation does not have yet (by title), numbered
/// `<regulation number>-D01`, `-D02` … under the regulation document (inside the import's
/// transaction).
pub(super) async fn ensure_named(
    tx: &mut Tx,
    actor: &Actor,
    regulation: &DocumentRow,
    reg: &Regulation,
    now: i64,
) -> Result<(), AppError> {
    let named = named_documents(reg);
    if named.is_empty() {
        return Ok(());
    }
    let existing = rows::list_documents(&mut tx.ex(), &actor.org_id).await?;
    let mut numbers: Vec<String> = existing.iter().map(|d| d.doc_number.clone()).collect();
    let mut next = 1;
    for n in named {
        if existing.iter().any(|d| d.title == n.title) {
            continue;
        }
        let number = loop {
            let candidate = format!("{}-D{next:02}", regulation.doc_number);
            next += 1;
            if !numbers.contains(&candidate) {
                break candidate;
            }
        };
        insert_document_under(
            tx,
            actor,
            kind_of_document_name(&n.title),
            &number,
            &n.title,
            None,
            Some(Placement { parent_id: Some(regulation.id.clone()), approver_roles: n.approver_roles }),
            now,
        )
        .await?;
        numbers.push(number);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_names_four_documents_and_the_jointly_approved_plan() {
        let text = include_str!("../../../../examples/seed-regulation.txt");
        let reg = mamori_regulation::parse(text, &mamori_regulation::Dictionaries::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let named = named_documents(&reg);
        let titles: Vec<&str> = named.iter().map(|d| d.title.as_str()).collect();
        for t in [
            "情報セキュリティ基本方針",
            "情報セキュリティ運用ルール",
            "情報セキュリティマニュアル",
            "ABS セキュリティ運用ルール",
            "事業継続計画",
        ] {
            assert!(titles.contains(&t), "{t} in {titles:?}");
        }
        assert_eq!(named.len(), 5, "{titles:?}");
        let bcp = named.iter().find(|d| d.title == "事業継続計画").unwrap_or_else(|| panic!("bcp"));
        assert_eq!(bcp.approver_roles, ["top_management", "security_manager"]);
        assert_eq!(bcp.control_id, "5.29");
        assert!(named.iter().filter(|d| d.title != "事業継続計画").all(|d| d.approver_roles.is_empty()));
    }
}
