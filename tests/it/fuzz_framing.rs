//! Property tests (a fuzzer that runs in CI) for everything that parses bytes
//! from the network: the line framing, the text hygiene, and tlschat's own
//! frame decoders ([`decode_client`], [`decode_server`]) and encoders in
//! both dialects. Longer runs:
//! `PROPTEST_CASES=200000 cargo test --release --test it fuzz_framing::`.

use proptest::prelude::*;
use tlschat::net::frame::{
    ClientFrame, ErrorCode, LeaveReason, LeftMember, Resume, ServerFrame, WireMember,
};
use tlschat::net::lines::{Line, LineReader, sanitize};
use tlschat::net::protocol::{
    Connection, Dialect, FrameError, HostSide, MAX_ERROR_MESSAGE, MAX_ID, MAX_LINE, MAX_NICK_CHARS,
    MemberSide, check_message, clip, decode_client, decode_server, encode_client, encoded_server,
};
use tlschat::net::safe_text::{Newlines, visible, visible_line};

/// 512 cases a property unless `PROPTEST_CASES` asks for more.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 512;
    }
    config
}

fn read_all(input: &[u8], max: usize, chunk: usize) -> Vec<Line> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let reader = tokio::io::BufReader::with_capacity(chunk.max(1), input);
        let mut lines = LineReader::new(reader, max);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            out.push(line);
        }
        out
    })
}

/// What the framing must produce: split on `\n`, drop one trailing `\r`,
/// keep a last unterminated piece, refuse pieces longer than `max`.
fn model(input: &[u8], max: usize) -> Vec<Line> {
    let mut pieces: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
        .into_iter()
        .map(|p| {
            if p.len() > max {
                Line::TooLong
            } else {
                Line::Text(p.strip_suffix(b"\r").unwrap_or(p).to_vec())
            }
        })
        .collect()
}

// ---------------------------------------------------------------------
// Frames of any shape. [`Texts`] says how their strings are drawn: any
// text (to check that decoding makes it safe) or text already safe to show
// (to check that a round trip changes nothing).

/// Any text, controls, bidi overrides and invisible characters included.
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        "\\PC{0,40}",
        proptest::collection::vec(
            prop_oneof![
                Just('\n'),
                Just('\u{1b}'),
                Just('\u{202e}'),
                Just('\u{200b}'),
                Just('"'),
                Just('\\'),
                any::<char>()
            ],
            0..40
        )
        .prop_map(|v| v.into_iter().collect::<String>()),
    ]
    .boxed()
}

/// How the strings of a frame are drawn.
#[derive(Clone, Copy, Debug)]
enum Texts {
    /// Any text at all.
    Any,
    /// Text already safe to show: what a decoder leaves as it is.
    Safe,
}

impl Texts {
    /// A one-line string (a name, a reason).
    fn line(self) -> BoxedStrategy<String> {
        match self {
            Self::Any => any_text(),
            Self::Safe => any_text()
                .prop_map(|t| visible_line(&t).into_owned())
                .boxed(),
        }
    }

    /// A message body (newlines kept).
    fn body(self) -> BoxedStrategy<String> {
        match self {
            Self::Any => any_text(),
            Self::Safe => any_text().prop_map(|t| visible(&t).into_owned()).boxed(),
        }
    }

    /// A nickname a hello may carry (the host cuts longer ones first).
    fn nick(self) -> BoxedStrategy<String> {
        self.line()
            .prop_map(|n| clip(&n, 4 * MAX_NICK_CHARS + 64).to_string())
            .boxed()
    }
}

/// A message id or room: printable ASCII, at most [`MAX_ID`] bytes.
fn id() -> impl Strategy<Value = String> {
    "[ -~]{0,64}"
}

fn member(texts: Texts) -> impl Strategy<Value = WireMember> {
    (
        any::<u64>(),
        texts.line(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(texts.line()),
        proptest::option::of(texts.line()),
    )
        .prop_map(|(id, nick, host, plain, identity, key)| WireMember {
            id,
            nick,
            host,
            plain,
            identity,
            key,
        })
}

fn members(texts: Texts) -> impl Strategy<Value = Vec<WireMember>> {
    proptest::collection::vec(member(texts), 0..4)
}

fn leave_reason() -> impl Strategy<Value = LeaveReason> {
    prop_oneof![
        Just(LeaveReason::Left),
        Just(LeaveReason::ConnectionLost),
        Just(LeaveReason::TooSlow),
        Just(LeaveReason::ProtocolError),
        Just(LeaveReason::RoomClosed),
        Just(LeaveReason::Other),
    ]
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        Just(ErrorCode::LineTooLong),
        Just(ErrorCode::BadFrame),
        Just(ErrorCode::Protocol),
        Just(ErrorCode::Nick),
        Just(ErrorCode::RateLimited),
        Just(ErrorCode::RoomFull),
        Just(ErrorCode::NotStored),
        Just(ErrorCode::Other),
    ]
}

