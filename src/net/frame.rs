//! The `tlschat/1` wire protocol: one JSON object per line, at most
//! [`crate::net::MAX_LINE`] bytes.

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
}

/// A member that left, and why (in [`ServerFrame::MembersChanged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftMember {
    /// Who.
    pub member: WireMember,
    /// Why.
    pub reason: String,
}

/// Member → host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame: who I am.
    Hello {
        /// Wanted nickname (the room may adjust it to be unique).
        nick: String,
    },
    /// Say something; the host answers with an [`ServerFrame::Ack`] of `id`.
    Msg {
        /// Client-chosen id, at most 64 bytes.
        id: String,
        /// The text.
        text: String,
    },
    /// Change nickname.
    Nick {
        /// The new nickname.
        nick: String,
    },
}

/// Host → member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to hello: your id and nick, and who is here (you included).
    Welcome {
        /// Your member id.
        you: u64,
        /// Your nickname as the room knows it.
        nick: String,
        /// Everyone in the room.
        members: Vec<WireMember>,
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
    },
    /// Your message `id` took place `seq` in the room.
    Ack {
        /// Your id for it.
        id: String,
        /// Room order.
        seq: u64,
        /// Milliseconds since the Unix epoch.
        ts: u64,
        /// The text as the room delivered it (after escaping).
        text: String,
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
        reason: String,
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
        /// A stable code, e.g. `line_too_long`.
        code: String,
        /// One line for people.
        message: String,
    },
    /// The host is closing the room or this connection.
    Closing {
        /// Why.
        reason: String,
    },
}

impl ClientFrame {
    /// The frame as one JSON line, newline included.
    #[must_use]
    pub fn to_line(&self) -> Vec<u8> {
        to_line(self)
    }
}

impl ServerFrame {
    /// The frame as one JSON line, newline included.
    #[must_use]
    pub fn to_line(&self) -> Vec<u8> {
        to_line(self)
    }
}

fn to_line<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs of strings and integers cannot fail.
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    line
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
            },
            ServerFrame::Closing {
                reason: "bye".into(),
            },
        ];
        for f in frames {
            let line = f.to_line();
            assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
            let back: ServerFrame = serde_json::from_slice(&line).unwrap();
            assert_eq!(back, f);
        }
        let hello: ClientFrame = serde_json::from_str(r#"{"type":"hello","nick":"bo"}"#).unwrap();
        assert_eq!(hello, ClientFrame::Hello { nick: "bo".into() });
    }
}
