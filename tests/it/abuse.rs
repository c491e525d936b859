//! The room holds under abuse: a flooding member is slowed (not dropped, and
//! nothing is lost), a member that stops reading is disconnected without
//! stalling anyone, churn and piles of half-open connections leave the room
//! as it was.

use crate::common;

use std::io::Write as _;

use common::Command;
use common::{Pki, PlainClient, host, join};
use tlschat::net::NetEvent;

#[test]
fn a_flooding_member_is_slowed_down_and_nothing_is_lost() {
    let pki = Pki::new();
    let cert = pki.server();
    let (_h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let mut flooder = PlainClient::connect(addr, &pki.ca_pem);
    flooder.until(|l| l.starts_with("* in the room"));
    const LINES: usize = 900;
    let mut burst = Vec::new();
    for i in 0..LINES {
        writeln!(burst, "flood {i}").unwrap();
    }
    flooder.send_raw(&burst);
    let notice = flooder.line();
    assert!(notice.contains("slowed down"), "{notice}");
    // Every line arrives, in order.
    let mut next = 0;
    a.wait_for("all flood lines", |e| {
        if let NetEvent::Message(m) = e {
            assert_eq!(m.text, format!("flood {next}"), "out of order or lost");
            next += 1;
        }
        (next == LINES).then_some(())
    });
}

#[test]
fn a_member_that_stops_reading_is_dropped_and_the_room_goes_on() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    let senders: Vec<_> = (0..3)
        .map(|i| join(addr, &format!("s{i}"), &pki.ca_pem).0)
        .collect();
    // Connects, then never reads a byte.
    let mut stuck = PlainClient::connect(addr, &pki.ca_pem);
    stuck.until(|l| l.starts_with("* in the room"));
    // Enough data to fill every buffer between the host and the stuck reader.
    let big = "x".repeat(16 * 1024);
    const EACH: u64 = 400;
    for i in 0..EACH {
        for s in &senders {
            s.send(Command::Send {
                id: i,
                text: format!("{i} {big}"),
            });
        }
    }
    // A member that keeps up gets everything...
    let total = usize::try_from(EACH).unwrap() * senders.len();
    // (each message within the deadline of the one before: on a loaded
    // machine 20 MB through a debug build takes a while, but never stalls)
    for got in 0..total {
        a.wait_for(&format!("message {} of {total}", got + 1), |e| {
            matches!(e, NetEvent::Message(_)).then_some(())
        });
    }
    // ...and the stuck one is let go, with a reason, without anyone waiting on it.
    let reason = h.wait_for("the stuck member leaves", |e| match e {
        NetEvent::MemberLeft { member, reason } if member.plain_text => Some(*reason),
        _ => None,
    });
    assert_eq!(reason, tlschat::net::LeaveReason::TooSlow);
    drop(stuck);
}

#[test]
fn churn_and_half_open_connections_leave_the_room_as_it_was() {
    let pki = Pki::new();
    let cert = pki.server();
    let (mut h, addr) = host(&cert, "hana");
    let (mut a, _) = join(addr, "ana", &pki.ca_pem);
    // A pile of connections from another machine that never finish their
    // handshake...
    let elsewhere = std::net::IpAddr::from([127, 0, 0, 2]);
    let stalled: Vec<_> = (0..200)
        .map(|_| common::connect_from(elsewhere, addr))
        .collect();
    // ...does not keep a real member out.
    let (b, _) = join(addr, "bo", &pki.ca_pem);
    b.send(Command::Send {
        id: 1,
        text: "past the pile".into(),
    });
    assert_eq!(a.wait_message("past the pile"), "bo");
    // Churn: members that join and vanish, some mid-line.
    for i in 0..150 {
        let mut p = PlainClient::connect(addr, &pki.ca_pem);
        p.line();
        if i % 2 == 0 {
            p.send_raw(b"half a line");
        }
        p.reader
            .get_ref()
            .sock
            .shutdown(std::net::Shutdown::Both)
            .unwrap();
    }
    drop(stalled);
    // Everyone who came has gone again: joins and leaves balance.
    let mut joined = 0;
    let mut left = 0;
    h.wait_for("the churn to settle", |e| {
        match e {
            NetEvent::MemberJoined(m) if m.plain_text => joined += 1,
            NetEvent::MemberLeft { member, .. } if member.plain_text => left += 1,
            _ => {}
        }
        (joined == 150 && left == 150).then_some(())
    });
    b.send(Command::Send {
        id: 2,
        text: "still here".into(),
    });
    assert_eq!(a.wait_message("still here"), "bo");
    assert_eq!(h.wait_message("still here"), "bo");
    // The room is as it was: a newcomer finds hana, ana and bo in it, and
    // nobody the churn left behind.
    let (newcomer, _) = join(addr, "cy", &pki.ca_pem);
    let roster = newcomer.seen.iter().find_map(|e| match e {
        NetEvent::Joined { members, total, .. } => Some((members, *total)),
        _ => None,
    });
    let (members, total) = roster.unwrap();
    let mut nicks: Vec<&str> = members.iter().map(|m| m.nick.as_str()).collect();
    nicks.sort_unstable();
    assert_eq!(nicks, ["ana", "bo", "cy", "hana"]);
    assert_eq!(total, 4);
    assert!(
        !h.seen
            .iter()
            .any(|e| matches!(e, NetEvent::Disconnected { .. })),
        "the host stopped: {:#?}",
        h.seen
    );
}
