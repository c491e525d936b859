//! Nicknames people can trust: what the room accepts as a name, and when two
//! names are the same name.
//!
//! [`normalize`] trims a wanted name, NFKC-normalizes it (fullwidth `ａｎａ`
//! becomes `ana`, `ﬁ` becomes `fi`) and refuses, with a one-line reason
//! that names the character, anything that could make a name read as
//! something it is not. A name is shown next to other text everywhere — in
//! the window, in a terminal, in plain-text lines — so every character of
//! it must draw as itself, and none may read as the text around it:
//!
//! - spaces (every `White_Space` character) and control characters;
//! - bidirectional controls, which reorder what follows them;
//! - characters that draw as nothing: format characters (zero-width space,
//!   joiners, soft hyphen, word joiner, byte-order mark, tags, the musical
//!   beam controls U+1D173–1D17A …), the other default-ignorable code
//!   points (variation selectors, the Hangul fillers U+115F, U+1160,
//!   U+3164, U+FFA0, the combining grapheme joiner), and the graphic
//!   characters fonts draw blank (`draws_blank`: the braille blank
//!   U+2800, the musical null notehead U+1D159, the Khitan filler
//!   U+16FE4). An emoji's presentation selector (U+FE0E, U+FE0F) right
//!   after the emoji is the one exception: it only picks how the emoji is
//!   drawn;
//! - placeholders for something missing: U+FFFC (object replacement) and
//!   U+FFFD (what invalid UTF-8 becomes);
//! - private-use characters, which draw as anything a font likes, and
//!   unassigned code points, which no font draws;
//! - the characters the plain-text dialect writes around names, and every
//!   symbol confusable with one (`‹`, `❮`, `﹡`, `‚` …): `<` and `>` (a
//!   message is `<name> text`), `*` (a notice is `* text`), `,` (member
//!   lists are `a, b, c`), and `(` `)` (the member list marks the host
//!   and you as `(host)` and `(you)`: refusing the characters themselves
//!   is simpler and safer than refusing every spelling of those two words,
//!   `(hоst)` with a Cyrillic `о`, `(h0st)` …). A *letter* that looks like
//!   one of them (Canadian syllabics `ᐸ` and `ᐳ`, Lisu `ꓹ`) is a letter
//!   of a script people write names in: it is refused only in a name that
//!   mixes scripts (`ᐸhanaᐳ`), never in a name written in its own;
//! - brackets (opening and closing punctuation, and `« »`) other than
//!   `[ ]`, `{ }` and the CJK corner and lenticular ones: angle brackets
//!   of every kind (`⟨hana⟩`, `〈hana〉`, `❬hana❭`, most of which the
//!   confusables table does not know) read as `<hana>`;
//! - a leading `/`: wherever people type to the room (the window, a
//!   terminal, a plain-text connection) a line that starts with `/` is a
//!   command, so such a name could not start a line addressed to its
//!   owner. A leading `-` is kept: no rendering starts a line with a name,
//!   and it only needs `--name=-x` on the command line;
//! - a combining mark with no letter before it (it would be drawn on
//!   whatever is shown before the name), and a letter carrying more than
//!   [`MAX_ACCENTS`] generic combining accents (the marks of no particular
//!   script, U+0300–036F and the like, which are what piles up into text
//!   that draws over the lines around it) or more than [`MAX_MARKS`]
//!   combining marks in all. The second limit is higher because scripts
//!   that spell with marks stack three on one letter in ordinary words:
//!   Tibetan `སྒྲོལ་མ` (Dolma: two subjoined letters and a vowel), Hindi
//!   `पढ़ें` (nukta, vowel sign, nasal), Hebrew `שָּׁ` (dot, dagesh,
//!   vowel). Spacing marks (which take their own room on the line) are not
//!   counted;
//! - no character at all, or more than [`MAX_CHARS`].
//!
//! [`key`] is what makes a name unique in a room: its confusable skeleton
//! (Unicode TS #39), case-folded, so `ana`, `ANA`, `аna` (Cyrillic `а`),
//! `ａｎａ` and `an\u{ad}a` are all one name. The skeleton is taken before
//! and after lowercasing, so an uppercase look-alike from another script
//! (Greek `Η` for `H`) and a lowercase one (`а`) both fold onto the name
//! they imitate. One known gap follows from that order: `I` and `l` share
//! a skeleton, so `Ivan` and `lvan` are one name, but `ivan` (whose dot
//! tells it apart) is another. Generic accents that NFKC could not
//! compose into a letter of their own are left out of the key (the
//! window's fonts do not draw them on Latin letters: `bob̌` shows as
//! `bob`), and so are emoji presentation selectors (`❤️` is `❤`).

