//! How one connection, or the whole session, ended: [`End`]. Only a drop
//! is worth another connection ([`End::retry`]); everything else is final.

use crate::i18n::Msg;
use crate::msg;
use crate::net::event::{DisconnectKind, Untrusted};

/// How a connection ended, with one line naming the cause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum End {
    /// We asked for it (we left, or cancelled the connection).
    ByUser(Msg),
    /// The other side closed the room or the connection cleanly.
    ByPeer(Msg),
    /// The connection (or the network) failed: reconnecting may cure it.
    Dropped(Msg),
    /// The host's certificate was not trusted; nothing was sent.
    Untrusted {
        /// The one line, naming the host and the problem.
        reason: Msg,
        /// What the user is shown to decide on it.
        refusal: Box<Untrusted>,
    },
    /// An error that trying again will not cure (a bad option, a file
    /// that cannot be read).
    Fatal(Msg),
    /// The room's door stayed shut (not invited, banned, refused); the
    /// host's line.
    Refused(Msg),
    /// The host put us out (kick or ban); the host's line.
    Removed(Msg),
}

impl End {
    /// Whether it was a drop that another connection may cure.
    pub(crate) fn retry(&self) -> bool {
        matches!(self, Self::Dropped(_))
    }

    /// What kind of ending it is, as the session reports it.
    pub(crate) fn kind(&self) -> DisconnectKind {
        match self {
            Self::ByUser(_) => DisconnectKind::ByUser,
            Self::ByPeer(_) => DisconnectKind::ByPeer,
            Self::Dropped(_) | Self::Fatal(_) => DisconnectKind::Error,
            Self::Untrusted { .. } => DisconnectKind::Untrusted,
            Self::Refused(_) => DisconnectKind::Refused,
            Self::Removed(_) => DisconnectKind::Removed,
        }
    }

    /// The one line naming the cause, as a message.
    pub(crate) fn reason(&self) -> &Msg {
        match self {
            Self::ByUser(r)
            | Self::ByPeer(r)
            | Self::Dropped(r)
            | Self::Fatal(r)
            | Self::Refused(r)
            | Self::Removed(r) => r,
            Self::Untrusted { reason, .. } => reason,
        }
    }

    /// We left the room (or asked to, and the wait is over).
    pub(crate) fn left() -> Self {
        Self::ByUser(msg!("net-end-left-room"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::wording::said_msg;

    #[test]
    fn only_a_drop_is_tried_again_and_each_end_has_its_kind() {
        let ends = [
            (End::left(), DisconnectKind::ByUser, false),
            (
                End::ByPeer(said_msg("closed")),
                DisconnectKind::ByPeer,
                false,
            ),
            (End::Dropped(said_msg("lost")), DisconnectKind::Error, true),
            (End::Fatal(said_msg("bad")), DisconnectKind::Error, false),
            (
                End::Refused(said_msg("shut")),
                DisconnectKind::Refused,
                false,
            ),
            (
                End::Removed(said_msg("out")),
                DisconnectKind::Removed,
                false,
            ),
        ];
        for (end, kind, retry) in ends {
            assert_eq!((end.kind(), end.retry()), (kind, retry), "{end:?}");
        }
        assert_eq!(
            End::left().reason().text_in(crate::i18n::Lang::En),
            "you left the room"
        );
    }
}
