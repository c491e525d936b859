//! Words in the user's language: English (the default) or Simplified
//! Chinese.
//!
//! # Resources
//!
//! Messages are Fluent (`.ftl`) resources, one file per area and language:
//! `i18n/en/AREA.ftl` and `i18n/zh-CN/AREA.ftl`, compiled in (the list
//! [`RESOURCES`] below). A message id is kebab-case and starts with its
//! area (`start-title`, `wire-record-seq`). Plurals use Fluent selectors
//! (`{ $count -> [one] … *[other] … }`): English has `one` and `other`,
//! Chinese only `other`.
//!
//! The Chinese terms (one per concept: 主持人, 证书, 密钥交换, …) are listed
//! in `i18n/zh-CN/README.md`: new messages use them.
//!
//! # Using a message
//!
//! [`tr!`](crate::tr) gives a message's text in the current language:
//! `tr!("start-title")`, `tr!("room-members", count = n, room = name)`.
//! [`msg!`](crate::msg) makes a [`Msg`] instead: a message as data (its id
//! and arguments), for text that `src/net` produces and a window or the
//! terminal puts into words later, in its own language.
//!
//! **Ids are written literally** in `tr!("…"` or `msg!("…"`: the test over
//! the resources finds the ids in use by reading `src/` for exactly those
//! two forms, and fails on an id that no code uses.
//!
//! # The language
//!
//! The process's language comes from the locale: the first of `LC_ALL`,
//! `LC_MESSAGES` and `LANG` that is set and not empty; `zh…` is Chinese,
//! anything else English. A thread can override it ([`set_thread`]): the
//! window does, each frame, from its settings. [`current`] is the thread's
//! language if it has one, else the process's.
//!
//! A message missing in a language is taken from English, and one missing
//! in English too shows as its id; either is logged once (debug). Output
//! has no Unicode isolation marks, so text stays clean in a terminal and
//! comparable in tests.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language tlschat speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese (zh-CN).
    ZhCn,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Self; 2] = [Self::En, Self::ZhCn];

    /// The language's tag (`en`, `zh-CN`): its folder under `i18n/`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

    /// The language's own name for itself (`English`, `简体中文`).
    #[must_use]
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::ZhCn => "简体中文",
        }
    }

    /// The language a locale name (`zh_CN.UTF-8`, `en_GB`, `C`) asks for:
    /// Chinese for any `zh…`, else English.
    #[must_use]
    pub fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Self::ZhCn
        } else {
            Self::En
        }
    }

    /// The language the locale variables ask for: the first of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` that `var` finds set and not empty.
    #[must_use]
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(var)
            .find(|v| !v.is_empty())
            .map_or(Self::En, |v| Self::from_locale(&v))
    }

    fn index(self) -> usize {
        match self {
            Self::En => 0,
            Self::ZhCn => 1,
        }
    }
}

/// Each area's file in both languages, English first: an area is named
/// once, so no language can lack one.
macro_rules! resources {
    ($($area:literal),+ $(,)?) => {
        &[
            $((Lang::En, $area, include_str!(concat!("../i18n/en/", $area, ".ftl"))),)+
            $((Lang::ZhCn, $area, include_str!(concat!("../i18n/zh-CN/", $area, ".ftl"))),)+
        ]
    };
}

/// The resources compiled in: each language's files, area by area. An
/// area's two files (`en` and `zh-CN`) have the same messages.
pub const RESOURCES: &[(Lang, &str, &str)] = resources!(
    "app", "settings", "start", "warning", "chat", "files", "search", "invite", "headless", "net",
    "cert", "room", "door", "wire", "demo",
);

type Bundle = FluentBundle<FluentResource>;

/// One bundle per language, in [`Lang::index`] order, built on first use.
fn bundles() -> &'static [Bundle; 2] {
    static BUNDLES: OnceLock<[Bundle; 2]> = OnceLock::new();
    BUNDLES.get_or_init(|| Lang::ALL.map(bundle))
}

fn bundle(lang: Lang) -> Bundle {
    // The tags are constants that parse (the tests build every bundle).
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    for (_, area, text) in RESOURCES.iter().filter(|(l, _, _)| *l == lang) {
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, e)| {
            tracing::debug!("i18n/{}/{area}.ftl does not parse: {e:?}", lang.tag());
            r
        });
        if let Err(e) = bundle.add_resource(resource) {
            tracing::debug!("i18n/{}/{area}.ftl: {e:?}", lang.tag());
        }
    }
    bundle
}

/// The process's language, from the locale (read once). The library's
/// own unit tests always speak English, whatever the locale they run in
/// (a test of Chinese sets its thread's language).
#[must_use]
pub fn global() -> Lang {
    static GLOBAL: OnceLock<Lang> = OnceLock::new();
    if cfg!(test) {
        return Lang::En;
    }
    *GLOBAL.get_or_init(|| Lang::from_env(|k| std::env::var(k).ok()))
}

thread_local! {
    static THREAD: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Sets this thread's language (`None`: the process's again). The window
/// sets its own each frame from its settings.
pub fn set_thread(lang: impl Into<Option<Lang>>) {
    THREAD.with(|t| t.set(lang.into()));
}

/// The language text is put in on this thread: its own if set, else the
/// process's.
#[must_use]
pub fn current() -> Lang {
    THREAD.with(Cell::get).unwrap_or_else(global)
}

