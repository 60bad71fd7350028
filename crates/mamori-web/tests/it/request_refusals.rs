//! A refused action on a request's page comes back on that page (not an error page): why, in
//! Japanese with the field's label, what to do next, and the comment typed; and the supplier a
//! cloud-service adoption wrote, named and linked to its page (never by id).

use crate::client::{Client, World};
use crate::on_both_engines;
use axum::http::StatusCode;
use serde_json::json;

async fn with_csrf(mut c: Client) -> Client {
    let token = c.get("/api/v1/me").await.json()["csrf_token"].as_str().unwrap().to_string();
    c.headers.push(("x-csrf-token".into(), token));
    c
}

async fn act(c: &mut Client, id: &str, action: &str, comment: &str) -> crate::client::Resp {
    let page = c.get(&format!("/requests/{id}")).await;
    let csrf = Client::csrf_in(&page.body);
    let b = "----mamori-refusal";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{comment}\r\n--{b}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\n{action}\r\n--{b}--\r\n"
    );
    c.send("POST", &format!("/requests/{id}/transitions"), Some(&format!("multipart/form-data; boundary={b}")), body)
        .await
}

async fn refusals_stay_on_the_request(w: World) {
    let mut a = with_csrf(w.logged_in("admin").await).await;
    let fields =
        json!({"kind": "導入", "service": "Box Business", "provider": "Box Japan", "security": "ISMAP 登録済み"});
    let mine = a.post_json("/api/v1/requests", json!({"type": "cloud_service", "fields": fields})).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    let mine = mine.json()["id"].as_str().unwrap().to_string();

    // Approving one's own request: refused in place, the comment kept, the next step said.
    let r = act(&mut a, &mine, "approve", "急ぎで導入したい").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"request-refusal\""), "{}", r.body);
    assert!(r.body.contains("職務の分離") && r.body.contains("次にすること"));
    assert!(r.body.contains(">急ぎで導入したい</textarea>"));
    assert!(!r.body.contains("separation_of_duties"));

    // Someone else's: a rejection without its reason is refused at the comment, by its label.
    let mut e = w.logged_in("emp").await;
    e.post_json("/api/v1/me/password", json!({"current_password": "Initial123", "new_password": "Employee99"})).await;
    let mut e = with_csrf(e).await;
    let theirs = e.post_json("/api/v1/requests", json!({"type": "cloud_service", "fields": fields})).await;
    let theirs = theirs.json()["id"].as_str().unwrap().to_string();
    let r = act(&mut a, &theirs, "reject", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("コメント") && r.body.contains("id=\"request-refusal\""), "{}", r.body);

    // Approved: the supplier it wrote is named and linked to its page.
    let r = act(&mut a, &theirs, "approve", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let record = a.get(&format!("/api/v1/requests/{theirs}")).await.json()["record_ref"].as_str().unwrap().to_string();
    let supplier = record.strip_prefix("suppliers/").expect("a supplier").to_string();
    let page = a.get(&format!("/requests/{theirs}")).await;
    assert!(
        page.body.contains(&format!(
            "href=\"/suppliers/{supplier}\" id=\"request-record\">取引先・委託先管理台帳: Box Japan<"
        )),
        "{}",
        page.body
    );
    // A second click on the approval (a stale page) is a conflict explained in place.
    let r = act(&mut a, &theirs, "approve", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("現在の状態"));
    // The requester may not read the supplier register: the row is named, not linked.
    let p = e.get(&format!("/requests/{theirs}")).await;
    assert!(!p.body.contains(&format!("/suppliers/{supplier}")) && !p.body.contains(&supplier));
}
on_both_engines!(refusals_stay_on_the_request);
