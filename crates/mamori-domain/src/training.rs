//! Training with tests (6.3 情報セキュリティの意識向上、教育及び訓練; 7.3's awareness of the
//! office rules): a course's materials and its question pool, the check of a course with every
//! problem at its field, the questions a person is given ([`draw`], deterministic from a seed
//! the app derives with [`seed_of`] from the person, the fiscal year and the attempt number, so
//! the set changes each year and at each retake, balanced across topics), and the score
//! against the pass mark. The starter course 情報セキュリティ基礎教育 is data in
//! `data/training_starter.json`, its questions grounded in the seed regulation's rules.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The most questions of a pool.
pub const MAX_QUESTIONS: usize = 200;
/// The most materials of a course.
pub const MAX_MATERIALS: usize = 20;
/// The fewest and most choices of a question.
pub const CHOICES: (usize, usize) = (2, 6);
/// The most questions of one attempt.
pub const MAX_PER_ATTEMPT: u32 = 50;
/// The longest course title.
pub const MAX_TITLE: usize = 200;
/// The longest course description.
pub const MAX_DESCRIPTION: usize = 4000;
/// The longest question text.
pub const MAX_QUESTION: usize = 1000;
/// The longest choice.
pub const MAX_CHOICE: usize = 300;
/// The longest explanation.
pub const MAX_EXPLANATION: usize = 2000;
/// The longest topic.
pub const MAX_TOPIC: usize = 50;
/// The longest material label.
pub const MAX_LABEL: usize = 200;
/// The longest material reference (a URL, a document id, a file's SHA-256).
pub const MAX_REF: usize = 500;
/// The longest question id.
pub const MAX_ID: usize = 40;

/// The kinds of material.
pub const MATERIAL_KINDS: [&str; 3] = ["document", "file", "link"];

/// Why a person is assigned a course in a fiscal year.
pub const REASONS: [&str; 3] = ["plan", "by_hand", "drill"];

/// A material of a course: a controlled document (its id), an evidence file (its SHA-256) or a
/// link (an http(s) URL), with the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Material {
    /// `document`, `file` or `link`.
    pub kind: String,
    /// What it points to.
    #[serde(rename = "ref")]
    pub reference: String,
    /// As shown.
    pub label: String,
}

/// A multiple-choice question of the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Question {
    /// Stable within the course (`[A-Za-z0-9_-]`).
    pub id: String,
    /// What it is about (questions are drawn evenly across topics).
    pub topic: String,
    /// The question.
    pub text: String,
    /// 2–6 choices.
    pub choices: Vec<String>,
    /// The correct choice (0-based).
    pub correct: usize,
    /// Why, citing the control (「管理策 5.17」).
    pub explanation: String,
}

/// A course as checked and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Course {
    /// Title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// Materials to read first.
    pub materials: Vec<Material>,
    /// The question pool.
    pub questions: Vec<Question>,
    /// Questions per attempt.
    pub per_attempt: u32,
    /// The pass mark in percent.
    pub pass_mark: u32,
}

/// A problem: (field, i18n message key).
pub type Problem = (String, String);

fn too_long(p: &mut Vec<Problem>, field: String, v: &str, max: usize, required: bool) {
    if required && v.trim().is_empty() {
        p.push((field, "field-required".into()));
    } else if v.chars().count() > max {
        p.push((field, "field-too-long".into()));
    }
}

