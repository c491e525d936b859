//! The handshake on the wire: the recorded bytes (see
//! [`crate::net::recorder`]) split into TLS records, TLS 1.3's encrypted
//! handshake records opened with the connection's own handshake secrets
//! ([`decrypt`]), and every message parsed with `tls-parser` into a plain
//! tree of fields, each with the bytes it came from. The window and the
//! headless mode render the same tree ([`render`]).
//!
//! Everything here comes from the peer and is hostile: sizes are bounded
//! by the recording, every slice is taken with a check, nothing panics,
//! and every string from the peer is made visible with
//! [`crate::net::safe_text`].

pub mod decrypt;
mod messages;
pub mod render;

use crate::net::event::TlsVersion;
use crate::net::keylog::HandshakeSecrets;
use crate::net::recorder::{Flow, Tape};
use decrypt::{Opener, Suite};

/// Which way a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the member (TLS client) to the host (TLS server).
    ToHost,
    /// From the host to the member.
    ToMember,
}

impl Direction {
    /// `member → host` or `host → member`.
    #[must_use]
    pub fn arrow(self) -> &'static str {
        match self {
            Self::ToHost => "member → host",
            Self::ToMember => "host → member",
        }
    }
}

/// Which bytes of a [`Step`] a [`Span`] points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The record as it went over the wire.
    Record,
    /// The decrypted content of an encrypted record.
    Plain,
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

/// One field of a record or message, with its parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    /// What it is (`cipher suites`, `key_share`, `random` …).
    pub name: String,
    /// Its value as text (made visible where it came from the peer).
    pub value: String,
    /// Where its bytes are, when known.
    pub span: Option<Span>,
    /// What it means, in plain language (may be empty).
    pub note: String,
    /// Its parts.
    pub children: Vec<Field>,
}

impl Field {
    fn new(name: impl Into<String>, value: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            span,
            note: String::new(),
            children: Vec::new(),
        }
    }

    fn with_note(mut self, note: impl Into<String>) -> Self {
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
}

/// One record as it went, with the messages in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which way.
    pub direction: Direction,
    /// When, in microseconds from the start of the connection.
    pub time_us: u64,
    /// The record as it went over the wire, header included.
    pub record: Vec<u8>,
    /// The decrypted content, for an encrypted handshake record we opened.
    pub plain: Option<Vec<u8>>,
    /// One line: what this record is.
    pub title: String,
    /// The record header (content type, version, length).
    pub header: Field,
    /// The messages in it (handshake messages, an alert …), in order.
    pub messages: Vec<Field>,
}

impl Step {
    /// The bytes a span points to, if it points inside this step.
    #[must_use]
    pub fn bytes(&self, span: Span) -> Option<&[u8]> {
        let bytes = match span.layer {
            Layer::Record => &self.record[..],
            Layer::Plain => self.plain.as_deref()?,
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
    pub notes: Vec<String>,
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

/// A record found in a flow.
struct Raw<'a> {
    direction: Direction,
    time_us: u64,
    bytes: &'a [u8],
}

/// Splits a flow into records; notes what does not split.
fn split<'a>(flow: &'a Flow, direction: Direction, notes: &mut Vec<String>) -> Vec<Raw<'a>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < flow.bytes.len() {
        let Some(rest) = flow.bytes.get(at..) else {
            break;
        };
        let Ok((_, header)) = tls_parser::parse_tls_record_header(rest) else {
            notes.push(format!(
                "{}: {} bytes at the end are not a whole record header",
                direction.arrow(),
                rest.len()
            ));
            break;
        };
        let len = usize::from(header.len);
        if len > MAX_RECORD || !(20..=24).contains(&header.record_type.0) {
            notes.push(format!(
                "{}: the bytes at offset {at} are not a TLS record",
                direction.arrow()
            ));
            break;
        }
        let Some(bytes) = rest.get(..5 + len) else {
            notes.push(format!(
                "{}: the last record is cut off ({} of {} bytes recorded)",
                direction.arrow(),
                rest.len(),
                5 + len
            ));
            break;
        };
        out.push(Raw {
            direction,
            time_us: flow.time_of(at),
            bytes,
        });
        at += 5 + len;
    }
    if flow.truncated {
        notes.push(format!(
            "{}: the recording stopped at {} bytes",
            direction.arrow(),
            crate::net::recorder::MAX_RECORDED
        ));
    }
    out
}

/// The state of one direction while walking the records.
#[derive(Default)]
struct Side {
    /// Opens its encrypted handshake records (TLS 1.3).
    opener: Option<Opener>,
    /// Its Finished was seen: later records use application keys.
    finished: bool,
    /// It sent ChangeCipherSpec (TLS 1.2: what follows is encrypted).
    changed_cipher: bool,
}

