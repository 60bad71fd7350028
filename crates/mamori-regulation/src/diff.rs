//! What changed between two versions of a regulation, control by control: shown before a
//! re-imported regulation is approved.

use crate::parse::{Control, Regulation};
use serde::Serialize;

/// Changes to one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlChange {
    /// Annex A id.
    pub id: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// Title (new, or old when removed).
    pub title: String,
    /// Applicability before → after, when it changed.
    pub applicability: Option<(bool, bool)>,
    /// Procedure items only in the new version.
    pub procedure_added: Vec<String>,
    /// Procedure items only in the old version.
    pub procedure_removed: Vec<String>,
    /// Records only in the new version.
    pub records_added: Vec<String>,
    /// Records only in the old version.
    pub records_removed: Vec<String>,
    /// Intervals (frequency: what) only in the new version.
    pub intervals_added: Vec<String>,
    /// Intervals only in the old version.
    pub intervals_removed: Vec<String>,
}

fn item(p: &crate::parse::ProcedureItem) -> String {
    match &p.label {
        Some(l) => format!("{l} {}", p.text),
        None => p.text.clone(),
    }
}

fn only_in<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn intervals(c: &Control) -> Vec<String> {
    c.recurring.iter().map(|r| format!("{}: {}", r.frequency, r.source_text)).collect()
}

fn compare(old: &Control, new: &Control) -> Option<ControlChange> {
    let (po, pn): (Vec<String>, Vec<String>) =
        (old.procedure.iter().map(item).collect(), new.procedure.iter().map(item).collect());
    let change = ControlChange {
        id: new.id.clone(),
        kind: "changed",
        title: new.title.clone(),
        applicability: (old.applicable != new.applicable).then_some((old.applicable, new.applicable)),
        procedure_added: only_in(&pn, &po),
        procedure_removed: only_in(&po, &pn),
        records_added: only_in(&new.records, &old.records),
        records_removed: only_in(&old.records, &new.records),
        intervals_added: only_in(&intervals(new), &intervals(old)),
        intervals_removed: only_in(&intervals(old), &intervals(new)),
    };
    let changed = change.applicability.is_some()
        || !change.procedure_added.is_empty()
        || !change.procedure_removed.is_empty()
        || !change.records_added.is_empty()
        || !change.records_removed.is_empty()
        || !change.intervals_added.is_empty()
        || !change.intervals_removed.is_empty()
        || old.title != new.title;
    changed.then_some(change)
}

fn whole(c: &Control, kind: &'static str) -> ControlChange {
    let all: Vec<String> = c.procedure.iter().map(item).collect();
    let (added, removed) = if kind == "added" { (all, vec![]) } else { (vec![], all) };
    let (ra, rr) = if kind == "added" { (c.records.clone(), vec![]) } else { (vec![], c.records.clone()) };
    let (ia, ir) = if kind == "added" { (intervals(c), vec![]) } else { (vec![], intervals(c)) };
    ControlChange {
        id: c.id.clone(),
        kind,
        title: c.title.clone(),
        applicability: None,
        procedure_added: added,
        procedure_removed: removed,
        records_added: ra,
        records_removed: rr,
        intervals_added: ia,
        intervals_removed: ir,
    }
}

/// Controls that differ between `old` and `new`, in catalogue order.
pub fn diff(old: &[Control], new: &[Control]) -> Vec<ControlChange> {
    let mut out = Vec::new();
    for c in crate::catalogue::controls() {
        match (old.iter().find(|x| x.id == c.id), new.iter().find(|x| x.id == c.id)) {
            (Some(o), Some(n)) => out.extend(compare(o, n)),
            (None, Some(n)) => out.push(whole(n, "added")),
            (Some(o), None) => out.push(whole(o, "removed")),
            (None, None) => {}
        }
    }
    out
}

/// [`diff`] of two parsed regulations.
pub fn diff_regulations(old: &Regulation, new: &Regulation) -> Vec<ControlChange> {
    diff(&old.controls, &new.controls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_default;

    const A: &str = "管理策 5.1 方針\n方針を定める。\n手順\n(1) 経営責任者は 1 回/年見直す。\n(2) 【方針書】を保管する。\n管理策 5.2 役割\n役割を定める。\n手順\n(1) 役割を決める。\n";
    const B: &str = "管理策 5.1 方針\n方針を定める。\n手順\n(1) 経営責任者は 1 回/月見直す。\n(2) 【方針書】を保管する。\n(3) 【周知記録】を残す。\n管理策 5.3 分離 対象外\n分離する。\n手順\n(1) 小規模のため対象外。\n";

    #[test]
    fn reports_added_removed_and_changed_controls() {
        let d = diff_regulations(&parse_default(A).unwrap(), &parse_default(B).unwrap());
        let kinds: Vec<(&str, &str)> = d.iter().map(|c| (c.id.as_str(), c.kind)).collect();
        assert_eq!(kinds, [("5.1", "changed"), ("5.2", "removed"), ("5.3", "added")]);
        let c = &d[0];
        assert_eq!(c.records_added, ["周知記録"]);
        assert_eq!(c.procedure_added, ["(1) 経営責任者は 1 回/月見直す。", "(3) 【周知記録】を残す。"]);
        assert_eq!(c.procedure_removed, ["(1) 経営責任者は 1 回/年見直す。"]);
        assert_eq!(c.intervals_added.len(), 1);
        assert!(c.intervals_added[0].starts_with("monthly"));
        assert!(c.intervals_removed[0].starts_with("annual"));
    }

    #[test]
    fn identical_regulations_have_no_changes() {
        let a = parse_default(A).unwrap();
        assert!(diff_regulations(&a, &a).is_empty());
    }
}
