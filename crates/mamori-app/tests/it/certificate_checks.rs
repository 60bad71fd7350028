//! The certificate check (8.24) on both engines, against a TLS server on 127.0.0.1 presenting
//! the domain crate's self-signed fixture: the stored result carries the certificate's expiry;
//! a row whose registered expiry differs is reported and not written; a closed port is
//! unreachable, a URL is not a host; 廃止 rows and rows without a host are not checked; the
//! results are for the register's readers only, the check for its editors; the daily round
//! runs once a day. A stored copy of the register from before `check_host` gets the field.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::{Actor, AppError, certificates, org, registers};
use mamori_store::Db;
use mamori_store::rows::{self, RegisterDefRow};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const CERT: &[u8] = include_bytes!("../../../mamori-domain/fixtures/cert_localhost.der");
const KEY: &[u8] = include_bytes!("../../../mamori-domain/fixtures/key_localhost.pk8.der");
/// The fixture's notAfter, 2036-11-28T00:45:16Z.
const NOT_AFTER: i64 = 2_111_445_916_000;
/// 2027-01-01 00:00 UTC: the fixture is valid and far from its expiry.
const NOW: i64 = 1_798_761_600_000;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// A TLS server on 127.0.0.1 presenting the fixture; its port.
async fn tls_server() -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(CERT.to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(KEY.to_vec())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    port
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

async fn cert_row(db: &Db, cli: &Actor, name: &str, expires: &str, host: Option<&str>, status: &str) -> String {
    let mut v = obj(json!({"name": name, "kind": "サーバー証明書（TLS）", "expires_on": expires, "status": status}));
    if let Some(h) = host {
        v.insert("check_host".into(), json!(h));
    }
    registers::create(db, cli, "certificates", &v, None, T0).await.unwrap().id
}

async fn the_check_reads_and_compares_without_writing(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    let port = tls_server().await;
    let closed = closed_port().await;
    let same = cert_row(&db, &cli, "ウェブサイト", "2036-11-28", Some(&format!("localhost:{port}")), "使用中").await;
    let differs = cert_row(&db, &cli, "メール", "2036-06-30", Some(&format!("127.0.0.1:{port}")), "使用中").await;
    let down = cert_row(&db, &cli, "停止中", "2027-06-01", Some(&format!("127.0.0.1:{closed}")), "使用中").await;
    let url = cert_row(&db, &cli, "URL", "2027-06-01", Some("https://www.example.jp/login"), "使用中").await;
    cert_row(&db, &cli, "ホストなし", "2027-06-01", None, "使用中").await;
    cert_row(&db, &cli, "廃止済み", "2027-06-01", Some(&format!("127.0.0.1:{port}")), "廃止").await;

    let done = certificates::check_now(&db, &cli, NOW).await.unwrap();
    assert_eq!(done.len(), 4, "{done:?}");
    let by = |id: &str| done.iter().find(|c| c.row_id == id).unwrap().clone();
    let ok = by(&same);
    assert_eq!((ok.outcome.as_str(), ok.findings.len()), ("ok", 0), "{ok:?}");
    assert_eq!(ok.not_after, Some(NOT_AFTER));
    assert_eq!(ok.not_after_date.as_deref(), Some("2036-11-28"));
    assert_eq!(ok.subject.as_deref(), Some("localhost"));
    assert_eq!(ok.issuer.as_deref(), Some("mamori test / localhost"));
    assert_eq!(ok.dns_names, ["localhost", "*.test.example.jp"]);
    assert_eq!(ok.host, format!("localhost:{port}"));
    let d = by(&differs);
    assert_eq!((d.outcome.as_str(), d.findings.clone()), ("attention", vec!["expiry_differs".to_string()]));
    assert_eq!((d.not_after, d.registered_expiry.as_deref()), (Some(NOT_AFTER), Some("2036-06-30")));
    let u = by(&down);
    assert_eq!((u.outcome.as_str(), u.findings.clone()), ("failed", vec!["unreachable".to_string()]));
    assert_eq!(u.not_after, None);
    assert!(!u.detail.is_empty());
    let bad = by(&url);
    assert_eq!(bad.findings, ["invalid_host"]);

    // Reported, not written: the register keeps its date.
    let row = registers::get(&db, &cli, "certificates", &differs).await.unwrap();
    assert_eq!(row.values["expires_on"], "2036-06-30");
    assert_eq!(row.version, 1);

    // Stored: the overview shows each row's latest check.
    let view = certificates::overview(&db, &cli).await.unwrap();
    assert_eq!(view.rows.len(), 4);
    let latest = view.rows.iter().find(|r| r.row_id == differs).unwrap().latest.clone().unwrap();
    assert_eq!(latest.findings, ["expiry_differs"]);
    assert_eq!(latest.checked_at, NOW);
    let mut c = db.conn().await.unwrap();
    assert_eq!(rows::recent_certificate_checks(&mut c.ex(), &o.id, 100).await.unwrap().len(), 4);
    drop(c);

    // Need-to-know: readers of the register see the results, its editors may check; an
    // employee (not a reader) finds nothing.
    add_user(&db, &cli, "auditor", "internal_auditor").await;
    add_user(&db, &cli, "emp", "employee").await;
    add_user(&db, &cli, "admin", "system_admin").await;
    let auditor = actor_of(&db, "auditor").await;
    let seen = certificates::overview(&db, &auditor).await.unwrap();
    assert!(!seen.may_run && seen.rows.len() == 4);
    assert!(matches!(certificates::check_now(&db, &auditor, NOW).await, Err(AppError::Forbidden | AppError::NotFound)));
    let emp = actor_of(&db, "emp").await;
    assert!(matches!(certificates::overview(&db, &emp).await, Err(AppError::NotFound | AppError::Forbidden)));
    assert!(matches!(certificates::check_now(&db, &emp, NOW).await, Err(AppError::NotFound | AppError::Forbidden)));
    let admin = actor_of(&db, "admin").await;
    assert!(certificates::overview(&db, &admin).await.unwrap().may_run);
    assert_eq!(certificates::check_now(&db, &admin, NOW + 1).await.unwrap().len(), 4);

    // The daily round: once a day, whichever server asks.
    let today = date(2027, 1, 1);
    let first = certificates::run_daily_if_claimed(&db, &o.id, today, NOW + 2).await.unwrap();
    assert_eq!(first.map(|v| v.len()), Some(4));
    assert!(certificates::run_daily_if_claimed(&db, &o.id, today, NOW + 3).await.unwrap().is_none());
    let mut c = db.conn().await.unwrap();
    assert_eq!(rows::recent_certificate_checks(&mut c.ex(), &o.id, 100).await.unwrap().len(), 12);
}
on_both_engines!(the_check_reads_and_compares_without_writing);

async fn a_stored_register_from_before_the_host_field_gets_it(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    let before = cert_row(&db, &cli, "ウェブサイト", "2027-06-01", None, "使用中").await;
    // The copy as an organisation created before the field holds it.
    let mut c = db.conn().await.unwrap();
    let stored = rows::register_defs(&mut c.ex(), &o.id).await.unwrap().into_iter().find(|d| d.key == "certificates");
    let stored = stored.unwrap();
    let mut def: Value = serde_json::from_str(&stored.def_json).unwrap();
    def.as_object_mut().unwrap().remove("revision");
    def["fields"].as_array_mut().unwrap().retain(|f| f["key"] != "check_host");
    let old = RegisterDefRow { def_json: def.to_string(), ..stored };
    rows::upsert_register_def(&mut c.ex(), &old).await.unwrap();
    drop(c);
    let up = registers::definition(&db, &cli, "certificates").await.unwrap();
    let keys: Vec<&str> = up.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["name", "kind", "issuer", "expires_on", "lead_days", "check_host", "owner", "status", "notes"]);
    // The row from before stays valid and takes a host.
    let mut v = registers::get(&db, &cli, "certificates", &before).await.unwrap().values;
    v.insert("check_host".into(), json!("www.example.jp"));
    registers::update(&db, &cli, "certificates", &before, &v, None, T0 + 1).await.unwrap();
    let view = certificates::overview(&db, &cli).await.unwrap();
    assert_eq!(view.rows.len(), 1);
    assert!(view.rows[0].latest.is_none());
}
on_both_engines!(a_stored_register_from_before_the_host_field_gets_it);
