//! The protocol layer: the two dialects a connection may speak and every
//! conversion between bytes and typed frames ([`ClientFrame`],
//! [`ServerFrame`]), with a [`Connection`] over a TLS stream that reads and
//! writes whole frames (in the spirit of mini-redis's `connection.rs`).
//!
//! - [`Dialect::Json`] (ALPN `tlschat/1`): one JSON object per line.
//! - [`Dialect::Plain`] (no ALPN: openssl s_client, ncat --ssl, Python's
//!   ssl): plain UTF-8 lines; messages as `<nick> text`, notices as `* …`.
//!
//! Every limit is in bytes and named here. What a reader accepts is at most
//! [`MAX_LINE`] bytes a line, and nothing the host encodes is larger: a
//! message whose encoding could pass that for any member is refused to its
//! sender by [`check_message`] before the room orders it.

use std::fmt::Write as _;
use std::io::IoSlice;
use std::marker::PhantomData;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadHalf, WriteHalf};

use crate::net::frame::{ClientFrame, ErrorCode, ServerFrame, WireMember};
use crate::net::lines::{Line, LineReader, ReadBuffer, sanitize};
use crate::net::safe_text::Newlines;
use crate::net::wording;

/// The largest line (or JSON frame) either side accepts, in bytes, without
/// its newline.
pub const MAX_LINE: usize = 64 * 1024;

/// The most lines one message may have.
pub const MAX_MESSAGE_LINES: usize = 100;

/// The longest message id a member may choose, in bytes.
pub const MAX_ID: usize = 64;

/// The longest nickname, in characters (and so at most four times as many
/// bytes).
pub const MAX_NICK_CHARS: usize = 32;

/// The most bytes a nickname can take once escaped for display: every
/// character could become a `\u{xxxxx}` escape.
pub const MAX_NICK_BYTES: usize = MAX_NICK_CHARS * 10;

/// A roster page (welcome, `who` answer, member-list change) is cut at
/// about this many bytes of members, well below [`MAX_LINE`].
pub const ROSTER_PAGE_BYTES: usize = 32 * 1024;

/// The most bytes a member's identity (its certificate's subject and
/// fingerprint) takes on the wire.
pub const MAX_IDENTITY_BYTES: usize = 512;

/// The longest error message the host sends, in bytes (it may quote what
/// the peer sent).
pub const MAX_ERROR_MESSAGE: usize = 512;

/// How many names a plain-text greeting spells out.
pub const PLAIN_NAMES: usize = 20;

/// How many names a plain-text `/who` answer spells out (at most ~130
/// bytes each once escaped, and 74 for a key's fingerprint: well within a
/// line).
pub const PLAIN_WHO_NAMES: usize = 200;

/// How a connection speaks, decided by ALPN once per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `tlschat/1`: JSON lines with ids, acknowledgements and rosters.
    Json,
    /// Plain text lines, for TLS tools that do not offer ALPN.
    Plain,
}

impl Dialect {
    /// The dialect a connection speaks, from its negotiated ALPN protocol.
    #[must_use]
    pub fn from_alpn(alpn: Option<&[u8]>) -> Self {
        if alpn == Some(crate::net::ALPN) {
            Self::Json
        } else {
            Self::Plain
        }
    }
}

/// What a member is told when it tries the host's `/kick`, `/ban`,
/// `/unban`, `/bans`, `/mute` or `/unmute`.
pub const NOT_ALLOWED: &str = "only the host can remove or mute members";

/// Why a line could not become a frame; the host answers with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// The stable code.
    pub code: ErrorCode,
    /// One line for people.
    pub message: String,
    /// The message id it is about, when there is one.
    pub id: Option<String>,
}

impl FrameError {
    /// An error with a code and a message.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message: String = message.into();
        Self {
            code,
            // It may quote what the peer sent: never more than a line's worth.
            message: clip(&message, MAX_ERROR_MESSAGE).to_string(),
            id: None,
        }
    }

    /// The error as the frame that tells the peer.
    #[must_use]
    pub fn frame(&self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message.clone(),
            id: self.id.clone(),
        }
    }

    fn line_too_long() -> Self {
        Self::new(
            ErrorCode::LineTooLong,
            format!("that line was longer than {MAX_LINE} bytes and was not delivered"),
        )
    }
}

