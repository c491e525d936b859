//! The connection on the wire: the recorded bytes (see
//! [`crate::net::recorder`]) split into TLS records, encrypted records
//! opened with the connection's own secrets ([`decrypt`]: TLS 1.3's
//! handshake and application traffic secrets, TLS 1.2's master secret),
//! and every message parsed with `tls-parser` into a plain tree of
//! fields, each with the bytes it came from. After the handshake the
//! records go on being decoded as they pass, the last few kept
//! ([`live`]). The window and the headless mode render the same tree
//! ([`render`]).
//!
//! Everything here comes from the peer and is hostile: sizes are bounded
//! by the recording, every slice is taken with a check, nothing panics,
//! and every string from the peer is made visible with
//! [`crate::net::safe_text`].

pub mod decrypt;
mod label;
pub mod live;
mod messages;
mod protection;
pub mod render;

use crate::i18n::Msg;
use crate::net::keylog::{ConnectionSecrets, HandshakeSecrets};
use crate::net::recorder::{Flow, Tape};
use crate::net::tlsopts::TlsVersion;
use decrypt::{Keys, Opener, Opener12, Suite, Suite12, Writer};
pub use label::label;

/// Which way a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the member (TLS client) to the host (TLS server).
    ToHost,
    /// From the host to the member.
    ToMember,
}

impl Direction {
    /// `member → host` or `host → member`, as a message.
    #[must_use]
    pub fn label(self) -> Msg {
        match self {
            Self::ToHost => crate::msg!("wire-to-host"),
            Self::ToMember => crate::msg!("wire-to-member"),
        }
    }

    /// `member → host` or `host → member`, in the current language.
    #[must_use]
    pub fn arrow(self) -> String {
        self.label().text()
    }
}

/// What something on the wire means, in plain language: a message, put
/// into words where it is shown (in that place's language).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Note(Option<Msg>);

// The notes' arguments are text and whole numbers: equality is total.
impl Eq for Note {}

impl Note {
    /// The note in the current language (empty when there is none).
    #[must_use]
    pub fn text(&self) -> String {
        self.0.as_ref().map(Msg::text).unwrap_or_default()
    }

    /// Whether there is no note.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The message, if there is one.
    #[must_use]
    pub fn msg(&self) -> Option<&Msg> {
        self.0.as_ref()
    }

    /// The words in the current language, or `plain` when there are none.
    fn text_or(&self, plain: &str) -> String {
        self.0.as_ref().map_or_else(|| plain.to_owned(), Msg::text)
    }
}

impl From<Msg> for Note {
    fn from(m: Msg) -> Self {
        Self(Some(m))
    }
}

/// Which bytes of a [`Step`] a [`Span`] points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The record as it went over the wire.
    Record,
    /// The decrypted content of an encrypted record.
    Plain,
    /// A handshake message put together from several records: the part
    /// carried over from the records before, then this record's.
    Joined,
}

/// Where a field's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// In the record or in its decrypted content.
    pub layer: Layer,
    /// The first byte.
    pub start: usize,
    /// How many bytes.
    pub len: usize,
}

/// A value or title: plain text (names, numbers, hex, the peer's own
/// strings), or words, kept as a message to be put into the language
/// where they are shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text that is the same in every language.
    Plain(String),
    /// Words.
    Words(Msg),
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Plain(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Plain(s.to_owned())
    }
}

impl From<Msg> for Value {
    fn from(m: Msg) -> Self {
        Self::Words(m)
    }
}

impl Value {
    /// The text in English (what code and tests compare), and the words
    /// to show when it has any.
    fn split(self) -> (String, Note) {
        match self {
            Self::Plain(s) => (s, Note::default()),
            Self::Words(m) => (m.text_in(crate::i18n::Lang::En), m.into()),
        }
    }
}

/// One field of a record or message, with its parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    /// What it is (`cipher suites`, `key_share`, `random` …), in English:
    /// shown through [`label`].
    pub name: String,
    /// Its value as text (made visible where it came from the peer), in
    /// English where it has words.
    pub value: String,
    /// The value's words, when it has any, to show in the current language.
    pub value_words: Note,
    /// Where its bytes are, when known.
    pub span: Option<Span>,
    /// What it means, in plain language (may be empty).
    pub note: Note,
    /// Its parts.
    pub children: Vec<Field>,
}