/// What the walk knows so far.
#[derive(Default)]
struct Walk {
    version: Option<TlsVersion>,
    suite: Option<u16>,
    client: Side,
    server: Side,
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
    let mut notes = Vec::new();
    let (to_host, to_member) = if client_side {
        (&tape.sent, &tape.received)
    } else {
        (&tape.received, &tape.sent)
    };
    let mut raws = split(to_host, Direction::ToHost, &mut notes);
    raws.extend(split(to_member, Direction::ToMember, &mut notes));
    // In time order; a stable sort keeps each direction's own order.
    raws.sort_by_key(|r| r.time_us);
    let mut walk = Walk::default();
    let mut steps = Vec::with_capacity(raws.len());
    for raw in raws {
        steps.push(step(&mut walk, &raw, secrets));
    }
    if walk.version == Some(TlsVersion::Tls13) && secrets.is_none() {
        notes.push("the handshake secrets were not available: the encrypted handshake records are shown as they went".into());
    }
    Handshake {
        version: walk.version,
        steps,
        notes,
    }
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
        format!("{} record, {len} bytes", content_type_name(t)),
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
fn step(walk: &mut Walk, raw: &Raw<'_>, secrets: Option<&HandshakeSecrets>) -> Step {
    let payload = raw.bytes.get(5..).unwrap_or(&[]);
    let body = match raw.bytes.first().copied().unwrap_or(0) {
        22 => handshake_record(walk, raw, payload, secrets),
        20 => change_cipher_spec(walk, raw.direction, payload),
        21 => alert(payload),
        23 => application_data(walk, raw, payload, secrets),
        t => Body::titled(content_type_name(t)),
    };
    Step {
        direction: raw.direction,
        time_us: raw.time_us,
        record: raw.bytes.to_vec(),
        plain: body.plain,
        title: body.title,
        header: header_field(raw),
        messages: body.messages,
    }
}

/// What a record's body says.
struct Body {
    /// The step's title.
    title: String,
    /// The messages (or the one field) it holds.
    messages: Vec<Field>,
    /// Its plaintext, when it was an encrypted record we opened.
    plain: Option<Vec<u8>>,
}

impl Body {
    /// A body with a title and nothing else to show.
    fn titled(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            messages: Vec::new(),
            plain: None,
        }
    }

    /// A body shown as one field.
    fn one(title: impl Into<String>, field: Field) -> Self {
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

/// A handshake record: its messages, or TLS 1.2's encrypted Finished.
fn handshake_record(
    walk: &mut Walk,
    raw: &Raw<'_>,
    payload: &[u8],
    secrets: Option<&HandshakeSecrets>,
) -> Body {
    let tls13 = walk.version == Some(TlsVersion::Tls13);
    if walk.side(raw.direction).changed_cipher && !tls13 {
        walk.side(raw.direction).finished = true;
        return Body::one(
            "Handshake (encrypted: Finished)",
            Field::new("Finished (encrypted)", format!("{} bytes", payload.len()), payload_span(payload))
                .with_note("In TLS 1.2 the Finished message is the first one encrypted, with keys from the master secret (extended master secret: bound to the whole handshake). It proves both sides saw the same handshake. tlschat does not open TLS 1.2 records."),
        );
    }
    let messages = messages::parse_all(walk, raw.direction, payload, 5, Layer::Record, secrets);
    Body {
        title: format!("Handshake: {}", names(&messages)),
        messages,
        plain: None,
    }
}

/// A ChangeCipherSpec record: what it means in this version.
fn change_cipher_spec(walk: &mut Walk, direction: Direction, payload: &[u8]) -> Body {
    walk.side(direction).changed_cipher = true;
    let note = if walk.version == Some(TlsVersion::Tls13) {
        "A leftover that TLS 1.3 sends only so that old middleboxes let the connection through; it changes nothing."
    } else {
        "From here on, this side encrypts with the keys both sides derived from the key exchange."
    };
    Body::one(
        "ChangeCipherSpec",
        Field::new("ChangeCipherSpec", "1", payload_span(payload)).with_note(note),
    )
}

/// An alert record: its level and description.
fn alert(payload: &[u8]) -> Body {
    let level = payload.first().copied().unwrap_or(0);
    let desc = payload.get(1).copied().unwrap_or(0);
    Body::one(
        "Alert",
        Field::new(
            "Alert",
            format!("level {level}, {:?}", rustls::AlertDescription::from(desc)),
            payload_span(payload),
        ),
    )
}

/// An encrypted record: opened when it is TLS 1.3's encrypted handshake and
/// we have the keys, shown as it went otherwise.
fn application_data(
    walk: &mut Walk,
    raw: &Raw<'_>,
    payload: &[u8],
    secrets: Option<&HandshakeSecrets>,
) -> Body {
    let side = walk.side(raw.direction);
    let opened = if side.finished {
        None
    } else {
        side.opener.as_mut().and_then(|o| o.open(raw.bytes))
    };
    match opened {
        Some(o) if o.content_type == 22 => {
            let messages =
                messages::parse_all(walk, raw.direction, &o.content, 0, Layer::Plain, secrets);
            Body {
                title: format!(
                    "ApplicationData, decrypted: Handshake: {}",
                    names(&messages)
                ),
                messages,
                plain: Some(o.content),
            }
        }
        Some(o) => Body {
            plain: Some(o.content),
            ..Body::titled(format!(
                "ApplicationData, decrypted: {}",
                content_type_name(o.content_type)
            ))
        },
        None => {
            let tls13 = walk.version == Some(TlsVersion::Tls13);
            let title = if walk.side(raw.direction).finished || !tls13 {
                "ApplicationData (encrypted with the session keys: chat data or a session ticket)"
            } else {
                "ApplicationData (encrypted handshake, not opened)"
            };
            Body::one(
                title,
                Field::new(
                    "encrypted record",
                    format!("{} bytes", payload.len()),
                    payload_span(payload),
                ),
            )
        }
    }
}

fn names(messages: &[Field]) -> String {
    messages
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// After ServerHello: TLS 1.3's keys for both directions, if we have the
/// secrets and know the suite.
fn start_decrypting(walk: &mut Walk, secrets: Option<&HandshakeSecrets>) {
    let (Some(secrets), Some(suite)) = (secrets, walk.suite.and_then(Suite::tls13)) else {
        return;
    };
    walk.client.opener = Opener::new(suite, &secrets.client);
    walk.server.opener = Opener::new(suite, &secrets.server);
}
