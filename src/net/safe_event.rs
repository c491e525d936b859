//! The one pass that makes what the net layer reports safe to show. Every
//! [`NetEvent`] goes through [`made_safe`] as it leaves for its consumer
//! (in the event sink, [`crate::net::sink`]), so the window and the
//! terminal get names, messages, notices and reasons in which nothing is
//! interpreted or hidden (see [`crate::net::safe_text`]), whatever they
//! came from: a host's frame, a member's line, an error that quotes a
//! peer, a decoding error that quotes what the peer sent.
//!
//! Each event and member is taken apart field by field, with no `..`: a
//! string field added to an event does not compile until this pass says
//! what becomes of it.
//!
//! Certificates are not touched here: [`crate::net::certinfo`] makes
//! every name in a certificate visible as it parses it (the boundary where
//! a certificate's bytes become fields), and the views make computed
//! explanations visible where they show them.

use crate::net::event::{
    BanView, DoorView, KnockView, MemberInfo, MessageEvent, MutedView, NetEvent,
};
use crate::net::safe_text::{Newlines, into_visible};

/// A string on one line: newlines shown as `\n`.
fn line(text: String) -> String {
    into_visible(text, Newlines::Escape)
}

/// A message body: its newlines kept.
fn body(text: String) -> String {
    into_visible(text, Newlines::Keep)
}

fn member(m: MemberInfo) -> MemberInfo {
    let MemberInfo {
        id,
        nick,
        is_host,
        plain_text,
        identity,
        key,
    } = m;
    MemberInfo {
        id,
        nick: line(nick),
        is_host,
        plain_text,
        identity: identity.map(line),
        // Bytes, not text: shown only as hex and digits.
        key,
    }
}

fn members(list: Vec<MemberInfo>) -> Vec<MemberInfo> {
    list.into_iter().map(member).collect()
}

fn message(m: MessageEvent) -> MessageEvent {
    let MessageEvent {
        seq,
        from,
        nick,
        text,
        time_ms,
        own,
        history,
    } = m;
    MessageEvent {
        seq,
        from,
        nick: line(nick),
        text: body(text),
        time_ms,
        own,
        history,
    }
}

/// The door's state with every name and reason made safe to show (a
/// knocking member chose its nickname).
fn door(view: DoorView) -> DoorView {
    let DoorView {
        access,
        invitations,
        knocking,
        bans,
        muted,
    } = view;
    DoorView {
        access,
        invitations,
        knocking: knocking
            .into_iter()
            .map(
                |KnockView {
                     id,
                     nick,
                     key,
                     addr,
                 }| KnockView {
                    id,
                    nick: line(nick),
                    key,
                    addr,
                },
            )
            .collect(),
        bans: bans
            .into_iter()
            .map(
                |BanView {
                     id,
                     nick,
                     target,
                     reason,
                 }| BanView {
                    id,
                    nick: line(nick),
                    target,
                    reason: line(reason),
                },
            )
            .collect(),
        muted: muted
            .into_iter()
            .map(|MutedView { nick, target }| MutedView {
                nick: line(nick),
                target,
            })
            .collect(),
    }
}