impl Field {
    fn new(name: impl Into<String>, value: impl Into<Value>, span: Option<Span>) -> Self {
        let (value, value_words) = value.into().split();
        Self {
            name: name.into(),
            value,
            value_words,
            span,
            note: Note::default(),
            children: Vec::new(),
        }
    }

    fn with_note(mut self, note: impl Into<Note>) -> Self {
        self.note = note.into();
        self
    }

    fn with_children(mut self, children: Vec<Self>) -> Self {
        self.children = children;
        self
    }

    /// The first part with this name.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Its value in the current language.
    #[must_use]
    pub fn shown_value(&self) -> String {
        self.value_words.text_or(&self.value)
    }

    fn set_value(&mut self, value: impl Into<Value>) {
        (self.value, self.value_words) = value.into().split();
    }
}

/// One record as it went, with the messages in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which way.
    pub direction: Direction,
    /// Its place among the records that went this way, from 0.
    pub index: u64,
    /// The sequence number it was encrypted with, when it was opened.
    pub seq: Option<u64>,
    /// When, in microseconds from the start of the connection.
    pub time_us: u64,
    /// The record as it went over the wire, header included.
    pub record: Vec<u8>,
    /// The decrypted content, for an encrypted record we opened (TLS 1.3:
    /// the content, the inner content type and the padding).
    pub plain: Option<Vec<u8>>,
    /// The handshake messages this record ends, put together with the
    /// start they had in the records before it (when it ends one).
    pub joined: Option<Vec<u8>>,
    /// One line: what this record is (in English).
    pub title: String,
    /// The title's words, when it has any, to show in the current language.
    pub title_words: Note,
    /// The record header (content type, version, length).
    pub header: Field,
    /// The messages in it (handshake messages, an alert …), in order.
    pub messages: Vec<Field>,
}

impl Step {
    /// Its title in the current language.
    #[must_use]
    pub fn shown_title(&self) -> String {
        self.title_words.text_or(&self.title)
    }

    /// The bytes a span points to, if it points inside this step.
    #[must_use]
    pub fn bytes(&self, span: Span) -> Option<&[u8]> {
        let bytes = match span.layer {
            Layer::Record => &self.record[..],
            Layer::Plain => self.plain.as_deref()?,
            Layer::Joined => self.joined.as_deref()?,
        };
        bytes.get(span.start..span.start.checked_add(span.len)?)
    }
}

/// A decoded handshake.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Handshake {
    /// The TLS version the server chose, once seen.
    pub version: Option<TlsVersion>,
    /// Every record, in the order they went.
    pub steps: Vec<Step>,
    /// What could not be shown, and why (cut recordings, missing secrets…).
    pub notes: Vec<Note>,
}

impl Handshake {
    /// Every message, in order, with its direction.
    pub fn messages(&self) -> impl Iterator<Item = (Direction, &Field)> {
        self.steps
            .iter()
            .flat_map(|s| s.messages.iter().map(move |m| (s.direction, m)))
    }

    /// The first message with this name (`ClientHello`, `Certificate` …).
    #[must_use]
    pub fn message(&self, name: &str) -> Option<(Direction, &Field)> {
        self.messages().find(|(_, m)| m.name == name)
    }

    /// The step that holds the first message with this name.
    #[must_use]
    pub fn step_of(&self, name: &str) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| s.messages.iter().any(|m| m.name == name))
    }
}

/// The client random of the first ClientHello in what the client sent
/// (where the key log names the connection by).
#[must_use]
pub fn client_random(sent: &Flow) -> Option<[u8; 32]> {
    // Record header (5), handshake header (4), legacy version (2).
    let b = &sent.bytes;
    if b.first() != Some(&22) || b.get(5) != Some(&1) {
        return None;
    }
    b.get(11..43)?.try_into().ok()
}

/// The largest record a peer may send (TLS 1.3 ciphertext, which also
/// bounds TLS 1.2's).
const MAX_RECORD: usize = decrypt::MAX_CIPHERTEXT + 256;

