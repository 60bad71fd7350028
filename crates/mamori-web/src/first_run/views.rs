//! The checklist as the dashboard shows it.

use crate::i18n::Tr;
use mamori_app::first_run::FirstRun;

/// One step for display.
pub struct StepView {
    /// The step's key (the element id is `first-run-KEY`).
    pub key: &'static str,
    /// Title.
    pub title: String,
    /// What to do, in one sentence.
    pub help: String,
    /// Done.
    pub done: bool,
    /// What is left, in words ("" when done).
    pub left: String,
    /// Where to do it: (link, text).
    pub links: Vec<(String, String)>,
    /// Marked by hand (a button) rather than by a record.
    pub markable: bool,
    /// The first step not done.
    pub next: bool,
    /// The duties step with nothing offered yet: a button offers the regulation's duties.
    pub offer: bool,
}

/// The checklist card.
pub struct FirstRunView {
    /// Steps in order.
    pub steps: Vec<StepView>,
    /// "N / 5 完了".
    pub progress: String,
}

/// The card, in the reader's language.
pub fn view(t: &Tr, f: &FirstRun) -> FirstRunView {
    let next = f.next().map(|s| s.key);
    let link = |href: &str, key: &str| (href.to_string(), t.t(key));
    let steps = f
        .steps
        .iter()
        .map(|s| {
            let links = match s.key {
                "regulation" => vec![link("/regulation/import", "first-run-link-regulation")],
                "duties" => vec![link("/duties/all#pending", "first-run-link-duties")],
                "catalogue" => vec![
                    link("/regulation/records", "first-run-link-records"),
                    link("/registers", "first-run-link-registers"),
                    link("/requests/new", "first-run-link-requests"),
                ],
                "people" => vec![link("/users", "first-run-link-users"), link("/people", "first-run-link-people")],
                _ => vec![link("/soa", "first-run-link-soa")],
            };
            let left = match (s.done, s.key) {
                (true, _) => String::new(),
                (false, "people") if !s.names.is_empty() => t.t1("first-run-left-roles", "roles", &s.names.join("、")),
                (false, "people") => t.t("first-run-left-directory"),
                (false, "duties") if s.left == 0 && f.steps[0].done => t.t("first-run-left-duties-none"),
                (false, key) if s.left > 0 => t.tn(&format!("first-run-left-{key}"), "count", s.left as i64),
                _ => String::new(),
            };
            StepView {
                key: s.key,
                title: t.t(&format!("first-run-step-{}", s.key)),
                help: t.t(&format!("first-run-help-{}", s.key)),
                done: s.done,
                left,
                links,
                markable: s.key == "catalogue" && !s.done && f.steps[0].done,
                next: next == Some(s.key),
                offer: s.key == "duties" && !s.done && s.left == 0 && f.steps[0].done,
            }
        })
        .collect();
    let done = f.steps.iter().filter(|s| s.done).count().to_string();
    let all = f.steps.len().to_string();
    FirstRunView { steps, progress: t.ta("first-run-progress", &[("done", &done), ("total", &all)]) }
}
