//! E-mail reminders delivered to a real SMTP conversation with a local sink, on both engines.

use crate::on_both_engines;
use crate::smtp_sink::Sink;
use mamori_app::reminders::{self, MailText, Security, SmtpConfig};
use mamori_app::{Actor, duties, org, regulation, users};
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

/// Mail text with visible keys and arguments (the web layer supplies the real catalogue).
struct Keys;

impl MailText for Keys {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("【定期業務】{key} {}", a.join(" ")).trim_end().to_string()
    }
}

fn at(y: i16, m: i8, d: i8) -> i64 {
    jiff::civil::date(y, m, d).at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond()
}

fn cfg(sink: &Sink) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: Some("https://isms.example.jp/".into()),
        days_before: 7,
    }
}

async fn setup(db: &Db, now: i64) -> Actor {
    let o = org::create(db, "acme", "アクメ", now).await.unwrap();
    let a = Actor::cli(&o.id);
    for (login, role) in
        [("kanri", "security_manager"), ("sys", "system_admin"), ("top", "top_management"), ("emp", "employee")]
    {
        users::create(
            db,
            &a,
            users::NewUser {
                login_id: login.into(),
                display_name: login.into(),
                email: format!("{login}@example.jp"),
                password: "Correct-Horse-9".into(),
                roles: vec![role.into()],
            },
            now,
        )
        .await
        .unwrap();
    }
    regulation::import_text(db, &a, "seed.txt", SEED, now).await.unwrap();
    let today = mamori_app::tokyo_date(now);
    duties::offer_from_regulation(db, &a, today, now).await.unwrap();
    let fy = mamori_domain::schedule::fiscal_year_start_date(mamori_domain::schedule::fiscal_year(today, 4), 4);
    duties::confirm(db, &a, &[], fy, today, now).await.unwrap();
    a
}

async fn reminders_are_sent_once(db: Db) {
    let now = at(2026, 11, 25);
    let a = setup(&db, now).await;
    let sink = Sink::start(0).await;
    let cfg = cfg(&sink);
    let (queued, report) = reminders::run_once(&db, &cfg, &Keys, now).await.unwrap();
    assert!(queued > 0);
    assert_eq!((report.sent, report.failed), (queued, 0));
    let got = sink.messages();
    assert_eq!(got.len(), queued, "one SMTP transaction per queued mail");

    // The weekly digest reaches the security manager with every overdue item, in Japanese.
    let digest: Vec<_> = got
        .iter()
        .filter(|m| m.to == ["<kanri@example.jp>"] && m.header("Subject").unwrap().contains("mail-digest-subject"))
        .collect();
    assert_eq!(digest.len(), 1, "{:?}", got.iter().map(|m| m.header("Subject")).collect::<Vec<_>>());
    let subject = digest[0].header("Subject").unwrap();
    assert!(subject.starts_with("【定期業務】"), "{subject}");
    let body = digest[0].body();
    assert!(body.contains("control=8.13"), "{body}");
    assert!(body.contains("https://isms.example.jp/duties/occurrences/"), "{body}");
    assert_eq!(digest[0].from, "<isms@example.jp>");
    assert!(digest[0].header("Message-ID").unwrap().ends_with("@mamori>"));
    // Month-end duties fall due on 2026-11-30: reminders 7 days before reach their owners.
    assert!(got.iter().any(|m| m.header("Subject").unwrap().contains("mail-before-subject")
        && m.header("Subject").unwrap().contains("due=2026-11-30")));

    // Running again (a restart, a second worker, the next tick) sends nothing twice.
    let (again, report) = reminders::run_once(&db, &cfg, &Keys, now + 3_600_000).await.unwrap();
    assert_eq!((again, report.sent), (0, 0));
    let (_, _) = reminders::run_once(&db, &cfg, &Keys, at(2026, 11, 26)).await.unwrap();
    let after = sink.messages();
    let digests_to_kanri = after
        .iter()
        .filter(|m| m.to == ["<kanri@example.jp>"] && m.header("Subject").unwrap().contains("mail-digest"))
        .count();
    assert_eq!(digests_to_kanri, 1, "one digest per week");
    let mut ids: Vec<String> = after.iter().map(|m| m.header("Message-ID").unwrap()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no mail delivered twice");
    // Next week brings a new digest.
    reminders::run_once(&db, &cfg, &Keys, at(2026, 11, 30)).await.unwrap();
    let week2 = sink
        .messages()
        .iter()
        .filter(|m| m.to == ["<kanri@example.jp>"] && m.header("Subject").unwrap().contains("mail-digest"))
        .count();
    assert_eq!(week2, 2);

    let outbox = reminders::outbox(&db, &a, 1000).await.unwrap();
    assert_eq!(outbox.len(), sink.messages().len());
    assert!(outbox.iter().all(|m| m.sent_at.is_some() && m.attempts == 1 && m.last_error.is_none()));
}

async fn failures_are_retried_and_visible(db: Db) {
    let now = at(2026, 11, 25);
    let a = setup(&db, now).await;
    let sink = Sink::start(1).await;
    let cfg = cfg(&sink);
    let (queued, report) = reminders::run_once(&db, &cfg, &Keys, now).await.unwrap();
    assert_eq!((report.sent, report.failed), (queued - 1, 1));
    let failed: Vec<_> =
        reminders::outbox(&db, &a, 1000).await.unwrap().into_iter().filter(|m| m.sent_at.is_none()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("451"), "{:?}", failed[0].last_error);
    // Not before its retry time…
    assert_eq!(reminders::send_due(&db, &cfg, now + 1_000).await.unwrap().sent, 0);
    // …then delivered.
    let r = reminders::send_due(&db, &cfg, now + reminders::retry_delay_ms(1)).await.unwrap();
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(sink.messages().len(), queued);

    // A mail that can never be delivered stops after MAX_ATTEMPTS; an administrator's retry
    // makes it due again.
    let dead = Sink::start(usize::MAX).await;
    let dcfg = cfg_with_port(&cfg, dead.port);
    let mut t = at(2026, 11, 30);
    let (q, _) = reminders::run_once(&db, &dcfg, &Keys, t).await.unwrap();
    assert!(q > 0);
    for _ in 0..reminders::MAX_ATTEMPTS + 2 {
        t += reminders::retry_delay_ms(reminders::MAX_ATTEMPTS);
        reminders::send_due(&db, &dcfg, t).await.unwrap();
    }
    let stuck: Vec<_> =
        reminders::outbox(&db, &a, 1000).await.unwrap().into_iter().filter(|m| m.sent_at.is_none()).collect();
    assert_eq!(stuck.len(), q);
    assert!(stuck.iter().all(|m| m.attempts == reminders::MAX_ATTEMPTS));
    reminders::retry(&db, &a, &stuck[0].id, t).await.unwrap();
    let r = reminders::send_due(&db, &cfg, t).await.unwrap();
    assert_eq!(r.sent, 1, "only the retried mail is due");
    assert!(mamori_app::audit::verify_org(&db, &a.org_id).await.unwrap().is_ok());
}

fn cfg_with_port(c: &SmtpConfig, port: u16) -> SmtpConfig {
    SmtpConfig { port, ..c.clone() }
}

on_both_engines!(reminders_are_sent_once, failures_are_retried_and_visible);
