//! The demo's third window (`tlschat demo --listener | --impostor`): what
//! the relay in the middle sees ([`crate::net::relay`]), told in the
//! words of the member's "How this connection was secured". Plain state
//! ([`RelayModel`], fed [`RelayEvent`]s once per frame) and view functions.

use std::collections::VecDeque;
use std::net::SocketAddr;

use egui::{RichText, Ui};

use crate::net::certinfo::{CertInfo, fingerprint};
use crate::net::relay::{ContentType, Direction, Ending, RelayEvent, RelayThread, SeenRecord};
use crate::net::safe_text::visible_line;
use crate::tr;
use crate::ui::settings::Language;
use crate::ui::wire_view::spaced_hex;

/// The most records and lines the window keeps (the oldest go first).
pub const MAX_ROWS: usize = 400;

/// Which relay the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayKind {
    /// A listener that forwards the bytes untouched.
    Listener,
    /// An impostor that pretends to be the host.
    Impostor,
}

/// One record that passed (listener).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The connection.
    pub conn: u32,
    /// Which way.
    pub dir: Direction,
    /// What was seen of it.
    pub record: SeenRecord,
}

/// One line the impostor forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    /// The connection.
    pub conn: u32,
    /// Which way.
    pub dir: Direction,
    /// The line, safe to show (cut at the relay's bound).
    pub text: String,
    /// Its length in bytes.
    pub bytes: usize,
}

/// Something that happened to a connection through the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnNote {
    /// It came in from this address.
    Opened(SocketAddr),
    /// The member accepted the impostor's certificate.
    MemberAccepted,
    /// The impostor's connection to the real host is verified.
    HostVerified(Box<CertInfo>),
    /// Bytes that are not TLS (listener).
    NotTls(Direction, Vec<u8>),
    /// It ended.
    Ended(Ending),
}

/// What the window knows, from the relay's events only.
#[derive(Debug, Clone)]
pub struct RelayModel {
    /// Which relay.
    pub kind: RelayKind,
    /// Where it listens, and the real host behind it.
    pub listening: Option<(SocketAddr, SocketAddr)>,
    /// The impostor's certificate chain.
    pub presents: Vec<CertInfo>,
    /// The last records seen (listener).
    pub records: VecDeque<RecordRow>,
    /// The last lines forwarded (impostor).
    pub lines: VecDeque<LineRow>,
    /// What happened to each connection, last ones kept.
    pub notes: VecDeque<(u32, ConnNote)>,
    /// Records and bytes seen each way: to the host, to the member.
    pub totals: [(u64, u64); 2],
    /// Events the relay could not queue for the window (it fell behind).
    pub dropped: u64,
}

fn push_bounded<T>(rows: &mut VecDeque<T>, row: T) {
    if rows.len() >= MAX_ROWS {
        rows.pop_front();
    }
    rows.push_back(row);
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToHost => 0,
        Direction::ToMember => 1,
    }
}

impl RelayModel {
    /// Nothing seen yet.
    #[must_use]
    pub fn new(kind: RelayKind) -> Self {
        Self {
            kind,
            listening: None,
            presents: Vec::new(),
            records: VecDeque::new(),
            lines: VecDeque::new(),
            notes: VecDeque::new(),
            totals: [(0, 0); 2],
            dropped: 0,
        }
    }

    /// Takes one event in.
    pub fn apply(&mut self, event: RelayEvent) {
        match event {
            RelayEvent::Listening {
                addr,
                upstream,
                presents,
            } => {
                self.listening = Some((addr, upstream));
                self.presents = presents;
            }
            RelayEvent::Opened { conn, from } => {
                push_bounded(&mut self.notes, (conn, ConnNote::Opened(from)));
            }
            RelayEvent::Record { conn, dir, record } => {
                let total = &mut self.totals[dir_index(dir)];
                total.0 += 1;
                total.1 += u64::from(record.length) + 5;
                push_bounded(&mut self.records, RecordRow { conn, dir, record });
            }
            RelayEvent::NotTls { conn, dir, head } => {
                push_bounded(&mut self.notes, (conn, ConnNote::NotTls(dir, head)));
            }
            RelayEvent::MemberAccepted { conn } => {
                push_bounded(&mut self.notes, (conn, ConnNote::MemberAccepted));
            }
            RelayEvent::HostVerified { conn, cert } => {
                push_bounded(&mut self.notes, (conn, ConnNote::HostVerified(cert)));
            }
            RelayEvent::Line {
                conn,
                dir,
                text,
                bytes,
            } => {
                let total = &mut self.totals[dir_index(dir)];
                total.0 += 1;
                total.1 += u64::try_from(bytes).unwrap_or(u64::MAX);
                push_bounded(
                    &mut self.lines,
                    LineRow {
                        conn,
                        dir,
                        text,
                        bytes,
                    },
                );
            }
            RelayEvent::Ended { conn, why } => {
                push_bounded(&mut self.notes, (conn, ConnNote::Ended(why)));
            }
        }
    }
}