/// An event with every string in it made safe to show. Text that needs
/// no change is kept as it is, without a copy.
#[must_use]
pub(crate) fn made_safe(event: NetEvent) -> NetEvent {
    match event {
        NetEvent::Connecting { target } => NetEvent::Connecting {
            target: line(target),
        },
        NetEvent::Joined {
            you,
            nick,
            members: list,
            total,
        } => NetEvent::Joined {
            you,
            nick: line(nick),
            members: members(list),
            total,
        },
        NetEvent::Roster { members: list } => NetEvent::Roster {
            members: members(list),
        },
        NetEvent::Message(m) => NetEvent::Message(message(m)),
        NetEvent::Notice(text) => NetEvent::Notice(line(text)),
        NetEvent::NotDelivered { id, reason } => NetEvent::NotDelivered {
            id,
            reason: line(reason),
        },
        NetEvent::MemberJoined(m) => NetEvent::MemberJoined(member(m)),
        NetEvent::MemberLeft { member: m, reason } => NetEvent::MemberLeft {
            member: member(m),
            reason,
        },
        NetEvent::Renamed { id, old, new } => NetEvent::Renamed {
            id,
            old: line(old),
            new: line(new),
        },
        NetEvent::Reconnecting {
            reason,
            in_ms,
            attempt,
        } => NetEvent::Reconnecting {
            reason: line(reason),
            in_ms,
            attempt,
        },
        NetEvent::Disconnected { reason, kind } => NetEvent::Disconnected {
            reason: line(reason),
            kind,
        },
        NetEvent::Waiting { text } => NetEvent::Waiting { text: line(text) },
        NetEvent::Door(view) => NetEvent::Door(Box::new(door(*view))),
        // Numbers only.
        event @ (NetEvent::HistoryEnd {
            count: _,
            missed: _,
            resumed: _,
        }
        | NetEvent::Delivered { id: _ }
        | NetEvent::Sent { id: _ }
        | NetEvent::RecordedMemberJoined { peer: _, id: _ }) => event,
        // Certificates (visible from the moment they are parsed), the
        // connection's facts and handshakes as decoded: see the module's
        // documentation.
        event @ (NetEvent::Listening { .. }
        | NetEvent::InviteMade { .. }
        | NetEvent::Connected(_)
        | NetEvent::Untrusted(_)
        | NetEvent::MemberHandshake { .. }) => event,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{DisconnectKind, LeaveReason};

    const HOSTILE: &str = "\x1b[2J\u{202e}\u{200b}\n* fake";

    fn hidden(text: &str, newline: bool) -> bool {
        text.chars()
            .any(|c| crate::net::safe_text::is_hidden(c) && c != '\t' && !(newline && c == '\n'))
    }

    fn hostile_member() -> MemberInfo {
        MemberInfo {
            id: 9,
            nick: HOSTILE.into(),
            is_host: false,
            plain_text: false,
            identity: Some(HOSTILE.into()),
            key: Some([7; 32]),
        }
    }

    #[test]
    fn every_string_a_peer_chose_comes_out_visible() {
        let events = [
            NetEvent::Connecting {
                target: HOSTILE.into(),
            },
            NetEvent::Joined {
                you: 1,
                nick: HOSTILE.into(),
                members: vec![hostile_member()],
                total: 1,
            },
            NetEvent::Roster {
                members: vec![hostile_member()],
            },
            NetEvent::Notice(HOSTILE.into()),
            NetEvent::NotDelivered {
                id: 1,
                reason: HOSTILE.into(),
            },
            NetEvent::MemberJoined(hostile_member()),
            NetEvent::MemberLeft {
                member: hostile_member(),
                reason: LeaveReason::ConnectionLost,
            },
            NetEvent::Renamed {
                id: 9,
                old: HOSTILE.into(),
                new: HOSTILE.into(),
            },
            NetEvent::Reconnecting {
                reason: HOSTILE.into(),
                in_ms: 1,
                attempt: 1,
            },
            NetEvent::Disconnected {
                reason: HOSTILE.into(),
                kind: DisconnectKind::Error,
            },
        ];
        for event in events {
            let shown = format!("{:?}", made_safe(event));
            // Debug spells the escape shown as `\\x1b`.
            assert!(shown.contains("\\\\x1b[2J"), "{shown}");
            // Without the backslashes that were in the text, what is left
            // has no character Debug had to escape (`\u{1b}`, `\n`), nor
            // one it left as it is that would be hidden.
            let rest = shown.replace("\\\\", "");
            assert!(
                !rest.contains("\\u{") && !rest.contains("\\n") && !hidden(&rest, false),
                "{shown}"
            );
        }
        let NetEvent::Message(m) = made_safe(NetEvent::Message(MessageEvent {
            seq: 1,
            from: Some(9),
            nick: HOSTILE.into(),
            text: format!("two\nlines {HOSTILE}"),
            time_ms: 1,
            own: false,
            history: false,
        })) else {
            panic!("not a message");
        };
        assert!(!hidden(&m.nick, false), "{m:?}");
        assert!(!hidden(&m.text, true), "{m:?}");
        assert!(
            m.text.starts_with("two\nlines "),
            "newlines in a message stay"
        );
    }

    #[test]
    fn what_a_hostile_host_sends_is_safe_once_it_is_an_event() {
        use crate::net::frame::ServerFrame;
        use crate::net::protocol::{Dialect, decode_server};
        let line = br#"{"type":"msg","seq":1,"from":2,"nick":"a\u001b[2Jb","text":"x\u0007\u202ey","ts":3}"#;
        let Ok(ServerFrame::Msg { nick, text, .. }) = decode_server(line, Dialect::Json) else {
            panic!("not a message");
        };
        let NetEvent::Message(m) = made_safe(NetEvent::Message(MessageEvent {
            seq: 1,
            from: Some(2),
            nick,
            text,
            time_ms: 3,
            own: false,
            history: false,
        })) else {
            panic!("not a message");
        };
        assert!(!hidden(&m.nick, false) && !hidden(&m.text, true), "{m:?}");
        // A line that is no frame: the error quotes it, and is made safe
        // on its way too.
        let e = decode_server(br#"{"type":"\u001b]0;t\u0007"}"#, Dialect::Json).unwrap_err();
        let NetEvent::Notice(text) = made_safe(NetEvent::Notice(e.message)) else {
            panic!("not a notice");
        };
        assert!(!hidden(&text, false), "{text}");
    }

    #[test]
    fn the_event_sink_hands_over_only_safe_events() {
        let (sink, events) = crate::net::sink::EventSink::for_tests();
        sink.emit(NetEvent::Notice(HOSTILE.into()));
        let Ok(crate::net::SessionEvent {
            event: NetEvent::Notice(text),
            ..
        }) = events.try_recv()
        else {
            panic!("no notice");
        };
        assert!(!hidden(&text, false), "{text:?}");
        assert!(text.contains("\\x1b[2J"), "{text:?}");
    }

    #[test]
    fn safe_text_is_kept_without_a_copy() {
        let text = String::from("plain 你好");
        let at = text.as_ptr();
        let NetEvent::Notice(out) = made_safe(NetEvent::Notice(text)) else {
            panic!("not a notice");
        };
        assert_eq!(out.as_ptr(), at);
    }
}
