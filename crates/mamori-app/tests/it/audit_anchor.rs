//! The anchored audit trail: signed checkpoints of the chain head catch what the hash chain
//! alone cannot (issue 14): the newest rows deleted, a whole trail deleted, a row rewritten with
//! every later hash recomputed, and a forged checkpoint.

use crate::on_both_engines;
use mamori_app::audit::{self, CheckpointOutcome, Entry, SigningKey, Trust};
use mamori_app::{Actor, org};
use mamori_domain::audit::{AuditAction, ChainError};
use mamori_store::{Db, exec, rows};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn key() -> SigningKey {
    SigningKey::from_secret([42; 32])
}

fn trust() -> Trust<'static> {
    Trust::Key(Some(key().public_key()))
}

/// An organisation with `n` audit rows in all (its creation row included).
async fn org_with_rows(db: &Db, slug: &str, n: i64) -> Actor {
    let o = org::create(db, slug, &format!("{slug} 株式会社"), T0).await.unwrap();
    let a = Actor::cli(&o.id);
    let have = {
        let mut c = db.conn().await.unwrap();
        rows::count_audit(&mut c.ex(), &o.id).await.unwrap()
    };
    for i in have..n {
        let mut tx = db.begin().await.unwrap();
        let e = Entry::by(&a, AuditAction::Update, "setting", Some("x"), None, Some(serde_json::json!({ "i": i })));
        audit::append(&mut tx, e, T0 + i).await.unwrap();
        tx.commit().await.unwrap();
    }
    a
}

async fn verify(db: &Db, a: &Actor) -> Result<u64, ChainError> {
    audit::verify_org_with(db, &a.org_id, trust()).await.unwrap()
}

async fn checkpoint(db: &Db, a: &Actor, now: i64) -> CheckpointOutcome {
    audit::checkpoint_org(db, &a.org_id, &key(), now).await.unwrap()
}

async fn clean_chain_with_checkpoints_passes(db: Db) {
    let a = org_with_rows(&db, "acme", 30).await;
    assert!(matches!(checkpoint(&db, &a, T0 + 100).await, CheckpointOutcome::Written(ref c) if c.seq == 30));
    // The head did not move: nothing new is signed.
    assert!(matches!(checkpoint(&db, &a, T0 + 101).await, CheckpointOutcome::Unchanged(ref c) if c.seq == 30));
    let a = org_with_rows(&db, "acme2", 5).await;
    let _ = a;
    let acme = Actor::cli(&org::resolve(&db, Some("acme")).await.unwrap().id);
    // Rows appended after the checkpoint verify and get the next checkpoint.
    for i in 0..5 {
        let mut tx = db.begin().await.unwrap();
        audit::append(&mut tx, Entry::by(&acme, AuditAction::Update, "setting", None, None, None), T0 + 200 + i)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(verify(&db, &acme).await, Ok(35));
    assert!(matches!(checkpoint(&db, &acme, T0 + 300).await, CheckpointOutcome::Written(ref c) if c.seq == 35));
    assert_eq!(verify(&db, &acme).await, Ok(35));
    let all = audit::verify_all_with(&db, trust()).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|v| v.result.is_ok()), "{all:?}");
    assert_eq!(all.iter().find(|v| v.org_slug == "acme").unwrap().latest.as_ref().map(|c| c.seq), Some(35));
    // The latest checkpoint as the audit page shows it.
    let (cp, ok) = audit::latest_checkpoint(&db, &acme, Some(key().public_key())).await.unwrap().unwrap();
    assert_eq!((cp.seq, cp.signed_at_ms, cp.key_id.clone(), ok), (35, T0 + 300, key().key_id(), Ok(())));
}

