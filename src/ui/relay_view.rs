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
    _relay: Option<RelayThread>,
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
        Self {
            model: RelayModel::new(kind),
            events,
            _relay: Some(relay),
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
        for _ in 0..crate::ui::app::EVENTS_PER_FRAME {
            match self.events.try_recv() {
                Ok(event) => self.model.apply(event),
                Err(_) => return,
            }
        }
        ctx.request_repaint();
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
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

/// The title, where the relay stands, and the one thing to know.
fn intro_ui(ui: &mut Ui, model: &RelayModel) {
    let (title, statement) = match model.kind {
        RelayKind::Listener => (
            "A listener on the network",
            "This window stands between the member and the host and passes every byte on untouched. \
             It sees what anyone on the network sees: which records pass, how big they are, and their \
             encrypted bytes. Without the session keys it cannot read a word of what you write.",
        ),
        RelayKind::Impostor => (
            "An impostor in the middle",
            "This window pretends to be the host, with a certificate of its own for the host's name. \
             If the member refuses that certificate, the impostor gets nothing. If the member proceeds \
             anyway, the impostor reads every line in plain text as it passes it on.",
        ),
    };
    ui.heading(title);
    ui.label(statement);
    if let Some((addr, upstream)) = model.listening {
        ui.label(
            RichText::new(format!(
                "Listening on {addr} (loopback only), in front of the host at {upstream}."
            ))
            .weak(),
        );
    }
    if let Some(leaf) = model.presents.first() {
        ui.label(
            RichText::new(format!(
                "Presents: {} issued by {} ({})",
                visible_line(&leaf.subject),
                visible_line(&leaf.issuer),
                fingerprint(&leaf.sha256)
            ))
            .monospace()
            .size(11.0),
        );
    }
    let [up, down] = model.totals;
    let unit = match model.kind {
        RelayKind::Listener => "records",
        RelayKind::Impostor => "lines",
    };
    ui.label(format!(
        "Member → host: {} {unit}, {} bytes · host → member: {} {unit}, {} bytes",
        up.0, up.1, down.0, down.1
    ));
}

/// What happened to each connection.
fn notes_ui(ui: &mut Ui, model: &RelayModel) {
    if model.notes.is_empty() {
        ui.label(RichText::new("No connection yet.").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("relay_notes")
        .max_height(110.0)
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for (conn, note) in &model.notes {
                ui.label(RichText::new(format!("#{conn} {}", note_text(note))).size(12.5));
            }
        });
}

fn note_text(note: &ConnNote) -> String {
    match note {
        ConnNote::Opened(from) => format!("a connection came in from {from}"),
        ConnNote::MemberAccepted => {
            "the member accepted the impostor's certificate: the impostor now holds this \
             connection's keys"
                .to_string()
        }
        ConnNote::HostVerified(cert) => format!(
            "the impostor connected to the real host as a member, its certificate verified ({})",
            visible_line(&cert.subject)
        ),
        ConnNote::NotTls(dir, head) => format!(
            "{}: bytes that are not TLS records: {}",
            dir_words(*dir),
            spaced_hex(head)
        ),
        ConnNote::Ended(why) => ending_text(why),
    }
}

fn ending_text(why: &Ending) -> String {
    match why {
        Ending::Closed => "closed".to_string(),
        Ending::MemberRefused { alert } => format!(
            "the member ended the handshake without accepting the impostor's certificate{}: \
             nothing the member writes was sent",
            alert
                .as_ref()
                .map(|a| format!(" (TLS alert {})", visible_line(a)))
                .unwrap_or_default()
        ),
        Ending::HostUnreachable(e) => {
            format!("the real host could not be reached: {}", visible_line(e))
        }
        Ending::LineTooLong => "a line longer than the protocol allows: closed".to_string(),
        Ending::Failed(e) => format!("ended: {}", visible_line(e)),
    }
}

fn dir_words(dir: Direction) -> &'static str {
    match dir {
        Direction::ToHost => "member → host",
        Direction::ToMember => "host → member",
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
        ContentType::Handshake => match r.handshake_type().and_then(handshake_name) {
            Some(name) => format!("Handshake: {name}, in the clear"),
            None => "Handshake, in the clear".to_string(),
        },
        ContentType::ApplicationData => "ApplicationData: encrypted".to_string(),
        ContentType::ChangeCipherSpec => "ChangeCipherSpec".to_string(),
        ContentType::Alert => "Alert".to_string(),
        ContentType::Heartbeat => "Heartbeat".to_string(),
    }
}

