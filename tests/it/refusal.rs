//! A member refuses a host whose certificate it does not trust, before any
//! chat data flows, and says why as a browser would.

use crate::common;

use common::Command;
use common::{Issued, Node, Pki, days, host, join_config};
use rcgen::{BasicConstraints, IsCa};
use tlschat::net::trust::Problem;
use tlschat::net::{DisconnectKind, NetEvent, TrustBasis};

/// Hosts `cert`, joins with `ca` (and `pins`), and returns the refusal.
fn refused(
    cert: &Issued,
    ca: &std::path::Path,
    pins: Vec<[u8; 32]>,
) -> (tlschat::net::Untrusted, Node) {
    let (mut h, addr) = host(cert, "hana");
    let mut m = Node::start();
    let mut config = join_config(addr, "ana", ca);
    config.pins = pins;
    m.send(Command::Join(config));
    let untrusted = m.wait_for("refusal", |e| match e {
        NetEvent::Untrusted(u) => Some((**u).clone()),
        NetEvent::Connected(_) => panic!("connected to an untrusted host"),
        _ => None,
    });
    let kind = m.wait_for("end", |e| match e {
        NetEvent::Disconnected { kind, .. } => Some(*kind),
        _ => None,
    });
    assert_eq!(kind, DisconnectKind::Untrusted);
    // Nothing reached the room: the first member the host sees is a
    // witness who joins afterwards (pinning the certificate), and nothing
    // was said before it came.
    let mut witness = join_config(addr, "witness", ca);
    witness.pins = vec![tlschat::net::certinfo::sha256(&cert.der)];
    let w = Node::start();
    w.send(Command::Join(witness));
    let first = h.wait_for("the witness", |e| match e {
        NetEvent::MemberJoined(member) => Some(member.nick.clone()),
        NetEvent::Message(msg) => panic!("the host saw chat data: {msg:?}"),
        _ => None,
    });
    assert_eq!(first, "witness", "the host saw another member first");
    assert!(!m.seen.iter().any(|e| matches!(e, NetEvent::Joined { .. })));
    (untrusted, m)
}

#[test]
fn self_signed_is_refused_with_its_fingerprint() {
    let pki = Pki::new();
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    assert_eq!(u.problem, Problem::SelfSigned);
    assert_eq!(u.chain.len(), 1);
    assert_eq!(u.chain[0].sha256, tlschat::net::certinfo::sha256(&cert.der));
    assert_eq!(u.chain[0].host_names(), vec!["localhost", "127.0.0.1"]);
}

#[test]
fn openssl_style_ca_true_self_signed_counts_as_self_signed() {
    let pki = Pki::new();
    let mut params = Pki::leaf_params(&["localhost", "127.0.0.1"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = pki.self_signed("req-x509", &params);
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    assert_eq!(u.problem, Problem::SelfSigned);
}

#[test]
fn unknown_issuer_when_the_ca_is_not_given() {
    let pki = Pki::new();
    let other = Pki::named("Some Other CA");
    let cert = pki.server();
    let (u, _) = refused(&cert, &other.ca_pem, vec![]);
    assert_eq!(u.problem, Problem::UnknownIssuer);
    assert_eq!(u.chain[0].issuer_cn.as_deref(), Some("Test Root CA"));
}

#[test]
fn wrong_name_lists_the_names_it_is_valid_for() {
    let pki = Pki::new();
    let cert = pki.issue("other", &Pki::leaf_params(&["chat.example", "10.9.9.9"]));
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    match &u.problem {
        Problem::WrongName {
            expected,
            valid_for,
        } => {
            assert_eq!(expected, "127.0.0.1");
            assert!(valid_for == &["chat.example", "10.9.9.9"], "{valid_for:?}");
        }
        other => panic!("expected a name mismatch, got {other:?}"),
    }
    assert!(u.problem.explain().contains("chat.example"));
}

#[test]
fn expired_and_not_yet_valid() {
    let pki = Pki::new();
    let mut params = Pki::leaf_params(&["127.0.0.1"]);
    params.not_before = time::OffsetDateTime::now_utc() - days(20);
    params.not_after = time::OffsetDateTime::now_utc() - days(3);
    let cert = pki.issue("expired", &params);
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    assert!(
        matches!(u.problem, Problem::Expired { .. }),
        "{:?}",
        u.problem
    );
    assert!(
        u.problem.explain().contains("expired 3 days ago"),
        "{}",
        u.problem.explain()
    );

    let mut params = Pki::leaf_params(&["127.0.0.1"]);
    params.not_before = time::OffsetDateTime::now_utc() + days(5);
    params.not_after = time::OffsetDateTime::now_utc() + days(20);
    let cert = pki.issue("future", &params);
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    assert!(
        matches!(u.problem, Problem::NotYetValid { .. }),
        "{:?}",
        u.problem
    );
}

#[test]
fn an_exact_pin_accepts_that_certificate_and_no_other() {
    let pki = Pki::new();
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost"]));
    let sha = tlschat::net::certinfo::sha256(&cert.der);

    // A pin for some other certificate changes nothing.
    let (u, _) = refused(&cert, &pki.ca_pem, vec![[7u8; 32]]);
    assert_eq!(u.problem, Problem::SelfSigned);

    // The exact pin connects, and says what it overrode.
    let (_h, addr) = host(&cert, "hana");
    let mut m = Node::start();
    let mut config = join_config(addr, "ana", &pki.ca_pem);
    config.pins = vec![sha];
    m.send(Command::Join(config));
    let trust = m.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.trust.clone()),
        NetEvent::Disconnected { reason, .. } => panic!("{reason}"),
        _ => None,
    });
    assert_eq!(
        trust,
        TrustBasis::Pinned {
            problem: Problem::SelfSigned,
            matched: tlschat::net::PinMatch::ExactCertificate,
        }
    );
}

#[test]
fn connection_facts_come_from_the_live_connection() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let mut m = Node::start();
    m.send(Command::Join(join_config(addr, "ana", &pki.ca_pem)));
    let info = m.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.clone()),
        _ => None,
    });
    assert_eq!(info.protocol, tlschat::net::TlsVersion::Tls13);
    assert_eq!(info.alpn.as_deref(), Some("tlschat/1"));
    assert_eq!(info.sni, None, "no SNI is sent when dialling an IP address");
    assert!(
        info.cipher_suite.starts_with("TLS13_"),
        "{}",
        info.cipher_suite
    );
    assert_eq!(info.key_exchange, "X25519MLKEM768");
    assert_eq!(info.peer_addr, addr);
    assert_eq!(
        info.chain[0].sha256,
        tlschat::net::certinfo::sha256(&cert.der)
    );
    assert_eq!(info.chain[0].subject_cn.as_deref(), Some("localhost"));
    assert!(
        matches!(info.trust, TrustBasis::Verified { ref anchor } if anchor.contains("Test Root CA"))
    );
    assert!(!info.plain_text);
}

#[test]
fn a_ca_with_the_same_name_but_another_key_does_not_vouch() {
    // An impostor CA named like a trusted one: the signature does not verify.
    let pki = Pki::new();
    let impostor = Pki::new();
    let cert = impostor.server();
    let (u, _) = refused(&cert, &pki.ca_pem, vec![]);
    assert_eq!(u.problem, Problem::BadSignature);
}
