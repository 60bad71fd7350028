//! `certificates check`: Japanese lines per row with a host, exit 1 when a check is not OK,
//! JSON with `--format json`; nothing to check is exit 0.

use crate::support::Env;

#[test]
fn certificates_check_prints_japanese_lines() {
    let env = Env::sqlite();
    env.org("acme");
    let none = env.run(&["certificates", "check"]).ok();
    assert!(none.stdout.contains("「自動確認するホスト」が書かれた行はありません"), "{none:?}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let csv = env.write(
        "certs.csv",
        format!(
            "名称（ドメイン・証明書）,種別,有効期限,状態,自動確認するホスト\n社内ポータル,サーバー証明書（TLS）,2027-06-01,使用中,127.0.0.1:{closed}\n"
        ),
    );
    env.run(&["register", "import", "certificates", csv.to_str().unwrap()]).ok();
    let out = env.run(&["certificates", "check"]).code(1);
    assert!(
        out.stdout.contains(&format!("社内ポータル（127.0.0.1:{closed}）: 確認できず — 接続できません")),
        "{out:?}"
    );
    assert!(out.stdout.contains("1 件を確認しました（正常でないもの 1 件）。"), "{out:?}");
    let json = env.run(&["certificates", "check", "--format", "json"]).code(1).json();
    assert_eq!(json[0]["findings"], serde_json::json!(["unreachable"]));
    assert_eq!(json[0]["registered_expiry"], "2027-06-01");
    let bad = env.run(&["certificates", "check", "--format", "xml"]);
    assert_eq!(bad.code, 2, "{bad:?}");
}