use unicode_normalization::UnicodeNormalization as _;
use unicode_properties::{GeneralCategory, UnicodeEmoji as _, UnicodeGeneralCategory as _};
use unicode_script::{Script, UnicodeScript as _};
use unicode_security::MixedScript as _;

use crate::net::safe_text::{escape, is_hidden, visible_line};

/// The longest nickname, in characters (after normalization).
pub const MAX_CHARS: usize = 32;

/// The most generic combining accents (marks of the Inherited script, such
/// as U+0301) one letter may carry.
pub const MAX_ACCENTS: usize = 2;

/// The most non-spacing or enclosing combining marks one letter may carry.
pub const MAX_MARKS: usize = 3;

/// Graphic characters (letters, marks or symbols by category, so neither
/// format characters nor default-ignorable) that fonts draw as nothing, or
/// as a blank the width of a letter.
fn draws_blank(c: char) -> bool {
    matches!(
        c,
        // Hangul fillers (also default-ignorable; NFKC makes U+3164 and
        // U+FFA0 into U+1160).
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
            // Braille pattern blank: the dot pattern with no dots.
            | '\u{2800}'
            // Khitan small script filler.
            | '\u{16fe4}'
            // Musical symbol null notehead: a notehead drawn as nothing.
            | '\u{1d159}'
    )
}

/// Placeholders for something that is not there.
fn is_placeholder(c: char) -> bool {
    matches!(c, '\u{fffc}' | '\u{fffd}')
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
    )
}

/// An emoji presentation selector right after an emoji: it only picks how
/// the emoji is drawn (text or colour).
fn is_emoji_selector(c: char, prev: Option<char>) -> bool {
    matches!(c, '\u{fe0e}' | '\u{fe0f}') && prev.is_some_and(|p| p.is_emoji_char())
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
        '\u{16fe4}' => "Khitan small script filler",
        '\u{1d159}' => "musical symbol null notehead",
        '\u{feff}' => "zero width no-break space",
        '\u{fe0f}' => "variation selector-16",
        '\u{fffc}' => "object replacement character",
        '\u{fffd}' => "replacement character",
        '\u{34f}' => "combining grapheme joiner",
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

/// What a character means in plain-text lines, for the ones that are
/// syntax there.
fn syntax_role(c: char) -> Option<&'static str> {
    Some(match c {
        '<' | '>' => "plain-text rooms show who speaks as <name>",
        '*' => "plain-text rooms start notices with *",
        ',' => "lists of members separate names with commas",
        '(' | ')' => "parentheses are kept for (host) and (you)",
        _ => return None,
    })
}

/// A bracket other than the ones names may hold: `[ ]`, `{ }` and the CJK
/// corner and lenticular brackets (`「 」`, `『 』`, `【 】`, `〖 〗`),
/// which look like neither `< >` nor `( )`. Every other opening or closing
/// punctuation mark (angle brackets of every kind: `⟨ ⟩`, `〈 〉`, `❬ ❭`,
/// `⧼ ⧽` …, and the parentheses' many cousins), and the double guillemets
/// `« »`, reads as the `<name>` and `(host)` the room writes around names.
fn is_refused_bracket(c: char) -> bool {
    let bracket = matches!(
        c.general_category(),
        GeneralCategory::OpenPunctuation | GeneralCategory::ClosePunctuation
    ) || matches!(c, '\u{ab}' | '\u{bb}');
    bracket
        && !matches!(
            c,
            '[' | ']' | '{' | '}' | '\u{300c}'
                ..='\u{300f}' | '\u{3010}' | '\u{3011}' | '\u{3016}' | '\u{3017}'
        )
}

/// The syntax character `c` is or looks like (by its confusable skeleton).
fn looks_like_syntax(c: char) -> Option<char> {
    if syntax_role(c).is_some() {
        return Some(c);
    }
    unicode_security::skeleton(c.encode_utf8(&mut [0; 4])).find(|s| syntax_role(*s).is_some())
}

/// A non-spacing or enclosing mark: drawn on, or around, the letter before.
fn is_stacking_mark(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
    )
}

/// Any combining mark, spacing or not.
fn is_mark(c: char) -> bool {
    is_stacking_mark(c) || c.general_category() == GeneralCategory::SpacingMark
}

