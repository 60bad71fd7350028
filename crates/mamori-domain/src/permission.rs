//! Roles and permissions.
//!
//! The *permissions* are fixed by the code (each route names the one it needs). Which role
//! holds which permission is data: it is stored per organisation and seeded from
//! [`default_role_permissions`]. The five seeded roles carry the names the regulation uses.

use serde::{Deserialize, Serialize};

/// A capability checked on every route, page and API alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// See the home dashboard (every logged-in person).
    #[serde(rename = "dashboard.view")]
    DashboardView,
    /// List the organisation's users.
    #[serde(rename = "users.view")]
    UsersView,
    /// Create users, reset passwords, change roles.
    #[serde(rename = "users.manage")]
    UsersManage,
    /// Unlock locked accounts (8.5: the system administrator resets).
    #[serde(rename = "users.unlock")]
    UsersUnlock,
    /// Read the audit trail (8.15 (5): privileged roles only).
    #[serde(rename = "audit.view")]
    AuditView,
    /// Change organisation settings such as the lockout limit.
    #[serde(rename = "settings.manage")]
    SettingsManage,
    /// Read the regulation, its controls and open items.
    #[serde(rename = "regulation.view")]
    RegulationView,
    /// Import a new version of the regulation.
    #[serde(rename = "regulation.import")]
    RegulationImport,
    /// Read controlled documents and the SoA; acknowledge published policies.
    #[serde(rename = "documents.view")]
    DocumentsView,
    /// Write drafts of documents and the SoA, publish versions.
    #[serde(rename = "documents.edit")]
    DocumentsEdit,
    /// Read registers.
    #[serde(rename = "registers.view")]
    RegistersView,
    /// Add, change, delete and restore register rows; import.
    #[serde(rename = "registers.edit")]
    RegistersEdit,
    /// Define registers and their fields.
    #[serde(rename = "registers.design")]
    RegistersDesign,
    /// See recurring duties and complete those of one's role.
    #[serde(rename = "duties.view")]
    DutiesView,
    /// Define and schedule duties; complete or skip any occurrence.
    #[serde(rename = "duties.manage")]
    DutiesManage,
    /// Make requests (申請) and act on them as the request type's roles allow.
    #[serde(rename = "requests.use")]
    RequestsUse,
    /// Read internal audits: plans, checklists, findings, reports (9.2).
    #[serde(rename = "internal_audits.view")]
    InternalAuditsView,
    /// Plan internal audits and record findings (9.2; independence is checked per audit).
    #[serde(rename = "internal_audits.manage")]
    InternalAuditsManage,
    /// Read management reviews: inputs, outputs, minutes (9.3).
    #[serde(rename = "management_reviews.view")]
    ManagementReviewsView,
    /// Prepare management reviews: assemble and edit inputs, record outputs (9.3).
    #[serde(rename = "management_reviews.manage")]
    ManagementReviewsManage,
    /// Read the information-security objectives and their measurements (6.2 d: communicated
    /// to everyone).
    #[serde(rename = "objectives.view")]
    ObjectivesView,
    /// Set objectives and record their measurements (6.2).
    #[serde(rename = "objectives.manage")]
    ObjectivesManage,
    /// Read the staff directory's e-mail addresses and dates, add and change people, record a
    /// leave and settle the leaver checklist (経営責任者, 情報セキュリティ管理者, システム管理者);
    /// names and departments are read by every member (need-to-know).
    #[serde(rename = "people.manage")]
    PeopleManage,
    /// Manage training (6.3): courses and their question pools, the yearly plan and its
    /// assignments, offline records, and read everyone's progress and scores (経営責任者,
    /// 情報セキュリティ管理者); everyone else reads the courses and only their own attempts.
    #[serde(rename = "training.manage")]
    TrainingManage,
    /// Send 安否確認 broadcasts and read their tally — answers about injuries and the names of
    /// non-responders, so need-to-know: the 対策本部's managers (経営責任者, 情報セキュリティ
    /// 管理者) only, not システム管理者 (5.29).
    #[serde(rename = "safety_checks.manage")]
    SafetyChecksManage,
    /// Run 標的型メール訓練 (targeted-mail drills) and read their results per person — who
    /// clicked is need-to-know: 経営責任者 and 情報セキュリティ管理者 only, not システム管理者.
    #[serde(rename = "drills.manage")]
    DrillsManage,
}

