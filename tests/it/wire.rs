//! The handshake on the wire, over real TLS on loopback: what the member
//! records and decodes is what its rustls configuration offered and what
//! the host sent; `--tls-version` and `--groups` change what goes over
//! the wire; a reconnect resumes; the key log gets each connection's
//! secrets; the decoder never panics on hostile bytes.

use crate::common;

use std::sync::Arc;

use common::{Command, Node, Pki, host_config, host_from, join_config};
use proptest::prelude::*;
use tlschat::net::recorder::{Flow, Tape};
use tlschat::net::wire::{Direction, Field, Handshake, decode};
use tlschat::net::{
    ConnectionInfo, HandshakeKind, JoinConfig, KxGroup, NamedGroup, NetEvent, TlsVersion,
};

/// Joins with `config`; returns the node and the connection facts.
pub(crate) fn connect(config: JoinConfig) -> (Node, Box<ConnectionInfo>) {
    let mut node = Node::start();
    node.send(Command::Join(config));
    let info = node.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.clone()),
        NetEvent::Disconnected { reason, .. } => panic!("join failed: {reason}"),
        _ => None,
    });
    (node, info)
}

fn wire(info: &ConnectionInfo) -> Arc<Handshake> {
    info.wire.clone().expect("the member records its handshake")
}

fn values<'a>(f: &'a Field, child: &str) -> Vec<&'a str> {
    f.children
        .iter()
        .filter(|c| c.name == child)
        .map(|c| c.value.as_str())
        .collect()
}

fn extension<'a>(hello: &'a Field, name: &str) -> Option<&'a Field> {
    hello.child("extensions")?.child(name)
}

/// The bytes of a field of the step that holds message `message`.
fn bytes_of<'a>(h: &'a Handshake, message: &str, f: &Field) -> &'a [u8] {
    h.step_of(message)
        .unwrap()
        .bytes(f.span.expect("the field has a span"))
        .expect("the span is inside the step")
}

#[test]
fn the_client_hello_lists_exactly_what_rustls_offered_and_the_host_sent_its_chain() {
    let pki = Pki::new();
    let server = pki.server();
    let (_host, addr) = host_from(host_config(&server, "host"));
    let (_member, info) = connect(join_config(addr, "m", &pki.ca_pem));
    let h = wire(&info);
    assert_eq!(h.version, Some(TlsVersion::Tls13));

    let (dir, hello) = h.message("ClientHello").unwrap();
    assert_eq!(dir, Direction::ToHost);
    // What the member's configuration offers: the provider's suites (TLS
    // 1.3 and 1.2) and groups, in order, and ALPN tlschat/1. rustls adds
    // the renegotiation signalling value RFC 5746 asks for.
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let mut suites: Vec<String> = provider
        .cipher_suites
        .iter()
        .map(|s| s.suite().as_str().unwrap().to_string())
        .collect();
    suites.push("TLS_EMPTY_RENEGOTIATION_INFO_SCSV".into());
    assert_eq!(
        values(hello.child("cipher suites").unwrap(), "cipher suite"),
        suites
    );
    let groups: Vec<String> = provider
        .kx_groups
        .iter()
        .map(|g| g.name().as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        values(extension(hello, "supported_groups").unwrap(), "group"),
        groups
    );
    assert_eq!(info.offered_group_names(), groups);
    assert_eq!(
        values(
            extension(hello, "application_layer_protocol_negotiation").unwrap(),
            "protocol"
        ),
        vec!["tlschat/1"]
    );
    // By default the hybrid post-quantum share (1216 bytes from the client)
    // goes first, with an X25519 one in case the host has no ML-KEM.
    let shares = values(extension(hello, "key_share").unwrap(), "key share");
    assert_eq!(
        shares,
        vec!["X25519MLKEM768, 1216 bytes", "X25519, 32 bytes"]
    );
    assert_eq!(info.key_exchange, Some(NamedGroup::X25519MLKEM768));

    // The decrypted Certificate holds exactly the host's chain.
    let (dir, cert) = h.message("Certificate").unwrap();
    assert_eq!(dir, Direction::ToMember);
    assert_eq!(cert.children.len(), 1);
    assert_eq!(
        bytes_of(&h, "Certificate", &cert.children[0]),
        &server.der[..]
    );
    let step = h.step_of("Certificate").unwrap();
    assert!(step.plain.is_some(), "it was decrypted");
    assert_eq!(step.record[0], 23, "it went as application data");

    // CertificateVerify names the scheme the connection facts name.
    let (_, verify) = h.message("CertificateVerify").unwrap();
    assert_eq!(
        verify.child("signature scheme").unwrap().value,
        info.signature_scheme_name()
    );

    // Both Finished messages are as long as the suite's hash.
    let hash_len = if info.cipher_suite_name().ends_with("SHA384") {
        48
    } else {
        32
    };
    let finished: Vec<(Direction, usize)> = h
        .messages()
        .filter(|(_, m)| m.name == "Finished")
        .map(|(d, m)| {
            (
                d,
                bytes_of(&h, "Finished", m.child("verify_data").unwrap()).len(),
            )
        })
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    assert_eq!(finished[0], (Direction::ToMember, hash_len));
    assert_eq!(finished[1].1, hash_len);
    assert!(h.notes.is_empty(), "{:?}", h.notes);

    // The tree the headless mode prints says the same.
    let text = tlschat::net::wire::render::lines(&h, false).join("\n");
    assert!(
        text.contains("key share: X25519MLKEM768, 1216 bytes"),
        "{text}"
    );
    // Every host asks each member for a certificate (its key), so a
    // CertificateRequest comes before the host's Certificate.
    assert!(text.contains("ApplicationData, decrypted: Handshake: EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished"), "{text}");
    let (dir, _) = h.message("CertificateRequest").unwrap();
    assert_eq!(dir, Direction::ToMember);
}

