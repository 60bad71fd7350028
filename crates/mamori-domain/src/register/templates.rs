//! The shipped register templates (data in `data/register_templates.json`) and how a stored
//! copy is brought up to a newer template revision.

use super::RegisterDef;

/// The revision of the shipped template of `key` (0 when there is none).
pub fn template_revision(key: &str) -> u32 {
    TEMPLATES.iter().find(|t| t.key == key).map(|t| t.revision).unwrap_or(0)
}

/// A stored copy brought up to its template's newer revision: each template field added since
/// the copy's revision (`since`) that the copy lacks (by key) is added after the field the
/// template has before it (at the end when the copy has none of those); the organisation's own
/// fields (a field it removed stays removed), order, roles and names stay.
/// `None` when the copy is current (or has no template). Rows stay valid: added fields are
/// optional in the templates that add them.
pub fn upgrade_stored(stored: &RegisterDef) -> Option<RegisterDef> {
    let t = TEMPLATES.iter().find(|t| t.key == stored.key)?;
    if stored.revision >= t.revision {
        return None;
    }
    let mut def = stored.clone();
    for (i, f) in t.fields.iter().enumerate() {
        if f.since <= stored.revision || def.fields.iter().any(|g| g.key == f.key) {
            continue;
        }
        let after = t.fields[..i].iter().rev().find_map(|p| def.fields.iter().position(|g| g.key == p.key));
        let at = after.map(|p| p + 1).unwrap_or(def.fields.len());
        def.fields.insert(at, f.clone());
    }
    def.revision = t.revision;
    Some(def)
}

/// The page managing the rows of the register `key` (its shipped template's `managed_at`).
pub fn managed_at(key: &str) -> Option<String> {
    static M: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    M.get_or_init(|| templates().into_iter().filter_map(|t| t.managed_at.map(|m| (t.key, m))).collect())
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, m)| m.clone())
}

/// The 30 register templates for the records the regulation names (情報資産リスクアセスメント表,
/// 媒体管理台帳, …), shipped as data.
pub fn templates() -> Vec<RegisterDef> {
    TEMPLATES.clone()
}

pub(super) static TEMPLATES: std::sync::LazyLock<Vec<RegisterDef>> = std::sync::LazyLock::new(|| {
    serde_json::from_str(include_str!("../../data/register_templates.json")).unwrap_or_default()
});

#[cfg(test)]
mod template_tests {
    use super::*;
    use crate::register::*;

