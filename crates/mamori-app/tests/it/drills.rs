//! 標的型メール訓練 on both engines: the allowed domains, a campaign refusing an address outside
//! them (nothing stored, nothing queued), a campaign delivered to a local SMTP server with the
//! template's sender name, the link read from the delivered mail opened (click recorded, the
//! lesson given), a report through 「不審メールを報告」 counted for the campaign and a general one
//! kept, the tally per department, `clickers`, an unknown token revealing nothing, the outbox
//! never showing the token, need-to-know, and closing freezing the results.

use crate::on_both_engines;
use crate::smtp_sink::{Received, Sink};
use crate::support::{T0, actor_of, add_user};
use mamori_app::drills::{self, CampaignInput, click, report};
use mamori_app::people::{self, PersonInput};
use mamori_app::reminders::{self, Security, SmtpConfig};
use mamori_app::{Actor, AppError, org};
use mamori_domain::drill::Outcome;
use mamori_store::Db;

const BASE: &str = "https://isms.example.jp";

fn cfg(sink: &Sink) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: Some(BASE.into()),
        days_before: 7,
    }
}

fn person(name: &str, email: &str, department: &str, login: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        email: email.into(),
        kind: "employee".into(),
        department: department.into(),
        login_id: login.into(),
        ..PersonInput::default()
    }
}

