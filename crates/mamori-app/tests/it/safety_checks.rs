//! 安否確認 (5.29) on both engines: a broadcast mailed to a local SMTP server, answered through
//! the links decoded from the mails, tallied, answered again (replaced, not counted twice), a
//! non-responder re-sent, wrong, expired and other organisations' tokens refused, and a closed
//! drill recorded in bcp_records in the same transaction.

use crate::on_both_engines;
use crate::smtp_sink::{Received, Sink};
use crate::support::{T0, actor_of, add_user};
use mamori_app::reminders::{self, MailText, Security, SmtpConfig};
use mamori_app::safety_checks::{self as sc, Mailing, answer};
use mamori_app::{Actor, AppError, org, registers, users};
use mamori_store::Db;

/// Mail text with visible keys and arguments (the web layer supplies the real catalogue).
struct Keys;

impl MailText for Keys {
    fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{key} {}", a.join(" ")).trim_end().to_string()
    }
}

fn cfg(sink: &Sink) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: Security::None,
        username: None,
        password: None,
        from: "mamori <isms@example.jp>".into(),
        base_url: Some("https://isms.example.jp".into()),
        days_before: 7,
    }
}

const MAILING: Mailing<'static> = Mailing { text: &Keys, base_url: Some("https://isms.example.jp/"), queue: true };

/// The token of the link in a received mail.
fn token_of(m: &Received) -> String {
    let body = m.body();
    let at = body.find("https://isms.example.jp/s/").unwrap_or_else(|| panic!("no link in {body}"));
    body[at + "https://isms.example.jp/s/".len()..].chars().take_while(char::is_ascii_hexdigit).collect()
}

fn to(m: &Received) -> String {
    m.to.join(",")
}

