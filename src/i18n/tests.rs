//! The resources' own tests: each parses, both languages have the same
//! messages, every message is used, and the Chinese uses every variable the
//! English does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast;

use super::*;

/// Every message of a language's resources: id → the variables it uses.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = BTreeMap::new();
    for (_, area, text) in RESOURCES.iter().filter(|(l, _, _)| *l == lang) {
        let resource = fluent_syntax::parser::parse(*text).unwrap_or_else(|(_, e)| {
            panic!("i18n/{}/{area}.ftl does not parse: {e:?}", lang.tag())
        });
        for entry in resource.body {
            match entry {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    for a in &m.attributes {
                        pattern_vars(&a.value, &mut vars);
                    }
                    let id = m.id.name.to_owned();
                    assert!(
                        id.starts_with(&format!("{area}-")),
                        "{id} in i18n/{}/{area}.ftl does not start with its area",
                        lang.tag()
                    );
                    assert!(
                        all.insert(id.clone(), vars).is_none(),
                        "{id} twice in {}",
                        lang.tag()
                    );
                }
                ast::Entry::Junk { content } => {
                    panic!("i18n/{}/{area}.ftl: junk {content:?}", lang.tag())
                }
                _ => {}
            }
        }
    }
    all
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
            for a in &arguments.named {
                inline_vars(&a.value, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

/// The ids the source uses: every literal after `tr!("` or `msg!("` (not
/// part of a longer name, as in `include_str!("`), outside comments.
fn used_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("i18n/tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                ids.extend(ids_in(&text));
            }
        }
    }
    ids
}

fn ids_in(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut ids = Vec::new();
    for open in ["tr!(", "msg!("] {
        for (at, _) in code.match_indices(open) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            // rustfmt may put the id on the next line.
            let rest = code[at + open.len()..].trim_start();
            if let Some(rest) = rest.strip_prefix('"')
                && let Some(end) = rest.find('"')
            {
                ids.push(rest[..end].to_owned());
            }
        }
    }
    ids
}

#[test]
fn ids_are_found_in_source() {
    let src = "let a = tr!(\"start-title\");\n    // tr!(\"not-this\")\n\
               include_str!(\"x.ftl\"); crate::msg!(\"net-x\", a = 1); tr!(\"a-b\", n = 2)\n\
               tr!(\n    \"c-d\",\n    n = 1)";
    let mut ids = ids_in(src);
    ids.sort();
    assert_eq!(ids, ["a-b", "c-d", "net-x", "start-title"]);
}

#[test]
fn every_resource_parses_and_builds() {
    for (lang, area, text) in RESOURCES {
        if let Err((_, e)) = FluentResource::try_new((*text).to_owned()) {
            panic!("i18n/{}/{area}.ftl: {e:?}", lang.tag());
        }
    }
    for lang in Lang::ALL {
        let mut b = FluentBundle::new_concurrent(vec![lang.tag().parse().unwrap()]);
        for (_, area, text) in RESOURCES.iter().filter(|(l, _, _)| *l == lang) {
            let r = FluentResource::try_new((*text).to_owned()).unwrap();
            b.add_resource(r)
                .unwrap_or_else(|e| panic!("i18n/{}/{area}.ftl: {e:?}", lang.tag()));
        }
    }
    // Both languages have every area.
    for (_, area, _) in RESOURCES {
        for lang in Lang::ALL {
            assert!(
                RESOURCES.iter().any(|(l, a, _)| *l == lang && a == area),
                "no i18n/{}/{area}.ftl",
                lang.tag()
            );
        }
    }
}

