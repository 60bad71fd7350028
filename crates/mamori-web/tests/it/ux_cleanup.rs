//! Japanese-first screens (issue 15): every object type and action the use cases append to the
//! audit trail has its Japanese description, the audit page and export read as words (names,
//! labels, JST; no UUID, no snake_case key, no JSON), validation messages name fields by their
//! labels, the evidence store's refusals say in Japanese what to do, and the menu is grouped
//! and folds on a phone without losing an entry.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_domain::audit::AuditAction;
use mamori_web::i18n::{Lang, has_key};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
}

fn crate_sources(name: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("src"), &mut out);
    assert!(out.len() > 20, "sources of {name} found");
    out
}

/// The arguments of the call whose opening parenthesis ends at `at` (split at top-level commas).
fn call_args(text: &str, at: usize) -> Vec<String> {
    let (mut depth, mut cur, mut out) = (0i32, String::new(), Vec::new());
    for c in text[at..].chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                out.push(cur.trim().to_string());
                return out;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out
}

fn literal(arg: &str) -> Option<String> {
    let s = arg.strip_prefix('"')?.strip_suffix('"')?;
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_').then(|| s.to_string())
}

/// Every object type appended to the audit trail anywhere in the use cases, by reading the
/// calls that append (`audit::append` with `Entry::by` or an `Entry { object_type, … }`,
/// `audit::created`, `audit::updated`, the duties' `audit_and_bump`). An object type that is
/// not a literal must be one of the few forwarding places listed here, or the test fails.
fn appended_object_types() -> BTreeSet<String> {
    // (file suffix, argument text) of the places that forward an object type given by their caller.
    const FORWARDED: &[(&str, &str)] = &[
        ("src/audit.rs", "object_type"),
        ("src/duties/mod.rs", "object_type"),
        // A register's rows: `register:KEY`, described by the register's name.
        ("src/registers/row.rs", "&format!(\"register:{}\", def.key)"),
        ("src/registers/import_export.rs", "&format!(\"register:{key}\")"),
    ];
    let mut found = BTreeSet::new();
    let mut problems = Vec::new();
    for (path, text) in crate_sources("mamori-app") {
        let file = path.to_string_lossy().replace('\\', "/");
        let mut check = |arg: &str, at: usize| match literal(arg) {
            Some(t) => {
                found.insert(t);
            }
            None if FORWARDED.iter().any(|(f, a)| file.ends_with(f) && *a == arg) => {}
            None => problems.push(format!("{file}:{}: object type {arg}", text[..at].lines().count())),
        };
        for call in ["Entry::by(", "audit::created(", "audit::updated(", "audit_and_bump("] {
            for (at, _) in text.match_indices(call) {
                if text[..at].ends_with("fn ") {
                    continue;
                }
                let args = call_args(&text, at + call.len());
                if let Some(arg) = args.get(2) {
                    check(arg, at);
                }
            }
        }
        for (at, _) in text.match_indices("object_type: ") {
            let rest = &text[at + "object_type: ".len()..];
            let arg = rest.split([',', '\n']).next().unwrap_or("").trim().to_string();
            // Struct field declarations and conversions of a stored row are not appends.
            if arg.starts_with('&') || arg.starts_with("String") || arg.contains('.') {
                continue;
            }
            check(&arg, at);
        }
    }
    assert!(problems.is_empty(), "object types that are not literals (list the forwarding place): {problems:#?}");
    found
}

#[test]
fn every_appended_object_type_and_action_reads_in_japanese() {
    let types = appended_object_types();
    // The test reads what it should: the kinds written by the newer capabilities are among them.
    for t in
        ["supplier", "supplier_questionnaire", "questionnaire_template", "safety_check", "document", "duty_occurrence"]
    {
        assert!(types.contains(t), "{t} found among {types:?}");
    }
    let missing: Vec<String> =
        types.iter().filter(|t| !has_key(Lang::Ja, &format!("audit-object-{t}"))).cloned().collect();
    assert!(missing.is_empty(), "object types without a Japanese description (audit-object-TYPE): {missing:?}");
    for a in AuditAction::ALL {
        assert!(has_key(Lang::Ja, &format!("action-{}", a.key())), "action {} has no Japanese description", a.key());
    }
    assert!(has_key(Lang::Ja, "audit-object-register"), "a register's rows are described by its name");
}

/// The field keys use cases and handlers refuse input at (`("KEY".into(), "field-…")`,
/// `checks::text(&mut p, "KEY", …)`).
fn validation_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut all = crate_sources("mamori-app");
    all.extend(crate_sources("mamori-web"));
    for (_, text) in all {
        for (at, _) in text.match_indices('"') {
            let rest = &text[at + 1..];
            let Some(end) = rest.find('"') else { continue };
            let key = &rest[..end];
            if key.is_empty() || literal(&format!("\"{key}\"")).is_none() {
                continue;
            }
            let after = rest[end + 1..].trim_start();
            let converted = ["into()", "to_string()", "to_owned()"]
                .iter()
                .find_map(|m| after.strip_prefix('.').and_then(|a| a.strip_prefix(m)));
            if let Some(after) = converted
                && let Some(msg) = after.trim_start().strip_prefix(',')
                && ["\"field-", "\"error-", "\"duty-", "\"register-"].iter().any(|p| msg.trim_start().starts_with(p))
                && text[..at].trim_end().ends_with('(')
            {
                keys.insert(key.to_string());
            }
        }
        for call in ["text(&mut ", "entries(&mut ", "problem(&mut "] {
            for (at, _) in text.match_indices(call) {
                let args = call_args(&text, at + call.len() - "&mut ".len());
                if let Some(k) = args.get(1).and_then(|a| literal(a)) {
                    keys.insert(k);
                }
            }
        }
    }
    keys
}