/// One side of a connection: what it reads and what it writes.
pub trait Side {
    /// Frames this side reads.
    type Incoming;
    /// Frames this side writes.
    type Outgoing;
    /// One received line as a frame; `Ok(None)` for a line that carries
    /// nothing (an empty plain line).
    fn decode(line: &[u8], dialect: Dialect) -> Result<Option<Self::Incoming>, FrameError>;
    /// Appends a frame's encoding in `dialect` to `out`.
    fn encode(frame: &Self::Outgoing, dialect: Dialect, out: &mut Vec<u8>);
}

/// The host's end of a member's connection: reads [`ClientFrame`]s.
#[derive(Debug)]
pub enum HostSide {}

/// A member's end of the connection to the host: reads [`ServerFrame`]s.
#[derive(Debug)]
pub enum MemberSide {}

impl Side for HostSide {
    type Incoming = ClientFrame;
    type Outgoing = ServerFrame;

    fn decode(line: &[u8], dialect: Dialect) -> Result<Option<ClientFrame>, FrameError> {
        decode_client(line, dialect)
    }

    fn encode(frame: &ServerFrame, dialect: Dialect, out: &mut Vec<u8>) {
        encode_server(frame, dialect, out);
    }
}

impl Side for MemberSide {
    type Incoming = ServerFrame;
    type Outgoing = ClientFrame;

    fn decode(line: &[u8], dialect: Dialect) -> Result<Option<ServerFrame>, FrameError> {
        decode_server(line, dialect).map(Some)
    }

    fn encode(frame: &ClientFrame, dialect: Dialect, out: &mut Vec<u8>) {
        encode_client(frame, dialect, out);
    }
}

fn json_line<T: serde::Serialize>(value: &T, out: &mut Vec<u8>) {
    // Serializing these plain structs of strings and integers into a Vec
    // cannot fail (no maps with non-string keys, no I/O).
    let _ = serde_json::to_writer(&mut *out, value);
    out.push(b'\n');
}

/// A member's line as a frame, as the host reads it. Plain lines are
/// messages unless they start with a single `/` (a command); `//` sends a
/// literal leading slash.
pub fn decode_client(line: &[u8], dialect: Dialect) -> Result<Option<ClientFrame>, FrameError> {
    match dialect {
        Dialect::Json => {
            let frame = serde_json::from_slice::<ClientFrame>(line).map_err(|e| {
                let why = hello_problem(line)
                    .unwrap_or_else(|| format!("that line is not a tlschat/1 frame: {e}"));
                FrameError::new(ErrorCode::BadFrame, why)
            })?;
            Ok(Some(match frame {
                // A nickname longer than any valid one is cut before the room
                // spends time on it (it is refused either way); so is an
                // invitation code, as a plain member's `/invite CODE` is.
                ClientFrame::Hello {
                    nick,
                    client,
                    resume,
                    invite,
                } => ClientFrame::Hello {
                    nick: clip(&nick, 4 * MAX_NICK_CHARS + 64).to_string(),
                    client,
                    resume,
                    invite: invite.map(|c| clip(&c, MAX_ID).to_string()),
                },
                ClientFrame::Nick { nick } => ClientFrame::Nick {
                    nick: clip(&nick, 4 * MAX_NICK_CHARS + 64).to_string(),
                },
                ClientFrame::Msg { id, text } => {
                    let id = id.map(|id| safe(id, Newlines::Escape));
                    if id.as_ref().is_some_and(|id| id.len() > MAX_ID) {
                        return Err(FrameError::new(
                            ErrorCode::BadId,
                            format!("message ids are at most {MAX_ID} bytes"),
                        ));
                    }
                    ClientFrame::Msg {
                        text: safe(text, Newlines::Keep),
                        id,
                    }
                }
                other => other,
            }))
        }
        Dialect::Plain => {
            // A nickname is judged as typed (the room refuses invisible or
            // control characters in it, and says which), not after they
            // were made visible.
            let raw = String::from_utf8_lossy(line);
            if let Some(nick) = raw.strip_prefix("/nick ") {
                return Ok(Some(ClientFrame::Nick {
                    nick: clip(nick, 4 * MAX_NICK_CHARS + 64).to_string(),
                }));
            }
            let text = sanitize(line, Newlines::Escape);
            if let Some(command) = text.strip_prefix('/').filter(|c| !c.starts_with('/')) {
                // A tab ends the name too: tabs are kept by the pass above
                // (message bodies may hold them), and the name is quoted
                // back in a one-line error that must hold no control
                // character.
                let (name, arg) = command.split_once([' ', '\t']).unwrap_or((command, ""));
                return match name {
                    "nick" => Ok(Some(ClientFrame::Nick {
                        nick: arg.to_string(),
                    })),
                    "who" | "names" => Ok(Some(ClientFrame::Who { after: None })),
                    // An invite-only room's code, typed as the first line
                    // by a member with no hello to carry it.
                    "invite" => Ok(Some(ClientFrame::Hello {
                        nick: String::new(),
                        client: None,
                        resume: None,
                        invite: Some(clip(arg.trim(), MAX_ID).to_string()),
                    })),
                    // The host's, not a member's.
                    "kick" | "ban" | "unban" | "bans" | "mute" | "unmute" => {
                        Err(FrameError::new(ErrorCode::NotAllowed, NOT_ALLOWED))
                    }
                    _ => Err(FrameError::new(
                        ErrorCode::UnknownCommand,
                        format!(
                            "unknown command /{}: try /nick NAME or /who (start a message with // to send a leading /)",
                            clip(name, MAX_NICK_BYTES)
                        ),
                    )),
                };
            }
            let text = text.strip_prefix('/').map_or(text.clone(), str::to_string);
            if text.trim().is_empty() {
                return Ok(None);
            }
            Ok(Some(ClientFrame::Msg { id: None, text }))
        }
    }
}

