//! The business-continuity plan (事業継続計画, 5.29) as data: its parts — scope, the 対策本部's
//! setting-up rule and place, the risks it answers, the 対策本部's members and deputies, the
//! contact tree, the business functions with their priority and recovery time target, the
//! recovery procedures and the fallback channels (災害用伝言ダイヤル 171, 災害用伝言板 web171).
//!
//! The plan is the content (`body`) of the BCP's controlled-document versions, as JSON marked
//! with [`FORMAT`], so it is drafted, approved jointly and superseded like every document.
//!
//! Rules:
//! - every text is capped ([`MAX_SHORT`], [`MAX_LONG`]) and every list holds at most
//!   [`MAX_ROWS`] entries; a form row left empty is dropped, a row partly filled must name
//!   its subject (the member's post, the function's name …);
//! - a function's priority is 1–9 and its recovery time target 1–8,760 hours;
//! - a plan needs a scope, at least one 対策本部 member with a name and one fallback channel;
//! - a drill or test meets its target when the recovery took no longer than the target
//!   ([`verdict`]).
//!
//! Pure: no IO.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The register of the plan's drills and tests (事業継続の訓練・試験記録).
pub const DRILLS_REGISTER: &str = "continuity_tests";

/// The marker of a plan stored as a document body.
pub const FORMAT: &str = "mamori-bcp/1";
/// The longest one-line text.
pub const MAX_SHORT: usize = 200;
/// The longest multi-line text.
pub const MAX_LONG: usize = 4000;
/// The most entries of one list.
pub const MAX_ROWS: usize = 30;
/// The longest recovery time target (a year).
pub const MAX_RTO_HOURS: i64 = 8760;

/// A business-continuity plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// [`FORMAT`].
    pub format: String,
    /// 適用範囲と目的.
    #[serde(default)]
    pub scope: String,
    /// 対策本部の設置基準.
    #[serde(default)]
    pub activation: String,
    /// 対策本部の設置場所.
    #[serde(default)]
    pub location: String,
    /// リスクの特定.
    #[serde(default)]
    pub risks: Vec<Risk>,
    /// 対策本部の構成.
    #[serde(default)]
    pub headquarters: Vec<Member>,
    /// 緊急連絡網.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// 重要業務と目標復旧時間.
    #[serde(default)]
    pub functions: Vec<Function>,
    /// 復旧手順.
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    /// 代替の連絡手段.
    #[serde(default)]
    pub fallbacks: Vec<Fallback>,
}

/// A risk the plan answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// 緊急事態（原因事象）.
    pub event: String,
    /// リスク（結果事象）.
    #[serde(default)]
    pub consequence: String,
}

/// A member of the 対策本部.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// 役割 (本部長, 本部員 …).
    pub post: String,
    /// The role key whose holder the starter names (not shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// 氏名.
    #[serde(default)]
    pub name: String,
    /// 代行者.
    #[serde(default)]
    pub deputy: String,
    /// 連絡先.
    #[serde(default)]
    pub contact: String,
    /// 担当.
    #[serde(default)]
    pub duties: String,
}

/// A link of the contact tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// 連絡元.
    pub from: String,
    /// 連絡先.
    #[serde(default)]
    pub to: String,
    /// 手段.
    #[serde(default)]
    pub means: String,
}

/// A business function to continue or recover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// 重要業務.
    pub name: String,
    /// 優先順位 (1 first).
    #[serde(default)]
    pub priority: Option<i64>,
    /// 目標復旧時間（時間）.
    #[serde(default)]
    pub rto_hours: Option<i64>,
    /// 継続・代替の方法.
    #[serde(default)]
    pub how: String,
}

/// A recovery procedure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// 段階 (初動対応 …).
    pub phase: String,
    /// Its steps, one per line.
    #[serde(default)]
    pub steps: String,
}

/// A fallback channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallback {
    /// 名称.
    pub name: String,
    /// 使い方.
    #[serde(default)]
    pub how: String,
}

/// A list of the plan: its form prefix and its columns (form name, whether multi-line).
pub struct Section {
    /// Form prefix (`headquarters` → `headquarters.0.post`).
    pub key: &'static str,
    /// Columns: (key, multi-line). The first names the row.
    pub columns: &'static [(&'static str, bool)],
}

