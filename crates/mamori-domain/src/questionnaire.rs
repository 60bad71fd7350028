//! Security questionnaires sent to suppliers (セキュリティチェックシート): the templates as data
//! (`data/questionnaires.json`: sections of questions, each with its expected answer and,
//! where it proves one, the supplier requirement of `supplier` it confirms), the answers'
//! validation (every question answered, comments capped) and the score: the share of answered
//! questions whose answer is the expected one; the others are deviations to follow up.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The longest comment kept per question.
pub const MAX_COMMENT: usize = 2000;

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key (`q01` …).
    pub key: String,
    /// The question (Japanese).
    pub text: String,
    /// The expected answer: `yes` or `no`.
    pub expected: String,
    /// The supplier requirement an expected answer confirms (and a deviation puts in doubt).
    #[serde(default)]
    pub requirement: Option<String>,
}

/// A section of questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Title.
    pub title: String,
    /// Questions.
    pub questions: Vec<Question>,
}

/// A questionnaire template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// The introduction shown to the supplier.
    pub intro: String,
    /// Sections.
    pub sections: Vec<Section>,
}

impl Template {
    /// Every question in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }
}

#[derive(Deserialize)]
struct File {
    templates: Vec<Template>,
}

/// The shipped templates.
pub fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| {
        serde_json::from_str::<File>(include_str!("../data/questionnaires.json"))
            .map(|f| f.templates)
            .unwrap_or_default()
    })
}

/// A template by key.
pub fn template(key: &str) -> Option<&'static Template> {
    templates().iter().find(|t| t.key == key)
}

/// One answer: `yes`, `no` or `na` (does not apply), and a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// yes | no | na.
    pub answer: String,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// The answers by question key.
pub type Answers = BTreeMap<String, Answer>;

/// Every problem of a set of answers: (question key, message key).
pub fn validate(t: &Template, answers: &Answers) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for q in t.questions() {
        match answers.get(&q.key) {
            None => out.push((q.key.clone(), "q-answer-required")),
            Some(a) if !["yes", "no", "na"].contains(&a.answer.as_str()) => {
                out.push((q.key.clone(), "q-answer-required"))
            }
            Some(a) if a.comment.chars().count() > MAX_COMMENT => out.push((q.key.clone(), "field-too-long")),
            Some(_) => {}
        }
    }
    for k in answers.keys() {
        if !t.questions().any(|q| &q.key == k) {
            out.push((k.clone(), "q-unknown-question"));
        }
    }
    out
}

/// A scored set of answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Percent of the answered questions (not `na`) answered as expected, rounded down.
    pub percent: i64,
    /// Answered as expected.
    pub matched: i64,
    /// Answered (not `na`).
    pub scored: i64,
    /// The questions answered otherwise than expected.
    pub deviations: Vec<String>,
}

/// Scores valid answers.
pub fn score(t: &Template, answers: &Answers) -> Score {
    let (mut matched, mut scored, mut deviations) = (0, 0, Vec::new());
    for q in t.questions() {
        let Some(a) = answers.get(&q.key) else { continue };
        if a.answer == "na" {
            continue;
        }
        scored += 1;
        if a.answer == q.expected {
            matched += 1;
        } else {
            deviations.push(q.key.clone());
        }
    }
    let percent = if scored == 0 { 0 } else { matched * 100 / scored };
    Score { percent, matched, scored, deviations }
}

/// What the answers say of each supplier requirement a question proves: `Some(true)` when every
/// such answered question met its expectation, `Some(false)` when one did not, none when none
/// was answered (all `na`).
pub fn requirement_findings(t: &Template, answers: &Answers) -> BTreeMap<String, bool> {
    let mut out: BTreeMap<String, bool> = BTreeMap::new();
    for q in t.questions() {
        let (Some(r), Some(a)) = (&q.requirement, answers.get(&q.key)) else { continue };
        if a.answer == "na" {
            continue;
        }
        let ok = a.answer == q.expected;
        out.entry(r.clone()).and_modify(|v| *v = *v && ok).or_insert(ok);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &Template, answer: &str) -> Answers {
        t.questions().map(|q| (q.key.clone(), Answer { answer: answer.into(), comment: String::new() })).collect()
    }

    #[test]
    fn the_standard_template_has_thirty_questions_in_japanese_sections() {
        let t = template("standard").unwrap();
        assert!(t.questions().count() >= 30);
        assert!(t.sections.len() >= 7);
        let reqs: Vec<&str> = t.questions().filter_map(|q| q.requirement.as_deref()).collect();
        for r in &crate::supplier::catalogue().requirements {
            assert!(reqs.contains(&r.key.as_str()), "a question proves {}", r.key);
        }
    }

    #[test]
    fn answers_are_validated_and_scored() {
        let t = template("standard").unwrap();
        let mut a = all(t, "yes");
        assert!(validate(t, &a).is_empty());
        assert_eq!(score(t, &a).percent, 100);
        a.insert("q01".into(), Answer { answer: "no".into(), comment: "策定中".into() });
        a.insert("q02".into(), Answer { answer: "na".into(), comment: String::new() });
        let s = score(t, &a);
        assert_eq!(s.deviations, ["q01"]);
        assert_eq!(s.scored, t.questions().count() as i64 - 1);
        assert_eq!(s.percent, (s.scored - 1) * 100 / s.scored);
        a.remove("q03");
        a.insert("zz".into(), Answer { answer: "yes".into(), comment: String::new() });
        a.insert("q04".into(), Answer { answer: "maybe".into(), comment: "x".repeat(MAX_COMMENT + 1) });
        let p = validate(t, &a);
        assert!(p.contains(&("q03".into(), "q-answer-required")) && p.contains(&("zz".into(), "q-unknown-question")));
        assert!(p.contains(&("q04".into(), "q-answer-required")));
    }

    #[test]
    fn a_requirement_is_met_only_when_every_question_proving_it_is() {
        let t = template("standard").unwrap();
        let mut a = all(t, "yes");
        let sub: Vec<String> = t
            .questions()
            .filter(|q| q.requirement.as_deref() == Some("subcontracting"))
            .map(|q| q.key.clone())
            .collect();
        a.insert(sub[0].clone(), Answer { answer: "no".into(), comment: String::new() });
        let f = requirement_findings(t, &a);
        assert_eq!(f.get("subcontracting"), Some(&false));
        assert_eq!(f.get("confidentiality"), Some(&true));
        for q in t.questions().filter(|q| q.requirement.as_deref() == Some("service_level")) {
            a.insert(q.key.clone(), Answer { answer: "na".into(), comment: String::new() });
        }
        assert_eq!(requirement_findings(t, &a).get("service_level"), None);
    }
}