/// A member's frame.
fn client_frame(texts: Texts) -> impl Strategy<Value = ClientFrame> {
    let resume = (id(), any::<u64>()).prop_map(|(room, after)| Resume { room, after });
    prop_oneof![
        (
            texts.nick(),
            proptest::option::of(id()),
            proptest::option::of(resume)
        )
            .prop_map(|(nick, client, resume)| ClientFrame::Hello {
                nick,
                client,
                resume,
                invite: None
            }),
        (proptest::option::of(id()), texts.body())
            .prop_map(|(id, text)| ClientFrame::Msg { id, text }),
        texts.nick().prop_map(|nick| ClientFrame::Nick { nick }),
        proptest::option::of(any::<u64>()).prop_map(|after| ClientFrame::Who { after }),
    ]
}

/// A host's frame (none of the plain-text-only kind).
fn server_frame(texts: Texts) -> impl Strategy<Value = ServerFrame> {
    let (line, body) = (texts.line(), texts.body());
    prop_oneof![
        (
            any::<u64>(),
            line.clone(),
            members(texts),
            any::<u64>(),
            proptest::option::of(any::<u64>()),
            id(),
            any::<u64>()
        )
            .prop_map(|(you, nick, members, total, next, room, seq)| {
                ServerFrame::Welcome {
                    you,
                    nick,
                    members,
                    total,
                    next,
                    room,
                    seq,
                }
            }),
        (any::<u64>(), any::<u64>(), any::<bool>()).prop_map(|(count, missed, resumed)| {
            ServerFrame::History {
                count,
                missed,
                resumed,
            }
        }),
        Just(ServerFrame::HistoryEnd),
        (
            members(texts),
            any::<u64>(),
            proptest::option::of(any::<u64>())
        )
            .prop_map(|(members, total, next)| ServerFrame::Roster {
                members,
                total,
                next
            }),
        (
            any::<u64>(),
            any::<u64>(),
            line.clone(),
            body.clone(),
            any::<u64>(),
            any::<bool>()
        )
            .prop_map(|(seq, from, nick, text, ts, history)| ServerFrame::Msg {
                seq,
                from,
                nick,
                text,
                ts,
                history
            }),
        (
            proptest::option::of(id()),
            any::<u64>(),
            any::<u64>(),
            body,
            any::<bool>()
        )
            .prop_map(|(id, seq, ts, text, history)| ServerFrame::Ack {
                id,
                seq,
                ts,
                text,
                history
            }),
        member(texts).prop_map(|member| ServerFrame::Joined { member }),
        (member(texts), leave_reason())
            .prop_map(|(member, reason)| ServerFrame::Left { member, reason }),
        (
            members(texts),
            proptest::collection::vec((member(texts), leave_reason()), 0..3)
        )
            .prop_map(|(joined, left)| ServerFrame::MembersChanged {
                joined,
                left: left
                    .into_iter()
                    .map(|(member, reason)| LeftMember { member, reason })
                    .collect(),
            }),
        (any::<u64>(), line.clone(), line.clone())
            .prop_map(|(id, old, new)| ServerFrame::Renamed { id, old, new }),
        (error_code(), line.clone(), proptest::option::of(id()))
            .prop_map(|(code, message, id)| ServerFrame::Error { code, message, id }),
        line.clone().prop_map(|text| ServerFrame::Notice { text }),
        line.prop_map(|reason| ServerFrame::Closing { reason }),
    ]
}

/// A frame's JSON line, without its newline.
fn client_line(frame: &ClientFrame) -> Vec<u8> {
    let mut line = Vec::new();
    encode_client(frame, Dialect::Json, &mut line);
    assert_eq!(line.pop(), Some(b'\n'));
    line
}

/// A frame's JSON line, without its newline.
fn server_line(frame: &ServerFrame) -> Vec<u8> {
    let mut line = encoded_server(frame, Dialect::Json);
    assert_eq!(line.pop(), Some(b'\n'));
    line
}

/// How many bytes a decoded frame takes on the wire again (the plain
/// rendering for a plain-text host's line, which JSON does not carry).
fn client_size(frame: &ClientFrame) -> usize {
    client_line(frame).len()
}

