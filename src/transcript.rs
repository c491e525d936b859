//! The conversation as a file: one format for the window's "Save
//! conversation…" and the headless `--transcript FILE`, in plain text or
//! JSON lines.
//!
//! Plain text is one line per line said, made safe to read in a terminal
//! exactly like the headless mode prints (see [`crate::net::safe_text`]):
//!
//! ```text
//! 2026-11-30 07:12:03 <ana> hello
//! 2026-11-30 07:12:09 * ana waves
//! 2026-11-30 07:12:15 -- bob joined
//! ```
//!
//! A message of several lines is several lines, each with its time and
//! name, so no line of it can pass for another speaker or a notice. Times
//! are local (see [`init_local_offset`]).
//!
//! JSON lines are one object per line, the text exactly as it was received
//! (JSON escaping keeps control characters and newlines unambiguous):
//!
//! ```text
//! {"ts":"2026-11-30T07:12:03Z","kind":"message","seq":12,"nick":"ana","text":"hello","own":false}
//! ```
//!
//! `kind` is `message`, `action` (`/me waves`: `text` is `waves`) or
//! `notice` (`nick` empty); `seq` is the room's sequence number, absent
//! where it is not known (our own lines in the window, notices); `ts` is UTC.

use std::io::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use crate::net::safe_text::visible_line;

static LOCAL_OFFSET: OnceLock<time::UtcOffset> = OnceLock::new();

/// Reads the local time zone. Call it before any thread starts: the
/// operating system can only be asked safely while the process has one.
pub fn init_local_offset() {
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let _ = LOCAL_OFFSET.set(offset);
}

/// The local time zone as read by [`init_local_offset`] (UTC if it was not).
#[must_use]
pub fn local_offset() -> time::UtcOffset {
    LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC)
}

/// What kind of line a transcript entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Someone said something.
    Message,
    /// Someone did something (`/me waves`).
    Action,
    /// The room (or this program) said something: joins, leaves, renames.
    Notice,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Action => "action",
            Kind::Notice => "notice",
        }
    }
}

/// One line of the conversation, as both the window and the headless mode
/// have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// When it was said, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Message, action or notice.
    pub kind: Kind,
    /// The room's sequence number, where known.
    pub seq: Option<u64>,
    /// Who said it (empty for notices).
    pub nick: &'a str,
    /// What was said (for an action, what follows `/me `).
    pub text: &'a str,
    /// Whether we said it.
    pub own: bool,
}

impl<'a> Entry<'a> {
    /// A message (or, when it starts with `/me `, an action).
    #[must_use]
    pub fn said(time_ms: u64, seq: Option<u64>, nick: &'a str, text: &'a str, own: bool) -> Self {
        let (kind, text) = match text.strip_prefix("/me ") {
            Some(act) => (Kind::Action, act),
            None => (Kind::Message, text),
        };
        Self {
            time_ms,
            kind,
            seq,
            nick,
            text,
            own,
        }
    }

    /// A notice.
    #[must_use]
    pub fn notice(time_ms: u64, text: &'a str) -> Self {
        Self {
            time_ms,
            kind: Kind::Notice,
            seq: None,
            nick: "",
            text,
            own: false,
        }
    }
}

/// Which of the two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, one line per line said.
    Plain,
    /// JSON lines, one object per line said.
    JsonLines,
}

impl Format {
    /// The format a file name asks for: `.jsonl` (or `.ndjson`) is JSON
    /// lines, anything else plain text.
    #[must_use]
    pub fn for_path(path: &Path) -> Self {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("jsonl" | "ndjson") => Format::JsonLines,
            _ => Format::Plain,
        }
    }
}

