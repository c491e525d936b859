//! Property tests (a fuzzer that runs in CI) for everything that parses bytes
//! from the network: the line framing, the text hygiene and the JSON frames.
//! Longer runs: `PROPTEST_CASES=200000 cargo test --release --test fuzz_framing`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tlschat::net::frame::{ClientFrame, ServerFrame};
use tlschat::net::lines::{Line, LineReader, sanitize};

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
        let once = sanitize(&input, false);
        prop_assert!(!once.chars().any(|c| c.is_control() && c != '\t'));
        prop_assert!(!once.contains('\u{202e}'), "a bidi override survived");
        prop_assert_eq!(sanitize(once.as_bytes(), false), once);
        let kept = sanitize(&input, true);
        prop_assert!(!kept.chars().any(|c| c.is_control() && c != '\t' && c != '\n'));
    }

    #[test]
    fn frame_parsing_never_panics_on_garbage(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = serde_json::from_slice::<ClientFrame>(&input);
        let _ = serde_json::from_slice::<ServerFrame>(&input);
    }

    #[test]
    fn frames_survive_any_text_as_one_line(text in "\\PC*", id in "[a-z0-9]{0,64}", nick in "\\PC{1,32}") {
        let msg = ClientFrame::Msg { id, text };
        let line = msg.to_line();
        prop_assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        prop_assert_eq!(serde_json::from_slice::<ClientFrame>(&line).unwrap(), msg);
        let hello = ClientFrame::Hello { nick };
        prop_assert_eq!(serde_json::from_slice::<ClientFrame>(&hello.to_line()).unwrap(), hello);
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
