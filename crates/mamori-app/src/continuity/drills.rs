//! Drills and tests of the plan (5.29 V.–VII., 5.30, 8.13's restore test, 8.14's tethering
//! test) as rows of the register `continuity_tests`: what was drilled or tested, the medium a
//! restore came from, how long recovery took against its target, the problems found. A
//! problem found opens a corrective action (source 訓練・試験, 5.29 VII.: 「是正すべき点は、
//! 【是正処置報告書】にて改善する」), once per record.

use crate::nonconformities::{self, NewNonconformity, NonconformityView};
use crate::{Actor, AppError, registers};
use jiff::civil::Date;
use mamori_domain::bcp::{Verdict, verdict};
use mamori_domain::nonconformity::Source;
use mamori_store::Db;
use mamori_store::rows;
use serde_json::{Map, Value};

/// The drills' and tests' register.
pub const REGISTER: &str = mamori_domain::bcp::DRILLS_REGISTER;

/// One drill or test.
#[derive(Debug, Clone)]
pub struct TestRecord {
    /// The register row.
    pub id: String,
    /// 訓練・試験の内容.
    pub subject: String,
    /// 実施日.
    pub tested_on: String,
    /// 種類.
    pub kind: String,
    /// The medium restored from, by its name in 媒体管理台帳.
    pub medium: String,
    /// 目標復旧時間（分）.
    pub target_minutes: Option<i64>,
    /// 実際の所要時間（分）.
    pub actual_minutes: Option<i64>,
    /// Against the target.
    pub verdict: Verdict,
    /// 結果.
    pub result: String,
    /// 発見した問題.
    pub problems: String,
    /// The corrective action opened for it: (id, NC-number).
    pub corrective: Option<(String, String)>,
}

/// The drills and tests the reader may see.
#[derive(Debug, Clone, Default)]
pub struct Tests {
    /// Newest first.
    pub records: Vec<TestRecord>,
    /// Whether the reader may read the register at all.
    pub may_read: bool,
    /// Whether the reader may record one.
    pub may_record: bool,
    /// Whether the reader may open a corrective action (経営責任者, 情報セキュリティ管理者).
    pub may_raise: bool,
}

fn s(v: &Map<String, Value>, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn n(v: &Map<String, Value>, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

/// The drills and tests the actor may read (none, `may_read` false, outside the register's
/// view roles), newest first, with the corrective action each opened.
pub async fn list(db: &Db, actor: &Actor) -> Result<Tests, AppError> {
    let def = match registers::definition(db, actor, REGISTER).await {
        Ok(d) => d,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(Tests::default()),
        Err(e) => return Err(e),
    };
    let mut c = db.conn().await?;
    let org = actor.org_id.as_str();
    let visible = |r: &rows::RegisterRowRow| {
        registers::access::row_visible(actor, &r.label, &registers::access::restriction(&r.restricted_to))
    };
    let list = rows::register_rows_all(&mut c.ex(), org, REGISTER, false).await?;
    // A medium is named by its first field when the reader may read 媒体管理台帳.
    let media: Vec<(String, String)> = match registers::definition(db, actor, "media_ledger").await {
        Ok(_) => rows::register_rows_all(&mut c.ex(), org, "media_ledger", false)
            .await?
            .into_iter()
            .filter(|r| visible(r))
            .filter_map(|r| {
                let v = serde_json::from_str::<Map<String, Value>>(&r.values_json).ok()?;
                let first = v.get("media_id").or_else(|| v.values().next()).and_then(Value::as_str)?.to_string();
                Some((r.id, first))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let raised = rows::nonconformities(&mut c.ex(), org).await?;
    let mut records: Vec<TestRecord> = list
        .into_iter()
        .filter(|r| visible(r))
        .filter_map(|r| {
            let v = serde_json::from_str::<Map<String, Value>>(&r.values_json).ok()?;
            let medium = s(&v, "medium");
            let medium = media.iter().find(|(id, _)| *id == medium).map(|(_, name)| name.clone()).unwrap_or(medium);
            let corrective = raised
                .iter()
                .find(|x| x.source == Source::ContinuityTest.key() && x.source_ref.as_deref() == Some(r.id.as_str()))
                .map(|x| (x.id.clone(), nonconformities::number_label(x.number)));
            Some(TestRecord {
                subject: s(&v, "subject"),
                tested_on: s(&v, "tested_on"),
                kind: s(&v, "kind"),
                medium,
                target_minutes: n(&v, "target_minutes"),
                actual_minutes: n(&v, "actual_minutes"),
                verdict: verdict(n(&v, "target_minutes"), n(&v, "actual_minutes")),
                result: s(&v, "result"),
                problems: s(&v, "problems"),
                corrective,
                id: r.id,
            })
        })
        .collect();
    records.sort_by(|a, b| b.tested_on.cmp(&a.tested_on).then_with(|| a.subject.cmp(&b.subject)));
    Ok(Tests {
        records,
        may_read: true,
        may_record: registers::access::may_edit(actor, &def),
        may_raise: nonconformities::is_manager(actor),
    })
}

/// The control a test's corrective action names: the restore test 8.13, the tethering test
/// 8.14, an ICT test 5.30, anything else 5.29.
fn control_of(kind: &str) -> &'static str {
    if kind.contains("復元") {
        "8.13"
    } else if kind.contains("テザリング") || kind.contains("代替回線") {
        "8.14"
    } else if kind.contains("ICT") {
        "5.30"
    } else {
        "5.29"
    }
}

/// Opens the corrective action for the problems a drill or test found (経営責任者 and
/// 情報セキュリティ管理者): its text names the test and quotes the problems; refused when the
/// record names no problem, and a conflict when one was already opened for it.
pub async fn raise_corrective(
    db: &Db,
    actor: &Actor,
    row_id: &str,
    owner_id: &str,
    due: Date,
    now: i64,
) -> Result<NonconformityView, AppError> {
    if !nonconformities::is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    if due < crate::tokyo_date(now) {
        return Err(AppError::Validation(vec![("due".to_string(), "bcp-due-past".to_string())]));
    }
    let row = registers::get(db, actor, REGISTER, row_id).await?;
    if row.deleted {
        return Err(AppError::NotFound);
    }
    let problems = s(&row.values, "problems");
    if problems.is_empty() {
        return Err(AppError::Validation(vec![("problems".to_string(), "bcp-no-problems".to_string())]));
    }
    {
        let mut c = db.conn().await?;
        let raised = rows::nonconformities(&mut c.ex(), &actor.org_id).await?;
        if raised.iter().any(|x| x.source == Source::ContinuityTest.key() && x.source_ref.as_deref() == Some(row_id)) {
            return Err(AppError::Conflict);
        }
    }
    let text = format!(
        "訓練・試験「{}」（{}）で発見した問題: {}",
        s(&row.values, "subject"),
        s(&row.values, "tested_on"),
        problems
    );
    nonconformities::raise(
        db,
        actor,
        NewNonconformity {
            source: Source::ContinuityTest,
            source_ref: Some(row_id.to_string()),
            control_id: Some(control_of(&s(&row.values, "kind")).to_string()),
            text,
            owner_id: owner_id.to_string(),
            due,
        },
        now,
    )
    .await
}

#[cfg(test)]
mod unit {
    use super::control_of;

    #[test]
    fn a_test_names_the_control_it_proves() {
        assert_eq!(control_of("バックアップからの復元テスト"), "8.13");
        assert_eq!(control_of("代替回線（テザリング）の試験"), "8.14");
        assert_eq!(control_of("ICT 設備の稼働試験"), "5.30");
        assert_eq!(control_of("机上訓練"), "5.29");
    }
}
