//! What a window shows, in which language: the texts of a kittest window
//! (every accessibility label and value), the English words left in a
//! Chinese one, and the Chinese in an English one. Shared by the window
//! tests in Chinese (ui_zh, demo_relay).
//!
//! English left is a run of two or more ASCII letters that is not
//! - a name: [`NAMES`] (the program, test data, a TLS message, keys as the
//!   keyboard names them) or one the test adds;
//! - a command (`/nick`);
//! - an acronym or a name in CamelCase (`TLS`, `ClientHello`,
//!   `Diffie-Hellman`, `subjectAltName`);
//! - a token holding a digit or `_`, `=`, `.`, `:` (hex, addresses,
//!   `X25519`, `AES-256-GCM`, `CN=…`, `ECDSA_NISTP256_SHA256`), or all
//!   hex digits (a byte in a dump: `ab`, `cafe`).
#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// Names that stay as they are in any language: the program, the tests'
/// people, hosts and CA, a TLS message without a capital inside, and keys
/// as the keyboard names them.
pub const NAMES: &[&str] = &[
    "tlschat",
    "localhost",
    "Test Root CA",
    "ana",
    "hana",
    "bo",
    "cy",
    "dee",
    "eve",
    "Finished",
    "Enter",
    "Shift",
    "Ctrl",
    "Esc",
    "Page",
    "Up",
    "Down",
];

/// Every text the window shows now: each node's label and value.
pub fn texts<S>(a: &Harness<'_, S>) -> Vec<String> {
    a.query_all_by(|_| true)
        .flat_map(|n| {
            let n = n.accesskit_node();
            [n.label(), n.value()]
        })
        .flatten()
        .filter(|t| !t.trim().is_empty())
        .collect()
}

/// Whether some widget's label contains `text`.
pub fn has_text<S>(a: &Harness<'_, S>, text: &str) -> bool {
    a.query_all_by_label_contains(text).next().is_some()
}

/// The words of `text` that read as English (see the module's doc), with
/// `names` (whole names, of one word or more) allowed besides [`NAMES`].
pub fn english_words(text: &str, names: &[&str]) -> Vec<String> {
    let mut text = text.to_string();
    for name in NAMES.iter().chain(names).filter(|n| n.contains(' ')) {
        text = text.replace(name, " ");
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-=/.:".contains(c)))
        .filter(|w| {
            w.chars().filter(char::is_ascii_alphabetic).count() >= 2
                && !w.starts_with('/')
                && !w.chars().any(|c| c.is_ascii_digit() || "_=.:".contains(c))
                && !w.chars().skip(1).any(|c| c.is_ascii_uppercase())
                && !w.chars().all(|c| c.is_ascii_hexdigit())
                && !NAMES.contains(w)
                && !names.contains(w)
        })
        .map(str::to_string)
        .collect()
}

/// What egui itself names for screen readers, never drawn: a window's
/// collapse and close buttons, and the edges of resizable windows and
/// panels.
pub fn egui_own(text: &str) -> bool {
    ["Hide", "Show", "Close window"].contains(&text) || text.starts_with("Resize ")
}

/// Fails with every text of the window that has English words left
/// (`names` allowed besides [`NAMES`]).
pub fn assert_no_english<S>(a: &Harness<'_, S>, what: &str, names: &[&str]) {
    let left: Vec<(String, Vec<String>)> = texts(a)
        .into_iter()
        .filter(|t| !egui_own(t))
        .filter_map(|t| {
            let words = english_words(&t, names);
            (!words.is_empty()).then_some((t, words))
        })
        .collect();
    assert!(left.is_empty(), "English left in {what}: {left:#?}");
}

/// Whether a text has a Chinese character (CJK Unified Ideographs, or the
/// ideographic punctuation and full-width forms).
pub fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

/// Fails with every text of the window that has Chinese in it.
pub fn assert_no_chinese<S>(a: &Harness<'_, S>, what: &str) {
    let chinese: Vec<String> = texts(a).into_iter().filter(|t| is_chinese(t)).collect();
    assert!(chinese.is_empty(), "Chinese in {what}: {chinese:#?}");
}

#[test]
fn english_words_are_found_and_names_are_not() {
    assert_eq!(
        english_words(
            "安全 · TLS 1.3 · 由 Test Root CA 验证, the ClientHello",
            &[]
        ),
        ["the"]
    );
    assert!(
        english_words(
            "ecdsa-with-SHA256 X25519MLKEM768 Diffie-Hellman subjectAltName (2.5.29.17) \
             /nick 名字 SHA256:ab12 CN=localhost Shift+Enter tlschat/1 Impostor CA",
            &["Impostor CA"]
        )
        .is_empty()
    );
    assert_eq!(
        english_words("Secure · expires in 29 days", &[]),
        ["Secure", "expires", "in", "days"]
    );
    assert!(is_chinese("连接") && is_chinese("（") && !is_chinese("a · b — c…"));
}
