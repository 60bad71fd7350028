//! Tests of format recognition, decoding and the streaming reader over the fixtures.

use super::*;
use crate::audit_data::record_from_value;
use proptest::prelude::*;
use std::io::Write;

struct Out {
    format: Format,
    events: Vec<AuditRecord>,
    accounts: Vec<Account>,
    rejected: Vec<Rejected>,
}

fn run(bytes: &[u8]) -> Result<Out, Error> {
    run_capped(bytes, Caps::default())
}

fn run_capped(bytes: &[u8], caps: Caps) -> Result<Out, Error> {
    let mut events = Vec::new();
    let mut accounts = Vec::new();
    let mut rejected = Vec::new();
    let format = read_capped(
        decode_capped(bytes, caps)?,
        caps,
        |i| match i {
            Item::Event(e) => events.push(e),
            Item::Account(a) => accounts.push(a),
        },
        |r| rejected.push(r),
    )?;
    Ok(Out { format, events, accounts, rejected })
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn hawk_powershell_export_with_its_duplicate() {
    let o = run(&fixture("hawk_Search-UnifiedAuditLog_export.csv")).unwrap();
    assert_eq!(o.format, Format::PowershellCsv);
    assert_eq!(o.events.len(), 100);
    assert!(o.rejected.is_empty(), "{:?}", o.rejected);
    let mut ids: Vec<&str> = o.events.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 99, "one Id appears twice in the real export");
    assert!(o.events.iter().all(|e| e.record_type == 1 && e.time.len() == 19));
    assert!(o.events.iter().any(|e| e.operation == "Set-ConditionalAccessPolicy"));
}

#[test]
fn plaso_json_lines_and_panther_semi_synthetic() {
    let o = run(&fixture("plaso_microsoft_audit_log.jsonl")).unwrap();
    assert_eq!(o.format, Format::AuditDataJson);
    assert_eq!(o.events.len(), 4);
    assert!(o.events.iter().any(|e| e.operation == "UserLoggedIn" && e.record_type == 15));
    let p = run(&fixture("panther_m365_rule_tests.jsonl")).unwrap();
    assert_eq!(p.events.len() + p.rejected.len(), 9);
    let failed = p.events.iter().find(|e| e.operation == "UserLoginFailed").unwrap();
    assert_eq!(failed.time, "2022-12-12T15:57:57", "a space instead of T is tolerated");
}

#[test]
fn classic_export_rejects_a_malformed_row_by_line_and_keeps_the_rest() {
    let o = run(&fixture("purview_classic.csv")).unwrap();
    assert_eq!(o.format, Format::PurviewClassic);
    assert_eq!(o.events.len(), 3);
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(o.rejected[0].line, 4);
    assert!(o.rejected[0].reason.contains("not JSON"), "{}", o.rejected[0].reason);
    let first = &o.events[0];
    assert_eq!((first.user.as_str(), first.ip.as_str(), first.record_type), ("taro@example.jp", "203.0.113.7", 15));
    assert_eq!(o.events[2].ip, "2001:db8::1");
    assert!(o.events[2].raw.contains("見積書.xlsx"), "the raw JSON is kept");
}

#[test]
fn new_export_trims_operations_and_reports_an_empty_auditdata() {
    let o = run(&fixture("purview_new.csv")).unwrap();
    assert_eq!(o.format, Format::PurviewNew);
    assert_eq!(o.events[0].operation, "Add member to role");
    assert_eq!(o.events[1].operation, "New-InboxRule");
    assert_eq!(o.rejected.len(), 1);
    assert_eq!(o.rejected[0].line, 4);
}

#[test]
fn entra_sign_ins_become_login_events() {
    let c = run(&fixture("entra_signin.csv")).unwrap();
    assert_eq!(c.format, Format::EntraSigninCsv);
    let ops: Vec<&str> = c.events.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(ops, ["UserLoginFailed", "UserLoggedIn"]);
    assert_eq!(c.events[0].id, "entra:e3000000-0000-0000-0000-000000000001");
    let j = run(&fixture("entra_signin.json")).unwrap();
    assert_eq!(j.format, Format::EntraSigninJson);
    assert_eq!(j.events.len(), 2);
    assert_eq!(j.events[0].user, "hanako@example.jp");
    assert_eq!(j.events[0].operation, "UserLoginFailed");
    assert_eq!(j.events[1].operation, "UserLoggedIn");
}