#[test]
fn groups_x25519_shows_a_32_byte_share_and_is_negotiated() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let mut config = join_config(addr, "m", &pki.ca_pem);
    config.tls.groups = Some(vec![KxGroup::X25519]);
    let (_member, info) = connect(config);
    assert_eq!(info.key_exchange, Some(NamedGroup::X25519));
    let h = wire(&info);
    let (_, hello) = h.message("ClientHello").unwrap();
    assert_eq!(
        values(extension(hello, "key_share").unwrap(), "key share"),
        vec!["X25519, 32 bytes"]
    );
    let (_, server_hello) = h.message("ServerHello").unwrap();
    assert_eq!(
        values(extension(server_hello, "key_share").unwrap(), "key share"),
        vec!["X25519, 32 bytes"]
    );
}

#[test]
fn tls_version_1_2_is_a_tls_1_2_handshake_with_a_signed_key_exchange() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let mut config = join_config(addr, "m", &pki.ca_pem);
    config.tls.version = Some(TlsVersion::Tls12);
    let (_member, info) = connect(config);
    assert_eq!(info.protocol, TlsVersion::Tls12);
    let h = wire(&info);
    assert_eq!(h.version, Some(TlsVersion::Tls12));
    let names: Vec<&str> = h.messages().map(|(_, m)| m.name.as_str()).collect();
    for expected in [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
        "ClientKeyExchange",
        // Opened with the master secret rustls gave (it was shown as it
        // went, "Finished (encrypted)", before TLS 1.2 records were opened).
        "Finished",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(!names.contains(&"EncryptedExtensions"), "{names:?}");
    let (_, ske) = h.message("ServerKeyExchange").unwrap();
    assert_eq!(ske.child("group").unwrap().value, info.key_exchange_name());
    assert!(ske.child("signature").is_some());
    // In TLS 1.2 the certificate goes in the clear.
    let (_, cert) = h.message("Certificate").unwrap();
    assert_eq!(h.step_of("Certificate").unwrap().record[0], 22);
    assert_eq!(cert.children.len(), 1);
    let (_, hello) = h.message("ClientHello").unwrap();
    assert_eq!(
        values(extension(hello, "supported_versions").unwrap(), "version"),
        vec!["TLS 1.2 (0x0303)"]
    );
}

#[test]
fn tls_version_1_2_against_openssl_s_server() {
    let Ok(probe) = std::process::Command::new("openssl")
        .arg("version")
        .output()
    else {
        eprintln!("openssl is not installed: skipped");
        return;
    };
    assert!(probe.status.success());
    let pki = Pki::new();
    let server = pki.server();
    let mut s_server = common::Proc::spawn(
        std::process::Command::new("openssl")
            // Loopback only (bare port would listen on every address).
            .args(["s_server", "-tls1_2", "-accept", "127.0.0.1:0"])
            .arg("-cert")
            .arg(&server.cert)
            .arg("-key")
            .arg(&server.key),
    );
    let addr = common::s_server_accepting(&mut s_server);
    let mut config = join_config(addr, "m", &pki.ca_pem);
    config.tls.version = Some(TlsVersion::Tls12);
    let (member, info) = connect(config);
    assert_eq!(info.protocol, TlsVersion::Tls12);
    assert!(info.plain_text, "s_server speaks no ALPN");
    let h = wire(&info);
    assert!(h.message("ServerKeyExchange").is_some());
    let (_, cert) = h.message("Certificate").unwrap();
    assert_eq!(
        bytes_of(&h, "Certificate", &cert.children[0]),
        &server.der[..]
    );
    member.send(Command::Disconnect);
    s_server.kill();
}

