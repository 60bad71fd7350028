//! The Annex A catalogue shipped in the binary: 93 control ids, themes, short titles written
//! for mamori (never the standard's control text) and the ISO/IEC 27002:2022 attributes as
//! English enum keys with Japanese labels.

use serde::Serialize;
use std::sync::LazyLock;

/// The four themes of Annex A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// 5: 組織的管理策.
    Organizational,
    /// 6: 人的管理策.
    People,
    /// 7: 物理的管理策.
    Physical,
    /// 8: 技術的管理策.
    Technological,
}

impl Theme {
    /// From the clause number (5–8).
    pub fn from_clause(n: u32) -> Option<Theme> {
        match n {
            5 => Some(Theme::Organizational),
            6 => Some(Theme::People),
            7 => Some(Theme::Physical),
            8 => Some(Theme::Technological),
            _ => None,
        }
    }
    /// The English key.
    pub fn key(self) -> &'static str {
        match self {
            Theme::Organizational => "organizational",
            Theme::People => "people",
            Theme::Physical => "physical",
            Theme::Technological => "technological",
        }
    }
    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Theme::Organizational => "組織的管理策",
            Theme::People => "人的管理策",
            Theme::Physical => "物理的管理策",
            Theme::Technological => "技術的管理策",
        }
    }
    /// Every theme in order.
    pub const ALL: [Theme; 4] = [Theme::Organizational, Theme::People, Theme::Physical, Theme::Technological];
}

/// One attribute value: the English key and the Japanese label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AttrValue {
    /// English enum key (as in ISO/IEC 27002:2022).
    pub key: &'static str,
    /// Japanese label.
    pub ja: &'static str,
}

/// (code, English key, Japanese label).
pub type AttrCode = (&'static str, &'static str, &'static str);
/// (family key, family Japanese label, values).
pub type AttrFamily = (&'static str, &'static str, &'static [AttrCode]);

/// Attribute families and their values.
pub const ATTRIBUTES: &[AttrFamily] = &[
    (
        "control_type",
        "管理策タイプ",
        &[("P", "preventive", "予防"), ("D", "detective", "検知"), ("C", "corrective", "是正")],
    ),
    (
        "security_properties",
        "情報セキュリティ特性",
        &[("C", "confidentiality", "機密性"), ("I", "integrity", "完全性"), ("A", "availability", "可用性")],
    ),
    (
        "cybersecurity_concepts",
        "サイバーセキュリティ概念",
        &[
            ("Id", "identify", "識別"),
            ("Pr", "protect", "防御"),
            ("De", "detect", "検知"),
            ("Re", "respond", "対応"),
            ("Rc", "recover", "復旧"),
        ],
    ),
    (
        "operational_capabilities",
        "運用ケイパビリティ",
        &[
            ("gov", "governance", "ガバナンス"),
            ("asset", "asset_management", "資産管理"),
            ("infoprot", "information_protection", "情報保護"),
            ("hr", "human_resource_security", "人的資源のセキュリティ"),
            ("phys", "physical_security", "物理的セキュリティ"),
            ("sysnet", "system_and_network_security", "システム及びネットワークのセキュリティ"),
            ("app", "application_security", "アプリケーションのセキュリティ"),
            ("conf", "secure_configuration", "セキュリティを保った構成"),
            ("iam", "identity_and_access_management", "識別情報及びアクセスの管理"),
            ("tvm", "threat_and_vulnerability_management", "脅威及びぜい弱性の管理"),
            ("cont", "continuity", "継続"),
            ("supp", "supplier_relationships_security", "供給者関係のセキュリティ"),
            ("legal", "legal_and_compliance", "法令及び順守"),
            ("event", "information_security_event_management", "情報セキュリティ事象管理"),
            ("assur", "information_security_assurance", "情報セキュリティ保証"),
        ],
    ),
    (
        "security_domains",
        "セキュリティドメイン",
        &[
            ("gov", "governance_and_ecosystem", "ガバナンス及びエコシステム"),
            ("prot", "protection", "防御"),
            ("def", "defence", "防衛"),
            ("res", "resilience", "対応力"),
        ],
    ),
];

/// One Annex A control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueControl {
    /// "5.1" … "8.34".
    pub id: String,
    /// Theme.
    pub theme: Theme,
    /// Short Japanese title.
    pub title_ja: String,
    /// Short English title.
    pub title_en: String,
    /// Control type.
    pub control_type: Vec<AttrValue>,
    /// Information security properties.
    pub security_properties: Vec<AttrValue>,
    /// Cybersecurity concepts.
    pub cybersecurity_concepts: Vec<AttrValue>,
    /// Operational capabilities.
    pub operational_capabilities: Vec<AttrValue>,
    /// Security domains.
    pub security_domains: Vec<AttrValue>,
}

fn values(family: usize, codes: &str, single_chars: bool) -> Vec<AttrValue> {
    let Some((_, _, table)) = ATTRIBUTES.get(family) else {
        return Vec::new();
    };
    let codes: Vec<String> = if single_chars {
        codes.chars().filter(|c| !c.is_whitespace()).map(String::from).collect()
    } else {
        codes.split_whitespace().map(String::from).collect()
    };
    codes
        .iter()
        .filter_map(|c| table.iter().find(|(code, _, _)| code == c).map(|(_, key, ja)| AttrValue { key, ja }))
        .collect()
}

/// Parses the shipped table; rows that do not parse are dropped (a unit test proves none do).
fn load() -> Vec<CatalogueControl> {
    include_str!("../data/annex_a.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [id, ja, en, ty, props, concepts, caps, domains] = f.as_slice() else {
                return None;
            };
            let clause: u32 = id.split('.').next()?.parse().ok()?;
            Some(CatalogueControl {
                id: id.to_string(),
                theme: Theme::from_clause(clause)?,
                title_ja: ja.to_string(),
                title_en: en.to_string(),
                control_type: values(0, ty, false),
                security_properties: values(1, props, true),
                cybersecurity_concepts: values(2, concepts, false),
                operational_capabilities: values(3, caps, false),
                security_domains: values(4, domains, false),
            })
        })
        .collect()
}