/// Why `c`, after `prev` (`None` at the start of the name), may not be
/// part of a nickname, if it may not: what follows "it" in the refusal. `single_script` says whether the
/// whole name is written in one script.
fn refusal(c: char, prev: Option<char>, single_script: bool) -> Option<Refusal> {
    if c.is_whitespace() {
        return Some(Refusal::Space(spelled(c)));
    }
    if c.is_control() {
        return Some(Refusal::Control(spelled(c)));
    }
    if is_bidi_control(c) {
        return Some(Refusal::Reverses(spelled(c)));
    }
    if is_emoji_selector(c, prev) {
        return None;
    }
    if is_hidden(c) || draws_blank(c) {
        return Some(Refusal::Blank(spelled(c)));
    }
    if is_placeholder(c) {
        return Some(Refusal::Placeholder(spelled(c)));
    }
    match c.general_category() {
        GeneralCategory::PrivateUse => return Some(Refusal::PrivateUse(spelled(c))),
        GeneralCategory::Unassigned => return Some(Refusal::Unassigned(spelled(c))),
        _ => {}
    }
    if let Some(s) = looks_like_syntax(c) {
        if s == c {
            return Some(Refusal::Syntax(c));
        }
        if !(c.is_alphabetic() && single_script) {
            return Some(Refusal::LooksLike {
                c,
                spelled: spelled(c),
                like: s,
            });
        }
    }
    if is_refused_bracket(c) {
        return Some(Refusal::Bracket(c, spelled(c)));
    }
    if prev.is_none() && c == '/' {
        return Some(Refusal::Slash);
    }
    if prev.is_none() && is_mark(c) {
        return Some(Refusal::Mark(spelled(c)));
    }
    None
}

/// A character a nickname may not hold, and why: what follows "it" in
/// the refusal. Characters are spelled as [`spelled`] does (`U+3000 (…)`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A space of any kind.
    Space(String),
    /// A control character.
    Control(String),
    /// A character that reverses text.
    Reverses(String),
    /// A character that draws as nothing.
    Blank(String),
    /// A placeholder for something missing.
    Placeholder(String),
    /// A private-use character.
    PrivateUse(String),
    /// An unassigned code point.
    Unassigned(String),
    /// A character the room's own text uses (`<`, `*`, `,`, `(` …).
    Syntax(char),
    /// A character that looks like one the room's own text uses.
    LooksLike {
        /// The character.
        c: char,
        /// It, spelled.
        spelled: String,
        /// What it looks like.
        like: char,
    },
    /// A bracket other than `[ ]` and `{ }`: the character, spelled.
    Bracket(char, String),
    /// A `/` first.
    Slash,
    /// A combining mark first.
    Mark(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let role = |s: char| syntax_role(s).unwrap_or_default();
        match self {
            Self::Space(c) => write!(f, "contains a space, {c}"),
            Self::Control(c) => write!(f, "contains a control character, {c}"),
            Self::Reverses(c) => write!(f, "contains a character that reverses text, {c}"),
            Self::Blank(c) => write!(f, "contains a character that draws as nothing, {c}"),
            Self::Placeholder(c) => {
                write!(f, "contains a placeholder for something missing, {c}")
            }
            Self::PrivateUse(c) => write!(
                f,
                "contains a private-use character, {c}, which draws as whatever a font likes"
            ),
            Self::Unassigned(c) => write!(
                f,
                "contains an unassigned code point, {c}, which no font draws"
            ),
            Self::Syntax(c) => write!(f, "contains '{c}': {}", role(*c)),
            Self::LooksLike { c, spelled, like } => write!(
                f,
                "contains '{c}' ({spelled}), which looks like '{like}': {}",
                role(*like)
            ),
            Self::Bracket(c, spelled) => write!(
                f,
                "contains '{c}' ({spelled}), a bracket: brackets other than [ ] {{ }} read as the <name> and (host) the room writes around names"
            ),
            Self::Slash => f.write_str(
                "starts with '/': a line that starts with '/' is a command, so nobody could start a line with this name",
            ),
            Self::Mark(c) => write!(
                f,
                "starts with a combining mark, {c}, which would be drawn on whatever comes before the name"
            ),
        }
    }
}

impl Refusal {
    /// The refusal as a message (see [`NickError::msg`]).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        let role = |s: char| match s {
            '<' | '>' => msg!("net-nick-role-angle"),
            '*' => msg!("net-nick-role-star"),
            ',' => msg!("net-nick-role-comma"),
            _ => msg!("net-nick-role-parenthesis"),
        };
        match self {
            Self::Space(c) => msg!("net-nick-space", c = c),
            Self::Control(c) => msg!("net-nick-control", c = c),
            Self::Reverses(c) => msg!("net-nick-reverses", c = c),
            Self::Blank(c) => msg!("net-nick-blank", c = c),
            Self::Placeholder(c) => msg!("net-nick-placeholder", c = c),
            Self::PrivateUse(c) => msg!("net-nick-private-use", c = c),
            Self::Unassigned(c) => msg!("net-nick-unassigned", c = c),
            Self::Syntax(c) => msg!("net-nick-syntax", c = c.to_string(), role = role(*c)),
            Self::LooksLike { c, spelled, like } => msg!(
                "net-nick-looks-like-syntax",
                c = c.to_string(),
                spelled = spelled,
                like = like.to_string(),
                role = role(*like)
            ),
            Self::Bracket(c, spelled) => {
                msg!("net-nick-bracket", c = c.to_string(), spelled = spelled)
            }
            Self::Slash => msg!("net-nick-slash"),
            Self::Mark(c) => msg!("net-nick-mark", c = c),
        }
    }
}

