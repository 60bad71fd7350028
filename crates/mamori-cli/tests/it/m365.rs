//! `m365 import|detect|events|purge` with the Microsoft 365 fixtures.

use crate::support::{Env, m365_fixture};

const FILE_FIELDS: [&str; 7] = ["path", "format", "sha256", "read", "new", "duplicate", "rejected"];

fn evidence_files(env: &Env) -> usize {
    fn count(p: &std::path::Path) -> usize {
        match std::fs::read_dir(p) {
            Ok(rd) => rd.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum(),
            Err(_) => 0,
        }
    }
    count(&env.data_dir().join("evidence"))
}

#[test]
fn m365_import_recognises_the_formats_on_both_engines() {
    for env in Env::both() {
        env.org("acme");
        let files = [
            ("purview_classic.csv", "purview_classic"),
            ("purview_new.csv", "purview_new"),
            ("entra_signin.csv", "entra_signin_csv"),
            ("entra_signin.json", "entra_signin_json"),
            ("admin_users_old.csv", "admin_users_csv"),
            ("hawk_Search-UnifiedAuditLog_export.csv", "powershell_csv"),
            ("plaso_microsoft_audit_log.jsonl", "auditdata_json"),
            ("panther_m365_rule_tests.jsonl", "auditdata_json"),
        ];
        let paths: Vec<String> = files.iter().map(|(f, _)| m365_fixture(f).display().to_string()).collect();
        let mut args = vec!["m365", "import"];
        args.extend(paths.iter().map(String::as_str));
        args.extend(["--org", "acme", "--format", "json"]);
        let out = env.run(&args).ok();
        let json = out.json();
        let reported = json["files"].as_array().expect("files");
        assert_eq!(reported.len(), files.len());
        for (r, (name, format)) in reported.iter().zip(files) {
            for field in FILE_FIELDS {
                assert!(r.get(field).is_some(), "{field} missing in {r}");
            }
            assert_eq!(r["format"], format, "{name}");
            assert!(r["path"].as_str().unwrap().ends_with(name), "{r}");
            assert_eq!(r["sha256"].as_str().map(str::len), Some(64), "{r}");
            assert!(r["read"].as_u64().unwrap() > 0, "{r}");
        }
        // Rejected rows are counted and printed on stderr with their line.
        assert_eq!(reported[0]["rejected"], 1, "{}", reported[0]);
        assert!(out.stderr.contains(&format!("{}: line 4: ", paths[0])), "{out:?}");
        if matches!(env.backend, crate::support::Backend::Sqlite) {
            assert!(evidence_files(&env) >= files.len(), "each file is kept as evidence");
        }

        // Re-importing adds nothing.
        let again = env.run(&["m365", "import", &paths[0]]).ok().json();
        let f = &again["files"][0];
        assert_eq!(f["new"], 0, "{f}");
        assert_eq!(f["duplicate"], reported[0]["new"], "{f}");

        let events = env
            .run(&["m365", "events", "--from", "2000-01-01", "--to", "2100-12-31", "--limit", "5", "--format", "json"])
            .ok()
            .json();
        let events = events.as_array().expect("an array");
        assert_eq!(events.len(), 5);
        for e in events {
            for field in ["id", "time", "operation", "user", "ip", "workload", "record_type", "result", "audit_data"] {
                assert!(e.get(field).is_some(), "{field} missing in {e}");
            }
        }
        let user = events[0]["user"].as_str().unwrap().to_string();
        let mine = env.run(&["m365", "events", "--user", &user, "--limit", "1000"]).ok().json();
        assert!(mine.as_array().unwrap().iter().all(|e| e["user"] == user.as_str()), "{mine}");
        let none = env.run(&["m365", "events", "--from", "1990-01-01", "--to", "1990-01-02"]).ok().json();
        assert_eq!(none, serde_json::json!([]));

        let hits = env.run(&["m365", "detect", "--since", "2000-01-01", "--format", "json"]).ok().json();
        let list = hits.as_array().expect("an array");
        for rule in ["role_change", "mailbox_forwarding", "mfa_change"] {
            assert!(list.iter().any(|h| h["rule"] == rule), "no {rule} in {hits}");
        }
        for h in list {
            for field in ["rule", "user", "first_seen", "last_seen", "count", "event_ids"] {
                assert!(h.get(field).is_some(), "{field} missing in {h}");
            }
        }
        assert_eq!(env.run(&["m365", "detect"]).ok().json(), hits, "all events by default");
        let later = env.run(&["m365", "detect", "--since", "2099-01-01"]).ok().json();
        assert_eq!(later, serde_json::json!([]), "nothing after --since");
        let bad = env.run(&["m365", "detect", "--since", "yesterday"]).code(2);
        assert!(bad.stderr.contains("--since: not a date (YYYY-MM-DD): yesterday"), "{bad:?}");

        let purge = env.run(&["m365", "purge"]).ok().json();
        assert!(purge.get("purged").is_some(), "{purge}");
    }
}

