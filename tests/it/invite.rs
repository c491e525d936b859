//! Invite links and safety codes with the real binary over real TLS on
//! loopback: a host prints its invites (one per address, loopback last,
//! with a certificate that names them), a member joins with one and no
//! prior pin, a link for another certificate is refused like a wrong
//! `--pin`, a link never passes an "identity changed" alarm, a malformed
//! link is a one-line error, and the safety code is the same at both ends
//! and changes with the certificate.

use crate::common;

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use common::{Proc, finish, tlschat_command as tlschat};
use tlschat::net::CertInfo;

/// What a headless host printed when it started listening.
#[derive(Debug)]
struct Listing {
    addr: SocketAddr,
    fingerprint: String,
    safety_code: String,
    invites: Vec<String>,
}

/// The text after `prefix` on a line, up to two spaces (a comment).
fn value<'a>(line: &'a str, prefix: &str) -> &'a str {
    line[prefix.len()..].split("  ").next().unwrap()
}

/// A headless host named hana with the certificate kept in `config`,
/// listening on `bind`; returns it once it has printed its invites (the
/// last one is for a loopback address).
fn host(config: &Path, bind: &str) -> (Proc, Listing) {
    let mut p =
        Proc::spawn(common::headless_host_command(config, bind, "hana", None).arg("--no-history"));
    let addr = p.expect_hosting();
    let fingerprint = value(
        &p.expect("fingerprint", |l| l.starts_with("* fingerprint: ")),
        "* fingerprint: ",
    )
    .to_string();
    let line = p.expect("safety code", |l| l.starts_with("* safety code: "));
    let safety_code = value(&line, "* safety code: ").to_string();
    let mut invites = Vec::new();
    loop {
        let line = p.expect("an invite", |l| l.starts_with("* invite: "));
        let link = value(&line, "* invite: ").to_string();
        let loopback = invite_ip(&link).is_loopback();
        invites.push(link);
        if loopback {
            break;
        }
    }
    (
        p,
        Listing {
            addr,
            fingerprint,
            safety_code,
            invites,
        },
    )
}

/// The IP address an invite link is for.
fn invite_ip(link: &str) -> IpAddr {
    let invite = tlschat::net::invite::Invite::parse(link).unwrap();
    invite.host.parse().unwrap()
}

/// `tlschat join TARGET --headless --name NICK EXTRA…` in `config`.
fn join(config: &Path, target: &str, nick: &str, extra: &[&str]) -> Proc {
    Proc::spawn(
        tlschat(config)
            .args(["join", target, "--headless", "--name", nick])
            .args(extra),
    )
}

/// Stops a headless host (Ctrl-C closes its room) and waits for it.
fn stop(mut p: Proc) {
    p.signal("INT");
    let (code, err) = p.wait_exit();
    assert_eq!(code, Some(0), "{err}");
}

/// The host certificate kept in a configuration directory.
fn kept_cert(config: &Path) -> CertInfo {
    let certs = tlschat::net::pem::load_certs(&config.join("host-cert.pem")).unwrap();
    CertInfo::from_der(&certs[0])
}

fn known_hosts(config: &Path) -> String {
    common::trust_list(config)
}

