//! One control as the organisation wrote it, from its raw text: sub-headings, sentences, and per
//! sentence the records, cross references, roles, intervals and events, approvals, documents,
//! external systems and draft notes (with a diagnostic for each sentence that looked like one
//! but was not taken).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn analyse(
    c: RawControl,
    dict: &Dictionaries,
    roles: &Matcher,
    systems: &Matcher,
    diagnostics: &mut Vec<Diagnostic>,
) -> Control {
    let mut draft_notes = Vec::new();
    let mut control_parts = Vec::new();
    for p in &c.pre {
        let t = p.text();
        if p.draft || is_draft(&t) { push_unique(&mut draft_notes, t) } else { control_parts.push(t) }
    }
    let mut procedure = Vec::new();
    let mut paras: Vec<(Option<String>, String, usize, bool)> =
        c.procedure.iter().map(|p| (p.label.clone(), p.text(), p.line, p.draft)).collect();
    // A note split over two lines whose second line is a few characters ("…整理し、記" / "載する")
    // was cut by the short-line rule: join it back.
    let mut k = 0;
    while k + 1 < paras.len() {
        let (a, b) = (&paras[k], &paras[k + 1]);
        if a.0.is_none()
            && b.0.is_none()
            && !a.3
            && !a.1.ends_with(['。', '】', '」'])
            && b.1.chars().count() <= 8
            && looks_like_note(&format!("{}{}", a.1, b.1))
        {
            let joined = format!("{}{}", a.1, b.1);
            paras[k].1 = joined;
            paras.remove(k + 1);
        } else {
            k += 1;
        }
    }
    for (i, (label, t, line, draft)) in paras.iter().enumerate() {
        let between = i > 0;
        if *draft || (label.is_none() && is_draft(t)) || (label.is_none() && between && is_note(t)) {
            push_unique(&mut draft_notes, t.clone());
        } else {
            if label.is_none() && between && looks_like_note(t) && !t.ends_with('。') {
                diagnostics.push(Diagnostic {
                    line: *line,
                    message: format!("control {}: not taken as a draft note (reads as procedure): {t}", c.id),
                });
            }
            procedure.push(ProcedureItem { label: label.clone(), text: t.clone(), line: *line });
        }
    }
    let control_text = control_parts.join("\n");
    if control_text.is_empty() {
        diagnostics.push(Diagnostic { line: c.line, message: format!("control {}: no control sentence", c.id) });
    }
    if c.procedure.is_empty() && !c.in_procedure {
        diagnostics.push(Diagnostic { line: c.line, message: format!("control {}: no 手順 section", c.id) });
    }

    // Applicability: 対象外 in the title, or a procedure item that declares it.
    let mut applicable = !c.excluded_in_title;
    let mut exclusion_reason = None;
    if let Some(item) = procedure
        .iter()
        .find(|i| nfkc(&i.text).trim_end_matches('。').ends_with("対象外") || nfkc(&i.text).contains("対象外とする"))
    {
        applicable = false;
        exclusion_reason = Some(item.text.clone());
    } else if c.excluded_in_title {
        // The procedure of an excluded control explains why (e.g. "PC は OS の設定により自動的に同期している。").
        exclusion_reason = procedure.iter().find(|i| i.text.contains("対象外")).map(|i| i.text.clone());
        if exclusion_reason.is_none() {
            let all: Vec<&str> = procedure
                .iter()
                .map(|i| i.text.as_str())
                .chain(control_parts.iter().skip(1).map(String::as_str))
                .collect();
            let joined = all.join(" ");
            if !joined.is_empty() && joined.chars().count() <= 300 {
                exclusion_reason = Some(joined);
            }
        }
    }

    let mut records = Vec::new();
    let mut cross_refs = Vec::new();
    let mut role_names = Vec::new();
    let mut recurring: Vec<Recurring> = Vec::new();
    let mut unspecified: Vec<Unspecified> = Vec::new();
    let mut approvals: Vec<Approval> = Vec::new();
    let mut external = Vec::new();
    let key_of = |canon: &str| dict.role_key(canon).map(str::to_string);

    // Sub-headings: a short labelled item without 。 followed by a deeper item (another label
    // kind, or an unlabelled paragraph) heads the items below it until an item of its own kind
    // or a shallower one. Depth is the order in which label kinds first appear in the control.
    let mut kinds: Vec<char> = Vec::new();
    let depth = |kinds: &mut Vec<char>, label: &Option<String>| -> Option<usize> {
        let k = label_kind(label.as_deref()?);
        Some(match kinds.iter().position(|x| *x == k) {
            Some(i) => i,
            None => {
                kinds.push(k);
                kinds.len() - 1
            }
        })
    };
    let depths: Vec<Option<usize>> = procedure.iter().map(|p| depth(&mut kinds, &p.label)).collect();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut contexts: Vec<Option<String>> = Vec::new();
    let mut children: Vec<Vec<String>> = Vec::new();
    for (i, p) in procedure.iter().enumerate() {
        if let Some(d) = depths[i] {
            stack.retain(|(sd, _)| *sd < d);
        }
        contexts.push(stack.last().map(|(_, t)| t.clone()));
        let next_deeper = match (depths[i], depths.get(i + 1)) {
            (Some(d), Some(Some(n))) => *n > d,
            (Some(_), Some(None)) => true,
            _ => false,
        };
        let text = p.text.trim();
        if let (Some(d), Some(label)) = (depths[i], &p.label)
            && next_deeper
            && !text.ends_with('。')
            && !text.contains('【')
            && text.chars().count() <= 40
        {
            stack.push((d, format!("{label} {text}")));
        }
        // The items a sentence such as 「以下に記載する…は、…の承認を得る。」 points to.
        let mut kids = Vec::new();
        if let Some(d) = depths[i] {
            for (j, q) in procedure.iter().enumerate().skip(i + 1) {
                match depths[j] {
                    Some(e) if e > d => kids.push(q.text.trim().trim_end_matches('。').to_string()),
                    _ => break,
                }
            }
        }
        children.push(kids);
    }

    /// One text the analysis reads: whether it is the organisation's (not the standard's
    /// control sentence), its sub-heading and the items it points to.
    struct Src<'a> {
        operative: bool,
        text: &'a str,
        context: Option<String>,
        children: &'a [String],
    }
    let no_children: Vec<String> = Vec::new();
    let texts: Vec<Src> = control_parts
        .iter()
        .enumerate()
        .map(|(i, t)| Src { operative: i > 0, text: t.as_str(), context: None, children: &no_children })
        .chain(procedure.iter().enumerate().map(|(i, p)| Src {
            operative: true,
            text: p.text.as_str(),
            context: contexts[i].clone(),
            children: &children[i],
        }))
        .collect();

    // Who acts: per sub-heading and in the whole control (the most frequent acting role).
    let mut context_actor: Vec<(Option<String>, String)> = Vec::new();
    let mut actor_count: Vec<(String, usize)> = Vec::new();
    for src in texts.iter().filter(|s| s.operative) {
        let norm = nfkc(src.text);
        let mut heads = vec![norm.clone()];
        if let Some(ctx) = &src.context {
            heads.push(nfkc(ctx));
        }
        for (n, h) in heads.iter().enumerate() {
            for a in actors_of(h, roles) {
                let Some(key) = key_of(&a) else { continue };
                if n == 0 {
                    match actor_count.iter_mut().find(|(k, _)| *k == key) {
                        Some(x) => x.1 += 1,
                        None => actor_count.push((key.clone(), 1)),
                    }
                }
                if !context_actor.iter().any(|(c, _)| *c == src.context) && src.context.is_some() {
                    context_actor.push((src.context.clone(), key));
                }
            }
        }
    }
    let control_actor = actor_count.iter().max_by_key(|(_, n)| *n).map(|(k, _)| k.clone());
    let owner = |norm: &str, ctx: &Option<String>, event: Option<&str>| -> Option<String> {
        let actors = actors_of(norm, roles);
        if !actors.is_empty() {
            // The regulation names who acts; a role without a key (人事担当者) owns no key.
            return actors.iter().find_map(|a| key_of(a));
        }
        None.or_else(|| event.and_then(event_owner).map(str::to_string))
            .or_else(|| event_named(norm).and_then(event_owner).map(str::to_string))
            .or_else(|| context_actor.iter().find(|(c, _)| c == ctx && c.is_some()).map(|(_, k)| k.clone()))
            .or_else(|| control_actor.clone())
    };

    let mut prev_action: Option<String> = None;
    for src in &texts {
        let text = src.text;
        if let Some(r) = rx(&RECORD) {
            for m in r.captures_iter(text) {
                let name: String = m[1].split_whitespace().collect::<Vec<_>>().join(" ");
                if !name.is_empty() {
                    push_unique(&mut records, name);
                }
            }
        }
        for sentence in sentences(text) {
            let norm = nfkc(&sentence);
            if let Some(r) = rx(&CROSS_REF) {
                for m in r.captures_iter(&norm) {
                    let id = format!("{}.{}", &m[1], &m[2]);
                    if id != c.id && catalogue::control(&id).is_some() {
                        push_unique(&mut cross_refs, id);
                    }
                }
            }
            let found_roles = roles.find(&norm);
            for (_, _, r) in &found_roles {
                push_unique(&mut role_names, r.clone());
            }
            for (_, _, s) in systems.find(&norm) {
                push_unique(&mut external, s);
            }
            if !src.operative {
                continue;
            }
            let spans: Vec<(usize, usize)> = found_roles.iter().map(|(s, e, _)| (*s, *e)).collect();
            let body = norm.trim_end_matches('。').trim();
            let ctx = &src.context;
            let seen_recurring = recurring.iter().any(|r: &Recurring| r.source_text == sentence && r.context == *ctx);
            let seen_unspecified =
                unspecified.iter().any(|u: &Unspecified| u.source_text == sentence && u.context == *ctx);
            let mut this_action = None;
            match interval(&norm) {
                Some((Some(freq), span)) if !seen_recurring => {
                    let (title, action) = phrase::duty_title(&norm, Some(span.end), &spans, prev_action.as_deref());
                    this_action = Some(action);
                    recurring.push(Recurring {
                        owner_role: owner(&norm, ctx, None),
                        context: ctx.clone(),
                        title,
                        frequency: freq.to_string(),
                        source_text: sentence.clone(),
                        what: what_of(&norm, Some(span)),
                        who: who_of(&norm, roles),
                    })
                }
                Some((None, _)) => diagnostics.push(Diagnostic {
                    line: c.line,
                    message: format!("control {}: interval not one of daily…annual: {sentence}", c.id),
                }),
                None if norm.contains("定期的") => {
                    if rx(&NEGATIVE_END).is_some_and(|r| r.is_match(body)) {
                        diagnostics.push(Diagnostic {
                            line: c.line,
                            message: format!(
                                "control {}: not taken as a duty (定期的 but the sentence says there is nothing to do): {sentence}",
                                c.id
                            ),
                        });
                    } else if !seen_unspecified {
                        let anchor = norm.find("定期的").map(|i| i + "定期的".len());
                        let (title, action) = phrase::duty_title(&norm, anchor, &spans, prev_action.as_deref());
                        this_action = Some(action);
                        unspecified.push(Unspecified {
                            source_text: sentence.clone(),
                            what: what_of(&norm, None),
                            owner_role: owner(&norm, ctx, None),
                            context: ctx.clone(),
                            title,
                        })
                    }
                }
                None => {
                    if let Some((event, at)) = event_anchor(&norm).filter(|(_, at)| !inside_brackets(&norm, *at)) {
                        let ends_in_verb = rx(&DUTY_END).is_some_and(|r| r.is_match(body));
                        if ends_in_verb && !rx(&NEGATIVE_END).is_some_and(|r| r.is_match(body)) {
                            if !seen_recurring {
                                let (title, action) = phrase::duty_title(&norm, Some(at), &spans, None);
                                this_action = Some(action);
                                recurring.push(Recurring {
                                    owner_role: owner(&norm, ctx, Some(event)),
                                    context: ctx.clone(),
                                    title,
                                    frequency: event.to_string(),
                                    source_text: sentence.clone(),
                                    what: what_of(&norm, None),
                                    who: who_of(&norm, roles),
                                });
                            }
                        } else {
                            diagnostics.push(Diagnostic {
                                line: c.line,
                                message: format!(
                                    "control {}: not taken as a duty at {event} (names the event but states no act): {sentence}",
                                    c.id
                                ),
                            });
                        }
                    }
                }
                _ => {}
            }
            prev_action = this_action.filter(|a| !a.is_empty());
            match approval_of(&norm, &found_roles, &approvals, dict) {
                Ok(Some(a)) => {
                    let (context, covers) =
                        if src.children.is_empty() || !rx(&POINTS_TO_LIST).is_some_and(|r| r.is_match(&norm)) {
                            (ctx.clone(), Vec::new())
                        } else {
                            (Some(src.children.join("、")), src.children.to_vec())
                        };
                    approvals.push(Approval {
                        what: sentence.trim().to_string(),
                        approver: a.approver,
                        approver_roles: a.roles,
                        kind: a.kind.into(),
                        context,
                        subject: phrase::approval_subject(&norm, a.at, &spans),
                        covers,
                    });
                }
                Ok(None) => {}
                Err(why) => diagnostics.push(Diagnostic {
                    line: c.line,
                    message: format!("control {}: not taken as an approval ({why}): {sentence}", c.id),
                }),
            }
        }
    }

    // Titles are distinct within a control: a title shared by several duties gains its
    // sub-heading, then its position.
    let mut titles: Vec<String> =
        recurring.iter().map(|r| r.title.clone()).chain(unspecified.iter().map(|u| u.title.clone())).collect();
    let ctxs: Vec<Option<String>> =
        recurring.iter().map(|r| r.context.clone()).chain(unspecified.iter().map(|u| u.context.clone())).collect();
    let dup = |titles: &[String], i: usize| titles.iter().enumerate().any(|(j, t)| j != i && *t == titles[i]);
    let with_ctx: Vec<String> = (0..titles.len())
        .map(|i| match (&ctxs[i], dup(&titles, i)) {
            (Some(ctx), true) => format!("{}（{}）", titles[i], context_text(ctx)),
            _ => titles[i].clone(),
        })
        .collect();
    titles = with_ctx;
    for i in 0..titles.len() {
        let mut n = 2;
        while dup(&titles, i) {
            let base = titles[i].clone();
            titles[i] = format!("{base}（{n}）");
            n += 1;
        }
    }
    let n_rec = recurring.len();
    for (i, t) in titles.into_iter().enumerate() {
        if i < n_rec {
            recurring[i].title = t;
        } else {
            unspecified[i - n_rec].title = t;
        }
    }

    let documents: Vec<String> =
        records.iter().filter(|r| rx(&DOCUMENT_NAME).is_some_and(|d| d.is_match(&nfkc(r)))).cloned().collect();

    // Vendors and systems named in the authors' notes are still named by the document.
    for n in &draft_notes {
        for (_, _, s) in systems.find(&nfkc(n)) {
            push_unique(&mut external, s);
        }
    }

    Control {
        theme: catalogue::control(&c.id).map(|x| x.theme).unwrap_or(Theme::Organizational),
        id: c.id,
        title: c.title,
        control_text,
        applicable,
        exclusion_reason,
        procedure,
        records,
        cross_refs,
        roles: role_names,
        recurring,
        recurring_unspecified: unspecified,
        approvals,
        external_systems: external,
        draft_notes,
        documents,
        line: c.line,
    }
}