/// What is wrong with a line that claims to be a hello (`"type":"hello"`)
/// and does not decode as one, naming the field: `None` for any other line.
fn hello_problem(line: &[u8]) -> Option<String> {
    use serde_json::Value;
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
    let Ok(Value::Object(hello)) = serde_json::from_slice::<Value>(line) else {
        return None;
    };
    if hello.get("type").and_then(Value::as_str) != Some("hello") {
        return None;
    }
    let bad = |why: String| Some(format!("that hello is not valid: {why}"));
    match hello.get("nick") {
        None => return bad("it has no nick".into()),
        Some(Value::String(_)) => {}
        Some(v) => return bad(format!("its nick must be a string, not {}", kind(v))),
    }
    match hello.get("client") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(v) => {
            return bad(format!(
                "its client token must be a string, not {}",
                kind(v)
            ));
        }
    }
    let resume = match hello.get("resume") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(resume)) => resume,
        Some(v) => {
            return bad(format!(
                "its resume must be an object {{\"room\": string, \"after\": number}}, not {}",
                kind(v)
            ));
        }
    };
    match resume.get("room") {
        None => return bad("its resume has no room".into()),
        Some(Value::String(_)) => {}
        Some(v) => return bad(format!("its resume.room must be a string, not {}", kind(v))),
    }
    match resume.get("after") {
        None => bad("its resume has no after".into()),
        Some(v) if v.as_u64().is_some() => None,
        Some(v @ Value::Number(_)) => bad(format!(
            "its resume.after must be a whole number from 0 to {}, not {}",
            u64::MAX,
            clip(&v.to_string(), 32)
        )),
        Some(v) => bad(format!(
            "its resume.after must be a number, not {}",
            kind(v)
        )),
    }
}