/// Logs (once per id and language) a message that is missing.
fn missing(lang: Lang, id: &str) {
    static LOGGED: Mutex<Option<HashSet<(Lang, String)>>> = Mutex::new(None);
    let Ok(mut logged) = LOGGED.lock() else {
        return;
    };
    if logged
        .get_or_insert_with(HashSet::new)
        .insert((lang, id.to_owned()))
    {
        tracing::debug!("i18n: no message {id} in {}", lang.tag());
    }
}

/// A message's text in `lang`, falling back to English, then to the id.
#[must_use]
pub fn text_in(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    for lang in [lang, Lang::En] {
        let bundle = &bundles()[lang.index()];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            missing(lang, id);
            continue;
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::debug!("i18n: {id} in {}: {errors:?}", lang.tag());
        }
        return text.into_owned();
    }
    id.to_owned()
}

/// A message's text in the [`current`] language. Use [`tr!`](crate::tr).
#[must_use]
pub fn text(id: &str, args: Option<&FluentArgs<'_>>) -> String {
    text_in(current(), id, args)
}

/// A message's text in the current language: `tr!("id")` or
/// `tr!("id", name = value, …)`, each value anything
/// `Into<FluentValue>` (numbers, `String`, `&str`). The id must be a
/// literal (the resources' test reads the ids in use from the source).
#[macro_export]
macro_rules! tr {
    ($id:literal $(,)?) => {
        $crate::i18n::text($id, None)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $value); )+
        $crate::i18n::text($id, Some(&args))
    }};
}

/// A [`Msg`]: `msg!("id")` or `msg!("id", name = value, …)`, each value
/// anything `Into<Arg>`. The id must be a literal, as for
/// [`tr!`](crate::tr).
#[macro_export]
macro_rules! msg {
    ($id:literal $(,)?) => {
        $crate::i18n::Msg::new($id)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Msg::new($id)$(.arg(stringify!($name), $value))+
    };
}

/// A message's arguments, by name (what [`tr!`](crate::tr) builds).
pub use fluent_bundle::FluentArgs;

/// An argument a [`Msg`] carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text (a name, an address, a reason already in words).
    Text(String),
    /// A whole number (counts select plurals).
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Another message, put into words in the same language.
    Msg(Box<Msg>),
    /// A moment (Unix seconds), written as [`utc`] writes it.
    Utc(i64),
    /// Items, joined as the language lists them (`a, b`; `a、b`).
    List(Vec<String>),
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Self::Text(s.clone())
    }
}

impl From<f64> for Arg {
    fn from(n: f64) -> Self {
        Self::Float(n)
    }
}

impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Self::Msg(Box::new(m))
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                // Counts and sizes: far below i64's range.
                Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

/// A message as data: an id and its arguments, put into words where it is
/// shown ([`Msg::text`]), in that place's language.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    /// The message's id.
    pub id: &'static str,
    /// Its arguments, by name.
    pub args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// A message without arguments. Use [`msg!`](crate::msg).
    #[must_use]
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    /// The message with one more argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The message's text in `lang`.
    #[must_use]
    pub fn text_in(&self, lang: Lang) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            let value: FluentValue<'_> = match value {
                Arg::Text(s) => FluentValue::String(Cow::Borrowed(s)),
                Arg::Int(n) => (*n).into(),
                Arg::Float(n) => (*n).into(),
                Arg::Msg(m) => m.text_in(lang).into(),
                Arg::Utc(t) => utc_in(lang, *t).into(),
                Arg::List(items) => items
                    .join(match lang {
                        Lang::En => ", ",
                        Lang::ZhCn => "、",
                    })
                    .into(),
            };
            args.set(*name, value);
        }
        text_in(lang, self.id, Some(&args))
    }

    /// The message's text in the [`current`] language.
    #[must_use]
    pub fn text(&self) -> String {
        self.text_in(current())
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// A moment (Unix seconds) in UTC in the [`current`] language's form:
/// `2026-12-07 14:05:09 UTC`, `2026年12月7日 14:05:09 UTC`.
#[must_use]
pub fn utc(seconds: i64) -> String {
    utc_in(current(), seconds)
}

/// A moment (Unix seconds) in UTC in `lang`'s form (see [`utc`]).
#[must_use]
pub fn utc_in(lang: Lang, seconds: i64) -> String {
    let Ok(t) = ::time::OffsetDateTime::from_unix_timestamp(seconds) else {
        return format!("{seconds} (Unix time)");
    };
    date_time_in(lang, t, " UTC")
}

/// A date and time as `lang` writes it, with `zone` after it (` UTC`, or
/// nothing for local time).
#[must_use]
pub fn date_time_in(lang: Lang, t: ::time::OffsetDateTime, zone: &str) -> String {
    let (h, m, s) = t.to_hms();
    match lang {
        Lang::En => format!(
            "{:04}-{:02}-{:02} {h:02}:{m:02}:{s:02}{zone}",
            t.year(),
            u8::from(t.month()),
            t.day()
        ),
        Lang::ZhCn => format!(
            "{}年{}月{}日 {h:02}:{m:02}:{s:02}{zone}",
            t.year(),
            u8::from(t.month()),
            t.day()
        ),
    }
}

#[cfg(test)]
mod tests;