async fn deleting_the_newest_40_rows_is_reported(db: Db) {
    let a = org_with_rows(&db, "acme", 60).await;
    checkpoint(&db, &a, T0 + 100).await;
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1 AND seq > 20", &a.org_id).unwrap();
    }
    // The hash chain alone still holds ...
    {
        let mut c = db.conn().await.unwrap();
        let left = rows::audit_range(&mut c.ex(), &a.org_id, 1, 1000).await.unwrap();
        let left: Vec<_> = left.into_iter().map(audit::stored).collect();
        assert_eq!(mamori_domain::audit::verify_chain(&left), Ok(20));
    }
    // ... the checkpoint does not.
    let err = verify(&db, &a).await.unwrap_err();
    assert_eq!(err, ChainError::Truncated { last_seq: 20, checkpoint_seq: 60 });
    assert_eq!(err.first_seq(), 21);
    // Unsigned verification (callers without the key) still sees the truncation.
    assert_eq!(audit::verify_org(&db, &a.org_id).await.unwrap().map_err(|e| e.first_seq()), Err(21));
    // And the worker refuses to sign over it.
    assert!(matches!(checkpoint(&db, &a, T0 + 200).await, CheckpointOutcome::Refused(ChainError::Truncated { .. })));
    let (_, result) = audit::latest_checkpoint(&db, &a, Some(key().public_key())).await.unwrap().unwrap();
    assert_eq!(result.map_err(|e| e.first_seq()), Err(21));
}

async fn deleting_a_whole_trail_is_reported(db: Db) {
    let a = org_with_rows(&db, "acme", 10).await;
    let b = org_with_rows(&db, "beta", 10).await;
    checkpoint(&db, &a, T0 + 100).await;
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1", &a.org_id).unwrap();
        // beta never had a checkpoint: its rows and the organisation's existence are enough.
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1", &b.org_id).unwrap();
    }
    assert_eq!(verify(&db, &a).await, Err(ChainError::Truncated { last_seq: 0, checkpoint_seq: 10 }));
    assert_eq!(verify(&db, &b).await, Err(ChainError::TrailDeleted));
    let all = audit::verify_all_with(&db, trust()).await.unwrap();
    assert!(all.iter().all(|v| v.result.as_ref().map_err(|e| e.first_seq()).err() == Some(1)), "{all:?}");
}

async fn rewriting_a_row_and_rehashing_is_reported(db: Db) {
    let a = org_with_rows(&db, "acme", 20).await;
    checkpoint(&db, &a, T0 + 100).await;
    let _ = org_with_rows(&db, "other", 3).await;
    // Rewrite row 7 and recompute every later hash, as an attacker with database access can.
    let all = {
        let mut c = db.conn().await.unwrap();
        rows::audit_range(&mut c.ex(), &a.org_id, 1, 1000).await.unwrap()
    };
    let mut prev = mamori_domain::audit::GENESIS_HASH.to_string();
    {
        let mut c = db.conn().await.unwrap();
        for r in all {
            let mut s = audit::stored(r);
            if s.content.seq == 7 {
                s.content.actor_label = "mallory".into();
            }
            let hash = s.content.chain_hash(&prev);
            exec!(
                &mut c.ex(),
                "UPDATE audit_log SET actor_label = $1, prev_hash = $2, hash = $3 WHERE org_id = $4 AND seq = $5",
                &s.content.actor_label,
                &prev,
                &hash,
                &a.org_id,
                s.content.seq
            )
            .unwrap();
            prev = hash;
        }
    }
    // The plain chain is consistent again ...
    let mut plain = mamori_domain::audit::ChainVerifier::default();
    {
        let mut c = db.conn().await.unwrap();
        for r in rows::audit_range(&mut c.ex(), &a.org_id, 1, 1000).await.unwrap() {
            plain.push(&audit::stored(r)).unwrap();
        }
    }
    // ... but the signed head is not.
    let err = verify(&db, &a).await.unwrap_err();
    assert_eq!(err, ChainError::Rehashed { after_seq: 0, seq: 20 });
    assert!(err.to_string().contains("at or before seq 20"), "{err}");
    assert!(matches!(checkpoint(&db, &a, T0 + 200).await, CheckpointOutcome::Refused(ChainError::Rehashed { .. })));
}

