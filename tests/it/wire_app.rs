//! "On the wire" after the handshake, over real TLS on loopback: the
//! chat line a member sends is found decrypted in an application-data
//! record with the sequence number the key log's own secret opens it at;
//! its ciphertext is not its plaintext; TLS 1.2 too; only the last 64
//! records are kept, numbered right however many went; a KeyUpdate is
//! followed; the host asked to record sees the same records; hostile bytes
//! never panic.

use crate::common;
use crate::wire::check_spans;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::aead;
use common::{Command, Node, Pki, host_config, host_from, join_config};
use tlschat::net::wire::decrypt::expand_label;
use tlschat::net::wire::live::{KEEP, Live};
use tlschat::net::wire::{Direction, Step};
use tlschat::net::{ConnectionInfo, JoinConfig, NetEvent, TlsVersion};

/// Joins with `config` (following its records); the node and its facts.
fn connect(mut config: JoinConfig) -> (Node, Box<ConnectionInfo>) {
    config.tls.record_handshakes = true;
    let (mut node, info) = crate::wire::connect(config);
    node.wait_for("joined", |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    (node, info)
}

/// Says `text` and waits for the room to have it.
fn say(node: &mut Node, id: u64, text: &str) {
    node.send(Command::Send {
        id,
        text: text.into(),
    });
    node.wait_for("delivered", |e| {
        matches!(e, NetEvent::Delivered { id: i } if *i == id).then_some(())
    });
}

/// A host asked to record (and follow) its members' connections.
fn recording_host(pki: &Pki) -> (Node, std::net::SocketAddr) {
    let mut host = host_config(&pki.server(), "host");
    host.tls.record_handshakes = true;
    host_from(host)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The first kept record going `direction` whose plaintext holds `text`,
/// waited for.
fn record_with(live: &Live, direction: Direction, text: &str) -> Arc<Step> {
    let end = Instant::now() + common::DEADLINE;
    loop {
        if let Some(s) = live.kept(direction).into_iter().find(|s| {
            s.plain
                .as_deref()
                .is_some_and(|p| contains(p, text.as_bytes()))
        }) {
            return s;
        }
        assert!(Instant::now() < end, "no record with {text:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `LABEL` secret of the key log line with this client random.
fn logged(log: &str, label: &str, random: &str) -> Vec<u8> {
    let line = log
        .lines()
        .find(|l| l.starts_with(&format!("{label} {random} ")))
        .unwrap_or_else(|| panic!("{label} for {random} in\n{log}"));
    let hex = line.rsplit(' ').next().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// Opens a TLS 1.3 record at `seq` with a traffic secret from the key log,
/// independently of the decoder: what it shows as the sequence number is
/// the one the record was sealed with only if this opens.
fn open13(suite: &str, secret: &[u8], seq: u64, record: &[u8]) -> Option<Vec<u8>> {
    let (hkdf, alg) = if suite.ends_with("SHA384") {
        (aws_lc_rs::hkdf::HKDF_SHA384, &aead::AES_256_GCM)
    } else if suite.contains("CHACHA20") {
        (aws_lc_rs::hkdf::HKDF_SHA256, &aead::CHACHA20_POLY1305)
    } else {
        (aws_lc_rs::hkdf::HKDF_SHA256, &aead::AES_128_GCM)
    };
    let key = expand_label(hkdf, secret, b"key", b"", alg.key_len())?;
    let mut nonce: [u8; 12] = expand_label(hkdf, secret, b"iv", b"", 12)?
        .try_into()
        .ok()?;
    for (n, s) in nonce.iter_mut().rev().zip(seq.to_be_bytes().iter().rev()) {
        *n ^= s;
    }
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(alg, &key).ok()?);
    let header: [u8; 5] = record.get(..5)?.try_into().ok()?;
    let mut buf = record.get(5..)?.to_vec();
    let plain = key
        .open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(header),
            &mut buf,
        )
        .ok()?;
    Some(plain.to_vec())
}

fn random_of(info: &ConnectionInfo) -> String {
    let wire = info.wire.as_ref().unwrap();
    let (_, hello) = wire.message("ClientHello").unwrap();
    hello.child("random").unwrap().value.clone()
}

fn field<'a>(step: &'a Step, path: &[&str]) -> &'a tlschat::net::wire::Field {
    let (first, rest) = path.split_first().unwrap();
    let mut f = step
        .messages
        .iter()
        .find(|m| m.name == *first)
        .unwrap_or_else(|| panic!("{first} in {:?}", step.title));
    for name in rest {
        f = f
            .child(name)
            .unwrap_or_else(|| panic!("{name} in {}", f.name));
    }
    f
}

#[test]
fn a_chat_line_is_found_decrypted_with_the_sequence_number_the_key_log_opens_it_at() {
    let pki = Pki::new();
    let (mut host, addr) = recording_host(&pki);
    let keys = tempfile::tempdir().unwrap();
    let log = keys.path().join("keys.log");
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    config.tls.keylog = Some(log.clone());
    let (mut member, info) = connect(config);
    let live = info.live.clone().expect("the member follows its records");
    let line = "the secret word is plover-7f3a";
    say(&mut member, 1, line);

    let step = record_with(&live, Direction::ToHost, line);
    assert_eq!(step.record[0], 23, "it went as application data");
    assert!(
        !contains(&step.record, line.as_bytes()),
        "the record's ciphertext is not its plaintext"
    );
    let seq = step.seq.expect("opened, with its sequence number");
    // The key log's own secret opens the record at exactly that number,
    // and at no other near it.
    let secret = logged(
        &std::fs::read_to_string(&log).unwrap(),
        "CLIENT_TRAFFIC_SECRET_0",
        &random_of(&info),
    );
    let suite = info.cipher_suite_name();
    let plain = open13(&suite, &secret, seq, &step.record).expect("opens at its seq");
    assert_eq!(step.plain.as_deref(), Some(&plain[..]));
    for other in [seq.wrapping_sub(1), seq + 1] {
        assert!(open13(&suite, &secret, other, &step.record).is_none());
    }
    // What the view shows of it.
    assert_eq!(
        field(&step, &["encryption", "sequence number"]).value,
        seq.to_string()
    );
    assert_eq!(
        field(&step, &["encryption", "inner content type"]).value,
        "ApplicationData (23)"
    );
    let data = field(&step, &["application data"]);
    assert!(data.value.contains(line), "{}", data.value);
    let tag = field(&step, &["encryption", "AEAD tag"]);
    assert_eq!(
        step.bytes(tag.span.unwrap()).unwrap(),
        &step.record[step.record.len() - 16..]
    );
    assert!(step.title.contains(line), "{}", step.title);

    // The host, asked to record, saw the same record with the same number.
    let host_live = host.wait_for("the member's records", |e| match e {
        NetEvent::MemberHandshake { live, .. } => live.clone(),
        _ => None,
    });
    let there = record_with(&host_live, Direction::ToHost, line);
    assert_eq!((&there.record, there.seq), (&step.record, step.seq));
    // And the echo back to the member, encrypted with the host's secret.
    let back = record_with(&live, Direction::ToMember, line);
    let server_secret = logged(
        &std::fs::read_to_string(&log).unwrap(),
        "SERVER_TRAFFIC_SECRET_0",
        &random_of(&info),
    );
    assert!(open13(&suite, &server_secret, back.seq.unwrap(), &back.record).is_some());
}

#[test]
fn tls_1_2_records_are_opened_with_the_master_secret_finished_included() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    config.tls.version = Some(TlsVersion::Tls12);
    let (mut member, info) = connect(config);
    assert_eq!(info.protocol, TlsVersion::Tls12);
    let wire = info.wire.clone().unwrap();
    // Both Finished messages, decrypted, at sequence number 0.
    let finished: Vec<(Direction, Option<u64>)> = wire
        .steps
        .iter()
        .filter(|s| s.messages.iter().any(|m| m.name == "Finished"))
        .map(|s| (s.direction, s.seq))
        .collect();
    assert_eq!(
        finished,
        vec![(Direction::ToHost, Some(0)), (Direction::ToMember, Some(0))],
        "{:?}",
        wire.steps.iter().map(|s| &s.title).collect::<Vec<_>>()
    );
    let live = info.live.clone().unwrap();
    let line = "over TLS 1.2, still secret";
    say(&mut member, 1, line);
    let step = record_with(&live, Direction::ToHost, line);
    assert!(!contains(&step.record, line.as_bytes()));
    assert!(step.seq.unwrap() >= 1, "after Finished");
    let encryption = field(&step, &["encryption"]);
    if info.cipher_suite_name().contains("GCM") {
        let explicit = encryption
            .child("explicit nonce")
            .expect("AES-GCM sends it");
        let span = explicit.span.unwrap();
        assert_eq!((span.start, span.len), (5, 8));
        // The nonce is the key block's 4 bytes, then the explicit 8.
        let nonce = &encryption.child("nonce").unwrap().value;
        assert!(
            nonce.ends_with(&explicit.value),
            "{nonce} {}",
            explicit.value
        );
    }
    assert!(
        encryption.child("inner content type").is_none(),
        "TLS 1.2 has none"
    );
}

#[test]
fn only_the_last_64_are_kept_and_the_100th_is_numbered_right() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let (mut member, info) = connect(join_config(addr, "ana", &pki.ca_pem));
    let live = info.live.clone().unwrap();
    let first = "line number 0";
    say(&mut member, 0, first);
    let seq0 = record_with(&live, Direction::ToHost, first).seq.unwrap();
    let before = live.count(Direction::ToHost);
    for i in 1..100u64 {
        say(&mut member, i, &format!("line number {i}"));
    }
    let last = record_with(&live, Direction::ToHost, "line number 99");
    // One record per line (each waited for): the 100th is 99 after the first.
    assert_eq!(last.seq, Some(seq0 + 99));
    assert_eq!(last.index, before - 1 + 99);
    let kept = live.kept(Direction::ToHost);
    assert_eq!(kept.len(), KEEP);
    assert!(
        !kept.iter().any(|s| s
            .plain
            .as_deref()
            .is_some_and(|p| contains(p, first.as_bytes()))),
        "the first is gone"
    );
    let seqs: Vec<u64> = kept.iter().filter_map(|s| s.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert!(live.kept(Direction::ToMember).len() <= KEEP);
}

/// A host asked to record follows a member's records only while someone
/// holds what it recorded (its window keeps the last few members, a
/// headless host none): a host with thousands of members recorded does
/// not keep 64 records each of every one.
#[test]
fn a_host_follows_a_member_only_while_someone_holds_its_records() {
    let pki = Pki::new();
    let (mut host, addr) = recording_host(&pki);
    let (mut member, _info) = connect(join_config(addr, "ana", &pki.ca_pem));
    let live = host.wait_for("the member's records", |e| match e {
        NetEvent::MemberHandshake { live, .. } => live.clone(),
        _ => None,
    });
    say(&mut member, 1, "while it is shown");
    record_with(&live, Direction::ToHost, "while it is shown");
    let weak = Arc::downgrade(&live);
    drop(live);
    host.seen.clear();
    say(&mut member, 2, "after nobody shows it");
    host.wait_message("after nobody shows it");
    assert!(
        weak.upgrade().is_none(),
        "nobody shows the member's records: the host keeps none of them"
    );
}

#[test]
fn a_member_not_asked_to_follow_keeps_nothing_after_the_handshake() {
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let mut node = Node::start();
    node.send(Command::Join(join_config(addr, "ana", &pki.ca_pem)));
    let info = node.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.clone()),
        _ => None,
    });
    assert!(info.wire.is_some(), "the handshake is recorded");
    assert!(info.live.is_none(), "nothing after it");
}