/// The window's app: the relay and what it reported.
pub struct RelayApp {
    model: RelayModel,
    events: crossbeam_channel::Receiver<RelayEvent>,
    /// Kept running while the window is open.
    relay: Option<RelayThread>,
    /// The system fonts, in the window's language's forms.
    fonts: crate::ui::fonts::SystemFonts,
}

impl RelayApp {
    /// The window over a running relay, which from now on wakes it.
    #[must_use]
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        kind: RelayKind,
        relay: RelayThread,
        events: crossbeam_channel::Receiver<RelayEvent>,
    ) -> Self {
        let ctx = cc.egui_ctx.clone();
        relay.set_waker(std::sync::Arc::new(move || ctx.request_repaint()));
        let mut fonts = crate::ui::fonts::SystemFonts::default();
        fonts.follow(&cc.egui_ctx, Language::get(&cc.egui_ctx).lang());
        Self {
            model: RelayModel::new(kind),
            events,
            relay: Some(relay),
            fonts,
        }
    }

    /// What the window knows.
    #[must_use]
    pub fn model(&self) -> &RelayModel {
        &self.model
    }
}

impl eframe::App for RelayApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(relay) = &self.relay {
            self.model.dropped = relay.dropped();
        }
        for _ in 0..crate::ui::app::EVENTS_PER_FRAME {
            match self.events.try_recv() {
                Ok(event) => self.model.apply(event),
                Err(_) => return,
            }
        }
        ctx.request_repaint();
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        // This frame's words in the window's language (the locale's, as
        // the demo's other windows unless their settings chose one).
        let lang = Language::get(ui.ctx()).lang();
        crate::i18n::set_thread(lang);
        self.fonts.follow(ui.ctx(), lang);
        relay_ui(ui, &self.model);
    }
}

/// The whole window.
pub fn relay_ui(ui: &mut Ui, model: &RelayModel) {
    egui::Panel::top("relay_intro").show(ui, |ui| {
        ui.add_space(6.0);
        intro_ui(ui, model);
        ui.add_space(6.0);
    });
    egui::Panel::bottom("relay_steps")
        .resizable(true)
        .default_size(230.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("relay_steps_scroll")
                .show(ui, |ui| steps_ui(ui, model.kind));
        });
    egui::CentralPanel::default().show(ui, |ui| {
        notes_ui(ui, model);
        ui.separator();
        match model.kind {
            RelayKind::Listener => records_ui(ui, model),
            RelayKind::Impostor => lines_ui(ui, model),
        }
    });
}

/// The window's title for a relay of this kind.
#[must_use]
pub fn window_title(kind: RelayKind) -> String {
    match kind {
        RelayKind::Listener => tr!("demo-listener-window"),
        RelayKind::Impostor => tr!("demo-impostor-window"),
    }
}