/// A mark that counts towards a letter's load: non-spacing or enclosing,
/// and not an emoji's presentation selector (judged with the emoji).
fn is_counted_mark(c: char) -> bool {
    is_stacking_mark(c) && !matches!(c, '\u{fe0e}' | '\u{fe0f}')
}

/// The marks on one letter: how many generic accents (marks of the
/// Inherited script), and how many in all.
#[derive(Debug, Clone, Copy)]
struct Load {
    base: char,
    accents: usize,
    all: usize,
}

impl Load {
    fn on(base: char) -> Self {
        Self {
            base,
            accents: 0,
            all: 0,
        }
    }

    /// Adds a mark; whether the letter now carries one too many.
    fn add(&mut self, mark: char) -> bool {
        self.all += 1;
        if mark.script() == Script::Inherited {
            self.accents += 1;
        }
        self.too_many()
    }

    fn too_many(self) -> bool {
        self.accents > MAX_ACCENTS || self.all > MAX_MARKS
    }
}

/// Why the marks on one of a name's letters are too many, if they are.
fn too_many_marks(nick: &str) -> Option<Marks> {
    let mut load: Option<Load> = None;
    // A space at the end closes the last letter (a name has none).
    for c in nick.chars().chain(std::iter::once(' ')) {
        if is_counted_mark(c) {
            if let Some(l) = load.as_mut() {
                l.add(c);
            }
        } else if !is_mark(c) {
            if let Some(l) = load.filter(|l| l.too_many()) {
                let base = l.base;
                return Some(if l.accents > MAX_ACCENTS {
                    Marks::Accents(base, l.accents)
                } else {
                    Marks::All(base, l.all)
                });
            }
            load = Some(Load::on(c));
        }
    }
    None
}

/// A letter with too many marks: the letter and how many it has.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Marks {
    /// More than [`MAX_ACCENTS`] combining accents.
    Accents(char, usize),
    /// More than [`MAX_MARKS`] combining marks of any kind.
    All(char, usize),
}

impl std::fmt::Display for Marks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Accents(base, n) => write!(
                f,
                "'{base}' with {n} combining accents; a letter carries at most {MAX_ACCENTS}"
            ),
            Self::All(base, n) => write!(
                f,
                "'{base}' with {n} combining marks; a letter carries at most {MAX_MARKS}"
            ),
        }
    }
}

impl Marks {
    /// The problem as a message (see [`NickError::msg`]).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::Accents(base, n) => msg!(
                "net-nick-accents",
                base = base.to_string(),
                count = *n,
                max = MAX_ACCENTS
            ),
            Self::All(base, n) => msg!(
                "net-nick-marks",
                base = base.to_string(),
                count = *n,
                max = MAX_MARKS
            ),
        }
    }
}

/// A name as a refusal quotes it: what draws as nothing and the marks one
/// too many for their letter are shown as escapes (`\u{1d159}`), so the
/// message itself draws neither blanks nor a pile of accents.
fn shown(nick: &str) -> String {
    let mut out = String::with_capacity(nick.len());
    let mut load = Load::on(' ');
    let mut prev = None;
    for c in nick.chars() {
        let too_many = if is_counted_mark(c) {
            load.add(c)
        } else {
            if !is_mark(c) {
                load = Load::on(c);
            }
            false
        };
        let blank = draws_blank(c)
            || is_placeholder(c)
            || (is_hidden(c) && !is_emoji_selector(c, prev))
            || matches!(
                c.general_category(),
                GeneralCategory::PrivateUse | GeneralCategory::Unassigned
            );
        let leading_mark = prev.is_none() && is_mark(c);
        if too_many || blank || leading_mark {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    visible_line(&out).into_owned()
}

/// Why a wanted nickname is refused: one line that names the cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NickError {
    /// Far too long even to normalize.
    #[error("that nickname has {typed} characters; the most is {MAX_CHARS}")]
    FarTooLong {
        /// Characters typed (trimmed).
        typed: usize,
    },
    /// Nothing is left once trimmed.
    #[error("a nickname needs at least one character")]
    Empty,
    /// The name, normalized, is not one.
    #[error("'{quoted}' is not a valid nickname: {why}")]
    Refused {
        /// The name as shown (visible, at most a name's length, `…` after).
        quoted: String,
        /// What is wrong with it.
        why: NickProblem,
    },
}

/// What is wrong with a normalized name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NickProblem {
    /// More characters than a name may have.
    #[error("it has {0} characters; the most is {MAX_CHARS}")]
    TooLong(usize),
    /// A character that could make it read as something it is not (the
    /// text names the character, e.g. `contains a space, U+3000 (…)`).
    #[error("it {0}")]
    Character(Refusal),
    /// Too many marks on one letter (the text says which).
    #[error("it has {0}")]
    Marks(Marks),
}