fn token_of(m: &Received) -> String {
    let body = m.body();
    let prefix = format!("{BASE}/drill/t/");
    let at = body.find(&prefix).unwrap_or_else(|| panic!("no link in {body}"));
    body[at + prefix.len()..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn a_drill_is_delivered_clicked_reported_and_tallied(db: Db) {
    let today = jiff::civil::date(2026, 1, 1);
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "sys", "system_admin").await;
    add_user(&db, &cli, "emp1", "employee").await;
    add_user(&db, &cli, "emp2", "employee").await;
    let kanri = actor_of(&db, "kanri").await;
    let emp1 = actor_of(&db, "emp1").await;
    let emp2 = actor_of(&db, "emp2").await;
    let p1 =
        people::create(&db, &kanri, &person("鈴木 花子", "suzuki@example.jp", "営業部", "emp1"), T0).await.unwrap();
    let p2 = people::create(&db, &kanri, &person("田中 次郎", "tanaka@tokyo.example.jp", "営業部", "emp2"), T0)
        .await
        .unwrap();
    let p3 = people::create(&db, &kanri, &person("高橋 三郎", "takahashi@example.jp", "総務部", ""), T0).await.unwrap();
    let outsider = people::create(&db, &kanri, &person("外部 太郎", "taro@gmail.com", "総務部", ""), T0).await.unwrap();

    // Need-to-know: neither an employee nor the system administrator runs drills or reads them.
    for a in [&emp1, &actor_of(&db, "sys").await] {
        assert!(matches!(drills::list(&db, a).await, Err(AppError::Forbidden)));
        assert!(matches!(drills::set_domains(&db, a, "example.jp", T0).await, Err(AppError::Forbidden)));
        assert!(matches!(drills::candidates(&db, a, today).await, Err(AppError::Forbidden)));
    }

    let input = |people: Vec<&str>| CampaignInput {
        name: "2026年度 第1回 標的型メール訓練".into(),
        template: "parcel".into(),
        report_address: "security@example.jp".into(),
        follow_up: "標的型メール対策 e-ラーニング".into(),
        people: people.into_iter().map(String::from).collect(),
    };
    // No allowed domain yet: refused at the domains, nothing stored.
    match drills::create(&db, &kanri, &input(vec![&p1.id]), today, T0).await {
        Err(AppError::Validation(v)) => {
            assert!(v.contains(&("domains".into(), "drill-refused-no-allow-list".into())), "{v:?}")
        }
        other => panic!("{other:?}"),
    }
    // A public suffix is not an allowed domain.
    assert!(matches!(drills::set_domains(&db, &kanri, "co.jp", T0).await, Err(AppError::Validation(_))));
    assert_eq!(drills::set_domains(&db, &kanri, "Example.jp\n", T0).await.unwrap(), ["example.jp"]);
    assert_eq!(drills::domains(&db, &kanri).await.unwrap(), ["example.jp"]);
    let c = drills::candidates(&db, &kanri, today).await.unwrap();
    assert_eq!(c.iter().filter(|c| c.refusal.is_some()).map(|c| c.name.as_str()).collect::<Vec<_>>(), ["外部 太郎"]);

    // An address outside the allow list: refused with the person and the reason, nothing
    // stored, nothing queued.
    let mails_before = reminders::outbox(&db, &cli, 100).await.unwrap().len();
    match drills::create(&db, &kanri, &input(vec![&p1.id, &outsider.id]), today, T0).await {
        Err(AppError::Validation(v)) => {
            assert_eq!(v, vec![(format!("targets.{}", outsider.id), "drill-refused-outside".to_string())])
        }
        other => panic!("{other:?}"),
    }
    assert!(drills::list(&db, &kanri).await.unwrap().is_empty());
    // A report address outside the domains is refused too.
    let mut bad = input(vec![&p1.id]);
    bad.report_address = "report@evil.example.com".into();
    assert!(matches!(drills::create(&db, &kanri, &bad, today, T0).await, Err(AppError::Validation(_))));

    let campaign = drills::create(&db, &kanri, &input(vec![&p1.id, &p2.id, &p3.id]), today, T0).await.unwrap();
    assert_eq!(campaign.state, "draft");
    assert_eq!(reminders::outbox(&db, &cli, 100).await.unwrap().len(), mails_before, "a draft queues nothing");
    let sent = drills::send(&db, &kanri, Some("https://isms.example.jp/"), &campaign.id, T0 + 1000).await.unwrap();
    assert_eq!((sent.sent, sent.campaign.state.as_str()), (3, "sent"));
    assert!(matches!(drills::send(&db, &kanri, Some(BASE), &campaign.id, T0 + 2000).await, Err(AppError::Conflict)));

    // The outbox marks drill mails and shows no token, before and after delivery.
    let outbox: Vec<_> =
        reminders::outbox(&db, &cli, 100).await.unwrap().into_iter().filter(|m| m.kind == "drill").collect();
    assert_eq!(outbox.len(), 3);
    assert!(outbox.iter().all(|m| m.body.contains("/drill/t/…") && m.from_name.as_deref() == Some("配送センター")));

    let sink = Sink::start(0).await;
    let report_sent = reminders::send_due(&db, &cfg(&sink), T0 + 60_000).await.unwrap();
    assert_eq!(report_sent.sent, 3);
    let mails = sink.messages();
    let mail_to = |addr: &str| mails.iter().find(|m| m.to.join(",") == format!("<{addr}>")).unwrap().clone();
    let m1 = mail_to("suzuki@example.jp");
    assert!(m1.header("From").unwrap().contains("配送センター"), "{:?}", m1.header("From"));
    assert!(m1.header("Subject").unwrap().contains("不在通知"));
    assert!(m1.body().contains("鈴木 花子 様"), "{}", m1.body());
    let (t1, t2) = (token_of(&m1), token_of(&mail_to("tanaka@tokyo.example.jp")));
    assert_eq!(t1.len(), 64);
    for m in reminders::outbox(&db, &cli, 100).await.unwrap().iter().filter(|m| m.kind == "drill") {
        assert!(m.sent_at.is_some() && !m.body.contains(&t1) && !m.body.contains(&t2));
    }

    // Opening the link records the click and gives the lesson; twice counts once as a person.
    let lesson = click::click(&db, &t1, T0 + 120_000).await.unwrap().unwrap();
    assert!(lesson.recorded);
    assert_eq!(
        (lesson.template_title.as_str(), lesson.report_address.as_str()),
        ("宅配便の不在通知", "security@example.jp")
    );
    assert!(!lesson.signs.is_empty());
    click::click(&db, &t1.to_uppercase(), T0 + 180_000).await.unwrap().unwrap();
    // An unknown token, or one of another shape, reveals nothing.
    assert!(click::click(&db, &"0".repeat(64), T0).await.unwrap().is_none());
    assert!(click::click(&db, "nope", T0).await.unwrap().is_none());

    // emp2 reports (counted for the campaign); emp1 too, after clicking.
    let r = report::report(
        &db,
        &emp2,
        &report::ReportInput { subject: "【不在通知】お荷物".into(), note: "差出人が変".into() },
        T0 + 200_000,
    )
    .await
    .unwrap();
    assert_eq!(r.campaign_id.as_deref(), Some(campaign.id.as_str()));
    report::report(&db, &emp1, &report::ReportInput { subject: "不在通知".into(), note: String::new() }, T0 + 210_000)
        .await
        .unwrap();
    // A report without a subject is refused at its field.
    match report::report(&db, &emp1, &report::ReportInput::default(), T0).await {
        Err(AppError::Validation(v)) => assert_eq!(v[0].0, "subject"),
        other => panic!("{other:?}"),
    }
    // Reporting again is a general report: the campaign's first report is kept.
    let again = report::report(
        &db,
        &emp2,
        &report::ReportInput { subject: "別の怪しいメール".into(), note: String::new() },
        T0 + 300_000,
    )
    .await
    .unwrap();
    assert_eq!(again.campaign_id, None);
    let reports = report::list(&db, &kanri).await.unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[0].reporter, "emp2 さん");
    assert!(matches!(report::list(&db, &emp1).await, Err(AppError::Forbidden)));

    // The results.
    let v = drills::get(&db, &kanri, &campaign.id).await.unwrap();
    let by = |name: &str| v.targets.iter().find(|t| t.name == name).unwrap().clone();
    assert_eq!((by("鈴木 花子").outcome, by("鈴木 花子").click_count), (Outcome::ClickedAndReported, 2));
    assert_eq!(by("鈴木 花子").clicked_at, Some(T0 + 120_000), "the first click's time");
    assert_eq!(by("田中 次郎").outcome, Outcome::Reported);
    assert_eq!(by("田中 次郎").reported_at, Some(T0 + 200_000));
    assert_eq!(by("高橋 三郎").outcome, Outcome::NoAction);
    let sales = v.tally.by_department["営業部"];
    assert_eq!((sales.sent, sales.clicked, sales.reported), (2, 1, 2));
    assert_eq!((sales.click_rate(), sales.report_rate()), (Some(500), Some(1000)));
    assert_eq!(v.tally.by_department["総務部"].click_rate(), Some(0));
    let api = v.contract();
    assert_eq!(api["totals"]["click_rate"], serde_json::json!(33.3));
    assert!(!api.to_string().contains(&t1), "no token in the results");
    assert_eq!(drills::clickers(&db, &kanri, &campaign.id).await.unwrap(), vec![p1.id.clone()]);
    assert!(matches!(drills::clickers(&db, &emp1, &campaign.id).await, Err(AppError::Forbidden)));
    assert!(matches!(drills::get(&db, &emp1, &campaign.id).await, Err(AppError::Forbidden)));

    // A report that reached the report address by mail, recorded by a manager.
    report::record_for(&db, &kanri, &campaign.id, &p3.id, T0 + 400_000).await.unwrap();
    // Closing freezes the results: the link still teaches, nothing is recorded.
    let closed = drills::close(&db, &kanri, &campaign.id, T0 + 500_000).await.unwrap();
    assert_eq!(closed.campaign.state, "closed");
    assert_eq!(closed.tally.all.reported, 3);
    let late = click::click(&db, &t2, T0 + 600_000).await.unwrap().unwrap();
    assert!(!late.recorded);
    assert_eq!(drills::clickers(&db, &kanri, &campaign.id).await.unwrap(), vec![p1.id.clone()]);
    assert!(matches!(drills::close(&db, &kanri, &campaign.id, T0).await, Err(AppError::Conflict)));

    // The follow-up: those who clicked are assigned a course (here the starter, chosen by
    // hand; the campaign's free text names none of the courses), shown on their tasks.
    let course = mamori_app::training::load_starter(&db, &kanri, T0).await.unwrap();
    assert_eq!(drills::follow_up::course_named(&db, &kanri, &closed.campaign.follow_up).await.unwrap(), None);
    assert_eq!(
        drills::follow_up::course_named(&db, &kanri, "情報セキュリティ基礎教育").await.unwrap().as_deref(),
        Some(course.id.as_str())
    );
    let day = jiff::civil::date(2026, 6, 1);
    assert!(matches!(
        drills::follow_up::assign(&db, &emp1, &campaign.id, &course.id, day, T0).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(drills::follow_up::assign(&db, &kanri, &campaign.id, &course.id, day, T0).await.unwrap(), 1);
    assert_eq!(drills::follow_up::assign(&db, &kanri, &campaign.id, &course.id, day, T0).await.unwrap(), 0, "once");
    let tasks = mamori_app::me::tasks(&db, &emp1, day).await.unwrap();
    assert_eq!(
        (tasks["trainings"][0]["reason"].clone(), tasks["trainings"][0]["due"].clone()),
        ("drill".into(), "2026-07-01".into())
    );
    assert_eq!(mamori_app::me::tasks(&db, &emp2, day).await.unwrap()["trainings"], serde_json::json!([]));

    // Another organisation's manager finds nothing.
    let other = org::create(&db, "beta", "ベータ", T0).await.unwrap();
    let bcli = Actor::cli(&other.id);
    assert!(matches!(drills::get(&db, &bcli, &campaign.id).await, Err(AppError::NotFound)));
}

on_both_engines!(a_drill_is_delivered_clicked_reported_and_tallied);