impl Permission {
    /// Every permission, in display order.
    pub const ALL: [Permission; 26] = [
        Permission::DashboardView,
        Permission::UsersView,
        Permission::UsersManage,
        Permission::UsersUnlock,
        Permission::AuditView,
        Permission::SettingsManage,
        Permission::RegulationView,
        Permission::RegulationImport,
        Permission::DocumentsView,
        Permission::DocumentsEdit,
        Permission::RegistersView,
        Permission::RegistersEdit,
        Permission::RegistersDesign,
        Permission::DutiesView,
        Permission::DutiesManage,
        Permission::RequestsUse,
        Permission::InternalAuditsView,
        Permission::InternalAuditsManage,
        Permission::ManagementReviewsView,
        Permission::ManagementReviewsManage,
        Permission::ObjectivesView,
        Permission::ObjectivesManage,
        Permission::PeopleManage,
        Permission::TrainingManage,
        Permission::SafetyChecksManage,
        Permission::DrillsManage,
    ];

    /// What システム管理者 holds by default: every permission but training's management (the
    /// scores of people are the managers' need-to-know), the 安否確認 tally (personal health
    /// answers are the 対策本部's, need-to-know) and the drills' results per person — the last
    /// three of [`Self::ALL`].
    pub const ADMIN: &'static [Permission] = Permission::ALL.split_at(Permission::ALL.len() - 3).0;

    /// The stable key stored in the database.
    pub fn key(self) -> &'static str {
        match self {
            Permission::DashboardView => "dashboard.view",
            Permission::UsersView => "users.view",
            Permission::UsersManage => "users.manage",
            Permission::UsersUnlock => "users.unlock",
            Permission::AuditView => "audit.view",
            Permission::SettingsManage => "settings.manage",
            Permission::RegulationView => "regulation.view",
            Permission::RegulationImport => "regulation.import",
            Permission::DocumentsView => "documents.view",
            Permission::DocumentsEdit => "documents.edit",
            Permission::RegistersView => "registers.view",
            Permission::RegistersEdit => "registers.edit",
            Permission::RegistersDesign => "registers.design",
            Permission::DutiesView => "duties.view",
            Permission::DutiesManage => "duties.manage",
            Permission::RequestsUse => "requests.use",
            Permission::InternalAuditsView => "internal_audits.view",
            Permission::InternalAuditsManage => "internal_audits.manage",
            Permission::ManagementReviewsView => "management_reviews.view",
            Permission::ManagementReviewsManage => "management_reviews.manage",
            Permission::ObjectivesView => "objectives.view",
            Permission::ObjectivesManage => "objectives.manage",
            Permission::PeopleManage => "people.manage",
            Permission::TrainingManage => "training.manage",
            Permission::SafetyChecksManage => "safety_checks.manage",
            Permission::DrillsManage => "drills.manage",
        }
    }

    /// Parses a stored key; unknown keys (from a newer version) are ignored by callers.
    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// A role seeded into every new organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRole {
    /// Stable key (used by the CLI's `--role` and the API).
    pub key: &'static str,
    /// Name as written in the regulation.
    pub name_ja: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Permissions granted by default.
    pub permissions: &'static [Permission],
}

/// Key of the top-management role (経営責任者).
pub const ROLE_TOP_MANAGEMENT: &str = "top_management";
/// Key of the information security manager role (情報セキュリティ管理者).
pub const ROLE_SECURITY_MANAGER: &str = "security_manager";
/// Key of the system administrator role (システム管理者).
pub const ROLE_SYSTEM_ADMIN: &str = "system_admin";
/// Key of the internal auditor role (内部監査員).
pub const ROLE_INTERNAL_AUDITOR: &str = "internal_auditor";
/// Key of the employee role (従業員).
pub const ROLE_EMPLOYEE: &str = "employee";

