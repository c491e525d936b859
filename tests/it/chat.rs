//! The room over real TLS on loopback: tlschat members, plain-text members,
//! order, acks, and bad peers that must not hurt the room.

use crate::common;

use std::io::Write as _;
use std::time::Duration;

use common::Command;
use common::{Node, Pki, PlainClient, host, join};
use tlschat::net::{DisconnectKind, NetEvent};

#[test]
fn host_and_two_members_chat_both_ways_with_acks() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut h, addr) = host(&cert, "hana");
    let (mut a, a_id) = join(addr, "ana", &pki.ca_pem);
    let (mut b, _) = join(addr, "bo", &pki.ca_pem);
    assert_eq!(
        h.wait_for("bo joined", |e| match e {
            NetEvent::MemberJoined(m) if m.nick == "bo" => Some(m.nick.clone()),
            _ => None,
        }),
        "bo"
    );

    a.send(Command::Send {
        id: 7,
        text: "hello from ana 你好".into(),
    });
    a.wait_for("ack of 7", |e| {
        matches!(e, NetEvent::Delivered { id: 7 }).then_some(())
    });
    assert_eq!(b.wait_message("hello from ana 你好"), "ana");
    assert_eq!(h.wait_message("hello from ana 你好"), "ana");
    // The acknowledged message shows up in ana's own view, in room order.
    assert!(a.seen.iter().any(
        |e| matches!(e, NetEvent::Message(m) if m.own && m.from == Some(a_id) && m.nick == "ana")
    ));

    h.send(Command::Send {
        id: 1,
        text: "welcome, both".into(),
    });
    h.wait_for("host delivered", |e| {
        matches!(e, NetEvent::Delivered { id: 1 }).then_some(())
    });
    assert_eq!(a.wait_message("welcome, both"), "hana");
    assert_eq!(b.wait_message("welcome, both"), "hana");

    b.send(Command::Send {
        id: 2,
        text: "two\nlines".into(),
    });
    assert_eq!(a.wait_message("two\nlines"), "bo");

    // A member leaving is seen by the others with its reason.
    b.send(Command::Disconnect);
    b.wait_for("bo disconnected", |e| match e {
        NetEvent::Disconnected { kind, .. } => {
            let _: () = assert_eq!(*kind, DisconnectKind::ByUser);
            Some(())
        }
        _ => None,
    });
    a.wait_for("bo left", |e| {
        matches!(e, NetEvent::MemberLeft { member, .. } if member.nick == "bo").then_some(())
    });

    // The host closing the room ends the members' sessions cleanly.
    h.send(Command::Disconnect);
    let kind = a.wait_for("room closed", |e| match e {
        NetEvent::Disconnected { kind, .. } => Some(*kind),
        _ => None,
    });
    assert_eq!(kind, DisconnectKind::ByPeer);
}

#[test]
fn everyone_sees_the_same_order() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut h, addr) = host(&cert, "host");
    let mut members: Vec<Node> = ["m1", "m2", "m3"]
        .iter()
        .map(|n| join(addr, n, &pki.ca_pem).0)
        .collect();
    const EACH: u64 = 60;
    // Everyone talks at once.
    for i in 0..EACH {
        for (k, m) in members.iter().enumerate() {
            m.send(Command::Send {
                id: i,
                text: format!("m{} says {i}", k + 1),
            });
        }
        h.send(Command::Send {
            id: i,
            text: format!("host says {i}"),
        });
    }
    let total = usize::try_from(EACH).unwrap() * 4;
    let mut views = Vec::new();
    for node in members.iter_mut().chain(std::iter::once(&mut h)) {
        let mut view = Vec::new();
        node.wait_for("all messages", |e| {
            if let NetEvent::Message(m) = e {
                view.push((m.seq, m.text.clone()));
            }
            (view.len() == total).then_some(())
        });
        views.push(view);
    }
    for v in &views[1..] {
        assert_eq!(v, &views[0], "two members saw a different order");
    }
    let seqs: Vec<u64> = views[0].iter().map(|(s, _)| *s).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "sequence has gaps: {seqs:?}"
    );
    // Each sender's own messages are in the order it sent them.
    for who in ["m1", "m2", "m3", "host"] {
        let mine: Vec<&String> = views[0]
            .iter()
            .map(|(_, t)| t)
            .filter(|t| t.starts_with(who))
            .collect();
        let expected: Vec<String> = (0..EACH).map(|i| format!("{who} says {i}")).collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>());
    }
}

