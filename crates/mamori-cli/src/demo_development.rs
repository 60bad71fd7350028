//! The demo's outsourced development (8.30): one 委託開発 supplier with a small plan, a progress
//! report from its project manager that is behind schedule (one milestone 遅延) and an approved
//! re-subcontracting request (requested by the security manager, approved by 経営責任者), all
//! dated relative to the demo's today.

use crate::context::app_err;
use anyhow::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use mamori_app::suppliers::{self, development as dev};
use mamori_app::{Actor, registers, requests};
use mamori_store::Db;
use serde_json::{Map, Value, json};

const NAME: &str = "株式会社サンプルシステム開発";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Adds it; `admin` is 経営責任者, `kanri` the security manager.
pub async fn add(db: &Db, admin: &Actor, kanri: &Actor, today: Date, now: i64) -> Result<()> {
    let day = |n: i64| today.checked_add(n.days()).map(|d| d.to_string()).map_err(anyhow::Error::from);
    let supplier = obj(json!({
        "name": NAME, "kind": "outsourced_development", "services": "販売管理システムの開発（受託開発）",
        "information": "販売データ（テスト環境では匿名化したもの）", "criticality": "高",
        "contract": "システム開発委託契約書（著作権の帰属、検収後 1 年の保証、監査の権利を定める）",
        "contract_start": day(-90)?, "contact_name": "山田 一郎（プロジェクト責任者）",
    }));
    let x = suppliers::create(db, kanri, supplier, today, now).await.map_err(app_err)?;
    let plan = [("要件定義", -60), ("基本設計", -20), ("詳細設計", 15), ("結合テスト", 45), ("受入テスト", 75)];
    for (i, (milestone, offset)) in plan.iter().enumerate() {
        let row = obj(json!({"supplier": NAME, "milestone": milestone, "planned_on": day(*offset)?}));
        let at = now + i64::try_from(i).unwrap_or(0) + 1;
        registers::create(db, kanri, dev::PLAN, &row, None, at).await.map_err(app_err)?;
    }
    let report = dev::ReportInput {
        reported_on: day(-7)?,
        reporter: "山田 一郎（プロジェクト責任者）".into(),
        issues: "基本設計のレビュー指摘への対応に時間を要し、約 2 週間の遅れ。詳細設計と並行して挽回する計画。".into(),
        items: vec![
            ("要件定義".into(), "100".into()),
            ("基本設計".into(), "80".into()),
            ("詳細設計".into(), "10".into()),
        ],
    };
    dev::record_report(db, kanri, &x.id, report, today, now + 10).await.map_err(app_err)?;
    let fields = obj(json!({
        "supplier": NAME, "subcontractor": "有限会社テスト工房", "scope": "結合テストの一部（画面操作のテスト）",
        "information": "テスト用に匿名化したデータのみ（本番の個人情報は扱わない）",
        "security": "再委託先と秘密保持契約を締結、作業者を限定、作業端末のディスク暗号化", "from": day(30)?,
    }));
    let r = requests::create(db, kanri, dev::SUBCONTRACTING, &fields, today, now + 11).await.map_err(app_err)?;
    requests::transition(db, admin, &r.id, "approve", "", vec![], today, now + 12).await.map_err(app_err)?;
    Ok(())
}