fn server_size(frame: &ServerFrame) -> usize {
    match frame {
        ServerFrame::PlainLine { .. } => encoded_server(frame, Dialect::Plain).len(),
        _ => server_line(frame).len(),
    }
}

/// A refusal that a peer can be told: a code, and one short line.
fn assert_clean_refusal(e: &FrameError) {
    assert!(!e.message.is_empty());
    assert!(e.message.len() <= MAX_ERROR_MESSAGE, "{}", e.message.len());
    assert!(!e.message.chars().any(char::is_control), "{:?}", e.message);
}

/// The strings of a member's frame that others are shown: a message and
/// its id. (Nicknames are judged as typed: the room refuses one with
/// invisible or control characters, and says which.)
fn client_strings(frame: &ClientFrame) -> Vec<&str> {
    match frame {
        ClientFrame::Msg { id, text } => id.iter().chain([text]).map(String::as_str).collect(),
        ClientFrame::Hello { .. } | ClientFrame::Nick { .. } | ClientFrame::Who { .. } => {
            Vec::new()
        }
    }
}

/// Nothing a terminal or the window would interpret (controls, bidi
/// overrides, invisible characters) in these decoded strings: each is
/// already as [`visible`] would show it.
fn assert_safe(strings: &[&str]) {
    for s in strings {
        assert_eq!(visible(s), *s, "not safe to show: {s:?}");
    }
}

/// Bytes near a frame: an encoded frame with one byte changed, or cut and
/// joined to arbitrary bytes.
fn near(line: Vec<u8>, at: usize, byte: u8, tail: Vec<u8>) -> Vec<u8> {
    let mut bytes = line;
    if bytes.is_empty() {
        return tail;
    }
    let at = at % bytes.len();
    if byte.is_multiple_of(2) {
        bytes[at] = byte;
    } else {
        bytes.truncate(at);
        bytes.extend_from_slice(&tail);
    }
    bytes
}

/// Garbage, a real frame of either side, or bytes near one.
fn wire_bytes() -> impl Strategy<Value = Vec<u8>> {
    let tail = proptest::collection::vec(any::<u8>(), 0..16);
    prop_oneof![
        client_frame(Texts::Any).prop_map(|f| client_line(&f)),
        server_frame(Texts::Any).prop_map(|f| server_line(&f)),
        proptest::collection::vec(
            prop_oneof![Just(b'{'), Just(b'"'), Just(b'\\'), any::<u8>()],
            0..400
        ),
        (
            client_frame(Texts::Any),
            any::<usize>(),
            any::<u8>(),
            tail.clone()
        )
            .prop_map(|(f, at, byte, tail)| near(client_line(&f), at, byte, tail)),
        (server_frame(Texts::Any), any::<usize>(), any::<u8>(), tail)
            .prop_map(|(f, at, byte, tail)| near(server_line(&f), at, byte, tail)),
    ]
}

