//! Trust that outlives a connection: pins remembered in the known-hosts
//! file, a renewed certificate with the same key, an identity change that
//! no pin can wave through, `tlschat trust`, and client certificates.

use crate::common;

use std::process::{Command, Stdio};

use common::Command as NetCommand;
use common::{Node, Pki, Proc, join_config, tlschat_command as tlschat};
use tlschat::net::certinfo::{fingerprint, sha256};
use tlschat::net::{DisconnectKind, HostConfig, NetEvent};

/// A headless host named hana with this certificate, on `bind` (port 0 for
/// one the system picks, or a [`common::reserve`]d address for hosts that
/// follow each other there), running until dropped.
fn host(cfg: &std::path::Path, bind: &str, cert: &common::Issued) -> Proc {
    let mut p = Proc::spawn(&mut common::headless_host_command(
        cfg,
        bind,
        "hana",
        Some(cert),
    ));
    p.expect_hosting();
    p
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
    let fp1 = fingerprint(&sha256(&first.der));

    // Every host on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr.to_string();
    let h = host(host_cfg.path(), &addr, &first);
    let (code, out, err) = join(member_cfg.path(), &addr, &["--pin", &fp1]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("exception for this certificate is remembered"),
        "{out}"
    );
    let list = common::trust_list(member_cfg.path());
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
    let h = host(host_cfg.path(), &addr, &renewed);
    let (code, out, err) = join(member_cfg.path(), &addr, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("new certificate with the same key"), "{out}");
    drop(h);

    // Another key: refused as an identity change, even with a fresh --pin.
    let h = host(host_cfg.path(), &addr, &impostor);
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
    let ca = pki.ca_pem.to_str().unwrap().to_string();
    // Both hosts on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr.to_string();
    let h = host(host_cfg.path(), &addr, &good);
    let (code, out, err) = join(member_cfg.path(), &addr, &["--ca", &ca]);
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let h = host(host_cfg.path(), &addr, &bad);
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
        client_ca: Some(members.ca_pem),
        ..common::host_config(&cert, "hana")
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
    let (identity, key) = h.wait_for("alice joined", |e| match e {
        NetEvent::MemberJoined(m) if m.nick == "alice" => Some((m.identity.clone(), m.key)),
        _ => None,
    });
    // Her key is known too: the one in her CA certificate.
    assert_eq!(
        key,
        tlschat::net::certinfo::verified_spki_sha256(&alice.der),
        "alice's key"
    );
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
        NetEvent::Disconnected { kind, reason } => Some((*kind, common::english(reason))),
        NetEvent::Joined { .. } => panic!("eve got in"),
        _ => None,
    });
    assert_eq!(kind, DisconnectKind::Error);
    assert!(
        reason.contains("alert") || reason.contains("lost"),
        "{reason}"
    );
    // A member who joins after her is the next one the host sees: eve
    // would have come before.
    let (_c, _) = common::join(addr, "cy", &pki.ca_pem);
    let next = h.wait_for("cy joined", |ev| match ev {
        NetEvent::MemberJoined(m) => Some(m.nick.clone()),
        _ => None,
    });
    assert_eq!(next, "cy", "eve got in");
}

