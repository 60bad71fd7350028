//! Server-rendered pages: language, menus by role, CSRF, the login → change password →
//! dashboard journey, and the users administration forms.

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;

fn redact(html: &str) -> String {
    let mut out = html.to_string();
    while let Some(i) = out.find("name=\"csrf\" value=\"") {
        let start = i + 19;
        out.replace_range(start..start + 64, "<csrf>");
        out.replace_range(i..i + 4, "NAME");
    }
    out
}

async fn login_page_is_japanese_first_then_english(w: World) {
    let mut c = w.client();
    let r = c.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<html lang=\"ja\">"));
    assert!(r.body.contains("ログインID"));
    insta::assert_snapshot!("login_page_ja", redact(&r.body));

    let mut en = w.client();
    en.accept_language = Some("en-US,en;q=0.9".into());
    let r = en.get("/login").await;
    assert!(r.body.contains("<html lang=\"en\">") && r.body.contains("Login ID"));

    // The switch wins over Accept-Language and returns to the page.
    let r = en.get("/lang?set=ja&next=/login").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(en.get("/login").await.body.contains("<html lang=\"ja\">"));
    // No open redirects.
    assert_eq!(en.get("/lang?set=en&next=//evil.example").await.location(), "/");
    // Browsers drop a tab or a newline, which would turn these into //evil.example.
    for next in ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil", "/%5Cevil.example", "/%E3%80%80/x"] {
        let r = en.get(&format!("/lang?set=en&next={next}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.location(), "/", "{next}");
    }
}

async fn login_journey_with_forced_password_change(w: World) {
    let mut c = w.client();
    assert_eq!(c.get("/").await.location(), "/login");
    let page = c.get("/login").await;
    let csrf = Client::csrf_in(&page.body);

    // A login form without the matching token is refused.
    let r =
        c.post_form("/login", &[("csrf", &"0".repeat(64)), ("login_id", "admin"), ("password", "Initial123")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = c.post_form("/login", &[("csrf", &csrf), ("login_id", "admin"), ("password", "Initial123")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/password");
    // Every other page sends back to the password form.
    assert_eq!(c.get("/users").await.location(), "/password");
    let page = c.get("/password").await;
    assert!(page.body.contains("初期パスワードのままです"));
    let csrf = Client::csrf_in(&page.body);
    let r = c
        .post_form(
            "/password",
            &[
                ("csrf", &csrf),
                ("current_password", "Initial123"),
                ("new_password", "abc"),
                ("confirm_password", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("8 文字以上にしてください。") && r.body.contains("数字を含めてください。"));
    let r = c
        .post_form(
            "/password",
            &[
                ("csrf", &csrf),
                ("current_password", "Initial123"),
                ("new_password", "Admin1234"),
                ("confirm_password", "Admin1234"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = c.get(r.location()).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("パスワードを変更しました。"));
    assert!(home.body.contains("ようこそ"));
    assert!(home.body.contains("経営責任者、システム管理者"));
    for menu in ["href=\"/users\"", "href=\"/audit\""] {
        assert!(home.body.contains(menu), "administrator sees {menu}");
    }

    // Logout needs the token too.
    let csrf = Client::csrf_in(&home.body);
    let r = c.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.location(), "/login");
    assert_eq!(c.get("/").await.location(), "/login");
}

async fn menus_and_pages_follow_the_role(w: World) {
    let mut emp = w.logged_in("emp").await;
    let r = emp.get("/").await;
    assert_eq!(r.location(), "/password");
    let page = emp.get("/password").await;
    let nav = &page.body[page.body.find("<nav").unwrap()..page.body.find("</nav>").unwrap()];
    assert!(!nav.contains("/users") && !nav.contains("/audit") && !nav.contains("href=\"/\""), "{nav}");
    let csrf = Client::csrf_in(&page.body);
    emp.post_form(
        "/password",
        &[
            ("csrf", &csrf),
            ("current_password", "Initial123"),
            ("new_password", "Employee99"),
            ("confirm_password", "Employee99"),
        ],
    )
    .await;
    let home = emp.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let nav = &home.body[home.body.find("<nav").unwrap()..home.body.find("</nav>").unwrap()];
    assert!(nav.contains("href=\"/\"") && !nav.contains("/users") && !nav.contains("/audit"), "{nav}");
    let r = emp.get("/audit").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("権限がありません"));
    assert_eq!(emp.get("/users").await.status, StatusCode::FORBIDDEN);
}

async fn administrator_manages_users_from_the_page(w: World) {
    let mut a = w.logged_in("admin").await;
    let page = a.get("/users").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = Client::csrf_in(&page.body);

    // Missing token: refused, nothing created.
    let r = a
        .post_form(
            "/users",
            &[("login_id", "yamada"), ("display_name", "山田"), ("password", "Yamada2026"), ("roles", "employee")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = a
        .post_form(
            "/users",
            &[
                ("csrf", &csrf),
                ("login_id", "yamada"),
                ("display_name", "山田 一郎"),
                ("email", ""),
                ("password", "Yamada2026"),
                ("roles", "employee"),
                ("roles", "internal_auditor"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(r.location()).await;
    assert!(page.body.contains("ユーザー yamada を追加しました"));
    assert!(page.body.contains("山田 一郎"));

    // Validation errors are shown in place and keep what was typed.
    let r = a
        .post_form("/users", &[("csrf", &csrf), ("login_id", "bad id"), ("display_name", "x"), ("password", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"bad id\""));

    // Lock yamada out, then unlock from the page (plain form and htmx row swap).
    let mut y = w.client();
    for _ in 0..3 {
        y.post_json("/api/v1/session", serde_json::json!({"login_id": "yamada", "password": "nope"})).await;
    }
    let page = a.get("/users").await;
    assert!(page.body.contains("ロック中"));
    let r = a.send("POST", "/users/yamada/unlock", Some("application/x-www-form-urlencoded"), format!("csrf={csrf}"));
    let r = r.await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(a.get(r.location()).await.body.contains("yamada のロックを解除しました"));
    for _ in 0..3 {
        y.post_json("/api/v1/session", serde_json::json!({"login_id": "yamada", "password": "nope"})).await;
    }
    let mut hx = a;
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/users/yamada/unlock")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header("cookie", hx.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
        .body(axum::body::Body::from(format!("csrf={csrf}")))
        .unwrap();
    use tower::ServiceExt;
    let resp = hx.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    let row = String::from_utf8_lossy(&body);
    assert!(row.trim_start().starts_with("<tr id=\"user-yamada\""), "{row}");
    assert!(row.contains("有効") && !row.contains("ロック中"));
    let r = hx.get("/users").await;
    assert_eq!(r.status, StatusCode::OK);

    // Reissuing a password shows it once.
    let r = hx.post_form("/users/yamada/reset-password", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("yamada の初期パスワードを再発行しました: "));

    // The audit page lists the actions and says the chain is intact.
    let audit = hx.get("/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    for label in ["ロック解除", "アカウントロック", "パスワード再発行", "ログイン失敗"] {
        assert!(audit.body.contains(label), "{label}");
    }
    assert!(audit.body.contains("ハッシュチェーンは正常です"));
}

on_both_engines!(
    login_page_is_japanese_first_then_english,
    login_journey_with_forced_password_change,
    menus_and_pages_follow_the_role,
    administrator_manages_users_from_the_page,
);