/// The title, where the relay stands, and the one thing to know.
fn intro_ui(ui: &mut Ui, model: &RelayModel) {
    let (title, statement) = match model.kind {
        RelayKind::Listener => (tr!("demo-listener-title"), tr!("demo-listener-statement")),
        RelayKind::Impostor => (tr!("demo-impostor-title"), tr!("demo-impostor-statement")),
    };
    ui.heading(title);
    ui.label(statement);
    if let Some((addr, upstream)) = model.listening {
        let text = tr!(
            "demo-listening",
            addr = addr.to_string(),
            upstream = upstream.to_string()
        );
        ui.label(RichText::new(text).weak());
    }
    if let Some(leaf) = model.presents.first() {
        let text = tr!(
            "demo-presents",
            subject = visible_line(&leaf.subject).into_owned(),
            issuer = visible_line(&leaf.issuer).into_owned(),
            fingerprint = fingerprint(&leaf.sha256)
        );
        ui.label(RichText::new(text).monospace().size(11.0));
    }
    let [up, down] = model.totals;
    let unit = match model.kind {
        RelayKind::Listener => "records",
        RelayKind::Impostor => "lines",
    };
    ui.label(tr!(
        "demo-totals",
        up = up.0,
        up_unit = tr!("demo-totals-unit", unit = unit, count = up.0),
        up_bytes = up.1,
        down = down.0,
        down_unit = tr!("demo-totals-unit", unit = unit, count = down.0),
        down_bytes = down.1
    ));
}

/// What happened to each connection.
fn notes_ui(ui: &mut Ui, model: &RelayModel) {
    if model.dropped > 0 {
        let text = tr!("demo-fell-behind", count = model.dropped);
        ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
    }
    if model.notes.is_empty() {
        ui.label(RichText::new(tr!("demo-no-connection")).weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("relay_notes")
        .max_height(110.0)
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for (conn, note) in &model.notes {
                let text = tr!("demo-note", conn = *conn, text = note_text(note));
                ui.label(RichText::new(text).size(12.5));
            }
        });
}

fn note_text(note: &ConnNote) -> String {
    match note {
        ConnNote::Opened(from) => tr!("demo-note-opened", from = from.to_string()),
        ConnNote::MemberAccepted => tr!("demo-note-accepted"),
        ConnNote::HostVerified(cert) => tr!(
            "demo-note-host-verified",
            subject = visible_line(&cert.subject).into_owned()
        ),
        ConnNote::NotTls(dir, head) => tr!(
            "demo-note-not-tls",
            dir = dir_words(*dir),
            hex = spaced_hex(head)
        ),
        ConnNote::Ended(why) => ending_text(why),
    }
}

fn ending_text(why: &Ending) -> String {
    match why {
        Ending::Closed => tr!("demo-end-closed"),
        Ending::MemberRefused { alert: None } => tr!("demo-end-refused"),
        Ending::MemberRefused { alert: Some(a) } => {
            tr!(
                "demo-end-refused-alert",
                alert = crate::net::relay::impostor::alert_name(*a)
            )
        }
        Ending::HostUnreachable(e) => {
            tr!("demo-end-unreachable", error = visible_line(e).into_owned())
        }
        Ending::LineTooLong => tr!("demo-end-too-long"),
        Ending::Failed(e) => tr!("demo-end-failed", error = visible_line(e).into_owned()),
    }
}

fn dir_words(dir: Direction) -> String {
    match dir {
        Direction::ToHost => tr!("demo-to-host"),
        Direction::ToMember => tr!("demo-to-member"),
    }
}

/// A handshake message type's name (the ones a listener sees in the clear).
fn handshake_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        _ => return None,
    })
}

/// What a record is, as far as a listener can tell.
fn record_words(r: &SeenRecord) -> String {
    match r.content_type {
        ContentType::Handshake if r.encrypted => tr!("demo-record-handshake-encrypted"),
        ContentType::Handshake => match r.handshake_type().and_then(handshake_name) {
            Some(name) => tr!("demo-record-handshake-named", name = name),
            None => tr!("demo-record-handshake"),
        },
        ContentType::ApplicationData => tr!("demo-record-appdata"),
        other => other.name().to_string(),
    }
}

/// The records seen, newest last.
fn records_ui(ui: &mut Ui, model: &RelayModel) {
    ui.label(RichText::new(tr!("demo-records-title")).strong());
    if model.records.is_empty() {
        ui.label(RichText::new(tr!("demo-nothing-passed")).weak());
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) * 2.0 + 8.0;
    newest_last_ui(
        ui,
        "relay_records",
        row_height,
        model.records.len(),
        |ui, i| {
            if let Some(row) = model.records.get(i) {
                record_row_ui(ui, row);
            }
        },
    );
}