/// The most records of a recording kept as steps: a handshake takes a
/// dozen, or a few hundred cut into small records; a hostile peer cutting
/// its 64 KiB into records of one byte would make 10,000, each a step of
/// some 1.5 KB.
const MAX_STEPS: usize = 1024;

/// A record found in a flow.
struct Raw<'a> {
    direction: Direction,
    time_us: u64,
    bytes: &'a [u8],
}

/// What a split left at the end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail<'a> {
    /// Nothing: the flow ended with a whole record.
    Clean,
    /// The start of a record not yet whole.
    Cut(&'a [u8]),
    /// Bytes that are not a TLS record.
    Garbage,
}

/// The length of the record starting `bytes` (header included): `Ok(None)`
/// when there is not yet a whole header, `Err` when it is not a TLS
/// record.
fn record_len(bytes: &[u8]) -> Result<Option<usize>, ()> {
    let Ok((_, header)) = tls_parser::parse_tls_record_header(bytes) else {
        return if bytes.len() < 5 { Ok(None) } else { Err(()) };
    };
    let len = usize::from(header.len);
    if len > MAX_RECORD || !(20..=24).contains(&header.record_type.0) {
        return Err(());
    }
    Ok(Some(5 + len))
}

/// Splits a flow into records; notes what does not split (a record cut
/// off at the end only when `following` is off: then it is not the start
/// of one still to come).
fn split<'a>(
    flow: &'a Flow,
    direction: Direction,
    following: bool,
    notes: &mut Vec<Note>,
) -> (Vec<Raw<'a>>, Tail<'a>) {
    let dir = || direction.label();
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut tail = Tail::Clean;
    while at < flow.bytes.len() {
        let Some(rest) = flow.bytes.get(at..) else {
            break;
        };
        let len = match record_len(rest) {
            Ok(Some(len)) => len,
            Ok(None) => {
                tail = Tail::Cut(rest);
                if !following {
                    notes.push(
                        crate::msg!("wire-note-cut-header", dir = dir(), count = rest.len()).into(),
                    );
                }
                break;
            }
            Err(()) => {
                tail = Tail::Garbage;
                notes.push(crate::msg!("wire-note-not-a-record", dir = dir(), offset = at).into());
                break;
            }
        };
        let Some(bytes) = rest.get(..len) else {
            tail = Tail::Cut(rest);
            if !following {
                notes.push(
                    crate::msg!(
                        "wire-note-cut-record",
                        dir = dir(),
                        got = rest.len(),
                        len = len
                    )
                    .into(),
                );
            }
            break;
        };
        out.push(Raw {
            direction,
            time_us: flow.time_of(at),
            bytes,
        });
        at += len;
    }
    if flow.truncated {
        tail = Tail::Garbage;
        notes.push(
            crate::msg!(
                "wire-note-recording-stopped",
                dir = dir(),
                bytes = flow.bytes.len()
            )
            .into(),
        );
    }
    (out, tail)
}

/// The state of one direction while walking the records.
#[derive(Debug, Default)]
struct Side {
    /// Opens its encrypted records: TLS 1.3's handshake records, then
    /// (after its Finished) its application records; TLS 1.2's records
    /// after its ChangeCipherSpec.
    opener: Option<Keys>,
    /// Its Finished was seen: later records use application keys.
    finished: bool,
    /// It sent ChangeCipherSpec (TLS 1.2: what follows is encrypted).
    changed_cipher: bool,
    /// How many records went this way.
    records: u64,
    /// The start of a handshake message that goes on in its next record.
    carry: Vec<u8>,
}

/// What the walk knows so far.
#[derive(Debug, Default)]
struct Walk {
    version: Option<TlsVersion>,
    suite: Option<u16>,
    client: Side,
    server: Side,
    /// The secrets the records are opened with.
    secrets: ConnectionSecrets,
    /// The ClientHello's random (TLS 1.2's key block needs it).
    client_random: Option<[u8; 32]>,
    /// The ServerHello's random.
    server_random: Option<[u8; 32]>,
    /// Handshake messages just put together from several records, for
    /// the step being made.
    joined: Option<Vec<u8>>,
}

