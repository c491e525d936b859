//! Nicknames people can trust: what the room accepts as a name, and when two
//! names are the same name.
//!
//! [`normalize`] trims a wanted name, NFKC-normalizes it (fullwidth `ａｎａ`
//! becomes `ana`, `ﬁ` becomes `fi`) and refuses, with a one-line reason
//! that names the character, anything that could make a name read as
//! something it is not:
//!
//! - spaces and control characters;
//! - invisible characters: format characters (zero-width space, joiners,
//!   soft hyphen, word joiner, byte-order mark, tags), the other
//!   default-ignorable code points (variation selectors, the Hangul
//!   fillers U+115F, U+1160, U+3164, U+FFA0) and the braille blank U+2800;
//! - bidirectional controls, which reorder what follows them;
//! - parentheses and everything confusable with one (`❨`, `⁽`, `﴾` …): the
//!   member list marks the host and you as `(host)` and `(you)`, and
//!   refusing the characters themselves is simpler and safer than refusing
//!   every spelling of those two words (`(hоst)` with a Cyrillic `о`,
//!   `(h0st)`, …);
//! - private-use characters, which draw as anything a font likes;
//! - no character at all, or more than [`MAX_CHARS`].
//!
//! [`key`] is what makes a name unique in a room: its confusable skeleton
//! (Unicode TS #39), case-folded, so `ana`, `ANA`, `аna` (Cyrillic `а`),
//! `ａｎａ` and `an\u{ad}a` are all one name. The skeleton is taken before
//! and after lowercasing, so an uppercase look-alike from another script
//! (Greek `Η` for `H`) and a lowercase one (`а`) both fold onto the name
//! they imitate. One known gap follows from that order: `I` and `l` share
//! a skeleton, so `Ivan` and `lvan` are one name, but `ivan` (whose dot
//! tells it apart) is another.

use unicode_normalization::UnicodeNormalization as _;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};

use crate::net::safe_text::{is_hidden, visible_line};

/// The longest nickname, in characters (after normalization).
pub const MAX_CHARS: usize = 32;

/// Blank characters that are letters or symbols by category, not spaces.
fn is_filler(c: char) -> bool {
    matches!(
        c,
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{2800}'
    )
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
    )
}

/// The names of the characters people most often meet in look-alike names.
fn char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{ad}' => "soft hyphen",
        '\u{200b}' => "zero width space",
        '\u{200c}' => "zero width non-joiner",
        '\u{200d}' => "zero width joiner",
        '\u{200e}' => "left-to-right mark",
        '\u{200f}' => "right-to-left mark",
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2060}' => "word joiner",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{3164}' => "Hangul filler",
        '\u{115f}' => "Hangul choseong filler",
        '\u{1160}' => "Hangul jungseong filler",
        '\u{ffa0}' => "halfwidth Hangul filler",
        '\u{2800}' => "braille pattern blank",
        '\u{feff}' => "zero width no-break space",
        '\u{fe0f}' => "variation selector-16",
        '\u{3000}' => "ideographic space",
        '\u{a0}' => "no-break space",
        _ => return None,
    })
}

/// `U+200B (zero width space)`.
fn spelled(c: char) -> String {
    let n = u32::from(c);
    match char_name(c) {
        Some(name) => format!("U+{n:04X} ({name})"),
        None => format!("U+{n:04X}"),
    }
}

/// Whether a character's skeleton holds a parenthesis.
fn looks_like_parenthesis(c: char) -> bool {
    matches!(c, '(' | ')')
        || unicode_security::skeleton(c.encode_utf8(&mut [0; 4])).any(|s| matches!(s, '(' | ')'))
}

/// Why a character may not be part of a nickname, if it may not.
fn refusal(c: char) -> Option<String> {
    if c.is_whitespace() {
        return Some(format!("a space, {}", spelled(c)));
    }
    if c.is_control() {
        return Some(format!("a control character, {}", spelled(c)));
    }
    if is_bidi_control(c) {
        return Some(format!("a character that reverses text, {}", spelled(c)));
    }
    if is_hidden(c) || is_filler(c) {
        return Some(format!("an invisible character, {}", spelled(c)));
    }
    if c.general_category() == GeneralCategory::PrivateUse {
        return Some(format!("a private-use character, {}", spelled(c)));
    }
    if looks_like_parenthesis(c) {
        return Some(format!(
            "'{c}' ({}), and parentheses are kept for (host) and (you)",
            spelled(c)
        ));
    }
    None
}

