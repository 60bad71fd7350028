//! Dictionaries of roles and external systems. Each entry has a canonical name and aliases
//! (including misspellings found in real documents). Organisations extend the defaults.
//! Matching is done on NFKC-normalised text.

use serde::{Deserialize, Serialize};

/// One dictionary entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The name reported.
    pub canonical: String,
    /// Spellings that mean the same (the canonical name is always matched too).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// For a role: the role key it stands for (`top_management`, `security_manager`,
    /// `system_admin`, `internal_auditor`, `employee`), when it is one of them. Duty owners and
    /// approvers are reported by key; a role without a key (対策本部, 人事担当者 …) is still
    /// listed in `Control.roles` but owns nothing by key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Entry {
    fn new(canonical: &str, aliases: &[&str]) -> Entry {
        Entry { canonical: canonical.into(), aliases: aliases.iter().map(|a| a.to_string()).collect(), key: None }
    }

    fn role(key: Option<&str>, canonical: &str, aliases: &[&str]) -> Entry {
        Entry { key: key.map(str::to_string), ..Entry::new(canonical, aliases) }
    }

    /// Every spelling, longest first (so that "システム管理責任者" wins over "システム管理者").
    pub fn spellings(&self) -> Vec<String> {
        let mut v: Vec<String> = std::iter::once(self.canonical.clone())
            .chain(self.aliases.iter().cloned())
            .map(|s| crate::nfkc(&s))
            .collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        v.dedup();
        v
    }
}

/// The dictionaries a parse uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dictionaries {
    /// Roles.
    pub roles: Vec<Entry>,
    /// External systems and vendors.
    pub systems: Vec<Entry>,
}

impl Default for Dictionaries {
    fn default() -> Self {
        Dictionaries {
            // Keys: the five roles duties and approvals are assigned to. 対策本部 (the BCP
            // emergency body), its 本部長 and メンバー, シニアプロフェッショナル (a job title),
            // 人事担当者 and 統括管理者 are recognised as roles but have no key: who holds them
            // differs per organisation (map them with an organisation entry's `key`).
            roles: vec![
                Entry::role(
                    Some("top_management"),
                    "経営責任者",
                    &["トップマネジメント", "経営者", "代表取締役", "社長"],
                ),
                Entry::role(
                    Some("security_manager"),
                    "情報セキュリティ管理者",
                    &[
                        "情報セキュリテイ管理者",
                        "情報セキュリテ管理者",
                        "セキュリテ管理者",
                        "セキュリティ管理者",
                        "情報セキュリティ責任者",
                        "情報セキュリティ管理責任者",
                    ],
                ),
                Entry::role(Some("system_admin"), "システム管理者", &["システム管理責任者", "システム担当者"]),
                Entry::role(Some("internal_auditor"), "内部監査員", &["内部監査責任者", "監査員"]),
                Entry::role(Some("employee"), "従業員", &["従業者", "一般従業員", "社員", "全従業員"]),
                Entry::role(None, "対策本部長", &[]),
                Entry::role(None, "対策本部メンバー", &[]),
                Entry::role(None, "対策本部", &[]),
                Entry::role(None, "シニアプロフェッショナル", &["シニア・プロフェッショナル"]),
                Entry::role(None, "人事担当者", &["人事担当", "人事責任者"]),
                Entry::role(None, "統括管理者", &["統括責任者"]),
            ],
            systems: vec![
                Entry::new(
                    "Microsoft 365",
                    &["Microsoft Business", "Microsoft Bisuness", "MicroSoft", "Office 365", "M365"],
                ),
                Entry::new("OneDrive", &["One Drive"]),
                Entry::new("SharePoint", &["Share Point"]),
                Entry::new("Microsoft Teams", &["Teams"]),
                Entry::new("Exchange Online", &["Exchange"]),
                Entry::new("Outlook", &[]),
                Entry::new("Microsoft Entra ID", &["Entra ID", "Azure AD", "Azure Active Directory"]),
                Entry::new("Windows", &[]),
                Entry::new("Google Workspace", &["G Suite", "Gmail"]),
                Entry::new("Amazon Web Services", &["AWS"]),
                Entry::new("Zoom", &[]),
                Entry::new("Slack", &[]),
                Entry::new("Dropbox", &[]),
                Entry::new("さくらインターネット", &["さくら Internet", "さくらのメールボックス", "Sakura Internet"]),
                Entry::new("USB バックアップ", &["USB にバックアップ", "USB から復旧", "USB へバックアップ"]),
                Entry::new(
                    "NTT 災害用伝言ダイヤル",
                    &["NTT 災害伝言ダイヤル", "災害伝言ダイヤル", "災害用伝言ダイヤル"],
                ),
                Entry::new("災害用伝言板", &["web171"]),
                Entry::new("NTT", &[]),
                Entry::new("ALSOK", &["綜合警備保障"]),
                Entry::new("SECOM", &["セコム"]),
                Entry::new("プラチナ光", &[]),
            ],
        }
    }
}

