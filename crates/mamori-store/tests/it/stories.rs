//! Row stories, each on both engines: what one capability's queries write is what they read
//! back, and nothing of one organisation shows up for another.

use mamori_store::on_both_engines;
use mamori_store::rows::{
    self, AuditRow, DutyRow, MailRow, OccurrenceRow, OrgRow, RegisterDefRow, RegisterHistoryRow, RegisterRowRow,
    RoleRow, SessionRow, UserRow,
};
use mamori_store::{Db, StoreError};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn org(id: &str) -> OrgRow {
    OrgRow {
        id: id.into(),
        slug: format!("slug-{id}"),
        name: format!("Org {id}"),
        lockout_threshold: 3,
        mfa_required: 0,
        created_at: T0,
    }
}

fn user(org_id: &str, id: &str, login: &str) -> UserRow {
    UserRow {
        id: id.into(),
        org_id: org_id.into(),
        login_id: login.into(),
        display_name: format!("User {login}"),
        email: format!("{login}@example.test"),
        password_hash: "$argon2id$stub".into(),
        must_change_password: 1,
        failed_attempts: 0,
        locked: 0,
        locked_at: None,
        disabled: 0,
        created_at: T0,
        updated_at: T0,
        login_key: login.to_lowercase(),
        password_expires_at: None,
    }
}

fn session(org_id: &str, user_id: &str, hash: &str, expires_at: i64) -> SessionRow {
    SessionRow {
        id_hash: hash.into(),
        org_id: org_id.into(),
        user_id: user_id.into(),
        csrf_token: format!("csrf-{hash}"),
        expires_at,
        last_seen_at: T0,
        created_at: T0 - 10,
    }
}

fn audit(org_id: &str, seq: i64, prev: &str) -> AuditRow {
    AuditRow {
        org_id: org_id.into(),
        seq,
        at_ms: T0 + seq,
        actor_id: None,
        actor_label: "system".into(),
        action: format!("action.{seq}"),
        object_type: "thing".into(),
        object_id: Some(format!("obj-{seq}")),
        before_json: None,
        after_json: Some(format!("{{\"n\":{seq}}}")),
        prev_hash: prev.into(),
        hash: format!("hash-{seq}"),
    }
}

fn register_row(org_id: &str, id: &str, version: i64, values: &str) -> RegisterRowRow {
    RegisterRowRow {
        id: id.into(),
        org_id: org_id.into(),
        register_key: "assets".into(),
        values_json: values.into(),
        label: "社外秘".into(),
        search_text: values.to_lowercase(),
        deleted: 0,
        deleted_reason: None,
        version,
        created_at: T0,
        created_by: "u1".into(),
        updated_at: T0 + version,
        updated_by: "u1".into(),
        restricted_to: "[]".into(),
    }
}

fn history(row_id: &str, version: i64, action: &str, values: &str) -> RegisterHistoryRow {
    RegisterHistoryRow {
        row_id: row_id.into(),
        version,
        action: action.into(),
        values_json: values.into(),
        label: "社外秘".into(),
        reason: None,
        actor_label: "User u1".into(),
        at_ms: T0 + version,
    }
}

fn mail(org_id: &str, id: &str, dedupe_key: &str) -> MailRow {
    MailRow {
        id: id.into(),
        org_id: org_id.into(),
        dedupe_key: dedupe_key.into(),
        kind: "due".into(),
        recipient: "a@example.test".into(),
        subject: format!("Subject {id}"),
        body: "本文".into(),
        created_at: T0,
        attempts: 0,
        next_attempt_at: T0,
        last_error: None,
        sent_at: None,
        from_name: None,
    }
}

