//! Putting someone out (issue 20, part 3): the host's kick, ban and mute,
//! over real TLS on loopback with keys made at test time; a ban and a mute
//! outlive a host killed with SIGKILL (the real program).

use std::net::SocketAddr;
use std::path::Path;

use tlschat::net::{DisconnectKind, DoorCommand, DoorConfig, LeaveReason, NetEvent};

use crate::common::{self, Command, Issued, Node, Pki, PlainClient, Proc};

/// `nick` in the room with `key`; its node.
fn member(addr: SocketAddr, nick: &str, pki: &Pki, key: &Issued, reconnect: bool) -> Node {
    let mut config = common::keyed_join_config(addr, nick, pki, key);
    config.reconnect = reconnect;
    let mut node = Node::start();
    node.send(Command::Join(config));
    node.wait_for(&format!("{nick} in the room"), |e| match e {
        NetEvent::Joined { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("{nick} could not join: {reason}"),
        _ => None,
    });
    node
}

/// How `node`'s session ended: its kind and reason.
fn ended(node: &mut Node) -> (DisconnectKind, String) {
    node.wait_for("the end of the session", |e| match e {
        NetEvent::Disconnected { kind, reason } => Some((*kind, common::english(reason))),
        _ => None,
    })
}

/// Joins afresh as `nick` with `key` and returns how it ended; it must not
/// get into the room.
fn refused(
    addr: SocketAddr,
    nick: &str,
    pki: &Pki,
    key: &Issued,
    invite: Option<String>,
) -> (DisconnectKind, String) {
    let mut config = common::keyed_join_config(addr, nick, pki, key);
    config.invite = invite;
    let mut node = Node::start();
    node.send(Command::Join(config));
    node.wait_for("a refusal", |e| match e {
        NetEvent::Joined { .. } => panic!("{nick} got into the room"),
        NetEvent::Disconnected { kind, reason } => Some((*kind, common::english(reason))),
        _ => None,
    })
}

/// The host says `text`; returns once `node` heard it.
fn host_says(host: &Node, node: &mut Node, text: &str) {
    host.send(Command::Send {
        id: 1000 + text.len() as u64,
        text: text.into(),
    });
    node.wait_message(text);
}

/// A plain-text member (like `openssl s_client`): its first line is its
/// welcome.
fn plain(addr: SocketAddr, pki: &Pki) -> PlainClient {
    let mut c = PlainClient::connect(addr, &pki.ca_pem);
    c.until(|l| l.contains("welcome, you are"));
    c
}

#[test]
fn a_kicked_member_is_told_why_does_not_come_back_and_hears_nothing_more() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let (ana_key, bo_key) = (pki.member_key("ana"), pki.member_key("bo"));
    // Ana would reconnect after a drop; a kick is not one.
    let mut ana = member(addr, "ana", &pki, &ana_key, true);
    let mut bo = member(addr, "bo", &pki, &bo_key, false);
    let mut cy = plain(addr, &pki);
    host_says(&host, &mut ana, "before");

    host.send(Command::Door(DoorCommand::Kick {
        nick: "ana".into(),
        reason: "be nice".into(),
    }));
    host.send(Command::Send {
        id: 1,
        text: "after the kick".into(),
    });
    let (kind, reason) = ended(&mut ana);
    assert_eq!(
        (kind, reason.as_str()),
        (
            DisconnectKind::Removed,
            "you were removed by the host (be nice)"
        )
    );
    // The end of the session is its last event: no reconnecting, and
    // nothing said after the kick reached it.
    assert!(
        !ana.seen
            .iter()
            .any(|e| matches!(e, NetEvent::Reconnecting { .. })
                || matches!(e, NetEvent::Message(m) if m.text == "after the kick")),
        "{:#?}",
        ana.seen
    );
    assert!(ana.recv(std::time::Duration::ZERO).is_none());

    // The others are told, a tlschat member and a plain one alike.
    let said = "ana was removed by the host (be nice)";
    bo.wait_for("ana's leave", |e| match e {
        NetEvent::MemberLeft { member, reason } if member.nick == "ana" => {
            assert_eq!(*reason, LeaveReason::Removed);
            Some(())
        }
        _ => None,
    });
    bo.wait_for("the notice", |e| match e {
        NetEvent::Notice(n) if common::english(n) == said => Some(()),
        _ => None,
    });
    bo.wait_message("after the kick");
    let before = cy.until(|l| l.contains("after the kick"));
    assert!(before.iter().any(|l| l.contains(said)), "{before:?}");
    host.wait_for("the host's notice", |e| match e {
        NetEvent::Notice(n) if common::english(n) == said => Some(()),
        _ => None,
    });
    // Nobody by that name: the host is told, nobody is put out.
    host.send(Command::Door(DoorCommand::Kick {
        nick: "zed".into(),
        reason: String::new(),
    }));
    host.wait_for("no such member", |e| match e {
        NetEvent::Notice(n) if common::english(n) == "no member named zed" => Some(()),
        NetEvent::MemberLeft { member, .. } => panic!("{} was put out", member.nick),
        _ => None,
    });
    host_says(&host, &mut bo, "still here");
}

