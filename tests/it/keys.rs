//! Every member has a key (issue 20, part 1): a tlschat member presents
//! its own identity in the handshake when the host asks (every host
//! does), and the room knows it by that key. Real TLS over loopback, the
//! real program for the host and the members that have keys.

use std::path::Path;
use std::process::Command;

use tlschat::net::NetEvent;
use tlschat::net::certinfo::{fingerprint, parse_fingerprint};

use crate::common::{self, Pki, Proc, tlschat_command};

/// The fingerprint `tlschat identity` prints for this configuration
/// directory (making the identity if there is none).
fn identity_of(config_dir: &Path) -> [u8; 32] {
    let out = tlschat_command(config_dir)
        .arg("identity")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("fingerprint"))
        .unwrap_or_else(|| panic!("{text}"));
    parse_fingerprint(line.trim()).unwrap()
}

/// `tlschat join --headless` as `nick`, with its own configuration
/// directory.
fn member(addr: &str, nick: &str, ca: &Path, config_dir: &Path) -> Proc {
    let mut cmd = tlschat_command(config_dir);
    cmd.args(["join", addr, "--headless", "--name", nick, "--ca"])
        .arg(ca);
    let mut p = Proc::spawn(&mut cmd);
    p.expect("in the room", |l| l.contains("in the room:"));
    p
}

/// The key of `nick` as `node` hears it join.
fn key_seen(node: &mut common::Node, nick: &str) -> Option<[u8; 32]> {
    node.wait_for(&format!("{nick} joined"), |e| match e {
        NetEvent::MemberJoined(m) if m.nick == nick => Some(m.key),
        _ => None,
    })
}

#[test]
fn a_members_key_reaches_the_host_and_every_members_list() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let addr = addr.to_string();
    // A member in this process, without a key, watches the room.
    let (mut watcher, _) = common::join(addr.parse().unwrap(), "watcher", &pki.ca_pem);
    let (ana_dir, bo_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let mut ana = member(&addr, "ana", &pki.ca_pem, ana_dir.path());
    let ana_key = identity_of(ana_dir.path());
    assert_eq!(key_seen(&mut host, "ana"), Some(ana_key), "the host's list");
    assert_eq!(
        key_seen(&mut watcher, "ana"),
        Some(ana_key),
        "a member's list"
    );

    // Another member with its own configuration directory is another key.
    let mut bo = member(&addr, "bo", &pki.ca_pem, bo_dir.path());
    let bo_key = identity_of(bo_dir.path());
    assert_ne!(bo_key, ana_key);
    assert_eq!(key_seen(&mut host, "bo"), Some(bo_key));
    assert_eq!(key_seen(&mut watcher, "bo"), Some(bo_key));

    // A member that came before hears it too, and /who shows the whole
    // fingerprint of each key; the watcher has none. (/who lists the
    // members ana has heard of: it waits until bo's join reached it.)
    ana.expect("bo joined", |l| l == "* bo joined");
    ana.say("/who");
    ana.expect("bo's key in ana's /who", |l| {
        l.contains("bo") && l.contains(&fingerprint(&bo_key))
    });
    // One line a member, in the order they came.
    bo.say("/who");
    bo.expect("the watcher has none", |l| {
        l.contains("watcher") && l.contains("(no key)")
    });
    bo.expect("ana's key in bo's /who", |l| {
        l.contains("ana") && l.contains(&fingerprint(&ana_key))
    });

    // The same key comes back the next time: it is the member's, kept in
    // its configuration directory.
    drop(ana);
    let _ana = member(&addr, "ana2", &pki.ca_pem, ana_dir.path());
    assert_eq!(key_seen(&mut host, "ana2"), Some(ana_key));
}

#[test]
fn openssl_without_a_certificate_still_joins_chats_and_sees_the_keys() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl is not installed; .ci/run installs it");
        return;
    }
    let pki = Pki::new();
    let cert = pki.server();
    let host_dir = tempfile::tempdir().unwrap();
    let (mut host, addr) = common::headless_host_with(host_dir.path(), &cert);
    let addr = addr.to_string();
    let ana_dir = tempfile::tempdir().unwrap();
    let mut ana = member(&addr, "ana", &pki.ca_pem, ana_dir.path());
    let ana_key = identity_of(ana_dir.path());
    host.expect("ana joined", |l| l == "* ana joined");

    // The host asks for a certificate; s_client has none and comes in
    // anyway, as it always did.
    let mut client = Proc::spawn(
        Command::new("openssl")
            .args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
            .arg(&pki.ca_pem)
            .args(["-connect", &addr]),
    );
    client.expect("welcome", |l| l.starts_with("* welcome, you are guest-"));
    client.say("/nick ossl");
    client.expect("renamed", |l| l == "* you are now ossl");
    client.say("hello from openssl");
    host.expect("openssl line", |l| l == "<ossl> hello from openssl");
    ana.expect("openssl line at ana", |l| l == "<ossl> hello from openssl");
    ana.say("hi ossl");
    client.expect("ana's line", |l| l == "<ana> hi ossl");

    // Its /who, in plain text, names ana's key in full.
    client.say("/who");
    let who = client.expect("who", |l| l.starts_with("* in the room:"));
    assert!(
        who.contains(&format!("ana [{}]", fingerprint(&ana_key))),
        "{who}"
    );
    assert!(who.contains("ossl") && !who.contains("ossl ["), "{who}");

    // The headless host's /who shows it too, and that s_client has none.
    host.say("/who");
    host.expect("ana in the host's /who", |l| {
        l.contains("ana") && l.contains(&fingerprint(&ana_key))
    });
    host.expect("ossl in the host's /who", |l| {
        l.contains("ossl") && l.contains("(no key)")
    });
}

#[test]
fn a_member_that_resumes_is_still_known_by_its_key() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let relay = common::Relay::start(addr);
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::join_config(relay.addr(), "ana", &pki.ca_pem);
    config.config_dir = Some(dir.path().to_path_buf());
    config.reconnect = true;
    let mut ana = common::Node::start();
    ana.send(common::Command::Join(config));
    ana.wait_for("joined", |e| {
        matches!(e, NetEvent::Joined { .. }).then_some(())
    });
    let key = identity_of(dir.path());
    assert_eq!(key_seen(&mut host, "ana"), Some(key));
    relay.sever();
    ana.wait_for("reconnecting", |e| {
        matches!(e, NetEvent::Reconnecting { .. }).then_some(())
    });
    relay.restore();
    let kind = ana.wait_for("connected again", |e| match e {
        NetEvent::Connected(info) => Some(info.handshake_kind),
        _ => None,
    });
    assert_eq!(kind, tlschat::net::HandshakeKind::Resumed);
    // No certificate went over the wire this time: the host knows the key
    // from the session it resumed.
    assert_eq!(key_seen(&mut host, "ana"), Some(key));
}
