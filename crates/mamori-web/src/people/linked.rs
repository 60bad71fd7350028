//! The person page's links (their login, Microsoft 365 account, register rows and pledges)
//! and the leaver checklist's marks, as shown (for `people.manage` only).

use super::views::{LinksView, RecordRow};
use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use mamori_app::Actor;
use mamori_app::people::{leave, leaver_sync, links};
use std::collections::BTreeMap;

/// The links of a person.
pub async fn view(state: &AppState, t: &Tr, actor: &Actor, id: &str, login_id: &str) -> Result<LinksView, WebError> {
    let l = links::of(&state.db, actor, id).await?;
    let row = |r: links::RecordLink| RecordRow {
        href: format!("/registers/{}/rows/{}", r.register, r.row_id),
        register: r.register_name,
        title: r.title,
        field: r.field,
    };
    Ok(LinksView {
        login_missing: l.login.is_none() && !login_id.is_empty(),
        login: l.login.map(|u| {
            let roles = if t.lang == Lang::En { u.roles_en } else { u.roles_ja };
            (u.login_id, u.display_name, roles.join("、"), u.disabled)
        }),
        m365: l
            .m365
            .map(|m| (m.upn, m.display_name, m.enabled, m.last_sign_in.unwrap_or_default(), m.signed_in_after_leave)),
        m365_known: l.m365_known,
        records: l.records.into_iter().map(row).collect(),
        pledges: l.pledges.into_iter().map(row).collect(),
    })
}

/// What the system found about each item of the person's latest checklist (item key → text).
pub async fn marks(
    state: &AppState,
    t: &Tr,
    actor: &Actor,
    person_id: &str,
) -> Result<BTreeMap<String, String>, WebError> {
    let Some(c) = leave::of(&state.db, actor, person_id).await? else { return Ok(BTreeMap::new()) };
    Ok(leaver_sync::marks(&state.db, actor, &c.id)
        .await?
        .into_iter()
        .filter_map(|m| {
            let text = match (m.flag.as_str(), &m.done_on) {
                ("m365_signed_in", _) => t.ta("people-mark-m365-signed-in", &[("date", &m.detail)]),
                ("m365_enabled", _) => t.t("people-mark-m365-enabled"),
                (_, Some(d)) if m.key == "login" => t.ta("people-mark-login-done", &[("date", d)]),
                (_, Some(d)) => t.ta("people-mark-m365-done", &[("date", d)]),
                _ => return None,
            };
            Some((m.key, text))
        })
        .collect())
}

/// The directory's notice: (person id, name, what was found) of each flagged leaver.
pub async fn flagged(state: &AppState, t: &Tr, actor: &Actor) -> Result<Vec<(String, String, String)>, WebError> {
    Ok(leaver_sync::flagged(&state.db, actor)
        .await?
        .into_iter()
        .map(|f| {
            let text = if f.flag == "m365_signed_in" {
                t.ta("people-mark-m365-signed-in", &[("date", &f.detail)])
            } else {
                t.t("people-mark-m365-enabled")
            };
            (f.person_id, f.name, text)
        })
        .collect())
}
