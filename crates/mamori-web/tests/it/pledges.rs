//! Pledges, onboarding and わたしのISMS in the browser's terms: the manager drafts the pledge
//! from the starter text and 経営責任者 approves it; the employee finds it on their own page,
//! a wrong name comes back with 422 keeping what was typed, then signs and prints the
//! certificate (a PDF whose text names them and the digest); the onboarding page records a
//! screening (refused first, every problem at its field) and a paper pledge with its scan; an
//! employee reads none of it; the API signs and reports the onboarding.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, users};
use serde_json::json;

async fn signed_in(w: &World, login: &str) -> Client {
    let mut c = w.logged_in(login).await;
    if login != "admin" {
        let r = c
            .post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Shokika-2026"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    c
}

async fn add_user(w: &World, login: &str, name: &str, role: &str) {
    let o = mamori_store::rows::org_by_slug(&mut w.db.conn().await.unwrap().ex(), "acme").await.unwrap().unwrap();
    let u = users::NewUser {
        login_id: login.into(),
        display_name: name.into(),
        email: format!("{login}@example.jp"),
        password: "Initial123".into(),
        roles: vec![role.into()],
    };
    users::create(&w.db, &Actor::cli(&o.id), u, 0).await.unwrap();
}

fn pdf_text(bytes: &[u8]) -> Option<String> {
    let ok = |tool: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        ok("chromium") && ok("pdftotext"),
        "chromium and pdftotext are required for the PDF check: install them (scripts/test does)"
    );
    let path = std::env::temp_dir().join(format!("mamori-pledge-{}.pdf", mamori_app::new_id()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().ok()?;
    let _ = std::fs::remove_file(&path);
    Some(String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], ""))
}