/// Appends a member's frame in `dialect`.
pub fn encode_client(frame: &ClientFrame, dialect: Dialect, out: &mut Vec<u8>) {
    match dialect {
        Dialect::Json => json_line(frame, out),
        Dialect::Plain => match frame {
            // A plain host knows no hello: the nickname is a /nick.
            ClientFrame::Hello { nick, .. } | ClientFrame::Nick { nick } => {
                out.extend_from_slice(format!("/nick {nick}\n").as_bytes());
            }
            ClientFrame::Msg { text, .. } => {
                for line in text.split('\n') {
                    let line = line.trim_end_matches('\r');
                    // A line that starts with / would be a command.
                    if line.starts_with('/') {
                        out.push(b'/');
                    }
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
            }
            ClientFrame::Who { .. } => out.extend_from_slice(b"/who\n"),
        },
    }
}

/// The host's line as a frame, as a member reads it. Its strings are as
/// the host sent them (invalid UTF-8 replaced): they are made safe to show
/// once, in the events the member reports ([`crate::net::safe_event`]),
/// where a decoding error that quotes the line goes too.
pub fn decode_server(line: &[u8], dialect: Dialect) -> Result<ServerFrame, FrameError> {
    match dialect {
        Dialect::Json => serde_json::from_slice::<ServerFrame>(line)
            .map(bounded)
            .map_err(|e| {
                FrameError::new(
                    ErrorCode::BadFrame,
                    format!("a frame the host sent is not understood by this version: {e}"),
                )
            }),
        Dialect::Plain => {
            let text = String::from_utf8_lossy(line).into_owned();
            if let Some(notice) = text.strip_prefix("* ") {
                return Ok(ServerFrame::Notice {
                    text: notice.to_string(),
                });
            }
            Ok(
                match text.strip_prefix('<').and_then(|t| t.split_once("> ")) {
                    Some((nick, body)) if !nick.is_empty() && !nick.contains(' ') => {
                        ServerFrame::PlainLine {
                            nick: Some(nick.to_string()),
                            text: body.to_string(),
                        }
                    }
                    _ => ServerFrame::PlainLine { nick: None, text },
                },
            )
        }
    }
}

/// Text a member sent, as the room keeps and relays it (see
/// [`decode_client`]).
fn safe(s: String, newlines: Newlines) -> String {
    crate::net::safe_text::into_visible(s, newlines)
}

/// A host's frame with what we only send back bounded: the room's
/// identity is never shown, and a resume names it again.
fn bounded(mut frame: ServerFrame) -> ServerFrame {
    if let ServerFrame::Welcome { room, .. } = &mut frame {
        let end = clip(room, MAX_ID).len();
        room.truncate(end);
    }
    frame
}

fn roster_name(m: &WireMember) -> String {
    crate::net::event::roster_label(&m.nick, m.host)
}

/// A member as a plain-text `/who` lists it: its name and, if it has a
/// key, the key's fingerprint (`ana [SHA256:…]`).
fn who_name(m: &WireMember) -> String {
    match &m.key {
        Some(key) => format!("{} [{key}]", roster_name(m)),
        None => roster_name(m),
    }
}

fn notice(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"* ");
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}

