//! Certification audits on both engines: an external audit recorded with every problem at its
//! field, a finding of the body raising a corrective action (a certification audit finding to
//! corrective action, through its effectiveness check), findings that raise none, the
//! certificate's expiry on the dashboard's window and its reminder mail queued once per
//! threshold, and who may read and record.

use crate::on_both_engines;
use crate::support::{T0, actor_of, add_user};
use jiff::civil::date;
use mamori_app::certification_audits::{self as ca, NewAudit, NewCertificate, NewFinding};
use mamori_app::nonconformities as nc;
use mamori_app::reminders::{self, MailText, Security, SmtpConfig};
use mamori_app::{Actor, AppError, org, regulation};
use mamori_store::Db;

const SEED: &str = include_str!("../../../../examples/seed-regulation.txt");

struct Keys;

impl MailText for Keys {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{key} {}", a.join(" ")).trim_end().to_string()
    }
}

fn fields(r: Result<impl std::fmt::Debug, AppError>) -> Vec<(String, String)> {
    match r {
        Err(AppError::Validation(p)) => p,
        other => panic!("{other:?}"),
    }
}

fn stage2() -> NewAudit {
    NewAudit {
        kind: "stage2".into(),
        body: "日本品質保証機構".into(),
        lead_auditor: "審査 一郎".into(),
        auditors: "審査 二郎".into(),
        starts_on: "2026-02-10".into(),
        ends_on: "2026-02-11".into(),
    }
}

