//! Events from the net thread to the UI (or the headless loop), past tense.

use std::net::SocketAddr;

use rustls::{CipherSuite, NamedGroup, SignatureScheme};

use crate::net::certinfo::CertInfo;
use crate::net::command::SessionId;
use crate::net::frame::LeaveReason;
use crate::net::pins::PinEntry;
use crate::net::tlsopts::TlsVersion;
use crate::net::trust::{Problem, TrustBasis};

/// A member of the room as everyone sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Room-wide id (the host is 0).
    pub id: u64,
    /// Current nickname.
    pub nick: String,
    /// Whether this member is the host.
    pub is_host: bool,
    /// Whether this member speaks plain text (a TLS tool without ALPN).
    pub plain_text: bool,
    /// The identity its client certificate proves (verified by the host's
    /// client CA), if it presented one.
    pub identity: Option<String>,
    /// The SHA-256 of the key it proved it holds in its handshake (its
    /// own, or the one in its client CA certificate), if it presented a
    /// certificate: who it is, whatever nickname it has. Shown as its
    /// safety code ([`crate::net::safety`]) and fingerprint.
    pub key: Option<[u8; 32]>,
}

impl MemberInfo {
    /// The name as a roster shows it: `nick`, or `nick (host)`.
    #[must_use]
    pub fn roster_name(&self) -> String {
        roster_label(&self.nick, self.is_host)
    }
}

/// A member's name as a roster shows it: `nick`, or `nick (host)`.
#[must_use]
pub fn roster_label(nick: &str, is_host: bool) -> String {
    if is_host {
        format!("{nick} (host)")
    } else {
        nick.to_string()
    }
}

/// Everyone in a roster, as one comma-separated line.
#[must_use]
pub fn roster_line(members: &[MemberInfo]) -> String {
    members
        .iter()
        .map(MemberInfo::roster_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A message said in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvent {
    /// The room's sequence number (the order every member sees).
    pub seq: u64,
    /// Sender's member id (`None` in a plain-text room, which has none).
    pub from: Option<u64>,
    /// Sender's nickname when it was said.
    pub nick: String,
    /// The text, with control characters escaped.
    pub text: String,
    /// When the room ordered it, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Whether we said it.
    pub own: bool,
    /// Whether it comes from the room's stored history (said before we
    /// joined, or while we were away) rather than live.
    pub history: bool,
}

/// How a TLS handshake went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeKind {
    /// A full handshake.
    Full,
    /// A full handshake after the server asked for another key share.
    FullWithHelloRetryRequest,
    /// A resumed session (no certificate sent).
    Resumed,
}

impl std::fmt::Display for HandshakeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Full => "full",
            Self::FullWithHelloRetryRequest => "full, after a HelloRetryRequest",
            Self::Resumed => "resumed",
        })
    }
}

/// Facts about a live, established connection, read from the connection itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// `host:port` as the user asked for it.
    pub target: String,
    /// The address actually connected to.
    pub peer_addr: SocketAddr,
    /// The TLS version.
    pub protocol: TlsVersion,
    /// The cipher suite (named by [`ConnectionInfo::cipher_suite_name`]).
    pub cipher_suite: CipherSuite,
    /// The key-exchange group (none for a resumed TLS 1.2 session, which
    /// does not name it); named by [`ConnectionInfo::key_exchange_name`].
    pub key_exchange: Option<NamedGroup>,
    /// Negotiated ALPN protocol, if any.
    pub alpn: Option<String>,
    /// The server name sent in SNI (none when dialling an IP address).
    pub sni: Option<String>,
    /// Full, full after a HelloRetryRequest, or resumed.
    pub handshake_kind: HandshakeKind,
    /// Time from TCP connected to handshake complete, in microseconds.
    pub handshake_us: u64,
    /// The peer's certificate chain, leaf first.
    pub chain: Vec<CertInfo>,
    /// Why we trusted it.
    pub trust: TrustBasis,
    /// Whether the room speaks plain text (no ALPN negotiated).
    pub plain_text: bool,
    /// Key-exchange groups we offered, in order of preference.
    pub offered_groups: Vec<NamedGroup>,
    /// ALPN protocols we offered.
    pub offered_alpn: Vec<String>,
    /// The scheme the host signed the handshake with, proving it holds the
    /// certificate's private key (none for a resumed session, which is
    /// not signed); named by [`ConnectionInfo::signature_scheme_name`].
    pub signature_scheme: Option<SignatureScheme>,
    /// Our own certificate, when we presented one (mutual TLS).
    pub client_certificate: Option<CertInfo>,
    /// The handshake as it went over the wire, decoded (and decrypted
    /// where TLS 1.3 encrypts it), when it was recorded.
    pub wire: Option<std::sync::Arc<crate::net::wire::Handshake>>,
    /// The connection's records after the handshake, as they pass (the
    /// last few of each direction), when they are followed.
    pub live: Option<std::sync::Arc<crate::net::wire::live::Live>>,
    /// The key log file this session's secrets are written to, if any
    /// (shown as a warning while it is on).
    pub keylog: Option<std::path::PathBuf>,
}