#[test]
fn every_validated_field_has_a_japanese_label() {
    let keys = validation_keys();
    for k in ["lead_days", "login_id", "title", "evidence", "done_on"] {
        assert!(keys.contains(k), "{k} found among {keys:?}");
    }
    let missing: Vec<&String> = keys.iter().filter(|k| !has_key(Lang::Ja, &format!("fieldname-{k}"))).collect();
    assert!(missing.is_empty(), "validated fields without a label (fieldname-KEY): {missing:?}");
}

/// The text a person sees: tags, scripts and styles removed, entities of `&` and quotes decoded.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let tail = &rest[i..];
        let skip_to = |end: &str| tail.find(end).map(|j| j + end.len()).unwrap_or(tail.len());
        let n = if tail.starts_with("<script") {
            skip_to("</script>")
        } else if tail.starts_with("<style") {
            skip_to("</style>")
        } else {
            skip_to(">")
        };
        rest = &tail[n..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'").replace("&#39;", "'")
}

/// Words a Japanese screen must not show: UUIDs, snake_case identifiers, raw JSON.
fn internal_words(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        let uuid = word.len() == 36 && word.chars().filter(|c| *c == '-').count() == 4;
        let snake = word.contains('_')
            && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && word.chars().any(|c| c.is_ascii_lowercase());
        if uuid || snake {
            found.push(word.to_string());
        }
    }
    if text.contains("{\"") || text.contains("\":") {
        found.push("JSON".into());
    }
    found
}

