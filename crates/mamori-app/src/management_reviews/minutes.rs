//! The management review's minutes (議事録) as a document — the inputs of 9.3.2 under their
//! Japanese captions, the decisions and actions of 9.3.3, the approval — and editing the
//! inputs as lines of text, each line keeping the source record it came from.

use super::{Inputs, Item, ItemSource, get};
use crate::export::{Cell, Table};
use crate::{Actor, AppError};
use mamori_store::Db;
use mamori_store::rows;

/// The inputs in the order of 9.3.2, with their Japanese captions.
pub const CAPTIONS: [(&str, &str); 10] = [
    ("a", "a) 前回までのマネジメントレビューの結果とった処置の状況"),
    ("b", "b) ISMS に関連する外部及び内部の課題の変化"),
    ("c", "c) 利害関係者のニーズ及び期待の変化"),
    ("d1", "d1) 不適合及び是正処置"),
    ("d2", "d2) 監視及び測定の結果"),
    ("d3", "d3) 監査結果"),
    ("d4", "d4) 情報セキュリティ目的の達成"),
    ("e", "e) 利害関係者からのフィードバック"),
    ("f", "f) リスクアセスメントの結果及びリスク対応計画の状況"),
    ("g", "g) 継続的改善の機会"),
];

/// The items of one input.
pub fn items<'a>(i: &'a Inputs, letter: &str) -> &'a [Item] {
    match letter {
        "a" => &i.a,
        "b" => &i.b,
        "c" => &i.c,
        "d1" => &i.d1,
        "d2" => &i.d2,
        "d3" => &i.d3,
        "d4" => &i.d4,
        "e" => &i.e,
        "f" => &i.f,
        _ => &i.g,
    }
}

fn items_mut<'a>(i: &'a mut Inputs, letter: &str) -> &'a mut Vec<Item> {
    match letter {
        "a" => &mut i.a,
        "b" => &mut i.b,
        "c" => &mut i.c,
        "d1" => &mut i.d1,
        "d2" => &mut i.d2,
        "d3" => &mut i.d3,
        "d4" => &mut i.d4,
        "e" => &mut i.e,
        "f" => &mut i.f,
        _ => &mut i.g,
    }
}

/// The inputs after editing each one as text (one item per non-blank line): a line equal to an
/// item of `before` keeps that item's source; a new line is `manual`.
pub fn from_lines(before: &Inputs, texts: &[(&str, &str)]) -> Inputs {
    let mut out = before.clone();
    for (letter, text) in texts {
        let old = items(before, letter);
        let new: Vec<Item> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                old.iter().find(|x| x.text == l).cloned().unwrap_or_else(|| Item {
                    text: l.to_string(),
                    source: ItemSource { kind: "manual".into(), id: None },
                })
            })
            .collect();
        *items_mut(&mut out, letter) = new;
    }
    out
}

/// The minutes of review `id` as a table: (区分, 項目, 内容).
pub async fn minutes_table(db: &Db, actor: &Actor, id: &str) -> Result<Table, AppError> {
    let r = get(db, actor, id).await?;
    let users = {
        let mut c = db.conn().await?;
        rows::list_users(&mut c.ex(), &actor.org_id).await?
    };
    let name = |id: &str| users.iter().find(|u| u.id == id).map(|u| u.display_name.clone()).unwrap_or_default();
    let t = |s: &str| Cell::Text(s.to_string());
    let created_by = {
        let mut c = db.conn().await?;
        rows::management_review(&mut c.ex(), &actor.org_id, id).await?.map(|x| x.created_by).unwrap_or_default()
    };
    let mut out = vec![
        vec![t("開催"), t("開催日"), Cell::Date(r.held_on.clone())],
        vec![t("開催"), t("作成者"), t(&name(&created_by))],
    ];
    for (letter, caption) in CAPTIONS {
        let list = items(&r.inputs, letter);
        let text = if list.is_empty() {
            "特になし".to_string()
        } else {
            list.iter().map(|x| format!("・{}", x.text)).collect::<Vec<_>>().join("\n")
        };
        out.push(vec![t("インプット"), t(caption), t(&text)]);
    }
    for d in &r.outputs.decisions {
        out.push(vec![t("アウトプット"), t("決定事項"), t(d)]);
    }
    for a in &r.outputs.actions {
        out.push(vec![
            t("アウトプット"),
            t("処置"),
            t(&format!("{}（担当: {}、期限: {}）", a.text, name(&a.owner_id), a.due)),
        ]);
    }
    let approval = match (&r.approved_by, r.approved_at) {
        (Some(by), Some(at)) => format!("{}（{}）", name(by), crate::tokyo_datetime(at)),
        _ => "（未承認）".to_string(),
    };
    out.push(vec![t("承認"), t("経営責任者"), t(&approval)]);
    Ok(Table {
        sheet: "マネジメントレビュー議事録".into(),
        title: format!("マネジメントレビュー議事録 第 {} 回（{}）", r.number, r.held_on),
        doc_number: format!("MR-{:04}", r.number),
        edition: if r.state == "approved" { "初版".into() } else { "初版（案）".into() },
        label: "社外秘".into(),
        columns: vec![("区分".into(), 12.0), ("項目".into(), 34.0), ("内容".into(), 70.0)],
        rows: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, kind: &str) -> Item {
        Item { text: text.into(), source: ItemSource { kind: kind.into(), id: Some("x".into()) } }
    }

    #[test]
    fn edited_lines_keep_their_sources_and_new_lines_are_manual() {
        let before =
            Inputs { d1: vec![item("NC-0001 記録なし（完了）", "nonconformity")], ..Inputs::default() };
        let after = from_lines(&before, &[("d1", "NC-0001 記録なし（完了）\n\n  顧客から指摘 \n"), ("e", "")]);
        assert_eq!(after.d1.len(), 2);
        assert_eq!(after.d1[0].source.kind, "nonconformity");
        assert_eq!((after.d1[1].text.as_str(), after.d1[1].source.kind.as_str()), ("顧客から指摘", "manual"));
        assert!(after.e.is_empty());
        let cleared = from_lines(&before, &[("d1", " \n")]);
        assert!(cleared.d1.is_empty(), "an input emptied is empty");
    }
}
