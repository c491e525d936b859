//! What a member carries from one connection to the next ([`Carry`]):
//! who it is to the room, where it left off, and what the room has not
//! acknowledged yet.

use std::collections::BTreeMap;

use crate::net::lines::sanitize_str;
use crate::net::protocol::{FrameError, check_message};
use crate::net::safe_text::Newlines;

/// Messages (and their bytes) that may wait for the connection to come back.
const MAX_WAITING: usize = 1000;
const MAX_WAITING_BYTES: usize = 4 * 1024 * 1024;

/// The system gave no random numbers for the client token.
#[derive(Debug, thiserror::Error)]
#[error("the system has no random numbers")]
pub(super) struct NoRandom;

/// Why a message said while the connection is down cannot wait for it.
#[derive(Debug, thiserror::Error)]
pub(super) enum NotHeld {
    /// Too many messages, or bytes, wait already.
    #[error("too many messages are waiting for the connection to come back")]
    TooMany,
    /// The room would refuse it (the text says why).
    #[error("{}", .0.message)]
    Refused(FrameError),
}

/// What a member keeps across reconnects.
#[derive(Debug)]
pub(super) struct Carry {
    /// A random token for this session: with a message id, it names a
    /// message once, so the host recognizes a resend.
    pub client: String,
    /// The room we were welcomed in (`tlschat/1` rooms only).
    pub room: Option<String>,
    /// The last sequence number seen (a message or an acknowledgement).
    pub last_seq: u64,
    /// The nickname to ask for.
    pub nick: String,
    /// Messages not acknowledged yet, by id, as sent.
    pub pending: BTreeMap<u64, String>,
    /// When the user asked to leave once everything is acknowledged: the
    /// deadline.
    pub finishing: Option<tokio::time::Instant>,
    /// Whether the current connection got as far as a welcome.
    pub welcomed: bool,
    /// The invitation code to bring (an invite link's), if any.
    pub invite: Option<String>,
}

impl Carry {
    /// A new session's, asking for `nick`.
    pub(super) fn new(nick: &str) -> Result<Self, NoRandom> {
        let mut token = [0u8; 16];
        rustls::crypto::aws_lc_rs::default_provider()
            .secure_random
            .fill(&mut token)
            .map_err(|_| NoRandom)?;
        Ok(Self {
            client: crate::net::certinfo::hex(&token),
            room: None,
            last_seq: 0,
            nick: nick.to_string(),
            pending: BTreeMap::new(),
            finishing: None,
            welcomed: false,
            invite: None,
        })
    }

    /// Notes a sequence number seen.
    pub(super) fn saw(&mut self, seq: u64) {
        self.last_seq = self.last_seq.max(seq);
    }

    /// Whether the user asked to leave and nothing waits any more: the
    /// door's answer included (a member that leaves before it would never
    /// learn that it was refused, nor the room that it came in).
    pub(super) fn done(&self) -> bool {
        self.finishing.is_some() && self.pending.is_empty() && self.welcomed
    }

    /// Keeps a message said while the connection is down, to go out after
    /// it, or says why it cannot wait.
    pub(super) fn hold(&mut self, id: u64, text: &str) -> Result<(), NotHeld> {
        let text = text.replace('\r', "");
        let waiting: usize = self.pending.values().map(String::len).sum();
        if self.pending.len() >= MAX_WAITING || waiting + text.len() > MAX_WAITING_BYTES {
            return Err(NotHeld::TooMany);
        }
        check_message(&sanitize_str(&text, Newlines::Keep)).map_err(NotHeld::Refused)?;
        self.pending.insert(id, text);
        Ok(())
    }
}
