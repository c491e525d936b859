//! Text that is safe to show. Everything that reaches a terminal or the
//! window from the network or a certificate (names, messages, reasons,
//! subject fields) goes through [`visible`] or [`visible_line`] first.
//!
//! A character that a terminal or a text view would *interpret* instead of
//! drawing is replaced by an escape that shows what it was (`\x1b`,
//! `\u{202e}`), never passed on:
//!
//! - control characters: C0 (but tab, and newline where kept), DEL and C1,
//!   so no escape sequence can clear a screen, move the cursor or set a
//!   title;
//! - format characters (Unicode general category Cf): the bidirectional
//!   controls that reorder text (U+202A–202E, U+2066–2069, U+200E/200F,
//!   U+061C), zero-width space, non-joiner and joiner (U+200B–200D), word
//!   joiner and invisible operators (U+2060–2064), the byte-order mark
//!   (U+FEFF), the soft hyphen (U+00AD), tag characters (U+E0000–E007F);
//! - the other default-ignorable code points, which draw as nothing:
//!   variation selectors, the Hangul fillers (U+115F, U+1160, U+3164,
//!   U+FFA0), the combining grapheme joiner;
//! - line and paragraph separators (U+2028, U+2029).
//!
//! Invalid UTF-8 becomes U+FFFD. The result holds only characters that draw
//! as themselves, so making text visible twice changes nothing.
//!
//! Exceptions keep emoji and some scripts readable: a presentation selector
//! (U+FE0E, U+FE0F) right after an emoji character; a zero-width joiner
//! between two emoji (👩‍💻); and a zero-width joiner or non-joiner between
//! two letters of one script that spells with them (Persian `می‌خواهم`,
//! Devanagari `क्‍ष`), never Latin, Greek or Cyrillic. Tag characters are
//! always escaped, so the three subdivision flags (🏴 + tags) show as
//! escapes: tags are exactly how text is hidden from people while machines
//! still read it.

use std::borrow::Cow;
use unicode_properties::{
    GeneralCategory, GeneralCategoryGroup, UnicodeEmoji as _, UnicodeGeneralCategory as _,
};
use unicode_script::{Script, UnicodeScript as _};

/// What becomes of a newline in text made visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    /// Kept: the text may have lines of its own (message bodies).
    Keep,
    /// Shown as `\n`: the text stays on one line (names, subjects,
    /// reasons: anything that must not paint a line of its own).
    Escape,
}

/// Whether a character would be interpreted, or would draw as nothing,
/// rather than show as itself: controls (tab and newline included: callers
/// that keep them say so), format characters, default-ignorable code points
/// and line or paragraph separators.
#[must_use]
pub fn is_hidden(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Surrogate
    ) || is_default_ignorable(c)
}

/// Default-ignorable code points that are not format characters: they are
/// letters or marks by category, yet draw as nothing.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// An emoji that a selector or joiner may follow (not an ASCII digit or `#`).
fn is_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char()
}

/// Whether a joiner or non-joiner between `prev` and `next` is part of how
/// their script is spelled: both letters (or marks) of one script, and not
/// of a script that has no use for it and whose letters it would only hide
/// between.
fn joins_letters(prev: Option<char>, next: Option<char>) -> bool {
    let (Some(p), Some(n)) = (prev, next) else {
        return false;
    };
    let letter =
        |c: char| c.is_alphabetic() || c.general_category_group() == GeneralCategoryGroup::Mark;
    let script = p.script();
    letter(p)
        && letter(n)
        && !is_hidden(p)
        && !is_hidden(n)
        && n.script() == script
        && !matches!(
            script,
            Script::Latin
                | Script::Greek
                | Script::Cyrillic
                | Script::Common
                | Script::Inherited
                | Script::Unknown
        )
}

/// Whether `c`, between `prev` and `next`, must be shown as an escape.
fn needs_escape(c: char, prev: Option<char>, next: Option<char>, newlines: Newlines) -> bool {
    match c {
        '\n' => newlines == Newlines::Escape,
        '\t' => false,
        // An emoji's presentation selector (keycaps such as 1️⃣ have one
        // after a digit).
        '\u{fe0e}' | '\u{fe0f}' => !prev.is_some_and(|p| p.is_emoji_char()),
        // A joiner inside an emoji sequence, as in 👩‍💻 or 🏳️‍🌈, or in a
        // word of a script that spells with it.
        '\u{200d}' => {
            let in_emoji =
                prev.is_some_and(|p| is_emoji(p) || p == '\u{fe0f}') && next.is_some_and(is_emoji);
            !in_emoji && !joins_letters(prev, next)
        }
        '\u{200c}' => !joins_letters(prev, next),
        c => is_hidden(c),
    }
}

/// How a character is shown when it may not be shown as itself: `\x1b`
/// below U+0100, `\u{202e}` above.
#[must_use]
pub fn escape(c: char) -> String {
    let n = u32::from(c);
    if c == '\n' {
        "\\n".to_string()
    } else if n < 0x100 {
        format!("\\x{n:02x}")
    } else {
        format!("\\u{{{n:x}}}")
    }
}

