//! The typed frames of the `tlschat/1` wire protocol: one JSON object per
//! line. The plain-text dialect maps onto the same types; every conversion
//! between bytes and these frames lives in [`crate::net::protocol`].

use serde::{Deserialize, Serialize};

/// A member as the wire describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireMember {
    /// Room-wide id (the host is 0).
    pub id: u64,
    /// Nickname.
    pub nick: String,
    /// Whether this is the host.
    #[serde(default)]
    pub host: bool,
    /// Whether this member speaks plain text.
    #[serde(default)]
    pub plain: bool,
    /// The verified identity of its client certificate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The fingerprint of the key it proved it holds (`SHA256:` and hex),
    /// if it presented a certificate. Peers that do not know it ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Why a member left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// It said goodbye (closed its connection cleanly).
    Left,
    /// Its connection broke.
    ConnectionLost,
    /// It did not read what the room said fast enough.
    TooSlow,
    /// It broke the protocol and was sent away.
    ProtocolError,
    /// The room closed.
    RoomClosed,
    /// The host put it out (kick or ban).
    Removed,
    /// A reason this version does not know.
    #[serde(other)]
    Other,
}

impl LeaveReason {
    /// A few words for people.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::ConnectionLost => "connection lost",
            Self::TooSlow => "too slow to keep up",
            Self::ProtocolError => "protocol error",
            Self::RoomClosed => "the room closed",
            Self::Removed => "removed by the host",
            Self::Other => "for another reason",
        }
    }
}

/// A member that left, and why (in [`ServerFrame::MembersChanged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftMember {
    /// Who.
    pub member: WireMember,
    /// Why.
    pub reason: LeaveReason,
}

/// What went wrong, as a stable code (in [`ServerFrame::Error`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A line longer than [`crate::net::protocol::MAX_LINE`].
    LineTooLong,
    /// A message whose encoded form would pass the cap for some member.
    MessageTooLong,
    /// A message with more than [`crate::net::protocol::MAX_MESSAGE_LINES`] lines.
    TooManyLines,
    /// A message id longer than [`crate::net::protocol::MAX_ID`] bytes.
    BadId,
    /// A line that is not a frame of this protocol.
    BadFrame,
    /// A frame out of place (hello twice, anything before hello).
    Protocol,
    /// A nickname was refused.
    Nick,
    /// An unknown plain-text command.
    UnknownCommand,
    /// Lines come faster than the room takes them; they are slowed down.
    RateLimited,
    /// The member fell too far behind and is disconnected.
    TooSlow,
    /// The room (or the member's address) has no room for another member.
    RoomFull,
    /// A resume named a room or a message this room does not have (another
    /// room, or a sequence number from the future); the member is treated
    /// as a newcomer.
    BadResume,
    /// The host could not store a message (its disk is full, or the history
    /// reached its size limit); it was not acknowledged or delivered.
    NotStored,
    /// Another connection with the same client token joined the room and
    /// took this one's place: this one hears nothing more and is closed.
    Replaced,
    /// The room's door stayed shut (not invited, banned, refused): nothing
    /// of the room was sent, and the connection is closed. Not retried.
    NotAdmitted,
    /// The host put this member out (kick or ban); the connection is
    /// closed. Not retried.
    Removed,
    /// The host muted this member: it may read, not speak.
    Muted,
    /// Only the host may do that (a member's `/kick`, `/ban`, …).
    NotAllowed,
    /// A code this version does not know.
    #[serde(other)]
    Other,
}

/// Where a returning member left off (in [`ClientFrame::Hello`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The room it was in ([`ServerFrame::Welcome`]'s `room`).
    pub room: String,
    /// The last sequence number it saw (a message or an acknowledgement).
    pub after: u64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Member → host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame: who I am.
    Hello {
        /// Wanted nickname (the room may adjust it to be unique).
        nick: String,
        /// A random token the member keeps for its whole session, across
        /// reconnects (at most [`crate::net::protocol::MAX_ID`] bytes): with
        /// a message id it names a message once, so a resend is recognized.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
        /// Where it left off, when it comes back after a drop.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
        /// The invitation code of an invite link, for an invite-only room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invite: Option<String>,
    },
    /// Say something; the host answers with an [`ServerFrame::Ack`] of `id`.
    Msg {
        /// Client-chosen id, at most [`crate::net::protocol::MAX_ID`] bytes
        /// (plain-text members have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The text.
        text: String,
    },
    /// Change nickname.
    Nick {
        /// The new nickname.
        nick: String,
    },
    /// Ask for a page of the member list: the members with an id above
    /// `after` (from the start when absent).
    Who {
        /// The last id of the previous page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<u64>,
    },
}