async fn the_audit_trail_reads_in_japanese(w: World) {
    let mut a = w.logged_in("admin").await;
    // Records of several kinds: a register row (its fields by their labels, its custodian by
    // name), a change to it, a person.
    let r = a
        .post_json(
            "/api/v1/registers/media_ledger/rows",
            json!({"values": {"media_id": "USB-01", "kind": "USB メモリ", "custodian": "emp", "encrypted": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = a
        .send(
            "PUT",
            &format!("/api/v1/registers/media_ledger/rows/{id}"),
            Some("application/json"),
            json!({"values": {"media_id": "USB-01", "kind": "USB メモリ", "custodian": "emp", "encrypted": true, "status": "持出中"}})
                .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = a
        .post_json(
            "/api/v1/users",
            json!({"login_id": "sato", "display_name": "佐藤 花子", "email": "sato@example.jp", "password": "Initial123", "roles": ["security_manager"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let page = a.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = visible(&page.body);
    let bad = internal_words(&text);
    assert!(bad.is_empty(), "internal words on the audit page: {bad:?}\n{text}");
    assert!(!text.contains(&id), "no row id");
    // Who by name, what in Japanese, which record by its kind and title, fields by their labels.
    assert!(text.contains("admin 太郎"), "{text}");
    assert!(text.contains("台帳「媒体管理台帳」「USB-01 USB メモリ」"), "the row by its register and title: {text}");
    assert!(text.contains("管理者: emp 太郎"), "a person field by the person's name: {text}");
    assert!(text.contains("暗号化: はい"), "{text}");
    assert!(text.contains("状態: 保管中 → 持出中"), "a change as before → after: {text}");
    assert!(text.contains("ユーザー「佐藤 花子」"), "{text}");
    assert!(text.contains("ログイン ID: sato"), "a login ID field keeps the ID: {text}");
    assert!(text.contains("役割: 情報セキュリティ管理者"), "a role by its name: {text}");
    assert!(text.contains("コマンドライン（サーバー管理者）"), "the command line's rows: {text}");
    assert!(
        text.contains("組織「アクメ株式会社」") && text.contains("組織 ID: acme"),
        "identifiers stay as typed: {text}"
    );

    let csv = a.get("/audit/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let bad = internal_words(&csv.body);
    assert!(bad.is_empty(), "internal words in the audit export: {bad:?}\n{}", csv.body);
    assert!(csv.body.contains("ユーザー「佐藤 花子」"), "{}", csv.body);

    // The API keeps its fields and adds the description.
    let api = a.get("/api/v1/audit?limit=500").await.json();
    let items = api["items"].as_array().unwrap();
    let user = items.iter().find(|i| i["object_type"] == "user" && i["action"] == "create").unwrap();
    assert_eq!(user["description"]["object"], "ユーザー「佐藤 花子」");
    assert!(user["after"].is_object(), "the stored content stays in the API");
}

async fn validation_messages_name_fields_by_their_labels(w: World) {
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/users",
            json!({"login_id": "bad id!", "display_name": "x", "email": "x@example.jp", "password": "Initial123", "roles": ["employee"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.json();
    let message = e["error"]["message"].as_str().unwrap();
    assert!(message.contains("ログイン ID: "), "{message}");
    assert!(!message.contains("login_id"), "{message}");
    assert_eq!(e["error"]["fields"][0]["field"], "login_id", "the machine-readable key stays");
    assert_eq!(e["error"]["fields"][0]["label"], "ログイン ID");
    // The users page says it by the label too.
    let page = a.get("/users").await;
    let csrf = Client::csrf_in(&page.body);
    let r = a
        .post_form(
            "/users",
            &[
                ("csrf", &csrf),
                ("login_id", "bad id!"),
                ("display_name", "x"),
                ("email", "x@example.jp"),
                ("password", "Initial123"),
                ("roles", "employee"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ログイン ID: "), "{}", r.body);
    assert!(!visible(&r.body).contains("login_id"), "no key on the page");
}

async fn refused_evidence_says_what_to_do_in_japanese(w: World) {
    let dir = std::env::temp_dir().join(format!("mamori-ux-{}", mamori_app::new_id()));
    let w = w.with_config(mamori_web::WebConfig { evidence_dir: dir.clone(), ..Default::default() });
    let mut a = w.logged_in("admin").await;
    let r = a
        .post_json(
            "/api/v1/registers/nda_contracts/rows",
            json!({"values": {"party": "株式会社サンプル", "version": "1", "signed_on": "2025-04-01"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let page = a.get(&format!("/registers/nda_contracts/rows/{id}")).await;
    let csrf = Client::csrf_in(&page.body);
    let b = "----mamori-ux";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tool.exe\"\r\nContent-Type: application/octet-stream\r\n\r\nMZ\x00\x01binary\r\n\
         --{b}--\r\n"
    );
    let r = a
        .send(
            "POST",
            &format!("/registers/nda_contracts/rows/{id}/files/file"),
            Some(&format!("multipart/form-data; boundary={b}")),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let text = visible(&r.body);
    assert!(text.contains("この種類のファイルは証拠として保存できません"), "{text}");
    assert!(text.contains("PDF") && text.contains("MB まで"), "the accepted kinds and the size limit: {text}");
    assert!(!text.contains("not accepted"), "no English: {text}");
    let _ = std::fs::remove_dir_all(dir);
}

async fn the_menu_is_grouped_and_folds_on_a_phone(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/").await;
    let nav = page.body.split("<nav class=\"menu\"").nth(1).unwrap().split("</nav>").next().unwrap().to_string();
    for group in ["運用", "管理策・記録", "文書", "監査・レビュー", "設定"] {
        assert!(nav.contains(&format!("<span class=\"menu-group-name\">{group}</span>")), "{group}: {nav}");
    }
    // Every entry of the menu is reachable from the administrator's grouped menu.
    for href in mamori_web::views::menu_paths() {
        assert!(nav.contains(&format!("href=\"{href}\"")), "{href} in the menu: {nav}");
    }
    // Folded behind a button on a phone, without script.
    assert!(page.body.contains("<input type=\"checkbox\" id=\"menu-toggle\" class=\"menu-toggle\">"));
    assert!(page.body.contains("<label for=\"menu-toggle\" class=\"menu-button\">メニュー</label>"));
    let css = a.get("/static/app.css").await.body;
    assert!(css.contains(".menu-toggle:checked ~ nav.menu { display:block; }"), "{css}");
    // A favicon, linked from every page and at the address browsers ask for without a link.
    assert!(page.body.contains("<link rel=\"icon\" href=\"/static/favicon.svg\""));
    for path in ["/static/favicon.svg", "/favicon.ico"] {
        let icon = a.get(path).await;
        assert_eq!(icon.headers["content-type"], "image/svg+xml", "{path}");
        assert!(icon.body.starts_with("<svg"), "{path}");
    }
    // An employee's menu keeps the restricted entries out, and shows no empty group.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let page = e.get("/incidents").await;
    let nav = page.body.split("<nav class=\"menu\"").nth(1).unwrap().split("</nav>").next().unwrap().to_string();
    for restricted in ["/users", "/audit", "/admin/mail", "/m365", "/suppliers", "/safety-checks"] {
        assert!(!nav.contains(&format!("href=\"{restricted}\"")), "{restricted} not for an employee: {nav}");
    }
    assert!(
        !nav.contains("監査・レビュー")
            || nav.contains("href=\"/internal-audits\"")
            || nav.contains("href=\"/management-reviews\"")
    );
    assert!(nav.contains("href=\"/password\"") && nav.contains("href=\"/incidents\""));
}

on_both_engines!(
    the_audit_trail_reads_in_japanese,
    validation_messages_name_fields_by_their_labels,
    refused_evidence_says_what_to_do_in_japanese,
    the_menu_is_grouped_and_folds_on_a_phone,
);
