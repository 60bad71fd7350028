//! `regulation parse|import|versions|dictionary-add` and `duties list|occurrences`.

use crate::support::{Env, seed_regulation};

#[test]
fn regulation_parse_prints_the_structure_as_json() {
    let env = Env::sqlite();
    let seed = seed_regulation();
    let out = env.bare().args(["regulation", "parse"]).arg(&seed).args(["--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let reg: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["number", "title", "edition", "date"] {
        assert!(reg["document"].get(field).is_some(), "document.{field} missing");
    }
    let controls = reg["controls"].as_array().expect("controls");
    assert!(controls.len() >= 90, "{} controls", controls.len());
    for field in ["id", "theme", "title", "control_text", "applicable", "procedure", "records", "roles", "recurring"] {
        assert!(controls[0].get(field).is_some(), "control.{field} missing");
    }
    assert!(controls.iter().any(|c| c["id"] == "5.1"));
    assert!(reg["diagnostics"].is_array());
    // Pure: no database is created, and the default format is JSON.
    assert!(!env.path("mamori-data").exists());
    let default = env.bare().args(["regulation", "parse"]).arg(&seed).output().unwrap();
    assert_eq!(default.stdout, out.stdout);
}

#[test]
fn regulation_parse_reads_shift_jis() {
    let env = Env::sqlite();
    // The PDF extraction left private-use bullets and a Kangxi radical, which Shift_JIS lacks.
    let utf8: String = std::fs::read_to_string(seed_regulation())
        .unwrap()
        .chars()
        .filter(|c| !('\u{e000}'..='\u{f8ff}').contains(c))
        .map(|c| if c == '\u{2fa7}' { '長' } else { c })
        .collect();
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&utf8);
    assert!(!unmappable, "the text is representable in Shift_JIS");
    let sjis_file = env.write("seed-sjis.txt", &sjis);
    let utf8_file = env.write("seed-utf8.txt", &utf8);
    let from_sjis = env.run(&["regulation", "parse", sjis_file.to_str().unwrap()]).ok().json();
    let from_utf8 = env.run(&["regulation", "parse", utf8_file.to_str().unwrap()]).ok().json();
    assert!(from_utf8["controls"].as_array().is_some_and(|c| c.len() >= 90));
    assert_eq!(from_sjis["controls"], from_utf8["controls"]);
    assert_eq!(from_sjis["document"], from_utf8["document"]);
}

#[test]
fn regulation_parse_fails_on_a_non_regulation() {
    let env = Env::sqlite();
    let file = env.write("memo.txt", "今日の会議メモ\n昼食は 12 時から\n");
    let out = env.run(&["regulation", "parse", file.to_str().unwrap(), "--format", "json"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.starts_with("mamori: error: "), "{out:?}");
    let missing = env.run(&["regulation", "parse", "no-such-file.txt"]);
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("no-such-file.txt"), "{missing:?}");
    let yaml = env.run(&["regulation", "parse", seed_regulation().to_str().unwrap(), "--format", "yaml"]).code(2);
    assert!(yaml.stderr.contains("unknown format"), "{yaml:?}");
}

#[test]
fn regulation_import_versions_and_dictionary_on_both_engines() {
    for env in Env::both() {
        env.org("acme");
        let seed = seed_regulation();
        let seed = seed.to_str().unwrap();
        let out = env.run(&["regulation", "import", seed, "--org", "acme"]).ok();
        let line = out.stdout.trim_end();
        assert!(line.starts_with(&format!("imported {seed} as version 1 (")), "{line}");
        assert!(line.ends_with(" diagnostics)"), "{line}");
        // The very same file again is refused and adds no version; the regulation saved again is
        // imported as version 2.
        let same = env.run(&["regulation", "import", seed]);
        assert_ne!(same.code, 0, "{same:?}");
        assert!(same.stderr.contains("identical to the latest imported version"), "{same:?}");
        let resaved = env.write("seed-regulation.txt", format!("{}\n", std::fs::read_to_string(seed).unwrap()));
        let out = env.run(&["regulation", "import", resaved.to_str().unwrap()]).ok();
        assert!(out.stdout.contains(" as version 2 ("), "{out:?}");
        let out = env.run(&["regulation", "versions", "--org", "acme"]).ok();
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{out:?}");
        assert!(lines[0].starts_with("2\t") && lines[1].starts_with("1\t"), "newest first: {out:?}");
        assert!(lines.iter().all(|l| l.ends_with("\tseed-regulation.txt")), "{out:?}");

        let memo = env.write("memo.txt", "今日の会議メモ\n");
        let bad = env.run(&["regulation", "import", memo.to_str().unwrap()]).code(2);
        assert!(bad.stderr.contains("memo.txt"), "{bad:?}");
        assert_eq!(env.run(&["regulation", "versions"]).ok().stdout.lines().count(), 2, "nothing imported");

        let out = env
            .run(&["regulation", "dictionary-add", "--kind", "role", "--name", "総務部長", "--alias", "総務責任者"])
            .ok();
        assert_eq!(out.stdout, "role 総務部長 added\n");
        let out = env.run(&["regulation", "dictionary-add", "--kind", "system", "--name", "kintone"]).ok();
        assert_eq!(out.stdout, "system kintone added\n");
        let bad = env.run(&["regulation", "dictionary-add", "--kind", "planet", "--name", "x"]);
        assert_ne!(bad.code, 0, "{bad:?}");
        assert!(!bad.stderr.is_empty());
    }
}