impl Walk {
    fn side(&mut self, d: Direction) -> &mut Side {
        match d {
            Direction::ToHost => &mut self.client,
            Direction::ToMember => &mut self.server,
        }
    }
}

/// Decodes a recorded handshake. `client_side` says whether we were the
/// TLS client (the tape's `sent` went to the host); `secrets`, when
/// given, open TLS 1.3's encrypted handshake records.
#[must_use]
pub fn decode(tape: &Tape, client_side: bool, secrets: Option<&HandshakeSecrets>) -> Handshake {
    let secrets = secrets.map(|s| ConnectionSecrets {
        handshake: s.clone(),
        ..ConnectionSecrets::default()
    });
    decode_with(tape, client_side, secrets.as_ref())
}

/// Decodes a recording with all the secrets given (TLS 1.3's handshake
/// and application traffic secrets, TLS 1.2's master secret): also the
/// records after the handshake that it holds, and TLS 1.2's Finished.
#[must_use]
pub fn decode_with(
    tape: &Tape,
    client_side: bool,
    secrets: Option<&ConnectionSecrets>,
) -> Handshake {
    walk_tape(tape, client_side, secrets, false).0
}

/// What a walk over a tape leaves to be followed: its state, and the
/// start of a record cut off at the end of each direction (`None` when a
/// direction cannot be followed).
struct Left {
    walk: Walk,
    to_host: Option<Vec<u8>>,
    to_member: Option<Vec<u8>>,
}

fn walk_tape(
    tape: &Tape,
    client_side: bool,
    secrets: Option<&ConnectionSecrets>,
    following: bool,
) -> (Handshake, Left) {
    let mut notes = Vec::new();
    let (to_host, to_member) = if client_side {
        (&tape.sent, &tape.received)
    } else {
        (&tape.received, &tape.sent)
    };
    let (mut raws, host_tail) = split(to_host, Direction::ToHost, following, &mut notes);
    let (more, member_tail) = split(to_member, Direction::ToMember, following, &mut notes);
    raws.extend(more);
    // In time order; a stable sort keeps each direction's own order.
    raws.sort_by_key(|r| r.time_us);
    let mut walk = Walk {
        secrets: secrets.cloned().unwrap_or_default(),
        ..Walk::default()
    };
    let mut steps = Vec::with_capacity(raws.len().min(MAX_STEPS));
    let mut not_shown = 0usize;
    for raw in raws {
        // Every record is walked (it may change the keys); the first
        // MAX_STEPS are kept.
        let decoded = step(&mut walk, &raw);
        if steps.len() < MAX_STEPS {
            steps.push(decoded);
        } else {
            not_shown = not_shown.saturating_add(1);
        }
    }
    if not_shown > 0 {
        notes.push(crate::msg!("wire-note-more-records", count = not_shown).into());
    }
    if walk.version == Some(TlsVersion::Tls13) && secrets.is_none() {
        notes.push(crate::msg!("wire-note-no-secrets").into());
    }
    let tail = |t: Tail<'_>| match t {
        Tail::Clean => Some(Vec::new()),
        Tail::Cut(b) => Some(b.to_vec()),
        Tail::Garbage => None,
    };
    let left = Left {
        walk,
        to_host: tail(host_tail),
        to_member: tail(member_tail),
    };
    let handshake = Handshake {
        version: left.walk.version,
        steps,
        notes,
    };
    (handshake, left)
}

fn content_type_name(t: u8) -> &'static str {
    match t {
        20 => "ChangeCipherSpec",
        21 => "Alert",
        22 => "Handshake",
        23 => "ApplicationData",
        24 => "Heartbeat",
        _ => "unknown",
    }
}

/// A version code point by name.
pub(crate) fn version_name(v: u16) -> String {
    match v {
        0x0301 => "TLS 1.0 (0x0301)".into(),
        0x0302 => "TLS 1.1 (0x0302)".into(),
        0x0303 => "TLS 1.2 (0x0303)".into(),
        0x0304 => "TLS 1.3 (0x0304)".into(),
        v if v & 0x0f0f == 0x0a0a => format!("GREASE (0x{v:04x})"),
        v => format!("0x{v:04x}"),
    }
}