#[test]
fn no_group_in_common_fails_with_a_clear_reason() {
    let pki = Pki::new();
    let mut host = host_config(&pki.server(), "host");
    host.tls.groups = Some(vec![KxGroup::Secp384r1]);
    let (_host, addr) = host_from(host);
    let mut config = join_config(addr, "m", &pki.ca_pem);
    config.tls.groups = Some(vec![KxGroup::X25519]);
    let mut member = Node::start();
    member.send(Command::Join(config));
    let reason = member.wait_for("the failure", |e| match e {
        NetEvent::Disconnected { reason, .. } => Some(reason.clone()),
        NetEvent::Connected(_) => panic!("connected without a group in common"),
        _ => None,
    });
    assert!(reason.contains("--groups"), "{reason}");
}

#[test]
fn a_member_that_reconnects_resumes_and_no_certificate_is_sent() {
    let pki = Pki::new();
    let server = pki.server();
    let (_host, addr) = host_from(host_config(&server, "host"));
    let relay = common::Relay::start(addr);
    let mut config = join_config(relay.addr(), "m", &pki.ca_pem);
    config.reconnect = true;
    let mut member = Node::start();
    member.send(Command::Join(config));
    let first = member.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.clone()),
        _ => None,
    });
    assert_eq!(first.handshake_kind, HandshakeKind::Full);
    // The ticket comes after the handshake: once in the room, it is here.
    member.wait_for("joined", |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    relay.sever();
    member.wait_for("reconnecting", |e| {
        matches!(e, NetEvent::Reconnecting { .. }).then_some(())
    });
    relay.restore();
    let second = member.wait_for("connected again", |e| match e {
        NetEvent::Connected(info) => Some(info.clone()),
        _ => None,
    });
    assert_eq!(second.handshake_kind, HandshakeKind::Resumed);
    // Trust carried over from the full handshake, the chain with it.
    assert_eq!(second.trust, first.trust);
    assert_eq!(second.chain, first.chain);
    assert!(
        second.signature_scheme_name().starts_with("none"),
        "{:?}",
        second.signature_scheme
    );
    let h = wire(&second);
    let (_, hello) = h.message("ClientHello").unwrap();
    assert!(
        extension(hello, "pre_shared_key").is_some(),
        "a ticket offered"
    );
    let (_, server_hello) = h.message("ServerHello").unwrap();
    assert!(
        extension(server_hello, "pre_shared_key").is_some(),
        "and taken"
    );
    let names: Vec<&str> = h.messages().map(|(_, m)| m.name.as_str()).collect();
    assert!(!names.contains(&"Certificate"), "{names:?}");
    assert!(!names.contains(&"CertificateVerify"), "{names:?}");
    assert!(names.contains(&"Finished"), "{names:?}");
}

/// The secrets' labels in a key log, by client random.
fn labels(log: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut by_random = std::collections::BTreeMap::<String, Vec<String>>::new();
    for line in log.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{line}");
        assert_eq!(parts[1].len(), 64, "{line}");
        assert!(parts[2].len() == 64 || parts[2].len() == 96, "{line}");
        by_random
            .entry(parts[1].to_string())
            .or_default()
            .push(parts[0].to_string());
    }
    by_random
}

#[test]
fn the_key_log_gets_every_connections_tls_1_3_secrets() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let member_log = dir.path().join("member.keys");
    let host_log = dir.path().join("host.keys");
    let mut host = host_config(&pki.server(), "host");
    host.tls.keylog = Some(host_log.clone());
    let (_host, addr) = host_from(host);
    let mut config = join_config(addr, "m", &pki.ca_pem);
    config.tls.keylog = Some(member_log.clone());
    let mut members = Vec::new();
    for _ in 0..2 {
        let (mut m, info) = connect(config.clone());
        assert_eq!(info.keylog.as_deref(), Some(member_log.as_path()));
        // In the room: the host is past the handshake too.
        m.wait_for("joined", |e| {
            matches!(e, NetEvent::Joined { .. }).then_some(())
        });
        members.push(m);
    }
    let expected: Vec<String> = [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    ]
    .map(String::from)
    .to_vec();
    let member_labels = labels(&std::fs::read_to_string(&member_log).unwrap());
    assert_eq!(member_labels.len(), 2, "one client random per connection");
    for (_, mut l) in member_labels.clone() {
        l.sort();
        let mut e = expected.clone();
        e.sort();
        assert_eq!(l, e);
    }
    // The host logs the same connections.
    let host_labels = labels(&std::fs::read_to_string(&host_log).unwrap());
    assert_eq!(
        host_labels.keys().collect::<Vec<_>>(),
        member_labels.keys().collect::<Vec<_>>()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&member_log).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
}