fn datetime(time_ms: u64) -> time::OffsetDateTime {
    let secs = i64::try_from(time_ms / 1000).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `t` as `format` lays it out (the time crate, as `trust::utc` does).
fn stamp(t: time::OffsetDateTime, format: &[time::format_description::FormatItem<'_>]) -> String {
    // Formatting a date into a String with a fixed description cannot fail.
    t.format(format).unwrap_or_default()
}

/// `2026-11-30 07:12:03` in local time.
fn local_stamp(time_ms: u64) -> String {
    stamp(
        datetime(time_ms).to_offset(local_offset()),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
}

/// `2026-11-30T07:12:03Z`.
fn utc_stamp(time_ms: u64) -> String {
    stamp(
        datetime(time_ms),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"),
    )
}

/// The plain-text lines of one entry (one per line of its text), each
/// without its newline. Names and text are made visible like the headless
/// mode prints them: nothing in them is interpreted by a terminal.
#[must_use]
pub fn plain_lines(entry: &Entry<'_>) -> Vec<String> {
    let stamp = local_stamp(entry.time_ms);
    let nick = visible_line(entry.nick);
    entry
        .text
        .split('\n')
        .map(|line| {
            let line = visible_line(line);
            match entry.kind {
                Kind::Message => format!("{stamp} <{nick}> {line}"),
                Kind::Action => format!("{stamp} * {nick} {line}"),
                Kind::Notice => format!("{stamp} -- {line}"),
            }
        })
        .collect()
}

#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    ts: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    nick: &'a str,
    text: &'a str,
    own: bool,
}

/// The JSON line of one entry, without its newline.
#[must_use]
pub fn json_line(entry: &Entry<'_>) -> String {
    let json = JsonEntry {
        ts: utc_stamp(entry.time_ms),
        kind: entry.kind.name(),
        seq: entry.seq,
        nick: entry.nick,
        text: entry.text,
        own: entry.own,
    };
    // Serializing strings, numbers and booleans cannot fail.
    serde_json::to_string(&json).unwrap_or_default()
}

/// Entries in `format`, each line ending in a newline.
pub fn render<'a>(entries: impl IntoIterator<Item = Entry<'a>>, format: Format) -> String {
    let mut out = String::new();
    for entry in entries {
        match format {
            Format::Plain => {
                for line in plain_lines(&entry) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Format::JsonLines => {
                out.push_str(&json_line(&entry));
                out.push('\n');
            }
        }
    }
    out
}

/// A transcript file that lines are appended to (headless `--transcript`):
/// created readable by its owner only if new, written in plain text, and
/// flushed by [`Appender::flush`] (the caller flushes once per batch of
/// events, so a crash loses at most the batch not yet flushed).
#[derive(Debug)]
pub struct Appender {
    out: std::io::BufWriter<std::fs::File>,
}

impl Appender {
    /// Opens (or creates, mode 0600) `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            out: std::io::BufWriter::new(crate::config::open_private_append(path)?),
        })
    }

    /// Appends an entry's plain-text lines (buffered).
    pub fn append(&mut self, entry: &Entry<'_>) -> std::io::Result<()> {
        for line in plain_lines(entry) {
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Writes what is buffered to the file.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 07:12:03 UTC.
    const T: u64 = 1_796_022_723_000;

    const HOSTILE: &str = "a\x1b[2J\x1b]0;owned\x07b\u{202e}cba\r* fake\nsecond\u{2066}";

    fn utc() {
        let _ = LOCAL_OFFSET.set(time::UtcOffset::UTC);
    }

    #[test]
    fn plain_text_has_a_time_a_name_and_one_line_per_line() {
        utc();
        let lines = render(
            [
                Entry::said(T, Some(12), "ana", "hello\nworld", false),
                Entry::said(T, None, "hana", "/me waves", true),
                Entry::notice(T, "bob joined"),
            ],
            Format::Plain,
        );
        assert_eq!(
            lines,
            "2026-11-30 07:12:03 <ana> hello\n\
             2026-11-30 07:12:03 <ana> world\n\
             2026-11-30 07:12:03 * hana waves\n\
             2026-11-30 07:12:03 -- bob joined\n"
        );
    }

    #[test]
    fn hostile_text_is_visible_in_plain_text_and_exact_in_json() {
        utc();
        let nick = "m\u{202e}allory\x1b[31m";
        let entry = Entry::said(T, Some(7), nick, HOSTILE, false);
        let plain = plain_lines(&entry);
        assert_eq!(plain.len(), 2, "{plain:?}");
        for line in &plain {
            assert!(
                !line.chars().any(crate::net::safe_text::is_hidden),
                "{line:?} would be interpreted by a terminal"
            );
            assert!(line.starts_with("2026-11-30 07:12:03 <m\\u{202e}allory\\x1b[31m> "));
        }
        assert_eq!(
            plain[0],
            "2026-11-30 07:12:03 <m\\u{202e}allory\\x1b[31m> \
             a\\x1b[2J\\x1b]0;owned\\x07b\\u{202e}cba\\x0d* fake"
        );
        assert!(plain[1].ends_with("> second\\u{2066}"), "{plain:?}");

        let json = json_line(&entry);
        assert!(!json.contains('\n') && !json.contains('\r') && !json.contains('\x1b'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["text"], HOSTILE, "the text comes back exactly");
        assert_eq!(back["nick"], nick);
        assert_eq!(back["ts"], "2026-11-30T07:12:03Z");
        assert_eq!(back["kind"], "message");
        assert_eq!(back["seq"], 7);
        assert_eq!(back["own"], false);
    }

    #[test]
    fn json_lines_name_the_kind_and_leave_out_an_unknown_seq() {
        let out = render(
            [
                Entry::said(T, None, "hana", "/me waves", true),
                Entry::notice(T, "bob joined"),
            ],
            Format::JsonLines,
        );
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["kind"], "action");
        assert_eq!(lines[0]["text"], "waves");
        assert_eq!(lines[0]["own"], true);
        assert!(lines[0].get("seq").is_none());
        assert_eq!(lines[1]["kind"], "notice");
        assert_eq!(lines[1]["nick"], "");
    }

    #[test]
    fn the_extension_chooses_the_format() {
        assert_eq!(Format::for_path(Path::new("a/b.jsonl")), Format::JsonLines);
        assert_eq!(Format::for_path(Path::new("b.NDJSON")), Format::JsonLines);
        assert_eq!(Format::for_path(Path::new("b.txt")), Format::Plain);
        assert_eq!(Format::for_path(Path::new("b")), Format::Plain);
    }

    #[test]
    fn an_appender_makes_a_private_file_and_appends() {
        utc();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        for text in ["one", "two"] {
            let mut a = Appender::open(&path).unwrap();
            a.append(&Entry::said(T, None, "ana", text, false)).unwrap();
            a.flush().unwrap();
        }
        let got = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            got,
            "2026-11-30 07:12:03 <ana> one\n2026-11-30 07:12:03 <ana> two\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