async fn a_certification_audit_finding_to_corrective_action(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    regulation::import_text(&db, &cli, "seed.txt", SEED, T0).await.unwrap();
    for (login, role) in
        [("boss", "top_management"), ("kanri", "security_manager"), ("kansa", "internal_auditor"), ("emp", "employee")]
    {
        add_user(&db, &cli, login, role).await;
    }
    let [boss, kanri, kansa, emp] = [
        actor_of(&db, "boss").await,
        actor_of(&db, "kanri").await,
        actor_of(&db, "kansa").await,
        actor_of(&db, "emp").await,
    ];
    let today = date(2026, 2, 11);

    // Employees neither read nor record (findings name weaknesses).
    assert!(matches!(ca::record(&db, &emp, stage2(), T0).await, Err(AppError::Forbidden)));
    assert!(matches!(ca::list(&db, &emp).await, Err(AppError::Forbidden)));
    // Every problem at its field.
    let bad = NewAudit {
        kind: "stage3".into(),
        body: " ".into(),
        lead_auditor: "x".repeat(201),
        auditors: String::new(),
        starts_on: "2026-02-30".into(),
        ends_on: "2026-02-01".into(),
    };
    let p = fields(ca::record(&db, &kanri, bad, T0).await);
    assert_eq!(
        p.iter().map(|(f, k)| (f.as_str(), k.as_str())).collect::<Vec<_>>(),
        [
            ("kind", "field-not-a-choice"),
            ("body", "field-required"),
            ("lead_auditor", "field-too-long"),
            ("starts_on", "field-invalid-date"),
        ]
    );
    let backwards = NewAudit { ends_on: "2026-02-01".into(), ..stage2() };
    assert_eq!(
        fields(ca::record(&db, &kanri, backwards, T0).await),
        [("ends_on".into(), "field-end-before-start".into())]
    );

    let a = ca::record(&db, &kanri, stage2(), T0 + 1).await.unwrap();
    assert_eq!((a.number, a.kind.as_str(), a.state.as_str()), (1, "stage2", "planned"));
    assert_eq!(ca::number_label(a.number), "CA-0001");
    // An internal auditor holds the audit programme: reads and records findings.
    assert_eq!(ca::list(&db, &kansa).await.unwrap().len(), 1);

    // A minor nonconformity opens a corrective action (source 外部審査, owner: who recorded the audit).
    let bad = NewFinding {
        grade: "serious".into(),
        text: String::new(),
        reference: Some("R".repeat(101)),
        control: Some("9.99".into()),
        due: Some("明日".into()),
    };
    assert!(
        matches!(ca::add_finding(&db, &kansa, &a.id, bad.clone(), today, T0).await, Err(AppError::Forbidden)),
        "internal auditors read external audits but do not record the body's findings"
    );
    let p = fields(ca::add_finding(&db, &kanri, &a.id, bad, today, T0).await);
    assert_eq!(
        p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["grade", "text", "reference", "control", "due"],
        "every problem at its field"
    );
    let minor = NewFinding {
        grade: "minor_nc".into(),
        text: "バックアップの復元テストの記録がない".into(),
        reference: Some("JQA-2026-03".into()),
        control: Some("8.13".into()),
        due: Some("2026-04-30".into()),
    };
    let f = ca::add_finding(&db, &kanri, &a.id, minor, today, T0 + 2).await.unwrap();
    let nc_id = f.nonconformity_id.clone().expect("a corrective action");
    let n = nc::get(&db, &boss, &nc_id).await.unwrap();
    assert_eq!(
        (n.record.source.as_str(), n.record.source_ref.as_deref(), n.record.control_id.as_deref()),
        ("certification_audit", Some(f.id.as_str()), Some("8.13"))
    );
    assert_eq!(n.record.owner_id, kanri.user_id, "owned by the person who recorded the audit");
    assert_eq!(n.report["source"], "外部審査");
    assert_eq!(n.report["due"], "2026-04-30");
    assert_eq!(
        n.report["nonconformity"],
        "第二段階審査（日本品質保証機構）の指摘 JQA-2026-03: バックアップの復元テストの記録がない"
    );
    // Observations and opportunities raise none; the default due date is 60 days on.
    let obs = NewFinding { grade: "observation".into(), text: "手順書の版管理".into(), ..NewFinding::default() };
    assert_eq!(ca::add_finding(&db, &kanri, &a.id, obs, today, T0 + 3).await.unwrap().nonconformity_id, None);
    let major =
        NewFinding { grade: "major_nc".into(), text: "リスク評価が未実施".into(), ..NewFinding::default() };
    let m = ca::add_finding(&db, &kanri, &a.id, major, today, T0 + 4).await.unwrap();
    let mnc = nc::get(&db, &boss, m.nonconformity_id.as_deref().unwrap()).await.unwrap();
    assert_eq!((mnc.report["due"].as_str(), mnc.record.control_id.as_deref()), (Some("2026-04-12"), None));
    let listed = ca::findings(&db, &kansa, &a.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|x| x.corrective_action.as_deref()).collect::<Vec<_>>(),
        [Some("NC-0001"), None, Some("NC-0002")]
    );

    // The corrective action runs its course: acted by its owner, checked by another manager.
    nc::record_action(&db, &kanri, &nc_id, "復元テストを実施", "手順に記録の様式がない", "様式を定めた", T0 + 5)
        .await
        .unwrap();
    assert!(matches!(
        nc::check(&db, &kanri, &nc_id, true, "確認", today, T0 + 6).await,
        Err(AppError::SeparationOfDuties)
    ));
    let closed = nc::check(&db, &boss, &nc_id, true, "3 か月分の記録を確認", today, T0 + 7).await.unwrap();
    assert_eq!(closed.record.state, "closed");

    // Completed once; not twice.
    assert_eq!(ca::complete(&db, &kanri, &a.id, T0 + 8).await.unwrap().state, "completed");
    assert!(matches!(ca::complete(&db, &kanri, &a.id, T0 + 9).await, Err(AppError::Conflict)));
    // Another organisation sees nothing.
    let other = org::create(&db, "other", "他社", T0).await.unwrap();
    assert!(matches!(ca::get(&db, &Actor::cli(&other.id), &a.id).await, Err(AppError::NotFound)));
    assert!(matches!(
        ca::add_finding(&db, &Actor::cli(&other.id), &a.id, NewFinding::default(), today, T0).await,
        Err(AppError::NotFound | AppError::Forbidden)
    ));
    assert!(mamori_app::audit::verify_org(&db, &o.id).await.unwrap().is_ok());
}