/// Appends a host's frame in `dialect`. Plain members get no
/// acknowledgements (they cannot use them) and see messages as one
/// `<nick> line` per line.
pub fn encode_server(frame: &ServerFrame, dialect: Dialect, out: &mut Vec<u8>) {
    use ServerFrame as F;
    if dialect == Dialect::Json {
        if !matches!(frame, F::PlainLine { .. }) {
            json_line(frame, out);
        }
        return;
    }
    match frame {
        F::Welcome {
            nick,
            members,
            total,
            ..
        } => {
            notice(
                out,
                &format!(
                    "welcome, you are {nick}; change it with /nick NAME, list members with /who"
                ),
            );
            let names: Vec<String> = members.iter().take(PLAIN_NAMES).map(roster_name).collect();
            notice(
                out,
                &format!(
                    "in the room: {}",
                    wording::some_names(names.iter().map(String::as_str), *total, PLAIN_NAMES)
                ),
            );
        }
        F::Roster { members, total, .. } => {
            let names: Vec<String> = members.iter().take(PLAIN_WHO_NAMES).map(who_name).collect();
            notice(
                out,
                &format!(
                    "in the room: {}",
                    wording::some_names(names.iter().map(String::as_str), *total, PLAIN_WHO_NAMES)
                ),
            );
        }
        F::Msg { nick, text, .. } => {
            for line in text.split('\n') {
                out.push(b'<');
                out.extend_from_slice(nick.as_bytes());
                out.extend_from_slice(b"> ");
                out.extend_from_slice(line.as_bytes());
                out.push(b'\n');
            }
        }
        F::Ack { .. } => {}
        F::History {
            count,
            missed,
            resumed,
        } => {
            let mut text = if *resumed {
                format!("{count} messages while you were away")
            } else {
                format!("last {count} messages")
            };
            if *missed > 0 {
                let _ = write!(text, " ({missed} more were not kept)");
            }
            notice(out, &text);
        }
        F::HistoryEnd => notice(out, "end of history"),
        F::Joined { member } => notice(out, &wording::joined(&member.nick)),
        F::Left { member, reason } => notice(out, &wording::left(&member.nick, *reason)),
        F::MembersChanged { joined, left } => notice(
            out,
            &wording::members_changed(
                joined.iter().map(|m| m.nick.as_str()),
                left.iter().map(|l| l.member.nick.as_str()),
            ),
        ),
        F::Renamed { old, new, .. } => notice(out, &wording::renamed(old, new)),
        F::Error { message, .. } => notice(out, &format!("error: {message}")),
        F::Notice { text } | F::Waiting { text } => notice(out, text),
        F::Closing { reason } => notice(out, &format!("the room is closing: {reason}")),
        F::PlainLine { nick, text } => {
            if let Some(nick) = nick {
                out.push(b'<');
                out.extend_from_slice(nick.as_bytes());
                out.extend_from_slice(b"> ");
            }
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
    }
}

/// A frame's encoding in `dialect`.
#[must_use]
pub fn encoded_server(frame: &ServerFrame, dialect: Dialect) -> Vec<u8> {
    let mut out = Vec::new();
    encode_server(frame, dialect, &mut out);
    out
}

/// The most bytes a message or acknowledgement frame adds around its text
/// and nickname or id: field names, quotes, three 20-digit numbers.
const FRAME_OVERHEAD: usize = 160;

/// How many bytes `s` takes as a JSON string body (serde_json's escaping:
/// `"` and `\\` and the short escapes take two bytes, other controls six).
#[must_use]
pub fn json_str_len(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum()
}

/// Whether a message (already sanitized) may be said: its line count and
/// every encoding of it that the host writes — the JSON message with the
/// longest nickname, the acknowledgement with the longest id, and the plain
/// `<nick> line` rendering (all its lines together) — fit in [`MAX_LINE`].
/// Refused messages get this error, never a silent drop by receivers.
pub fn check_message(text: &str) -> Result<(), FrameError> {
    let lines = text.split('\n').count();
    if lines > MAX_MESSAGE_LINES {
        return Err(FrameError::new(
            ErrorCode::TooManyLines,
            format!(
                "that message has {lines} lines; the limit is {MAX_MESSAGE_LINES}, so it was not delivered"
            ),
        ));
    }
    // Computed, not encoded: this runs for every message on both sides.
    let text_json = json_str_len(text);
    let json = FRAME_OVERHEAD + 4 * MAX_NICK_CHARS + text_json;
    let ack = FRAME_OVERHEAD + 2 * MAX_ID + text_json;
    let plain = text.len() + lines * (4 * MAX_NICK_CHARS + 4);
    let biggest = json.max(ack).max(plain);
    if biggest > MAX_LINE {
        return Err(FrameError::new(
            ErrorCode::MessageTooLong,
            format!(
                "that message is too long: {biggest} bytes once encoded for the room (after escaping); the limit is {MAX_LINE}, so it was not delivered"
            ),
        ));
    }
    Ok(())
}

/// Cuts `s` to at most `max` bytes on a character boundary.
#[must_use]
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads whole frames of one side from a byte stream.
#[derive(Debug)]
pub struct FrameReader<R, S> {
    lines: LineReader<ReadBuffer<R>>,
    dialect: Dialect,
    side: PhantomData<S>,
}

/// What [`FrameReader::read_frame`] gives: a frame, or why a line was not one.
pub type Read<T> = Result<T, FrameError>;

impl<R: AsyncRead + Unpin, S: Side> FrameReader<R, S> {
    /// Reads `dialect` from `reader`, at most `buffer` bytes (up to 8 KiB)
    /// at a time; the read buffer is held only while it holds bytes.
    pub fn new(reader: R, dialect: Dialect, buffer: usize) -> Self {
        Self {
            lines: LineReader::new(ReadBuffer::new(buffer, reader), MAX_LINE),
            dialect,
            side: PhantomData,
        }
    }

    /// The dialect being read.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn frame(&self, line: Line) -> Option<Read<S::Incoming>> {
        match line {
            Line::TooLong => Some(Err(FrameError::line_too_long())),
            Line::Text(bytes) => S::decode(&bytes, self.dialect).transpose(),
        }
    }

    /// The next frame (or the error a line gave), `None` at the end of the
    /// stream. Cancel-safe: it may sit in a `select!`.
    pub async fn read_frame(&mut self) -> std::io::Result<Option<Read<S::Incoming>>> {
        loop {
            let Some(line) = self.lines.next_line().await? else {
                return Ok(None);
            };
            if let Some(frame) = self.frame(line) {
                return Ok(Some(frame));
            }
        }
    }

    /// The next frame if it is already complete in the read buffer. Never
    /// reads and never waits.
    pub fn buffered_frame(&mut self) -> Option<Read<S::Incoming>> {
        loop {
            let line = self.lines.buffered_line()?;
            if let Some(frame) = self.frame(line) {
                return Some(frame);
            }
        }
    }
}