async fn forged_checkpoints_are_reported(db: Db) {
    let a = org_with_rows(&db, "acme", 10).await;
    checkpoint(&db, &a, T0 + 100).await;
    assert_eq!(verify(&db, &a).await, Ok(10));
    // An edited checkpoint (its signature no longer matches).
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "UPDATE audit_checkpoint SET signed_at_ms = signed_at_ms + 1 WHERE org_id = $1", &a.org_id)
            .unwrap();
    }
    assert_eq!(verify(&db, &a).await, Err(ChainError::BadSignature { seq: 10 }));
    // A checkpoint signed by another key, stored with that key's public key.
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_checkpoint WHERE org_id = $1", &a.org_id).unwrap();
    }
    let forger = SigningKey::from_secret([1; 32]);
    assert!(matches!(
        audit::checkpoint_org(&db, &a.org_id, &forger, T0 + 300).await.unwrap(),
        CheckpointOutcome::Written(_)
    ));
    let err = verify(&db, &a).await.unwrap_err();
    assert_eq!(err, ChainError::UnknownKey { seq: 10, key_id: forger.key_id() });
    assert_eq!(err.first_seq(), 10);
    // Without the key, checkpoints cannot be trusted either.
    assert_eq!(
        audit::verify_org_with(&db, &a.org_id, Trust::Key(None)).await.unwrap(),
        Err(ChainError::NoKey { seq: 10 })
    );
}

/// An attacker with database access deletes the newest rows and the checkpoints that cover
/// them; the newest checkpoint kept beside the key file (outside the database) still reports it.
async fn deleting_checkpoints_with_the_rows_is_still_reported(db: Db) {
    let dir = std::env::temp_dir().join(format!("mamori-heads-{}", mamori_app::new_id()));
    let path = dir.join(audit::KEY_FILE_NAME);
    let key = audit::load_or_create_key(&path).unwrap();
    let a = org_with_rows(&db, "acme", 50).await;
    assert!(matches!(
        audit::checkpoint_org(&db, &a.org_id, &key, T0 + 100).await.unwrap(),
        CheckpointOutcome::Written(_)
    ));
    assert_eq!(audit::verify_org_anchored(&db, &a.org_id, Some(&path)).await.unwrap(), Ok(50));
    {
        let mut c = db.conn().await.unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_log WHERE org_id = $1 AND seq > 10", &a.org_id).unwrap();
        exec!(&mut c.ex(), "DELETE FROM audit_checkpoint WHERE org_id = $1", &a.org_id).unwrap();
    }
    // The database alone no longer shows it ...
    assert_eq!(audit::verify_org_with(&db, &a.org_id, Trust::Key(Some(key.public_key()))).await.unwrap(), Ok(10));
    // ... the anchor does.
    assert_eq!(
        audit::verify_org_anchored(&db, &a.org_id, Some(&path)).await.unwrap(),
        Err(ChainError::Truncated { last_seq: 10, checkpoint_seq: 50 })
    );
    let anchor = audit::load_anchor(&path).unwrap();
    assert_eq!(anchor.heads.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

on_both_engines!(
    deleting_checkpoints_with_the_rows_is_still_reported,
    clean_chain_with_checkpoints_passes,
    deleting_the_newest_40_rows_is_reported,
    deleting_a_whole_trail_is_reported,
    rewriting_a_row_and_rehashing_is_reported,
    forged_checkpoints_are_reported,
);

#[test]
fn the_key_file_is_created_once_private_and_read_back() {
    let dir = std::env::temp_dir().join(format!("mamori-key-{}-{}", std::process::id(), T0));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("sub").join(audit::KEY_FILE_NAME);
    assert!(audit::load_key(&path).unwrap().is_none());
    let k = audit::load_or_create_key(&path).unwrap();
    let again = audit::load_or_create_key(&path).unwrap();
    assert_eq!(k.public_key(), again.public_key());
    assert_eq!(k.key_id().len(), 16);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The key file holds the secret: its debug output does not.
    let text = std::fs::read_to_string(&path).unwrap();
    let secret_line = text.lines().last().unwrap();
    assert!(!format!("{k:?}").contains(secret_line));
    std::fs::write(&path, "not a key\n").unwrap();
    assert!(audit::load_key(&path).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
