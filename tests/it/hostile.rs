//! Hostile peers, each attack as a test over real TLS on loopback: newline
//! amplification against a member that never reads (the host's memory
//! stays bounded and the room keeps delivering), a message whose escaped
//! form passes the cap (refused to its sender, seen by nobody), a room of
//! 1,500 members with 128-byte names (a newcomer gets its welcome and every
//! member, in pages), floods of handshakes and members from one address
//! (others still get in), a handshake flood from 16 addresses that fills
//! every slot and keeps it full (a member still joins, each time), a
//! ClientHello that never ends (closed in about 2 s), a second connection
//! with a member's session token (the first one is told `replaced` and
//! closed, and hears nothing more), and hundreds of members that never
//! read while one member talks with large messages (the host keeps its
//! queued output within `--max-queued-bytes`, dropping the longest
//! stalled first).

use crate::common;

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    Command, DEADLINE, Flood, Pki, PlainClient, Proc, connect_from, host, host_with, join,
    join_config, join_within,
};
use tlschat::net::frame::{ErrorCode, ServerFrame};
use tlschat::net::{HostLimits, NetEvent};

const TLSCHAT: &str = "tlschat/1";

/// A `tlschat/1` member driven by hand: hello, then raw frames.
fn json_member(addr: SocketAddr, ca: &std::path::Path, nick: &str) -> PlainClient {
    let mut c = PlainClient::connect_json(addr, ca);
    c.send(&format!(r#"{{"type":"hello","nick":"{nick}"}}"#));
    let welcome = c.line();
    assert!(welcome.contains(r#""type":"welcome""#), "{welcome}");
    // The room's history (here, none) comes before anything live.
    let history = c.line();
    assert!(history.contains(r#""type":"history""#), "{history}");
    let end = c.line();
    assert!(end.contains(r#""type":"history_end""#), "{end}");
    c
}

/// A `tlschat/1` member that says hello with a client token.
fn json_member_with_token(
    addr: SocketAddr,
    ca: &std::path::Path,
    nick: &str,
    token: &str,
) -> PlainClient {
    let mut c = PlainClient::connect_json(addr, ca);
    c.send(&format!(
        r#"{{"type":"hello","nick":"{nick}","client":"{token}"}}"#
    ));
    c.until(|l| l.contains(r#""type":"history_end""#));
    c
}

/// Every line until the host closes the connection (panics after
/// [`DEADLINE`]).
fn lines_until_closed(c: &mut PlainClient) -> Vec<String> {
    use std::io::BufRead as _;
    let mut lines = Vec::new();
    loop {
        let mut buf = Vec::new();
        match c.reader.read_until(b'\n', &mut buf) {
            Ok(0) => return lines,
            Ok(_) => lines.push(String::from_utf8_lossy(&buf).trim_end().to_string()),
            // A close without close_notify ends it too.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return lines,
            Err(e) => panic!("reading until the host closed: {e}; read {lines:?}"),
        }
    }
}

#[test]
fn a_replaced_connection_is_told_closed_and_hears_nothing_more() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut h, addr) = host(&cert, "hana");
    let mut first = json_member_with_token(addr, &pki.ca_pem, "zed", "the-token");
    let mut bo = PlainClient::connect(addr, &pki.ca_pem);
    bo.until(|l| l.starts_with("* in the room"));
    // The same token again, from a second connection, which closes at once.
    let second = json_member_with_token(addr, &pki.ca_pem, "zed", "the-token");
    second.close();
    bo.send("a secret after the takeover");
    h.wait_message("a secret after the takeover");
    // The first connection is told why and closed; it heard nothing said
    // after the second one came.
    let started = Instant::now();
    let heard = lines_until_closed(&mut first);
    assert!(started.elapsed() < Duration::from_secs(5), "closed late");
    assert!(
        heard.iter().all(|l| !l.contains("secret")),
        "a replaced connection heard the room: {heard:?}"
    );
    let told = heard.iter().map(|l| frame(l)).any(|f| {
        matches!(
            f,
            ServerFrame::Error {
                code: ErrorCode::Replaced,
                ..
            }
        )
    });
    assert!(told, "not told it was replaced: {heard:?}");
    // And nobody hears the room but those in its member list.
    bo.send("/who");
    let who = loop {
        let l = bo.line();
        if l.starts_with("* in the room") {
            break l;
        }
    };
    assert!(who.contains("hana") && !who.contains("zed"), "{who}");
}

/// A plain member that takes its greeting, then never reads again, with
/// a small receive buffer so that the host's writes to it stall soon.
fn non_reader(rt: &tokio::runtime::Runtime, addr: SocketAddr, ca: &std::path::Path) -> PlainClient {
    let tcp = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let tcp = socket.connect(addr).await.unwrap();
        let tcp = tcp.into_std().unwrap();
        tcp.set_nonblocking(false).unwrap();
        tcp
    });
    let mut c = PlainClient::over(tcp, addr, ca, None);
    c.until(|l| l.starts_with("* in the room"));
    c
}

#[test]
fn members_that_never_read_cannot_take_the_host_past_its_budget() {
    const STUCK: usize = 800;
    const MESSAGES: usize = 200;
    const BUDGET_MIB: f64 = 48.0;
    let pki = Pki::new();
    let cert = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    let budget = format!("{}", (BUDGET_MIB as usize) << 20);
    // The history on disk: in memory it would count against the host too.
    let history = dir.path().join("history.sqlite3");
    let (proc, addr) = common::headless_host(
        dir.path(),
        &[
            "--cert",
            c,
            "--key",
            k,
            "--history",
            history.to_str().unwrap(),
            "--max-members-per-address",
            "1000",
            "--max-handshakes-per-address",
            "1000",
            "--max-queued-bytes",
            &budget,
            // Its log says when the budget cuts members off.
            "-v",
        ],
    );
    let host = HostProcess { proc, addr };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stuck: Vec<PlainClient> = (0..STUCK)
        .map(|_| non_reader(&rt, addr, &pki.ca_pem))
        .collect();
    let (mut reader, _) = join(addr, "reader", &pki.ca_pem);
    let (before, _) = host.memory_mib();
    // One member talks at the room's rate with 60 KB messages, reading its
    // acknowledgements as it goes.
    let mut talker = json_member(addr, &pki.ca_pem, "talker");
    send_in_bursts(&mut talker, &"z".repeat(60_000), MESSAGES, 10);
    talker.send(r#"{"type":"msg","id":"last","text":"the end"}"#);
    // The member that reads gets every message, in order.
    let mut seen = 0;
    reader.wait_for("the talker's last line", |e| match e {
        NetEvent::Message(m) if m.text == "the end" => Some(()),
        NetEvent::Message(m) => {
            assert_eq!(m.text.len(), 60_000);
            seen += 1;
            None
        }
        _ => None,
    });
    assert_eq!(seen, MESSAGES);
    let (after, peak) = host.memory_mib();
    eprintln!(
        "{STUCK} members that never read: host memory {before:.1} MiB before, \
         {after:.1} MiB after, peak {peak:.1} MiB (budget {BUDGET_MIB} MiB)"
    );
    // Each stuck member holds a write buffer and a TLS buffer (~200 KiB):
    // without the budget, 800 of them took the host up by 190 MiB. Now
    // what is queued stays within the budget; the rest is what members cut
    // off hold until their tasks end, the history's cache and the
    // allocator's slack (measured: 45 to 100 MiB over the start).
    assert!(
        peak - before < BUDGET_MIB + 112.0,
        "the host grew from {before:.1} to a peak of {peak:.1} MiB"
    );
    // The budget is what cut the stuck members off (without it they would
    // hold their buffers until their writes time out).
    let log = host.proc.stderr();
    assert!(
        log.contains("queued output over budget"),
        "the budget never cut anyone off"
    );
    drop(stuck);
}

/// Sends `count` messages of `text` from a hand-driven `tlschat/1` member,
/// `burst` at a time, reading each burst's acknowledgements before the next
/// (a member that does not read them is dropped as too slow). Rate-limit
/// notices, and members leaving as too slow or coming and going, are
/// expected meanwhile; any other error is not.
fn send_in_bursts(member: &mut PlainClient, text: &str, count: usize, burst: usize) {
    for chunk in 0..count / burst {
        let mut lines = Vec::new();
        for i in 0..burst {
            writeln!(
                lines,
                r#"{{"type":"msg","id":"m{chunk}-{i}","text":"{text}"}}"#
            )
            .unwrap();
        }
        member.send_raw(&lines);
        let mut acked = 0;
        while acked < burst {
            match frame(&member.line()) {
                ServerFrame::Ack { .. } => acked += 1,
                ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    ..
                } => {}
                ServerFrame::Error { code, message, .. } => panic!("{code:?}: {message}"),
                ServerFrame::Left { .. } | ServerFrame::MembersChanged { .. } => {}
                other => panic!("{other:?}"),
            }
        }
    }
}

fn frame(line: &str) -> ServerFrame {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// The real binary as a headless host, and its address.
struct HostProcess {
    proc: Proc,
    addr: SocketAddr,
}

impl HostProcess {
    fn start(cert: &common::Issued) -> Self {
        let dir = tempfile::tempdir().unwrap().keep();
        let (proc, addr) = common::headless_host_with(&dir, cert);
        Self { proc, addr }
    }

    /// The host's resident memory now and at its peak, in MiB.
    fn memory_mib(&self) -> (f64, f64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.proc.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
                .unwrap()
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

#[test]
fn newline_amplification_is_refused_and_the_host_stays_small() {
    let pki = Pki::new();
    let cert = pki.server();
    let host = HostProcess::start(&cert);
    let addr = host.addr;
    // A plain member that never reads a byte after its greeting.
    let mut stuck = PlainClient::connect(addr, &pki.ca_pem);
    stuck.until(|l| l.starts_with("* in the room"));
    // A member that reads everything, to see what the room delivers.
    let (mut reader, _) = join(addr, "reader", &pki.ca_pem);
    let (before, _) = host.memory_mib();

    // The attacker: a 32-character nickname, frames of 32,000 newlines
    // (64,000 bytes as JSON), each of which would have been ~1.2 MB as
    // plain `<nick> ` lines.
    let nick = "n".repeat(32);
    let mut attacker = json_member(addr, &pki.ca_pem, &nick);
    let newlines = "\\n".repeat(32_000);
    const FRAMES: usize = 300;
    let mut burst = Vec::new();
    for i in 0..FRAMES {
        writeln!(
            burst,
            r#"{{"type":"msg","id":"nl{i}","text":"{newlines}"}}"#
        )
        .unwrap();
    }
    attacker.send_raw(&burst);
    // Every newline frame is refused to its sender, with its id.
    let mut refused = 0;
    while refused < FRAMES {
        match frame(&attacker.line()) {
            ServerFrame::Error {
                code: ErrorCode::TooManyLines,
                id: Some(id),
                ..
            } => {
                assert_eq!(id, format!("nl{refused}"));
                refused += 1;
            }
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }
    // Then the most a message may be: 100 lines that fill the cap for
    // plain members, 300 times over, towards the member that never reads.
    // (The attacker reads its acks as it goes: a member that does not is
    // dropped as too slow, like the stuck one.)
    let line = "y".repeat(480);
    let full = vec![line.as_str(); 100].join("\\n");
    send_in_bursts(&mut attacker, &full, FRAMES, 20);
    attacker.send(r#"{"type":"msg","id":"last","text":"still here"}"#);
    assert_eq!(refused, FRAMES);
    // The reading member got every accepted message and none of the refused.
    let mut full_seen = 0;
    reader.wait_for("the attacker's last line", |e| match e {
        NetEvent::Message(m) if m.text == "still here" => Some(()),
        NetEvent::Message(m) => {
            assert_eq!(m.text.split('\n').count(), 100, "a refused message arrived");
            full_seen += 1;
            None
        }
        _ => None,
    });
    assert_eq!(full_seen, FRAMES);
    let (after, peak) = host.memory_mib();
    eprintln!("host memory: {before:.1} MiB before, {after:.1} MiB after, peak {peak:.1} MiB");
    // 600 frames of 64 KB: the old host grew by over a gigabyte. Now the
    // room's feed keeps at most 32 MiB and each member's buffers a few
    // hundred KiB.
    assert!(
        peak - before < 64.0,
        "the host grew from {before:.1} to a peak of {peak:.1} MiB"
    );
    drop(stuck);
}

#[test]
fn a_malformed_hello_is_answered_with_what_is_wrong_with_it() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    for (hello, code, why) in [
        (
            r#"{"type":"hello","nick":"ana","resume":"x"}"#,
            ErrorCode::BadFrame,
            "that hello is not valid: its resume must be an object",
        ),
        (
            r#"{"type":"hello","nick":"ana","client":"c1","resume":{"room":5}}"#,
            ErrorCode::BadFrame,
            "that hello is not valid: its resume.room must be a string, not a number",
        ),
        (
            r#"{"type":"hello","nick":"ana","resume":{"room":"r","after":-1}}"#,
            ErrorCode::BadFrame,
            "its resume.after must be a whole number",
        ),
        (
            r#"{"type":"hello","nick":"<ana>"}"#,
            ErrorCode::Nick,
            "it contains '<'",
        ),
        // Anything else first is still told to say hello.
        (
            r#"{"type":"who"}"#,
            ErrorCode::Protocol,
            "expected a hello frame first",
        ),
    ] {
        let mut c = PlainClient::connect_json(addr, &pki.ca_pem);
        c.send(hello);
        match frame(&c.line()) {
            ServerFrame::Error {
                code: got, message, ..
            } => {
                assert_eq!(got, code, "{hello}: {message}");
                assert!(message.contains(why), "{hello}: {message}");
            }
            other => panic!("{hello}: {other:?}"),
        }
        // And it is not in the room.
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut c.reader, &mut rest);
        assert!(
            rest.is_empty(),
            "{hello}: {}",
            String::from_utf8_lossy(&rest)
        );
    }
    // A good hello still gets in.
    json_member(addr, &pki.ca_pem, "ana");
}

#[test]
fn a_message_whose_escaped_form_passes_the_cap_is_refused_to_its_sender() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    plain.until(|l| l.starts_with("* in the room"));
    let mut sender = json_member(addr, &pki.ca_pem, "bo");
    // 21,000 bidi overrides: 63 KB as sent, ~190 KB once made visible
    // (`\u{202e}`) and escaped for JSON.
    let text = "\u{202e}".repeat(21_000);
    sender.send(&format!(r#"{{"type":"msg","id":"big","text":"{text}"}}"#));
    sender.send(r#"{"type":"msg","id":"small","text":"after"}"#);
    // The refusal names the message and the cause.
    let mut got_error = false;
    let mut got_ack = false;
    let end = Instant::now() + DEADLINE;
    while !(got_error && got_ack) && Instant::now() < end {
        match frame(&sender.line()) {
            ServerFrame::Error {
                code: ErrorCode::MessageTooLong,
                id,
                message,
            } => {
                assert_eq!(id.as_deref(), Some("big"));
                assert!(message.contains("too long"), "{message}");
                got_error = true;
            }
            ServerFrame::Ack { id, .. } => {
                assert_eq!(id.as_deref(), Some("small"), "the big one was acknowledged");
                got_ack = true;
            }
            _ => {}
        }
    }
    assert!(got_error && got_ack);
    // Nobody saw the refused message: the next thing each one hears from bo
    // is "after".
    let first = a.wait_for("bo's message", |e| match e {
        NetEvent::Message(m) if m.nick == "bo" => Some(m.text.clone()),
        _ => None,
    });
    assert_eq!(first, "after");
    let next = plain.until(|l| l.starts_with("<bo>"));
    assert!(
        !next
            .iter()
            .any(|l| l.contains('\u{202e}') || l.contains("202e"))
    );
}

#[test]
fn a_newcomer_to_a_room_of_1500_with_long_names_gets_every_member() {
    const MEMBERS: usize = 1500;
    let pki = Pki::new();
    let cert = pki.server();
    let limits = HostLimits {
        max_members_per_address: 2 * MEMBERS,
        max_handshakes_per_address: 2 * MEMBERS,
        ..HostLimits::default()
    };
    let (mut h, addr) = host_with(&cert, "hana", limits);
    // 1,500 members whose names are 32 four-byte characters (128 bytes).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ca = pki.ca_pem.clone();
    let _held = rt.block_on(async move {
        let config = common::client_config(&ca, Some(TLSCHAT.as_bytes()));
        let connector = tokio_rustls::TlsConnector::from(config);
        let gate = Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..MEMBERS {
            let connector = connector.clone();
            let gate = gate.clone();
            tasks.spawn(async move {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                let _permit = gate.acquire().await.unwrap();
                let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                let mut tls = connector.connect(name, tcp).await.unwrap();
                let hi = char::from_u32(0x20000 + u32::try_from(i / 64).unwrap()).unwrap();
                let lo = char::from_u32(0x20000 + u32::try_from(i % 64).unwrap()).unwrap();
                let nick = format!("{}{hi}{lo}", "\u{20000}".repeat(30));
                assert_eq!(nick.len(), 128);
                tls.write_all(format!("{{\"type\":\"hello\",\"nick\":\"{nick}\"}}\n").as_bytes())
                    .await
                    .unwrap();
                let (mut r, w) = tokio::io::split(tls);
                // Read (and drop) whatever the room says, so nobody is slow.
                tokio::spawn(async move {
                    let mut buf = vec![0; 16 * 1024];
                    while r.read(&mut buf).await.unwrap_or(0) > 0 {}
                });
                w
            });
        }
        let mut held = Vec::new();
        while let Some(w) = tasks.join_next().await {
            held.push(w.unwrap());
        }
        held
    });
    // Every one of them is in the room before the newcomer comes.
    let mut joined = 0;
    h.wait_for("1,500 members", |e| {
        joined += usize::from(matches!(e, NetEvent::MemberJoined(_)));
        (joined == MEMBERS).then_some(())
    });
    let mut newcomer = common::Node::start();
    newcomer.send(Command::Join(join_config(addr, "newcomer", &pki.ca_pem)));
    let mut ids = std::collections::BTreeSet::new();
    let mut total = 0;
    newcomer.wait_for("the whole member list", |e| {
        match e {
            NetEvent::Joined {
                members, total: t, ..
            } => {
                total = *t;
                ids.extend(members.iter().map(|m| m.id));
            }
            NetEvent::Roster { members } => ids.extend(members.iter().map(|m| m.id)),
            _ => {}
        }
        (total > 0 && ids.len() as u64 == total).then_some(())
    });
    assert_eq!(total, MEMBERS as u64 + 2, "host, members and the newcomer");
    // A plain member's greeting stays one short line.
    let mut plain = PlainClient::connect(addr, &pki.ca_pem);
    let greeting = plain.until(|l| l.starts_with("* in the room"));
    drop(greeting);
    drop(rt);
}

#[test]
fn a_handshake_flood_from_one_address_does_not_keep_others_out() {
    let pki = Pki::new();
    let cert = pki.server();
    let limits = HostLimits {
        max_handshakes: 256,
        max_handshakes_per_address: 64,
        ..HostLimits::default()
    };
    let (_h, addr) = host_with(&cert, "hana", limits);
    // 300 silent connections from 127.0.0.2: more than every slot there is.
    let flooder = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let silent: Vec<_> = (0..300).map(|_| connect_from(flooder, addr)).collect();
    // A member from 127.0.0.1 still gets in, at once.
    let started = Instant::now();
    let (_a, _) = join(addr, "ana", &pki.ca_pem);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "joining took {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn members_are_capped_per_address_with_a_reason() {
    let pki = Pki::new();
    let cert = pki.server();
    let limits = HostLimits {
        max_members_per_address: 2,
        ..HostLimits::default()
    };
    let (_h, addr) = host_with(&cert, "hana", limits);
    let mut first = PlainClient::connect(addr, &pki.ca_pem);
    first.until(|l| l.starts_with("* in the room"));
    let mut second = PlainClient::connect(addr, &pki.ca_pem);
    second.until(|l| l.starts_with("* in the room"));
    let mut third = PlainClient::connect(addr, &pki.ca_pem);
    let refusal = third.line();
    assert!(
        refusal.starts_with("* error: too many members from your address (2)"),
        "{refusal}"
    );
    // Another address is welcome.
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let mut elsewhere = PlainClient::over(connect_from(other, addr), addr, &pki.ca_pem, None);
    elsewhere.until(|l| l.starts_with("* in the room"));
    // And when one leaves, its place is free again: by the time the room
    // says it left.
    first.close();
    second.until(|l| l.ends_with(" left"));
    let mut again = PlainClient::connect(addr, &pki.ca_pem);
    let line = again.line();
    assert!(line.starts_with("* welcome"), "{line}");
}

/// The 16 loopback addresses a handshake flood comes from (members join
/// from 127.0.0.1).
fn flood_sources() -> Vec<IpAddr> {
    (2..=17)
        .map(|n| IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .collect()
}

/// When a handshake flood's connections fall silent.
enum Silent {
    /// At once: the host drops them when they have not sent a ClientHello
    /// in time, and they come again.
    Before,
    /// After sending this ClientHello: the host drops them only to make
    /// room (until the handshake timeout, 10 s).
    AfterClientHello(Vec<u8>),
}

/// The real binary hosts with `slots` handshake slots, `per_address` from
/// one address (flags); 16 addresses hold every one of them with
/// connections that fall `silent`, one more than their share each, and
/// open them again as soon as the host drops them. A member joins, again
/// and again, at least `joins` times: every join gets in, and fast.
/// Silent [`Silent::Before`], it goes on until the host has dropped as many
/// of the flood's connections as there are slots (the flood has been
/// dropped and has filled them again); [`Silent::AfterClientHello`], until
/// the host has closed a flood connection for each join, long before any
/// of them could time out.
fn a_member_joins_through_a_handshake_flood(
    slots: usize,
    per_address: usize,
    silent: &Silent,
    joins: usize,
) {
    let pki = Pki::new();
    let cert = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let (slots_arg, per_address_arg) = (slots.to_string(), per_address.to_string());
    let (_host, addr) = common::headless_host(
        dir.path(),
        &[
            "--cert",
            cert.cert.to_str().unwrap(),
            "--key",
            cert.key.to_str().unwrap(),
            "--max-handshakes",
            &slots_arg,
            "--max-handshakes-per-address",
            &per_address_arg,
        ],
    );
    let sources = flood_sources();
    assert_eq!(
        sources.len() * per_address,
        slots,
        "the flood fills every slot"
    );
    let hello = match silent {
        Silent::Before => &[][..],
        Silent::AfterClientHello(hello) => hello,
    };
    let flooding = Instant::now();
    let flood = Flood::start(addr, &sources, per_address + 1, hello);
    flood.wait_held(slots);
    let first = flood.dropped();
    let mut took = Vec::new();
    loop {
        let dropped = flood.dropped() - first;
        let enough = match silent {
            Silent::Before => dropped >= slots,
            Silent::AfterClientHello(_) => dropped >= took.len(),
        };
        if took.len() >= joins && enough {
            break;
        }
        if took.len() < joins || matches!(silent, Silent::Before) {
            match join_within(addr, &pki.ca_pem, Duration::from_secs(5)) {
                Ok(t) => took.push(t),
                Err(e) => panic!(
                    "join {} through the flood failed: {e} (the flood holds {}; joins before: {took:?})",
                    took.len() + 1,
                    flood.held()
                ),
            }
        }
        let limit = match silent {
            Silent::Before => DEADLINE,
            Silent::AfterClientHello(_) => Duration::from_secs(9),
        };
        assert!(
            flooding.elapsed() < limit,
            "the host closed {dropped} of the flood's connections in {limit:?}, {} joins",
            took.len()
        );
        // A poll of the flood's counts between joins (not a wait before
        // asserting that nothing happened).
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "{} joins through a flood of {slots}, slowest {:?}",
        took.len(),
        took.iter().max().unwrap()
    );
}

#[test]
fn a_member_joins_through_a_handshake_flood_from_16_addresses() {
    a_member_joins_through_a_handshake_flood(64, 4, &Silent::Before, 5);
}

#[test]
fn a_member_joins_through_a_handshake_flood_at_the_default_limits() {
    a_member_joins_through_a_handshake_flood(
        HostLimits::MAX_HANDSHAKES,
        HostLimits::MAX_HANDSHAKES_PER_ADDRESS,
        &Silent::Before,
        5,
    );
}

#[test]
fn a_member_joins_through_a_flood_of_handshakes_that_stop_after_the_client_hello() {
    // Past the ClientHello the 2 s limit does not hold: room is made by
    // evicting these handshakes, and the host closes those it evicts.
    let addr: SocketAddr = "127.0.0.1:7443".parse().unwrap();
    let mut hello = Vec::new();
    common::client_connection(addr, &Pki::new().ca_pem, None)
        .write_tls(&mut hello)
        .unwrap();
    a_member_joins_through_a_handshake_flood(64, 4, &Silent::AfterClientHello(hello), 10);
}

#[test]
fn a_client_hello_that_never_ends_is_closed_in_about_2_s() {
    use std::io::Read as _;
    let pki = Pki::new();
    let cert = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let (_host, addr) = common::headless_host_with(dir.path(), &cert);
    // A real ClientHello, of which half is sent at once...
    let mut hello = Vec::new();
    common::client_connection(addr, &pki.ca_pem, None)
        .write_tls(&mut hello)
        .unwrap();
    let (half, rest) = hello.split_at(hello.len() / 2);
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.write_all(half).unwrap();
    let started = Instant::now();
    // ...and the rest a byte every 200 ms, never the last one: what the
    // host waits for is the whole of it.
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut trickle = rest[..rest.len() - 1].iter();
    let mut buf = [0u8; 1024];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => panic!("the host answered half a ClientHello with {n} bytes"),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // Closed with a reset: closed all the same.
            Err(_) => break,
        }
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "still open after {:?} (the handshake timeout is 10 s)",
            started.elapsed()
        );
        if let Some(&byte) = trickle.next()
            && tcp.write_all(&[byte]).is_err()
        {
            break;
        }
    }
    let closed = started.elapsed();
    assert!(
        closed >= Duration::from_secs(1),
        "closed after {closed:?}: before the ClientHello had its time"
    );
}
