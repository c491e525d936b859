//! Desktop notifications over D-Bus (notify-rust), on a thread of their own
//! so that a slow or missing notification service never holds up the
//! window. Where no service answers they are silently off.
//!
//! What a peer wrote reaches the notification server, which may read the
//! body as markup (`<a href=…>`, `<img src=…>`): every text is made
//! visible ([`safe_text`]), cut short, and its markup characters escaped.
//! A busy room makes one notification that is replaced as messages come,
//! at most one a second, never a pile of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::Duration;

use crate::net::safe_text;

/// The most characters of a summary (who) and a body (what) shown.
pub const SUMMARY_CHARS: usize = 80;
/// See [`SUMMARY_CHARS`].
pub const BODY_CHARS: usize = 200;
/// The fewest time between two notifications; what comes meanwhile is
/// gathered into the next one.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Notes waiting for the notification thread; past it they are dropped
/// (the one shown next says how many came).
const QUEUE: usize = 64;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Who, or what happened (plain text).
    pub summary: String,
    /// The message.
    pub body: String,
}

/// Whether notifications reach a notification service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Nothing was shown yet.
    Unknown,
    /// The last notification was taken by the service.
    Working,
    /// No service answered: notifications are off for this run.
    Unavailable,
}

/// Sends notes to the notification thread, started on the first one.
#[derive(Debug, Default)]
pub struct Notifier {
    tx: Option<SyncSender<Note>>,
    service: Arc<AtomicU8>,
}

impl Notifier {
    /// A notifier; its thread starts when the first note comes.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether notifications reach a service (as far as is known yet).
    #[must_use]
    pub fn service(&self) -> Service {
        match self.service.load(Ordering::Relaxed) {
            1 => Service::Working,
            2 => Service::Unavailable,
            _ => Service::Unknown,
        }
    }

    /// Shows `note` soon, never blocking the caller.
    pub fn notify(&mut self, note: Note) {
        if self.service() == Service::Unavailable {
            return;
        }
        if self.tx.is_none() {
            let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
            let service = self.service.clone();
            let spawned = std::thread::Builder::new()
                .name("tlschat-notify".into())
                .spawn(move || show_notes(&rx, &service));
            if let Err(e) = spawned {
                tracing::debug!("desktop notifications are off: no thread: {e}");
                self.service.store(2, Ordering::Relaxed);
                return;
            }
            self.tx = Some(tx);
        }
        if let Some(tx) = &self.tx {
            match tx.try_send(note) {
                // Full: the thread is behind; the next one it shows says
                // how many came.
                Ok(()) | Err(TrySendError::Full(_)) => {}
                Err(TrySendError::Disconnected(_)) => self.tx = None,
            }
        }
    }
}

/// The notification thread: shows notes as they come, gathering what
/// comes within [`MIN_INTERVAL`] into one, replacing the one shown before.
fn show_notes(rx: &Receiver<Note>, service: &AtomicU8) {
    let mut shown: Option<u32> = None;
    while let Ok(mut note) = rx.recv() {
        let mut more = 0u64;
        while let Ok(next) = rx.try_recv() {
            note = next;
            more += 1;
        }
        let (summary, body) = rendered(&note, more);
        let mut n = notify_rust::Notification::new();
        n.appname("tlschat")
            .summary(&summary)
            .body(&body)
            .icon(crate::APP_ID)
            .hint(notify_rust::Hint::DesktopEntry(crate::APP_ID.into()))
            .hint(notify_rust::Hint::Category("im.received".into()));
        if let Some(id) = shown {
            n.id(id);
        }
        match n.show() {
            Ok(handle) => {
                shown = Some(handle.id());
                service.store(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::debug!("desktop notifications are off: {e}");
                service.store(2, Ordering::Relaxed);
                return;
            }
        }
        std::thread::sleep(MIN_INTERVAL);
    }
}

/// The summary and body as sent: visible, cut short, the body's markup
/// characters escaped; `more` notes that came since are counted in it.
#[must_use]
pub fn rendered(note: &Note, more: u64) -> (String, String) {
    let summary = clipped(&safe_text::visible_line(&note.summary), SUMMARY_CHARS);
    let mut body = escape_markup(&clipped(&safe_text::visible(&note.body), BODY_CHARS));
    if more > 0 {
        body.push_str(&format!("\n(and {more} more)"));
    }
    (summary, body)
}

/// `text` cut to `max` characters, with `…` where it was cut.
fn clipped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The body markup of the notification specification (a subset of HTML)
/// shown as text.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peers_text_cannot_be_markup_or_control_or_long() {
        let note = Note {
            summary: "ev\u{202e}il\x1b[2J".repeat(20),
            body: "<a href=\"https://x\">click</a><img src=/etc/passwd>&amp;\x07".repeat(50),
        };
        let (summary, body) = rendered(&note, 0);
        assert!(summary.chars().count() <= SUMMARY_CHARS + 1, "{summary}");
        assert!(summary.ends_with('…'));
        assert!(!summary.contains('\u{202e}') && !summary.contains('\x1b'));
        assert!(!body.contains('<') && !body.contains('>') && !body.contains('\x07'));
        assert!(body.starts_with("&lt;a href=&quot;https://x&quot;&gt;click&lt;/a&gt;"));
        assert!(body.contains("&amp;amp;"));
        // Escaping can make it longer than the cut, but boundedly: at most
        // six bytes for each character kept.
        assert!(body.len() <= (BODY_CHARS + 1) * 6, "{}", body.len());
        let (_, gathered) = rendered(
            &Note {
                summary: "ana".into(),
                body: "hi".into(),
            },
            41,
        );
        assert_eq!(gathered, "hi\n(and 41 more)");
    }

    #[test]
    fn cjk_is_cut_on_character_boundaries() {
        let long = "你好".repeat(300);
        let cut = clipped(&long, BODY_CHARS);
        assert_eq!(cut.chars().count(), BODY_CHARS + 1);
    }
}