/// A client and a server of rustls itself over loopback, the client's
/// TCP stream recorded and its records followed from the handshake on.
mod pair {
    use std::sync::Arc;

    use tlschat::net::keylog::{Captured, Secrets};
    use tlschat::net::recorder::Recorder;
    use tlschat::net::wire::live::{Live, Recorded, Seats, start};
    use tokio::net::{TcpListener, TcpStream};

    pub struct Pair {
        pub client: tokio_rustls::client::TlsStream<Recorder<TcpStream>>,
        pub server: tokio_rustls::server::TlsStream<TcpStream>,
        pub recorded: Option<Recorded>,
        /// The secrets the client's handshake left (until taken).
        pub captured: Arc<Captured>,
    }

    impl Pair {
        pub fn live(&self) -> Arc<Live> {
            self.recorded
                .as_ref()
                .and_then(|r| r.live.clone())
                .expect("followed")
        }
    }

    /// `tls12`: TLS 1.2 only; `fragment`: the server's largest record.
    pub async fn connect(pki: &crate::common::Pki, tls12: bool, fragment: Option<usize>) -> Pair {
        connect_with(pki, tls12, fragment, None, None).await
    }

    /// As [`connect`], with only the cipher suite `suite` when given.
    pub async fn connect_with(
        pki: &crate::common::Pki,
        tls12: bool,
        fragment: Option<usize>,
        suite: Option<rustls::CipherSuite>,
        seats: Option<&Arc<Seats>>,
    ) -> Pair {
        let mut provider = rustls::crypto::aws_lc_rs::default_provider();
        if let Some(only) = suite {
            provider.cipher_suites.retain(|s| s.suite() == only);
        }
        let provider = Arc::new(provider);
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        let server = pki.server();
        let identity =
            tlschat::net::pem::load_identity(&server.cert, &server.key, &provider).unwrap();
        let mut server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(identity)));
        server_config.max_fragment_size = fragment;
        let ca = std::fs::read(&pki.ca_pem).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        for c in tlschat::net::pem::parse_certs(&ca, &pki.ca_pem).unwrap() {
            roots.add(c).unwrap();
        }
        let mut client_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let captured = Arc::new(Captured::following());
        client_config.key_log = Arc::new(Secrets {
            file: None,
            capture: Some(captured.clone()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
        let accept = async {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor.accept(tcp).await.unwrap()
        };
        let dial = async {
            let tcp = Recorder::new(TcpStream::connect(addr).await.unwrap(), true);
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            connector.connect(name, tcp).await.unwrap()
        };
        let (server, mut client) = tokio::join!(accept, dial);
        let recorded = start(client.get_mut().0, true, &captured, None, seats);
        Pair {
            client,
            server,
            recorded,
            captured,
        }
    }
}

/// Writes `text` on one end and reads it on the other.
async fn over<A, B>(from: &mut A, to: &mut B, text: &str)
where
    A: tokio::io::AsyncWrite + Unpin,
    B: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    from.write_all(text.as_bytes()).await.unwrap();
    from.flush().await.unwrap();
    let mut got = vec![0u8; text.len()];
    tokio::time::timeout(common::DEADLINE, to.read_exact(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, text.as_bytes());
}

#[tokio::test]
async fn after_a_key_update_both_ways_the_records_still_open() {
    let pki = Pki::new();
    let mut p = pair::connect(&pki, false, None).await;
    over(&mut p.client, &mut p.server, "before the update").await;
    p.client.get_mut().1.refresh_traffic_keys().unwrap();
    over(&mut p.client, &mut p.server, "after the update").await;
    // The member asked the host to update too: its reply is under new keys.
    over(&mut p.server, &mut p.client, "the host's reply").await;
    let live = p.live();
    let before = record_with(&live, Direction::ToHost, "before the update");
    assert!(
        field(&before, &["encryption"])
            .child("traffic secret")
            .is_none()
    );
    let update = live
        .kept(Direction::ToHost)
        .into_iter()
        .find(|s| s.messages.iter().any(|m| m.name == "KeyUpdate"))
        .expect("the member's KeyUpdate, decrypted");
    assert!(
        field(&update, &["KeyUpdate"])
            .value
            .starts_with("update_requested")
    );
    let after = record_with(&live, Direction::ToHost, "after the update");
    assert_eq!(after.seq, Some(0), "numbered from 0 under the new secret");
    assert_eq!(
        field(&after, &["encryption", "traffic secret"]).value,
        "after 1 KeyUpdate"
    );
    let reply = record_with(&live, Direction::ToMember, "the host's reply");
    assert_eq!(
        field(&reply, &["encryption", "traffic secret"]).value,
        "after 1 KeyUpdate"
    );
    assert!(
        live.kept(Direction::ToMember)
            .iter()
            .any(|s| s.messages.iter().any(|m| m.name == "KeyUpdate"))
    );
}

/// TLS 1.2 encrypts its alerts after ChangeCipherSpec: the close_notify
/// that ends the connection is opened like any other record, never read
/// from its ciphertext (whose first bytes are the explicit nonce).
#[tokio::test]
async fn a_tls_1_2_alert_after_change_cipher_spec_is_opened_not_read_from_its_ciphertext() {
    use tokio::io::AsyncWriteExt as _;
    let pki = Pki::new();
    let mut p = pair::connect(&pki, true, None).await;
    p.client.shutdown().await.unwrap();
    let live = p.live();
    let end = Instant::now() + common::DEADLINE;
    let alert = loop {
        if let Some(s) = live
            .kept(Direction::ToHost)
            .into_iter()
            .find(|s| s.record.first() == Some(&21))
        {
            break s;
        }
        assert!(Instant::now() < end, "no alert record");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(alert.seq.is_some(), "opened: {}", alert.title);
    assert_eq!(
        alert.plain.as_deref(),
        Some(&[1u8, 0][..]),
        "warning, close_notify"
    );
    let field = alert.messages.iter().find(|m| m.name == "Alert").unwrap();
    assert_eq!(field.value, "level 1, CloseNotify");
}

/// The keys that open a connection's records are kept while it lives,
/// not after: once it is gone the records opened stay, its traffic
/// secrets do not.
#[tokio::test]
async fn once_the_connection_is_gone_its_keys_are_forgotten() {
    for tls12 in [false, true] {
        let pki = Pki::new();
        let mut p = pair::connect(&pki, tls12, None).await;
        over(&mut p.client, &mut p.server, "said before the end").await;
        let live = p.live();
        assert!(live.holds_keys(), "while it lives");
        let pair::Pair { client, server, .. } = p;
        drop(client);
        drop(server);
        assert!(!live.holds_keys(), "TLS 1.2: {tls12}");
        assert!(
            live.kept(Direction::ToHost).iter().any(|s| s
                .plain
                .as_deref()
                .is_some_and(|b| contains(b, b"before the end"))),
            "what was opened stays"
        );
    }
}

/// A host records and follows at most so many members at once: past its
/// seats (its window, not drawn, took nothing in) nothing is recorded; a
/// seat given back (its records no longer shown) is taken again.
#[tokio::test]
async fn past_its_seats_a_connection_is_not_recorded() {
    let pki = Pki::new();
    let seats = tlschat::net::wire::live::Seats::new(1);
    let first = pair::connect_with(&pki, false, None, None, Some(&seats)).await;
    let live = first.live();
    let second = pair::connect_with(&pki, false, None, None, Some(&seats)).await;
    assert!(second.recorded.is_none(), "no seat left");
    assert!(
        second.captured.is_empty(),
        "its secrets were not left behind"
    );
    drop(first);
    drop(live);
    let third = pair::connect_with(&pki, false, None, None, Some(&seats)).await;
    assert!(third.recorded.is_some(), "the seat was given back");
}

#[tokio::test]
async fn a_tls_1_2_handshake_message_split_over_records_is_shown_whole() {
    let pki = Pki::new();
    let mut p = pair::connect(&pki, true, Some(128)).await;
    let h = &p.recorded.as_ref().unwrap().handshake;
    let (_, cert) = h.message("Certificate").expect("the Certificate, whole");
    assert_eq!(cert.children.len(), 1, "{cert:?}");
    let step = h.step_of("Certificate").unwrap();
    let span = cert.children[0].span.unwrap();
    assert_eq!(span.layer, tlschat::net::wire::Layer::Joined);
    let der = step.bytes(span).unwrap();
    assert_eq!(
        tlschat::net::CertInfo::from_der(der).display_name(),
        "localhost"
    );
    assert!(step.record.len() <= 5 + 128);
    assert!(
        h.steps
            .iter()
            .any(|s| s.messages.iter().any(|m| m.name == "fragment")),
        "the records before hold its start"
    );
    // The Finished and the data after it open, however small the records.
    assert!(h.message("Finished").is_some());
    over(
        &mut p.server,
        &mut p.client,
        "cut into small records, still read",
    )
    .await;
    let live = p.live();
    let end = Instant::now() + common::DEADLINE;
    while !live.kept(Direction::ToMember).iter().any(|s| {
        s.plain
            .as_deref()
            .is_some_and(|b| contains(b, b"small records"))
    }) {
        assert!(Instant::now() < end);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn garbage_and_truncated_records_after_the_handshake_never_panic() {
    use proptest::prelude::*;
    use tlschat::net::recorder::Follow as _;
    let pki = Pki::new();
    let p = pair::connect(&pki, false, None).await;
    let live = p.live();
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(256));
    runner
        .run(
            &(
                any::<bool>(),
                20u8..26,
                proptest::collection::vec(any::<u8>(), 0..700),
                0usize..800,
            ),
            |(sent, t, body, cut)| {
                let mut record = vec![t, 3, 3];
                record.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
                record.extend_from_slice(&body);
                record.truncate(cut.max(1));
                live.bytes(sent, &record, 0);
                Ok(())
            },
        )
        .unwrap();
    // Bounded whatever came, and every span inside its record.
    for d in [Direction::ToHost, Direction::ToMember] {
        let kept = live.kept(d);
        assert!(kept.len() <= KEEP);
        for s in kept {
            for m in &s.messages {
                check_spans(&s, m);
            }
        }
    }
}

/// What went, chunk by chunk: (to the host, the bytes).
type Chunks = Arc<std::sync::Mutex<Vec<(bool, Vec<u8>)>>>;

/// A relay on loopback that forwards one connection untouched and keeps
/// every chunk, in order, as a capture would.
struct Capture {
    addr: std::net::SocketAddr,
    chunks: Chunks,
    ports: Arc<std::sync::Mutex<(u16, u16)>>,
}

impl Capture {
    fn start(target: std::net::SocketAddr) -> Self {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let chunks = Arc::new(std::sync::Mutex::new(Vec::new()));
        let ports = Arc::new(std::sync::Mutex::new((0, target.port())));
        let (c, p) = (chunks.clone(), ports.clone());
        std::thread::spawn(move || {
            let (client, peer) = listener.accept().unwrap();
            p.lock().unwrap().0 = peer.port();
            let server = std::net::TcpStream::connect(target).unwrap();
            let pipe = move |mut from: std::net::TcpStream,
                             mut to: std::net::TcpStream,
                             to_host: bool,
                             chunks: Chunks| {
                let mut buf = vec![0u8; 8192];
                loop {
                    // The lock is held from the read's end to the write:
                    // chunks are kept in the order they went.
                    let n = match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    chunks.lock().unwrap().push((to_host, buf[..n].to_vec()));
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Write);
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let cc = c.clone();
            std::thread::spawn(move || pipe(s2, c2, false, cc));
            pipe(client, server, true, c);
        });
        Self {
            addr,
            chunks,
            ports,
        }
    }

    /// The capture as a pcap file (raw IPv4, one TCP segment per chunk).
    fn pcap(&self) -> Vec<u8> {
        let (member, host) = *self.ports.lock().unwrap();
        let mut out = Vec::new();
        for v in [
            0xa1b2_c3d4_u32.to_le_bytes().to_vec(),
            2u16.to_le_bytes().to_vec(),
            4u16.to_le_bytes().to_vec(),
            vec![0; 8],
            65535u32.to_le_bytes().to_vec(),
            101u32.to_le_bytes().to_vec(),
        ] {
            out.extend_from_slice(&v);
        }
        let (mut seq_up, mut seq_down) = (1000u32, 5000u32);
        for (i, (to_host, data)) in self.chunks.lock().unwrap().iter().enumerate() {
            let (sport, dport, seq, ack) = if *to_host {
                (member, host, seq_up, seq_down)
            } else {
                (host, member, seq_down, seq_up)
            };
            let total = u16::try_from(40 + data.len()).unwrap();
            let mut ip = vec![0x45, 0];
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
            ip.extend_from_slice(&sport.to_be_bytes());
            ip.extend_from_slice(&dport.to_be_bytes());
            ip.extend_from_slice(&seq.to_be_bytes());
            ip.extend_from_slice(&ack.to_be_bytes());
            ip.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
            ip.extend_from_slice(data);
            let len = u32::try_from(ip.len()).unwrap();
            out.extend_from_slice(&u32::try_from(i).unwrap().to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&ip);
            let n = u32::try_from(data.len()).unwrap();
            if *to_host {
                seq_up += n;
            } else {
                seq_down += n;
            }
        }
        out
    }
}

#[test]
fn tshark_with_the_key_log_agrees_on_each_records_type_and_plaintext() {
    if std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!("tshark is not installed: skipped");
        return;
    }
    let pki = Pki::new();
    let (_host, addr) = host_from(host_config(&pki.server(), "host"));
    let capture = Capture::start(addr);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("keys.log");
    let mut config = join_config(capture.addr, "ana", &pki.ca_pem);
    config.tls.keylog = Some(log.clone());
    let (mut member, info) = connect(config);
    let live = info.live.clone().unwrap();
    let lines = ["first line for tshark", "second line, 第二行"];
    for (i, l) in lines.iter().enumerate() {
        say(&mut member, i as u64, l);
        record_with(&live, Direction::ToMember, l);
    }
    // Each line came back: both ends are quiet, the capture holds all.
    let pcap = dir.path().join("chat.pcap");
    std::fs::write(&pcap, capture.pcap()).unwrap();
    let tshark = |args: &[&str]| {
        let out = std::process::Command::new("tshark")
            .arg("-r")
            .arg(&pcap)
            .arg("-o")
            .arg(format!("tls.keylog_file:{}", log.display()))
            .args(["-d", &format!("tcp.port=={},tls", addr.port())])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // Every record's (inner) content type, as tshark opens it, each way.
    let fields = tshark(&[
        "-Y",
        "tls",
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-e",
        "tcp.dstport",
        "-e",
        "tls.record.content_type",
    ]);
    let mut theirs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for line in fields.lines() {
        let (port, types) = line.split_once('\t').unwrap();
        let to_host = port == addr.port().to_string();
        for t in types.split(',') {
            theirs[usize::from(!to_host)].push(t.parse().unwrap());
        }
    }
    // The application data each way, decrypted by tshark.
    let follow = tshark(&["-q", "-z", "follow,tls,raw,0"]);
    let mut their_data: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    // Lines from node 1 are indented; which node the host is, tshark says.
    let host_is_node_0 = follow
        .lines()
        .any(|l| l.starts_with("Node 0:") && l.ends_with(&format!(":{}", addr.port())));
    for line in follow.lines() {
        let hex = line.trim_start_matches('\t');
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
        let from_node_1 = line.starts_with('\t');
        their_data[usize::from(from_node_1 != host_is_node_0)].extend(bytes);
    }
    // Ours: the handshake's records, then those followed after it.
    let wire = info.wire.clone().unwrap();
    for (d, direction) in [Direction::ToHost, Direction::ToMember]
        .into_iter()
        .enumerate()
    {
        let steps: Vec<Step> = wire
            .steps
            .iter()
            .filter(|s| s.direction == direction)
            .cloned()
            .chain(live.kept(direction).iter().map(|s| (**s).clone()))
            .collect();
        assert_eq!(
            steps.len() as u64,
            live.count(direction),
            "none dropped: fewer than 64"
        );
        let ours: Vec<u8> = steps.iter().map(inner_type).collect();
        assert_eq!(ours, theirs[d], "{direction:?}: the records' content types");
        let data: Vec<u8> = steps
            .iter()
            .filter_map(|s| {
                s.messages
                    .iter()
                    .find(|m| m.name == "application data")
                    .map(|f| s.bytes(f.span.unwrap()).unwrap().to_vec())
            })
            .flatten()
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&data),
            String::from_utf8_lossy(&their_data[d]),
            "{direction:?}: the plaintext"
        );
    }
    assert!(contains(&their_data[0], lines[1].as_bytes()));
}

/// A record's content type: the inner one when it was opened.
fn inner_type(step: &Step) -> u8 {
    step.messages
        .iter()
        .find(|m| m.name == "encryption")
        .and_then(|e| e.child("inner content type"))
        .and_then(|t| {
            t.value
                .rsplit('(')
                .next()?
                .trim_end_matches(')')
                .parse()
                .ok()
        })
        .unwrap_or(step.record[0])
}

#[tokio::test]
async fn every_cipher_suite_rustls_offers_opens_both_ways() {
    let pki = Pki::new();
    let suites: Vec<_> = rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .map(|s| (s.suite(), s.version() == &rustls::version::TLS12))
        // The test certificate's key is ECDSA: no RSA suite can be chosen.
        .filter(|(s, _)| !s.as_str().unwrap_or_default().contains("_RSA_"))
        .collect();
    assert_eq!(suites.len(), 6, "{suites:?}");
    for (suite, tls12) in suites {
        let mut p = pair::connect_with(&pki, tls12, None, Some(suite), None).await;
        assert_eq!(
            p.client
                .get_ref()
                .1
                .negotiated_cipher_suite()
                .map(|s| s.suite()),
            Some(suite)
        );
        over(&mut p.client, &mut p.server, "up with this suite").await;
        over(&mut p.server, &mut p.client, "down with this suite").await;
        let live = p.live();
        let up = record_with(&live, Direction::ToHost, "up with this suite");
        let down = record_with(&live, Direction::ToMember, "down with this suite");
        for step in [&up, &down] {
            assert!(!contains(&step.record, b"with this suite"), "{suite:?}");
            let explicit = field(step, &["encryption"])
                .child("explicit nonce")
                .is_some();
            let gcm12 = tls12 && suite.as_str().unwrap_or_default().contains("GCM");
            assert_eq!(
                explicit, gcm12,
                "{suite:?}: an explicit nonce only in TLS 1.2 AES-GCM"
            );
        }
    }
}