impl NickError {
    /// The error as a message, for the window and the terminal to put
    /// into their language (its display form is the English).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::FarTooLong { typed } => {
                msg!("net-nick-far-too-long", count = *typed, max = MAX_CHARS)
            }
            Self::Empty => msg!("net-nick-empty"),
            Self::Refused { quoted, why } => {
                msg!("net-nick-refused", quoted = quoted, why = why.msg())
            }
        }
    }
}

impl NickProblem {
    /// What is wrong, as a message (see [`NickError::msg`]).
    #[must_use]
    pub fn msg(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::TooLong(n) => msg!("net-nick-too-long", count = *n, max = MAX_CHARS),
            Self::Character(what) => what.msg(),
            Self::Marks(what) => what.msg(),
        }
    }
}

/// For callers that still report errors as one line of text.
impl From<NickError> for String {
    fn from(e: NickError) -> Self {
        e.to_string()
    }
}

/// A wanted nickname as the room would accept it, or why not.
pub fn normalize(wanted: &str) -> Result<String, NickError> {
    // Far too long is refused before normalization spends time on it.
    let typed = wanted.trim().chars().count();
    if typed > 4 * MAX_CHARS {
        return Err(NickError::FarTooLong { typed });
    }
    let nick: String = wanted.trim().nfkc().collect();
    let nick = nick.trim();
    // The name as quoted: at most as many characters as a name may have
    // (NFKC can make one character into eighteen).
    let quoted = match nick.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", shown(&nick[..end])),
        None => shown(nick),
    };
    let bad = |why| NickError::Refused {
        quoted: quoted.clone(),
        why,
    };
    let count = nick.chars().count();
    if count == 0 {
        return Err(NickError::Empty);
    }
    if count > MAX_CHARS {
        return Err(bad(NickProblem::TooLong(count)));
    }
    let single_script = nick.is_single_script();
    let mut prev = None;
    for c in nick.chars() {
        if let Some(why) = refusal(c, prev, single_script) {
            return Err(bad(NickProblem::Character(why)));
        }
        prev = Some(c);
    }
    if let Some(why) = too_many_marks(nick) {
        return Err(bad(NickProblem::Marks(why)));
    }
    Ok(nick.to_string())
}

