//! The context of the organisation (4.1–4.3) as controlled documents: the internal and
//! external issues (with the 2024 amendment's question whether climate change is a relevant
//! issue, answered yes or no with a reason), the interested parties and their requirements,
//! and the ISMS scope statement. Each is a document of the documents capability (versions,
//! approval by 経営責任者, the documents list); [`ensure_documents`] creates the missing ones
//! with a Japanese starting text as their 初版 draft, once.
//!
//! The management review reads the versions of the first two approved since the previous
//! review (9.3.2 b, c).

use crate::documents::{self, DocDetail};
use crate::{Actor, AppError};
use mamori_domain::document::DocKind;
use mamori_domain::permission::Permission;
use mamori_store::Db;
use mamori_store::rows;

/// 4.1 internal and external issues.
pub const ISSUES: &str = "ISMS-CTX-01";
/// 4.2 interested parties and their requirements.
pub const PARTIES: &str = "ISMS-CTX-02";
/// 4.3 the ISMS scope.
pub const SCOPE: &str = "ISMS-CTX-03";

/// The three documents: (number, title, starting text).
pub const DOCUMENTS: [(&str, &str, &str); 3] = [
    (ISSUES, "組織の状況（内部及び外部の課題）", ISSUES_TEXT),
    (PARTIES, "利害関係者及びその要求事項", PARTIES_TEXT),
    (SCOPE, "ISMS の適用範囲", SCOPE_TEXT),
];

const ISSUES_TEXT: &str = "\
1. 目的
本書は、JIS Q 27001:2023 箇条 4.1 に基づき、ISMS の意図した成果を達成する組織の能力に影響を与える内部及び外部の課題を定める。

2. 外部の課題
・法令・規制（個人情報保護法、取引先との契約上の要求 等）：
・市場・取引先の動向：
・サイバー攻撃の動向：
・クラウドサービス等の外部サービスへの依存：

3. 内部の課題
・組織体制・要員（人数、兼務、退職・異動）：
・情報システム・業務プロセス：
・情報セキュリティに関する教育・意識：

4. 気候変動
気候変動が関連する課題かどうか（JIS Q 27001:2023 追補 1（2024 年））：
　判断：関連する ／ 関連しない（どちらかを残す）
　理由：
（例：自然災害の激甚化によるデータセンター・事業所の被災、停電・通信障害による業務停止のリスクがあるため関連する。）

5. 見直し
本書はマネジメントレビューの前に見直し、変更があれば改訂する。
";

const PARTIES_TEXT: &str = "\
1. 目的
本書は、JIS Q 27001:2023 箇条 4.2 に基づき、ISMS に関連する利害関係者、その要求事項、及びそのうち ISMS で取り扱うものを定める。

2. 利害関係者と要求事項
| 利害関係者 | 要求事項 | ISMS で取り扱うか |
| 顧客 | 預かった情報の機密保持、契約上のセキュリティ要求 | 取り扱う |
| 従業員 | 個人情報の適切な取扱い | 取り扱う |
| 取引先・委託先 | 秘密保持契約の遵守 | 取り扱う |
| 株主・経営者 | 事業継続、信用の維持 | 取り扱う |
| 監督官庁 | 法令・規制の遵守 | 取り扱う |
| 気候変動に関する要求（顧客・社会） | （該当する場合に記載） | |

3. 見直し
本書はマネジメントレビューの前に見直し、変更があれば改訂する。
";

const SCOPE_TEXT: &str = "\
1. 目的
本書は、JIS Q 27001:2023 箇条 4.3 に基づき、ISMS の適用範囲を定める。

2. 適用範囲
・組織：
・事業・業務：
・所在地（拠点）：
・情報資産・情報システム：

3. 適用除外とその理由

4. 考慮した事項
・4.1 の課題、4.2 の要求事項
・組織が実施する活動と他の組織が実施する活動との間のインタフェース及び依存関係
";

/// Creates the context documents the organisation does not have yet (by number or title),
/// each with its starting text as the 初版 draft, in one transaction. Returns how many were
/// created (0 when all exist).
pub async fn ensure_documents(db: &Db, actor: &Actor, now: i64) -> Result<usize, AppError> {
    actor.require(Permission::DocumentsEdit)?;
    let mut tx = db.begin().await?;
    tx.lock_org(&actor.org_id).await?;
    let existing = rows::list_documents(&mut tx.ex(), &actor.org_id).await?;
    let mut created = 0;
    for (number, title, body) in DOCUMENTS {
        if existing.iter().any(|d| d.doc_number == number || d.title == title) {
            continue;
        }
        let doc = documents::insert_document(&mut tx, actor, DocKind::Policy, number, title, None, now).await?;
        documents::write_draft(&mut tx, actor, &doc, body, "制定", now).await?;
        created += 1;
    }
    tx.commit().await?;
    Ok(created)
}

/// The context documents that exist, in the order of [`DOCUMENTS`].
pub async fn documents(db: &Db, actor: &Actor) -> Result<Vec<DocDetail>, AppError> {
    let all = documents::list(db, actor).await?;
    Ok(DOCUMENTS.iter().filter_map(|(n, _, _)| all.iter().find(|d| d.doc.doc_number == *n).cloned()).collect())
}