fn header_field(raw: &Raw<'_>) -> Field {
    let b = raw.bytes;
    let t = b.first().copied().unwrap_or(0);
    let v = u16::from_be_bytes([
        b.get(1).copied().unwrap_or(0),
        b.get(2).copied().unwrap_or(0),
    ]);
    let len = b.len().saturating_sub(5);
    let span = |start, len| {
        Some(Span {
            layer: Layer::Record,
            start,
            len,
        })
    };
    Field::new(
        "record header",
        crate::msg!(
            "wire-value-record",
            kind = content_type_name(t),
            count = len
        ),
        span(0, 5),
    )
    .with_children(vec![
        Field::new(
            "content type",
            format!("{} ({t})", content_type_name(t)),
            span(0, 1),
        ),
        Field::new("legacy version", version_name(v), span(1, 2)),
        Field::new("length", len.to_string(), span(3, 2)),
    ])
}

/// One record as a step of the walk: its header, and what its body says.
fn step(walk: &mut Walk, raw: &Raw<'_>) -> Step {
    let payload = raw.bytes.get(5..).unwrap_or(&[]);
    let side = walk.side(raw.direction);
    let index = side.records;
    side.records = side.records.saturating_add(1);
    let body = match raw.bytes.first().copied().unwrap_or(0) {
        22 => handshake_record(walk, raw, payload),
        20 => change_cipher_spec(walk, raw.direction, payload),
        21 => alert_record(walk, raw, payload),
        23 => application_data(walk, raw, payload),
        t => Body::titled(content_type_name(t)),
    };
    let title = body.title.split();
    Step {
        direction: raw.direction,
        index,
        seq: body.seq,
        time_us: raw.time_us,
        record: raw.bytes.to_vec(),
        plain: body.plain,
        joined: walk.joined.take(),
        title: title.0,
        title_words: title.1,
        header: header_field(raw),
        messages: body.messages,
    }
}

/// What a record's body says.
struct Body {
    /// The step's title.
    title: Value,
    /// The messages (or the one field) it holds.
    messages: Vec<Field>,
    /// Its plaintext, when it was an encrypted record we opened.
    plain: Option<Vec<u8>>,
    /// The sequence number it was opened with.
    seq: Option<u64>,
}

impl Body {
    /// A body with a title and nothing else to show.
    fn titled(title: impl Into<Value>) -> Self {
        Self {
            title: title.into(),
            messages: Vec::new(),
            plain: None,
            seq: None,
        }
    }

    /// A body shown as one field.
    fn one(title: impl Into<Value>, field: Field) -> Self {
        Self {
            messages: vec![field],
            ..Self::titled(title)
        }
    }
}

/// Where a record's payload lies in it (after the 5-byte header).
fn payload_span(payload: &[u8]) -> Option<Span> {
    Some(Span {
        layer: Layer::Record,
        start: 5,
        len: payload.len(),
    })
}

/// A handshake record: its messages, or TLS 1.2's encrypted Finished
/// (opened when we have the master secret).
fn handshake_record(walk: &mut Walk, raw: &Raw<'_>, payload: &[u8]) -> Body {
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    if walk.side(raw.direction).changed_cipher && !tls13 {
        if let Some(opened) = open(walk, raw) {
            return opened_body(walk, raw, &opened);
        }
        walk.side(raw.direction).finished = true;
        return Body::one(
            crate::msg!("wire-title-tls12-finished-closed"),
            Field::new(
                "Finished (encrypted)",
                crate::msg!("wire-value-bytes", count = payload.len()),
                payload_span(payload),
            )
            .with_note(crate::msg!("wire-note-tls12-finished-closed")),
        );
    }
    let messages = messages::parse_all(walk, raw.direction, payload, 5, Layer::Record);
    let title = format!("Handshake: {}", names(&messages));
    Body {
        messages,
        ..Body::titled(title)
    }
}