/// The uniqueness key of a nickname: two names with the same key look
/// alike, and a room holds only one of them.
#[must_use]
pub fn key(nick: &str) -> String {
    // An emoji's presentation selector changes how it is drawn, not which
    // emoji it is. A generic accent left over after NFKC composed what it
    // could is drawn only by fonts that position marks, and the window's
    // fonts for Latin do not: there `bob` with a caron on the last b, or
    // 1️⃣, look exactly like `bob` and `1` (precomposed letters such as
    // `ö` are characters of their own, and stay apart).
    let nfkc: String = nick
        .nfkc()
        .filter(|c| !matches!(c, '\u{fe0e}' | '\u{fe0f}'))
        .filter(|c| !(is_stacking_mark(*c) && c.script() == Script::Inherited))
        .collect();
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
    fn every_refusal_says_in_english_what_its_display_says_and_in_chinese_too() {
        use crate::i18n::Lang;
        let names = [
            "a b",
            "a\u{7}",
            "a\u{202e}b",
            "a\u{200b}b",
            "a\u{fffc}",
            "a\u{e000}",
            "a\u{378}",
            "a<b",
            "a\u{ff1c}b",
            "a\u{2329}b",
            "/ab",
            "\u{301}ab",
            "",
            &"x".repeat(40),
            &"x".repeat(200),
            &format!("x{}", "\u{301}".repeat(30)),
        ];
        for name in names {
            let Err(e) = normalize(name) else {
                panic!("{name:?} is accepted");
            };
            assert_eq!(e.msg().text_in(Lang::En), e.to_string(), "{name:?}");
            let zh = e.msg().text_in(Lang::ZhCn);
            assert!(
                !zh.contains(" is not a valid")
                    && !zh.contains("it contains")
                    && !zh.contains(" with "),
                "{zh}"
            );
        }
    }

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
            ("ana\u{1d159}", Some("U+1D159")),
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
                    let e = e.to_string();
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
            let e = normalize(wanted).unwrap_err().to_string();
            assert!(e.contains("is not a valid nickname"), "{wanted:?}: {e}");
        }
    }

    /// The refusal of `wanted`, checked to be one line that draws as it
    /// reads (no invisible character, no pile of accents) and names `needle`.
    #[track_caller]
    fn refused(wanted: &str, needle: &str) -> String {
        let e = match normalize(wanted) {
            Ok(n) => panic!("{wanted:?} was accepted as {n:?}; wanted a refusal naming {needle}"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(needle), "{wanted:?}: {e}");
        assert!(!e.contains('\n'), "{e:?}");
        assert!(
            !e.chars()
                .any(|c| is_hidden(c) || draws_blank(c) || is_placeholder(c)),
            "the refusal draws blanks: {e:?}"
        );
        assert!(
            e.chars().filter(|c| is_stacking_mark(*c)).count() <= 2 * MAX_MARKS,
            "the refusal piles up marks: {e:?}"
        );
        e
    }

    #[test]
    fn the_names_of_the_issue_are_refused_with_what_is_wrong() {
        refused(
            "hana\u{1d159}",
            "draws as nothing, U+1D159 (musical symbol null notehead)",
        );
        let e = refused(
            "the\u{1d159}room\u{1d159}is\u{1d159}closing",
            "draws as nothing, U+1D159",
        );
        // The name is quoted with the blank shown as what it is.
        assert!(e.starts_with("'the\\u{1d159}room"), "{e}");
        refused(
            "<hana>",
            "it contains '<': plain-text rooms show who speaks as <name>",
        );
        refused("hana>", "it contains '>'");
        refused(
            "*",
            "it contains '*': plain-text rooms start notices with *",
        );
        refused("\u{fffc}", "U+FFFC (object replacement character)");
        let zalgo = format!("x{}", "\u{301}\u{316}\u{35c}".repeat(10));
        let e = refused(
            &zalgo,
            "'x' with 30 combining accents; a letter carries at most 2",
        );
        // Two accents are shown as they are, the others as escapes.
        assert!(e.starts_with("'x\u{316}\u{316}\\u{316}"), "{e}");
    }

    #[test]
    fn characters_that_draw_as_nothing_are_refused() {
        for (c, needle) in [
            ('\u{1d159}', "draws as nothing, U+1D159"),
            (
                '\u{2800}',
                "draws as nothing, U+2800 (braille pattern blank)",
            ),
            // NFKC makes U+3164 and U+FFA0 into U+1160.
            (
                '\u{115f}',
                "draws as nothing, U+115F (Hangul choseong filler)",
            ),
            ('\u{1160}', "draws as nothing, U+1160"),
            ('\u{3164}', "draws as nothing, U+1160"),
            ('\u{ffa0}', "draws as nothing, U+1160"),
            (
                '\u{16fe4}',
                "draws as nothing, U+16FE4 (Khitan small script filler)",
            ),
            (
                '\u{34f}',
                "draws as nothing, U+034F (combining grapheme joiner)",
            ),
            ('\u{17b4}', "draws as nothing, U+17B4"),
            ('\u{180b}', "draws as nothing, U+180B"),
            ('\u{180e}', "draws as nothing, U+180E"),
            ('\u{1d173}', "draws as nothing, U+1D173"),
            ('\u{2062}', "draws as nothing, U+2062"),
            ('\u{fff9}', "draws as nothing, U+FFF9"),
            ('\u{1bca0}', "draws as nothing, U+1BCA0"),
            ('\u{13430}', "draws as nothing, U+13430"),
            ('\u{e0001}', "draws as nothing, U+E0001"),
            ('\u{e0020}', "draws as nothing, U+E0020"),
            ('\u{fe00}', "draws as nothing, U+FE00"),
            ('\u{e0100}', "draws as nothing, U+E0100"),
            ('\u{fe0f}', "draws as nothing, U+FE0F"),
            ('\u{feff}', "draws as nothing, U+FEFF"),
            ('\u{200b}', "draws as nothing, U+200B (zero width space)"),
            ('\u{fffc}', "a placeholder for something missing, U+FFFC"),
            (
                '\u{fffd}',
                "a placeholder for something missing, U+FFFD (replacement character)",
            ),
            ('\u{e000}', "a private-use character, U+E000"),
            ('\u{f0000}', "a private-use character, U+F0000"),
            ('\u{378}', "an unassigned code point, U+0378"),
            ('\u{10ffff}', "an unassigned code point, U+10FFFF"),
            ('\u{fdd0}', "an unassigned code point, U+FDD0"),
            ('\u{2028}', "a space, U+2028"),
            ('\u{2029}', "a space, U+2029"),
            ('\u{85}', "a space, U+0085"),
            ('\u{1680}', "a space, U+1680"),
            ('\u{a0}', "a space"),
            ('\u{2007}', "a space"),
            ('\u{200a}', "a space"),
            ('\u{202f}', "a space"),
            ('\u{205f}', "a space"),
            ('\u{3000}', "a space"),
            ('\u{7f}', "a control character, U+007F"),
            ('\u{9b}', "a control character, U+009B"),
            ('\u{61c}', "a character that reverses text, U+061C"),
        ] {
            // Spaces around a name are trimmed; inside it they are not.
            let places = if needle.starts_with("a space") {
                vec![format!("an{c}a")]
            } else {
                vec![format!("ana{c}"), format!("an{c}a"), format!("{c}ana")]
            };
            for wanted in places {
                refused(&wanted, needle);
            }
            // Alone, it is nothing to see at all.
            assert!(normalize(&c.to_string()).is_err(), "{c:?} alone");
        }
    }

    #[test]
    fn plain_text_syntax_and_its_look_alikes_are_refused() {
        for (wanted, needle) in [
            ("<hana", "'<'"),
            ("ha<na", "'<'"),
            ("hana>", "'>'"),
            ("*hana", "'*'"),
            ("ha*na", "'*'"),
            (
                "bo,ana",
                "'bo,ana' is not a valid nickname: it contains ',': lists of members",
            ),
            ("hana(host)", "parentheses are kept for (host) and (you)"),
            // NFKC makes the fullwidth and small forms into the ASCII ones.
            ("\u{ff1c}hana\u{ff1e}", "'<'"),
            ("\u{fe64}hana\u{fe65}", "'<'"),
            ("\u{fe61}", "'*'"),
            ("bo\u{fe50}ana", "','"),
            // Look-alikes, by their confusable skeleton.
            (
                "\u{2039}hana\u{203a}",
                "'\u{2039}' (U+2039), which looks like '<'",
            ),
            ("\u{276e}hana\u{276f}", "which looks like '<'"),
            ("hana\u{2c3}", "which looks like '>'"),
            ("\u{226a}hana\u{226b}", "which looks like '<'"),
            ("\u{204e}hana", "which looks like '*'"),
            ("\u{2217}", "which looks like '*'"),
            ("\u{66d}", "which looks like '*'"),
            ("bo\u{201a}ana", "which looks like ','"),
            ("hana\u{2768}host\u{2769}", "which looks like '('"),
            // Brackets of every other kind.
            ("\u{27e8}hana\u{27e9}", "'\u{27e8}' (U+27E8), a bracket"),
            ("\u{3008}hana\u{3009}", "(U+3008), a bracket"),
            ("\u{2329}hana", "(U+3008), a bracket"),
            ("\u{300a}hana\u{300b}", "(U+300A), a bracket"),
            ("\u{276c}hana\u{276d}", "(U+276C), a bracket"),
            ("\u{2770}hana", "(U+2770), a bracket"),
            ("\u{29fc}hana", "(U+29FC), a bracket"),
            ("\u{2989}hana", "(U+2989), a bracket"),
            ("\u{3014}hana\u{3015}", "(U+3014), which looks like '('"),
            ("\u{ab}hana\u{bb}", "(U+00AB), a bracket"),
            ("hana\u{201e}", "(U+201E), a bracket"),
            // Letters that look like syntax, in a name of another script.
            (
                "\u{1438}hana\u{1433}",
                "'\u{1438}' (U+1438), which looks like '<'",
            ),
            ("hana\u{a4f9}", "which looks like ','"),
            // A leading slash.
            (
                "/who",
                "it starts with '/': a line that starts with '/' is a command",
            ),
            ("//x", "it starts with '/'"),
            ("\u{ff0f}me", "it starts with '/'"),
        ] {
            refused(wanted, needle);
        }
        // Inside a name a slash is nothing special, nor is a dash anywhere;
        // letters that look like syntax are fine among their own script.
        for wanted in [
            "[afk]bob",
            "{x}",
            "\u{300c}\u{685c}\u{300d}",
            "\u{3010}\u{516c}\u{5f0f}\u{3011}",
            "O\u{2019}Brien",
            "a/b",
            "-x",
            "bo-",
            "\u{1438}\u{1405}\u{14d8}\u{14ef}",
            "\u{1438}-2",
        ] {
            assert_eq!(normalize(wanted).as_deref(), Ok(wanted), "{wanted}");
        }
    }

    #[test]
    fn combining_marks_are_limited_per_letter() {
        // Two generic accents pass; a third, on the same letter, does not.
        assert!(normalize("x\u{301}\u{302}").is_ok());
        assert!(normalize("x\u{301}\u{302}y\u{303}\u{304}").is_ok());
        refused("x\u{301}\u{302}\u{303}", "'x' with 3 combining accents");
        refused(
            "ana\u{20dd}\u{20dd}\u{20dd}",
            "'a' with 3 combining accents",
        );
        refused(
            "ana\u{489}\u{489}\u{489}\u{489}",
            "'a' with 4 combining marks",
        );
        // NFKC composes what it can: é + two accents is two accents on é.
        assert!(normalize("e\u{301}\u{302}\u{303}").is_ok());
        // Marks of a script that spells with marks: three pass, four do not.
        assert!(normalize("\u{e01}\u{e49}\u{e49}\u{e49}").is_ok());
        refused(
            "\u{e01}\u{e49}\u{e49}\u{e49}\u{e49}",
            "with 4 combining marks; a letter carries at most 3",
        );
        refused(
            &format!("\u{e01}{}", "\u{e49}".repeat(30)),
            "with 30 combining marks",
        );
        // A mark with no letter under it would sit on what comes before.
        let e = refused("\u{301}ana", "starts with a combining mark, U+0301");
        assert!(
            e.starts_with("'\\u{301}ana'"),
            "the mark sits on no quote: {e}"
        );
        refused("\u{93f}ana", "starts with a combining mark, U+093F");
        // Spacing marks take their own room: they do not pile up.
        assert!(normalize("\u{915}\u{93e}\u{93e}\u{93e}").is_ok());
    }

    #[test]
    fn a_refusal_quotes_no_more_than_a_name() {
        // NFKC makes each of these into 18 characters.
        let e = refused(
            &"\u{fdfa}".repeat(100),
            "it has 1800 characters; the most is 32",
        );
        assert!(e.len() < 400, "{} bytes: {e}", e.len());
        assert!(e.contains("…' is not a valid nickname"), "{e}");
    }

    #[test]
    fn generated_and_default_names_pass() {
        for wanted in [
            "guest-1",
            "guest-18446744073709551615",
            "host",
            "member",
            "me",
            "ana-2",
        ] {
            assert_eq!(normalize(wanted).as_deref(), Ok(wanted), "{wanted}");
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
            "Nguyễn",
            "Zoë",
            "Łukasz",
            "Ọ̀ṣun",
            "ნინო",
            "Արամ",
            "አበበ",
            "ᏣᎳᎩ",
            "ᠮᠣᠩᠭᠣᠯ",
            "\u{1438}\u{1405}\u{14d8}\u{14ef}", // Inuktitut, with ᐸ
            // Two generic accents on a letter: Arabic shadda and fatha.
            "\u{645}\u{64f}\u{62d}\u{64e}\u{645}\u{64e}\u{651}\u{62f}",
            // Three marks of a script that spells with them.
            "\u{f66}\u{f92}\u{fb2}\u{f7c}\u{f63}\u{f0b}\u{f58}", // སྒྲོལ་མ
            "\u{92a}\u{922}\u{93c}\u{947}\u{902}",               // पढ़ें
            "\u{5e9}\u{5b8}\u{5bc}\u{5c1}",                      // שָּׁ (NFKC order)
            "अनन्या",
            "สมชาย",
            "தமிழ்",
            "ছবি",
            "👍🏽",
            "\u{2764}\u{fe0f}",   // ❤️: an emoji's presentation selector
            "1\u{fe0f}\u{20e3}",  // 1️⃣
            "bo\u{2615}\u{fe0e}", // ☕︎ as text
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
        assert_eq!(
            key("bo\u{2764}\u{fe0f}"),
            key("bo\u{2764}"),
            "a presentation selector"
        );
        // Accents with no precomposed letter: the window draws the bare letter.
        assert_eq!(key("bob\u{30c}"), key("bob"), "b with a caron");
        assert_eq!(key("x\u{301}\u{302}"), key("x"), "two accents on x");
        assert_eq!(key("1\u{fe0f}\u{20e3}"), key("1"), "a keycap");
        assert_eq!(
            key("\u{645}\u{64f}\u{62d}\u{64e}\u{645}\u{64e}\u{651}\u{62f}"),
            key("\u{645}\u{62d}\u{645}\u{62f}"),
            "Arabic with and without its vowel marks"
        );
        // Precomposed letters, and the marks of a script, stay apart.
        assert_ne!(key("bo\u{308}"), key("bo"), "o and ö (composed by NFKC)");
        assert_ne!(
            key("\u{938}\u{941}\u{92e}\u{928}"),
            key("\u{938}\u{92e}\u{928}"),
            "सुमन and समन"
        );
    }
}
