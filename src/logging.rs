//! Diagnostic logs on stderr: `-v`/`-vv` or `RUST_LOG`, through `tracing`,
//! with rustls' own `log` records forwarded. Off unless asked for.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::net::safe_text;

/// What `-v` shows: tlschat's and rustls' own account of each connection
/// (rustls logs the handshake's steps at debug), warnings from the rest.
pub const VERBOSE: &str = "warn,tlschat=debug,rustls=debug";
/// What `-vv` shows: everything at debug, tlschat and rustls at trace.
pub const VERY_VERBOSE: &str = "debug,tlschat=trace,rustls=trace";

/// The filter to use: `RUST_LOG` when it is set and not empty (it says
/// exactly what is wanted), else the one `-v` counts ask for, else none.
#[must_use]
pub fn filter_directives(verbose: u8, rust_log: Option<&str>) -> Option<String> {
    match rust_log.map(str::trim) {
        Some(given) if !given.is_empty() => Some(given.to_string()),
        _ => match verbose {
            0 => None,
            1 => Some(VERBOSE.to_string()),
            _ => Some(VERY_VERBOSE.to_string()),
        },
    }
}

/// Starts logging to stderr if `-v` or `RUST_LOG` asks for it. A `RUST_LOG`
/// that does not parse is reported in one line and `-v`'s filter (or none)
/// is used instead.
pub fn init(verbose: u8) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let Some(directives) = filter_directives(verbose, rust_log.as_deref()) else {
        return;
    };
    let filter = match EnvFilter::builder().parse(&directives) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "tlschat: RUST_LOG ignored: \"{}\": {e}",
                safe_text::visible_line(&directives)
            );
            match filter_directives(verbose, None).map(|d| EnvFilter::builder().parse(d)) {
                Some(Ok(f)) => f,
                _ => return,
            }
        }
    };
    // Fails only if a subscriber is already set (never in this program):
    // then logs go where that one sends them.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(VisibleStderr)
        .try_init();
}

/// Writes each log line to stderr with everything a peer could have put in
/// it (names, addresses, rustls' debug output of what it received) made
/// visible: no escape sequence or direction override reaches the terminal.
#[derive(Clone, Copy, Debug, Default)]
pub struct VisibleStderr;

impl<'a> MakeWriter<'a> for VisibleStderr {
    type Writer = VisibleLines<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        VisibleLines(std::io::stderr())
    }
}

/// A writer that makes every line written through it visible text (see
/// [`safe_text::visible_line`]) and ends it with one newline. The fmt layer
/// writes one event per call.
#[derive(Debug)]
pub struct VisibleLines<W>(pub W);

impl<W: std::io::Write> std::io::Write for VisibleLines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let body = buf.strip_suffix(b"\n").unwrap_or(buf);
        let mut line = String::with_capacity(body.len() + 1);
        for (i, part) in body.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                // A multi-line event stays one line: its breaks are shown.
                line.push_str("\\n");
            }
            line.push_str(&safe_text::visible_bytes(part, safe_text::Newlines::Escape));
        }
        line.push('\n');
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn rust_log_wins_over_v_and_nothing_is_logged_by_default() {
        assert_eq!(filter_directives(0, None), None);
        assert_eq!(filter_directives(0, Some("  ")), None);
        assert_eq!(filter_directives(1, None).as_deref(), Some(VERBOSE));
        assert_eq!(filter_directives(2, None).as_deref(), Some(VERY_VERBOSE));
        assert_eq!(filter_directives(5, None).as_deref(), Some(VERY_VERBOSE));
        assert_eq!(
            filter_directives(2, Some("rustls=trace")).as_deref(),
            Some("rustls=trace")
        );
        // Both built-in filters parse.
        for d in [VERBOSE, VERY_VERBOSE] {
            assert!(EnvFilter::builder().parse(d).is_ok(), "{d}");
        }
    }

    #[test]
    fn a_log_line_cannot_drive_the_terminal() {
        let mut out = VisibleLines(Vec::new());
        let hostile = "DEBUG rustls: sni \"\x1b]0;owned\x07\u{202e}evil\"\nfake line\n";
        write!(out, "{hostile}").unwrap_or_default();
        let text = String::from_utf8(out.0).unwrap_or_default();
        assert_eq!(text.matches('\n').count(), 1, "{text:?}");
        assert!(text.ends_with('\n'));
        assert!(!text.contains('\x1b') && !text.contains('\x07'));
        assert!(!text.contains('\u{202e}'));
        assert!(text.contains("evil") && text.contains("fake line"));
    }
}