#[test]
fn a_member_joins_with_an_invite_and_no_prior_pin_and_both_show_one_safety_code() {
    let host_cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    let (mut h, l) = host(host_cfg.path(), "127.0.0.1:0");
    let port = l.addr.port();
    assert_eq!(
        l.invites,
        vec![format!("tlschat://127.0.0.1:{port}/#pin={}", l.fingerprint)],
        "a host on one address invites to that address, with its pin"
    );
    let kept = kept_cert(host_cfg.path());
    assert_eq!(
        l.safety_code,
        tlschat::net::safety::safety_code(&kept.sha256)
    );

    let mut m = join(member_cfg.path(), &l.invites[0], "ana", &[]);
    let code_line = m.expect("the member's safety code", |x| {
        x.starts_with("* safety code: ")
    });
    assert_eq!(value(&code_line, "* safety code: "), l.safety_code);
    m.expect("trusted by the invite's pin", |x| {
        x.starts_with("* trusted by your pin of this exact certificate")
    });
    m.say("hello from an invite");
    h.expect("the member's line", |x| x == "<ana> hello from an invite");
    let (code, out, err) = finish(m);
    assert_eq!(code, 0, "{out:?}{err}");
    assert!(
        out.iter()
            .any(|x| x.contains("your exception for this certificate is remembered")),
        "{out:?}"
    );
    // Remembered like --pin: a pinned exception for exactly this host:port.
    let known = known_hosts(member_cfg.path());
    assert!(
        known.starts_with(&format!("127.0.0.1:{port}  exception  {}", l.fingerprint)),
        "{known}"
    );
    // The next time, the address alone will do.
    let mut again = join(member_cfg.path(), &format!("127.0.0.1:{port}"), "ana", &[]);
    again.expect("trusted again", |x| x.starts_with("* trusted by your pin"));
    let (code, _, err) = finish(again);
    assert_eq!(code, 0, "{err}");
    stop(h);
}