fn duty(org_id: &str, id: &str) -> DutyRow {
    DutyRow {
        id: id.into(),
        org_id: org_id.into(),
        title: format!("Duty {id}"),
        control_id: Some("5.1".into()),
        decision: "scheduled".into(),
        frequency: Some("monthly".into()),
        anchor_day: 1,
        anchor_month: 4,
        fiscal_year_start: 4,
        schedule_from: "2026-01-01".into(),
        owner_role: Some("security_manager".into()),
        source_text: format!("source of {id}"),
        evidence: "note".into(),
        active: 1,
        created_at: T0,
        updated_at: T0,
        assignee_id: None,
        register_key: None,
        context: String::new(),
        anchor: None,
        request_type: None,
        lead_days: None,
        confirmed_at: Some(T0),
        supplier_id: None,
    }
}

fn occurrence(org_id: &str, duty_id: &str, due: &str) -> OccurrenceRow {
    OccurrenceRow {
        id: format!("{duty_id}-{due}"),
        org_id: org_id.into(),
        duty_id: duty_id.into(),
        due: due.into(),
        state: "open".into(),
        done_by: None,
        done_on: None,
        done_at: None,
        note: None,
        evidence: None,
        skip_reason: None,
        record_ref: None,
    }
}

on_both_engines!(
    organisation_users_roles_and_sessions,
    audit_rows_are_sequenced_per_organisation,
    register_rows_keep_versions_and_history,
    mail_is_queued_once_per_dedupe_key,
    duty_occurrences_between_dates,
    organisations_are_isolated,
    the_daily_job_is_claimed_once_per_day,
);

