//! `soa export`, `documents export` and `register list|export|import`.

use crate::support::Env;

/// xlsx files are zip archives.
fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

#[test]
fn soa_export_writes_csv_and_xlsx() {
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    let csv = env.path("soa.csv");
    let out = env.run(&["soa", "export", "--format", "csv", "--output", csv.to_str().unwrap(), "--org", "acme"]).ok();
    assert!(out.stdout.starts_with(&format!("wrote {} (", csv.display())), "{out:?}");
    assert!(out.stdout.contains(" rows, "), "{out:?}");
    let text = String::from_utf8_lossy(&std::fs::read(&csv).unwrap()).into_owned();
    assert!(text.contains("5.1"), "the SoA lists the controls");
    let xlsx = env.path("soa.xlsx");
    env.run(&["soa", "export", "--format", "xlsx", "--output", xlsx.to_str().unwrap()]).ok();
    assert!(is_xlsx(&std::fs::read(&xlsx).unwrap()));

    let bad = env.run(&["soa", "export", "--format", "docx", "--output", env.path("soa.docx").to_str().unwrap()]);
    assert_ne!(bad.code, 0, "{bad:?}");
    assert!(!bad.stderr.is_empty());
    assert!(!env.path("soa.docx").exists());
}

#[test]
fn documents_export_writes_csv_and_xlsx() {
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    let csv = env.path("documents.csv");
    let out = env.run(&["documents", "export", "--format", "csv", "--output", csv.to_str().unwrap()]).ok();
    assert!(out.stdout.starts_with(&format!("wrote {} (", csv.display())), "{out:?}");
    assert!(out.stdout.trim_end().ends_with(" documents)"), "{out:?}");
    assert!(!std::fs::read(&csv).unwrap().is_empty());
    let xlsx = env.path("documents.xlsx");
    env.run(&["documents", "export", "--format", "xlsx", "--output", xlsx.to_str().unwrap()]).ok();
    assert!(is_xlsx(&std::fs::read(&xlsx).unwrap()));
}