#[test]
fn an_invite_for_another_certificate_is_refused_and_nothing_is_sent() {
    let (cfg_a, cfg_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let member_cfg = tempfile::tempdir().unwrap();
    let (a, la) = host(cfg_a.path(), "127.0.0.1:0");
    let (mut b, lb) = host(cfg_b.path(), "127.0.0.1:0");
    assert_ne!(la.fingerprint, lb.fingerprint, "two hosts, two keys");
    assert_ne!(la.safety_code, lb.safety_code);
    // A's invite, pointed at B's port (or B in the middle).
    let forged = la.invites[0].replace(
        &format!(":{}/", la.addr.port()),
        &format!(":{}/", lb.addr.port()),
    );
    let mut m = join(member_cfg.path(), &forged, "mallory", &[]);
    m.say("secret");
    let (code, out, err) = finish(m);
    assert_eq!(code, 3, "{out:?}{err}");
    assert!(err.contains("[CERT_SELF_SIGNED]"), "{err}");
    // What was presented is shown: B's fingerprint and safety code.
    assert!(
        err.contains(&format!("    fingerprint: {}", lb.fingerprint)),
        "{err}"
    );
    assert!(
        err.contains(&format!("    safety code: {}", lb.safety_code)),
        "{err}"
    );
    assert!(err.contains("Nothing was sent."), "{err}");
    assert!(!out.iter().any(|x| x.starts_with("* connected")), "{out:?}");
    assert!(known_hosts(member_cfg.path()).starts_with("no known hosts"));

    // Nothing reached B: a witness who joins afterwards is B's first.
    let witness_cfg = tempfile::tempdir().unwrap();
    let mut w = join(witness_cfg.path(), &lb.invites[0], "witness", &[]);
    w.say("after");
    b.expect("the witness's line", |x| x == "<witness> after");
    assert!(
        !b.seen
            .iter()
            .any(|x| x.contains("secret") || x.contains("mallory")),
        "{:?}",
        b.seen
    );
    let (code, _, err) = finish(w);
    assert_eq!(code, 0, "{err}");
    stop(a);
    stop(b);
}

#[test]
fn an_invite_never_passes_an_identity_changed_alarm() {
    let (cfg_a, cfg_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let member_cfg = tempfile::tempdir().unwrap();
    // Both hosts on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let bind = held.addr.to_string();
    let (a, la) = host(cfg_a.path(), &bind);
    let m = join(member_cfg.path(), &la.invites[0], "ana", &[]);
    let (code, out, err) = finish(m);
    assert_eq!(code, 0, "{out:?}{err}");
    stop(a);

    // Another key on the same host:port, with an invite that is right
    // about it: the member's earlier pin still wins.
    let (mut b, lb) = host(cfg_b.path(), &bind);
    assert_ne!(la.fingerprint, lb.fingerprint);
    let mut m = join(member_cfg.path(), &lb.invites[0], "ana", &[]);
    m.say("secret");
    let (code, out, err) = finish(m);
    assert_eq!(code, 3, "{out:?}{err}");
    assert!(err.contains("HAS CHANGED [HOST_IDENTITY_CHANGED]"), "{err}");
    assert!(err.contains("This cannot be bypassed"), "{err}");
    // The store still holds the first certificate.
    assert!(
        known_hosts(member_cfg.path()).contains(&la.fingerprint),
        "the alarm must not replace the pin"
    );
    let witness_cfg = tempfile::tempdir().unwrap();
    let mut w = join(witness_cfg.path(), &lb.invites[0], "witness", &[]);
    w.say("after");
    b.expect("the witness's line", |x| x == "<witness> after");
    assert!(!b.seen.iter().any(|x| x.contains("secret")), "{:?}", b.seen);
    let _ = finish(w);
    stop(b);
}

#[test]
fn a_malformed_link_is_a_one_line_error_naming_the_cause() {
    let cfg = tempfile::tempdir().unwrap();
    let pin = format!("SHA256:{}", "ab".repeat(32));
    let other = format!("SHA256:{}", "cd".repeat(32));
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (
            "tlschat://127.0.0.1:7443/#pin=SHA256:12ab".into(),
            vec![],
            "the pin is not SHA256: followed by 64 hex digits",
        ),
        (
            format!("tlschat://ana@127.0.0.1:7443/#pin={pin}"),
            vec![],
            "user name or password",
        ),
        (
            format!("tlschat://127.0.0.1:99999/#pin={pin}"),
            vec![],
            "bad port '99999'",
        ),
        (
            format!("tlschat://127.0.0.1:7443/#pin={pin}&room=x"),
            vec![],
            "unknown parameter 'room'",
        ),
        (
            format!("tlschat://127.0.0.1:7443/#pin={pin}&pin={pin}"),
            vec![],
            "'pin' is given twice",
        ),
        (
            format!("https://127.0.0.1:7443/#pin={pin}"),
            vec![],
            "not a tlschat:// link",
        ),
        (
            format!("tlschat://[fe80::1%25eth0]:7443/#pin={pin}"),
            vec![],
            "zone id",
        ),
        (
            format!("tlschat://127.0.0.1:7443/\x1b[2J#pin={pin}"),
            vec![],
            "a control character (U+001B)",
        ),
        (
            format!("tlschat://127.0.0.1:7443/#pin={pin}"),
            vec!["--pin", &other],
            "different certificates",
        ),
    ];
    for (link, extra, cause) in &cases {
        let out = tlschat(cfg.path())
            .args(["join", link, "--headless"])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{link:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{link:?}: {err}");
        assert!(err.starts_with("tlschat: "), "{err}");
        assert!(
            err.contains(cause),
            "{link:?}: {err:?} should say {cause:?}"
        );
        assert!(
            !err.contains('\x1b'),
            "the link is never echoed raw: {err:?}"
        );
        assert!(out.stdout.is_empty(), "nothing is joined");
    }
    // A word that is neither a subcommand nor a link.
    let out = tlschat(cfg.path()).arg("hots").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("neither a subcommand nor an invite link"),
        "{err}"
    );
}

#[test]
fn a_wildcard_host_invites_to_each_address_with_a_certificate_that_names_them() {
    let cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    let (mut h, l) = host(cfg.path(), "0.0.0.0:0");
    let listed: Vec<IpAddr> = l.invites.iter().map(|i| invite_ip(i)).collect();
    // Every non-loopback IPv4 address of this machine, then loopback.
    let expected = tlschat::net::invite::invite_addresses(
        "0.0.0.0".parse().unwrap(),
        &tlschat::net::invite::local_addresses(),
    );
    assert_eq!(listed, expected);
    assert_eq!(listed.last(), Some(&"127.0.0.1".parse().unwrap()));
    for ip in &listed[..listed.len() - 1] {
        assert!(ip.is_ipv4() && !ip.is_loopback(), "{ip}");
    }
    for link in &l.invites {
        assert!(
            link.ends_with(&format!(":{}/#pin={}", l.addr.port(), l.fingerprint)),
            "{link}"
        );
    }
    // The kept certificate names every listed address.
    let cert = kept_cert(cfg.path());
    let names = cert.host_names();
    for ip in &listed {
        assert!(names.contains(&ip.to_string()), "{ip} not in {names:?}");
    }

    // Through loopback only: the invite works, and so does a CA-style
    // check of the names (the certificate as its own root): a named
    // address verifies, an unnamed one (127.0.0.2) is a name mismatch.
    let port = l.addr.port();
    let mut m = join(
        member_cfg.path(),
        &l.invites[l.invites.len() - 1],
        "ana",
        &[],
    );
    m.say("over loopback");
    h.expect("the member's line", |x| x == "<ana> over loopback");
    let (code, _, err) = finish(m);
    assert_eq!(code, 0, "{err}");
    let root = cfg.path().join("host-cert.pem");
    let root = root.to_str().unwrap();
    let verify_cfg = tempfile::tempdir().unwrap();
    let mut v = join(
        verify_cfg.path(),
        &format!("127.0.0.1:{port}"),
        "vera",
        &["--ca", root],
    );
    v.expect("verified by name", |x| {
        x.starts_with("* trusted: verified by")
    });
    let (code, _, err) = finish(v);
    assert_eq!(code, 0, "{err}");
    let unnamed = join(
        verify_cfg.path(),
        &format!("127.0.0.2:{port}"),
        "vera",
        &["--ca", root],
    );
    let (code, _, err) = finish(unnamed);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("CERT_NAME_MISMATCH"), "{err}");
    stop(h);
}