/// A ChangeCipherSpec record: what it means in this version. In TLS 1.2
/// the sender's records are encrypted from here on: its keys are made
/// from the master secret, if we have it.
fn change_cipher_spec(walk: &mut Walk, direction: Direction, payload: &[u8]) -> Body {
    walk.side(direction).changed_cipher = true;
    let note = if walk.version == Some(TlsVersion::Tls13) {
        crate::msg!("wire-note-ccs-tls13")
    } else {
        walk.side(direction).opener = tls12_keys(walk, direction);
        crate::msg!("wire-note-ccs-tls12")
    };
    Body::one(
        "ChangeCipherSpec",
        Field::new("ChangeCipherSpec", "1", payload_span(payload)).with_note(note),
    )
}

/// TLS 1.2: the keys of `direction`'s sender, from the master secret and
/// both randoms.
fn tls12_keys(walk: &Walk, direction: Direction) -> Option<Keys> {
    let suite = Suite12::of(walk.suite?)?;
    let writer = match direction {
        Direction::ToHost => Writer::Client,
        Direction::ToMember => Writer::Server,
    };
    Opener12::new(
        suite,
        &walk.secrets.master,
        &walk.client_random?,
        &walk.server_random?,
        writer,
    )
    .map(Keys::Tls12)
}

/// An alert in `bytes` (a record's payload, or its decrypted content),
/// whose span is `span`.
fn alert_field(bytes: &[u8], span: Option<Span>) -> Field {
    let level = bytes.first().copied().unwrap_or(0);
    let desc = bytes.get(1).copied().unwrap_or(0);
    Field::new(
        "Alert",
        crate::msg!(
            "wire-value-alert",
            level = level,
            description = format!("{:?}", rustls::AlertDescription::from(desc))
        ),
        span,
    )
}

/// An alert record: its level and description, read from the record in
/// the clear, or (TLS 1.2, after its sender's ChangeCipherSpec) opened
/// first: an encrypted alert's bytes say nothing until they are.
fn alert_record(walk: &mut Walk, raw: &Raw<'_>, payload: &[u8]) -> Body {
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    if !walk.side(raw.direction).changed_cipher || tls13 {
        return Body::one("Alert", alert_field(payload, payload_span(payload)));
    }
    if let Some(opened) = open(walk, raw) {
        return opened_body(walk, raw, &opened);
    }
    Body::one(
        crate::msg!("wire-title-sealed-alert"),
        Field::new(
            "encrypted record",
            crate::msg!("wire-value-bytes", count = payload.len()),
            payload_span(payload),
        ),
    )
}

/// Opens the record with its sender's keys, if we have them.
fn open(walk: &mut Walk, raw: &Raw<'_>) -> Option<decrypt::Opened> {
    walk.side(raw.direction)
        .opener
        .as_mut()
        .and_then(|o| o.open(raw.bytes))
}

/// An encrypted record: opened when we have its keys, shown as it went
/// otherwise.
fn application_data(walk: &mut Walk, raw: &Raw<'_>, payload: &[u8]) -> Body {
    if let Some(opened) = open(walk, raw) {
        return opened_body(walk, raw, &opened);
    }
    if walk.version == Some(TlsVersion::Tls12) && !walk.side(raw.direction).changed_cipher {
        // TLS 1.2 has no keys in use before ChangeCipherSpec: whatever
        // this is, it went in the clear.
        return Body::one(
            crate::msg!("wire-title-appdata-clear"),
            Field::new(
                "application data",
                crate::msg!("wire-value-bytes", count = payload.len()),
                payload_span(payload),
            )
            .with_note(crate::msg!("wire-note-appdata-clear")),
        );
    }
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    let title = if walk.side(raw.direction).finished || !tls13 {
        crate::msg!("wire-title-sealed")
    } else {
        crate::msg!("wire-title-sealed-handshake")
    };
    Body::one(
        title,
        Field::new(
            "encrypted record",
            crate::msg!("wire-value-bytes", count = payload.len()),
            payload_span(payload),
        ),
    )
}

/// The most characters of a record's decrypted data in its title.
const TITLE_PREVIEW: usize = 96;