#[test]
fn without_a_client_ca_a_certificate_from_any_ca_is_a_key() {
    // Before hosts asked every member for a certificate, a member with
    // `--cert` from its own CA joined a host without `--client-ca`; it
    // still does, known by its key and by no name.
    let pki = Pki::new();
    let strangers = Pki::named("Stranger CA");
    let eve = strangers.issue("eve", &Pki::leaf_params(&["eve.example"]));
    let mut h = Node::start();
    h.send(NetCommand::Host(common::host_config(&pki.server(), "hana")));
    let addr = h.wait_for("listening", |e| match e {
        NetEvent::Listening { addr, .. } => Some(*addr),
        _ => None,
    });
    let mut e = Node::start();
    let mut config = join_config(addr, "eve", &pki.ca_pem);
    config.identity = Some((eve.cert.clone(), eve.key));
    e.send(NetCommand::Join(config));
    e.wait_for("eve in", |ev| match ev {
        NetEvent::Joined { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("eve refused: {reason}"),
        _ => None,
    });
    let (identity, key) = h.wait_for("eve joined", |ev| match ev {
        NetEvent::MemberJoined(m) if m.nick == "eve" => Some((m.identity.clone(), m.key)),
        _ => None,
    });
    assert_eq!(
        identity, None,
        "no one the host trusts vouched for her name"
    );
    assert_eq!(key, tlschat::net::certinfo::verified_spki_sha256(&eve.der));
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

#[test]
fn a_listing_read_by_head_ends_quietly() {
    // `tlschat trust list | head -1`: the reader goes away before the
    // listing is written. Closing the read end first makes that certain.
    let cfg = tempfile::tempdir().unwrap();
    let mut child = tlschat(cfg.path())
        .args(["trust", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
}

/// A self-signed certificate with its own key, for these names.
fn self_signed(pki: &Pki, file: &str, names: &[&str]) -> common::Issued {
    pki.self_signed(file, &Pki::leaf_params(names))
}

/// Joins as `spelling` a host whose key differs from the pinned one, with a
/// fresh `--pin` for the new certificate too: refused as an identity change
/// (exit 3), never the ordinary, bypassable warning.
fn assert_identity_changed(cfg: &std::path::Path, spelling: &str, impostor: &common::Issued) {
    let fp = fingerprint(&sha256(&impostor.der));
    let (code, out, err) = join(cfg, spelling, &["--pin", &fp]);
    assert_eq!(code, 3, "{spelling}: {out}{err}");
    assert!(err.contains("HAS CHANGED"), "{spelling}: {err}");
    assert!(err.contains("cannot be bypassed"), "{spelling}: {err}");
    assert!(
        !out.contains("you are ana"),
        "{spelling}: nothing sent: {out}"
    );
}

/// How many known-hosts entries `tlschat trust list` shows.
fn listed(cfg: &std::path::Path) -> Vec<String> {
    let out = tlschat(cfg).args(["trust", "list"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("no known hosts"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_spelling_of_a_pinned_host_is_one_known_hosts_entry() {
    let pki = Pki::new();
    let names = ["localhost", "127.0.0.1", "::1"];
    let genuine = self_signed(&pki, "genuine", &names);
    let impostor = self_signed(&pki, "impostor", &names);
    let fp = fingerprint(&sha256(&genuine.der));
    let host_cfg = tempfile::tempdir().unwrap();

    // Pinned as localhost:P; the impostor is then reached by other names.
    let member_cfg = tempfile::tempdir().unwrap();
    // Every host on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let addr = held.addr;
    let port = addr.port();
    let h = host(host_cfg.path(), &addr.to_string(), &genuine);
    let (code, out, err) = join(
        member_cfg.path(),
        &format!("localhost:{port}"),
        &["--pin", &fp],
    );
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let h = host(host_cfg.path(), &addr.to_string(), &impostor);
    let mut spellings = vec![format!("LOCALHOST:{port}"), format!("LocalHost:{port}")];
    // A trailing dot only if this machine's resolver knows the name so.
    if std::net::ToSocketAddrs::to_socket_addrs(&("localhost.", port))
        .is_ok_and(|mut a| a.next().is_some())
    {
        spellings.push(format!("localhost.:{port}"));
    } else {
        println!(
            "note: 'localhost.' does not resolve here; that spelling is covered by the unit tests only"
        );
    }
    for spelling in &spellings {
        assert_identity_changed(member_cfg.path(), spelling, &impostor);
    }
    let entries = listed(member_cfg.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with(&format!("localhost:{port} ")),
        "{entries:?}"
    );
    // Removed in another spelling, and then the new key may be accepted.
    let removed = tlschat(member_cfg.path())
        .args(["trust", "remove", &format!("LOCALHOST.:{port}")])
        .output()
        .unwrap();
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert!(listed(member_cfg.path()).is_empty());
    drop(h);

    // Pinned as 127.0.0.1:P; other spellings of that address are the same
    // entry, or refused outright, never a second, fresh entry.
    let member_cfg = tempfile::tempdir().unwrap();
    let h = host(host_cfg.path(), &addr.to_string(), &genuine);
    let (code, out, err) = join(member_cfg.path(), &addr.to_string(), &["--pin", &fp]);
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let h = host(host_cfg.path(), &addr.to_string(), &impostor);
    let imp_fp = fingerprint(&sha256(&impostor.der));
    for refused in ["127.1", "0x7f000001", "2130706433", "127.000.000.001"] {
        let (code, out, err) = join(
            member_cfg.path(),
            &format!("{refused}:{port}"),
            &["--pin", &imp_fp],
        );
        assert_ne!(code, 0, "{refused}: {out}{err}");
        assert!(!out.contains("you are ana"), "{refused}: {out}");
    }
    // The IPv4-mapped IPv6 form reaches the same host where the system is
    // dual-stack.
    let mapped = format!("[::ffff:127.0.0.1]:{port}");
    let (code, out, err) = join(member_cfg.path(), &mapped, &["--pin", &imp_fp]);
    if code == 3 {
        assert!(err.contains("HAS CHANGED"), "{err}");
    } else {
        assert!(
            err.contains("cannot connect"),
            "{mapped}: {code} {out}{err}"
        );
        println!("note: {mapped} is not reachable here (no dual-stack loopback)");
    }
    assert_eq!(listed(member_cfg.path()).len(), 1);
    drop(h);

    // IPv6: pinned as [::1]:P, reached as other spellings of ::1.
    if let Err(e) = std::net::TcpListener::bind("[::1]:0") {
        println!("note: cannot bind [::1] ({e}); IPv6 spellings skipped");
        return;
    }
    let held = common::reserve("::1");
    let port = held.addr.port();
    let member_cfg = tempfile::tempdir().unwrap();
    let h = host(host_cfg.path(), &format!("[::1]:{port}"), &genuine);
    let (code, out, err) = join(member_cfg.path(), &format!("[::1]:{port}"), &["--pin", &fp]);
    assert_eq!(code, 0, "{out}{err}");
    drop(h);
    let _h = host(host_cfg.path(), &format!("[::1]:{port}"), &impostor);
    for spelling in [
        format!("[0:0::1]:{port}"),
        format!("[0000::0001]:{port}"),
        format!("[0:0:0:0:0:0:0:1]:{port}"),
    ] {
        assert_identity_changed(member_cfg.path(), &spelling, &impostor);
    }
    let entries = listed(member_cfg.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with(&format!("[::1]:{port} ")),
        "{entries:?}"
    );
}

#[test]
fn an_internationalized_host_name_is_refused_with_the_reason() {
    let cfg = tempfile::tempdir().unwrap();
    for target in ["münchen.example:7443", "例え.テスト:7443"] {
        let (code, out, err) = join(cfg.path(), target, &[]);
        assert_ne!(code, 0, "{out}{err}");
        assert!(err.contains("internationalized"), "{target}: {err}");
        assert!(err.contains("ASCII"), "{target}: {err}");
    }
    let out = tlschat(cfg.path())
        .args(["trust", "remove", "münchen.example:7443"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("internationalized"), "{err}");
}

/// Environment variables that make this test binary a known-hosts writer
/// (see `known_hosts_updates_from_many_processes_lose_nothing`).
const WRITER_DIR: &str = "TLSCHAT_TEST_WRITER_DIR";
const WRITER_ID: &str = "TLSCHAT_TEST_WRITER_ID";
const WRITES_EACH: usize = 25;

#[test]
fn known_hosts_updates_from_many_processes_lose_nothing() {
    let pki = Pki::new();
    let cert = tlschat::net::CertInfo::from_der(&pki.server().der);
    let update = |dir: &std::path::Path, id: &str| {
        for i in 0..WRITES_EACH {
            let target = format!("w{id}.example:{}", i + 1);
            tlschat::net::pins::PinStore::update(dir, |s| {
                s.set(tlschat::net::pins::PinEntry::new(
                    &target,
                    tlschat::net::pins::PinKind::Pinned,
                    cert.clone(),
                ));
            })
            .unwrap();
        }
    };
    if let (Some(dir), Some(id)) = (std::env::var_os(WRITER_DIR), std::env::var(WRITER_ID).ok()) {
        // A child: write, and that is all.
        update(std::path::Path::new(&dir), &id);
        return;
    }
    const PROCESSES: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    &crate::common::test_name(
                        module_path!(),
                        "known_hosts_updates_from_many_processes_lose_nothing",
                    ),
                    "--test-threads=1",
                ])
                .env(WRITER_DIR, dir.path())
                .env(WRITER_ID, format!("p{p}"))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // And this process writes too, at the same time, from two threads.
    std::thread::scope(|s| {
        for t in 0..2 {
            let (dir, update) = (dir.path(), &update);
            s.spawn(move || update(dir, &format!("t{t}")));
        }
    });
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = tlschat::net::pins::PinStore::load(dir.path()).unwrap();
    assert_eq!(store.entries().len(), (PROCESSES + 2) * WRITES_EACH);
    let ids = (0..PROCESSES)
        .map(|p| format!("p{p}"))
        .chain((0..2).map(|t| format!("t{t}")));
    for id in ids {
        for i in 0..WRITES_EACH {
            let target = format!("w{id}.example:{}", i + 1);
            assert!(store.get(&target).is_some(), "{target} lost");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_at_a_predictable_temporary_path_is_not_followed() {
    // Earlier versions wrote `.known-hosts.tmp<pid>`: plant links at those
    // names for the pids the next processes are likely to get.
    let pki = Pki::new();
    let cfg = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let me = std::process::id();
    for pid in me..me + 200 {
        std::os::unix::fs::symlink(&victim, cfg.path().join(format!(".known-hosts.tmp{pid}")))
            .unwrap();
    }
    let cert = pki.self_signed("self", &Pki::leaf_params(&["localhost", "127.0.0.1"]));
    let host_cfg = tempfile::tempdir().unwrap();
    let (_h, addr) = common::headless_host_with(host_cfg.path(), &cert);
    let (code, out, err) = join(
        cfg.path(),
        &addr.to_string(),
        &["--pin", &fingerprint(&sha256(&cert.der))],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(listed(cfg.path()).len(), 1);
    let removed = tlschat(cfg.path())
        .args(["trust", "remove", &addr.to_string()])
        .output()
        .unwrap();
    assert!(removed.status.success());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let file = cfg.path().join("known-hosts");
    assert!(!std::fs::symlink_metadata(&file).unwrap().is_symlink());
}

/// A CA that may issue intermediates.
fn root(name: &str) -> rcgen::CertifiedIssuer<'static, rcgen::KeyPair> {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::OrganizationName, "tlschat tests");
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    p.not_before = time::OffsetDateTime::now_utc() - common::days(1);
    p.not_after = time::OffsetDateTime::now_utc() + common::days(30);
    rcgen::CertifiedIssuer::self_signed(p, rcgen::KeyPair::generate().unwrap()).unwrap()
}

#[test]
fn verified_by_names_the_trust_anchor_that_verified_the_chain() {
    // One intermediate key, certified by two roots (a cross-certificate, as
    // real CAs do during a root change). The host sends leaf, the
    // intermediate from root A, then the one from root B: the last
    // certificate sent names B as its issuer whichever root verifies.
    let dir = tempfile::tempdir().unwrap();
    let (root_a, root_b) = (root("Anchor Root A"), root("Anchor Root B"));
    let mut ip = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ip.distinguished_name
        .push(rcgen::DnType::CommonName, "Test Intermediate");
    ip.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ip.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    ip.not_before = time::OffsetDateTime::now_utc() - common::days(1);
    ip.not_after = time::OffsetDateTime::now_utc() + common::days(30);
    let ikey = rcgen::KeyPair::generate().unwrap();
    let via_a = ip.signed_by(&ikey, &root_a).unwrap();
    let via_b = ip.signed_by(&ikey, &root_b).unwrap();
    let intermediate = rcgen::Issuer::new(ip, ikey);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = Pki::leaf_params(&["localhost", "127.0.0.1"])
        .signed_by(&leaf_key, &intermediate)
        .unwrap();
    let chain = dir.path().join("chain.pem");
    std::fs::write(
        &chain,
        format!("{}{}{}", leaf.pem(), via_a.pem(), via_b.pem()),
    )
    .unwrap();
    let key = dir.path().join("leaf.key");
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    let issued = common::Issued {
        cert: chain,
        key,
        der: leaf.der().to_vec(),
    };
    let (_host, addr) = common::host(&issued, "hana");

    let last_issuer = tlschat::net::CertInfo::from_der(via_b.der()).issuer;
    for (root, other) in [(&root_a, &root_b), (&root_b, &root_a)] {
        let want = tlschat::net::CertInfo::from_der(root.der()).subject;
        let unwanted = tlschat::net::CertInfo::from_der(other.der()).subject;
        assert_ne!(want, unwanted);
        let ca = dir.path().join("trusted.pem");
        std::fs::write(&ca, root.pem()).unwrap();
        let mut m = Node::start();
        m.send(NetCommand::Join(join_config(addr, "ana", &ca)));
        let trust = m.wait_for("connected", |e| match e {
            NetEvent::Connected(info) => Some(info.trust.clone()),
            NetEvent::Disconnected { reason, .. } => panic!("not connected: {reason}"),
            _ => None,
        });
        assert_eq!(
            trust,
            tlschat::net::TrustBasis::Verified {
                anchor: want.clone()
            },
            "(the last certificate sent was issued by {last_issuer})"
        );
        assert!(
            want.contains("Anchor Root") && want.contains("tlschat tests"),
            "{want}"
        );
    }
}