#[test]
fn without_the_flag_or_the_variable_nothing_is_logged_and_sslkeylogfile_works() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let (mut host, addr) = common::headless_host_with(config_dir.path(), &server);
    let run = |env: Option<&std::path::Path>| {
        let mut cmd = common::tlschat_command(config_dir.path());
        cmd.env_remove("SSLKEYLOGFILE");
        if let Some(path) = env {
            cmd.env("SSLKEYLOGFILE", path);
        }
        cmd.args(["join", &addr.to_string(), "--headless", "--ca"])
            .arg(&pki.ca_pem);
        let mut p = common::Proc::spawn(&mut cmd);
        p.expect("in the room", |l| l.starts_with("* you are"));
        p.close_stdin();
        p.wait_exit()
    };
    let (code, _) = run(None);
    assert_eq!(code, Some(0));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let log = dir.path().join("env.keys");
    let (code, stderr) = run(Some(&log));
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains(&format!(
            "tlschat: warning: writing TLS secrets to {} — anyone who reads it can decrypt this session",
            log.display()
        )),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(labels(&text).len(), 1, "{text}");
    host.kill();
}

#[test]
fn join_show_handshake_prints_the_tree_on_stderr() {
    let pki = Pki::new();
    let server = pki.server();
    let config_dir = tempfile::tempdir().unwrap();
    let (mut host, addr) = common::headless_host_with(config_dir.path(), &server);
    let mut cmd = common::tlschat_command(config_dir.path());
    cmd.args(["join", &addr.to_string(), "--headless", "--show-handshake"])
        .args(["--groups", "x25519", "--ca"])
        .arg(&pki.ca_pem);
    let mut p = common::Proc::spawn(&mut cmd);
    p.expect("in the room", |l| l.starts_with("* you are"));
    p.close_stdin();
    let (code, stderr) = p.wait_exit();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("as it went over the wire ---"), "{stderr}");
    assert!(
        stderr.contains("member → host  Handshake: ClientHello"),
        "{stderr}"
    );
    assert!(stderr.contains("key share: X25519, 32 bytes"), "{stderr}");
    assert!(stderr.contains("certificate 1: localhost"), "{stderr}");
    assert!(stderr.contains("--- end of the handshake ---"), "{stderr}");
    host.kill();
}