#[test]
fn plain_text_member_chats_with_tlschat_members() {
    let pki = Pki::new();
    let cert = pki.server();
    let (h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);

    let mut p = PlainClient::connect(addr, &pki.ca_pem);
    let welcome = p.line();
    assert!(
        welcome.starts_with("* welcome, you are guest-"),
        "{welcome}"
    );
    let roster = p.line();
    assert!(
        roster.contains("hana (host)") && roster.contains("ana"),
        "{roster}"
    );
    a.wait_for("guest joined", |e| {
        matches!(e, NetEvent::MemberJoined(m) if m.plain_text && m.nick.starts_with("guest-"))
            .then_some(())
    });

    p.send("/nick plainy");
    assert_eq!(p.line(), "* you are now plainy");
    a.wait_for("rename", |e| {
        matches!(e, NetEvent::Renamed { new, .. } if new == "plainy").then_some(())
    });

    // Control characters are escaped; invalid UTF-8 is replaced.
    p.send_raw(b"red \x1b[31malert\x07 caf\xff\n");
    assert_eq!(
        a.wait_message("red \\x1b[31malert\\x07 caf\u{fffd}"),
        "plainy"
    );

    // A tlschat member's message reaches the plain member as `<nick> text`,
    // multi-line text as one line each; the plain member's own line does not
    // come back to it.
    a.send(Command::Send {
        id: 1,
        text: "hi plainy\nsecond line".into(),
    });
    let before = p.until(|l| l == "<ana> hi plainy");
    assert!(
        before.iter().all(|l| !l.contains("alert")),
        "own line echoed: {before:?}"
    );
    assert_eq!(p.line(), "<ana> second line");
    h.send(Command::Send {
        id: 1,
        text: "from the host".into(),
    });
    assert_eq!(p.line(), "<hana> from the host");

    // /who lists the room.
    p.send("/who");
    let who = p.line();
    assert!(
        who.starts_with("* in the room:") && who.contains("plainy"),
        "{who}"
    );

    // A last line without a newline is still delivered when the peer closes.
    p.send_raw("last words 👋".as_bytes());
    p.close();
    assert_eq!(a.wait_message("last words 👋"), "plainy");
    a.wait_for("plainy left", |e| {
        matches!(e, NetEvent::MemberLeft { member, .. } if member.nick == "plainy").then_some(())
    });
}

#[test]
fn lines_sent_in_one_write_arrive_in_order_around_the_commands_among_them() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let mut q = PlainClient::connect(addr, &pki.ca_pem);
    q.until(|l| l.starts_with("* in the room:"));
    let mut p = PlainClient::connect(addr, &pki.ca_pem);
    p.until(|l| l.starts_with("* in the room:"));
    let old = a.wait_for("the sender joined", |e| match e {
        NetEvent::MemberJoined(m) if m.plain_text && m.nick != "guest-1" => Some(m.nick.clone()),
        _ => None,
    });
    q.until(|l| l == format!("* {old} joined"));

    // One write, so the host takes many lines from each read: messages, a
    // rename, more messages, an over-long line and a command.
    let mut burst = String::new();
    for i in 0..30 {
        burst.push_str(&format!("before {i}\n"));
    }
    burst.push_str("/nick fast\n");
    for i in 0..30 {
        burst.push_str(&format!("after {i}\n"));
    }
    burst.push_str(&"x".repeat(70_000));
    burst.push_str("\n/who\nlast\n");
    p.send_raw(burst.as_bytes());

    // The sender hears about its rename, its over-long line and /who, in
    // the order it wrote them.
    assert_eq!(p.line(), "* you are now fast");
    assert!(p.line().starts_with("* error: that line was longer than"));
    assert!(p.line().starts_with("* in the room:"));

    // Everyone else sees the messages in order, with the rename exactly
    // between the two halves.
    let mut expected: Vec<String> = (0..30).map(|i| format!("<{old}> before {i}")).collect();
    expected.push(format!("* {old} is now known as fast"));
    expected.extend((0..30).map(|i| format!("<fast> after {i}")));
    expected.push("<fast> last".into());
    let got: Vec<String> = (0..expected.len()).map(|_| q.line()).collect();
    assert_eq!(got, expected);

    let mut texts = Vec::new();
    a.wait_for("every message", |e| {
        if let NetEvent::Message(m) = e {
            texts.push(format!("{}: {}", m.nick, m.text));
        }
        (texts.len() == 61).then_some(())
    });
    assert_eq!(texts[29], format!("{old}: before 29"));
    assert_eq!(texts[30], "fast: after 0");
    assert_eq!(texts[60], "fast: last");
}

