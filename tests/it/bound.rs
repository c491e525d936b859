//! A member is its key (issue 20, part 1): a client token is bound to the
//! key that first used it (in the room, and in its history across a
//! restart), and a nickname once used by a key in this room is kept for
//! that key. Real TLS over loopback: `tlschat/1` members driven by hand,
//! each presenting its own self-signed key (or none); the real program
//! for the host that restarts.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{ExtendedKeyUsagePurpose, KeyPair};

use tlschat::net::NetEvent;

use crate::common::{self, DEADLINE, Pki, PlainClient};

/// A member's key: a self-signed client certificate and its private key.
struct Key {
    cert: rustls::pki_types::CertificateDer<'static>,
    key: Vec<u8>,
}

impl Key {
    fn new(name: &str) -> Self {
        let mut params = Pki::leaf_params(&[name]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self {
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    }
}

/// A `tlschat/1` connection presenting `key` (or none) in its handshake.
fn connect(addr: SocketAddr, ca: &std::path::Path, key: Option<&Key>) -> PlainClient {
    let Some(key) = key else {
        return PlainClient::connect_json(addr, ca);
    };
    let mut roots = rustls::RootCertStore::empty();
    for c in tlschat::net::pem::load_certs(ca).unwrap() {
        roots.add(c).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let private = rustls::pki_types::PrivatePkcs8KeyDer::from(key.key.clone());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![key.cert.clone()], private.into())
        .unwrap();
    config.alpn_protocols = vec![b"tlschat/1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from(addr.ip().to_string()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(DEADLINE)).unwrap();
    PlainClient {
        reader: std::io::BufReader::new(rustls::StreamOwned::new(conn, tcp)),
    }
}

/// One member's connection: its welcome line and what came with it.
struct Joined {
    c: PlainClient,
    welcome: String,
    /// The lines between the welcome and the end of its history.
    replay: Vec<String>,
}

impl Joined {
    /// The nickname the room gave.
    fn nick(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.welcome).unwrap();
        v["nick"].as_str().unwrap().to_string()
    }

    /// The room's id, from the welcome.
    fn room(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.welcome).unwrap();
        v["room"].as_str().unwrap().to_string()
    }

    /// Says `text` with message id `id`; returns the line that answers it
    /// (its ack, or an error).
    fn say(&mut self, id: &str, text: &str) -> String {
        self.c
            .send(&format!(r#"{{"type":"msg","id":"{id}","text":"{text}"}}"#));
        loop {
            let l = self.c.line();
            if l.contains(r#""type":"ack""#) || l.contains(r#""type":"error""#) {
                return l;
            }
        }
    }
}

/// Says hello as `nick`, with client token `token` and a resume of `resume`
/// when given, presenting `key` (or none); returns once its history came.
fn hello(
    addr: SocketAddr,
    ca: &std::path::Path,
    key: Option<&Key>,
    nick: &str,
    token: Option<&str>,
    resume: Option<(&str, u64)>,
) -> Joined {
    let mut c = connect(addr, ca, key);
    let token = token.map_or(String::new(), |t| format!(r#","client":"{t}""#));
    let resume = resume.map_or(String::new(), |(room, after)| {
        format!(r#","resume":{{"room":"{room}","after":{after}}}"#)
    });
    c.send(&format!(
        r#"{{"type":"hello","nick":"{nick}"{token}{resume}}}"#
    ));
    let welcome = c.line();
    assert!(welcome.contains(r#""type":"welcome""#), "{welcome}");
    let replay = c.until(|l| l.contains(r#""type":"history_end""#));
    Joined { c, welcome, replay }
}

/// The `seq` of a frame line.
fn seq_of(line: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["seq"].as_u64().unwrap_or_else(|| panic!("{line}"))
}

#[test]
fn a_client_token_is_bound_to_the_key_that_made_it() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let ca = pki.ca_pem.as_path();
    let (key_a, key_b) = (Key::new("a"), Key::new("b"));
    let token = "the-token-of-ana";

    let mut ana = hello(addr, ca, Some(&key_a), "ana", Some(token), None);
    assert_eq!(ana.nick(), "ana");
    let room = ana.room();
    let first = ana.say("m1", "one");
    assert!(first.contains(r#""type":"ack""#), "{first}");
    let first_seq = seq_of(&first);

    // Another key with ana's token, resuming where ana began: it is a
    // newcomer. It does not get ana's name, nor ana's own messages back as
    // its acknowledgements, nor ana's message ids.
    let mut bo = hello(addr, ca, Some(&key_b), "ana", Some(token), Some((&room, 0)));
    assert_eq!(bo.nick(), "ana-2", "{}", bo.welcome);
    assert!(
        bo.replay.iter().all(|l| !l.contains(r#""type":"ack""#)),
        "another key got ana's acknowledgements: {:?}",
        bo.replay
    );
    let resent = bo.say("m1", "two");
    assert!(resent.contains(r#""type":"ack""#), "{resent}");
    assert!(
        seq_of(&resent) > first_seq && resent.contains("two"),
        "another key's message was taken for ana's: {resent}"
    );
    // No key at all is no better.
    let mut plain = hello(addr, ca, None, "ana", Some(token), Some((&room, 0)));
    assert_eq!(plain.nick(), "ana-3", "{}", plain.welcome);
    assert!(plain.replay.iter().all(|l| !l.contains(r#""type":"ack""#)));
    let again_m1 = plain.say("m1", "three");
    assert!(
        seq_of(&again_m1) > seq_of(&resent) && again_m1.contains("three"),
        "{again_m1}"
    );

    // Ana was not replaced: still in the room, still heard, still ana.
    let still = ana.say("m2", "still here");
    assert!(
        still.contains(r#""type":"ack""#),
        "ana was cut off: {still}"
    );
    host.wait_message("still here");

    // Ana itself comes back with its key and token: it takes its own
    // place, name and acknowledgements.
    let again = hello(addr, ca, Some(&key_a), "ana", Some(token), Some((&room, 0)));
    assert_eq!(again.nick(), "ana", "{}", again.welcome);
    let acked: Vec<u64> = again
        .replay
        .iter()
        .filter(|l| l.contains(r#""type":"ack""#))
        .map(|l| seq_of(l))
        .collect();
    assert!(acked.contains(&first_seq), "{:?}", again.replay);
    ana.c.until(|l| l.contains(r#""code":"replaced""#));
}

/// Reads lines until one contains `needle`, and returns it.
fn next_with(c: &mut PlainClient, needle: &str) -> String {
    loop {
        let l = c.line();
        if l.contains(needle) {
            return l;
        }
    }
}

#[test]
fn a_nickname_once_used_by_a_key_is_kept_for_it() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let ca = pki.ca_pem.as_path();
    let (key_a, key_b) = (Key::new("a"), Key::new("b"));
    let mut watcher = PlainClient::connect(addr, ca);
    watcher.until(|l| l.starts_with("* in the room"));

    // Ana had the name, then left.
    let ana = hello(addr, ca, Some(&key_a), "ana", None, None);
    assert_eq!(ana.nick(), "ana");
    ana.c.close();
    host.wait_for("ana left", |e| match e {
        NetEvent::MemberLeft { member, .. } if member.nick == "ana" => Some(()),
        _ => None,
    });

    // Another key asking for it gets it with the room's suffix, and the
    // room says so, in one line, to everyone.
    let mut bo = hello(addr, ca, Some(&key_b), "ana", None, None);
    assert_eq!(bo.nick(), "ana-2", "{}", bo.welcome);
    let told = next_with(&mut bo.c, r#""type":"notice""#);
    assert!(
        told.contains("the name ana,") && told.contains("ana-2"),
        "{told}"
    );
    let said = next_with(&mut watcher, "kept for the key");
    assert!(said.starts_with("* ") && said.contains("ana-2"), "{said}");
    host.wait_for("the host is told", |e| match e {
        NetEvent::Notice(t)
            if common::english(t).contains("the name ana,")
                && common::english(t).contains("ana-2") =>
        {
            Some(())
        }
        _ => None,
    });
    // Nor may it take the name by renaming.
    bo.c.send(r#"{"type":"nick","nick":"ana"}"#);
    let refused = next_with(&mut bo.c, r#""type":"error""#);
    assert!(
        refused.contains("kept for another member's key"),
        "{refused}"
    );
    // A member without a key, asking for a look-alike, fares no better.
    let plain = hello(addr, ca, None, "ANA", None, None);
    assert_eq!(plain.nick(), "ANA-3", "{}", plain.welcome);
    let said = next_with(&mut watcher, "kept for the key");
    assert!(said.contains("ANA-3"), "{said}");

    // Ana's key gets its name back, and nothing is said of it.
    let mut back = hello(addr, ca, Some(&key_a), "ana", None, None);
    assert_eq!(back.nick(), "ana", "{}", back.welcome);
    back.say("m1", "it is me");
    let heard = watcher.until(|l| l == "<ana> it is me");
    assert!(
        heard.iter().all(|l| !l.contains("kept for the key")),
        "{heard:?}"
    );
}

/// `tlschat host --headless` keeping its history in `file`; returns it
/// once it listens, and where.
fn history_host(
    config_dir: &std::path::Path,
    server: &common::Issued,
    file: &std::path::Path,
) -> (common::Proc, SocketAddr) {
    let (c, k) = (server.cert.to_str().unwrap(), server.key.to_str().unwrap());
    let f = file.to_str().unwrap();
    common::headless_host(config_dir, &["--cert", c, "--key", k, "--history", f])
}

#[test]
fn a_token_stays_bound_to_its_key_across_a_restart() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("room.sqlite3");
    let ca = pki.ca_pem.as_path();
    let (key_a, key_b) = (Key::new("a"), Key::new("b"));
    let token = "ana-across-restarts";

    let (mut host, addr) = history_host(dir.path(), &server, &file);
    let mut ana = hello(addr, ca, Some(&key_a), "ana", Some(token), None);
    let room = ana.room();
    let first = ana.say("m1", "before the restart");
    let first_seq = seq_of(&first);
    host.signal("TERM");
    let (code, stderr) = host.wait_exit();
    assert_eq!(code, Some(0), "{stderr}");

    // The same history, a new host process: another key with ana's token
    // gets ana's message as anyone would, never as its own.
    let (_host, addr) = history_host(dir.path(), &server, &file);
    let mut bo = hello(addr, ca, Some(&key_b), "bo", Some(token), Some((&room, 0)));
    assert!(
        bo.replay.iter().any(|l| l.contains("before the restart")),
        "{:?}",
        bo.replay
    );
    assert!(
        bo.replay.iter().all(|l| !l.contains(r#""type":"ack""#)),
        "another key got ana's acknowledgement: {:?}",
        bo.replay
    );
    let resent = bo.say("m1", "not ana's");
    assert!(
        seq_of(&resent) > first_seq && resent.contains("not ana's"),
        "{resent}"
    );
    // Ana's own key and token still get it back as ana's.
    let back = hello(addr, ca, Some(&key_a), "ana", Some(token), Some((&room, 0)));
    let acked: Vec<u64> = back
        .replay
        .iter()
        .filter(|l| l.contains(r#""type":"ack""#))
        .map(|l| seq_of(l))
        .collect();
    assert_eq!(acked, vec![first_seq], "{:?}", back.replay);
}