async fn an_employee_signs_the_pledge_on_their_own_page(w: World) {
    add_user(&w, "kanri", "管理 次郎", "security_manager").await;
    let mut kanri = signed_in(&w, "kanri").await;
    let mut boss = w.logged_in("admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = kanri
        .post_json(
            "/api/v1/people",
            json!({"name": "emp 太郎", "email": "emp@example.jp", "kind": "employee", "department": "営業部", "login_id": "emp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let person = r.json()["id"].as_str().unwrap().to_string();

    // The overview offers the starter text; the manager drafts it, 経営責任者 approves it.
    let page = kanri.get("/pledges").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"prepare-joiner\""), "{}", page.body);
    let csrf = Client::csrf_in(&page.body);
    let r = kanri.post_form("/pledges/joiner/prepare", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let doc = r.location().trim_start_matches("/documents/").to_string();
    let page = boss.get(&format!("/documents/{doc}")).await;
    let csrf = Client::csrf_in(&page.body);
    let r = boss.post_form(&format!("/documents/{doc}/approve"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(emp.get("/pledges").await.status, StatusCode::FORBIDDEN, "the overview is the managers'");

    // わたしのISMS shows it to sign.
    let me = emp.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("id=\"sign-joiner\"") && me.body.contains("未署名"), "{}", me.body);
    let form = emp.get("/me/pledges/joiner").await;
    assert!(form.body.contains("第2条（秘密保持）"), "the text to read");
    let csrf = Client::csrf_in(&form.body);
    let r = emp.post_form("/me/pledges/joiner", &[("csrf", &csrf), ("typed_name", "別の 人")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"別の 人\""), "what was typed is kept");
    assert!(
        r.body.contains("社員名簿の氏名と一致しません") && r.body.contains("チェックを入れてください"),
        "{}",
        r.body
    );
    let r =
        emp.post_form("/me/pledges/joiner", &[("csrf", &csrf), ("typed_name", "emp　太郎"), ("confirm", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/me?signed=1#pledges");
    let me = emp.get("/me?signed=1").await;
    assert!(me.body.contains("id=\"me-signed\"") && me.body.contains("署名済み"));
    assert!(!me.body.contains("id=\"sign-joiner\""));
    let cert = me.body.split("href=\"/pledges/signatures/").nth(1).unwrap().split('/').next().unwrap().to_string();

    // The certificate: the signer and the managers, no one else.
    let sigs = kanri.get(&format!("/api/v1/people/{person}/pledges")).await.json();
    let digest = sigs[0]["content_sha256"].as_str().unwrap().to_string();
    add_user(&w, "other", "他部 花子", "employee").await;
    let mut other = signed_in(&w, "other").await;
    assert_eq!(other.get(&format!("/pledges/signatures/{cert}/certificate")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/api/v1/people/{person}/pledges")).await.status, StatusCode::NOT_FOUND);
    let pdf = emp.get(&format!("/pledges/signatures/{cert}/certificate")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf.bytes) {
        for s in ["秘密保持誓約書", "emp太郎", "初版", &digest[..16], "アクメ株式会社"] {
            assert!(text.contains(s), "{s} not in the certificate: {text}");
        }
    }
    // The API's tasks agree; signing again is refused at its field.
    let t = emp.get("/api/v1/me/tasks").await.json();
    assert_eq!((t["pledges"]["signed"].clone(), t["pledges"]["to_sign"].clone()), (json!(true), json!([])));
    let r = emp.post_json("/api/v1/me/pledges/joiner/sign", json!({"typed_name": "emp 太郎", "confirm": true})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("pledge-already-signed") || r.body.contains("署名済み"), "{}", r.body);
}
on_both_engines!(an_employee_signs_the_pledge_on_their_own_page);

async fn the_onboarding_page_records_screening_and_paper_pledges(w: World) {
    let dir = std::env::temp_dir().join(format!("mamori-onb-{}", mamori_app::new_id()));
    let w = w.with_config(mamori_web::WebConfig { evidence_dir: dir.clone(), ..Default::default() });
    add_user(&w, "kanri", "管理 次郎", "security_manager").await;
    let mut kanri = signed_in(&w, "kanri").await;
    let mut boss = w.logged_in("admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = kanri
        .post_json("/api/v1/people", json!({"name": "短時間 花子", "kind": "part_time", "department": "総務部"}))
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let page = kanri.get(&format!("/people/{id}")).await;
    assert!(page.body.contains(&format!("href=\"/people/{id}/onboarding\"")));
    assert_eq!(emp.get(&format!("/people/{id}/onboarding")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(emp.get(&format!("/api/v1/people/{id}/onboarding")).await.status, StatusCode::FORBIDDEN);

    let page = kanri.get(&format!("/people/{id}/onboarding")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("未完了の手続きがあります"));
    assert!(page.body.contains("対象外（ログインなし）"), "no login: no policies to confirm");
    let csrf = Client::csrf_in(&page.body);
    // Every problem at its field, what was typed kept.
    let r = kanri
        .post_form(
            &format!("/people/{id}/screening"),
            &[("csrf", &csrf), ("checks", "経歴書を確認"), ("checked_on", "2030-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("経歴書を確認</textarea>"), "{}", r.body);
    assert!(r.body.contains("未来の日付は指定できません") && r.body.matches("field-error").count() >= 3);
    let r = kanri
        .post_form(
            &format!("/people/{id}/screening"),
            &[
                ("csrf", &csrf),
                ("checked_on", "2025-12-20"),
                ("checks", "経歴書を確認"),
                ("result", "問題なし"),
                ("checked_by", "人事 担当"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The paper pledge needs an approved pledge and a scan.
    let pc = Client::csrf_in(&kanri.get("/pledges").await.body);
    let doc = kanri.post_form("/pledges/joiner/prepare", &[("csrf", &pc)]).await.location().to_string();
    let bc = Client::csrf_in(&boss.get(&doc).await.body);
    assert_eq!(boss.post_form(&format!("{doc}/approve"), &[("csrf", &bc)]).await.status, StatusCode::SEE_OTHER);
    let b = "----mamori-paper";
    let part = |name: &str, value: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let no_file =
        format!("{}{}{}--{b}--\r\n", part("csrf", &csrf), part("kind", "joiner"), part("signed_on", "2025-12-21"));
    let r = kanri
        .send(
            "POST",
            &format!("/people/{id}/pledges/paper"),
            Some(&format!("multipart/form-data; boundary={b}")),
            no_file,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("スキャンしたファイル") && r.body.contains("value=\"2025-12-21\""), "{}", r.body);
    let with_file = format!(
        "{}{}{}--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"seiyaku.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 signed\r\n--{b}--\r\n",
        part("csrf", &csrf),
        part("kind", "joiner"),
        part("signed_on", "2025-12-21")
    );
    let r = kanri
        .send(
            "POST",
            &format!("/people/{id}/pledges/paper"),
            Some(&format!("multipart/form-data; boundary={b}")),
            with_file,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = kanri.get(&format!("/people/{id}/onboarding")).await;
    assert!(page.body.contains("書面（原本を電子化して保管）") && page.body.contains("人事 担当"), "{}", page.body);
    let ob = kanri.get(&format!("/api/v1/people/{id}/onboarding")).await.json();
    let states: Vec<&str> = ob["steps"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["done", "done", "not_applicable", "open", "open"]);
    // No internal words on the page.
    for internal in ["not_applicable", "joiner", "paper", &id] {
        let shown = page
            .body
            .replace(&format!("/people/{id}"), "")
            .replace("value=\"joiner\"", "")
            .replace("name=\"kind\"", "");
        assert!(!shown.contains(&format!(">{internal}<")), "{internal} shown");
    }
    let _ = std::fs::remove_dir_all(dir);
}
on_both_engines!(the_onboarding_page_records_screening_and_paper_pledges);