/// An opened record: how it was encrypted, then what it carried.
fn opened_body(walk: &mut Walk, raw: &Raw<'_>, o: &decrypt::Opened) -> Body {
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    let outer = content_type_name(raw.bytes.first().copied().unwrap_or(0));
    let encryption = protection::field(raw.bytes, o, tls13, walk.side(raw.direction).finished);
    let content = &o.content;
    let plain_span = Some(Span {
        layer: Layer::Plain,
        start: 0,
        len: content.len(),
    });
    let opened = |what: String| crate::msg!("wire-title-opened", outer = outer, what = what);
    let (title, mut messages) = match o.content_type {
        22 => {
            let messages = messages::parse_all(walk, raw.direction, content, 0, Layer::Plain);
            (opened(format!("Handshake: {}", names(&messages))), messages)
        }
        21 => (
            opened("Alert".into()),
            vec![alert_field(content, plain_span)],
        ),
        23 => {
            let (field, preview) = protection::data_field(content, plain_span, TITLE_PREVIEW);
            let title = crate::msg!(
                "wire-title-opened-data",
                outer = outer,
                seq = o.seq,
                preview = preview
            );
            (title, vec![field])
        }
        t => (opened(content_type_name(t).into()), Vec::new()),
    };
    messages.insert(0, encryption);
    Body {
        title: title.into(),
        messages,
        plain: Some(o.inner(tls13)),
        seq: Some(o.seq),
    }
}