#[test]
fn a_host_on_a_new_address_reissues_its_certificate_with_the_same_key() {
    let cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    // The first and third hosts on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let bind = held.addr.to_string();
    let (h, first) = host(cfg.path(), &bind);
    let old = kept_cert(cfg.path());
    let m = join(member_cfg.path(), &first.invites[0], "ana", &[]);
    let (code, _, err) = finish(m);
    assert_eq!(code, 0, "{err}");
    stop(h);

    // 127.0.0.2 is not named yet: a new certificate, same key, both names.
    let (h, second) = host(cfg.path(), "127.0.0.2:0");
    assert_eq!(second.invites.len(), 1);
    assert_eq!(
        invite_ip(&second.invites[0]),
        "127.0.0.2".parse::<IpAddr>().unwrap()
    );
    let new = kept_cert(cfg.path());
    assert_ne!(new.sha256, old.sha256);
    assert_ne!(second.fingerprint, first.fingerprint);
    assert_ne!(
        second.safety_code, first.safety_code,
        "the code follows the certificate"
    );
    assert!(new.same_key(&old), "the key is kept");
    for name in ["127.0.0.1", "127.0.0.2", "localhost"] {
        assert!(new.host_names().contains(&name.to_string()), "{name}");
    }
    stop(h);

    // Back on the first address: no further re-issue, and the member who
    // accepted the first certificate gets in, told of the renewal.
    let (mut h, third) = host(cfg.path(), &bind);
    assert_eq!(third.fingerprint, second.fingerprint);
    let mut m = join(member_cfg.path(), &bind, "ana", &[]);
    m.expect("the renewal notice", |x| {
        x.contains("has a new certificate with the same key")
    });
    m.say("still me");
    h.expect("the member's line", |x| x == "<ana> still me");
    let (code, _, err) = finish(m);
    assert_eq!(code, 0, "{err}");
    // An invite made before names the old certificate exactly: refused.
    let fresh_cfg = tempfile::tempdir().unwrap();
    let (code, _, err) = finish(join(fresh_cfg.path(), &first.invites[0], "bo", &[]));
    assert_eq!(code, 3, "{err}");
    stop(h);
}

