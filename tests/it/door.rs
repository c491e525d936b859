//! The room's door at entry (issue 20): who is let in, who waits, who is
//! refused, and that a refused caller is given nothing of the room. Real
//! TLS over loopback, certificates made at test time, the real program for
//! the hosts and members that are processes, `openssl s_client` as a
//! stranger would use it, and `tlschat/1` frames typed by hand where the
//! exact bytes matter.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command as Process;

use tlschat::net::frame::ServerFrame;
use tlschat::net::invite::Invite;
use tlschat::net::{
    Access, DisconnectKind, DoorCommand, DoorConfig, ErrorCode, HistoryVisibility, NetEvent,
};

use crate::common::{
    self, Command, Issued, Node, Pki, PlainClient, Proc, host_config, host_from, tlschat_command,
};

/// What a plain-text member is asked for at an invite-only room.
const ASK: &str = "* this room is invite-only: type /invite CODE (the code in your invite link), or ask the host for an invite link";
/// What a caller with no invitation is told.
const INVITE_ONLY: &str = "this room is invite-only: ask the host for an invite link";

fn have_openssl() -> bool {
    if Process::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl is not installed; .ci/run installs it");
        return false;
    }
    true
}

/// A headless host as a user starts it: no `--access`, so the default door.
struct DoorHost {
    proc: Proc,
    addr: SocketAddr,
    /// The start link for this machine (`…&invite=CODE`), when it has one.
    link: Option<Invite>,
}