impl Dictionaries {
    /// Adds an organisation's entries (an existing canonical name gains the aliases).
    pub fn extend(&mut self, roles: Vec<Entry>, systems: Vec<Entry>) {
        fn merge(into: &mut Vec<Entry>, more: Vec<Entry>) {
            for e in more {
                match into.iter_mut().find(|x| x.canonical == e.canonical) {
                    Some(x) => {
                        x.aliases.extend(e.aliases);
                        if e.key.is_some() {
                            x.key = e.key;
                        }
                    }
                    None => into.push(e),
                }
            }
        }
        merge(&mut self.roles, roles);
        merge(&mut self.systems, systems);
    }
}

impl Dictionaries {
    /// The key of a role by its canonical name.
    pub fn role_key(&self, canonical: &str) -> Option<&str> {
        self.roles.iter().find(|e| e.canonical == canonical).and_then(|e| e.key.as_deref())
    }
}

/// A compiled dictionary: (spelling, canonical) sorted longest spelling first.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    spellings: Vec<(String, String)>,
}

impl Matcher {
    pub(crate) fn new(entries: &[Entry]) -> Matcher {
        let mut spellings: Vec<(String, String)> =
            entries.iter().flat_map(|e| e.spellings().into_iter().map(move |s| (s, e.canonical.clone()))).collect();
        spellings.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        Matcher { spellings }
    }

    /// Canonical names found in `norm` with their byte positions; overlapping shorter matches
    /// inside a longer one are dropped. ASCII spellings match case-insensitively on word bounds.
    pub(crate) fn find(&self, norm: &str) -> Vec<(usize, usize, String)> {
        // ASCII lower-casing keeps every byte offset (full Unicode lower-casing does not: İ grows
        // and ẞ shrinks), so positions found in `hay` are positions in `norm`.
        let lower = norm.to_ascii_lowercase();
        let hay = lower.as_str();
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut out = Vec::new();
        for (sp, canon) in &self.spellings {
            let needle = sp.to_ascii_lowercase();
            if needle.is_empty() {
                continue;
            }
            let ascii = needle.is_ascii();
            let mut from = 0;
            while let Some(i) = hay.get(from..).and_then(|h| h.find(&needle)) {
                let start = from + i;
                let end = start + needle.len();
                from = end;
                if ascii {
                    let before = hay[..start].chars().next_back();
                    let after = hay[end..].chars().next();
                    if before.is_some_and(|c| c.is_ascii_alphanumeric())
                        || after.is_some_and(|c| c.is_ascii_alphanumeric())
                    {
                        continue;
                    }
                }
                if taken.iter().any(|(s, e)| start < *e && end > *s) {
                    continue;
                }
                taken.push((start, end));
                out.push((start, end, canon.clone()));
            }
        }
        out.sort();
        out
    }
}