#[test]
fn gen_cert_names_this_machines_addresses_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let out = tlschat(dir.path())
        .args(["gen-cert", "--out"])
        .arg(dir.path().join("default"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = |sub: &str| {
        let certs =
            tlschat::net::pem::load_certs(&dir.path().join(sub).join("server.pem")).unwrap();
        CertInfo::from_der(&certs[0]).host_names()
    };
    let names = server("default");
    assert_eq!(
        names[..2],
        ["localhost".to_string(), "127.0.0.1".to_string()]
    );
    for ip in tlschat::net::invite::machine_addresses() {
        assert!(names.contains(&ip.to_string()), "{ip} not in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("fe80")),
        "no link-local addresses: {names:?}"
    );
    let out = tlschat(dir.path())
        .args(["gen-cert", "--host", "chat.example", "--out"])
        .arg(dir.path().join("given"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(server("given"), ["chat.example".to_string()]);
}

#[test]
fn an_invite_never_replaces_a_cas_verification_of_a_host() {
    let pki = common::Pki::new();
    let cert = pki.server();
    let host_cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    // Both hosts on one address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let bind = held.addr.to_string();
    let ca = pki.ca_pem.to_str().unwrap();
    // The host with a CA's certificate; the member verifies it with --ca.
    let mut p = Proc::spawn(
        common::headless_host_command(host_cfg.path(), &bind, "hana", Some(&cert))
            .arg("--no-history"),
    );
    p.expect_hosting();
    let line = p.expect("an invite", |l| l.starts_with("* invite: "));
    let ca_invite = value(&line, "* invite: ").to_string();
    let mut m = join(member_cfg.path(), &ca_invite, "ana", &["--ca", ca]);
    m.expect("verified by the CA", |x| {
        x.starts_with("* trusted: verified by")
    });
    let (code, _, err) = finish(m);
    assert_eq!(code, 0, "{err}");
    assert!(known_hosts(member_cfg.path()).contains("  verified  "));
    stop(p);

    // The same host:port now with a self-signed certificate, and an invite
    // that pins exactly it: refused, and no exception can be made.
    let self_cfg = tempfile::tempdir().unwrap();
    let (h, l) = host(self_cfg.path(), &bind);
    let (code, out, err) = finish(join(member_cfg.path(), &l.invites[0], "ana", &["--ca", ca]));
    assert_eq!(code, 3, "{out:?}{err}");
    assert!(err.contains("[CERT_SELF_SIGNED]"), "{err}");
    assert!(
        !err.contains("join with --pin"),
        "no way through is offered: {err}"
    );
    assert!(known_hosts(member_cfg.path()).contains("  verified  "));
    stop(h);
}

#[test]
fn an_ipv6_wildcard_host_invites_to_ipv6_addresses_and_works_over_ipv6_loopback() {
    let cfg = tempfile::tempdir().unwrap();
    let member_cfg = tempfile::tempdir().unwrap();
    // `host` reads invites up to the first loopback one: [::1] here.
    let (mut h, l) = host(cfg.path(), "[::]:0");
    let listed: Vec<IpAddr> = l.invites.iter().map(|i| invite_ip(i)).collect();
    let expected = tlschat::net::invite::invite_addresses(
        "::".parse().unwrap(),
        &tlschat::net::invite::local_addresses(),
    );
    assert_eq!(listed[..], expected[..listed.len()]);
    assert!(
        !listed
            .iter()
            .any(|ip| ip.to_string().to_lowercase().starts_with("fe80")),
        "no link-local invites: {listed:?}"
    );
    let names = kept_cert(cfg.path()).host_names();
    for ip in &expected {
        assert!(names.contains(&ip.to_string()), "{ip} not in {names:?}");
    }
    let v6 = l.invites.last().unwrap();
    assert!(v6.starts_with("tlschat://[::1]:"), "{v6}");
    let mut m = join(member_cfg.path(), v6, "ana", &[]);
    m.say("over ::1");
    h.expect("the member's line", |x| x == "<ana> over ::1");
    let (code, _, err) = finish(m);
    assert_eq!(code, 0, "{err}");
    stop(h);
}