/// Host → member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to hello: your id and nick, and the first page of who is
    /// here (you included).
    Welcome {
        /// Your member id.
        you: u64,
        /// Your nickname as the room knows it.
        nick: String,
        /// The first members of the room, by id.
        members: Vec<WireMember>,
        /// How many members the room has.
        #[serde(default)]
        total: u64,
        /// When the list goes on: ask for it with `who` after this id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<u64>,
        /// The room's identity: stays the same across host restarts while
        /// its history is kept.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        room: String,
        /// The room's last sequence number when you joined: what follows
        /// the welcome (history, then live messages) comes after it, or is
        /// history up to it.
        #[serde(default)]
        seq: u64,
    },
    /// Stored messages follow: `count` of them, then
    /// [`ServerFrame::HistoryEnd`].
    History {
        /// How many messages follow.
        count: u64,
        /// How many messages were said after the resume point and are no
        /// longer kept (only when resuming).
        #[serde(default)]
        missed: u64,
        /// Whether this is a resume (what you missed) rather than a
        /// newcomer's backlog (what was said before you came).
        #[serde(default)]
        resumed: bool,
    },
    /// The stored messages announced by [`ServerFrame::History`] are over;
    /// live messages follow.
    HistoryEnd,
    /// A page of the member list (the answer to `who`).
    Roster {
        /// Members by id.
        members: Vec<WireMember>,
        /// How many members the room has.
        total: u64,
        /// When the list goes on: ask for it with `who` after this id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<u64>,
    },
    /// Someone said something (never your own message: you get an ack).
    Msg {
        /// Room order.
        seq: u64,
        /// Sender id.
        from: u64,
        /// Sender nickname.
        nick: String,
        /// The text.
        text: String,
        /// Milliseconds since the Unix epoch, when the room ordered it.
        ts: u64,
        /// Whether it comes from the room's history (said before you
        /// joined, or while you were away).
        #[serde(default, skip_serializing_if = "is_false")]
        history: bool,
    },
    /// Your message `id` took place `seq` in the room.
    Ack {
        /// Your id for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Room order.
        seq: u64,
        /// Milliseconds since the Unix epoch.
        ts: u64,
        /// The text as the room delivered it (after escaping).
        text: String,
        /// Whether it comes from the room's history: your own message of
        /// an earlier connection, replayed when you resumed.
        #[serde(default, skip_serializing_if = "is_false")]
        history: bool,
    },
    /// Someone joined.
    Joined {
        /// Who.
        member: WireMember,
    },
    /// Someone left.
    Left {
        /// Who.
        member: WireMember,
        /// Why.
        reason: LeaveReason,
    },
    /// Several joined and left (a big room gathers these notices).
    MembersChanged {
        /// Who joined, in order.
        joined: Vec<WireMember>,
        /// Who left, in order, and why.
        left: Vec<LeftMember>,
    },
    /// Someone changed nickname.
    Renamed {
        /// Member id.
        id: u64,
        /// Old nickname.
        old: String,
        /// New nickname.
        new: String,
    },
    /// Something you did was refused; the connection stays up unless the
    /// host closes it.
    Error {
        /// A stable code.
        code: ErrorCode,
        /// One line for people.
        message: String,
        /// The id of the message it is about, if it is about one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// Something the room wants you to know (a plain-text `* ` line).
    Notice {
        /// One line for people.
        text: String,
    },
    /// The member is in the lobby, waiting for the host to let it in
    /// (`--access knock`); nothing of the room comes before the welcome.
    Waiting {
        /// One line for people.
        text: String,
    },
    /// The host is closing the room or this connection.
    Closing {
        /// Why.
        reason: String,
    },
    /// A plain-text host's line that is not a notice: a message, with the
    /// sender's nickname when the line has the `<nick> text` form. Never on
    /// the JSON wire.
    #[serde(skip)]
    PlainLine {
        /// The sender, if the line named one.
        nick: Option<String>,
        /// The text.
        text: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_as_single_lines() {
        let frames = vec![
            ServerFrame::Msg {
                seq: 1,
                from: 2,
                nick: "ana".into(),
                text: "two\nlines 你好".into(),
                ts: 3,
                history: false,
            },
            ServerFrame::Closing {
                reason: "bye".into(),
            },
            ServerFrame::Error {
                code: ErrorCode::MessageTooLong,
                message: "no".into(),
                id: Some("7".into()),
            },
        ];
        for f in frames {
            let line = serde_json::to_vec(&f).unwrap();
            assert!(!line.contains(&b'\n'));
            let back: ServerFrame = serde_json::from_slice(&line).unwrap();
            assert_eq!(back, f);
        }
        let hello: ClientFrame = serde_json::from_str(r#"{"type":"hello","nick":"bo"}"#).unwrap();
        assert_eq!(
            hello,
            ClientFrame::Hello {
                nick: "bo".into(),
                client: None,
                resume: None,
                invite: None
            }
        );
        // Codes and reasons from a newer host still parse.
        let e: ServerFrame =
            serde_json::from_str(r#"{"type":"error","code":"brand_new","message":"m"}"#).unwrap();
        assert!(matches!(
            e,
            ServerFrame::Error {
                code: ErrorCode::Other,
                ..
            }
        ));
    }
}