/// Writes whole frames of one side to a byte stream.
#[derive(Debug)]
pub struct FrameWriter<W, S> {
    writer: W,
    dialect: Dialect,
    buf: Vec<u8>,
    side: PhantomData<S>,
}

impl<W: AsyncWrite + Unpin, S: Side> FrameWriter<W, S> {
    /// Writes `dialect` to `writer`.
    pub fn new(writer: W, dialect: Dialect) -> Self {
        Self {
            writer,
            dialect,
            buf: Vec::new(),
            side: PhantomData,
        }
    }

    /// The dialect being written.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Encodes and writes one frame, then flushes.
    pub async fn write_frame(&mut self, frame: &S::Outgoing) -> std::io::Result<()> {
        self.buf.clear();
        S::encode(frame, self.dialect, &mut self.buf);
        let buf = std::mem::take(&mut self.buf);
        let written = self.write_encoded(&buf).await;
        self.buf = buf;
        written
    }

    /// Writes frames already encoded in this writer's dialect (the room
    /// encodes what everyone hears once per dialect), then flushes.
    pub async fn write_encoded(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes).await?;
        self.writer.flush().await
    }

    /// Writes the frames already encoded in `bufs`, in order, as if they
    /// were one buffer (TLS packs them into records alike), then flushes:
    /// the bytes the room encoded once for everyone are sent from where
    /// they are, not copied per member first. `bufs` is used up.
    pub async fn write_vectored(&mut self, mut bufs: &mut [IoSlice<'_>]) -> std::io::Result<()> {
        IoSlice::advance_slices(&mut bufs, 0);
        while !bufs.is_empty() {
            let n = self.writer.write_vectored(bufs).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut bufs, n);
        }
        self.writer.flush().await
    }

    /// Closes the stream cleanly (TLS close_notify).
    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        self.writer.shutdown().await
    }
}

/// A connection that reads and writes whole frames of one side over a
/// stream (a TLS stream in the program, anything in tests).
#[derive(Debug)]
pub struct Connection<T, S> {
    /// The reading half.
    pub reader: FrameReader<ReadHalf<T>, S>,
    /// The writing half.
    pub writer: FrameWriter<WriteHalf<T>, S>,
}

impl<T: AsyncRead + AsyncWrite, S: Side> Connection<T, S> {
    /// A connection speaking `dialect` over `stream`, reading at most
    /// `buffer` bytes at a time (see [`FrameReader::new`]).
    pub fn new(stream: T, dialect: Dialect, buffer: usize) -> Self {
        let (r, w) = tokio::io::split(stream);
        Self {
            reader: FrameReader::new(r, dialect, buffer),
            writer: FrameWriter::new(w, dialect),
        }
    }

    /// The dialect spoken.
    pub fn dialect(&self) -> Dialect {
        self.reader.dialect
    }

    /// The next frame; see [`FrameReader::read_frame`].
    pub async fn read_frame(&mut self) -> std::io::Result<Option<Read<S::Incoming>>> {
        self.reader.read_frame().await
    }