/// Two processes asking for the same (organisation, job, day): one wins; the next day can be
/// claimed again; an earlier day never (a server with a late clock does not rerun).
async fn the_daily_job_is_claimed_once_per_day(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    rows::insert_org(ex, &org("o2")).await.unwrap();
    assert!(rows::claim_daily(ex, "o1", "daily", "2026-01-05").await.unwrap());
    assert!(!rows::claim_daily(ex, "o1", "daily", "2026-01-05").await.unwrap());
    assert!(rows::claim_daily(ex, "o2", "daily", "2026-01-05").await.unwrap(), "per organisation");
    assert!(rows::claim_daily(ex, "o1", "other", "2026-01-05").await.unwrap(), "per job");
    assert!(!rows::claim_daily(ex, "o1", "daily", "2026-01-04").await.unwrap());
    assert!(rows::claim_daily(ex, "o1", "daily", "2026-01-06").await.unwrap());
    drop(c);
    // Racing claims from many connections: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = db.conn().await.unwrap();
            rows::claim_daily(&mut c.ex(), "o2", "daily", "2026-01-06").await.unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

async fn organisation_users_roles_and_sessions(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    assert_eq!(rows::org_by_slug(ex, "slug-o1").await.unwrap(), Some(org("o1")));
    assert_eq!(rows::org_by_id(ex, "nope").await.unwrap(), None);
    // A second organisation with the same slug is refused.
    let mut twin = org("o2");
    twin.slug = "slug-o1".into();
    assert!(rows::insert_org(ex, &twin).await.is_err());

    let admin = RoleRow {
        id: "r1".into(),
        org_id: "o1".into(),
        key: "admin".into(),
        name_ja: "管理者".into(),
        name_en: "Admin".into(),
    };
    let staff = RoleRow {
        id: "r2".into(),
        org_id: "o1".into(),
        key: "staff".into(),
        name_ja: "職員".into(),
        name_en: "Staff".into(),
    };
    rows::insert_role(ex, &admin, &["users.manage", "audit.view"]).await.unwrap();
    rows::insert_role(ex, &staff, &["duties.view"]).await.unwrap();
    assert_eq!(rows::list_roles(ex, "o1").await.unwrap(), vec![admin.clone(), staff.clone()]);

    rows::insert_user(ex, &user("o1", "u1", "alice")).await.unwrap();
    assert!(matches!(rows::insert_user(ex, &user("o1", "u2", "alice")).await, Err(StoreError::Conflict)));
    assert_eq!(rows::user_by_login(ex, "o1", "alice").await.unwrap(), Some(user("o1", "u1", "alice")));

    rows::set_user_roles(ex, "o1", "u1", &["r2".to_owned()]).await.unwrap();
    assert_eq!(rows::user_roles(ex, "o1", "u1").await.unwrap(), vec![staff.clone()]);
    assert_eq!(rows::user_permissions(ex, "o1", "u1").await.unwrap(), vec!["duties.view".to_owned()]);
    rows::set_user_roles(ex, "o1", "u1", &["r1".to_owned()]).await.unwrap();
    let mut perms = rows::user_permissions(ex, "o1", "u1").await.unwrap();
    perms.sort();
    assert_eq!(perms, vec!["audit.view".to_owned(), "users.manage".to_owned()]);

    let live = session("o1", "u1", "live", T0 + 60_000);
    let old = session("o1", "u1", "old", T0 - 1);
    rows::insert_session(ex, &live, T0 - 10).await.unwrap();
    rows::insert_session(ex, &old, T0 - 10).await.unwrap();
    assert_eq!(rows::session_by_hash(ex, "live").await.unwrap(), Some(live.clone()));
    assert_eq!(rows::count_user_sessions(ex, "o1", "u1").await.unwrap(), 2);
    assert_eq!(rows::delete_expired_sessions(ex, T0, T0 - 3_600_000).await.unwrap(), 1);
    assert_eq!(rows::session_by_hash(ex, "old").await.unwrap(), None);
    assert_eq!(rows::session_by_hash(ex, "live").await.unwrap(), Some(live.clone()));
    // The absolute lifetime: a session still within its idle expiry but created before the
    // cut-off is swept too.
    assert_eq!(rows::delete_expired_sessions(ex, T0, T0 - 5).await.unwrap(), 1);
    assert_eq!(rows::session_by_hash(ex, "live").await.unwrap(), None);
    rows::insert_session(ex, &live, T0 - 10).await.unwrap();
    assert_eq!(rows::session_by_hash(ex, "live").await.unwrap(), Some(live));
    assert_eq!(rows::delete_user_sessions(ex, "o1", "u1").await.unwrap(), 1);
    assert_eq!(rows::count_user_sessions(ex, "o1", "u1").await.unwrap(), 0);
}

async fn audit_rows_are_sequenced_per_organisation(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    rows::insert_org(ex, &org("o2")).await.unwrap();
    assert_eq!(rows::last_audit(ex, "o1").await.unwrap(), None);
    rows::insert_audit(ex, &audit("o1", 1, "")).await.unwrap();
    rows::insert_audit(ex, &audit("o1", 2, "hash-1")).await.unwrap();
    // The same seq in another organisation is its own chain.
    rows::insert_audit(ex, &audit("o2", 1, "")).await.unwrap();
    // (org_id, seq) is the primary key: a second seq 2 is refused and changes nothing.
    let mut dup = audit("o1", 2, "hash-1");
    dup.action = "forged".into();
    assert!(matches!(rows::insert_audit(ex, &dup).await, Err(StoreError::Conflict)));

    assert_eq!(rows::last_audit(ex, "o1").await.unwrap(), Some(audit("o1", 2, "hash-1")));
    assert_eq!(rows::count_audit(ex, "o1").await.unwrap(), 2);
    let range = rows::audit_range(ex, "o1", 1, 10).await.unwrap();
    assert_eq!(range.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(range[1].action, "action.2");
    assert_eq!(rows::audit_range(ex, "o1", 2, 10).await.unwrap().len(), 1);
    assert_eq!(rows::count_audit(ex, "o2").await.unwrap(), 1);
}

async fn register_rows_keep_versions_and_history(db: Db) {
    let mut tx = db.begin().await.unwrap();
    let ex = &mut tx.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    let def = RegisterDefRow {
        org_id: "o1".into(),
        key: "assets".into(),
        name: "情報資産台帳".into(),
        def_json: "{}".into(),
        created_at: T0,
        updated_at: T0,
    };
    rows::upsert_register_def(ex, &def).await.unwrap();
    assert_eq!(rows::register_version(ex, "o1", "assets").await.unwrap(), 0);
    assert_eq!(rows::register_version(ex, "o1", "unknown").await.unwrap(), -1);

    let v1 = register_row("o1", "row1", 1, r#"{"name":"Laptop"}"#);
    rows::insert_register_row(ex, &v1).await.unwrap();
    rows::insert_register_history(ex, "o1", &history("row1", 1, "create", &v1.values_json)).await.unwrap();
    rows::bump_register_version(ex, "o1", "assets").await.unwrap();

    let v2 = register_row("o1", "row1", 2, r#"{"name":"Laptop 2"}"#);
    assert_eq!(rows::update_register_row(ex, &v2).await.unwrap(), 1);
    rows::insert_register_history(ex, "o1", &history("row1", 2, "update", &v2.values_json)).await.unwrap();
    rows::bump_register_version(ex, "o1", "assets").await.unwrap();
    // A writer that still holds version 1 loses (optimistic check).
    let stale = register_row("o1", "row1", 2, r#"{"name":"Stale"}"#);
    assert_eq!(rows::update_register_row(ex, &stale).await.unwrap(), 0);
    tx.commit().await.unwrap();

    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    assert_eq!(rows::register_row(ex, "o1", "row1").await.unwrap(), Some(v2.clone()));
    assert_eq!(rows::register_version(ex, "o1", "assets").await.unwrap(), 2);
    let h = rows::register_history(ex, "o1", "row1").await.unwrap();
    assert_eq!(
        h.iter().map(|h| (h.version, h.action.as_str(), h.values_json.as_str())).collect::<Vec<_>>(),
        vec![(1, "create", v1.values_json.as_str()), (2, "update", v2.values_json.as_str())]
    );
    assert_eq!(rows::register_rows_all(ex, "o1", "assets", false).await.unwrap(), vec![v2]);
    assert_eq!(rows::register_counts(ex, "o1").await.unwrap(), vec![("assets".to_owned(), 1)]);
}

async fn mail_is_queued_once_per_dedupe_key(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    rows::insert_org(ex, &org("o2")).await.unwrap();
    assert!(rows::queue_mail(ex, &mail("o1", "m1", "due:occ1:u1")).await.unwrap());
    assert!(!rows::queue_mail(ex, &mail("o1", "m2", "due:occ1:u1")).await.unwrap());
    // The key is unique per organisation only.
    assert!(rows::queue_mail(ex, &mail("o2", "m3", "due:occ1:u1")).await.unwrap());
    let mails = rows::mails(ex, "o1", 10).await.unwrap();
    assert_eq!(mails.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["m1"]);

    let due = rows::mail_due(ex, T0, 5, 10).await.unwrap();
    assert_eq!(due.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["m1", "m3"]);
    // A claim leases the mail: a second claim at the same time gets nothing.
    assert_eq!(rows::mail_claim(ex, "m1", T0, T0 + 60_000).await.unwrap(), 1);
    assert_eq!(rows::mail_claim(ex, "m1", T0, T0 + 60_000).await.unwrap(), 0);
    assert_eq!(rows::mail_due(ex, T0, 5, 10).await.unwrap().len(), 1);
    assert_eq!(rows::mail_sent(ex, "m1", T0 + 1).await.unwrap(), 1);
    assert_eq!(rows::mail_sent(ex, "m1", T0 + 2).await.unwrap(), 0);
    let sent = rows::mails(ex, "o1", 10).await.unwrap();
    assert_eq!((sent[0].sent_at, sent[0].attempts), (Some(T0 + 1), 1));
}

async fn duty_occurrences_between_dates(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("o1")).await.unwrap();
    assert_eq!(rows::duty_version(ex, "o1").await.unwrap(), 0);
    assert!(rows::insert_duty(ex, &duty("o1", "d1")).await.unwrap());
    assert!(rows::insert_duty(ex, &duty("o1", "d2")).await.unwrap());
    // Same control and sentence: the unique source index keeps the first.
    let mut again = duty("o1", "d3");
    again.source_text = "source of d1".into();
    assert!(!rows::insert_duty(ex, &again).await.unwrap());
    rows::bump_duty_version(ex, "o1").await.unwrap();
    rows::bump_duty_version(ex, "o1").await.unwrap();
    assert_eq!(rows::duty_version(ex, "o1").await.unwrap(), 2);

    for (d, due) in
        [("d1", "2026-03-31"), ("d1", "2026-04-01"), ("d2", "2026-04-01"), ("d1", "2026-04-30"), ("d1", "2026-05-01")]
    {
        rows::insert_occurrence(ex, &occurrence("o1", d, due)).await.unwrap();
    }
    let april = rows::occurrences_between(ex, "o1", "2026-04-01", "2026-04-30").await.unwrap();
    assert_eq!(
        april.iter().map(|o| (o.duty_id.as_str(), o.due.as_str())).collect::<Vec<_>>(),
        vec![("d1", "2026-04-01"), ("d2", "2026-04-01"), ("d1", "2026-04-30")]
    );
    assert_eq!(april[0], occurrence("o1", "d1", "2026-04-01"));
    let mut last = rows::last_due_per_duty(ex, "o1").await.unwrap();
    last.sort();
    assert_eq!(last, vec![("d1".to_owned(), "2026-05-01".to_owned()), ("d2".to_owned(), "2026-04-01".to_owned())]);
}

async fn organisations_are_isolated(db: Db) {
    let mut c = db.conn().await.unwrap();
    let ex = &mut c.ex();
    rows::insert_org(ex, &org("a")).await.unwrap();
    rows::insert_org(ex, &org("b")).await.unwrap();
    rows::insert_user(ex, &user("a", "ua", "alice")).await.unwrap();
    // The same login ID in another organisation is another person.
    rows::insert_user(ex, &user("b", "ub", "alice")).await.unwrap();
    assert_eq!(rows::user_by_login(ex, "b", "alice").await.unwrap().map(|u| u.id), Some("ub".to_owned()));
    assert_eq!(rows::user_by_id(ex, "b", "ua").await.unwrap(), None);
    assert_eq!(rows::list_users(ex, "a").await.unwrap(), vec![user("a", "ua", "alice")]);
    assert_eq!(rows::orgs_with_login(ex, "alice").await.unwrap(), vec!["a".to_owned(), "b".to_owned()]);

    rows::insert_register_row(ex, &register_row("a", "ra", 1, "{}")).await.unwrap();
    assert!(rows::register_row(ex, "a", "ra").await.unwrap().is_some());
    assert_eq!(rows::register_row(ex, "b", "ra").await.unwrap(), None);
    assert!(rows::register_rows_all(ex, "b", "assets", true).await.unwrap().is_empty());

    rows::insert_duty(ex, &duty("a", "da")).await.unwrap();
    rows::insert_occurrence(ex, &occurrence("a", "da", "2026-04-01")).await.unwrap();
    assert_eq!(rows::occurrences_between(ex, "a", "2026-01-01", "2026-12-31").await.unwrap().len(), 1);
    assert!(rows::occurrences_between(ex, "b", "2026-01-01", "2026-12-31").await.unwrap().is_empty());
    assert!(rows::duties(ex, "b").await.unwrap().is_empty());
    assert_eq!(rows::duty(ex, "b", "da").await.unwrap(), None);

    rows::insert_audit(ex, &audit("a", 1, "")).await.unwrap();
    assert_eq!(rows::last_audit(ex, "b").await.unwrap(), None);
    assert!(rows::list_audit(ex, "b", 10, 0).await.unwrap().is_empty());

    rows::queue_mail(ex, &mail("a", "ma", "k")).await.unwrap();
    assert!(rows::mails(ex, "b", 10).await.unwrap().is_empty());
}