/// The names of the negotiated parameters, for display: rustls' (and
/// IANA's) names, e.g. `TLS13_AES_256_GCM_SHA384`, `X25519MLKEM768`,
/// `ECDSA_NISTP256_SHA256`; a value rustls has no name for is shown as
/// rustls debugs it, e.g. `Unknown(0x1234)`.
impl ConnectionInfo {
    /// The cipher suite's name.
    #[must_use]
    pub fn cipher_suite_name(&self) -> String {
        name(self.cipher_suite.as_str(), self.cipher_suite)
    }

    /// The key-exchange group's name (`unknown` when none was negotiated).
    #[must_use]
    pub fn key_exchange_name(&self) -> String {
        self.key_exchange
            .map_or_else(|| "unknown".to_string(), |g| name(g.as_str(), g))
    }

    /// The names of the groups we offered, in order of preference.
    #[must_use]
    pub fn offered_group_names(&self) -> Vec<String> {
        self.offered_groups
            .iter()
            .map(|g| name(g.as_str(), g))
            .collect()
    }

    /// The signature scheme's name, or why there is none.
    #[must_use]
    pub fn signature_scheme_name(&self) -> String {
        match self.signature_scheme {
            Some(s) => name(s.as_str(), s),
            None if self.handshake_kind == HandshakeKind::Resumed => {
                "none (a resumed session: no certificate, no signature)".to_string()
            }
            None => "unknown".to_string(),
        }
    }
}

/// rustls' name for a protocol value, or its debug form when it has none.
fn name(known: Option<&'static str>, value: impl std::fmt::Debug) -> String {
    known.map_or_else(|| format!("{value:?}"), str::to_string)
}

/// A certificate that was refused, with everything needed to explain why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// `host:port` as the user asked for it.
    pub target: String,
    /// The classified reason.
    pub problem: Problem,
    /// The chain the peer presented, leaf first.
    pub chain: Vec<CertInfo>,
    /// What was known of this host before, when that is part of the reason
    /// (its identity changed, or it was verified by a CA before).
    pub previous: Option<Box<PinEntry>>,
    /// Whether the user may make an exception for it.
    pub can_proceed: bool,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectKind {
    /// We asked for it.
    ByUser,
    /// The other side closed the room or the connection cleanly.
    ByPeer,
    /// Something failed (network, TLS, bad input).
    Error,
    /// The peer's certificate was not trusted.
    Untrusted,
    /// The room's door stayed shut: not invited, banned, or the host said
    /// no. Not retried.
    Refused,
    /// The host put us out (kick or ban). Not retried.
    Removed,
}

