//! The audit log as a file for people (issue 15, item 6): CSV (UTF-8 with BOM) or xlsx, in the
//! reader's language — Japanese column titles, people by name, JST, each action and record in
//! words —, narrowed by the log's filter, with the chain's verification and the latest signed
//! checkpoint below the rows. The page's export links and `mamori audit export` both use it.

use super::describe::{Vocabulary, describe};
use super::pages::{checkpoint_summary, problem};
use crate::i18n::Tr;
use crate::tokyo_time;
use mamori_app::audit::{self, AuditFilter};
use mamori_app::export::{Cell, csv_sections, xlsx_sections};
use mamori_app::{Actor, AppError, Db};

/// The formats of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, UTF-8 with BOM.
    Csv,
    /// Excel workbook.
    Xlsx,
}

impl Format {
    /// `csv` or `xlsx`; anything else is refused.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// What the export says about where it came from.
pub struct Source<'a> {
    /// The organisation's name.
    pub org_name: &'a str,
    /// The trust anchor (signing key and heads file) of the installation.
    pub anchor: &'a audit::Anchor,
    /// When it is made.
    pub now: i64,
    /// The period as the reader gave it (`from`, `to`), shown in the header when set.
    pub period: (Option<String>, Option<String>),
}

/// The export's bytes and the number of rows in it.
pub async fn export(
    db: &Db,
    actor: &Actor,
    t: &Tr,
    f: &AuditFilter,
    format: Format,
    src: &Source<'_>,
) -> Result<(Vec<u8>, usize), AppError> {
    let rows = audit::export_rows(db, actor, f).await?;
    let verified = audit::verify_org_with(db, &actor.org_id, audit::Trust::Anchored(src.anchor)).await?;
    let latest = audit::latest_checkpoint(db, actor, src.anchor.public_key).await?;
    let mut header =
        vec![t.t1("audit-export-title", "org", src.org_name), t.t1("audit-export-at", "date", &tokyo_time(src.now))];
    if src.period.0.is_some() || src.period.1.is_some() {
        header.push(t.ta(
            "audit-export-period",
            &[("from", src.period.0.as_deref().unwrap_or("")), ("to", src.period.1.as_deref().unwrap_or(""))],
        ));
    }
    let columns: Vec<(String, f64)> = [
        ("audit-seq", 8.0),
        ("audit-at", 20.0),
        ("audit-actor", 16.0),
        ("audit-action", 14.0),
        ("audit-object", 36.0),
        ("audit-detail", 60.0),
    ]
    .iter()
    .map(|(k, w)| (t.t(k), *w))
    .collect();
    let words = Vocabulary::new(t, audit::vocabulary(db, actor).await?);
    let count = rows.len();
    let body: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let d = describe(t, &words, &r);
            vec![r.seq.to_string(), tokyo_time(r.at_ms), d.actor, d.action, d.object, d.detail]
        })
        .collect();
    let mut footer = vec![match verified {
        Ok(n) => t.tn("audit-chain-ok", "count", i64::try_from(n).unwrap_or(i64::MAX)),
        Err(e) => t.t1("audit-chain-broken", "detail", &problem(t, &e)),
    }];
    match latest {
        Some((cp, result)) => {
            footer.push(t.t1("audit-export-checkpoint", "detail", &checkpoint_summary(t, &cp)));
            footer.push(match result {
                Ok(()) => t.t("audit-checkpoint-valid"),
                Err(e) => t.t1("audit-checkpoint-invalid", "detail", &problem(t, &e)),
            });
        }
        None => footer.push(t.t("audit-checkpoint-none")),
    }
    let bytes = match format {
        Format::Csv => csv_sections(&header, &columns.iter().map(|c| c.0.clone()).collect::<Vec<_>>(), body, &footer),
        Format::Xlsx => {
            let cells: Vec<Vec<Cell>> = body.into_iter().map(|r| r.into_iter().map(Cell::Text).collect()).collect();
            let title = t.t("audit-title");
            let page_header = format!("&C{}&R{}", title, t.t("label-confidential"));
            xlsx_sections(&title, &page_header, &header, &columns, &cells, &footer)
                .map_err(|e| AppError::Internal(e.to_string()))?
        }
    };
    Ok((bytes, count))
}