/// The kind of a label: I., (1), ①, a), A), ・ …
pub(super) fn label_kind(label: &str) -> char {
    let n = nfkc(label);
    let t = n.trim();
    let first = t.chars().next().unwrap_or(' ');
    if ('①'..='⑳').contains(&label.trim().chars().next().unwrap_or(' ')) {
        '①'
    } else if t.starts_with('(') {
        if t.chars().nth(1).is_some_and(|c| c.is_ascii_digit()) { '(' } else { 'p' }
    } else if t.ends_with('.') && t.chars().all(|c| "IVX.".contains(c)) || ('Ⅰ'..='Ⅻ').contains(&first) {
        'I'
    } else if first.is_ascii_lowercase() {
        'a'
    } else if first.is_ascii_uppercase() {
        'A'
    } else if first.is_ascii_digit() {
        '1'
    } else {
        first
    }
}

/// A sub-heading without its label (「(1) メールアドレス」 → 「メールアドレス」).
pub(super) fn context_text(ctx: &str) -> String {
    split_label(ctx).map(|(_, rest)| rest.trim().to_string()).unwrap_or_else(|| ctx.to_string())
}

pub(super) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Sentences of a text, each with its 。.
pub(super) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == '。' {
            out.push(std::mem::take(&mut cur).trim().to_string());
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}