/// The plan's lists, in the order the plan is printed.
pub const SECTIONS: [Section; 6] = [
    Section { key: "risks", columns: &[("event", false), ("consequence", true)] },
    Section {
        key: "headquarters",
        columns: &[("post", false), ("name", false), ("deputy", false), ("contact", false), ("duties", true)],
    },
    Section { key: "contacts", columns: &[("from", false), ("to", false), ("means", false)] },
    Section { key: "functions", columns: &[("name", false), ("priority", false), ("rto_hours", false), ("how", true)] },
    Section { key: "procedures", columns: &[("phase", false), ("steps", true)] },
    Section { key: "fallbacks", columns: &[("name", false), ("how", true)] },
];

/// The one-value parts: (key, multi-line).
pub const TEXTS: [(&str, bool); 3] = [("scope", true), ("activation", true), ("location", true)];

static STARTER: LazyLock<Plan> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/bcp_starter.json"))
        .unwrap_or_else(|_| Plan { format: FORMAT.into(), ..Plan::default() })
});

/// The starting plan (`data/bcp_starter.json`): the parts a small company's plan has, with
/// the 対策本部 members to be named after the holders of their roles.
pub fn starter() -> Plan {
    STARTER.clone()
}

/// A problem: (form field, i18n message key).
pub type Problem = (String, String);

impl Plan {
    /// Reads a stored document body; `None` when it is not a plan (plain text, a file).
    pub fn from_body(body: &str) -> Option<Plan> {
        let t = body.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        serde_json::from_str::<Plan>(t).ok().filter(|p| p.format == FORMAT)
    }

    /// The plan as a document body.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// One value of a row of a list, as the form shows it.
    pub fn cell(&self, section: &str, i: usize, column: &str) -> String {
        let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let s = match (section, column) {
            ("risks", c) => {
                self.risks.get(i).map(|r| if c == "event" { r.event.clone() } else { r.consequence.clone() })
            }
            ("headquarters", c) => self.headquarters.get(i).map(|m| match c {
                "post" => m.post.clone(),
                "name" => m.name.clone(),
                "deputy" => m.deputy.clone(),
                "contact" => m.contact.clone(),
                _ => m.duties.clone(),
            }),
            ("contacts", c) => self.contacts.get(i).map(|x| match c {
                "from" => x.from.clone(),
                "to" => x.to.clone(),
                _ => x.means.clone(),
            }),
            ("functions", c) => self.functions.get(i).map(|f| match c {
                "name" => f.name.clone(),
                "priority" => n(f.priority),
                "rto_hours" => n(f.rto_hours),
                _ => f.how.clone(),
            }),
            ("procedures", c) => {
                self.procedures.get(i).map(|p| if c == "phase" { p.phase.clone() } else { p.steps.clone() })
            }
            ("fallbacks", c) => self.fallbacks.get(i).map(|f| if c == "name" { f.name.clone() } else { f.how.clone() }),
            _ => None,
        };
        s.unwrap_or_default()
    }

    /// The number of rows of a list.
    pub fn rows(&self, section: &str) -> usize {
        match section {
            "risks" => self.risks.len(),
            "headquarters" => self.headquarters.len(),
            "contacts" => self.contacts.len(),
            "functions" => self.functions.len(),
            "procedures" => self.procedures.len(),
            "fallbacks" => self.fallbacks.len(),
            _ => 0,
        }
    }

    /// A one-value part.
    pub fn text(&self, key: &str) -> &str {
        match key {
            "scope" => &self.scope,
            "activation" => &self.activation,
            _ => &self.location,
        }
    }
}

fn cap(problems: &mut Vec<Problem>, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        problems.push((field.to_string(), "field-too-long".to_string()));
    }
}

