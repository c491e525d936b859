//! What a window shows, in which language: the texts of a kittest window
//! (every accessibility label, and every value but what the user types in
//! a text field), the English words left in a Chinese one, and the Chinese
//! in an English one. The one check every window test in Chinese uses
//! (i18n, ui_zh, demo_relay), with one allow-list.
//!
//! English left is a run of two or more ASCII letters that is not
//! - a name: [`NAMES`] (the program, protocols, formats, algorithms, the
//!   tests' data, keys as the keyboard names them), [`ACRONYMS`], or a
//!   name the test adds;
//! - a TLS message or a field in CamelCase (`ClientHello`,
//!   `subjectAltName`: a capital after a small letter);
//! - in a command: one in backticks (`tlschat trust remove …`) or a word
//!   after `/` (`/nick`);
//! - in a token holding a digit, `_`, `=`, or a `.` or `:` inside (hex,
//!   addresses, `X25519`, `AES-256-GCM`, `CN=…`, `tlschat://…`), or all
//!   hex digits (a byte in a dump: `ab`, `cafe`).
//!
//! Words in capitals are English unless they are [`ACRONYMS`]: a Chinese
//! screen writes `[次数]`, not `[USES]`.
#![allow(dead_code)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tlschat::i18n::Lang;

/// Names that stay as they are in any language (exact words, or whole
/// names of several words): the program, names of algorithms and formats
/// that Chinese texts keep, the tests' people, hosts and CA, TLS messages
/// without a capital inside, and keys as the keyboard names them.
pub const NAMES: &[&str] = &[
    "tlschat",
    "localhost",
    "openssl",
    "English",
    "JSON Lines",
    "Diffie-Hellman",
    "Test Root CA",
    // The tests' people (and "me", the nickname a new window offers).
    "me",
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

/// Words in capitals that stay as they are: protocols, algorithms, and
/// the X.509 and TLS abbreviations Chinese TLS texts keep.
pub const ACRONYMS: &[&str] = &[
    "TLS", "PEM", "SHA", "UTC", "ALPN", "SNI", "CA", "CN", "ECDH", "ECDHE", "EC", "DH", "NIST",
    "KEM", "ML", "MLKEM", "RSA", "AEAD", "AES", "GCM", "MAC", "HMAC", "HKDF", "PRF", "IV", "XOR",
    "RFC", "IP", "ID", "OID", "OCSP", "CRL", "PSK", "KB", "JSON", "TCP",
];

/// Every text the window shows now: each node's label, and its value
/// unless it is a text field (what the user typed or will type).
pub fn texts<S>(a: &Harness<'_, S>) -> Vec<String> {
    let mut texts = Vec::new();
    for node in a.query_all_by(|_| true) {
        let node = node.accesskit_node();
        texts.extend(node.label());
        let editable = matches!(
            node.role(),
            egui::accesskit::Role::TextInput | egui::accesskit::Role::MultilineTextInput
        );
        if !editable {
            texts.extend(node.value());
        }
    }
    texts.retain(|t| !t.trim().is_empty());
    texts
}

/// Whether some widget's label contains `text`.
pub fn has_text<S>(a: &Harness<'_, S>, text: &str) -> bool {
    a.query_all_by_label_contains(text).next().is_some()
}

/// `text` without what the user would type: commands in backticks.
fn without_commands(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// Whether a run of letters stays as it is (see the module's doc).
fn kept(run: &str, names: &[&str]) -> bool {
    let camel = run
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    let capitals = run.len() > 1 && run.chars().all(|c| c.is_ascii_uppercase());
    camel || (capitals && ACRONYMS.contains(&run)) || NAMES.contains(&run) || names.contains(&run)
}

/// The words of `text` that read as English (see the module's doc), with
/// `names` (words, or whole names of several words) allowed besides
/// [`NAMES`].
pub fn english_words(text: &str, names: &[&str]) -> Vec<String> {
    let mut text = without_commands(text);
    for name in NAMES.iter().chain(names) {
        if name.contains(|c: char| !c.is_ascii_alphanumeric()) {
            text = text.replace(name, " ");
        }
    }
    let mut found = Vec::new();
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-=/.:+".contains(c))) {
        let token = token.trim_matches(|c: char| ".:-+".contains(c));
        let identifier = token.contains(|c: char| c.is_ascii_digit() || "_=".contains(c))
            || token.contains(['.', ':']);
        if token.is_empty() || identifier || token.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        for (i, part) in token.split('/').enumerate() {
            // A command: the word after a `/` that starts the token.
            if i == 1 && token.starts_with('/') {
                continue;
            }
            for run in part.split(|c: char| !c.is_ascii_alphabetic()) {
                if run.len() >= 2 && !kept(run, names) {
                    found.push(run.to_string());
                }
            }
        }
    }
    found
}

/// What egui itself names for screen readers, never drawn: a window's
/// collapse and close buttons, and the edges of resizable windows and
/// panels.
pub fn egui_own(text: &str) -> bool {
    ["Hide", "Show", "Close window"].contains(&text) || text.starts_with("Resize ")
}

/// Fails with every text of the window that has English words left
/// (`names` allowed besides [`NAMES`]), or when the window shows almost
/// nothing (a check of nothing passes nothing).
pub fn assert_no_english<S>(a: &Harness<'_, S>, what: &str, names: &[&str]) {
    let texts = texts(a);
    assert!(texts.len() > 5, "{what}: nothing shown? {texts:?}");
    let left: Vec<(String, Vec<String>)> = texts
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

/// Fails with every text of the window that has Chinese in it, but the
/// language setting's own name for Chinese (`简体中文` names the choice in
/// the language it chooses).
pub fn assert_no_chinese<S>(a: &Harness<'_, S>, what: &str) {
    let chinese: Vec<String> = texts(a)
        .into_iter()
        .filter(|t| is_chinese(&t.replace(Lang::ZhCn.native_name(), "")))
        .collect();
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
             /nick 名字 SHA256:ab12 CN=localhost Shift+Enter tlschat/1 Impostor CA \
             SHA256:AB:CD:EF:01 CERT_SELF_SIGNED tlschat://localhost:7443 \
             `tlschat trust remove localhost:7443` 纯文本或 JSON Lines",
            &["Impostor CA"]
        )
        .is_empty()
    );
    assert_eq!(
        english_words("Secure · expires in 29 days", &[]),
        ["Secure", "expires", "in", "days"]
    );
    assert_eq!(english_words("Host a room", &[]), ["Host", "room"]);
    assert_eq!(english_words("证书 (PEM) Browse…", &[]), ["Browse"]);
    assert_eq!(english_words("/invite [USES] [次数]", &[]), ["USES"]);
    assert_eq!(english_words("Error: 无", &[]), ["Error"]);
    assert!(is_chinese("连接") && is_chinese("（") && !is_chinese("a · b — c…"));
}