fn made_visible(text: &str, newlines: Newlines) -> Cow<'_, str> {
    // Most text has nothing to escape: borrow it.
    let clean = text.char_indices().all(|(i, c)| {
        let prev = text[..i].chars().next_back();
        let next = text[i + c.len_utf8()..].chars().next();
        !needs_escape(c, prev, next, newlines)
    });
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    // The character before, as shown: none after an escape, so that what is
    // kept next to it is judged as it will read (and a second pass agrees).
    let mut prev = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if needs_escape(c, prev, chars.peek().copied(), newlines) {
            out.push_str(&escape(c));
            prev = None;
        } else {
            out.push(c);
            prev = Some(c);
        }
    }
    Cow::Owned(out)
}

/// Text made safe to show, newlines and tabs kept (message bodies).
#[must_use]
pub fn visible(text: &str) -> Cow<'_, str> {
    made_visible(text, Newlines::Keep)
}

/// Text made safe to show on one line: like [`visible`], and a newline is
/// shown as `\n` (names, subjects, reasons: anything that must not paint a
/// line of its own).
#[must_use]
pub fn visible_line(text: &str) -> Cow<'_, str> {
    made_visible(text, Newlines::Escape)
}

/// [`visible`] ([`Newlines::Keep`]) or [`visible_line`]
/// ([`Newlines::Escape`]) of an owned string: a string that needs no change
/// is returned as it is, without a copy.
#[must_use]
pub fn into_visible(text: String, newlines: Newlines) -> String {
    let changed = match made_visible(&text, newlines) {
        Cow::Borrowed(_) => None,
        Cow::Owned(shown) => Some(shown),
    };
    changed.unwrap_or(text)
}

/// Bytes from the network made safe to show: invalid UTF-8 becomes U+FFFD,
/// then as [`visible`] ([`Newlines::Keep`]) or [`visible_line`]
/// ([`Newlines::Escape`]).
#[must_use]
pub fn visible_bytes(bytes: &[u8], newlines: Newlines) -> String {
    let text = String::from_utf8_lossy(bytes);
    match made_visible(&text, newlines) {
        Cow::Borrowed(_) => text.into_owned(),
        Cow::Owned(s) => s,
    }
}

/// The most characters of an untrusted text that an error message quotes.
pub const QUOTE_CHARS: usize = 64;

/// Untrusted text as an error message quotes it: on one line and made
/// visible, and cut after [`QUOTE_CHARS`] characters with `…`.
#[must_use]
pub fn clipped(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => visible_line(text).into_owned(),
        Some((end, _)) => format!("{}…", visible_line(&text[..end])),
    }
}