#[test]
fn a_ban_beats_an_open_door_takes_a_plain_member_by_address_and_can_be_lifted() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let (ana_key, bo_key) = (pki.member_key("ana"), pki.member_key("bo"));
    let mut ana = member(addr, "ana", &pki, &ana_key, true);
    // A second connection of the same key (another window) goes too.
    let mut ana2 = member(addr, "ana2", &pki, &ana_key, false);
    let mut bo = member(addr, "bo", &pki, &bo_key, false);
    let mut cy = plain(addr, &pki);

    host.send(Command::Door(DoorCommand::Ban {
        nick: "ana".into(),
        reason: "spam".into(),
    }));
    let banned = "you were banned from this room by the host (spam)";
    assert_eq!(ended(&mut ana), (DisconnectKind::Removed, banned.into()));
    assert_eq!(ended(&mut ana2), (DisconnectKind::Removed, banned.into()));
    bo.wait_for("the notice", |e| match e {
        NetEvent::Notice(n) if common::english(n) == "ana was banned by the host (spam)" => {
            Some(())
        }
        _ => None,
    });
    // The room is open, but not to a banned key.
    assert_eq!(
        refused(addr, "ana", &pki, &ana_key, None),
        (
            DisconnectKind::Refused,
            "you are banned from this room".into()
        )
    );

    // A plain member has no key: its address is banned (bo, with a key,
    // stays).
    cy.until(|l| l.contains("ana2 was banned"));
    host.send(Command::Door(DoorCommand::Ban {
        nick: "guest-1".into(),
        reason: String::new(),
    }));
    let last = cy.until(|l| l.contains("banned"));
    let end = cy.try_line();
    assert!(end.is_err(), "{last:?} then {end:?}");
    bo.wait_for("guest-1 banned", |e| match e {
        NetEvent::Notice(n) if common::english(n) == "guest-1 was banned by the host" => Some(()),
        _ => None,
    });
    let mut again = PlainClient::connect(addr, &pki.ca_pem);
    let line = again.line();
    assert!(line.contains("you are banned from this room"), "{line}");
    assert!(again.try_line().is_err(), "the refused connection closes");
    host_says(&host, &mut bo, "bo stays");

    // Lifted, the address may come back.
    let door = host.wait_for("the door", |e| match e {
        NetEvent::Door(d) if d.bans.len() == 2 => Some((**d).clone()),
        _ => None,
    });
    let address_ban = door.bans.iter().find(|b| b.nick == "guest-1").unwrap().id;
    host.send(Command::Door(DoorCommand::Unban(address_ban)));
    host.wait_for("the ban lifted", |e| match e {
        NetEvent::Door(d) if d.bans.len() == 1 => Some(()),
        _ => None,
    });
    let mut back = plain(addr, &pki);
    host.send(Command::Send {
        id: 7,
        text: "welcome back".into(),
    });
    back.until(|l| l.contains("welcome back"));
}

