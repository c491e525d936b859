//! Property tests (a fuzzer that runs in CI) for everything that parses bytes
//! from the network: the line framing, the text hygiene and the JSON frames.
//! Longer runs: `PROPTEST_CASES=200000 cargo test --release --test fuzz_framing`.

use proptest::prelude::*;
use tlschat::net::frame::{ClientFrame, ServerFrame};
use tlschat::net::lines::{Line, LineReader, sanitize};
use tlschat::net::protocol::{
    Connection, Dialect, HostSide, MAX_LINE, MemberSide, check_message, encode_client,
    encoded_server,
};
use tlschat::net::safe_text::Newlines;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

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

    #[test]
    fn frame_parsing_never_panics_on_garbage(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = serde_json::from_slice::<ClientFrame>(&input);
        let _ = serde_json::from_slice::<ServerFrame>(&input);
    }

    #[test]
    fn frames_survive_any_text_as_one_line(text in "\\PC*", id in "[a-z0-9]{0,64}", nick in "\\PC{1,32}") {
        let msg = ClientFrame::Msg { id: Some(id), text };
        let mut line = Vec::new();
        encode_client(&msg, Dialect::Json, &mut line);
        prop_assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        prop_assert_eq!(serde_json::from_slice::<ClientFrame>(&line).unwrap(), msg);
        let hello = ClientFrame::Hello { nick, client: None, resume: None };
        let mut line = Vec::new();
        encode_client(&hello, Dialect::Json, &mut line);
        prop_assert_eq!(serde_json::from_slice::<ClientFrame>(&line).unwrap(), hello);
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
            proptest::collection::vec(prop_oneof![Just('\n'), Just('\u{1}'), Just('"'), Just('\\'), Just('\u{10ffff}'), any::<char>()], 0..40_000).prop_map(|v| v.into_iter().collect::<String>()),
        ],
        nick in "\\PC{1,32}",
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
                    let shown = format!("{frame:?}");
                    assert!(!shown.contains('\u{1b}'));
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
    ] {
        assert!(
            serde_json::from_slice::<ClientFrame>(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