#[test]
fn admin_user_exports_in_both_header_versions() {
    let n = run(&fixture("admin_users_new.csv")).unwrap();
    assert_eq!(n.format, Format::AdminUsersCsv);
    assert_eq!(n.accounts.len(), 2);
    assert_eq!(n.accounts[0].upn, "admin@example.jp");
    assert!(!n.accounts[1].blocked);
    let o = run(&fixture("admin_users_old.csv")).unwrap();
    assert_eq!(o.format, Format::AdminUsersCsv);
    assert!(o.accounts[0].blocked);
    assert_eq!(o.accounts[0].licenses, "Unlicensed");
}

#[test]
fn utf16_bom_utf8_bom_and_gzip_are_decoded() {
    let plain = fixture("purview_classic.csv");
    let text = String::from_utf8(plain.clone()).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend_from_slice(&plain);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&utf16).unwrap();
    let gz = gz.finish().unwrap();
    for (name, bytes) in [("utf-16", utf16), ("bom", bom), ("gzip of utf-16", gz)] {
        let o = run(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(o.format, Format::PurviewClassic, "{name}");
        assert_eq!((o.events.len(), o.rejected.len()), (3, 1), "{name}");
    }
}

#[test]
fn json_array_is_streamed_element_by_element() {
    let lines = String::from_utf8(fixture("plaso_microsoft_audit_log.jsonl")).unwrap();
    let arr = format!("[\n{}\n]", lines.lines().collect::<Vec<_>>().join(",\n"));
    let o = run(arr.as_bytes()).unwrap();
    assert_eq!((o.format, o.events.len()), (Format::AuditDataJson, 4));
    let bad = r#"[{"Id":"a","CreationTime":"2026-01-01T00:00:00","Operation":"X"}, {"Id":"","CreationTime":"2026-01-01T00:00:00","Operation":"X"}]"#;
    let o = run(bad.as_bytes()).unwrap();
    assert_eq!((o.events.len(), o.rejected.len()), (1, 1));
    assert_eq!(o.rejected[0].line, 2);
}

fn limit_of(r: Result<Out, Error>) -> Limit {
    match r {
        Err(Error::Limit(l)) => l,
        Err(e) => panic!("another error: {e}"),
        Ok(o) => panic!("read {} events", o.events.len()),
    }
}

#[test]
fn every_cap_stops_the_read_naming_itself() {
    let small = Caps { expanded_bytes: 1 << 20, line_bytes: 4096, record_bytes: 4096, records: 1000 };
    let classic = fixture("purview_classic.csv");
    assert_eq!(run_capped(&classic, small).map(|o| o.events.len()).ok(), Some(3), "within the caps");

    // One endless line (no line break in 5,000 bytes), as CSV, as JSON lines and as the
    // first line the recogniser reads.
    let mut long = classic.clone();
    long.extend_from_slice(format!("2026-01-01,a,b,\"{}\"\n", "x".repeat(5000)).as_bytes());
    assert!(matches!(limit_of(run_capped(&long, small)), Limit::LineBytes { limit: 4096, line: 6 }));
    let endless = "y".repeat(10_000);
    assert!(matches!(limit_of(run_capped(endless.as_bytes(), small)), Limit::LineBytes { limit: 4096, line: 1 }));

    // A gzip bomb: 50 KB that expands to 2 MB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&classic).unwrap();
    for _ in 0..2048 {
        gz.write_all(&[b'\n'; 1024]).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 50_000, "{}", bomb.len());
    assert_eq!(limit_of(run_capped(&bomb, small)), Limit::ExpandedBytes(1 << 20));

    // Records: kept and rejected rows both count.
    let mut many = String::from("CreationDate,UserIds,Operations,AuditData\n");
    for i in 0..1001 {
        many.push_str(&format!("2026-01-01,u,op,not-json-{i}\n"));
    }
    assert_eq!(limit_of(run_capped(many.as_bytes(), small)), Limit::Records(1000));
    let lines = String::from_utf8(fixture("plaso_microsoft_audit_log.jsonl")).unwrap();
    let few = Caps { records: 3, ..small };
    assert_eq!(limit_of(run_capped(lines.as_bytes(), few)), Limit::Records(3));

    // One element of a pretty-printed JSON array larger than a record may be, over short lines.
    let big = format!(
        "[\n{{\"Id\": \"a\",\n\"CreationTime\": \"2026-01-01T00:00:00\",\n{}\"Operation\": \"X\"}}\n]",
        "\"k\": \"v\",\n".repeat(1000)
    );
    assert_eq!(limit_of(run_capped(big.as_bytes(), small)), Limit::RecordBytes { limit: 4096, element: 1 });
    let fits = Caps { record_bytes: 1 << 20, ..small };
    assert_eq!(run_capped(big.as_bytes(), fits).map(|o| o.events.len()).ok(), Some(1));
    assert!(Error::Limit(Limit::Records(3)).to_string().contains("more than 3 records"));
}

