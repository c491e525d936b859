//! Trust that outlives a connection: pins remembered in the known-hosts
//! file, a renewed certificate with the same key, an identity change that
//! no pin can wave through, `tlschat trust`, and client certificates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};

use common::Command as NetCommand;
use common::{Node, Pki, join_config};
use tlschat::net::certinfo::{fingerprint, sha256};
use tlschat::net::{DisconnectKind, HostConfig, NetEvent};

fn tlschat(config: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tlschat"));
    c.env("TLSCHAT_CONFIG_DIR", config);
    c
}

/// A headless host on `addr` with this certificate, running until dropped.
struct Host(std::process::Child);

impl Host {
    fn start(cfg: &std::path::Path, addr: &str, cert: &common::Issued) -> Self {
        let mut child = tlschat(cfg)
            .args(["host", "--headless", "--bind", addr, "--cert"])
            .arg(&cert.cert)
            .arg("--key")
            .arg(&cert.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for its "hosting on" line.
        let out = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(out));
        let first = lines.next().unwrap().unwrap();
        assert!(first.starts_with("* hosting on "), "{first}");
        std::thread::spawn(move || for _ in lines {});
        Self(child)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Joins headless, says one line, leaves; returns (exit code, stdout, stderr).
fn join(cfg: &std::path::Path, addr: &str, extra: &[&str]) -> (i32, String, String) {
    let mut child = tlschat(cfg)
        .args(["join", addr, "--headless", "--name", "ana"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        let _ = writeln!(stdin, "hello");
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn pins_are_remembered_follow_the_key_and_alarm_on_a_new_key() {
    let pki = Pki::new();
    let names = Pki::leaf_params(&["localhost", "127.0.0.1"]);
    // Two certificates with the same key (a renewal), one with another key.
    let key = rcgen::KeyPair::generate().unwrap();
    let write = |name: &str, der: &[u8], pem: String, key_pem: String| {
        let c = pki.dir.path().join(format!("{name}.pem"));
        let k = pki.dir.path().join(format!("{name}.key"));
        std::fs::write(&c, pem).unwrap();
        std::fs::write(&k, key_pem).unwrap();
        common::Issued {
            cert: c,
            key: k,
            der: der.to_vec(),
        }
    };
    let c1 = names.self_signed(&key).unwrap();
    let first = write("first", c1.der(), c1.pem(), key.serialize_pem());
    let mut renewal = names.clone();
    renewal.not_after = time::OffsetDateTime::now_utc() + common::days(60);
    let c2 = renewal.self_signed(&key).unwrap();
    let renewed = write("renewed", c2.der(), c2.pem(), key.serialize_pem());
    let impostor = pki.self_signed("impostor", &names);

    let host_cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    let addr = common::free_addr().to_string();
    let fp1 = fingerprint(&sha256(&first.der));

    let h = Host::start(host_cfg.path(), &addr, &first);
    let (code, out, err) = join(member_cfg.path(), &addr, &["--pin", &fp1]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("exception for this certificate is remembered"),
        "{out}"
    );
    let list = tlschat(member_cfg.path())
        .args(["trust", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains(&addr) && list.contains("exception") && list.contains(&fp1),
        "{list}"
    );
    // Remembered: no --pin needed the next time.
    let (code, out, err) = join(member_cfg.path(), &addr, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("trusted by your pin"), "{out}");
    drop(h);

    // A renewed certificate with the same key is accepted, with a notice.
    let h = Host::start(host_cfg.path(), &addr, &renewed);
    let (code, out, err) = join(member_cfg.path(), &addr, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("new certificate with the same key"), "{out}");
    drop(h);

    // Another key: refused as an identity change, even with a fresh --pin.
    let h = Host::start(host_cfg.path(), &addr, &impostor);
    let fp3 = fingerprint(&sha256(&impostor.der));
    let (code, out, err) = join(member_cfg.path(), &addr, &["--pin", &fp3]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("HAS CHANGED"), "{err}");
    assert!(err.contains(&fp3), "the new fingerprint is shown: {err}");
    assert!(
        err.contains(&fingerprint(&sha256(&renewed.der))),
        "the old one too: {err}"
    );
    assert!(err.contains("cannot be bypassed"), "{err}");
    assert!(!out.contains("you are ana"), "nothing was sent: {out}");

    // Only removing the old pin lets the new one be accepted.
    let removed = tlschat(member_cfg.path())
        .args(["trust", "remove", &addr])
        .output()
        .unwrap();
    assert!(removed.status.success());
    let (code, out, err) = join(member_cfg.path(), &addr, &["--pin", &fp3]);
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let again = tlschat(member_cfg.path())
        .args(["trust", "remove", "nowhere:1"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing is known of nowhere:1"));
}

#[test]
fn a_host_once_verified_by_a_ca_cannot_be_bypassed_later() {
    let pki = Pki::new();
    let good = pki.server();
    let bad = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let host_cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    let addr = common::free_addr().to_string();
    let ca = pki.ca_pem.to_str().unwrap().to_string();
    let h = Host::start(host_cfg.path(), &addr, &good);
    let (code, out, err) = join(member_cfg.path(), &addr, &["--ca", &ca]);
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let h = Host::start(host_cfg.path(), &addr, &bad);
    let (code, _, err) = join(
        member_cfg.path(),
        &addr,
        &["--ca", &ca, "--pin", &fingerprint(&sha256(&bad.der))],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot be bypassed"), "{err}");
    drop(h);
}

#[test]
fn members_with_client_certificates_show_who_they_are() {
    let pki = Pki::new();
    let members = Pki::named("Member CA");
    let strangers = Pki::named("Stranger CA");
    let cert = pki.server();
    let alice = members.issue("alice", &Pki::leaf_params(&["alice.example"]));
    let eve = strangers.issue("eve", &Pki::leaf_params(&["eve.example"]));

    let mut h = Node::start();
    h.send(NetCommand::Host(HostConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        nick: "hana".into(),
        identity: Some((cert.cert.clone(), cert.key)),
        client_ca: Some(members.ca_pem),
        config_dir: tempfile::tempdir().unwrap().keep(),
        limits: tlschat::net::HostLimits::default(),
    }));
    let addr = h.wait_for("listening", |e| match e {
        NetEvent::Listening { addr, .. } => Some(*addr),
        _ => None,
    });

    // Alice presents a certificate from the member CA.
    let mut a = Node::start();
    let mut config = join_config(addr, "alice", &pki.ca_pem);
    config.identity = Some((alice.cert.clone(), alice.key.clone()));
    a.send(NetCommand::Join(config));
    let presented = a.wait_for("connected", |e| match e {
        NetEvent::Connected(info) => Some(info.client_certificate.clone()),
        _ => None,
    });
    assert_eq!(presented.unwrap().sha256, sha256(&alice.der));
    let identity = h.wait_for("alice joined", |e| match e {
        NetEvent::MemberJoined(m) if m.nick == "alice" => Some(m.identity.clone()),
        _ => None,
    });
    let identity = identity.expect("alice's identity");
    assert!(identity.contains("alice.example"), "{identity}");
    assert!(
        identity.contains(&fingerprint(&sha256(&alice.der))[..20]),
        "{identity}"
    );

    // Bob has none: he may join, and the room says he has no identity.
    let (_b, _) = common::join(addr, "bob", &pki.ca_pem);
    let bob = h.wait_for("bob joined", |e| match e {
        NetEvent::MemberJoined(m) if m.nick == "bob" => Some(m.identity.clone()),
        _ => None,
    });
    assert_eq!(bob, None);
    // Everyone's roster carries the identities.
    let roster = a.wait_for("bob in alice's view", |e| match e {
        NetEvent::MemberJoined(m) if m.nick == "bob" => Some(m.clone()),
        _ => None,
    });
    assert_eq!(roster.identity, None);

    // Eve's certificate is from a CA the host does not trust: refused.
    let mut e = Node::start();
    let mut config = join_config(addr, "eve", &pki.ca_pem);
    config.identity = Some((eve.cert.clone(), eve.key));
    e.send(NetCommand::Join(config));
    let (kind, reason) = e.wait_for("eve refused", |ev| match ev {
        NetEvent::Disconnected { kind, reason } => Some((*kind, reason.clone())),
        NetEvent::Joined { .. } => panic!("eve got in"),
        _ => None,
    });
    assert_eq!(kind, DisconnectKind::Error);
    assert!(
        reason.contains("alert") || reason.contains("lost"),
        "{reason}"
    );
    h.drain(std::time::Duration::from_millis(200));
    assert!(
        !h.seen
            .iter()
            .any(|ev| matches!(ev, NetEvent::MemberJoined(m) if m.nick == "eve"))
    );
}

#[test]
fn the_pins_file_survives_a_crash_mid_write() {
    // The store is written to a temporary file and renamed; a crash leaves
    // a stray temporary file but the store intact. (Unit tests in
    // src/net/pins.rs cover the mechanics; here through the binary.)
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(cfg.path().join(".known-hosts.tmp4242"), "half a li").unwrap();
    let out = tlschat(cfg.path())
        .args(["trust", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no known hosts"));
    // A corrupt store is reported, never silently emptied.
    std::fs::write(cfg.path().join("known-hosts"), "127.0.0.1:1 pin nonsense\n").unwrap();
    let out = tlschat(cfg.path())
        .args(["trust", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}