fn dialect() -> impl Strategy<Value = Dialect> {
    prop_oneof![Just(Dialect::Json), Just(Dialect::Plain)]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn framing_matches_the_model_for_any_bytes_and_buffer_size(
        input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..600),
        max in 1usize..64,
        chunk in 1usize..40,
    ) {
        prop_assert_eq!(read_all(&input, max, chunk), model(&input, max));
    }

    #[test]
    fn sanitized_text_has_no_controls_and_is_stable(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let once = sanitize(&input, Newlines::Escape);
        prop_assert!(!once.chars().any(|c| c.is_control() && c != '\t'));
        prop_assert!(!once.contains('\u{202e}'), "a bidi override survived");
        prop_assert_eq!(sanitize(once.as_bytes(), Newlines::Escape), once);
        let kept = sanitize(&input, Newlines::Keep);
        prop_assert!(!kept.chars().any(|c| c.is_control() && c != '\t' && c != '\n'));
    }

    /// Any bytes, in either dialect, decode without a panic to a frame no
    /// bigger than a few times the line (escapes make text longer, never
    /// more than 5 bytes for one), or to a refusal the peer can be told;
    /// what a member said is then safe to show to the room.
    #[test]
    fn the_decoders_take_any_bytes(line in wire_bytes(), dialect in dialect()) {
        let bound = 5 * line.len() + 256;
        match decode_client(&line, dialect) {
            Ok(Some(frame)) => {
                let size = client_size(&frame);
                prop_assert!(size <= bound, "{} bytes from {}", size, line.len());
                assert_safe(&client_strings(&frame));
            }
            Ok(None) => prop_assert_eq!(dialect, Dialect::Plain),
            Err(e) => assert_clean_refusal(&e),
        }
        // A member's decoder keeps what the host sent (the one pass that
        // makes it safe to show is on the events: net/safe_event.rs).
        match decode_server(&line, dialect) {
            Ok(frame) => {
                let size = server_size(&frame);
                prop_assert!(size <= bound, "{} bytes from {}", size, line.len());
            }
            Err(e) => assert_clean_refusal(&e),
        }
    }

    /// A member's frame whose strings are safe to show comes out of the
    /// host's decoder as it went in; any frame comes out as one that then
    /// stays the same (decoding only ever makes text safe).
    #[test]
    fn client_frames_round_trip(
        safe in client_frame(Texts::Safe),
        any in client_frame(Texts::Any),
    ) {
        let line = client_line(&safe);
        prop_assert!(!line.contains(&b'\n'));
        prop_assert_eq!(decode_client(&line, Dialect::Json).unwrap(), Some(safe));
        let once = decode_client(&client_line(&any), Dialect::Json).unwrap().unwrap();
        assert_safe(&client_strings(&once));
        prop_assert_eq!(decode_client(&client_line(&once), Dialect::Json).unwrap(), Some(once));
    }

    /// A host's frame, whatever its text, comes out of a member's decoder
    /// exactly as it went in.
    #[test]
    fn server_frames_round_trip(frame in server_frame(Texts::Any)) {
        let line = server_line(&frame);
        prop_assert!(!line.contains(&b'\n'));
        prop_assert_eq!(decode_server(&line, Dialect::Json).unwrap(), frame);
    }

    /// Plain text round-trips too: a one-line message a member sends (a
    /// leading `/` included), and a host's `<nick> line` and `* notice`.
    #[test]
    fn plain_lines_round_trip(text in Texts::Safe.line(), nick in "[!-~&&[^<>]]{1,32}") {
        let mut line = Vec::new();
        let msg = ClientFrame::Msg { id: None, text: text.clone() };
        encode_client(&msg, Dialect::Plain, &mut line);
        let decoded = decode_client(line.strip_suffix(b"\n").unwrap(), Dialect::Plain).unwrap();
        if text.trim().is_empty() {
            prop_assert_eq!(decoded, None);
        } else {
            prop_assert_eq!(decoded, Some(msg));
        }
        let msg = ServerFrame::Msg {
            seq: 1, from: 2, nick: nick.clone(), text: text.clone(), ts: 3, history: false,
        };
        let line = encoded_server(&msg, Dialect::Plain);
        prop_assert_eq!(
            decode_server(line.strip_suffix(b"\n").unwrap(), Dialect::Plain).unwrap(),
            ServerFrame::PlainLine { nick: Some(nick), text: text.clone() }
        );
        let line = encoded_server(&ServerFrame::Notice { text: text.clone() }, Dialect::Plain);
        prop_assert_eq!(
            decode_server(line.strip_suffix(b"\n").unwrap(), Dialect::Plain).unwrap(),
            ServerFrame::Notice { text }
        );
    }

    /// A JSON line cut anywhere (a connection that ends mid-line hands the
    /// decoder what came) is refused as a bad frame, never misread.
    #[test]
    fn a_cut_line_is_refused(
        client in client_frame(Texts::Any),
        server in server_frame(Texts::Any),
        at in any::<usize>(),
    ) {
        let line = client_line(&client);
        let cut = &line[..at % line.len()];
        let e = decode_client(cut, Dialect::Json).unwrap_err();
        prop_assert_eq!(e.code, ErrorCode::BadFrame);
        assert_clean_refusal(&e);
        let line = server_line(&server);
        let cut = &line[..at % line.len()];
        let e = decode_server(cut, Dialect::Json).unwrap_err();
        prop_assert_eq!(e.code, ErrorCode::BadFrame);
        assert_clean_refusal(&e);
    }

    /// Any bytes a peer sends, in any dialect, come out of a `Connection`
    /// as frames or as clear errors, never a panic or a hang.
    #[test]
    fn a_connection_reads_frames_or_clear_errors_from_any_bytes(
        input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'{'), Just(b'"'), any::<u8>()], 0..2000),
        json in any::<bool>(),
    ) {
        let dialect = if json { Dialect::Json } else { Dialect::Plain };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (mut peer, ours) = tokio::io::duplex(4096);
            let mut host = Connection::<_, HostSide>::new(ours, dialect, 64);
            let writer = tokio::spawn(async move {
                use tokio::io::AsyncWriteExt as _;
                peer.write_all(&input).await.unwrap();
                peer.shutdown().await.unwrap();
                peer
            });
            let mut frames = 0;
            while let Some(frame) = host.read_frame().await.unwrap() {
                match frame {
                    Ok(ClientFrame::Msg { text, .. }) => {
                        assert!(!text.chars().any(|c| c.is_control() && c != '\t' && c != '\n'));
                    }
                    Ok(_) => {}
                    Err(e) => assert!(!e.message.is_empty()),
                }
                frames += 1;
            }
            assert!(frames <= 2001);
            drop(writer.await.unwrap());
        });
    }

    /// Whatever a member says, what the host would write for it fits in
    /// the receiver's cap, in both dialects, or it is refused.
    #[test]
    fn no_frame_the_host_writes_is_over_the_cap(
        text in prop_oneof![
            "\\PC{0,200}",
            // Long text, up to past the cap and just over the most lines
            // (often close to both): lines of one short run of characters
            // (those that grow most when escaped among them), of about
            // `bytes` in all.
            (
                prop_oneof![
                    proptest::collection::vec(prop_oneof![Just('\u{1}'), Just('"'), Just('\\'), Just('\u{10ffff}'), any::<char>()], 1..64),
                    "[a-z ]{1,16}".prop_map(|s| s.chars().collect::<Vec<_>>()),
                ],
                prop_oneof![0usize..70_000, 55_000usize..66_000],
                prop_oneof![1usize..=101, 90usize..=101],
            )
                .prop_map(|(run, bytes, lines)| {
                    let mut line = String::new();
                    for c in run.iter().cycle() {
                        if line.len() + c.len_utf8() > bytes / lines {
                            break;
                        }
                        line.push(*c);
                    }
                    vec![line; lines].join("\n")
                }),
        ],
        nick in prop_oneof!["\\PC{1,32}", "\\PC{32}"],
    ) {
        let text = tlschat::net::lines::sanitize_str(&text, Newlines::Keep);
        if check_message(&text).is_ok() {
            let msg = ServerFrame::Msg { seq: u64::MAX, from: u64::MAX, nick, text: text.clone(), ts: u64::MAX, history: true };
            for dialect in [Dialect::Json, Dialect::Plain] {
                let bytes = encoded_server(&msg, dialect);
                // All of it, not just each line: no amplification.
                prop_assert!(bytes.len() <= MAX_LINE + 1, "{} bytes in {:?}", bytes.len(), dialect);
            }
            let ack = ServerFrame::Ack { id: Some("\\".repeat(64)), seq: u64::MAX, ts: u64::MAX, text, history: true };
            prop_assert!(encoded_server(&ack, Dialect::Json).len() <= MAX_LINE + 1);
        }
    }

    /// A member's line from the host, of any shape, decodes without panic.
    #[test]
    fn member_side_decodes_any_line(input in proptest::collection::vec(any::<u8>(), 0..400), json in any::<bool>()) {
        let dialect = if json { Dialect::Json } else { Dialect::Plain };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (mut peer, ours) = tokio::io::duplex(1024);
            let mut member = Connection::<_, MemberSide>::new(ours, dialect, 64);
            use tokio::io::AsyncWriteExt as _;
            peer.write_all(&input).await.unwrap();
            peer.shutdown().await.unwrap();
            while let Some(frame) = member.read_frame().await.unwrap() {
                if let Ok(frame) = frame {
                    assert!(server_size(&frame) <= 5 * input.len() + 256);
                }
            }
        });
    }
}

#[test]
fn structured_garbage_frames_are_rejected_not_misread() {
    for bad in [
        &br#"{"type":"msg"}"#[..],
        br#"{"type":"msg","id":1,"text":"x"}"#,
        br#"{"type":"nope"}"#,
        br#"[1,2,3]"#,
        b"\xff\xfe",
        br#"{"type":"hello","nick":null}"#,
        br#"{"type":"hello","nick":"ana","resume":{"room":"r","after":-1}}"#,
    ] {
        let shown = String::from_utf8_lossy(bad);
        let e = decode_client(bad, Dialect::Json).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadFrame, "{shown}");
        assert_clean_refusal(&e);
        let e = decode_server(bad, Dialect::Json).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadFrame, "{shown}");
    }
    // An id longer than any the host keeps is refused by its own code.
    let long = format!(
        r#"{{"type":"msg","id":"{}","text":"x"}}"#,
        "i".repeat(MAX_ID + 1)
    );
    let e = decode_client(long.as_bytes(), Dialect::Json).unwrap_err();
    assert_eq!(e.code, ErrorCode::BadId);
}