fn names(messages: &[Field]) -> String {
    messages
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// After ServerHello: TLS 1.3's handshake keys for both directions, if
/// we have the secrets and know the suite.
fn start_decrypting(walk: &mut Walk) {
    let Some(suite) = walk.suite.and_then(Suite::tls13) else {
        return;
    };
    let hs = &walk.secrets.handshake;
    let (client, server) = (
        Opener::new(suite, &hs.client),
        Opener::new(suite, &hs.server),
    );
    walk.client.opener = client.map(Keys::Tls13);
    walk.server.opener = server.map(Keys::Tls13);
}

/// A Finished from `direction`'s sender: in TLS 1.3 its later records use
/// its first application traffic secret (if we have it).
fn finished(walk: &mut Walk, direction: Direction) {
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    let app = &walk.secrets.application;
    let secret = match direction {
        Direction::ToHost => &app.client,
        Direction::ToMember => &app.server,
    };
    let keys = walk
        .suite
        .and_then(Suite::tls13)
        .and_then(|suite| Opener::new(suite, secret))
        .map(Keys::Tls13);
    let side = walk.side(direction);
    side.finished = true;
    if tls13 {
        side.opener = keys;
    }
    // Both sides have their application keys: the secrets they came from
    // are not needed any more (nor kept).
    if walk.client.finished && walk.server.finished {
        walk.secrets = ConnectionSecrets::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::recorder::Flow;

    /// A recording in which the host sent `bytes` (all at once).
    fn from_host(bytes: Vec<u8>) -> Tape {
        Tape {
            received: Flow {
                bytes,
                marks: vec![(0, 0)],
                truncated: false,
            },
            ..Tape::default()
        }
    }

    /// One TLS record of `content_type` around `body`.
    fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len()).unwrap().to_be_bytes();
        let mut r = vec![content_type, 3, 3, len[0], len[1]];
        r.extend_from_slice(body);
        r
    }

    #[test]
    fn a_record_of_thousands_of_messages_keeps_a_bounded_few_and_still_walks_the_rest() {
        // 100 empty messages, then a ServerHello choosing TLS 1.3.
        let mut body: Vec<u8> = [0x63, 0, 0, 0].repeat(100);
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[1; 32]);
        hello.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
        body.extend_from_slice(&[2, 0, 0, u8::try_from(hello.len()).unwrap()]);
        body.extend_from_slice(&hello);
        let h = decode(&from_host(record(22, &body)), true, None);
        let messages = &h.steps[0].messages;
        assert_eq!(messages.len(), messages::MAX_MESSAGES + 1);
        let more = messages.last().unwrap();
        assert_eq!(more.name, "more messages");
        assert_eq!(more.value, "37 more messages, not shown one by one");
        assert_eq!(
            h.version,
            Some(TlsVersion::Tls13),
            "the ServerHello past the bound was still walked"
        );
    }

    /// TLS 1.3 numbers records from 0 under each key: the window shows a
    /// #0 again after the handshake and after each KeyUpdate, and its note
    /// says why, in both languages.
    #[test]
    fn the_sequence_number_note_says_it_starts_again_with_each_key() {
        let note = crate::msg!("wire-note-seq");
        for (lang, words) in [
            (crate::i18n::Lang::En, "again at 0 with each new key"),
            (crate::i18n::Lang::ZhCn, "重新开始"),
        ] {
            let text = note.text_in(lang);
            assert!(text.contains(words) && text.contains("KeyUpdate"), "{text}");
        }
    }

    /// A handshake message of `len` bytes, cut after its header into
    /// records of `piece` bytes, as the host sends it.
    fn cut_message(len: usize, piece: usize) -> Tape {
        let size = u16::try_from(len).unwrap().to_be_bytes();
        let mut bytes = record(22, &[0x63, 0, size[0], size[1]]);
        let body = vec![0xa5u8; len];
        for chunk in body.chunks(piece) {
            bytes.extend(record(22, chunk));
        }
        from_host(bytes)
    }

    #[test]
    fn a_message_cut_in_many_records_is_put_together_once() {
        let h = decode(&cut_message(300, 1), true, None);
        assert_eq!(h.steps.len(), 301);
        let joined: usize = h
            .steps
            .iter()
            .filter_map(|s| s.joined.as_ref())
            .map(Vec::len)
            .sum();
        assert_eq!(joined, 304, "only the last record keeps the message whole");
        let last = h.steps.last().unwrap();
        assert_eq!(last.messages[0].name, "handshake message type 99");
        assert_eq!(
            last.bytes(last.messages[0].span.unwrap()).map(<[u8]>::len),
            Some(304)
        );
        // A record in the middle: one byte that goes on, in the record.
        let middle = &h.steps[150].messages[0];
        assert_eq!(middle.name, "fragment");
        assert_eq!(h.steps[150].bytes(middle.span.unwrap()), Some(&[0xa5][..]));
    }

    #[test]
    fn a_recording_cut_in_thousands_of_records_keeps_a_bounded_few() {
        let h = decode(&cut_message(5000, 1), true, None);
        assert_eq!(h.steps.len(), MAX_STEPS);
        assert!(
            h.notes
                .iter()
                .any(|n| n.msg().is_some_and(|m| m.text_in(crate::i18n::Lang::En)
                    == "3977 more records were walked but are not shown")),
            "{:?}",
            h.notes
        );
    }

    /// Without the keys, an alert sent after ChangeCipherSpec is shown as
    /// the encrypted bytes it is, never as the level and description its
    /// first ciphertext bytes would spell.
    #[test]
    fn an_encrypted_alert_without_its_keys_is_not_read_from_its_ciphertext() {
        let mut bytes = record(20, &[1]);
        bytes.extend(record(21, &[2, 40, 0x11, 0x22, 0x33, 0x44]));
        let tape = from_host(bytes);
        let h = decode(&tape, true, None);
        let alert = &h.steps[1];
        assert!(
            alert.title.starts_with("Alert (encrypted"),
            "{}",
            alert.title
        );
        assert_eq!(alert.messages[0].name, "encrypted record");
        assert!(!alert.messages.iter().any(|m| m.name == "Alert"));
    }

    /// TLS 1.2 encrypts nothing before ChangeCipherSpec: application data
    /// sent there (which TLS does not allow) is never called encrypted.
    #[test]
    fn tls_1_2_application_data_before_change_cipher_spec_is_not_called_encrypted() {
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[1; 32]);
        hello.extend_from_slice(&[0, 0xc0, 0x2f, 0]);
        let mut body = vec![2, 0, 0, u8::try_from(hello.len()).unwrap()];
        body.extend_from_slice(&hello);
        let mut bytes = record(22, &body);
        bytes.extend(record(23, b"hello in the clear"));
        let tape = from_host(bytes);
        let h = decode(&tape, true, None);
        assert_eq!(h.version, Some(TlsVersion::Tls12));
        let data = &h.steps[1];
        assert_eq!(
            data.title,
            "ApplicationData before ChangeCipherSpec (not encrypted)"
        );
        assert_eq!(data.messages[0].name, "application data");
    }
}