#[test]
fn both_languages_have_the_same_messages_and_variables() {
    let en = messages(Lang::En);
    let zh = messages(Lang::ZhCn);
    let en_ids: BTreeSet<_> = en.keys().collect();
    let zh_ids: BTreeSet<_> = zh.keys().collect();
    assert_eq!(
        en_ids.difference(&zh_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "in English only"
    );
    assert_eq!(
        zh_ids.difference(&en_ids).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "in Chinese only"
    );
    for (id, vars) in &en {
        let missing: Vec<_> = vars.difference(&zh[id]).collect();
        assert!(missing.is_empty(), "{id}: zh-CN does not use {missing:?}");
    }
}

#[test]
fn every_message_is_used_and_every_used_id_exists() {
    let en = messages(Lang::En);
    let used = used_ids();
    let unused: Vec<_> = en.keys().filter(|id| !used.contains(*id)).collect();
    assert!(unused.is_empty(), "no tr!/msg! uses {unused:?}");
    // (These tests' own uses are not counted.)
    let unknown: Vec<_> = used.iter().filter(|id| !en.contains_key(*id)).collect();
    assert!(unknown.is_empty(), "used but in no resource: {unknown:?}");
}

#[test]
fn the_locale_chooses_the_language() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    assert_eq!(Lang::from_env(env(&[])), Lang::En);
    assert_eq!(Lang::from_env(env(&[("LANG", "zh_CN.UTF-8")])), Lang::ZhCn);
    assert_eq!(Lang::from_env(env(&[("LANG", "zh_TW.UTF-8")])), Lang::ZhCn);
    assert_eq!(Lang::from_env(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
    // LC_ALL first, then LC_MESSAGES, then LANG; empty ones are skipped.
    assert_eq!(
        Lang::from_env(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
    assert_eq!(
        Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::from_env(env(&[
            ("LC_MESSAGES", "zh_CN.UTF-8"),
            ("LANG", "en_US.UTF-8")
        ])),
        Lang::ZhCn
    );
}

#[test]
fn a_thread_speaks_its_own_language_and_falls_back() {
    set_thread(Lang::ZhCn);
    assert_eq!(current(), Lang::ZhCn);
    assert_eq!(crate::tr!("settings-language"), "语言：");
    assert_eq!(Msg::new("settings-language").text_in(Lang::En), "Language:");
    // No such message: its id.
    assert_eq!(crate::tr!("test-no-such-message"), "test-no-such-message");
    // Another thread keeps the process's language.
    let other = std::thread::spawn(current).join().unwrap();
    assert_eq!(other, global());
    set_thread(None);
    assert_eq!(current(), global());
}

#[test]
fn arguments_without_isolation_marks() {
    let m = crate::msg!("settings-language-system", lang = "English");
    assert_eq!(m.text_in(Lang::En), "Follow system (English)");
    assert_eq!(m.text_in(Lang::ZhCn), "跟随系统（English）");
    let nested = crate::msg!(
        "settings-language-system",
        lang = Msg::new("settings-language")
    );
    assert_eq!(nested.text_in(Lang::ZhCn), "跟随系统（语言：）");
}

#[test]
fn dates_in_each_language() {
    // 2026-12-07 14:05:09 UTC
    let t = 1_796_652_309;
    assert_eq!(utc_in(Lang::En, t), "2026-12-07 14:05:09 UTC");
    assert_eq!(utc_in(Lang::ZhCn, t), "2026年12月7日 14:05:09 UTC");
    assert_eq!(
        utc_in(Lang::En, i64::MAX),
        format!("{} (Unix time)", i64::MAX)
    );
}

#[test]
fn english_counts_agree_with_their_nouns() {
    let field = |len: u32| {
        crate::msg!(
            "wire-bytes-field",
            what = "x",
            total = 5,
            first = 0,
            last = len.saturating_sub(1),
            len = len
        )
    };
    assert!(field(1).text_in(Lang::En).ends_with("(1 byte)"));
    assert!(field(2).text_in(Lang::En).ends_with("(2 bytes)"));
    assert!(field(1).text_in(Lang::ZhCn).ends_with("（1 字节）"));
    let updates = |n: u32| crate::msg!("wire-value-key-updates", count = n);
    assert_eq!(updates(1).text_in(Lang::En), "after 1 KeyUpdate");
    assert_eq!(updates(2).text_in(Lang::En), "after 2 KeyUpdates");
    let back =
        |n: u32, missed: u32| crate::msg!("headless-back-missed", count = n, missed = missed);
    assert_eq!(
        back(1, 1).text_in(Lang::En),
        "back in the room: 1 new message while you were away; 1 more was said and is no longer kept"
    );
    assert_eq!(
        back(2, 3).text_in(Lang::En),
        "back in the room: 2 new messages while you were away; 3 more were said and are no longer kept"
    );
    assert_eq!(
        back(1, 1).text_in(Lang::ZhCn),
        "回到聊天室：你离开期间有 1 条新消息；另有 1 条已不再保存"
    );
}