/// Whether `id` may name a question.
pub fn is_question_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Every problem of a course, each at its field (`title`, `description`, `per_attempt`,
/// `pass_mark`, `materials.I.kind|ref|label`, `questions`, `questions.I.id|topic|text|choices|
/// correct|explanation`). A course needs a title and at least one question; the pass mark is
/// 1–100 %, an attempt 1–[`MAX_PER_ATTEMPT`] questions and no more than the pool holds.
pub fn check(c: &Course) -> Vec<Problem> {
    let mut p = Vec::new();
    too_long(&mut p, "title".into(), &c.title, MAX_TITLE, true);
    too_long(&mut p, "description".into(), &c.description, MAX_DESCRIPTION, false);
    if !(1..=100).contains(&c.pass_mark) {
        p.push(("pass_mark".into(), "training-pass-mark-range".into()));
    }
    if !(1..=MAX_PER_ATTEMPT).contains(&c.per_attempt) {
        p.push(("per_attempt".into(), "training-per-attempt-range".into()));
    } else if !c.questions.is_empty() && c.per_attempt as usize > c.questions.len() {
        p.push(("per_attempt".into(), "training-per-attempt-over-pool".into()));
    }
    if c.materials.len() > MAX_MATERIALS {
        p.push(("materials".into(), "field-too-many".into()));
    }
    for (i, m) in c.materials.iter().enumerate().take(MAX_MATERIALS) {
        if !MATERIAL_KINDS.contains(&m.kind.as_str()) {
            p.push((format!("materials.{i}.kind"), "field-not-a-choice".into()));
        }
        too_long(&mut p, format!("materials.{i}.label"), &m.label, MAX_LABEL, true);
        too_long(&mut p, format!("materials.{i}.ref"), &m.reference, MAX_REF, true);
        let r = m.reference.trim();
        if m.kind == "link"
            && !r.is_empty()
            && (!(r.starts_with("https://") || r.starts_with("http://")) || r.chars().any(char::is_whitespace))
        {
            p.push((format!("materials.{i}.ref"), "training-link-invalid".into()));
        }
    }
    if c.questions.is_empty() {
        p.push(("questions".into(), "training-no-questions".into()));
    } else if c.questions.len() > MAX_QUESTIONS {
        p.push(("questions".into(), "field-too-many".into()));
    }
    for (i, q) in c.questions.iter().enumerate().take(MAX_QUESTIONS) {
        let f = |k: &str| format!("questions.{i}.{k}");
        if !is_question_id(&q.id) {
            p.push((f("id"), "training-question-id".into()));
        } else if c.questions[..i].iter().any(|o| o.id == q.id) {
            p.push((f("id"), "training-question-id-taken".into()));
        }
        too_long(&mut p, f("topic"), &q.topic, MAX_TOPIC, false);
        too_long(&mut p, f("text"), &q.text, MAX_QUESTION, true);
        too_long(&mut p, f("explanation"), &q.explanation, MAX_EXPLANATION, false);
        if !(CHOICES.0..=CHOICES.1).contains(&q.choices.len()) {
            p.push((f("choices"), "training-choices-count".into()));
        } else if q.choices.iter().any(|c| c.trim().is_empty()) {
            p.push((f("choices"), "field-required".into()));
        } else if q.choices.iter().any(|c| c.chars().count() > MAX_CHOICE) {
            p.push((f("choices"), "field-too-long".into()));
        }
        if q.correct >= q.choices.len() {
            p.push((f("correct"), "training-correct-missing".into()));
        }
    }
    p
}

/// The seed of a person's attempt: the first eight bytes of SHA-256 over the person's id, the
/// fiscal year and the attempt number, so a retake and another year give another draw.
pub fn seed_of(person_id: &str, fiscal_year: i16, attempt_no: u32) -> u64 {
    let mut h = Sha256::new();
    h.update(person_id.as_bytes());
    h.update([0]);
    h.update(fiscal_year.to_be_bytes());
    h.update(attempt_no.to_be_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// splitmix64: a small deterministic generator (the draw needs no cryptographic randomness,
/// only a different, reproducible set per seed).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// The indices into `pool` of the questions a person is given: `min(n, pool.len())` distinct
/// questions, deterministic from `seed`, taken in turn from each topic (topics in a shuffled
/// order, questions shuffled within a topic) so that every topic is asked about.
pub fn draw(pool: &[Question], n: usize, seed: u64) -> Vec<usize> {
    draw_avoiding(pool, n, seed, &[])
}

/// [`draw`], preferring questions whose id is not in `avoid` (the person's previous attempt):
/// the avoided ones are used only when the others do not fill the attempt, so a retake is
/// another set whenever the pool is larger than an attempt.
pub fn draw_avoiding(pool: &[Question], n: usize, seed: u64, avoid: &[String]) -> Vec<usize> {
    let mut rng = Mix(seed);
    let n = n.min(pool.len());
    let mut topics: Vec<&str> = Vec::new();
    for q in pool {
        if !topics.contains(&q.topic.as_str()) {
            topics.push(q.topic.as_str());
        }
    }
    rng.shuffle(&mut topics);
    let round = |fresh: bool, rng: &mut Mix| -> Vec<Vec<usize>> {
        topics
            .iter()
            .map(|t| {
                let mut v: Vec<usize> =
                    (0..pool.len()).filter(|&i| pool[i].topic == *t && avoid.contains(&pool[i].id) != fresh).collect();
                rng.shuffle(&mut v);
                v
            })
            .collect()
    };
    let mut out = Vec::with_capacity(n);
    for fresh in [true, false] {
        let mut groups = round(fresh, &mut rng);
        let mut k = 0;
        while out.len() < n && groups.iter().any(|g| !g.is_empty()) {
            let g = k % groups.len().max(1);
            if let Some(i) = groups.get_mut(g).and_then(Vec::pop) {
                out.push(i);
            }
            k += 1;
        }
    }
    out
}

/// What an attempt scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Right answers.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
    /// `correct * 100 / total`, rounded down (0 when nothing was asked).
    pub percent: u32,
    /// `percent >= pass_mark` (never with nothing asked).
    pub passed: bool,
}

/// Scores `answers` (the chosen choice of each drawn question, in order; a missing one is
/// wrong) against the pass mark.
pub fn score(drawn: &[Question], answers: &[Option<usize>], pass_mark: u32) -> Score {
    let total = drawn.len() as u32;
    let correct =
        drawn.iter().enumerate().filter(|(i, q)| answers.get(*i).copied().flatten() == Some(q.correct)).count() as u32;
    let percent = (correct * 100).checked_div(total).unwrap_or(0);
    Score { correct, total, percent, passed: total > 0 && percent >= pass_mark }
}

/// Whether an offline score passes.
pub fn passes(percent: u32, pass_mark: u32) -> bool {
    percent >= pass_mark
}

static STARTER: LazyLock<Course> =
    LazyLock::new(|| serde_json::from_str(include_str!("../data/training_starter.json")).unwrap_or_default());

/// The starter course 情報セキュリティ基礎教育 (`data/training_starter.json`): 10 questions per
/// attempt from its pool, pass mark 80 %.
pub fn starter() -> Course {
    STARTER.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, topic: &str) -> Question {
        Question {
            id: id.into(),
            topic: topic.into(),
            text: format!("{id}?"),
            choices: vec!["a".into(), "b".into(), "c".into()],
            correct: 1,
            explanation: String::new(),
        }
    }

    #[test]
    fn the_starter_is_a_valid_course_of_twenty_questions_or_more() {
        let s = starter();
        assert_eq!(check(&s), Vec::<Problem>::new());
        assert!(s.questions.len() >= 20, "{}", s.questions.len());
        assert_eq!((s.per_attempt, s.pass_mark), (10, 80));
        assert_eq!(s.title, "情報セキュリティ基礎教育");
        for topic in ["パスワード", "クリアデスク・クリアスクリーン", "持出し", "インシデント報告", "標的型メール"]
        {
            assert!(s.questions.iter().filter(|q| q.topic == topic).count() >= 3, "{topic}");
        }
        assert!(s.questions.iter().all(|q| q.explanation.contains("管理策")), "every explanation cites its control");
    }

    #[test]
    fn a_draw_covers_every_topic_and_changes_with_the_seed() {
        let s = starter();
        let a = draw(&s.questions, 10, seed_of("p1", 2026, 1));
        let b = draw(&s.questions, 10, seed_of("p1", 2026, 2));
        let c = draw(&s.questions, 10, seed_of("p1", 2027, 1));
        assert_eq!(a, draw(&s.questions, 10, seed_of("p1", 2026, 1)), "deterministic");
        let set = |v: &[usize]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v
        };
        assert_ne!(set(&a), set(&b));
        assert_ne!(set(&a), set(&c));
        let topics: std::collections::BTreeSet<&str> = a.iter().map(|&i| s.questions[i].topic.as_str()).collect();
        assert_eq!(topics.len(), 5, "ten questions over five topics ask about each");
        // Avoiding the previous attempt gives a disjoint set when the pool allows it.
        let prev: Vec<String> = a.iter().map(|&i| s.questions[i].id.clone()).collect();
        let d = draw_avoiding(&s.questions, 10, seed_of("p1", 2026, 2), &prev);
        assert!(d.iter().all(|&i| !prev.contains(&s.questions[i].id)));
    }

    #[test]
    fn a_course_with_problems_names_each_field() {
        let c = Course {
            title: " ".into(),
            materials: vec![Material { kind: "link".into(), reference: "ftp://x".into(), label: "x".into() }],
            questions: vec![
                q("a", "t"),
                Question { choices: vec!["x".into()], correct: 3, ..q("a", "t") },
                Question { id: "a b".into(), ..q("c", "t") },
            ],
            per_attempt: 5,
            pass_mark: 0,
            ..Course::default()
        };
        let fields: Vec<String> = check(&c).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "title",
                "pass_mark",
                "per_attempt",
                "materials.0.ref",
                "questions.1.id",
                "questions.1.choices",
                "questions.1.correct",
                "questions.2.id"
            ]
        );
    }

    #[test]
    fn score_counts_right_answers_against_the_pass_mark() {
        let pool = vec![q("a", "t"), q("b", "t"), q("c", "u"), q("d", "u"), q("e", "u")];
        let s = score(&pool, &[Some(1), Some(1), Some(1), Some(1), Some(0)], 80);
        assert_eq!(s, Score { correct: 4, total: 5, percent: 80, passed: true });
        let s = score(&pool, &[Some(1), None, Some(1)], 80);
        assert_eq!((s.correct, s.percent, s.passed), (2, 40, false));
        assert!(!score(&[], &[], 1).passed);
    }

    proptest::proptest! {
        #[test]
        fn draw_gives_distinct_questions_never_a_panic(
            topics in proptest::collection::vec("[a-c]{0,1}", 0..40),
            n in 0usize..60,
            seed in proptest::prelude::any::<u64>(),
            avoid in proptest::collection::vec(0usize..40, 0..20),
        ) {
            let pool: Vec<Question> = topics.iter().enumerate().map(|(i, t)| q(&format!("q{i}"), t)).collect();
            let avoid: Vec<String> = avoid.into_iter().map(|i| format!("q{i}")).collect();
            let d = draw_avoiding(&pool, n, seed, &avoid);
            proptest::prop_assert_eq!(d.len(), n.min(pool.len()));
            let mut s = d.clone();
            s.sort_unstable();
            s.dedup();
            proptest::prop_assert_eq!(s.len(), d.len());
            proptest::prop_assert!(d.iter().all(|&i| i < pool.len()));
            let fresh = pool.iter().filter(|q| !avoid.contains(&q.id)).count();
            let fresh_drawn = d.iter().filter(|&&i| !avoid.contains(&pool[i].id)).count();
            proptest::prop_assert_eq!(fresh_drawn, fresh.min(d.len()));
        }

        #[test]
        fn score_stays_within_bounds(
            correct in proptest::collection::vec(0usize..6, 0..30),
            answers in proptest::collection::vec(proptest::option::of(0usize..8), 0..40),
            mark in 0u32..=100,
        ) {
            let drawn: Vec<Question> =
                correct.iter().enumerate().map(|(i, &c)| Question { correct: c, ..q(&format!("q{i}"), "t") }).collect();
            let s = score(&drawn, &answers, mark);
            proptest::prop_assert!(s.correct <= s.total && s.percent <= 100);
            proptest::prop_assert_eq!(s.total as usize, drawn.len());
            proptest::prop_assert_eq!(s.passed, s.total > 0 && s.percent >= mark);
        }
    }
}