#[test]
fn duties_list_and_occurrences_contracts() {
    for env in Env::both() {
        env.org_with_regulation("acme");
        let out = env.run(&["duties", "list", "--org", "acme", "--format", "json"]).ok();
        let duties = out.json();
        let duties = duties.as_array().expect("an array");
        assert!(!duties.is_empty(), "the seed regulation states intervals");
        for d in duties {
            for field in [
                "id",
                "title",
                "control",
                "frequency",
                "owner_role",
                "source_text",
                "next_due",
                "decision",
                "assignee_id",
                "evidence",
            ] {
                assert!(d.get(field).is_some(), "{field} missing in {d}");
            }
        }
        // A second listing offers nothing twice.
        assert_eq!(env.run(&["duties", "list"]).ok().json().as_array().map(Vec::len), Some(duties.len()));
        assert!(duties.iter().all(|d| d["confirmed"] == false && d["next_due"].is_null()), "offered, not scheduled");
        for d in duties {
            for field in ["anchor", "context", "lead_days"] {
                assert!(d.get(field).is_some(), "{field} missing in {d}");
            }
            let e = d["evidence"].as_str().unwrap();
            assert!(
                ["note", "file", "none"].contains(&e) || e.starts_with("register:") || e.starts_with("request:"),
                "{e}"
            );
        }
        let bad = env.run(&["duties", "confirm", "--from", "someday"]).code(2);
        assert!(bad.stderr.contains("not a date (YYYY-MM-DD): someday"), "{bad:?}");
        let confirmed = env.run(&["duties", "confirm", "--from", "2026-04-01"]).ok().json();
        assert_eq!(confirmed["confirmed"].as_u64(), Some(duties.len() as u64));
        assert_eq!(env.run(&["duties", "confirm"]).ok().json()["confirmed"], 0, "nothing is offered twice");

        let out =
            env.run(&["duties", "occurrences", "--from", "2000-01-01", "--to", "2100-12-31", "--format", "json"]).ok();
        let occ = out.json();
        let occ = occ.as_array().expect("an array");
        assert!(!occ.is_empty(), "scheduled duties have occurrences from the current fiscal year on");
        for o in occ {
            for field in ["duty_id", "due", "state", "id", "status"] {
                assert!(o.get(field).is_some(), "{field} missing in {o}");
            }
            let state = o["state"].as_str().unwrap();
            assert!(["open", "done", "skipped", "overdue"].contains(&state), "{state}");
            assert!(duties.iter().any(|d| d["id"] == o["duty_id"]), "{o} names an unknown duty");
            assert!(o["due"].as_str().is_some_and(|d| d.len() == 10), "{o}");
        }
        let empty = env.run(&["duties", "occurrences", "--from", "1990-04-01", "--to", "1990-04-30"]).ok();
        assert_eq!(empty.json(), serde_json::json!([]));

        let bad = env.run(&["duties", "occurrences", "--from", "April"]).code(2);
        assert!(bad.stderr.contains("not a date (YYYY-MM-DD): April"), "{bad:?}");
        let yaml = env.run(&["duties", "list", "--format", "yaml"]).code(2);
        assert!(yaml.stderr.contains("unknown format"), "{yaml:?}");
    }
}

/// The test clock the browser suite uses: `MAMORI_TEST_NOW` sets the server's today, so what
/// is overdue follows it (never the machine's date); an unreadable value is refused.
#[test]
fn the_test_clock_sets_today() {
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    let at = |args: &[&str]| {
        let mut c = env.cmd();
        c.env("MAMORI_TEST_NOW", "2027-05-15T10:00:00+09:00").args(args);
        crate::support::output(c)
    };
    at(&["duties", "list", "--org", "acme", "--format", "json"]).ok();
    at(&["duties", "confirm", "--org", "acme", "--from", "2027-04-01"]).ok();
    let occ = at(&["duties", "occurrences", "--from", "2027-04-01", "--to", "2027-07-31", "--format", "json"]).ok();
    let occ = occ.json();
    let occ = occ.as_array().expect("an array");
    let (past, future): (Vec<_>, Vec<_>) = occ.iter().partition(|o| o["due"].as_str().unwrap() < "2027-05-15");
    assert!(!past.is_empty() && !future.is_empty(), "{occ:?}");
    assert!(past.iter().all(|o| o["state"] == "overdue"), "due before the test clock's today: {past:?}");
    assert!(future.iter().all(|o| o["state"] == "open"), "due on or after it: {future:?}");

    let mut c = env.cmd();
    c.env("MAMORI_TEST_NOW", "April").args(["duties", "list"]);
    let bad = crate::support::output(c).code(2);
    assert!(bad.stderr.contains("MAMORI_TEST_NOW=April"), "{bad:?}");
}