/// Something that happened on the net thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// The host is listening.
    Listening {
        /// The bound address (with the real port when 0 was asked for).
        addr: SocketAddr,
        /// The host's own certificate chain, leaf first.
        chain: Vec<CertInfo>,
        /// Invite links to this room, one per address it can be reached
        /// at (see [`crate::net::invite::invite_addresses`]), loopback last.
        invites: Vec<crate::net::invite::Invite>,
    },
    /// A session started: a member began connecting, or a host began
    /// setting up. Always a session's first event.
    Connecting {
        /// `host:port` to join, or the address to listen on.
        target: String,
    },
    /// A member's connection is established and trusted.
    Connected(Box<ConnectionInfo>),
    /// The peer's certificate was not trusted; nothing was sent.
    Untrusted(Box<Untrusted>),
    /// We are in the room as `nick`, with these members (in a big room
    /// the first of them: [`NetEvent::Roster`] brings the rest).
    Joined {
        /// Our own member id.
        you: u64,
        /// Our nickname as the room knows it.
        nick: String,
        /// Everyone in the room, us included (or the first page of them).
        members: Vec<MemberInfo>,
        /// How many members the room has.
        total: u64,
    },
    /// More members who were in the room when we joined (a big room's
    /// member list comes in pages; these are not newcomers).
    Roster {
        /// The members of this page.
        members: Vec<MemberInfo>,
    },
    /// A message was said in the room (by anyone, us included).
    Message(MessageEvent),
    /// The stored messages just before this event were history: a
    /// newcomer's backlog, or what a resume brought back. A view draws its
    /// divider here.
    HistoryEnd {
        /// How many stored messages came (0 when there were none).
        count: u64,
        /// How many were said while we were away and are no longer kept.
        missed: u64,
        /// Whether this was a resume after a drop rather than a first join.
        resumed: bool,
    },
    /// The connection dropped unexpectedly; the session tries again by
    /// itself after `in_ms` (or at once on
    /// [`crate::net::SessionCommand::ReconnectNow`]), then resumes where it
    /// left off. Messages sent meanwhile wait and go out after it.
    Reconnecting {
        /// Why the connection dropped (or why the last attempt failed).
        reason: String,
        /// How long until the next attempt, in milliseconds.
        in_ms: u64,
        /// Which attempt comes next (1 for the first after the drop).
        attempt: u32,
    },
    /// A notice from the room (plain-text rooms, errors the room reported).
    Notice(String),
    /// Our message with this id reached the room.
    Delivered {
        /// The id given in [`crate::net::SessionCommand::Send`].
        id: u64,
    },
    /// Our message with this id was written to a plain-text peer, which
    /// cannot acknowledge it.
    Sent {
        /// The id given in [`crate::net::SessionCommand::Send`].
        id: u64,
    },
    /// Our message with this id could not be delivered.
    NotDelivered {
        /// The id given in [`crate::net::SessionCommand::Send`].
        id: u64,
        /// Why.
        reason: String,
    },
    /// Someone joined.
    MemberJoined(MemberInfo),
    /// Someone left.
    MemberLeft {
        /// Who.
        member: MemberInfo,
        /// Why.
        reason: LeaveReason,
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
    /// A member's handshake, recorded and decoded (only when the host
    /// was asked to record handshakes).
    MemberHandshake {
        /// The member's address.
        peer: SocketAddr,
        /// The handshake as it went over the wire.
        wire: std::sync::Arc<crate::net::wire::Handshake>,
        /// The member's records after it, as they pass.
        live: Option<std::sync::Arc<crate::net::wire::live::Live>>,
    },
    /// The member whose handshake was recorded from `peer`
    /// ([`NetEvent::MemberHandshake`]) came into the room as member `id`
    /// (its nickname is in the [`NetEvent::MemberJoined`] before this).
    RecordedMemberJoined {
        /// The member's address, as in its `MemberHandshake`.
        peer: SocketAddr,
        /// Its member id.
        id: u64,
    },
    /// The door's state, after every change (host sessions only).
    Door(Box<DoorView>),
    /// A new invitation's links (host sessions only; the code is in them
    /// and is shown only now: the host keeps its hash).
    InviteMade {
        /// Its id, for revoking it.
        id: u32,
        /// One link per address the room can be reached at.
        invites: Vec<crate::net::invite::Invite>,
    },
    /// We are in the room's lobby: the host has been asked to let us in.
    Waiting {
        /// What the host said.
        text: String,
    },
    /// The session ended.
    Disconnected {
        /// One line naming the cause.
        reason: String,
        /// What kind of ending it was.
        kind: DisconnectKind,
    },
}

/// The host's door as its window and terminal show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DoorView {
    /// Who may come in.
    pub access: crate::net::door::Access,
    /// Open invitations, oldest first.
    pub invitations: Vec<InvitationView>,
    /// Members waiting in the lobby, first come first.
    pub knocking: Vec<KnockView>,
    /// Bans, oldest first.
    pub bans: Vec<BanView>,
    /// Muted members.
    pub muted: Vec<MutedView>,
}

/// One invitation (never its code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationView {
    /// Its id, for `/revoke ID`.
    pub id: u32,
    /// Uses left; `None` for any number.
    pub uses_left: Option<u32>,
    /// When it stops working (Unix ms); `None` for never.
    pub expires_ms: Option<u64>,
}

/// One member waiting in the lobby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnockView {
    /// Its lobby id, for [`crate::net::DoorCommand::Admit`] and `Refuse`.
    pub id: u64,
    /// The nickname it asked for.
    pub nick: String,
    /// Its key (SHA-256 of its public key), if it presented one.
    pub key: Option<[u8; 32]>,
    /// Where it connects from.
    pub addr: std::net::SocketAddr,
}

/// One ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanView {
    /// Its id, for `/unban ID`.
    pub id: u32,
    /// The name the member had.
    pub nick: String,
    /// What is banned: a key or an address.
    pub target: crate::net::door::BanTarget,
    /// Why (may be empty).
    pub reason: String,
}

/// One muted member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutedView {
    /// The name it had when muted.
    pub nick: String,
    /// Its key or address.
    pub target: crate::net::door::BanTarget,
}

/// An event and the session it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    /// The session.
    pub session: SessionId,
    /// What happened.
    pub event: NetEvent,
}
