//! Independent oracles: facts recomputed in the test from their documented definition, not
//! through the code under test.

use crate::on_both_engines;
use mamori_app::session::{LoginRequest, login};
use mamori_app::{Actor, org, users};
use mamori_store::{Db, rows};
use sha2::{Digest, Sha256};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// A JSON string literal, written out by hand (RFC 8259 escapes).
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: &Option<String>) -> String {
    s.as_deref().map(json_str).unwrap_or_else(|| "null".into())
}

/// ARCHITECTURE.md: `hash = SHA-256(prev_hash "\n" canonical_json)`, the canonical JSON being
/// the row's content as an object with sorted keys and no white space; the first row's
/// `prev_hash` is 64 zeros.
async fn audit_hashes_follow_the_documented_formula(db: Db) {
    let o = org::create(&db, "oracle", "オラクル株式会社", T0).await.unwrap();
    let admin = Actor::cli(&o.id);
    let new = users::NewUser {
        login_id: "sato".into(),
        display_name: "佐藤 \"一郎\"\n".into(),
        email: "sato@example.jp".into(),
        password: "Initial123".into(),
        roles: vec!["employee".into()],
    };
    users::create(&db, &admin, new, T0 + 1).await.unwrap();
    let req = |pw: &str| LoginRequest { organization: None, login_id: "sato".into(), password: pw.into(), totp: None };
    let _ = login(&db, req("wrong-one"), T0 + 2).await;
    login(&db, req("Initial123"), T0 + 3).await.unwrap();

    let stored = {
        let mut c = db.conn().await.unwrap();
        rows::audit_range(&mut c.ex(), &o.id, 1, 1000).await.unwrap()
    };
    assert!(stored.len() >= 4, "organisation, user, failed and successful login: {}", stored.len());
    let mut prev = "0".repeat(64);
    for (i, r) in stored.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        assert_eq!(r.prev_hash, prev, "row {} links to the previous row's hash", r.seq);
        let canonical = format!(
            "{{\"action\":{},\"actor_id\":{},\"actor_label\":{},\"after\":{},\"at_ms\":{},\"before\":{},\"object_id\":{},\"object_type\":{},\"org_id\":{},\"seq\":{}}}",
            json_str(&r.action),
            json_opt(&r.actor_id),
            json_str(&r.actor_label),
            json_opt(&r.after_json),
            r.at_ms,
            json_opt(&r.before_json),
            json_opt(&r.object_id),
            json_str(&r.object_type),
            json_str(&r.org_id),
            r.seq
        );
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(canonical.as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(r.hash, hex, "row {} hash recomputed from the documented formula", r.seq);
        prev = hex;
    }
}

on_both_engines!(audit_hashes_follow_the_documented_formula);