fn record_row_ui(ui: &mut Ui, row: &RecordRow) {
    let r = &row.record;
    let text = tr!(
        "demo-record-row",
        conn = row.conn,
        dir = dir_words(row.dir),
        type = r.content_type.byte(),
        what = record_words(r),
        version = format!("{:04x}", r.version),
        length = r.length
    );
    ui.label(RichText::new(text).size(12.5));
    let more = if usize::from(r.length) > r.head.len() {
        " …"
    } else {
        ""
    };
    ui.label(
        RichText::new(format!("  {}{more}", spaced_hex(&r.head)))
            .monospace()
            .size(11.0)
            .weak(),
    );
}

/// `n` rows of one height in a scroll area that follows the newest (last).
fn newest_last_ui(
    ui: &mut Ui,
    id: &str,
    row_height: f32,
    n: usize,
    mut row_ui: impl FnMut(&mut Ui, usize),
) {
    egui::ScrollArea::vertical()
        .id_salt(id)
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show_rows(ui, row_height, n, |ui, range| {
            for i in range {
                row_ui(ui, i);
            }
        });
}

/// The lines the impostor read, newest last.
fn lines_ui(ui: &mut Ui, model: &RelayModel) {
    ui.label(RichText::new(tr!("demo-lines-title")).strong());
    if model.lines.is_empty() {
        ui.label(RichText::new(tr!("demo-nothing-to-read")).weak());
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 6.0;
    newest_last_ui(ui, "relay_lines", row_height, model.lines.len(), |ui, i| {
        if let Some(row) = model.lines.get(i) {
            let text = tr!(
                "demo-line-row",
                conn = row.conn,
                dir = dir_words(row.dir),
                text = row.text.as_str()
            );
            ui.label(RichText::new(text).monospace().size(12.0));
        }
    });
}

/// The story, in the steps of the member's "How this connection was
/// secured".
fn steps_ui(ui: &mut Ui, kind: RelayKind) {
    let title = match kind {
        RelayKind::Listener => tr!("demo-steps-listener"),
        RelayKind::Impostor => tr!("demo-steps-impostor"),
    };
    ui.label(RichText::new(title).strong());
    ui.label(RichText::new(tr!("demo-steps-compare")).weak());
    for (step, text) in steps(kind) {
        ui.add_space(4.0);
        ui.label(RichText::new(step).strong());
        ui.label(text);
    }
}

/// Each step's title (as the member's walk-through names it) and what
/// the relay in the middle makes of it, in the current language.
#[must_use]
pub fn steps(kind: RelayKind) -> Vec<(String, String)> {
    match kind {
        RelayKind::Listener => vec![
            (tr!("demo-step-hello-title"), tr!("demo-listener-hello")),
            (tr!("demo-step-chose-title"), tr!("demo-listener-chose")),
            (tr!("demo-step-secret-title"), tr!("demo-listener-secret")),
            (
                tr!("demo-step-encrypted-title"),
                tr!("demo-listener-encrypted"),
            ),
            (
                tr!("demo-step-messages-title"),
                tr!("demo-listener-messages"),
            ),
        ],
        RelayKind::Impostor => vec![
            (tr!("demo-step-hello-title"), tr!("demo-impostor-hello")),
            (tr!("demo-step-secret-title"), tr!("demo-impostor-secret")),
            (tr!("demo-step-cert-title"), tr!("demo-impostor-cert")),
            (tr!("demo-step-back-title"), tr!("demo-impostor-back")),
            (tr!("demo-step-proceed-title"), tr!("demo-impostor-proceed")),
            (tr!("demo-step-pinned-title"), tr!("demo-impostor-pinned")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encrypted_handshake_record_is_never_called_clear_nor_named() {
        crate::i18n::set_thread(crate::i18n::Lang::En);
        // TLS 1.2's Finished after ChangeCipherSpec: its first byte happens
        // to be 1, as a ClientHello's would be.
        let finished = SeenRecord {
            content_type: ContentType::Handshake,
            version: 0x0303,
            length: 40,
            head: vec![1, 0x9c, 0x42, 0x07, 0xee, 0x5a],
            encrypted: true,
        };
        let words = record_words(&finished);
        assert!(!words.contains("in the clear"), "{words}");
        assert!(!words.contains("ClientHello"), "{words}");
        assert!(words.contains("encrypted"), "{words}");
        let hello = SeenRecord {
            encrypted: false,
            ..finished
        };
        assert_eq!(record_words(&hello), "Handshake: ClientHello, in the clear");
    }
}
