//! `mamori people import` / `export` on both engines: all rows or none, every problem printed
//! with the file, row and column in Japanese (exit 1), a row with an ID updating (更新), the
//! export (CSV and xlsx) importing again unchanged, a file beyond a limit refused naming it.

use crate::support::Env;

#[test]
fn the_directory_goes_round_the_command_line() {
    for env in Env::both() {
        env.org("acme");
        let good = env.write("meibo.csv", "氏名,区分,部署\n山田 太郎,従業員,営業部\n委託 花子,委託先,\n");
        let out = env.run(&["people", "import", good.to_str().unwrap(), "--org", "acme"]).ok();
        assert!(out.stdout.contains("meibo.csv: 2 行目 追加: 山田 太郎"), "{out:?}");
        assert!(out.stdout.ends_with("meibo.csv: 追加 2 人、更新 0 人、変更なし 0 行\n"), "{out:?}");

        // The export imports again unchanged, as CSV and as xlsx.
        for format in ["csv", "xlsx"] {
            let file = env.path(&format!("export.{format}"));
            let out = env.run(&["people", "export", "--format", format, "--output", file.to_str().unwrap()]).ok();
            assert_eq!(out.stdout, format!("wrote {} (2 people)\n", file.display()));
            let out = env.run(&["people", "import", file.to_str().unwrap()]).ok();
            assert!(out.stdout.ends_with("追加 0 人、更新 0 人、変更なし 2 行\n"), "{format}: {out:?}");
        }
        // A row with an ID updates that person (更新).
        let exported = String::from_utf8(std::fs::read(env.path("export.csv")).unwrap()).unwrap();
        let changed = env.write("changed.csv", exported.replace("営業部", "総務部"));
        let out = env.run(&["people", "import", changed.to_str().unwrap()]).ok();
        assert!(out.stdout.contains("changed.csv: ") && out.stdout.contains(" 更新: 山田 太郎"), "{out:?}");
        assert!(out.stdout.ends_with("追加 0 人、更新 1 人、変更なし 1 行\n"), "{out:?}");

        // Every problem at its row and column, nothing stored.
        let bad = env.write("bad.csv", "氏名,区分\n新人,社員\n別人,インターン\n");
        let out = env.run(&["people", "import", bad.to_str().unwrap()]).code(1);
        assert!(out.stderr.contains("bad.csv: 3 行目「区分」: 選択肢にない値です。"), "{out:?}");
        assert!(out.stderr.contains("bad.csv: 1 件の問題があるため、取り込みませんでした"), "{out:?}");
        let file = env.path("after.csv");
        let out = env.run(&["people", "export", "--format", "csv", "--output", file.to_str().unwrap()]).ok();
        assert_eq!(out.stdout, format!("wrote {} (2 people)\n", file.display()), "nothing stored");

        // Beyond a limit: refused naming it.
        let mut many = String::from("氏名,区分\n");
        for i in 0..=50_000 {
            many.push_str(&format!("人{i},社員\n"));
        }
        let many = env.write("many.csv", many);
        let out = env.run(&["people", "import", many.to_str().unwrap()]).code(1);
        assert!(out.stderr.contains("many.csv: 行数が上限（50000 行）を超えています。"), "{out:?}");
        let out = env.run(&["people", "export", "--format", "pdf", "--output", file.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{out:?}");
    }
}