#[test]
fn m365_import_reads_gzip_utf16_and_bom() {
    use std::io::Write;
    let env = Env::sqlite();
    env.org("acme");
    let text = std::fs::read_to_string(m365_fixture("entra_signin.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = env.write("signin.csv.gz", gz.finish().unwrap());
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let utf16 = env.write("signin-utf16.csv", utf16);
    let bom = env.write("signin-bom.csv", format!("\u{feff}{text}"));
    let out =
        env.run(&["m365", "import", gz.to_str().unwrap(), utf16.to_str().unwrap(), bom.to_str().unwrap()]).ok().json();
    let files = out["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for f in files {
        assert_eq!(f["format"], "entra_signin_csv", "{f}");
    }
    assert!(files[0]["new"].as_u64().unwrap() > 0, "{out}");
    // The same events in three encodings: the second and third add nothing.
    assert_eq!(files[1]["new"], 0, "{out}");
    assert_eq!(files[2]["new"], 0, "{out}");
    assert_eq!(files[1]["duplicate"], files[0]["new"], "{out}");
}

#[test]
fn m365_import_rejects_an_unrecognised_file_and_stores_nothing() {
    for env in Env::both() {
        env.org("acme");
        let memo = env.write("memo.csv", "name,amount\nlunch,1200\n");
        let out = env.run(&["m365", "import", memo.to_str().unwrap()]).code(1);
        assert!(!out.stderr.trim().is_empty(), "{out:?}");
        assert_eq!(out.json(), serde_json::json!({ "files": [] }));
        assert_eq!(evidence_files(&env), 0);
        let events = env.run(&["m365", "events"]).ok().json();
        assert_eq!(events, serde_json::json!([]));

        // With a good file beside it: the good one is imported, the exit code is still 1.
        let good = m365_fixture("purview_classic.csv");
        let out = env.run(&["m365", "import", memo.to_str().unwrap(), good.to_str().unwrap()]).code(1);
        let files = out.json()["files"].as_array().unwrap().clone();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0]["format"], "purview_classic");

        let yaml = env.run(&["m365", "import", good.to_str().unwrap(), "--format", "yaml"]).code(2);
        assert!(yaml.stderr.contains("unknown format"), "{yaml:?}");
    }
}

/// A gzip whose one CSV row expands past the 4 MB line cap is refused naming the cap, and
/// stores nothing (no events, no evidence copy).
#[test]
fn m365_import_refuses_a_file_beyond_a_cap_naming_it() {
    use std::io::Write;
    let env = Env::sqlite();
    env.org("acme");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"CreationDate,UserIds,Operations,AuditData\n2026-01-05,a,b,\"").unwrap();
    for _ in 0..5 * 1024 {
        gz.write_all(&[b'x'; 1024]).unwrap();
    }
    let bomb = env.write("bomb.csv.gz", gz.finish().unwrap());
    let out = env.run(&["m365", "import", bomb.to_str().unwrap()]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("bomb.csv.gz") && out.stderr.contains("line 2 is longer than 4194304 bytes"),
        "{out:?}"
    );
    assert_eq!(evidence_files(&env), 0);
    assert_eq!(env.run(&["m365", "events"]).ok().json(), serde_json::json!([]));
}