fn cert(number: &str, issued: &str, expires: &str) -> NewCertificate {
    NewCertificate {
        number: number.into(),
        body: "日本品質保証機構".into(),
        scope: "本社におけるソフトウェア開発".into(),
        issued_on: issued.into(),
        expires_on: expires.into(),
    }
}

async fn the_certificate_expiry_is_shown_and_reminded_once(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    for (login, role) in [("boss", "top_management"), ("kanri", "security_manager"), ("emp", "employee")] {
        add_user(&db, &cli, login, role).await;
    }
    let kanri = actor_of(&db, "kanri").await;
    let p = fields(ca::add_certificate(&db, &kanri, cert("", "2023-13-01", "2023-01-01"), T0).await);
    assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["number", "issued_on"]);
    let p = fields(ca::add_certificate(&db, &kanri, cert("IS 1", "2026-03-01", "2026-03-01"), T0).await);
    assert_eq!(p, [("expires_on".into(), "field-end-before-start".into())]);
    let old = ca::add_certificate(&db, &kanri, cert("IS 123456", "2023-06-01", "2026-05-31"), T0).await.unwrap();

    // Not shown 91 days before; shown from 90 days before.
    assert!(ca::expiring(&db, &kanri, date(2026, 3, 1)).await.unwrap().is_none());
    let shown = ca::expiring(&db, &kanri, date(2026, 3, 2)).await.unwrap().unwrap();
    assert_eq!((shown.certificate.id.as_str(), shown.days_left), (old.id.as_str(), 90));

    // The reminder: to 経営責任者 and 情報セキュリティ管理者, once per threshold.
    let cfg = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 1,
        security: Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: None,
        days_before: 7,
    };
    let at =
        |y, m, d| jiff::civil::date(y, m, d).at(9, 0, 0, 0).in_tz("Asia/Tokyo").unwrap().timestamp().as_millisecond();
    let certificate_mails = || async {
        reminders::outbox(&db, &cli, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "certificate")
            .map(|m| (m.recipient, m.dedupe_key, m.subject))
            .collect::<Vec<_>>()
    };
    reminders::queue(&db, &cfg, &Keys, date(2026, 3, 1), at(2026, 3, 1)).await.unwrap();
    assert!(certificate_mails().await.is_empty(), "91 days before: none yet");
    reminders::queue(&db, &cfg, &Keys, date(2026, 3, 2), at(2026, 3, 2)).await.unwrap();
    reminders::queue(&db, &cfg, &Keys, date(2026, 3, 3), at(2026, 3, 3)).await.unwrap();
    let mails = certificate_mails().await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mut to: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
    to.sort();
    assert_eq!(to, ["boss@example.jp", "kanri@example.jp"]);
    assert!(mails.iter().all(|m| m.1.starts_with(&format!("certificate-expiry:{}:90:", old.id))));
    assert!(mails[0].2.contains("number=IS 123456") && mails[0].2.contains("days=90"));
    reminders::queue(&db, &cfg, &Keys, date(2026, 5, 1), at(2026, 5, 1)).await.unwrap();
    assert_eq!(certificate_mails().await.len(), 4, "the 30-day reminder");

    // A renewal hides the old certificate: no reminder, nothing on the dashboard.
    ca::add_certificate(&db, &kanri, cert("IS 123456", "2026-05-20", "2029-05-31"), T0).await.unwrap();
    assert!(ca::expiring(&db, &kanri, date(2026, 5, 25)).await.unwrap().is_none());
    reminders::queue(&db, &cfg, &Keys, date(2026, 5, 25), at(2026, 5, 25)).await.unwrap();
    assert_eq!(certificate_mails().await.len(), 4);
    let list = ca::certificates(&db, &kanri, date(2026, 5, 25)).await.unwrap();
    assert_eq!(list.iter().map(|c| c.current).collect::<Vec<_>>(), [true, false]);
}

on_both_engines!(a_certification_audit_finding_to_corrective_action, the_certificate_expiry_is_shown_and_reminded_once);