    /// Writes one frame; see [`FrameWriter::write_frame`].
    pub async fn write_frame(&mut self, frame: &S::Outgoing) -> std::io::Result<()> {
        self.writer.write_frame(frame).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_become_frames() {
        let d = Dialect::Plain;
        assert_eq!(
            decode_client(b"hi there", d),
            Ok(Some(ClientFrame::Msg {
                id: None,
                text: "hi there".into()
            }))
        );
        assert_eq!(
            decode_client(b"/nick bo", d),
            Ok(Some(ClientFrame::Nick { nick: "bo".into() }))
        );
        assert_eq!(
            decode_client(b"//slash", d),
            Ok(Some(ClientFrame::Msg {
                id: None,
                text: "/slash".into()
            }))
        );
        assert_eq!(decode_client(b"   ", d), Ok(None));
        // A nickname is judged as typed, so an invisible character in it is
        // refused by the room rather than turned into a visible escape.
        assert_eq!(
            decode_client("/nick ana\u{200b}".as_bytes(), d),
            Ok(Some(ClientFrame::Nick {
                nick: "ana\u{200b}".into()
            }))
        );
        assert_eq!(
            decode_client(b"/frob", d).unwrap_err().code,
            ErrorCode::UnknownCommand
        );
        // An unknown command's name is quoted back on one line: a tab in
        // what was typed ends the name, so the error holds no control
        // character (the fuzzer found "/x\ty").
        let e = decode_client(b"/fr\tob arg", d).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownCommand);
        assert!(
            e.message.starts_with("unknown command /fr:"),
            "{}",
            e.message
        );
        assert!(!e.message.chars().any(char::is_control), "{:?}", e.message);
        // The host's commands are the host's.
        for line in [
            "/kick bo spam",
            "/ban bo",
            "/unban 3",
            "/bans",
            "/mute bo",
            "/unmute bo",
        ] {
            assert_eq!(
                decode_client(line.as_bytes(), d),
                Err(FrameError::new(ErrorCode::NotAllowed, NOT_ALLOWED)),
                "{line}"
            );
        }
        assert_eq!(
            decode_server(b"<ana> hi", d),
            Ok(ServerFrame::PlainLine {
                nick: Some("ana".into()),
                text: "hi".into()
            })
        );
        assert_eq!(
            decode_server(b"* bo joined", d),
            Ok(ServerFrame::Notice {
                text: "bo joined".into()
            })
        );
    }