/// The roles every organisation starts with, and what each may do.
pub fn default_role_permissions() -> Vec<SeedRole> {
    use Permission::*;
    vec![
        SeedRole {
            key: ROLE_TOP_MANAGEMENT,
            name_ja: "経営責任者",
            name_en: "Top management",
            // Administrators hold every permission.
            permissions: &Permission::ALL,
        },
        SeedRole {
            key: ROLE_SECURITY_MANAGER,
            name_ja: "情報セキュリティ管理者",
            name_en: "Information security manager",
            permissions: &[
                DashboardView,
                UsersView,
                AuditView,
                RegulationView,
                RegulationImport,
                DocumentsView,
                DocumentsEdit,
                RegistersView,
                RegistersEdit,
                RegistersDesign,
                DutiesView,
                DutiesManage,
                RequestsUse,
                InternalAuditsView,
                InternalAuditsManage,
                ManagementReviewsView,
                ManagementReviewsManage,
                ObjectivesView,
                ObjectivesManage,
                PeopleManage,
                TrainingManage,
                SafetyChecksManage,
                DrillsManage,
            ],
        },
        SeedRole {
            key: ROLE_SYSTEM_ADMIN,
            name_ja: "システム管理者",
            name_en: "System administrator",
            // Administrators hold every permission but the 安否確認 tally.
            permissions: Permission::ADMIN,
        },
        SeedRole {
            key: ROLE_INTERNAL_AUDITOR,
            name_ja: "内部監査員",
            name_en: "Internal auditor",
            permissions: &[
                DashboardView,
                AuditView,
                RegulationView,
                DocumentsView,
                RegistersView,
                DutiesView,
                RequestsUse,
                InternalAuditsView,
                InternalAuditsManage,
                ManagementReviewsView,
                ObjectivesView,
            ],
        },
        SeedRole {
            key: ROLE_EMPLOYEE,
            name_ja: "従業員",
            name_en: "Employee",
            permissions: &[
                DashboardView,
                RegulationView,
                DocumentsView,
                RegistersView,
                DutiesView,
                RequestsUse,
                ObjectivesView,
            ],
        },
    ]
}

/// The permissions a person holds through their roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(Vec<Permission>);

impl Grants {
    /// Builds the set from stored permission keys; unknown keys are dropped.
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Grants {
        let mut v: Vec<Permission> = keys.into_iter().filter_map(Permission::from_key).collect();
        v.sort();
        v.dedup();
        Grants(v)
    }

    /// Whether the set contains `p`.
    pub fn has(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    /// The permissions held, sorted.
    pub fn all(&self) -> &[Permission] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.key()));
        }
        assert_eq!(Permission::from_key("nope"), None);
    }

    #[test]
    fn employee_cannot_read_the_audit_log_or_unlock() {
        let roles = default_role_permissions();
        let emp = roles.iter().find(|r| r.key == ROLE_EMPLOYEE).unwrap();
        let g = Grants::from_keys(emp.permissions.iter().map(|p| p.key()));
        assert!(g.has(Permission::DashboardView));
        assert!(!g.has(Permission::AuditView));
        assert!(!g.has(Permission::UsersUnlock));
    }

    #[test]
    fn only_the_managers_read_the_safety_tally() {
        for r in default_role_permissions() {
            let holds = r.permissions.contains(&Permission::SafetyChecksManage);
            assert_eq!(holds, [ROLE_TOP_MANAGEMENT, ROLE_SECURITY_MANAGER].contains(&r.key), "{}", r.key);
        }
        assert_eq!(Permission::ADMIN.len() + 3, Permission::ALL.len());
    }

    #[test]
    fn only_the_managers_manage_training() {
        for r in default_role_permissions() {
            let holds = r.permissions.contains(&Permission::TrainingManage);
            assert_eq!(holds, [ROLE_TOP_MANAGEMENT, ROLE_SECURITY_MANAGER].contains(&r.key), "{}", r.key);
        }
    }

    #[test]
    fn only_the_managers_read_drill_results() {
        for r in default_role_permissions() {
            let holds = r.permissions.contains(&Permission::DrillsManage);
            assert_eq!(holds, [ROLE_TOP_MANAGEMENT, ROLE_SECURITY_MANAGER].contains(&r.key), "{}", r.key);
        }
    }

    #[test]
    fn administrators_may_unlock() {
        for key in [ROLE_TOP_MANAGEMENT, ROLE_SYSTEM_ADMIN] {
            let r = default_role_permissions().into_iter().find(|r| r.key == key).unwrap();
            assert!(r.permissions.contains(&Permission::UsersUnlock), "{key}");
        }
    }
}