#[test]
fn over_long_lines_are_refused_for_that_peer_only() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let mut p = PlainClient::connect(addr, &pki.ca_pem);
    p.until(|l| l.starts_with("* in the room"));

    let long = "x".repeat(70 * 1024);
    p.send(&long);
    let err = p.line();
    assert!(
        err.starts_with("* error:") && err.contains("65536"),
        "{err}"
    );
    p.send("still here");
    assert_eq!(a.wait_message("still here").len(), "guest-1".len());

    // A tlschat member is told at once, and nothing is sent.
    a.send(Command::Send { id: 9, text: long });
    let reason = a.wait_for("not delivered", |e| match e {
        NetEvent::NotDelivered { id: 9, reason } => Some(common::english(reason)),
        _ => None,
    });
    assert!(reason.contains("too long"), "{reason}");
    a.send(Command::Send {
        id: 10,
        text: "short one".into(),
    });
    a.wait_for("delivered", |e| {
        matches!(e, NetEvent::Delivered { id: 10 }).then_some(())
    });
    p.until(|l| l.ends_with("> short one"));
}

#[test]
fn non_tls_peer_and_vanishing_peer_leave_the_room_working() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);

    // Something that is not TLS at all is dropped by the host.
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    raw.set_read_timeout(Some(common::DEADLINE)).unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 256];
    let n = std::io::Read::read(&mut raw, &mut buf).unwrap_or(0);
    // Whatever came back (a TLS alert at most), the connection is closed.
    assert!(n < buf.len());

    // A plain member vanishes in the middle of a line, without close_notify.
    let mut p = PlainClient::connect(addr, &pki.ca_pem);
    p.until(|l| l.starts_with("* in the room"));
    p.send_raw(b"half a li");
    p.reader
        .get_ref()
        .sock
        .shutdown(std::net::Shutdown::Both)
        .unwrap();
    drop(p);
    a.wait_for("guest left", |e| {
        matches!(e, NetEvent::MemberLeft { member, .. } if member.plain_text).then_some(())
    });

    // The room still works for everyone else.
    let (b, _) = join(addr, "bo", &pki.ca_pem);
    b.send(Command::Send {
        id: 1,
        text: "still working".into(),
    });
    assert_eq!(a.wait_message("still working"), "bo");
}