/// A wanted nickname as the room would accept it, or one line saying why not.
pub fn normalize(wanted: &str) -> Result<String, String> {
    // Far too long is refused before normalization spends time on it.
    let typed = wanted.trim().chars().count();
    if typed > 4 * MAX_CHARS {
        return Err(format!(
            "that nickname has {typed} characters; the most is {MAX_CHARS}"
        ));
    }
    let nick: String = wanted.trim().nfkc().collect();
    let nick = nick.trim();
    let bad = |why: String| format!("'{}' is not a valid nickname: {why}", visible_line(nick));
    let count = nick.chars().count();
    if count == 0 {
        return Err("a nickname needs at least one character".to_string());
    }
    if count > MAX_CHARS {
        return Err(bad(format!(
            "it has {count} characters; the most is {MAX_CHARS}"
        )));
    }
    if let Some(why) = nick.chars().find_map(refusal) {
        return Err(bad(format!("it contains {why}")));
    }
    Ok(nick.to_string())
}

/// The uniqueness key of a nickname: two names with the same key look
/// alike, and a room holds only one of them.
#[must_use]
pub fn key(nick: &str) -> String {
    let nfkc: String = nick.nfkc().collect();
    let once = unicode_security::skeleton(&nfkc)
        .collect::<String>()
        .to_lowercase();
    unicode_security::skeleton(&once)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_refused_or_are_the_same_name() {
        let original = key(&normalize("ana").unwrap());
        // (wanted, Some(what the refusal names) or None: accepted, same key)
        let table: &[(&str, Option<&str>)] = &[
            ("ana", None),
            ("ANA", None),
            ("Ana", None),
            ("\u{430}na", None),                // Cyrillic а
            ("an\u{430}", None),                // Cyrillic а at the end
            ("\u{ff41}\u{ff4e}\u{ff41}", None), // fullwidth ａｎａ
            ("  ana ", None),
            ("ana\u{200b}", Some("U+200B (zero width space)")),
            ("ana\u{ad}", Some("U+00AD (soft hyphen)")),
            ("an\u{200d}a", Some("U+200D (zero width joiner)")),
            ("ana\u{feff}", Some("U+FEFF")),
            ("ana\u{2060}", Some("U+2060 (word joiner)")),
            ("a\u{202e}na", Some("U+202E (right-to-left override)")),
            ("\u{2067}ana", Some("U+2067")),
            ("ana\u{e0041}", Some("U+E0041")),
            ("ana\u{fe0f}", Some("U+FE0F")),
            // NFKC turns the Hangul filler into the jungseong filler U+1160.
            ("ana\u{3164}", Some("Hangul")),
            ("ana\u{ffa0}", Some("Hangul")),
            ("ana\u{2800}", Some("U+2800 (braille pattern blank)")),
            ("ana\u{1b}[2J", Some("U+001B")),
            ("a na", Some("a space")),
            ("a\u{3000}na", Some("a space")),
        ];
        for (wanted, refused) in table {
            match (normalize(wanted), refused) {
                (Ok(n), None) => assert_eq!(key(&n), original, "{wanted:?} → {n:?}"),
                (Err(e), Some(needle)) => {
                    assert!(e.contains(needle), "{wanted:?}: {e}");
                    assert!(!e.chars().any(is_hidden), "the refusal shows {e:?}");
                    assert!(!e.contains('\n'));
                }
                (got, want) => panic!("{wanted:?}: got {got:?}, wanted refusal {want:?}"),
            }
        }
    }

    #[test]
    fn nobody_can_wear_host_or_you() {
        for wanted in [
            "hana\u{3164}(host)",
            "hana(host)",
            "ana(you)",
            "hana\u{2768}host\u{2769}", // ❨host❩
            "hana\u{207d}host\u{207e}", // superscript, NFKC makes them ( )
            "hana\u{ff08}host\u{ff09}", // fullwidth
            "hana\u{fd3e}host\u{fd3f}", // ornate parentheses
        ] {
            let e = normalize(wanted).unwrap_err();
            assert!(e.contains("is not a valid nickname"), "{wanted:?}: {e}");
        }
    }

    #[test]
    fn ordinary_names_in_every_script_are_welcome() {
        for wanted in [
            "李小龍",
            "さくら",
            "김민준",
            "Ἀθηνᾶ",
            "مريم",
            "Ωmega",
            "bo-2",
            "x_y.z",
            "🦀",
        ] {
            assert_eq!(normalize(wanted).as_deref(), Ok(wanted), "{wanted}");
        }
        assert_eq!(normalize(" ana ").as_deref(), Ok("ana"));
        assert!(normalize("").is_err());
        assert!(normalize("   ").is_err());
        assert!(normalize(&"x".repeat(MAX_CHARS)).is_ok());
        assert!(normalize(&"x".repeat(MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn keys_fold_case_and_confusables_but_keep_different_names_apart() {
        assert_eq!(key("B0B"), key("bob"), "zero and O");
        assert_eq!(key("\u{397}ana"), key("Hana"), "Greek capital eta");
        assert_eq!(key("Ivan"), key("lvan"), "capital I and small L");
        assert_ne!(key("ana"), key("anna"));
        assert_ne!(key("ana"), key("ana-2"));
        assert_ne!(key("bo"), key("bö"));
    }
}