#[test]
fn a_ban_beats_a_valid_invitation() {
    let pki = Pki::new();
    let mut config = common::host_config(&pki.server(), "hana");
    config.door = DoorConfig::default();
    let (mut host, addr) = common::host_from(config);
    host.send(Command::Door(DoorCommand::Invite {
        uses: None,
        hours: None,
    }));
    let code = host.wait_for("an invitation", |e| match e {
        NetEvent::InviteMade { invites, .. } => invites[0].code.clone(),
        _ => None,
    });
    let ana_key = pki.member_key("ana");
    let mut config = common::keyed_join_config(addr, "ana", &pki, &ana_key);
    config.invite = Some(code.clone());
    let mut ana = Node::start();
    ana.send(Command::Join(config));
    ana.wait_for("ana in", |e| match e {
        NetEvent::Joined { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("{reason}"),
        _ => None,
    });
    host.send(Command::Door(DoorCommand::Ban {
        nick: "ana".into(),
        reason: String::new(),
    }));
    assert_eq!(
        ended(&mut ana),
        (
            DisconnectKind::Removed,
            "you were banned from this room by the host".into()
        )
    );
    // The invitation still works (for others), but not for a banned key.
    assert_eq!(
        refused(addr, "ana", &pki, &ana_key, Some(code.clone())),
        (
            DisconnectKind::Refused,
            "you are banned from this room".into()
        )
    );
    let bo_key = pki.member_key("bo");
    let mut config = common::keyed_join_config(addr, "bo", &pki, &bo_key);
    config.invite = Some(code);
    let mut bo = Node::start();
    bo.send(Command::Join(config));
    bo.wait_for("bo in", |e| match e {
        NetEvent::Joined { .. } => Some(()),
        NetEvent::Disconnected { reason, .. } => panic!("{reason}"),
        _ => None,
    });
}

#[test]
fn a_muted_member_reads_but_its_messages_go_nowhere_until_unmuted() {
    let pki = Pki::new();
    let (mut host, addr) = common::host(&pki.server(), "hana");
    let (ana_key, bo_key) = (pki.member_key("ana"), pki.member_key("bo"));
    let mut ana = member(addr, "ana", &pki, &ana_key, true);
    let mut bo = member(addr, "bo", &pki, &bo_key, false);
    let mut cy = plain(addr, &pki);

    host.send(Command::Door(DoorCommand::Mute("ana".into())));
    host.wait_for("the mute", |e| match e {
        NetEvent::Door(d) if d.muted.iter().any(|m| m.nick == "ana") => Some(()),
        _ => None,
    });
    ana.send(Command::Send {
        id: 1,
        text: "can you hear me".into(),
    });
    let reason = ana.wait_for("not delivered", |e| match e {
        NetEvent::NotDelivered { id: 1, reason } => Some(common::english(reason)),
        NetEvent::Delivered { id: 1 } => panic!("a muted member's message was delivered"),
        _ => None,
    });
    assert!(
        reason.contains("you are muted: you can read but not speak"),
        "{reason}"
    );
    // It still reads, and is still in the room.
    host_says(&host, &mut ana, "you can read this");
    bo.wait_message("you can read this");
    let heard = cy.until(|l| l.contains("you can read this"));
    assert!(
        !heard.iter().any(|l| l.contains("can you hear me")),
        "{heard:?}"
    );
    assert!(
        !bo.seen
            .iter()
            .chain(host.seen.iter())
            .any(|e| matches!(e, NetEvent::Message(m) if m.text == "can you hear me")),
        "a muted member was heard"
    );

    // A plain member muted by its address is refused line by line.
    host.send(Command::Door(DoorCommand::Mute("guest-1".into())));
    host.wait_for("the mute", |e| match e {
        NetEvent::Door(d) if d.muted.len() == 2 => Some(()),
        _ => None,
    });
    cy.send("hello?");
    cy.until(|l| l.contains("you are muted"));

    host.send(Command::Door(DoorCommand::Unmute("ana".into())));
    host.wait_for("the unmute", |e| match e {
        NetEvent::Door(d) if d.muted.len() == 1 => Some(()),
        _ => None,
    });
    ana.send(Command::Send {
        id: 2,
        text: "thank you".into(),
    });
    ana.wait_for("delivered", |e| match e {
        NetEvent::Delivered { id: 2 } => Some(()),
        NetEvent::NotDelivered { id: 2, reason } => panic!("{reason}"),
        _ => None,
    });
    bo.wait_message("thank you");
    assert!(
        !bo.seen
            .iter()
            .any(|e| matches!(e, NetEvent::Message(m) if m.text == "can you hear me")),
        "a refused message came later"
    );
}

#[test]
fn only_the_host_puts_members_out() {
    let pki = Pki::new();
    let (host, addr) = common::host(&pki.server(), "hana");
    let ana_key = pki.member_key("ana");
    let mut ana = member(addr, "ana", &pki, &ana_key, false);
    let mut cy = plain(addr, &pki);
    for line in ["/kick ana", "/ban ana go away", "/mute ana", "/unban 1"] {
        cy.send(line);
        let refusal = loop {
            let l = cy.line();
            if l.starts_with("* error:") {
                break l;
            }
        };
        assert!(
            refusal.contains("only the host can remove or mute members"),
            "{line}: {refusal}"
        );
    }
    // Ana is still in the room and hears the host.
    host_says(&host, &mut ana, "all still here");
    assert!(
        !ana.seen
            .iter()
            .any(|e| matches!(e, NetEvent::Disconnected { .. })),
        "{:#?}",
        ana.seen
    );
}

/// `tlschat host --headless` (the door open) with its history in `file`.
fn headless(config_dir: &Path, server: &Issued, file: &Path) -> (Proc, SocketAddr) {
    let mut cmd = common::headless_host_command(config_dir, "127.0.0.1:0", "hana", Some(server));
    cmd.arg("--history").arg(file);
    let mut p = Proc::spawn(&mut cmd);
    let addr = p.expect_hosting();
    (p, addr)
}

#[test]
fn a_ban_and_a_mute_outlive_a_host_killed_with_sigkill() {
    let pki = Pki::new();
    let server = pki.server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite3");
    let (mut host, addr) = headless(dir.path(), &server, &file);
    let (ana_key, bo_key) = (pki.member_key("ana"), pki.member_key("bo"));
    let mut ana = member(addr, "ana", &pki, &ana_key, false);
    let _bo = member(addr, "bo", &pki, &bo_key, false);
    host.say("/ban ana spam");
    assert_eq!(
        ended(&mut ana),
        (
            DisconnectKind::Removed,
            "you were banned from this room by the host (spam)".into()
        )
    );
    host.say("/mute bo");
    host.expect("the mute", |l| l.contains("bo is muted"));
    host.kill();

    let (_host, addr) = headless(dir.path(), &server, &file);
    assert_eq!(
        refused(addr, "ana", &pki, &ana_key, None),
        (
            DisconnectKind::Refused,
            "you are banned from this room".into()
        )
    );
    let mut bo = member(addr, "bo", &pki, &bo_key, false);
    // Told as it comes back, before it speaks.
    bo.wait_for("the reminder", |e| match e {
        NetEvent::Notice(n)
            if common::english(n) == "you are muted: you can read but not speak" =>
        {
            Some(())
        }
        _ => None,
    });
    bo.send(Command::Send {
        id: 1,
        text: "am I heard".into(),
    });
    let reason = bo.wait_for("not delivered", |e| match e {
        NetEvent::NotDelivered { id: 1, reason } => Some(common::english(reason)),
        NetEvent::Delivered { id: 1 } => panic!("still muted after a restart"),
        _ => None,
    });
    assert!(reason.contains("you are muted"), "{reason}");
}

/// `tlschat join ADDR --headless --name NICK` with its own configuration
/// directory (its own key), trusting `pki`'s CA.
fn headless_member(config_dir: &Path, addr: SocketAddr, pki: &Pki, nick: &str) -> Proc {
    Proc::spawn(
        common::tlschat_command(config_dir)
            .args(["join", &addr.to_string(), "--headless", "--name", nick])
            .arg("--ca")
            .arg(&pki.ca_pem),
    )
}

#[test]
fn the_real_program_kicked_exits_5_with_the_reason_and_banned_exits_4() {
    let pki = Pki::new();
    let server = pki.server();
    let (host_dir, ana_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = host_dir.path().join("history.sqlite3");
    let (mut host, addr) = headless(host_dir.path(), &server, &file);
    let mut ana = headless_member(ana_dir.path(), addr, &pki, "ana");
    ana.expect("in the room", |l| l.contains("in the room:"));
    host.expect("ana joined", |l| l.contains("ana joined"));

    host.say("/kick ana be nice");
    let (code, err) = ana.wait_exit();
    assert_eq!(code, Some(5), "{err}");
    assert!(
        err.contains("you were removed by the host (be nice)"),
        "{err}"
    );
    host.expect("the room told", |l| {
        l.contains("ana was removed by the host (be nice)")
    });

    // A kick is not a ban: the same key comes back, then is banned.
    let mut ana = headless_member(ana_dir.path(), addr, &pki, "ana");
    ana.expect("in the room again", |l| l.contains("in the room:"));
    host.say("/ban ana");
    let (code, err) = ana.wait_exit();
    assert_eq!(code, Some(5), "{err}");
    assert!(
        err.contains("you were banned from this room by the host"),
        "{err}"
    );
    let mut again = headless_member(ana_dir.path(), addr, &pki, "ana");
    let (code, err) = again.wait_exit();
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("you are banned from this room"), "{err}");
    assert!(
        !again.seen.iter().any(|l| l.contains("in the room")),
        "{:?}",
        again.seen
    );
}