#[test]
fn register_list_export_and_import_on_both_engines() {
    for env in Env::both() {
        env.org_with_regulation("acme");
        let out = env.run(&["register", "list", "--org", "acme", "--format", "json"]).ok();
        let list = out.json();
        let list = list.as_array().expect("an array");
        assert!(!list.is_empty());
        for r in list {
            for field in ["key", "name", "controls", "rows", "label"] {
                assert!(r.get(field).is_some(), "{field} missing in {r}");
            }
        }
        let media = list.iter().find(|r| r["key"] == "media_ledger").expect("媒体管理台帳");
        assert_eq!(media["rows"], 0);

        // Export the empty register, add rows to the file, import it, and see them counted.
        let csv = env.path("media.csv");
        let out =
            env.run(&["register", "export", "media_ledger", "--format", "csv", "--output", csv.to_str().unwrap()]);
        let out = out.ok();
        assert_eq!(out.stdout, format!("wrote {} (0 rows)\n", csv.display()));
        let exported = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
        assert!(exported.starts_with('\u{feff}'), "UTF-8 with BOM");
        let header = exported.lines().map(|l| l.trim_end_matches('\r')).find(|l| l.starts_with("ID,")).unwrap();
        let header = header.to_string();
        let columns: Vec<&str> = header.split(',').collect();
        let row = |media_id: &str| -> String {
            columns
                .iter()
                .map(|c| match *c {
                    "管理番号" => media_id.to_string(),
                    "種別" => "USB メモリ".to_string(),
                    "内容" => "営業資料用".to_string(),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let good = env.write("good.csv", format!("{header}\n{}\n{}\n", row("USB-01"), row("USB-02")));
        let out = env.run(&["register", "import", "media_ledger", good.to_str().unwrap()]).ok();
        assert_eq!(out.stdout, format!("{}: 2 added, 0 updated, 0 unchanged\n", good.display()), "{out:?}");
        let rows = |env: &Env| {
            let list = env.run(&["register", "list"]).ok().json();
            list.as_array().unwrap().iter().find(|r| r["key"] == "media_ledger").unwrap()["rows"].clone()
        };
        assert_eq!(rows(&env), 2);

        // The export re-imports without change.
        let again = env.path("again.csv");
        env.run(&["register", "export", "media_ledger", "--format", "csv", "--output", again.to_str().unwrap()]).ok();
        let out = env.run(&["register", "import", "media_ledger", again.to_str().unwrap()]).ok();
        assert_eq!(out.stdout, format!("{}: 0 added, 0 updated, 2 unchanged\n", again.display()), "{out:?}");

        let xlsx = env.path("media.xlsx");
        let out =
            env.run(&["register", "export", "media_ledger", "--format", "xlsx", "--output", xlsx.to_str().unwrap()]);
        assert_eq!(out.ok().stdout, format!("wrote {} (2 rows)\n", xlsx.display()));
        assert!(is_xlsx(&std::fs::read(&xlsx).unwrap()));
        let out = env.run(&["register", "import", "media_ledger", xlsx.to_str().unwrap()]).ok();
        assert_eq!(out.stdout, format!("{}: 0 added, 0 updated, 2 unchanged\n", xlsx.display()), "{out:?}");

        // Shift_JIS without a BOM.
        let text = format!("{header}\r\n{}\r\n", row("USB-03"));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let sjis_file = env.write("sjis.csv", &sjis);
        let out = env.run(&["register", "import", "media_ledger", sjis_file.to_str().unwrap()]).ok();
        assert_eq!(out.stdout, format!("{}: 1 added, 0 updated, 0 unchanged\n", sjis_file.display()), "{out:?}");
        assert_eq!(rows(&env), 3);

        // An invalid file: every (row, column, message), exit 1, nothing imported.
        let bad = env.write("bad.csv", format!("{header}\n{}\n{}\n", row("USB-09"), row("USB-09")));
        let out = env.run(&["register", "import", "media_ledger", bad.to_str().unwrap()]).code(1);
        assert!(out.stderr.contains(&format!("{}: row 3, column ", bad.display())), "{out:?}");
        assert!(out.stderr.contains("field-not-unique"), "{out:?}");
        assert!(out.stderr.contains("problems; nothing was imported"), "{out:?}");
        assert_eq!(rows(&env), 3);
        let no_header = env.write("noheader.csv", "a,b,c\n1,2,3\n");
        let out = env.run(&["register", "import", "media_ledger", no_header.to_str().unwrap()]).code(1);
        assert!(out.stderr.contains("row 1, column —: import-no-header"), "{out:?}");

        // Beyond the import limits: refused with the limit named, nothing imported.
        let mut many = format!("{header}\n");
        for i in 0..=50_000 {
            many.push_str(&row(&format!("M-{i}")));
            many.push('\n');
        }
        let many = env.write("many.csv", many);
        let out = env.run(&["register", "import", "media_ledger", many.to_str().unwrap()]);
        assert!(out.code == 1 || out.code == 2, "{out:?}");
        assert!(out.stderr.contains("many.csv: more than 50000 rows"), "{out:?}");
        assert_eq!(rows(&env), 3);

        let unknown = env.run(&["register", "export", "nope", "--format", "csv", "--output", csv.to_str().unwrap()]);
        assert_ne!(unknown.code(2).stderr.len(), 0);
    }
}

/// `suppliers questionnaire-export` writes a check sheet that `questionnaire-import` takes back
/// with the same questions; a file that is not an xlsx is refused naming the file and the
/// column in Japanese (exit 1) and nothing is stored.
#[test]
fn questionnaire_templates_go_round_the_command_line() {
    let env = Env::sqlite();
    env.org("acme");
    let xlsx = env.path("standard.xlsx");
    let out =
        env.run(&["suppliers", "questionnaire-export", "--template", "standard", "--output", xlsx.to_str().unwrap()]);
    assert_eq!(out.ok().stdout, format!("wrote {} (32 questions)\n", xlsx.display()));
    assert!(is_xlsx(&std::fs::read(&xlsx).unwrap()));
    let out =
        env.run(&["suppliers", "questionnaire-import", "--file", xlsx.to_str().unwrap(), "--title", "自社版"]).ok();
    let v = out.json();
    assert_eq!((v["title"].as_str(), v["questions"].as_i64()), (Some("自社版"), Some(32)), "{out:?}");
    let bad = env.write("notes.xlsx", "plain text");
    let out = env.run(&["suppliers", "questionnaire-import", "--file", bad.to_str().unwrap()]).code(1);
    assert!(out.stderr.contains("notes.xlsx:「ファイル」: Excel ファイル（.xlsx）ではありません。"), "{out:?}");
    let list = env.run(&["suppliers", "questionnaire-templates"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 2, "the shipped one and 自社版 only");
}

/// A certificate imported into 証明書・ドメイン管理台帳 is a due item of `duties occurrences`
/// once within its lead time (the contract); one far off is not.
#[test]
fn a_certificate_within_its_lead_time_is_a_due_occurrence() {
    for env in Env::both() {
        env.org("acme");
        let csv = env.path("certs.csv");
        env.run(&["register", "export", "certificates", "--format", "csv", "--output", csv.to_str().unwrap()]).ok();
        let exported = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
        let header = exported.lines().map(|l| l.trim_end_matches('\r')).find(|l| l.starts_with("ID,")).unwrap();
        let columns: Vec<&str> = header.split(',').collect();
        let row = |name: &str, expires: &str| -> String {
            columns
                .iter()
                .map(|c| match *c {
                    "名称（ドメイン・証明書）" => name.to_string(),
                    "種別" => "サーバー証明書（TLS）".to_string(),
                    "有効期限" => expires.to_string(),
                    "更新の通知（日前）" => "30".to_string(),
                    "状態" => "使用中".to_string(),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let file = env.write(
            "in.csv",
            format!("{header}\n{}\n{}\n", row("www.example.jp", "2026-06-20"), row("far.example.jp", "2026-12-31")),
        );
        env.run(&["register", "import", "certificates", file.to_str().unwrap()]).ok();
        let mut c = env.cmd();
        c.env("MAMORI_TEST_NOW", "2026-06-01").args([
            "duties",
            "occurrences",
            "--from",
            "2026-06-01",
            "--to",
            "2027-03-31",
            "--format",
            "json",
        ]);
        let occ = crate::support::output(c).ok().json();
        let due: Vec<&str> = occ.as_array().unwrap().iter().filter_map(|o| o["due"].as_str()).collect();
        assert_eq!(due, ["2026-06-20"], "{occ:#}");
        assert_eq!(occ[0]["state"], "open");
        let duties = env.run(&["duties", "list", "--format", "json"]).ok().json();
        let d = duties.as_array().unwrap().iter().find(|d| d["id"] == occ[0]["duty_id"]).unwrap();
        assert_eq!(d["title"], "証明書・ドメインの更新: www.example.jp");
        assert_eq!((d["control"].as_str(), d["lead_days"].as_i64()), (Some("8.24"), Some(30)));
    }
}