static CATALOGUE: LazyLock<Vec<CatalogueControl>> = LazyLock::new(load);

/// The 93 controls in order.
pub fn controls() -> &'static [CatalogueControl] {
    &CATALOGUE
}

/// A control by id.
pub fn control(id: &str) -> Option<&'static CatalogueControl> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// The position of a control in catalogue order.
pub fn index_of(id: &str) -> Option<usize> {
    CATALOGUE.iter().position(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_the_93_controls_in_order_with_attributes() {
        let c = controls();
        assert_eq!(c.len(), 93);
        let expect: Vec<String> = (1..=37)
            .map(|n| format!("5.{n}"))
            .chain((1..=8).map(|n| format!("6.{n}")))
            .chain((1..=14).map(|n| format!("7.{n}")))
            .chain((1..=34).map(|n| format!("8.{n}")))
            .collect();
        assert_eq!(c.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), expect);
        for x in c {
            assert!(!x.control_type.is_empty(), "{} type", x.id);
            assert!(!x.security_properties.is_empty(), "{} properties", x.id);
            assert!(!x.cybersecurity_concepts.is_empty(), "{} concepts", x.id);
            assert!(!x.operational_capabilities.is_empty(), "{} capabilities", x.id);
            assert!(!x.security_domains.is_empty(), "{} domains", x.id);
            assert!(!x.title_ja.is_empty() && !x.title_en.is_empty());
        }
        assert_eq!(c.iter().filter(|x| x.theme == Theme::People).count(), 8);
        assert_eq!(c.iter().filter(|x| x.theme == Theme::Physical).count(), 14);
    }

    #[test]
    fn every_code_in_the_table_is_known() {
        // A typo in the table would silently drop a value; count codes against values.
        for l in include_str!("../data/annex_a.tsv").lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = l.split('\t').collect();
            let c = control(f[0]).unwrap();
            assert_eq!(c.control_type.len(), f[3].split_whitespace().count(), "{}", f[0]);
            assert_eq!(c.security_properties.len(), f[4].chars().count(), "{}", f[0]);
            assert_eq!(c.cybersecurity_concepts.len(), f[5].split_whitespace().count(), "{}", f[0]);
            assert_eq!(c.operational_capabilities.len(), f[6].split_whitespace().count(), "{}", f[0]);
            assert_eq!(c.security_domains.len(), f[7].split_whitespace().count(), "{}", f[0]);
        }
    }
}
