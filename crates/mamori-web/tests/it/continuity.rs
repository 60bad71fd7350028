//! The business-continuity page: the plan written in the form (a refusal comes back with 422,
//! everything typed kept and each problem at its field), approved jointly from the page (the
//! author refused in place), shown to an employee without the form, printed as one PDF with
//! searchable Japanese text; the document page links to it instead of showing its data; the
//! API reads and writes it; a drill's problem opens its corrective action from the page.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use mamori_app::{Actor, users};
use serde_json::json;

async fn add_manager(w: &World) {
    let o = mamori_store::rows::org_by_slug(&mut w.db.conn().await.unwrap().ex(), "acme").await.unwrap().unwrap();
    let u = users::NewUser {
        login_id: "kanri".into(),
        display_name: "管理 次郎".into(),
        email: "kanri@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["security_manager".into()],
    };
    users::create(&w.db, &Actor::cli(&o.id), u, 0).await.unwrap();
}

/// A user past the first login's password change.
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

/// The form's fields as the page renders them (name → value), for posting it back.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let form = &html[html.find("action=\"/bcp#edit\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut out = Vec::new();
    for part in form.split('<').skip(1) {
        let Some(name_at) = part.find("name=\"") else { continue };
        let name: String = part[name_at + 6..].chars().take_while(|c| *c != '"').collect();
        let value = if part.starts_with("textarea") {
            part[part.find('>').unwrap() + 1..].to_string()
        } else if let Some(v) = part.find("value=\"") {
            part[v + 7..].chars().take_while(|c| *c != '"').collect()
        } else {
            String::new()
        };
        let value = value.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
        out.push((name, value.replace("&#x27;", "'").replace("&#39;", "'")));
    }
    out
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

async fn put_plan(c: &mut Client, plan: &serde_json::Value) -> crate::client::Resp {
    let body = json!({"plan": plan, "change_summary": "見直し"}).to_string();
    c.send("PUT", "/api/v1/bcp", Some("application/json"), body).await
}

async fn post(c: &mut Client, fields: &[(String, String)]) -> crate::client::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    c.post_form("/bcp", &pairs).await
}

async fn the_plan_is_written_approved_and_printed_from_its_page(w: World) {
    add_manager(&w).await;
    let mut kanri = signed_in(&w, "kanri").await;
    let mut boss = w.logged_in("admin").await;
    let mut emp = signed_in(&w, "emp").await;
    let r = boss
        .send_bytes(
            "POST",
            "/api/v1/regulation?name=seed.txt",
            Some("application/octet-stream"),
            include_bytes!("../../../../examples/seed-regulation.txt").to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // The form starts from the starter with the 対策本部 named after the role holders.
    let p = kanri.get("/bcp").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("value=\"admin 太郎\"") && p.body.contains("value=\"管理 次郎\""), "members named");
    assert!(p.body.contains("災害用伝言ダイヤル（171）"));
    assert!(!p.body.contains("id=\"bcp-print\""), "nothing to print yet");
    let mut fields = form_fields(&p.body);
    set(&mut fields, "functions.0.rto_hours", "0");
    set(&mut fields, "functions.1.priority", "高");
    set(&mut fields, "headquarters.2.post", "副本部長");
    set(&mut fields, "headquarters.2.contact", "090-0000-0003");
    set(&mut fields, "change_summary", "");
    let refused = post(&mut kanri, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for e in
        ["data-field=\"functions.0.rto_hours\"", "data-field=\"functions.1.priority\"", "data-field=\"change_summary\""]
    {
        assert!(refused.body.contains(e), "{e} missing");
    }
    assert!(refused.body.contains("目標復旧時間は 1〜8760 時間で入力してください。"));
    assert!(
        refused.body.contains("value=\"副本部長\"") && refused.body.contains("value=\"090-0000-0003\""),
        "typed rows kept"
    );
    assert!(refused.body.contains("value=\"高\""));
    assert!(!refused.body.contains("functions.0.rto_hours:"), "no field key in the text");

    let mut fields = form_fields(&refused.body);
    set(&mut fields, "functions.0.rto_hours", "24");
    set(&mut fields, "functions.1.priority", "1");
    set(&mut fields, "headquarters.2.name", "営業 三郎");
    set(&mut fields, "change_summary", "制定");
    let saved = post(&mut kanri, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let p = kanri.get("/bcp?done=saved").await;
    assert!(p.body.contains("計画を保存しました。"));
    assert!(p.body.contains("id=\"bcp-print\""), "the draft prints as 案");

    // The author is refused in place; the two approver roles approve jointly.
    let csrf = Client::csrf_in(&p.body);
    assert!(p.body.contains("id=\"approve-note\"") && !p.body.contains("id=\"approve\""), "the author waits");
    let own = kanri.post_form("/bcp/approve", &[("csrf", &csrf)]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert!(own.body.contains("id=\"approve-error\"") && own.body.contains("id=\"edit\""), "on its own page");
    let b = boss.get("/bcp").await;
    assert!(b.body.contains("id=\"approve\""));
    let r = boss.post_form("/bcp/approve", &[("csrf", &Client::csrf_in(&b.body))]).await;
    assert_eq!(r.location(), "/bcp?done=partial#draft");
    let b = boss.get("/bcp").await;
    assert!(b.body.contains("承認 1/2") && !b.body.contains("id=\"approve\""), "one approval each");
    // The author approves only now that someone who did not write it has (the two approvers
    // of a small company are its writers too).
    let k = kanri.get("/bcp").await;
    assert!(k.body.contains("id=\"approve\"") && !k.body.contains("id=\"approve-note\""));
    let r = kanri.post_form("/bcp/approve", &[("csrf", &Client::csrf_in(&k.body))]).await;
    assert_eq!(r.location(), "/bcp?done=approved");

    // An employee reads the plan in force, without the form and without the drills.
    let e = emp.get("/bcp").await;
    assert_eq!(e.status, StatusCode::OK);
    assert!(e.body.contains("id=\"plan-headquarters\"") && e.body.contains("営業 三郎"));
    assert!(!e.body.contains("id=\"edit\"") && !e.body.contains("id=\"tests\""));
    assert!(!e.body.contains("mamori-bcp/1") && !e.body.contains("rto_hours"), "no internals");
    // The document page links to the plan's page instead of showing its data.
    let api = emp.get("/api/v1/bcp").await.json();
    let doc_id = api["document"]["id"].as_str().unwrap().to_string();
    assert_eq!(api["approved"]["plan"]["headquarters"][2]["name"], "営業 三郎");
    assert_eq!(api["approved"]["approvals"].as_array().unwrap().len(), 2);
    let d = emp.get(&format!("/documents/{doc_id}")).await;
    assert!(d.body.contains("id=\"bcp-link\"") && !d.body.contains("mamori-bcp/1"), "{}", d.body);

    // The API writes a revision (422 with the fields when wrong); an employee may not.
    let mut plan = api["approved"]["plan"].clone();
    plan["functions"][0]["rto_hours"] = json!(99999);
    let r = put_plan(&mut kanri, &plan).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("functions.0.rto_hours"), "{}", r.body);
    plan["functions"][0]["rto_hours"] = json!(12);
    let r = put_plan(&mut kanri, &plan).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["draft"]["edition"], "第2版");
    assert_eq!(r.json()["approved"]["plan"]["functions"][0]["rto_hours"], 24, "in force until approved");
    let r = emp
        .send("PUT", "/api/v1/bcp", Some("application/json"), json!({"plan": plan, "change_summary": "x"}).to_string())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // One PDF for the drawer: the version in force with its approvers.
    {
        require_pdf_tools();
        let pdf = emp.get("/bcp/print").await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let path = std::env::temp_dir().join(format!("mamori-bcp-{}.pdf", mamori_app::new_id()));
        std::fs::write(&path, &pdf.bytes).unwrap();
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let _ = std::fs::remove_file(&path);
        let text = String::from_utf8_lossy(&out.stdout).replace([' ', '\n'], "");
        for s in ["事業継続計画", "初版", "管理次郎", "admin太郎", "営業三郎", "災害用伝言ダイヤル", "1/"]
        {
            assert!(text.contains(s), "{s} not in the PDF: {text}");
        }
        assert!(!text.contains("（案）"), "the version in force, not the draft");
    }
}

fn require_pdf_tools() {
    for tool in ["chromium", "pdftotext"] {
        let ok = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "{tool} is required for the PDF check: install it (scripts/test does) or run ./scripts/test");
    }
}