/// Reads a plan from form fields (`scope`, `headquarters.0.post` …) through `get`, keeping the
/// roles the previous plan gave its members; every problem is collected with its field (a
/// number that is not one, then everything [`check`] finds; none when the plan may be saved).
/// Empty rows are dropped; the plan comes back as typed either way, for the form, with what
/// was typed in a number field that is not a number (by the field's name in the plan).
pub fn from_form<'a>(get: impl Fn(&str) -> Option<&'a str>, previous: &Plan) -> FormRead {
    let mut problems = Vec::new();
    let mut typed = Vec::new();
    let text = |k: &str| get(k).unwrap_or("").trim().replace("\r\n", "\n");
    let mut p = Plan { format: FORMAT.into(), ..Plan::default() };
    p.scope = text("scope");
    p.activation = text("activation");
    p.location = text("location");
    for s in &SECTIONS {
        for i in 0..=MAX_ROWS * 2 {
            let name = |c: &str| format!("{}.{i}.{c}", s.key);
            let vals: Vec<String> = s.columns.iter().map(|(c, _)| text(&name(c))).collect();
            if vals.iter().all(String::is_empty) {
                continue;
            }
            let v = |c: &str| s.columns.iter().position(|(k, _)| *k == c).map(|j| vals[j].clone()).unwrap_or_default();
            match s.key {
                "risks" => p.risks.push(Risk { event: v("event"), consequence: v("consequence") }),
                "headquarters" => {
                    let role = previous.headquarters.iter().find(|m| m.post == v("post")).and_then(|m| m.role.clone());
                    p.headquarters.push(Member {
                        post: v("post"),
                        role,
                        name: v("name"),
                        deputy: v("deputy"),
                        contact: v("contact"),
                        duties: v("duties"),
                    });
                }
                "contacts" => p.contacts.push(Contact { from: v("from"), to: v("to"), means: v("means") }),
                "functions" => {
                    // Problems name the row as the plan numbers it (empty rows dropped).
                    let at = |c: &str| format!("functions.{}.{c}", p.functions.len());
                    let priority = int(&mut problems, &mut typed, &at("priority"), &v("priority"));
                    let rto_hours = int(&mut problems, &mut typed, &at("rto_hours"), &v("rto_hours"));
                    p.functions.push(Function { name: v("name"), priority, rto_hours, how: v("how") });
                }
                "procedures" => p.procedures.push(Procedure { phase: v("phase"), steps: v("steps") }),
                _ => p.fallbacks.push(Fallback { name: v("name"), how: v("how") }),
            }
        }
    }
    problems.extend(check(&p));
    FormRead { plan: p, problems, typed }
}

/// A plan read from a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRead {
    /// The plan as typed (empty rows dropped).
    pub plan: Plan,
    /// Every problem, at its field; none when the plan may be saved.
    pub problems: Vec<Problem>,
    /// (field, text) typed in a number field that is not a number, to show it again.
    pub typed: Vec<(String, String)>,
}

fn int(problems: &mut Vec<Problem>, typed: &mut Vec<(String, String)>, field: &str, v: &str) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    // Full-width digits typed with a Japanese IME count as digits.
    let ascii: String = v
        .chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c) } else { c })
        .collect();
    match ascii.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push((field.to_string(), "field-not-integer".to_string()));
            typed.push((field.to_string(), v.to_string()));
            None
        }
    }
}

/// Every problem of a plan (from the form or the API), each at its field: texts over their
/// cap, lists over [`MAX_ROWS`], a row without its subject, a priority outside 1–9 or a
/// target outside 1–[`MAX_RTO_HOURS`], then what [`missing`] finds.
pub fn check(p: &Plan) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (k, _) in TEXTS {
        cap(&mut problems, k, p.text(k), MAX_LONG);
    }
    for s in &SECTIONS {
        let n = p.rows(s.key);
        if n > MAX_ROWS {
            problems.push((format!("{}.{MAX_ROWS}.{}", s.key, s.columns[0].0), "bcp-too-many-rows".to_string()));
        }
        for i in 0..n.min(MAX_ROWS) {
            let name = |c: &str| format!("{}.{i}.{c}", s.key);
            for (c, multi) in s.columns {
                cap(&mut problems, &name(c), &p.cell(s.key, i, c), if *multi { MAX_LONG } else { MAX_SHORT });
            }
            if p.cell(s.key, i, s.columns[0].0).trim().is_empty() {
                problems.push((name(s.columns[0].0), "field-required".to_string()));
            }
        }
    }
    for (i, f) in p.functions.iter().enumerate().take(MAX_ROWS) {
        if f.priority.is_some_and(|v| !(1..=9).contains(&v)) {
            problems.push((format!("functions.{i}.priority"), "bcp-priority-range".to_string()));
        }
        if f.rto_hours.is_some_and(|v| !(1..=MAX_RTO_HOURS).contains(&v)) {
            problems.push((format!("functions.{i}.rto_hours"), "bcp-rto-range".to_string()));
        }
    }
    problems.extend(missing(p));
    problems
}

