//! Pledges (5.16, 6.5, 6.6): the 秘密保持誓約書 a joiner signs before access and the
//! 退職時の秘密保持誓約書 a leaver signs. A pledge is a controlled document; a signature binds a
//! person to one version of it by the SHA-256 of that version's content, so a new version asks
//! for a new signature. Pure: which document is which pledge, the content's digest, whether a
//! typed name is the person's, where a person stands, and the starter texts.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The two pledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 秘密保持誓約書〔対従業員〕: before access (6.6, 5.16).
    Joiner,
    /// 退職時の秘密保持誓約書: on leaving (6.5).
    Leaver,
}

impl Kind {
    /// Both, joiner first.
    pub const ALL: [Kind; 2] = [Kind::Joiner, Kind::Leaver];

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Joiner => "joiner",
            Kind::Leaver => "leaver",
        }
    }

    /// The kind with this key.
    pub fn parse(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The register a signature is recorded in (the auditor's 台帳).
    pub fn register(self) -> &'static str {
        match self {
            Kind::Joiner => "employee_pledges",
            Kind::Leaver => "leaver_pledges",
        }
    }
}

/// Which pledge a document titled `title` is: a 誓約書 naming 退職 or 契約終了 is the leaver's,
/// any other 誓約書 the joiner's; anything else is not a pledge.
pub fn kind_of_title(title: &str) -> Option<Kind> {
    let t = title.trim();
    if !t.contains("誓約書") {
        return None;
    }
    if t.contains("退職") || t.contains("契約終了") { Some(Kind::Leaver) } else { Some(Kind::Joiner) }
}

/// The SHA-256 (lower-case hex) a signature binds: the file's own digest when the version's
/// content is a file, else the digest of its text body's UTF-8 bytes.
pub fn content_sha256(body: &str, file_sha256: Option<&str>) -> String {
    match file_sha256.filter(|s| !s.is_empty()) {
        Some(f) => f.to_ascii_lowercase(),
        None => crate::hex::encode(&Sha256::digest(body.as_bytes())),
    }
}

/// Whether the name typed when signing is the person's own (spaces of either width and case
/// ignored, full-width letters folded).
pub fn typed_name_matches(typed: &str, name: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    };
    let t = squash(typed);
    !t.is_empty() && t == squash(name)
}

/// Where a person stands with one pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No version of the pledge is in force: nothing can be signed yet.
    NoDocument,
    /// Never signed.
    Missing,
    /// Signed an earlier version: a new signature is asked for.
    Outdated,
    /// Signed the version in force.
    Signed,
}

impl Standing {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Standing::NoDocument => "no_document",
            Standing::Missing => "missing",
            Standing::Outdated => "outdated",
            Standing::Signed => "signed",
        }
    }
}

/// Where a person stands: `current` is the version in force (none: [`Standing::NoDocument`]),
/// `signed` the versions they signed.
pub fn standing<'a>(current: Option<&str>, signed: impl IntoIterator<Item = &'a str>) -> Standing {
    let signed: Vec<&str> = signed.into_iter().collect();
    match current {
        _ if signed.is_empty() && current.is_none() => Standing::NoDocument,
        None => Standing::Outdated,
        Some(_) if signed.is_empty() => Standing::Missing,
        Some(c) if signed.contains(&c) => Standing::Signed,
        Some(_) => Standing::Outdated,
    }
}

/// A starter pledge text.
#[derive(Debug, Clone, Deserialize)]
pub struct Starter {
    /// The document's title.
    pub title: String,
    /// Its text.
    pub body: String,
}

#[derive(Deserialize)]
struct Starters {
    joiner: Starter,
    leaver: Starter,
}

/// The shipped starter text of a pledge (`data/pledge_starter.json`).
pub fn starter(kind: Kind) -> Starter {
    // The file is part of the build and checked by the tests below.
    let s: Starters = serde_json::from_str(include_str!("../data/pledge_starter.json")).unwrap_or_else(|_| Starters {
        joiner: Starter { title: "秘密保持誓約書".into(), body: String::new() },
        leaver: Starter { title: "退職時の秘密保持誓約書".into(), body: String::new() },
    });
    match kind {
        Kind::Joiner => s.joiner,
        Kind::Leaver => s.leaver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_seeds_pledges_are_found_by_title() {
        assert_eq!(kind_of_title("秘密保持誓約書〔対従業員〕"), Some(Kind::Joiner));
        assert_eq!(kind_of_title("退職時の秘密保持誓約書"), Some(Kind::Leaver));
        assert_eq!(kind_of_title("契約終了時の秘密保持誓約書"), Some(Kind::Leaver));
        assert_eq!(kind_of_title("秘密保持契約書"), None);
        assert_eq!(kind_of_title("退職時及び契約終了時のチェックリスト"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.key()), Some(k));
            assert_eq!(kind_of_title(&starter(k).title), Some(k));
            assert!(starter(k).body.chars().count() > 200, "{:?}", k);
        }
    }

    #[test]
    fn the_digest_is_the_files_or_the_bodys() {
        assert_eq!(content_sha256("", None), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(content_sha256("誓約", Some("ABCDEF")), "abcdef");
        assert_ne!(content_sha256("第1版", None), content_sha256("第2版", None));
    }

    #[test]
    fn a_typed_name_must_be_the_persons() {
        assert!(typed_name_matches("山田 太郎", "山田　太郎"));
        assert!(typed_name_matches("ｙａｍａｄａ", "Yamada"));
        assert!(!typed_name_matches("山田", "山田　太郎"));
        assert!(!typed_name_matches("  ", ""));
    }

    #[test]
    fn standing_follows_the_version_in_force() {
        assert_eq!(standing(None, []), Standing::NoDocument);
        assert_eq!(standing(Some("v2"), []), Standing::Missing);
        assert_eq!(standing(Some("v2"), ["v1"]), Standing::Outdated);
        assert_eq!(standing(Some("v2"), ["v1", "v2"]), Standing::Signed);
        assert_eq!(standing(None, ["v1"]), Standing::Outdated);
    }

    proptest! {
        #[test]
        fn name_matching_never_panics_and_is_reflexive(s in "\\PC{0,40}") {
            let m = typed_name_matches(&s, &s);
            prop_assert_eq!(m, s.chars().any(|c| !c.is_whitespace()));
        }
    }
}