#[test]
fn unknown_files_are_refused_naming_their_start() {
    let e = run(b"name,age\nx,1\n").err().unwrap();
    assert!(e.to_string().contains("name,age"), "{e}");
    assert!(run(b"").is_err());
}

#[test]
fn ips_and_times() {
    assert_eq!(clean_ip("1.2.3.4:51000"), "1.2.3.4");
    assert_eq!(clean_ip("[2001:db8::1]:443"), "2001:db8::1");
    assert_eq!(clean_ip("::ffff:1.2.3.4"), "1.2.3.4");
    assert_eq!(clean_ip("2001:db8::1"), "2001:db8::1");
    assert_eq!(normalise_time("2026-01-24T06:54:24.0000000Z "), Some("2026-01-24T06:54:24".into()));
    assert_eq!(normalise_time("1/6/2026 9:05:03 AM"), None);
}

proptest! {
    #[test]
    fn auditdata_parser_never_panics(s in ".{0,200}") {
        let _ = parse_audit_data(&s);
    }

    #[test]
    fn records_round_trip_through_a_classic_csv(
        ops in proptest::collection::vec("[A-Za-z-]{1,20}", 1..20),
        users in proptest::collection::vec("[a-z]{1,8}@example\\.jp", 1..20),
    ) {
        let mut csv = String::from("CreationDate,UserIds,Operations,AuditData\n");
        let n = ops.len().min(users.len());
        for i in 0..n {
            let json = serde_json::json!({"Id": format!("id-{i}"), "CreationTime": "2026-01-01T00:00:00", "Operation": ops[i], "UserId": users[i], "RecordType": "15"}).to_string();
            csv.push_str(&format!("x,{},{},\"{}\"\n", users[i], ops[i], json.replace('"', "\"\"")));
        }
        let o = run(csv.as_bytes()).unwrap();
        prop_assert_eq!(o.events.len(), n);
        for (i, e) in o.events.iter().enumerate() {
            prop_assert_eq!(&e.operation, &ops[i]);
            prop_assert_eq!(&e.user, &users[i]);
            prop_assert_eq!(e.record_type, 15);
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        "[ -~]{0,12}".prop_map(serde_json::Value::from),
        "\\\\u00e9[a-z]{0,3}|\\\\\"q\\\\\"".prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e9f64..1e9).prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
        Just(json!([1, "a", {"b": null}])),
        Just(json!({"Name": "ForwardTo", "Value": "x@example.com"})),
    ]
}

proptest! {
    #[test]
    fn the_fast_auditdata_path_agrees_with_the_value_path(
        fields in proptest::collection::vec(
            (prop_oneof![
                Just("Id"), Just("CreationTime"), Just("Operation"), Just("RecordType"), Just("ClientIP"),
                Just("ClientIPAddress"), Just("ActorIpAddress"), Just("UserId"), Just("Workload"),
                Just("ResultStatus"), Just("ObjectId"), Just("Parameters")
            ], json_value()),
            0..14,
        ),
        good_time in any::<bool>(),
        escaped_id in any::<bool>(),
    ) {
        let mut o = serde_json::Map::new();
        if good_time {
            o.insert("CreationTime".into(), "2026-01-05T01:02:03".into());
            o.insert("Id".into(), if escaped_id { "id-\u{e9}\"x\"".into() } else { "id-1".into() });
            o.insert("Operation".into(), "FileAccessed".into());
        }
        for (k, v) in fields {
            o.insert(k.to_string(), v);
        }
        let json = serde_json::Value::Object(o).to_string();
        let slow = serde_json::from_str::<serde_json::Value>(&json)
            .map_err(|e| e.to_string())
            .and_then(|v| record_from_value(&v))
            .map(|mut r| {
                r.raw = json.clone();
                r
            });
        prop_assert_eq!(parse_audit_data(&json), slow);
    }
}

#[test]
fn duplicate_keys_fall_back_to_the_value_path() {
    let json = r#"{"Id":"a","Id":"b","CreationTime":"2026-01-05T01:02:03","Operation":"Send"}"#;
    assert_eq!(parse_audit_data(json).unwrap().id, "b", "the last value wins, as serde_json's Value keeps it");
}