/// What a plan must have before it is saved: a scope, a named 対策本部 member, a fallback channel.
pub fn missing(p: &Plan) -> Vec<Problem> {
    let mut out = Vec::new();
    if p.scope.trim().is_empty() {
        out.push(("scope".to_string(), "field-required".to_string()));
    }
    if !p.headquarters.iter().any(|m| !m.name.trim().is_empty()) {
        out.push(("headquarters.0.name".to_string(), "bcp-member-required".to_string()));
    }
    if p.fallbacks.is_empty() {
        out.push(("fallbacks.0.name".to_string(), "bcp-fallback-required".to_string()));
    }
    out
}

/// The starter with each member whose post has a role named after its holders (`names`: role
/// key → the names of the people holding it, joined by 「、」 when several).
pub fn starter_for(names: impl Fn(&str) -> Vec<String>) -> Plan {
    let mut p = starter();
    for m in &mut p.headquarters {
        if let Some(r) = &m.role {
            m.name = names(r).join("、");
        }
    }
    p
}

/// Whether a document's title names the business-continuity plan itself (事業継続計画, BCP),
/// not one of its records (事業継続計画実施記録) or tables.
pub fn is_plan_title(title: &str) -> bool {
    let t = title.trim();
    let named = t.contains("事業継続計画")
        || t.to_ascii_uppercase().split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "BCP");
    named && !["記録", "表", "報告書", "一覧"].iter().any(|e| t.ends_with(e))
}

/// The title of the plan mamori creates when the regulation names none.
pub const DEFAULT_TITLE: &str = "事業継続計画";

/// How a drill or test went against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Recovered within the target.
    Within,
    /// Took longer than the target.
    Over,
    /// No target or no time recorded.
    Unknown,
}