/// Untrusted text (an argument, a host name) as an error message quotes
/// it: [`clipped`] in single quotes, with its length in bytes when it was
/// cut — an error names what it refuses without echoing all of it.
#[must_use]
pub fn quoted(text: &str) -> String {
    if text.chars().nth(QUOTE_CHARS).is_some() {
        format!("'{}' ({} bytes)", clipped(text), text.len())
    } else {
        format!("'{}'", clipped(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_clipped_and_visible() {
        assert_eq!(quoted("host:99999"), "'host:99999'");
        let exact = "h".repeat(QUOTE_CHARS);
        assert_eq!(quoted(&exact), format!("'{exact}'"));
        let long = format!("{}:1", "h".repeat(5000));
        assert_eq!(
            quoted(&long),
            format!("'{}…' (5002 bytes)", "h".repeat(QUOTE_CHARS))
        );
        assert_eq!(quoted("a\u{1b}[2J\nb"), "'a\\x1b[2J\\nb'");
        // Characters, not bytes: a cut never splits one.
        let wide = "é".repeat(100);
        assert_eq!(
            quoted(&wide),
            format!("'{}…' (200 bytes)", "é".repeat(QUOTE_CHARS))
        );
    }

    #[test]
    fn an_owned_string_is_made_visible_like_a_borrowed_one() {
        for (text, newlines) in [
            ("plain 你好", Newlines::Keep),
            ("a\u{202e}b\nc", Newlines::Keep),
            ("a\nb", Newlines::Escape),
        ] {
            let shown = match newlines {
                Newlines::Keep => visible(text),
                Newlines::Escape => visible_line(text),
            };
            assert_eq!(into_visible(text.to_string(), newlines), shown);
        }
    }

    #[test]
    fn what_is_escaped_and_what_is_kept() {
        let table: &[(&str, &str)] = &[
            // Terminal escape sequences: clear screen, set title, colour.
            ("a\x1b[2Jb", "a\\x1b[2Jb"),
            ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
            ("red\x1b[31m", "red\\x1b[31m"),
            // C1 controls (CSI as one character), DEL, carriage return.
            ("x\u{9b}2J", "x\\x9b2J"),
            ("del\x7f", "del\\x7f"),
            ("over\rwrite", "over\\x0dwrite"),
            // Bidi controls that reorder what follows.
            ("a\u{202e}cba", "a\\u{202e}cba"),
            ("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}"),
            ("\u{200f}\u{200e}\u{61c}", "\\u{200f}\\u{200e}\\u{61c}"),
            // Invisible characters.
            ("ana\u{200b}", "ana\\u{200b}"),
            ("an\u{ad}a", "an\\xada"),
            ("\u{feff}bom", "\\u{feff}bom"),
            ("w\u{2060}j", "w\\u{2060}j"),
            ("tag\u{e0041}\u{e007f}", "tag\\u{e0041}\\u{e007f}"),
            // Fillers that draw as nothing.
            ("hana\u{3164}(host)", "hana\\u{3164}(host)"),
            ("\u{115f}\u{1160}\u{ffa0}", "\\u{115f}\\u{1160}\\u{ffa0}"),
            // Line and paragraph separators.
            ("one\u{2028}two\u{2029}", "one\\u{2028}two\\u{2029}"),
            // A variation selector or joiner outside an emoji.
            ("a\u{fe0f}", "a\\u{fe0f}"),
            ("a\u{200d}b", "a\\u{200d}b"),
            ("a\u{200c}b", "a\\u{200c}b"),
            ("\u{430}\u{200c}\u{431}", "\u{430}\\u{200c}\u{431}"),
            ("\u{200c}\u{645}", "\\u{200c}\u{645}"),
            // Next to something escaped, a joiner joins nothing.
            (
                "\u{1780}\u{17b4}\u{200c}\u{1780}",
                "\u{1780}\\u{17b4}\\u{200c}\u{1780}",
            ),
            ("a\u{fe0f}\u{200d}👍", "a\\u{fe0f}\\u{200d}👍"),
            // Kept: tabs, newlines, every script, emoji sequences.
            ("tab\there\nnext", "tab\there\nnext"),
            ("你好 こんにちは 안녕 مرحبا", "你好 こんにちは 안녕 مرحبا"),
            (
                "👩\u{200d}💻 ❤\u{fe0f} 1\u{fe0f}\u{20e3}",
                "👩\u{200d}💻 ❤\u{fe0f} 1\u{fe0f}\u{20e3}",
            ),
            ("🏳\u{fe0f}\u{200d}🌈", "🏳\u{fe0f}\u{200d}🌈"),
            // Persian spells with the non-joiner, Devanagari with the joiner.
            (
                "\u{645}\u{6cc}\u{200c}\u{62e}",
                "\u{645}\u{6cc}\u{200c}\u{62e}",
            ),
            (
                "\u{915}\u{94d}\u{200d}\u{937}",
                "\u{915}\u{94d}\u{200d}\u{937}",
            ),
            ("plain \\x1b text", "plain \\x1b text"),
        ];
        for (input, want) in table {
            assert_eq!(visible(input), *want, "{input:?}");
            // Twice is the same as once.
            assert_eq!(visible(want), *want, "{want:?}");
        }
    }

    #[test]
    fn one_line_fields_escape_newlines_too() {
        assert_eq!(
            visible_line("CN=x\n    fingerprint: SHA256:00"),
            "CN=x\\n    fingerprint: SHA256:00"
        );
        assert_eq!(visible("two\nlines"), "two\nlines");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(visible("hello 你好"), Cow::Borrowed(_)));
        assert!(matches!(visible_line("a\nb"), Cow::Owned(_)));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(
            visible_bytes(b"caf\xc3\xa9 \xff!", Newlines::Keep),
            "caf\u{e9} \u{fffd}!"
        );
        assert_eq!(
            visible_bytes(b"\xff\x1b", Newlines::Escape),
            "\u{fffd}\\x1b"
        );
    }

    #[test]
    fn nothing_hidden_survives_any_character() {
        // Every scalar value, alone and between emoji: what comes out never
        // holds a character that would be interpreted or hidden, except the
        // emoji exceptions.
        for n in 0..=0x10_ffffu32 {
            let Some(c) = char::from_u32(n) else { continue };
            let s = c.to_string();
            let out = visible_line(&s);
            assert!(
                !out.chars().any(|o| is_hidden(o) && o != '\t'),
                "U+{n:04X} came out as {out:?}"
            );
        }
    }

    #[test]
    fn twice_is_once_for_every_short_mix_of_tricky_characters() {
        let alphabet = [
            'a', '1', '\x07', '\n', '\u{1780}', '\u{17b4}', '\u{645}', '\u{200c}', '\u{200d}',
            '\u{fe0f}', '👍', '\u{202e}',
        ];
        let n = alphabet.len();
        for mut k in 0..n.pow(4) {
            let mut s = String::new();
            for _ in 0..4 {
                s.push(alphabet[k % n]);
                k /= n;
            }
            for newlines in [Newlines::Keep, Newlines::Escape] {
                let once = made_visible(&s, newlines).into_owned();
                assert_eq!(made_visible(&once, newlines), once, "{s:?}");
            }
        }
    }

    #[test]
    fn escape_spells_characters_like_the_sanitizer() {
        assert_eq!(escape('\x1b'), "\\x1b");
        assert_eq!(escape('\u{202e}'), "\\u{202e}");
        assert_eq!(escape('\n'), "\\n");
    }
}