/// The records seen, newest last.
fn records_ui(ui: &mut Ui, model: &RelayModel) {
    ui.label(RichText::new("Records on the wire").strong());
    if model.records.is_empty() {
        ui.label(RichText::new("Nothing has passed yet.").weak());
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
    ui.label(
        RichText::new(format!(
            "#{} {}  type {} ({})  version {:04x}  {} bytes",
            row.conn,
            dir_words(row.dir),
            r.content_type.byte(),
            record_words(r),
            r.version,
            r.length
        ))
        .size(12.5),
    );
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
    ui.label(RichText::new("What the impostor reads").strong());
    if model.lines.is_empty() {
        ui.label(
            RichText::new("Nothing to read: no member has accepted the impostor's certificate.")
                .weak(),
        );
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 6.0;
    newest_last_ui(ui, "relay_lines", row_height, model.lines.len(), |ui, i| {
        if let Some(row) = model.lines.get(i) {
            let text = format!("#{} {}: {}", row.conn, dir_words(row.dir), row.text);
            ui.label(RichText::new(text).monospace().size(12.0));
        }
    });
}

/// The story, in the steps of the member's "How this connection was
/// secured".
fn steps_ui(ui: &mut Ui, kind: RelayKind) {
    let title = match kind {
        RelayKind::Listener => "What the listener sees of each step",
        RelayKind::Impostor => "What the impostor does at each step",
    };
    ui.label(RichText::new(title).strong());
    ui.label(
        RichText::new("Compare with the member's Details → \"How this connection was secured\".")
            .weak(),
    );
    for (step, text) in steps(kind) {
        ui.add_space(4.0);
        ui.label(RichText::new(step).strong());
        ui.label(text);
    }
}

/// Each step's title (as the member's walk-through names it) and what
/// the relay in the middle makes of it.
#[must_use]
pub fn steps(kind: RelayKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        RelayKind::Listener => vec![
            (
                "You said hello (ClientHello)",
                "Seen in the clear: a Handshake record with the versions, key-exchange groups and key \
                 shares, ALPN and server name the member offered.",
            ),
            (
                "The host chose (ServerHello)",
                "Seen in the clear too: the chosen cipher suite and the host's key share.",
            ),
            (
                "A shared secret, never sent",
                "Both key shares passed by here, but the secret is made from them with private keys that \
                 never left the two machines. The listener cannot compute it, nor the keys made from it.",
            ),
            (
                "The host's certificate, its proof, Finished",
                "In TLS 1.3 these travel already encrypted, as ApplicationData records: the listener sees \
                 only their sizes. (In TLS 1.2 the certificate passes in the clear.)",
            ),
            (
                "Your messages",
                "Each line travels as ApplicationData records: the listener sees their size (about the \
                 line's length plus a few bytes) and their ciphertext, never a word. If it changed a byte, \
                 the authentication tag would not match and the receiver would drop the connection.",
            ),
        ],
        RelayKind::Impostor => vec![
            (
                "You said hello (ClientHello)",
                "The impostor answers in the host's place: the member's hello never reaches the host.",
            ),
            (
                "A shared secret, never sent",
                "The key agreement happens with the impostor, not the host: if the handshake completes, \
                 the impostor holds the session keys.",
            ),
            (
                "The host's certificate",
                "The impostor presents a certificate of its own for the host's name, issued by its own CA. \
                 The member's tlschat checks it against the authorities it trusts and refuses it: unknown \
                 issuer. That is the warning in the member's window.",
            ),
            (
                "Back to safety",
                "The member breaks off the handshake. Nothing the member writes is sent: the impostor \
                 is left with nothing, and never even talks to the host.",
            ),
            (
                "Proceed anyway",
                "The member trusts exactly the impostor's certificate. The impostor opens its own \
                 connection to the real host (verifying the host's certificate properly) and joins as a \
                 member. Each line is decrypted here, read, and encrypted again for the other side.",
            ),
            (
                "A host you accepted before",
                "A member that had pinned the host's own certificate at this address (from an invite \
                 link, or an exception it made) gets the \"identity has changed\" alarm instead, with no \
                 way through.",
            ),
        ],
    }
}