async fn safety_checks_are_sent_answered_tallied_and_closed(db: Db) {
    let o = org::create(&db, "acme", "アクメ", T0).await.unwrap();
    let cli = Actor::cli(&o.id);
    add_user(&db, &cli, "top", "top_management").await;
    add_user(&db, &cli, "kanri", "security_manager").await;
    add_user(&db, &cli, "sys", "system_admin").await;
    for e in ["emp1", "emp2", "emp3"] {
        add_user(&db, &cli, e, "employee").await;
    }
    // A leaver is not in scope.
    add_user(&db, &cli, "gone", "employee").await;
    users::set_disabled(&db, &cli, "gone", true, T0).await.unwrap();
    let kanri = actor_of(&db, "kanri").await;

    // Need-to-know: neither the system administrator nor an employee sends or reads.
    for who in ["sys", "emp1"] {
        let a = actor_of(&db, who).await;
        assert!(matches!(sc::send(&db, &a, &MAILING, "訓練", true, T0).await, Err(AppError::Forbidden)), "{who}");
    }
    // A blank title is refused at its field.
    match sc::send(&db, &kanri, &MAILING, "  ", true, T0).await {
        Err(AppError::Validation(v)) => assert_eq!(v, vec![("title".to_string(), "field-required".to_string())]),
        other => panic!("{other:?}"),
    }

    let sent = sc::send(&db, &kanri, &MAILING, "年次安否確認訓練", true, T0).await.unwrap();
    assert_eq!(sent.sent, 6, "every active user with a mail address, the leaver left out");
    let sink = Sink::start(0).await;
    let cfg = cfg(&sink);
    let report = reminders::send_due(&db, &cfg, T0).await.unwrap();
    assert_eq!((report.sent, report.failed), (6, 0));
    let mails = sink.messages();
    assert_eq!(mails.len(), 6);
    assert!(!mails.iter().any(|m| to(m).contains("gone")));
    for m in &mails {
        let subject = m.header("Subject").unwrap();
        assert!(subject.contains("safety-mail-subject") && subject.contains("drill=safety-drill-mark"), "{subject}");
        let body = m.body();
        assert!(body.contains("safety-fallback"), "the fallback channels in every mail: {body}");
        assert!(body.contains("title=年次安否確認訓練"), "{body}");
    }
    let mail_to = |login: &str| mails.iter().find(|m| to(m) == format!("<{login}@example.jp>")).unwrap().clone();
    let (t1, t2, t3) = (token_of(&mail_to("emp1")), token_of(&mail_to("emp2")), token_of(&mail_to("top")));
    assert_eq!(sent.own_token.as_deref(), Some(token_of(&mail_to("kanri")).as_str()), "the sender's own link only");
    assert_eq!(t1.len(), 64);

    // The link opens without an account, naming the person.
    let p = answer::open(&db, &t1, T0 + 1000).await.unwrap().unwrap();
    assert_eq!((p.name.as_str(), p.drill, p.organisation.as_str()), ("emp1 さん", true, "アクメ"));
    assert!(p.current.is_none());

    // Three answers.
    answer::answer(&db, &t1, "safe", "yes", "", T0 + 60_000).await.unwrap();
    answer::answer(&db, &t2, "minor_injury", "no", "足を捻挫しました", T0 + 60_000).await.unwrap();
    answer::answer(&db, &t3, "safe", "no", "", T0 + 60_000).await.unwrap();
    // A refused answer names each field and changes nothing.
    match answer::answer(&db, &t1, "dead", "", &"あ".repeat(501), T0 + 60_000).await {
        Err(AppError::Validation(v)) => {
            let fields: Vec<&str> = v.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, ["status", "can_work", "comment"]);
        }
        other => panic!("{other:?}"),
    }
    let v = sc::get(&db, &kanri, &sent.check.id).await.unwrap();
    let c = v.contract();
    assert_eq!((c["sent"].as_i64(), c["responded"].as_i64()), (Some(6), Some(3)));
    assert_eq!(c["by_status"], serde_json::json!({"safe": 2, "minor_injury": 1, "serious_injury": 0}));
    assert_eq!(c["can_work"], serde_json::json!({"yes": 1, "no": 2}));
    let names: Vec<&str> =
        c["non_responders"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["emp3 さん", "kanri さん", "sys さん"]);
    assert_eq!(v.tally.by_group["従業員"].responded, 2);

    // Answering again replaces the answer: not counted twice.
    answer::answer(&db, &t2, "serious_injury", "no", "病院に搬送", T0 + 120_000).await.unwrap();
    let c = sc::get(&db, &kanri, &sent.check.id).await.unwrap().contract();
    assert_eq!(c["responded"].as_i64(), Some(3));
    assert_eq!(c["by_status"], serde_json::json!({"safe": 2, "minor_injury": 0, "serious_injury": 1}));
    let again = answer::open(&db, &t2, T0 + 130_000).await.unwrap().unwrap();
    assert_eq!(again.current.map(|x| x.2), Some("病院に搬送".to_string()));

    // Re-send to the non-responders: three fresh links, each mailing counted.
    let resent = sc::resend(&db, &kanri, &MAILING, &sent.check.id, T0 + 3_600_000).await.unwrap();
    assert_eq!(resent, 3);
    reminders::send_due(&db, &cfg, T0 + 3_600_000).await.unwrap();
    let all = sink.messages();
    assert_eq!(all.len(), 9);
    let second: Vec<&Received> = all[6..].iter().collect();
    let mut got: Vec<String> = second.iter().map(|m| to(m)).collect();
    got.sort();
    assert_eq!(got, ["<emp3@example.jp>", "<kanri@example.jp>", "<sys@example.jp>"]);
    let c = sc::get(&db, &kanri, &sent.check.id).await.unwrap().contract();
    let counts: Vec<i64> =
        c["non_responders"].as_array().unwrap().iter().map(|n| n["sent_count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [2, 2, 2]);
    // The re-sent link and the first one both work.
    let emp3_new = token_of(second.iter().find(|m| to(m) == "<emp3@example.jp>").unwrap());
    assert_ne!(emp3_new, token_of(&mail_to("emp3")));
    answer::answer(&db, &emp3_new, "safe", "yes", "", T0 + 3_700_000).await.unwrap();
    answer::answer(&db, &token_of(&mail_to("emp3")), "safe", "yes", "", T0 + 3_800_000).await.unwrap();
    let c = sc::get(&db, &kanri, &sent.check.id).await.unwrap().contract();
    assert_eq!(c["responded"].as_i64(), Some(4));
    // A second re-send counts again and reaches only the two left.
    assert_eq!(sc::resend(&db, &kanri, &MAILING, &sent.check.id, T0 + 7_200_000).await.unwrap(), 2);

    // A wrong token, a malformed one and an expired link are unknown.
    let wrong = "0".repeat(64);
    assert!(matches!(answer::answer(&db, &wrong, "safe", "yes", "", T0).await, Err(AppError::NotFound)));
    assert!(matches!(answer::answer(&db, "abc", "safe", "yes", "", T0).await, Err(AppError::NotFound)));
    let late = T0 + sc::VALID_DAYS * 86_400_000;
    assert!(matches!(answer::answer(&db, &t1, "safe", "yes", "", late).await, Err(AppError::NotFound)));
    assert!(answer::open(&db, &t1, late - 1).await.unwrap().is_ok());

    // Another organisation's check: its token answers only its own check; ids do not cross.
    let o2 = org::create(&db, "other", "他社", T0).await.unwrap();
    let cli2 = Actor::cli(&o2.id);
    add_user(&db, &cli2, "b-kanri", "security_manager").await;
    let b = actor_of(&db, "b-kanri").await;
    let sent_b = sc::send(&db, &b, &MAILING, "他社の安否確認", false, T0).await.unwrap();
    assert!(matches!(sc::get(&db, &kanri, &sent_b.check.id).await, Err(AppError::NotFound)));
    assert!(matches!(sc::get(&db, &b, &sent.check.id).await, Err(AppError::NotFound)));
    assert!(matches!(
        sc::close(&db, &b, &sent.check.id, jiff::civil::date(2026, 1, 1), T0).await,
        Err(AppError::NotFound)
    ));
    reminders::send_due(&db, &cfg, T0 + 7_200_000).await.unwrap();
    let b_mail = sink.messages().into_iter().find(|m| to(m) == "<b-kanri@example.jp>").unwrap();
    let subject = b_mail.header("Subject").unwrap();
    assert!(!subject.contains("safety-drill-mark"), "a real check is not marked as a drill: {subject}");
    answer::answer(&db, &token_of(&b_mail), "safe", "yes", "", T0 + 7_300_000).await.unwrap();
    let c = sc::get(&db, &kanri, &sent.check.id).await.unwrap().contract();
    assert_eq!(c["responded"].as_i64(), Some(4), "another organisation's answer changes nothing here");
    assert_eq!(sc::get(&db, &b, &sent_b.check.id).await.unwrap().contract()["responded"].as_i64(), Some(1));

    // Closing the drill writes its bcp_records row in the same transaction; no more answers.
    let today = jiff::civil::date(2026, 1, 2);
    let closed = sc::close(&db, &kanri, &sent.check.id, today, T0 + 86_400_000).await.unwrap();
    assert_eq!(closed.check.state, "closed");
    let bcp_id = closed.check.bcp_row_id.clone().unwrap();
    let row = registers::get(&db, &cli, sc::BCP_REGISTER, &bcp_id).await.unwrap();
    let values = serde_json::Value::Object(row.values.clone());
    assert_eq!(values["date"], "2026-01-02");
    assert_eq!(values["kind"], "訓練");
    assert!(values["scenario"].as_str().unwrap().contains("年次安否確認訓練"));
    assert!(values["participants"].as_str().unwrap().contains("対象 6 名（回答 4 名、未回答 2 名）"), "{values}");
    assert!(values["result"].as_str().unwrap().contains("重傷 1 名"), "{values}");
    assert!(matches!(sc::close(&db, &kanri, &sent.check.id, today, T0).await, Err(AppError::Conflict)));
    assert!(matches!(answer::answer(&db, &t1, "safe", "yes", "", T0 + 86_500_000).await, Err(AppError::Conflict)));
    assert!(matches!(answer::open(&db, &t1, T0 + 86_500_000).await.unwrap(), Err(answer::Closed::Closed)));
    assert!(matches!(sc::resend(&db, &kanri, &MAILING, &sent.check.id, T0).await, Err(AppError::Conflict)));
    // A real check closed writes no register row.
    let closed_b = sc::close(&db, &b, &sent_b.check.id, today, T0 + 86_400_000).await.unwrap();
    assert!(closed_b.check.bcp_row_id.is_none());
}

on_both_engines!(safety_checks_are_sent_answered_tallied_and_closed);
