//! The private calendar feed: a person's token (stored as its SHA-256) and its owner.

use crate::{Ex, StoreError, exec, fetch_optional};

/// Sets (replaces) a person's calendar token.
pub async fn set_calendar_token(
    ex: &mut Ex<'_>,
    org_id: &str,
    user_id: &str,
    token_hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    exec!(
        ex,
        "INSERT INTO calendar_token (org_id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET token_hash = $3, created_at = $4",
        org_id,
        user_id,
        token_hash,
        now
    )?;
    Ok(())
}

/// The (organisation, user) a calendar token belongs to.
pub async fn calendar_owner(ex: &mut Ex<'_>, token_hash: &str) -> Result<Option<(String, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct O {
        org_id: String,
        user_id: String,
    }
    Ok(fetch_optional!(ex, O, "SELECT org_id, user_id FROM calendar_token WHERE token_hash = $1", token_hash)?
        .map(|o| (o.org_id, o.user_id)))
}