async fn a_drills_problem_opens_its_corrective_action_from_the_page(w: World) {
    let mut boss = w.logged_in("admin").await;
    let row = boss
        .post_json(
            "/api/v1/registers/continuity_tests/rows",
            json!({"values": {"subject": "テザリング試験", "tested_on": "2026-06-01", "kind": "代替回線（テザリング）の試験",
                   "target_minutes": 30, "actual_minutes": 45, "result": "問題あり",
                   "problems": "接続手順書が古い", "performed_by": "admin"}}),
        )
        .await;
    assert_eq!(row.status, StatusCode::CREATED, "{}", row.body);
    let id = row.json()["id"].as_str().unwrap().to_string();
    let p = boss.get("/bcp").await;
    assert!(p.body.contains("目標 30 分／実績 45 分") && p.body.contains("目標超過"));
    let action = format!("/bcp/tests/{id}/corrective");
    assert!(p.body.contains(&action));
    let csrf = Client::csrf_in(&p.body);
    // A bad due date stays on the page at the record.
    let r = boss.post_form(&action, &[("csrf", &csrf), ("owner_id", ""), ("due", "来月")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("日付（YYYY-MM-DD）で入力してください。"));
    let owner = users::people(&w.db, &boss_actor(&w).await)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.login_id == "admin")
        .unwrap()
        .id;
    let r = boss.post_form(&action, &[("csrf", &csrf), ("owner_id", &owner), ("due", "2026-07-01")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let nc = boss.get(r.location()).await;
    assert!(nc.body.contains("訓練・試験「テザリング試験」") && nc.body.contains("接続手順書が古い"), "{}", nc.body);
    // Once per record: the page now links it, and a second post is refused in place.
    let p = boss.get("/bcp").await;
    assert!(p.body.contains("NC-0001") && !p.body.contains(&action));
    let again = boss.post_form(&action, &[("csrf", &csrf), ("owner_id", &owner), ("due", "2026-07-01")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("既に起票されています"));
    // An employee may not open one, nor read the drills.
    let mut emp = signed_in(&w, "emp").await;
    let e = emp.get("/bcp").await;
    assert_eq!(e.status, StatusCode::OK);
    assert!(!e.body.contains("id=\"tests\""));
    let csrf = Client::csrf_in(&emp.get("/password").await.body);
    let r = emp.post_form(&action, &[("csrf", &csrf), ("owner_id", &owner), ("due", "2026-07-01")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn boss_actor(w: &World) -> Actor {
    let o = mamori_store::rows::org_by_slug(&mut w.db.conn().await.unwrap().ex(), "acme").await.unwrap().unwrap();
    Actor::cli(&o.id)
}

on_both_engines!(
    the_plan_is_written_approved_and_printed_from_its_page,
    a_drills_problem_opens_its_corrective_action_from_the_page
);
