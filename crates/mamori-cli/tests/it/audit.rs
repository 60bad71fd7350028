//! `mamori audit checkpoint` and `mamori audit verify` against the anchored trail (issue 14):
//! tampering that the hash chain alone does not see fails verification, naming the
//! organisation and the first missing or altered seq.

use crate::support::Env;

/// An organisation with more than 40 audit rows; returns the row count.
fn org_with_many_rows(env: &Env) -> u64 {
    env.org("acme");
    env.run(&["user", "add", "--login-id", "sato", "--role", "employee"]).ok();
    for _ in 0..42 {
        env.run(&["user", "unlock", "--login-id", "sato"]).ok();
    }
    let out = env.run(&["audit", "verify"]).ok();
    let line = out.stdout.lines().next().unwrap_or_default();
    line.strip_prefix("acme (acme 株式会社): ok, ")
        .and_then(|r| r.split_once(" rows;"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected {line:?}"))
}

#[test]
fn deleting_the_newest_40_rows_after_a_checkpoint_fails_verify_on_sqlite() {
    let env = Env::sqlite();
    let rows = org_with_many_rows(&env);
    assert!(rows > 40, "{rows}");
    let out = env.run(&["audit", "checkpoint"]).ok();
    assert!(out.stdout.starts_with(&format!("acme: checkpoint seq {rows} signed ")), "{out:?}");
    let key = env.data_dir().join("audit-signing.key");
    assert!(key.is_file(), "the key file is created in the data directory");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The private key is nowhere in the database.
    let secret = std::fs::read_to_string(&key).unwrap().lines().last().unwrap().to_string();
    assert_eq!(
        env.sql(&format!(
            "UPDATE audit_checkpoint SET key_id = key_id WHERE signature LIKE '%{secret}%' OR public_key = '{secret}'"
        )),
        0
    );
    // A second run with no new rows signs nothing new.
    let out = env.run(&["audit", "checkpoint"]).ok();
    assert!(out.stdout.contains("acme: unchanged since checkpoint"), "{out:?}");
    let out = env.run(&["audit", "verify"]).ok();
    assert!(out.stdout.contains(&format!("latest checkpoint: seq {rows} signed ")), "{out:?}");

    let keep = rows - 40;
    assert_eq!(env.sql(&format!("DELETE FROM audit_log WHERE seq > {keep}")), 40);
    let out = env.run(&["audit", "verify"]).code(1);
    let first = keep + 1;
    assert!(out.stdout.contains(&format!("acme (acme 株式会社): BROKEN at seq {first}:")), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("organisation acme (acme 株式会社) is broken: first missing or altered seq {first}")),
        "{out:?}"
    );
    // The checkpoint command refuses to sign over it.
    let out = env.run(&["audit", "checkpoint"]).code(1);
    assert!(out.stdout.contains(&format!("acme: NOT SIGNED, the trail is broken at seq {first}")), "{out:?}");
    // Deleting the checkpoints too does not help: the newest one is kept beside the key file.
    assert_eq!(env.sql("DELETE FROM audit_checkpoint"), 1);
    assert!(env.data_dir().join("audit-signing.heads").is_file());
    let out = env.run(&["audit", "verify"]).code(1);
    assert!(out.stdout.contains(&format!("acme (acme 株式会社): BROKEN at seq {first}:")), "{out:?}");
}

#[test]
fn a_deleted_trail_fails_verify_on_sqlite() {
    let env = Env::sqlite();
    env.org("acme");
    env.org("beta");
    env.run(&["user", "add", "--org", "acme", "--login-id", "sato", "--role", "employee"]).ok();
    env.run(&["audit", "checkpoint"]).ok();
    env.run(&["audit", "verify"]).ok();
    // beta's whole trail deleted.
    assert!(env.sql("DELETE FROM audit_log WHERE org_id = (SELECT id FROM organization WHERE slug = 'beta')") > 0);
    let out = env.run(&["audit", "verify"]).code(1);
    assert!(out.stdout.contains("beta (beta 株式会社): BROKEN at seq 1:"), "{out:?}");
    assert!(out.stdout.contains("acme (acme 株式会社): ok"), "{out:?}");
}

#[test]
fn checkpoints_on_postgresql_use_the_data_directory_key_or_a_configured_one() {
    let Some(env) = Env::pg() else { return };
    env.org("acme");
    // Unconfigured, the key is the data directory's, where the evidence files are too.
    let out = env.run(&["audit", "checkpoint"]).ok();
    assert!(out.stdout.starts_with("acme: checkpoint seq 1 signed "), "{out:?}");
    assert!(env.path("mamori-data").join("audit-signing.key").exists(), "the default key file");
    env.run(&["audit", "verify"]).ok();
    // Without that key (another configured path holding none), existing checkpoints cannot be
    // checked: verify fails rather than trusting them.
    let key = env.path("keys/audit.key");
    let key_arg = key.to_str().unwrap();
    let out = env.run(&["--audit-key-file", key_arg, "audit", "verify"]).code(1);
    assert!(out.stdout.contains("acme (acme 株式会社): BROKEN at seq 1:"), "{out:?}");
    // A checkpoint signed by another key is reported.
    env.run(&["user", "add", "--login-id", "sato", "--role", "employee"]).ok();
    assert_eq!(env.sql("DELETE FROM audit_checkpoint"), 1);
    env.run(&["--audit-key-file", key_arg, "audit", "checkpoint"]).ok();
    let out = env.run(&["audit", "verify"]).code(1);
    assert!(out.stdout.contains("signed by another key"), "{out:?}");
}

#[test]
fn an_import_is_followed_by_a_checkpoint() {
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    let out = env.run(&["audit", "verify"]).ok();
    let line = out.stdout.lines().next().unwrap_or_default();
    let (rows, cp) = line
        .strip_prefix("acme (acme 株式会社): ok, ")
        .and_then(|r| r.split_once(" rows; latest checkpoint: seq "))
        .map(|(n, rest)| (n.to_string(), rest.split(' ').next().unwrap_or_default().to_string()))
        .unwrap_or_else(|| panic!("unexpected {line:?}"));
    assert_eq!(rows, cp, "{line}");
}

/// Whether `s` holds something shaped like a UUID (8-4-4-4-12 hex digits).
fn has_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = [8, 4, 4, 4, 12];
    (0..b.len()).any(|i| {
        let mut at = i;
        shape.iter().enumerate().all(|(n, len)| {
            let ok = b.len() >= at + len && b[at..at + len].iter().all(u8::is_ascii_hexdigit);
            at += len;
            let dash = n == 4 || b.get(at) == Some(&b'-');
            at += 1;
            ok && dash
        })
    })
}