    #[test]
    fn a_malformed_hello_is_answered_with_the_field_at_fault() {
        let decoded = |line: &str| decode_client(line.as_bytes(), Dialect::Json);
        for (line, needle) in [
            (
                r#"{"type":"hello","nick":"ana","resume":"x"}"#,
                "its resume must be an object {\"room\": string, \"after\": number}, not a string",
            ),
            (
                r#"{"type":"hello","nick":"ana","resume":{"room":5}}"#,
                "its resume.room must be a string, not a number",
            ),
            (
                r#"{"type":"hello","nick":"ana","resume":{"room":"r"}}"#,
                "its resume has no after",
            ),
            (
                r#"{"type":"hello","nick":"ana","resume":{"room":"r","after":-1}}"#,
                "its resume.after must be a whole number from 0 to 18446744073709551615, not -1",
            ),
            (
                r#"{"type":"hello","nick":"ana","resume":{"room":"r","after":"1"}}"#,
                "its resume.after must be a number, not a string",
            ),
            (
                r#"{"type":"hello","nick":["ana"]}"#,
                "its nick must be a string, not an array",
            ),
            (r#"{"type":"hello"}"#, "it has no nick"),
            (
                r#"{"type":"hello","nick":"a","client":7}"#,
                "its client token must be a string, not a number",
            ),
        ] {
            let e = decoded(line).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadFrame, "{line}");
            assert_eq!(
                e.message,
                format!("that hello is not valid: {needle}"),
                "{line}"
            );
        }
        // Other frames keep the decoder's own words; a good resume decodes.
        let e = decoded(r#"{"type":"msg"}"#).unwrap_err();
        assert!(
            e.message
                .starts_with("that line is not a tlschat/1 frame: "),
            "{e:?}"
        );
        assert!(decoded(r#"{"type":"hello","nick":"a","resume":{"room":"r","after":3}}"#).is_ok());
        assert!(decoded(r#"{"type":"hello","nick":"a","resume":null}"#).is_ok());
    }

    #[test]
    fn messages_that_would_pass_the_cap_are_refused() {
        assert!(check_message("hello").is_ok());
        assert!(check_message(&"x".repeat(60_000)).is_ok());
        // The newline amplification: each line would carry a <nick> prefix.
        assert_eq!(
            check_message(&"\n".repeat(5000)).unwrap_err().code,
            ErrorCode::TooManyLines
        );
        // Escaping grows a message past the cap for JSON members.
        let escaped = crate::net::lines::sanitize_str(&"\u{1}".repeat(20_000), Newlines::Keep);
        assert_eq!(
            check_message(&escaped).unwrap_err().code,
            ErrorCode::MessageTooLong
        );
        // Exactly what fits is accepted, and its encodings really fit.
        let text = "é".repeat(15_000);
        check_message(&text).unwrap();
        let msg = ServerFrame::Msg {
            seq: 1,
            from: 1,
            nick: "n".repeat(32),
            text,
            ts: 1,
            history: false,
        };
        assert!(encoded_server(&msg, Dialect::Json).len() <= MAX_LINE + 1);
    }

    #[test]
    fn what_a_peer_sent_is_never_echoed_at_length() {
        // An error that quotes a peer's input stays short.
        let e = decode_client(
            format!(r#"{{"type":"who","after":"{}"}}"#, "\\\\".repeat(30_000)).as_bytes(),
            Dialect::Json,
        )
        .unwrap_err();
        assert!(e.message.len() <= MAX_ERROR_MESSAGE, "{}", e.message.len());
        assert!(encoded_server(&e.frame(), Dialect::Json).len() < 2 * MAX_ERROR_MESSAGE);
        // A huge nickname is cut before the room looks at it.
        let nick = "\u{fdfa}".repeat(20_000);
        let line = format!(r#"{{"type":"nick","nick":"{nick}"}}"#);
        let Ok(Some(ClientFrame::Nick { nick })) = decode_client(line.as_bytes(), Dialect::Json)
        else {
            panic!("not a nick frame");
        };
        assert!(nick.len() <= 4 * MAX_NICK_CHARS + 64);
        assert!(crate::net::nick::normalize(&nick).is_err());
        // So is a huge invitation code, in a hello and typed as `/invite`.
        let code = "f".repeat(30_000);
        let hello = format!(r#"{{"type":"hello","nick":"ana","invite":"{code}"}}"#);
        for (line, dialect) in [
            (hello, Dialect::Json),
            (format!("/invite {code}"), Dialect::Plain),
        ] {
            let Ok(Some(ClientFrame::Hello {
                invite: Some(invite),
                ..
            })) = decode_client(line.as_bytes(), dialect)
            else {
                panic!("not a hello with a code");
            };
            assert_eq!(invite.len(), MAX_ID, "{dialect:?}");
        }
    }

    #[test]
    fn json_lengths_are_computed_exactly() {
        for s in [
            "",
            "plain",
            "q\"b\\s\n\t\r",
            "\u{1}\u{1f}\u{8}\u{c}",
            "你好 \u{10ffff} \u{7f}",
        ] {
            let encoded = serde_json::to_string(s).unwrap();
            assert_eq!(json_str_len(s) + 2, encoded.len(), "{s:?} -> {encoded}");
        }
        // The frames around a text stay within the overhead counted.
        let msg = ServerFrame::Msg {
            seq: u64::MAX,
            from: u64::MAX,
            nick: String::new(),
            text: String::new(),
            ts: u64::MAX,
            history: true,
        };
        assert!(encoded_server(&msg, Dialect::Json).len() <= FRAME_OVERHEAD);
        let ack = ServerFrame::Ack {
            id: Some(String::new()),
            seq: u64::MAX,
            ts: u64::MAX,
            history: true,
            text: String::new(),
        };
        assert!(encoded_server(&ack, Dialect::Json).len() <= FRAME_OVERHEAD);
    }

    #[test]
    fn plain_encodings_of_rosters_are_bounded() {
        let members: Vec<WireMember> = (0..5000)
            .map(|id| WireMember {
                id,
                nick: "x".repeat(32),
                host: id == 0,
                plain: false,
                identity: None,
                key: Some(crate::net::certinfo::fingerprint(&[0xab; 32])),
            })
            .collect();
        let frame = ServerFrame::Roster {
            members,
            total: 5000,
            next: None,
        };
        let plain = encoded_server(&frame, Dialect::Plain);
        // 200 names of 32 bytes, each with its key's fingerprint.
        assert!(plain.len() < 200 * (32 + 74 + 2) + 100, "{}", plain.len());
        assert!(plain.len() < MAX_LINE);
        let plain = String::from_utf8(plain).unwrap();
        assert!(plain.contains("and 4800 others"));
        assert!(plain.contains(&format!(
            "{} [{}]",
            "x".repeat(32),
            crate::net::certinfo::fingerprint(&[0xab; 32])
        )));
    }
}