    #[test]
    fn a_stored_copy_gets_the_fields_a_newer_template_revision_added() {
        let tpl = templates().into_iter().find(|t| t.key == "certificates").unwrap();
        assert!(tpl.revision >= 1 && upgrade_stored(&tpl).is_none(), "the template itself is current");
        // A copy stored before `check_host`, redesigned: `issuer` removed, a field of its own.
        let mut old = tpl.clone();
        old.revision = 0;
        old.fields.retain(|f| f.key != "check_host" && f.key != "issuer");
        old.fields.push(FieldDef { key: "own".into(), label: "独自".into(), ..tpl.fields[0].clone() });
        let up = upgrade_stored(&old).unwrap();
        let keys: Vec<&str> = up.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["name", "kind", "expires_on", "lead_days", "check_host", "owner", "status", "notes", "own"]);
        assert_eq!(up.revision, tpl.revision);
        assert!(upgrade_stored(&up).is_none());
        // A copy without any field before it gets it at the end.
        let mut bare = old.clone();
        bare.fields.retain(|f| f.key == "own");
        let keys: Vec<String> = upgrade_stored(&bare).unwrap().fields.into_iter().map(|f| f.key).collect();
        assert_eq!(keys, ["own", "check_host"]);
    }

    #[test]
    fn regulation_defaults_for_who_reads_a_register() {
        let by_key = |k: &str| templates().into_iter().find(|t| t.key == k).unwrap();
        let managers = ["top_management", "security_manager"];
        for k in ["nda_contracts", "leaver_pledges", "employee_pledges"] {
            let (view, edit) = default_access(&by_key(k));
            assert_eq!(view, managers, "{k}");
            assert_eq!(edit, managers, "{k}");
        }
        let (view, edit) = default_access(&by_key("assets"));
        assert!(!view.iter().any(|r| r == "employee") && view.len() == 4);
        assert_eq!(edit, DEFAULT_EDIT_ROLES);
        let (view, _) = default_access(&by_key("media_ledger"));
        assert_eq!(view, ROLE_KEYS);
        // A stored definition without roles (an organisation created before them) gets the
        // template's; explicit roles win.
        let mut old = by_key("nda_contracts");
        old.view_roles = None;
        old.edit_roles = None;
        assert_eq!(default_access(&old).0, managers);
        old.view_roles = Some(vec!["internal_auditor".into()]);
        assert_eq!(default_access(&old).0, ["internal_auditor"]);
        old.view_roles = Some(vec!["boss".into()]);
        assert!(!check_definition(&old).is_empty());
    }

    #[test]
    fn a_secret_row_is_for_the_roles_and_people_named() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(row_visible("社外秘", &[], &s(&["employee"]), "emp"));
        assert!(!row_visible("極秘", &[], &s(&["employee", "system_admin"]), "emp"));
        assert!(row_visible("極秘", &[], &s(&["security_manager"]), "kanri"));
        let named = s(&["role:internal_auditor", "user:emp2"]);
        assert!(row_visible("極秘", &named, &s(&["internal_auditor"]), "x"));
        assert!(row_visible("極秘", &named, &s(&["employee"]), "emp2"));
        assert!(!row_visible("極秘", &named, &s(&["employee"]), "emp"));
        assert!(!row_visible("極秘", &named, &s(&["top_management"]), "boss"), "named means only those");
        assert!(!row_visible("極秘", &s(&["user:"]), &s(&["employee"]), ""));
        let people = ["emp2".to_string()].into_iter().collect();
        assert_eq!(check_restriction(&named, &people), None);
        assert!(check_restriction(&s(&["user:ghost"]), &people).is_some());
        assert!(check_restriction(&s(&["role:boss"]), &people).is_some());
        assert!(check_restriction(&s(&["emp2"]), &people).is_some());
    }

    /// A template's duty data names its own fields, role keys and schedule frequencies.
    fn check_duty_data(d: &RegisterDef, duties: &crate::register_duty::RegisterDuties) {
        let field = |k: &str| d.fields.iter().find(|f| f.key == k).map(|f| f.ty);
        if let Some(r) = &duties.due_date {
            assert_eq!(field(&r.field), Some(FieldType::Date), "{}", d.key);
            assert!(r.lead_field.as_deref().is_none_or(|f| field(f) == Some(FieldType::Integer)), "{}", d.key);
            assert!(ROLE_KEYS.contains(&r.owner_role.as_str()) && is_control_id(&r.control), "{}", d.key);
        }
        for o in &duties.offer {
            assert!(crate::schedule::Frequency::from_key(&o.frequency).is_some(), "{}: {}", d.key, o.frequency);
            assert!(ROLE_KEYS.contains(&o.owner_role.as_str()) && is_control_id(&o.control), "{}", d.key);
        }
        assert!(duties.records.iter().all(|r| is_control_id(&r.control)), "{}", d.key);
    }

    #[test]
    fn twenty_valid_templates_for_the_named_records() {
        let t = templates();
        assert_eq!(t.len(), 32);
        for d in &t {
            if let Some(duties) = &d.duties {
                check_duty_data(d, duties);
            }
            assert!(check_definition(d).is_empty(), "{}: {:?}", d.key, check_definition(d));
            assert!(!d.controls.is_empty(), "{}", d.key);
            assert!(d.default_sort.as_ref().is_none_or(|s| d.fields.iter().any(|f| &f.key == s)), "{}", d.key);
            for f in &d.fields {
                if let Some(r) = &f.reference {
                    assert!(t.iter().any(|x| &x.key == r), "{}.{} refers to {r}", d.key, f.key);
                }
            }
        }
        let names: Vec<&str> = t.iter().map(|d| d.name.as_str()).collect();
        for n in [
            "情報資産リスクアセスメント表",
            "媒体持出管理記録",
            "秘密保持誓約書〔対従業員〕",
            "アプリケーションレビュー記録",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert!(t.iter().any(|d| d.key == "assets"));
    }
}