/// `join --headless --show-handshake` in `lang` (`LANG`): says `line`,
/// waits until the record that carried it is printed, leaves; returns
/// what stderr says after the handshake.
fn headless_records(lang: &str, line: &str, printed: &str) -> String {
    let pki = Pki::new();
    let server = pki.server();
    let config_dir = tempfile::tempdir().unwrap();
    let (mut host, addr) = common::headless_host_with(config_dir.path(), &server);
    let mut cmd = common::tlschat_command(config_dir.path());
    cmd.env("LANG", lang)
        .args(["join", &addr.to_string(), "--headless", "--show-handshake"])
        .arg("--ca")
        .arg(&pki.ca_pem);
    let mut p = common::Proc::spawn(&mut cmd);
    p.expect("in the room", |l| l.starts_with("* "));
    p.say(line);
    let end = std::time::Instant::now() + common::DEADLINE;
    while !p
        .stderr()
        .lines()
        .any(|l| l.contains(printed) && l.contains(line))
    {
        assert!(
            std::time::Instant::now() < end,
            "the record of the line was not printed: {}",
            p.stderr()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    p.close_stdin();
    let (code, stderr) = p.wait_exit();
    assert_eq!(code, Some(0), "{stderr}");
    host.kill();
    stderr
        .split("--- end of the handshake ---")
        .nth(1)
        .expect("the handshake, then the records")
        .to_string()
}

#[test]
fn join_show_handshake_prints_each_record_after_the_handshake() {
    let line = "the word is plover";
    let after = headless_records(
        "C.UTF-8",
        line,
        "member → host  ApplicationData #1, decrypted:",
    );
    assert!(
        after.contains("--- after the handshake: each record as it passes"),
        "{after}"
    );
    // The member's hello (#0), then its line (#1): its sequence number,
    // sizes, and the line decrypted.
    let record = after
        .split("member → host  ApplicationData #1, decrypted:")
        .nth(1)
        .expect("the line's record");
    assert!(record.contains("sequence number: 1"), "{record}");
    assert!(record.contains("AEAD tag: "), "{record}");
    assert!(record.contains("encrypted bytes: "), "{record}");
    assert!(
        record.contains("application data: ") && record.contains(line),
        "{record}"
    );
    // The host's echo of it came back as a record too.
    assert!(
        after
            .lines()
            .any(|l| l.contains("host → member  ApplicationData #") && l.contains(line)),
        "{after}"
    );
}

#[test]
fn join_show_handshake_prints_the_records_in_chinese_under_a_chinese_locale() {
    let line = "你好，线路";
    let after = headless_records(
        "zh_CN.UTF-8",
        line,
        "成员 → 主持人  ApplicationData #1，已解密：",
    );
    assert!(
        after.contains("--- 握手之后：每条记录经过时即显示"),
        "{after}"
    );
    assert!(after.contains("序列号：1"), "{after}");
    assert!(after.contains("毫秒"), "{after}");
    assert!(!after.contains("sequence number"), "{after}");
}

#[test]
fn an_unknown_group_is_one_line_naming_it_and_the_valid_ones() {
    let config_dir = tempfile::tempdir().unwrap();
    let out = common::tlschat_command(config_dir.path())
        .args([
            "join",
            "127.0.0.1:1",
            "--headless",
            "--groups",
            "X25519,x448",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown key-exchange group 'x448'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("X25519MLKEM768, X25519, secp256r1, secp384r1"),
        "{stderr}"
    );
}

/// A tape made of a real handshake's records, for the fuzz tests.
fn real_tape() -> Tape {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let (_member, info) = connect(join_config(addr, "m", &pki.ca_pem));
    let h = wire(&info);
    let mut tape = Tape::default();
    for s in &h.steps {
        let flow = match s.direction {
            Direction::ToHost => &mut tape.sent,
            Direction::ToMember => &mut tape.received,
        };
        flow.marks.push((flow.bytes.len(), s.time_us));
        flow.bytes.extend_from_slice(&s.record);
    }
    tape
}

fn flow(bytes: Vec<u8>) -> Flow {
    Flow {
        marks: vec![(0, 0)],
        bytes,
        truncated: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(sent in proptest::collection::vec(any::<u8>(), 0..4096),
                                received in proptest::collection::vec(any::<u8>(), 0..4096),
                                client in any::<bool>()) {
        let tape = Tape { sent: flow(sent), received: flow(received) };
        let secrets = tlschat::net::keylog::HandshakeSecrets { client: vec![1; 48], server: vec![2; 48] };
        let _ = decode(&tape, client, None);
        let _ = decode(&tape, client, Some(&secrets));
    }

    #[test]
    fn records_that_look_like_tls_never_panic(records in proptest::collection::vec(
        (20u8..25, proptest::collection::vec(any::<u8>(), 0..600)), 0..12)) {
        let mut bytes = Vec::new();
        for (t, body) in records {
            bytes.extend_from_slice(&[t, 3, 3]);
            bytes.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
            bytes.extend_from_slice(&body);
        }
        let tape = Tape { sent: flow(bytes.clone()), received: flow(bytes) };
        let _ = decode(&tape, true, None);
    }
}

#[test]
fn a_real_handshake_truncated_or_changed_anywhere_never_panics() {
    let tape = real_tape();
    let secrets = tlschat::net::keylog::HandshakeSecrets {
        client: vec![3; 48],
        server: vec![4; 48],
    };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    runner
        .run(
            &(
                any::<bool>(),
                any::<prop::sample::Index>(),
                any::<u8>(),
                any::<bool>(),
            ),
            |(sent_side, at, byte, cut)| {
                let mut t = tape.clone();
                let f = if sent_side {
                    &mut t.sent
                } else {
                    &mut t.received
                };
                let i = at.index(f.bytes.len().max(1));
                if cut {
                    f.bytes.truncate(i);
                } else if let Some(b) = f.bytes.get_mut(i) {
                    *b = byte;
                }
                let h = decode(&t, true, Some(&secrets));
                // Every span points inside its step.
                for s in &h.steps {
                    for m in &s.messages {
                        check_spans(s, m);
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}

/// Every span of `f` and its parts points inside `step`.
pub(crate) fn check_spans(step: &tlschat::net::wire::Step, f: &Field) {
    if let Some(span) = f.span {
        assert!(step.bytes(span).is_some(), "{} {span:?}", f.name);
    }
    for c in &f.children {
        check_spans(step, c);
    }
}

#[test]
fn a_host_asked_to_records_each_members_handshake_and_opens_it() {
    let pki = Pki::new();
    let server = pki.server();
    let mut config = host_config(&server, "host");
    config.tls.record_handshakes = true;
    let (mut host, addr) = host_from(config);
    let (_member, info) = connect(join_config(addr, "m", &pki.ca_pem));
    let seen = host.wait_for("the member's handshake", |e| match e {
        NetEvent::MemberHandshake { wire, .. } => Some(wire.clone()),
        _ => None,
    });
    // The same handshake the member saw, from the other end: the same
    // records, opened the same way.
    let member_side = wire(&info);
    for name in [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "CertificateVerify",
    ] {
        let (a, b) = (
            seen.step_of(name).unwrap(),
            member_side.step_of(name).unwrap(),
        );
        assert_eq!(
            (a.direction, &a.record, &a.plain),
            (b.direction, &b.record, &b.plain),
            "{name}"
        );
    }
    let finished: Vec<Direction> = seen
        .messages()
        .filter(|(_, m)| m.name == "Finished")
        .map(|(d, _)| d)
        .collect();
    assert_eq!(finished, vec![Direction::ToMember, Direction::ToHost]);
    let (_, cert) = seen.message("Certificate").unwrap();
    assert_eq!(
        bytes_of(&seen, "Certificate", &cert.children[0]),
        &server.der[..]
    );
}

#[test]
fn a_members_certificate_and_certificate_verify_are_seen_by_the_host() {
    let pki = Pki::new();
    let mut config = host_config(&pki.server(), "host");
    config.tls.record_handshakes = true;
    let (mut host, addr) = host_from(config);
    // A member with a configuration directory presents its own key.
    let dir = tempfile::tempdir().unwrap();
    let mut join = join_config(addr, "m", &pki.ca_pem);
    join.config_dir = Some(dir.path().to_path_buf());
    let (_member, info) = connect(join);
    let me = tlschat::net::identity::existing_identity(dir.path())
        .unwrap()
        .unwrap();
    let der = std::fs::read_to_string(&me.cert_path).unwrap();
    let der = tlschat::net::pem::parse_certs(der.as_bytes(), &me.cert_path).unwrap();
    assert_eq!(
        info.client_certificate.as_ref().map(|c| c.sha256),
        Some(me.cert.sha256),
        "the member says it sent it"
    );
    let seen = host.wait_for("the member's handshake", |e| match e {
        NetEvent::MemberHandshake { wire, .. } => Some(wire.clone()),
        _ => None,
    });
    let names: Vec<(Direction, &str)> =
        seen.messages().map(|(d, m)| (d, m.name.as_str())).collect();
    assert!(
        names.contains(&(Direction::ToMember, "CertificateRequest")),
        "{names:?}"
    );
    // The member's Certificate holds its own certificate, decrypted.
    let (_, cert) = seen
        .messages()
        .find(|(d, m)| *d == Direction::ToHost && m.name == "Certificate")
        .unwrap_or_else(|| panic!("{names:?}"));
    let step = seen
        .steps
        .iter()
        .find(|s| {
            s.direction == Direction::ToHost && s.messages.iter().any(|m| m.name == "Certificate")
        })
        .unwrap();
    let span = cert.children[0].span.unwrap();
    assert_eq!(step.bytes(span).unwrap(), &der[0][..]);
    assert!(
        names.contains(&(Direction::ToHost, "CertificateVerify")),
        "{names:?}"
    );
}

#[test]
fn a_host_not_asked_records_nothing() {
    let pki = Pki::new();
    let (mut host, addr) = host_from(host_config(&pki.server(), "host"));
    let (mut member, _) = connect(join_config(addr, "m", &pki.ca_pem));
    member.wait_for("joined", |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    host.wait_for("the member joined", |e| {
        matches!(e, NetEvent::MemberJoined(_)).then_some(())
    });
    assert!(
        !host
            .seen
            .iter()
            .any(|e| matches!(e, NetEvent::MemberHandshake { .. })),
        "{:?}",
        host.seen
    );
}