impl DoorHost {
    fn start(config_dir: &Path, bind: &str, cert: &Issued, extra: &[&str]) -> Self {
        let mut cmd = tlschat_command(config_dir);
        cmd.args(["host", "--headless", "--bind", bind, "--name", "hana"])
            .arg("--cert")
            .arg(&cert.cert)
            .arg("--key")
            .arg(&cert.key)
            .args(extra);
        let mut proc = Proc::spawn(&mut cmd);
        let addr = proc.expect_hosting();
        let line = proc.expect("the start link", |l| {
            l.starts_with("* safety code:") || l.starts_with("* invite: ")
        });
        let line = if line.starts_with("* invite: ") {
            line
        } else {
            proc.expect("the start link", |l| l.starts_with("* invite: "))
        };
        let link = line["* invite: ".len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        let link = Invite::parse(&link).unwrap();
        Self {
            proc,
            addr,
            link: link.code.is_some().then_some(link),
        }
    }

    /// The start link's code.
    fn code(&self) -> String {
        self.link.as_ref().unwrap().code.clone().unwrap()
    }

    /// `--pin SHA256:…` for this host, from its link.
    fn pin(&self) -> String {
        let pin = self.link.as_ref().unwrap().pin.unwrap();
        tlschat::net::certinfo::fingerprint(&pin)
    }
}

/// `tlschat join TARGET --headless --name NICK` with its own configuration
/// directory (and so its own key), `extra` arguments after.
fn member_command(target: &str, nick: &str, config_dir: &Path, extra: &[&str]) -> Proc {
    let mut cmd = tlschat_command(config_dir);
    cmd.args(["join", target, "--headless", "--name", nick])
        .args(extra);
    Proc::spawn(&mut cmd)
}

/// A member that is let in: it waits until it is in the room.
fn member_in(target: &str, nick: &str, config_dir: &Path, extra: &[&str]) -> Proc {
    let mut p = member_command(target, nick, config_dir, extra);
    p.expect("in the room", |l| l.contains("in the room:"));
    p
}

/// `openssl s_client -quiet` (which goes on after its stdin ends) trusting
/// the test CA.
fn s_client(addr: SocketAddr, ca: &Path) -> Proc {
    Proc::spawn(
        Process::new("openssl")
            .args(["s_client", "-quiet", "-verify_return_error", "-CAfile"])
            .arg(ca)
            .arg("-connect")
            .arg(addr.to_string()),
    )
}

/// Everything a process said, stdout and stderr, as text.
fn said(p: &Proc) -> String {
    let mut all = p.stdout_bytes();
    all.extend(p.stderr_bytes());
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn a_stranger_is_refused_and_given_nothing_of_the_room() {
    if !have_openssl() {
        return;
    }
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.sqlite3");
    let args = ["--history", history.to_str().unwrap()];
    let mut host = DoorHost::start(dir.path(), "127.0.0.1:0", &pki.server(), &args);
    // The room has history, and a member with a name.
    let member_dir = tempfile::tempdir().unwrap();
    let link = host.link.clone().unwrap().link();
    let mut zan = member_in(&link, "zanzibar", member_dir.path(), &[]);
    zan.say("the first secret");
    host.proc
        .expect("zanzibar's line", |l| l == "<zanzibar> the first secret");
    host.proc.say("the second secret");
    zan.expect("the host's line", |l| l == "<hana> the second secret");
    let secrets = ["first secret", "second secret", "zanzibar", "hana"];

    // openssl s_client: asked for a code once, then refused.
    let mut stranger = s_client(host.addr, &pki.ca_pem);
    stranger.expect("the question", |l| l == ASK);
    stranger.say("hello? let me in");
    let (code, _) = stranger.wait_exit();
    assert_eq!(code, Some(0), "s_client ends when the host closes");
    assert_eq!(
        stranger.seen,
        [ASK.to_string(), format!("* error: {INVITE_ONLY}")],
        "nothing else"
    );
    let everything = said(&stranger);
    for s in secrets {
        assert!(!everything.contains(s), "{s:?} in {everything:?}");
    }

    // tlschat join with the address and the pin, but no invite link.
    let stranger_dir = tempfile::tempdir().unwrap();
    let target = host.addr.to_string();
    let mut eve = member_command(&target, "eve", stranger_dir.path(), &["--pin", &host.pin()]);
    let (code, stderr) = eve.wait_exit();
    let everything = said(&eve);
    assert!(everything.contains(INVITE_ONLY), "{everything}");
    for s in secrets {
        assert!(!everything.contains(s), "{s:?} in {everything:?}");
    }
    assert_eq!(
        code,
        Some(tlschat::headless::EXIT_REFUSED),
        "refused: {stderr}"
    );
    // The room heard of neither.
    host.proc.say("still here");
    zan.expect("the host's next line", |l| l == "<hana> still here");
    assert!(
        !zan.seen.iter().any(|l| l.contains("joined")),
        "{:?}",
        zan.seen
    );
}

#[test]
fn the_start_link_admits_and_the_key_comes_back_without_it_after_a_kill() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.sqlite3");
    let args = ["--history", history.to_str().unwrap()];
    // The host comes back on this address, held for the whole test.
    let held = common::reserve("127.0.0.1");
    let bind = held.addr.to_string();
    let mut host = DoorHost::start(dir.path(), &bind, &server, &args);
    let first_link = host.link.clone().unwrap().link();
    let ana_dir = tempfile::tempdir().unwrap();
    let mut ana = member_in(&first_link, "ana", ana_dir.path(), &[]);
    ana.say("hello from ana");
    host.proc
        .expect("ana's line", |l| l == "<ana> hello from ana");
    host.proc.kill();
    ana.kill();

    let mut host = DoorHost::start(dir.path(), &bind, &server, &args);
    // Back with the address and the pin only: its key is a member's.
    let pin = host.pin();
    let ana = member_in(&bind, "ana", ana_dir.path(), &["--pin", &pin]);
    let line = ana.seen.last().unwrap().clone();
    assert!(line.starts_with("* you are ana;"), "{line}");
    host.proc.expect("ana joined", |l| l == "* ana joined");
    // Another key without an invitation is still refused...
    let eve_dir = tempfile::tempdir().unwrap();
    let mut eve = member_command(&bind, "eve", eve_dir.path(), &["--pin", &pin]);
    let (code, _) = eve.wait_exit();
    assert!(said(&eve).contains(INVITE_ONLY), "{}", said(&eve));
    assert_ne!(code, Some(0));
    // ...and the first run's start link still works (it is good for a week).
    let bo_dir = tempfile::tempdir().unwrap();
    member_in(&first_link, "bo", bo_dir.path(), &[]);
    host.proc.expect("bo joined", |l| l == "* bo joined");
}

#[test]
fn invite_code_as_the_first_line_of_s_client_lets_it_in() {
    if !have_openssl() {
        return;
    }
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let mut host = DoorHost::start(dir.path(), "127.0.0.1:0", &pki.server(), &[]);
    let mut client = s_client(host.addr, &pki.ca_pem);
    client.say(&format!("/invite {}", host.code()));
    client.expect("welcome", |l| l.starts_with("* welcome, you are guest-"));
    assert_eq!(client.seen[0], ASK, "{:?}", client.seen);
    host.proc.expect("joined", |l| {
        l.starts_with("* guest-") && l.ends_with(" joined")
    });
    client.say("hello from openssl");
    host.proc.expect("its line", |l| {
        l.starts_with("<guest-") && l.ends_with("> hello from openssl")
    });
    // A wrong code is refused with why.
    let mut wrong = s_client(host.addr, &pki.ca_pem);
    wrong.say(&format!("/invite {}", "0".repeat(32)));
    wrong.wait_exit();
    assert_eq!(
        wrong.seen.last().unwrap(),
        "* error: this invite is not valid here (revoked, mistyped or for another room): ask the host for a new one"
    );
}

/// A `tlschat/1` connection that says hello (with `invite`, if given) and
/// reads the host's first frame.
fn hello(
    addr: SocketAddr,
    ca: &Path,
    nick: &str,
    invite: Option<&str>,
) -> (PlainClient, ServerFrame) {
    let mut c = PlainClient::connect_json(addr, ca);
    let mut frame = serde_json::json!({"type": "hello", "nick": nick});
    if let Some(code) = invite {
        frame["invite"] = code.into();
    }
    c.send(&frame.to_string());
    let first = next_frame(&mut c);
    (c, first)
}

fn next_frame(c: &mut PlainClient) -> ServerFrame {
    serde_json::from_str(&c.line()).unwrap()
}

/// The error a refused connection is told, after which the host closes it
/// with close_notify (a clean end of stream) and nothing more.
fn refusal(frame: ServerFrame, mut c: PlainClient) -> String {
    let ServerFrame::Error { code, message, .. } = frame else {
        panic!("not refused: {frame:?}")
    };
    assert_eq!(code, ErrorCode::NotAdmitted);
    let mut rest = Vec::new();
    let end = c.reader.read_to_end(&mut rest);
    assert!(end.is_ok(), "no close_notify: {end:?}");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    message
}

/// A host in this process with `door`.
fn host_with_door(pki: &Pki, door: DoorConfig) -> (Node, SocketAddr) {
    let mut config = host_config(&pki.server(), "hana");
    config.door = door;
    host_from(config)
}

/// A new invitation's id and code.
fn invite(host: &mut Node, uses: Option<u32>) -> (u32, String) {
    host.send(Command::Door(DoorCommand::Invite { uses, hours: None }));
    host.wait_for("the invitation", |e| match e {
        NetEvent::InviteMade { id, invites } => Some((*id, invites[0].code.clone().unwrap())),
        _ => None,
    })
}

#[test]
fn a_single_use_invite_admits_once_and_a_revoked_one_no_one() {
    let pki = Pki::new();
    let (mut host, addr) = host_with_door(&pki, DoorConfig::default());
    let (_, code) = invite(&mut host, Some(1));
    // Two members, each with its own key, bring the same link.
    let (ana_key, bo_key) = (pki.member_key("ana"), pki.member_key("bo"));
    let (_ana, _) = keyed_member(addr, &pki, ("ana", &ana_key), Some(&code));
    let mut bo = keyed_join(addr, &pki, ("bo", &bo_key), Some(&code));
    let (reason, kind) = bo.wait_for("bo's end", |e| match e {
        NetEvent::Disconnected { reason, kind } => Some((common::english(reason), *kind)),
        NetEvent::Joined { .. } => panic!("bo came in"),
        _ => None,
    });
    assert_eq!(kind, DisconnectKind::Refused);
    assert_eq!(
        reason,
        "this invite has been used up: ask the host for a new one"
    );
    // The same, typed by hand: one error, then close_notify.
    let (cy, frame) = hello(addr, &pki.ca_pem, "cy", Some(&code));
    assert_eq!(
        refusal(frame, cy),
        "this invite has been used up: ask the host for a new one"
    );

    let (id, code) = invite(&mut host, None);
    host.send(Command::Door(DoorCommand::Revoke(id)));
    host.wait_for("the door without it", |e| match e {
        NetEvent::Door(view) => view.invitations.iter().all(|i| i.id != id).then_some(()),
        _ => None,
    });
    let (cy, frame) = hello(addr, &pki.ca_pem, "cy", Some(&code));
    assert!(refusal(frame, cy).starts_with("this invite is not valid here"));
    let (dee, frame) = hello(addr, &pki.ca_pem, "dee", None);
    assert_eq!(refusal(frame, dee), INVITE_ONLY);
    // Only ana came in.
    let joined: Vec<String> = host
        .seen
        .iter()
        .filter_map(|e| match e {
            NetEvent::MemberJoined(m) => Some(m.nick.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(joined, ["ana"]);
}

/// The lobby id of the first caller `host` sees knocking.
fn knocking(host: &mut Node) -> u64 {
    host.wait_for("a knock", |e| match e {
        NetEvent::Door(view) => view.knocking.first().map(|k| k.id),
        _ => None,
    })
}

#[test]
fn knocking_members_wait_and_are_let_in_refused_or_forgotten() {
    let pki = Pki::new();
    let door = DoorConfig {
        access: Access::Knock,
        ..DoorConfig::default()
    };
    let (mut host, addr) = host_with_door(&pki, door);
    host.send(Command::Send {
        id: 1,
        text: "said before anyone knocked".into(),
    });
    let waiting = ServerFrame::Waiting {
        text: "waiting for the host to let you in".into(),
    };
    let (mut ana, first) = hello(addr, &pki.ca_pem, "ana", None);
    assert_eq!(first, waiting);
    let id = knocking(&mut host);
    host.send(Command::Door(DoorCommand::Admit(id)));
    let ServerFrame::Welcome { nick, .. } = next_frame(&mut ana) else {
        panic!()
    };
    assert_eq!(nick, "ana");
    // Nothing said before it came in (--history-visibility joined).
    assert_eq!(
        next_frame(&mut ana),
        ServerFrame::History {
            count: 0,
            missed: 0,
            resumed: false
        }
    );

    let (bo, first) = hello(addr, &pki.ca_pem, "bo", None);
    assert_eq!(first, waiting);
    let id = knocking(&mut host);
    host.send(Command::Door(DoorCommand::Refuse(id)));
    let (frame, bo) = next_frame_of(bo);
    assert_eq!(refusal(frame, bo), "the host did not let you in");

    // One that goes away leaves the lobby.
    let (cy, _) = hello(addr, &pki.ca_pem, "cy", None);
    knocking(&mut host);
    cy.close();
    host.wait_for("an empty lobby", |e| match e {
        NetEvent::Door(view) => view.knocking.is_empty().then_some(()),
        _ => None,
    });
    let joined = host
        .seen
        .iter()
        .filter(|e| matches!(e, NetEvent::MemberJoined(_)))
        .count();
    assert_eq!(joined, 1, "only ana came in");
}

/// The next frame of `c`, with `c` for [`refusal`].
fn next_frame_of(mut c: PlainClient) -> (ServerFrame, PlainClient) {
    (next_frame(&mut c), c)
}

#[test]
fn a_knock_the_host_does_not_answer_ends_after_knock_wait() {
    if !have_openssl() {
        return;
    }
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--access", "knock", "--knock-wait", "1"];
    let host = DoorHost::start(dir.path(), "127.0.0.1:0", &pki.server(), &args);
    assert!(host.link.is_none(), "a knock room's links carry no code");
    let mut client = s_client(host.addr, &pki.ca_pem);
    client.expect("waiting", |l| l == "* waiting for the host to let you in");
    let (code, _) = client.wait_exit();
    assert_eq!(code, Some(0));
    assert_eq!(
        client.seen,
        [
            "* waiting for the host to let you in",
            "* error: the host did not answer in time: try again later"
        ]
    );
}

/// A member in this process, `(nick, certificate)`, joining with `invite`.
fn keyed_join(
    addr: SocketAddr,
    pki: &Pki,
    (nick, key): (&str, &Issued),
    invite: Option<&str>,
) -> Node {
    let mut config = common::keyed_join_config(addr, nick, pki, key);
    config.invite = invite.map(str::to_string);
    let node = Node::start();
    node.send(Command::Join(config));
    node
}

/// [`keyed_join`], let in: it waits for the end of its history and
/// returns the history's texts.
fn keyed_member(
    addr: SocketAddr,
    pki: &Pki,
    member: (&str, &Issued),
    invite: Option<&str>,
) -> (Node, Vec<String>) {
    let mut node = keyed_join(addr, pki, member, invite);
    let mut history = Vec::new();
    node.wait_for("the end of the history", |e| match e {
        NetEvent::Message(m) if m.history => {
            history.push(m.text.clone());
            None
        }
        NetEvent::HistoryEnd { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("not in: {reason}"),
        _ => None,
    });
    (node, history)
}

#[test]
fn history_follows_admission_unless_visibility_is_all() {
    let pki = Pki::new();
    let key = pki.member_key("ana");
    for visibility in [HistoryVisibility::Joined, HistoryVisibility::All] {
        let door = DoorConfig {
            history: visibility,
            ..DoorConfig::default()
        };
        let (mut host, addr) = host_with_door(&pki, door);
        host.send(Command::Send {
            id: 1,
            text: "before".into(),
        });
        host.wait_for("stored", |e| {
            matches!(e, NetEvent::Delivered { id: 1 }).then_some(())
        });
        let (_, code) = invite(&mut host, Some(1));
        let (mut ana, history) = keyed_member(addr, &pki, ("ana", &key), Some(&code));
        match visibility {
            HistoryVisibility::Joined => assert!(history.is_empty(), "{history:?}"),
            HistoryVisibility::All => assert_eq!(history, ["before"]),
        }
        host.send(Command::Send {
            id: 2,
            text: "after".into(),
        });
        ana.wait_message("after");
        ana.send(Command::Finish);
        // The same key comes back with no invitation (it was used up).
        let (_, history) = keyed_member(addr, &pki, ("ana", &key), None);
        match visibility {
            HistoryVisibility::Joined => assert_eq!(history, ["after"]),
            HistoryVisibility::All => assert_eq!(history, ["before", "after"]),
        }
    }
}

#[test]
fn require_client_ca_refuses_a_key_of_its_own_and_admits_the_cas() {
    let pki = Pki::new();
    let mut config = host_config(&pki.server(), "hana");
    config.client_ca = Some(pki.ca_pem.clone());
    config.door = DoorConfig {
        require_client_ca: true,
        ..DoorConfig::default()
    };
    let (mut host, addr) = host_from(config);
    let (_, code) = invite(&mut host, None);
    let need = "this room admits only members with a certificate from its client CA";
    // A key of its own, even with an invitation: refused.
    let mut eve = keyed_join(addr, &pki, ("eve", &pki.member_key("eve")), Some(&code));
    let reason = eve.wait_for("eve's end", |e| match e {
        NetEvent::Disconnected { reason, .. } => Some(common::english(reason)),
        NetEvent::Joined { .. } => panic!("eve came in"),
        _ => None,
    });
    assert_eq!(reason, need);
    // Without a certificate at all, the same.
    let (anon, frame) = hello(addr, &pki.ca_pem, "anon", Some(&code));
    assert_eq!(refusal(frame, anon), need);
    // A certificate from the client CA needs no invitation.
    let ana = pki.issue("ana", &Pki::leaf_params(&["ana"]));
    keyed_member(addr, &pki, ("ana", &ana), None);
}

#[test]
fn a_headless_host_lets_a_knocking_member_in_and_refuses_another() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let mut host = DoorHost::start(
        dir.path(),
        "127.0.0.1:0",
        &pki.server(),
        &["--access", "knock"],
    );
    let ca = pki.ca_pem.to_str().unwrap();
    let target = host.addr.to_string();
    let (ana_dir, bo_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let mut ana = member_command(&target, "ana", ana_dir.path(), &["--ca", ca]);
    ana.expect("waiting", |l| {
        l.starts_with("* waiting for the host to let you in")
    });
    let asks = host
        .proc
        .expect("ana knocking", |l| l.starts_with("* ana ("));
    assert!(
        asks.ends_with("asks to come in: /admit ana or /refuse ana"),
        "{asks}"
    );
    host.proc.say("/admit ana");
    ana.expect("in the room", |l| l.starts_with("* you are ana;"));
    host.proc.expect("ana joined", |l| l == "* ana joined");

    let mut bo = member_command(&target, "bo", bo_dir.path(), &["--ca", ca]);
    bo.expect("waiting", |l| {
        l.starts_with("* waiting for the host to let you in")
    });
    host.proc.expect("bo knocking", |l| l.starts_with("* bo ("));
    host.proc.say("/refuse bo");
    let (code, stderr) = bo.wait_exit();
    assert!(stderr.contains("the host did not let you in"), "{stderr}");
    assert_eq!(code, Some(tlschat::headless::EXIT_REFUSED));
    assert!(!bo.seen.iter().any(|l| l.contains("ana")), "{:?}", bo.seen);
}