/// A drill's or test's recovery time against its target (both in minutes).
pub fn verdict(target: Option<i64>, actual: Option<i64>) -> Verdict {
    match (target, actual) {
        (Some(t), Some(a)) if a <= t => Verdict::Within,
        (Some(_), Some(_)) => Verdict::Over,
        _ => Verdict::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn form(p: &Plan) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for (k, _) in TEXTS {
            m.insert(k.to_string(), p.text(k).to_string());
        }
        for s in &SECTIONS {
            for i in 0..p.rows(s.key) {
                for (c, _) in s.columns {
                    m.insert(format!("{}.{i}.{c}", s.key), p.cell(s.key, i, c));
                }
            }
        }
        m
    }

    #[test]
    fn the_starter_is_a_complete_plan_with_the_fallbacks() {
        let p = starter_for(|r| if r == "top_management" { vec!["山田 太郎".into()] } else { vec![] });
        assert_eq!(p.format, FORMAT);
        assert_eq!(p.headquarters[0].name, "山田 太郎");
        assert!(p.fallbacks.iter().any(|f| f.name.contains("171")));
        assert!(p.fallbacks.iter().any(|f| f.name.contains("web171")));
        assert!(missing(&p).is_empty(), "{:?}", missing(&p));
        assert!(missing(&starter()).iter().any(|(f, _)| f == "headquarters.0.name"));
    }

    #[test]
    fn a_plan_goes_through_its_form_and_its_body_unchanged() {
        let p = starter_for(|_| vec!["佐藤 花子".into()]);
        let f = form(&p);
        let FormRead { plan: back, problems, .. } = from_form(|k| f.get(k).map(String::as_str), &p);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back, p);
        assert_eq!(Plan::from_body(&back.to_body()), Some(p));
        assert_eq!(Plan::from_body("事業継続計画の本文"), None);
        assert_eq!(Plan::from_body("{\"format\":\"other\"}"), None);
    }

    #[test]
    fn every_problem_is_reported_at_its_field() {
        let p = starter_for(|_| vec!["佐藤".into()]);
        let mut f = form(&p);
        f.insert("functions.0.rto_hours".into(), "0".into());
        f.insert("functions.1.priority".into(), "十".into());
        f.insert("functions.2.rto_hours".into(), "４８".into());
        f.insert("risks.5.consequence".into(), "名前のない行".into());
        f.insert("contacts.1.means".into(), "x".repeat(MAX_SHORT + 1));
        f.insert("scope".into(), " ".into());
        let FormRead { plan: kept, problems, typed } = from_form(|k| f.get(k).map(String::as_str), &p);
        assert_eq!(typed, [("functions.1.priority".to_string(), "十".to_string())]);
        let at: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(at, ["functions.1.priority", "risks.3.event", "contacts.1.means", "functions.0.rto_hours", "scope"]);
        // What was typed is kept for the form, full-width digits read as digits.
        assert_eq!(kept.functions[2].rto_hours, Some(48));
        assert_eq!(kept.risks[3].consequence, "名前のない行");
    }

    #[test]
    fn empty_rows_drop_and_roles_stay_with_their_post() {
        let p = starter_for(|_| vec!["佐藤".into()]);
        let mut f = form(&p);
        for c in ["post", "name", "deputy", "contact", "duties"] {
            f.insert(format!("headquarters.1.{c}"), String::new());
        }
        f.insert("headquarters.7.post".into(), "副本部長".into());
        let FormRead { plan: back, problems, .. } = from_form(|k| f.get(k).map(String::as_str), &p);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.headquarters.len(), 2);
        assert_eq!(back.headquarters[0].role.as_deref(), Some("top_management"));
        assert_eq!(back.headquarters[1].post, "副本部長");
        assert_eq!(back.headquarters[1].role, None);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let p = starter_for(|_| vec!["佐藤".into()]);
        let mut f = form(&p);
        for i in 0..=MAX_ROWS {
            f.insert(format!("risks.{i}.event"), format!("事象{i}"));
        }
        let problems = from_form(|k| f.get(k).map(String::as_str), &p).problems;
        assert!(problems.iter().any(|(_, k)| k == "bcp-too-many-rows"));
    }

    #[test]
    fn the_plan_is_found_by_its_title_not_its_records() {
        for t in ["事業継続計画", "事業継続計画書", "BCP（事業継続計画）", "bcp manual"] {
            assert!(is_plan_title(t), "{t}");
        }
        for t in ["事業継続計画実施記録", "事業継続計画訓練表", "情報セキュリティ基本方針", "BCPX"]
        {
            assert!(!is_plan_title(t), "{t}");
        }
    }

    #[test]
    fn a_test_meets_its_target_when_it_took_no_longer() {
        assert_eq!(verdict(Some(60), Some(60)), Verdict::Within);
        assert_eq!(verdict(Some(60), Some(61)), Verdict::Over);
        assert_eq!(verdict(None, Some(10)), Verdict::Unknown);
        assert_eq!(verdict(Some(10), None), Verdict::Unknown);
    }

    proptest::proptest! {
        #[test]
        fn any_form_input_gives_a_plan_or_problems_never_a_panic(
            keys in proptest::collection::vec("(scope|functions\\.[0-9]\\.(priority|rto_hours|name)|risks\\.[0-9]{1,2}\\.event|fallbacks\\.0\\.name)", 0..12),
            vals in proptest::collection::vec("\\PC{0,8}", 12),
        ) {
            let f: BTreeMap<String, String> = keys.into_iter().zip(vals).collect();
            let FormRead { plan: p, problems, .. } = from_form(|k| f.get(k).map(String::as_str), &Plan::default());
            // A plan said to be complete really is; problems always name a field.
            proptest::prop_assert!(!problems.is_empty() || check(&p).is_empty());
            proptest::prop_assert!(problems.iter().all(|(f, k)| !f.is_empty() && !k.is_empty()));
        }
    }
}