#[test]
fn member_falls_back_to_plain_text_against_a_server_without_alpn() {
    // A bare TLS server (no ALPN), like `openssl s_server`: it writes a
    // line and reads one back.
    let pki = Pki::new();
    let cert = pki.server();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let identity = tlschat::net::pem::load_identity(&cert.cert, &cert.key, &provider).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(std::sync::Arc::new(rustls::sign::SingleCertAndKey::from(
            identity,
        )));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(common::DEADLINE)).unwrap();
        let conn = rustls::ServerConnection::new(std::sync::Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        tls.write_all(b"hello from s_server\n").unwrap();
        tls.flush().unwrap();
        let mut r = std::io::BufReader::new(tls);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut r, &mut line).unwrap();
        line
    });
    let mut m = Node::start();
    m.send(Command::Join(common::join_config(addr, "ana", &pki.ca_pem)));
    let plain = m.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.plain_text),
        _ => None,
    });
    assert!(plain);
    assert_eq!(
        m.wait_message("hello from s_server"),
        "127.0.0.1:".to_string() + &addr.port().to_string()
    );
    m.send(Command::Send {
        id: 1,
        text: "hi server".into(),
    });
    m.wait_for("sent", |e| {
        matches!(e, NetEvent::Sent { id: 1 }).then_some(())
    });
    assert_eq!(server.join().unwrap(), "hi server\n");
    // The server hangs up: the session ends, by the peer, and in it the
    // server's one line was all that came in.
    let (kind, reason) = m.wait_for("the end", |e| match e {
        NetEvent::Disconnected { kind, reason } => Some((*kind, common::english(reason))),
        _ => None,
    });
    assert_eq!(kind, tlschat::net::DisconnectKind::ByPeer, "{reason}");
    assert!(reason.contains("closed the connection"), "{reason}");
    let heard: Vec<&str> = m
        .seen
        .iter()
        .filter_map(|e| match e {
            NetEvent::Message(msg) if !msg.own => Some(msg.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(heard, ["hello from s_server"]);
}

#[test]
fn a_handshake_that_never_finishes_is_dropped_and_the_room_goes_on() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    // A peer that sends its ClientHello and then nothing (slowloris; one
    // that does not even send that goes sooner: see tests/hostile.rs).
    let mut stalled = std::net::TcpStream::connect(addr).unwrap();
    stalled
        .set_read_timeout(Some(
            tlschat::net::HANDSHAKE_TIMEOUT + Duration::from_secs(10),
        ))
        .unwrap();
    let started = std::time::Instant::now();
    let mut hello = Vec::new();
    common::client_connection(addr, &pki.ca_pem, None)
        .write_tls(&mut hello)
        .unwrap();
    std::io::Write::write_all(&mut stalled, &hello).unwrap();
    // Meanwhile the room works for everyone else.
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let (b, _) = join(addr, "bo", &pki.ca_pem);
    b.send(Command::Send {
        id: 1,
        text: "during the stall".into(),
    });
    assert_eq!(a.wait_message("during the stall"), "bo");
    // The host hangs up on the stalled peer once the handshake time is up
    // (after its answer to the ClientHello).
    let mut answer = Vec::new();
    std::io::Read::read_to_end(&mut stalled, &mut answer).expect("the host closes the connection");
    assert!(!answer.is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= tlschat::net::HANDSHAKE_TIMEOUT - Duration::from_millis(500),
        "{waited:?}"
    );
}

#[test]
fn a_big_room_gathers_join_and_leave_notices() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let mut observer = PlainClient::connect(addr, &pki.ca_pem);
    observer.until(|l| l.starts_with("* in the room"));
    // 100 plain members arrive at once, from 10 threads.
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let ca = pki.ca_pem.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| {
                        let mut p = PlainClient::connect(addr, &ca);
                        p.until(|l| l.starts_with("* in the room"));
                        p
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let crowd: Vec<PlainClient> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    // A tlschat member learns of every one of them...
    let mut seen = std::collections::HashSet::new();
    a.wait_for("100 joins", |e| {
        if let NetEvent::MemberJoined(m) = e {
            seen.insert(m.id);
        }
        (seen.len() == 101).then_some(())
    });
    // ...and a plain member got far fewer notices than joins: those past
    // the big-room size came gathered ("* 12 joined (a, b, c, d, e and 7 others)").
    let mut individual = 0;
    let mut gathered = 0;
    observer.send("/who");
    for line in observer.until(|l| l.starts_with("* in the room")) {
        if line.ends_with(" joined") {
            individual += 1;
        } else if line.contains(" joined (") {
            gathered += line[2..]
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap();
        }
    }
    assert_eq!(individual + gathered, 100, "every join is announced once");
    assert!(gathered > 0, "joins past the big-room size are gathered");
    // A newcomer's greeting names 20 members and counts the rest (104 in
    // all: the host, ana, the observer, the crowd of 100, the newcomer).
    let mut late = PlainClient::connect(addr, &pki.ca_pem);
    assert!(late.line().starts_with("* welcome, you are guest-"));
    let roster = late.line();
    assert!(roster.ends_with(" and 84 others"), "{roster}");
    assert_eq!(roster.matches(", ").count(), 19, "{roster}");
    late.close();
    // A tlschat member is given the whole roster (the newcomer has left).
    let (latecomer, _) = join(addr, "zed", &pki.ca_pem);
    let roster = latecomer
        .seen
        .iter()
        .find_map(|e| match e {
            NetEvent::Joined { members, .. } => Some(members.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(roster, 104);
    // Leaving en masse is gathered too, and the tlschat member's list empties.
    drop(crowd);
    let mut left = 0;
    a.wait_for("100 leaves", |e| {
        if matches!(e, NetEvent::MemberLeft { member, .. } if member.plain_text && member.nick.starts_with("guest-")) {
            left += 1;
        }
        (left == 100).then_some(())
    });
}