#[test]
fn audit_export_writes_the_log_in_japanese_as_csv_and_xlsx_for_a_period() {
    use calamine::Reader;
    let env = Env::sqlite();
    env.org_with_regulation("acme");
    env.run(&["user", "add", "--login-id", "sato", "--role", "employee"]).ok();

    let csv = env.path("audit.csv");
    let out = env.run(&["audit", "export", "--format", "csv", "--output", csv.to_str().unwrap()]).ok();
    let (prefix, n) = out.stdout.trim_end().rsplit_once(" (").expect("wrote … (N entries)");
    assert_eq!(prefix, format!("wrote {}", csv.display()), "{out:?}");
    let n: usize = n.trim_end_matches(" entries)").parse().expect("a count");
    assert!(n >= 2, "the import and the user: {n}");
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    assert!(text.starts_with("\u{feff}監査ログ（acme 株式会社）\r\n"), "{text}");
    assert!(text.contains("\r\n番号,日時,実行者,操作,対象,内容\r\n"), "Japanese column titles: {text}");
    assert!(text.contains("コマンドライン（サーバー管理者）"), "the actor in words: {text}");
    assert!(text.contains("ハッシュチェーンは正常です"), "the verification below the rows: {text}");
    assert!(!has_uuid(&text), "no UUID in the export: {text}");
    assert!(!text.contains("user_created") && !text.contains("\"after\""), "no internal keys: {text}");

    // A period before anything happened: the file has its titles and no row.
    let old = env.path("old.csv");
    let out = env
        .run(&[
            "audit",
            "export",
            "--format",
            "csv",
            "--output",
            old.to_str().unwrap(),
            "--from",
            "2001-01-01",
            "--to",
            "2001/1/31",
        ])
        .ok();
    assert!(out.stdout.ends_with("(0 entries)\n"), "{out:?}");
    let old = String::from_utf8(std::fs::read(&old).unwrap()).unwrap();
    assert!(old.contains("期間: 2001-01-01 ～ 2001/1/31"), "{old}");

    let xlsx = env.path("audit.xlsx");
    env.run(&["audit", "export", "--format", "xlsx", "--output", xlsx.to_str().unwrap(), "--org", "acme"]).ok();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("a workbook");
    let sheet = book.worksheet_range("監査ログ").expect("the sheet 監査ログ");
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
    assert_eq!(cell(0, 0), "監査ログ（acme 株式会社）");
    assert_eq!((cell(3, 0), cell(3, 2), cell(3, 5)), ("番号".into(), "実行者".into(), "内容".into()));
    assert_eq!(cell(4, 0), "1", "the first entry first");
    let body: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()).collect();
    assert!(!body.iter().any(|c| has_uuid(c)), "no UUID in the workbook");
    assert_eq!(sheet.rows().skip(4).take_while(|r| !r[0].to_string().is_empty()).count(), n);

    // Refusals name the option.
    let bad = env.run(&["audit", "export", "--format", "pdf", "--output", env.path("a.pdf").to_str().unwrap()]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("--format"), "{bad:?}");
    let bad = env.run(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--output",
        env.path("b.csv").to_str().unwrap(),
        "--from",
        "2026-05-01",
        "--to",
        "2026-04-01",
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("--to"), "{bad:?}");
    assert!(!env.path("b.csv").exists());
}
