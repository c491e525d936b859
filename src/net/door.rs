//! The room's door: who may come in (issue 20). Pure decisions over plain
//! data, no I/O: the host asks [`Door::decide`] once a connection has
//! finished its handshake and said who it is, before anything of the room
//! (history, names, ids, counts) is sent to it.
//!
//! A member is its key (the SHA-256 of the public key it proved it holds in
//! the TLS handshake, see [`crate::net::keyauth`]). The door knows
//! - the room's [`Access`]: `invite` (the default: a key needs a valid
//!   invitation the first time, and is then remembered), `knock` (an
//!   unknown key waits for the host to let it in) or `open` (anyone);
//! - the keys admitted before (remembered across restarts by the store);
//! - the invitations: secret codes of 128 bits that the door keeps only as
//!   hashes, each with a number of uses and an expiry;
//! - the bans, by key or, for a member without a key, by address (an IPv6
//!   address by its /64), which beat everything, a valid invitation too.
//!
//! Bounds: at most [`MAX_INVITES`] invitations and [`MAX_BANS`] bans, so
//! nothing a host does by mistake in a loop grows the door without end.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::net::certinfo::{hex, sha256};

/// Who may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// A key needs an invitation the first time (the default).
    #[default]
    Invite,
    /// An unknown key asks, and waits for the host to let it in.
    Knock,
    /// Anyone who can reach the port (public rooms, the plain-tool demos).
    Open,
}

impl Access {
    /// The name on the command line (`--access NAME`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Knock => "knock",
            Self::Open => "open",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Access`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected invite, knock or open")]
pub struct UnknownAccess;

impl std::str::FromStr for Access {
    type Err = UnknownAccess;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invite" => Ok(Self::Invite),
            "knock" => Ok(Self::Knock),
            "open" => Ok(Self::Open),
            _ => Err(UnknownAccess),
        }
    }
}

/// What a member is given of the history once admitted
/// (`host --history-visibility`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryVisibility {
    /// What was said since the member's key was first admitted (a member
    /// without a key: since it came in). The default.
    #[default]
    Joined,
    /// The whole kept backlog, as much as `--backlog` gives.
    All,
}

impl HistoryVisibility {
    /// The name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::All => "all",
        }
    }
}

/// A name that is not one of [`HistoryVisibility`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected joined or all")]
pub struct UnknownVisibility;

impl std::str::FromStr for HistoryVisibility {
    type Err = UnknownVisibility;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "joined" => Ok(Self::Joined),
            "all" => Ok(Self::All),
            _ => Err(UnknownVisibility),
        }
    }
}

/// How long a knocking member waits for the host by default.
pub const KNOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(300);
/// The most members that may wait in the lobby at once.
pub const MAX_KNOCKING: usize = 32;
/// The most members that may wait in the lobby from one address (an IPv6
/// address by its /64): one machine cannot fill the lobby and keep
/// everyone else out.
pub const MAX_KNOCKING_PER_ADDRESS: usize = 4;

/// The host's choices for its door (`host --access`,
/// `--require-client-ca`, `--history-visibility`, `--knock-wait`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorConfig {
    /// Who may come in.
    pub access: Access,
    /// Refuse members without a certificate from `--client-ca`.
    pub require_client_ca: bool,
    /// What admitted members are given of the history.
    pub history: HistoryVisibility,
    /// How long a knocking member waits before it is sent away.
    pub knock_wait: std::time::Duration,
}

impl Default for DoorConfig {
    fn default() -> Self {
        Self {
            access: Access::default(),
            require_client_ca: false,
            history: HistoryVisibility::default(),
            knock_wait: KNOCK_WAIT,
        }
    }
}

impl DoorConfig {
    /// Today's behaviour before the door: anyone comes in and is given
    /// the kept backlog (public rooms, the plain-tool demos, tests).
    #[must_use]
    pub fn open() -> Self {
        Self {
            access: Access::Open,
            history: HistoryVisibility::All,
            ..Self::default()
        }
    }
}

/// How long the invitation a host makes at start works, in days: its links
/// open the door for a week, not for ever.
pub const START_INVITE_DAYS: u64 = 7;

/// Bytes of randomness in an invitation code: 128 bits.
pub const INVITE_CODE_BYTES: usize = 16;
/// The most invitations a room keeps (used up and expired ones are
/// forgotten first).
pub const MAX_INVITES: usize = 1000;
/// The most member keys a room remembers (the store keeps as many).
pub const MAX_REMEMBERED: usize = 100_000;
/// The most bans a room keeps.
pub const MAX_BANS: usize = 10_000;
/// Hashed with a code, so that the stored hash is of no use elsewhere.
const CODE_DOMAIN: &[u8] = b"tlschat invite v1\0";

/// The hash an invitation code is kept as. The code is read as text
/// (ASCII hex, any case), so a code typed by hand works the same.
#[must_use]
pub fn code_hash(code: &str) -> [u8; 32] {
    let mut input = CODE_DOMAIN.to_vec();
    input.extend(code.trim().to_ascii_lowercase().bytes());
    sha256(&input)
}

/// A fresh invitation code: [`INVITE_CODE_BYTES`] random bytes in hex.
///
/// # Errors
/// The system gives no random numbers.
pub fn new_code() -> Result<String, rustls::Error> {
    let mut bytes = [0u8; INVITE_CODE_BYTES];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| rustls::Error::FailedToGetRandomBytes)?;
    Ok(hex(&bytes))
}

/// One invitation, as the door keeps it: never the code itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its number, for `/invites` and `/revoke ID`.
    pub id: u32,
    /// [`code_hash`] of the code.
    pub hash: [u8; 32],
    /// Uses left; `None` for as many as wanted until it expires.
    pub uses_left: Option<u32>,
    /// When it stops working (Unix ms); `None` for never.
    pub expires_ms: Option<u64>,
}

/// What a ban is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BanTarget {
    /// A member's key.
    Key([u8; 32]),
    /// An address (an IPv6 address by its /64): for a member without a key.
    Address(IpAddr),
}

impl BanTarget {
    /// The ban for a member without a key at `ip`.
    #[must_use]
    pub fn address(ip: IpAddr) -> Self {
        Self::Address(network(ip))
    }
}

/// An IPv4 address as it is (a mapped one unmapped); an IPv6 address by
/// its /64, the network one machine is usually given.
#[must_use]
pub fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// One ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// Its number, for `/unban ID`.
    pub id: u32,
    /// The key or address banned.
    pub target: BanTarget,
    /// The name the member had, for `/bans`.
    pub nick: String,
    /// Why, as the host gave it (may be empty).
    pub reason: String,
}

/// Who is at the door: what the handshake and the first line said.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The SHA-256 of the key the member proved it holds, if it has one.
    pub key: Option<[u8; 32]>,
    /// Its certificate was issued by the host's `--client-ca`.
    pub ca_verified: bool,
    /// Where it connects from.
    pub addr: IpAddr,
    /// The invitation code it brought, if any.
    pub invite: Option<&'a str>,
}

/// Why an invitation did not open the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteProblem {
    /// No such invitation: mistyped, revoked, or for another room.
    Unknown,
    /// It has expired.
    Expired,
    /// All its uses are taken.
    UsedUp,
}

/// Why the door stays shut. Each is the one line the caller is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Invite-only, and no invitation (nor a remembered key).
    #[error("this room is invite-only: ask the host for an invite link")]
    InviteOnly,
    /// The invitation does not work.
    #[error("{}", match .0 {
        InviteProblem::Unknown => "this invite is not valid here (revoked, mistyped or for another room): ask the host for a new one",
        InviteProblem::Expired => "this invite has expired: ask the host for a new one",
        InviteProblem::UsedUp => "this invite has been used up: ask the host for a new one",
    })]
    BadInvite(InviteProblem),
    /// The key or address is banned.
    #[error("you are banned from this room")]
    Banned,
    /// `--require-client-ca`, and no certificate from that CA.
    #[error("this room admits only members with a certificate from its client CA")]
    NeedClientCa,
    /// The host said no to a knock.
    #[error("the host did not let you in")]
    Refused,
    /// A knock the host did not answer within `--knock-wait`.
    #[error("the host did not answer in time: try again later")]
    NoAnswer,
    /// [`MAX_KNOCKING`] callers are waiting already, or
    /// [`MAX_KNOCKING_PER_ADDRESS`] from the caller's address.
    #[error("too many are waiting to be let in already: try again later")]
    LobbyFull,
}

/// What the door does with a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// In. `remember`: the key is new to the room and is now one of its
    /// members (to be stored). `invitation`: the one that was used.
    Admit {
        /// Store this key as a member's.
        remember: bool,
        /// The invitation used, if one was.
        invitation: Option<u32>,
    },
    /// Wait in the lobby for the host (`--access knock`).
    Knock,
    /// Shut, with the reason to tell.
    Refuse(Refusal),
}

/// The door's state: what it decides with.
#[derive(Debug, Clone, Default)]
pub struct Door {
    /// Who may come in.
    pub access: Access,
    /// `--require-client-ca`: a certificate from the client CA is a must.
    pub require_client_ca: bool,
    members: HashSet<[u8; 32]>,
    invitations: Vec<Invitation>,
    bans: Vec<Ban>,
    next_id: u32,
}

impl Door {
    /// A door with no members, invitations or bans yet.
    #[must_use]
    pub fn new(access: Access, require_client_ca: bool) -> Self {
        Self {
            access,
            require_client_ca,
            next_id: 1,
            ..Self::default()
        }
    }

    /// What to do with `caller` at `now_ms` (Unix ms). An invitation that
    /// admits has one use taken.
    pub fn decide(&mut self, caller: &Caller<'_>, now_ms: u64) -> Decision {
        if self.is_banned(caller) {
            return Decision::Refuse(Refusal::Banned);
        }
        if self.require_client_ca && !caller.ca_verified {
            return Decision::Refuse(Refusal::NeedClientCa);
        }
        let known = caller.key.is_some_and(|k| self.members.contains(&k));
        let admit = |door: &mut Self, invitation| {
            let remember = match caller.key {
                Some(k) => door.remember(k),
                None => false,
            };
            Decision::Admit {
                remember,
                invitation,
            }
        };
        if known || caller.ca_verified || self.access == Access::Open {
            return admit(self, None);
        }
        if let Some(code) = caller.invite {
            return match self.use_invitation(code, now_ms) {
                Ok(id) => admit(self, Some(id)),
                Err(problem) => Decision::Refuse(Refusal::BadInvite(problem)),
            };
        }
        match self.access {
            Access::Knock => Decision::Knock,
            Access::Invite | Access::Open => Decision::Refuse(Refusal::InviteOnly),
        }
    }

    /// The host let a knocking caller in: its key becomes a member's.
    /// Whether it was new (to be stored).
    pub fn let_in(&mut self, key: Option<[u8; 32]>) -> bool {
        key.is_some_and(|k| self.remember(k))
    }

    /// Remembers `key` as a member's; whether it is new. Past
    /// [`MAX_REMEMBERED`] keys a new one is let in but not remembered (it
    /// needs an invitation again next time): a peer making fresh keys in a
    /// loop cannot grow the room's memory without end.
    fn remember(&mut self, key: [u8; 32]) -> bool {
        if self.members.len() >= MAX_REMEMBERED && !self.members.contains(&key) {
            return false;
        }
        self.members.insert(key)
    }

    /// Whether `caller`'s key (or, without one, its address) is banned.
    #[must_use]
    pub fn is_banned(&self, caller: &Caller<'_>) -> bool {
        let by_address = BanTarget::address(caller.addr);
        self.bans.iter().any(|b| match b.target {
            BanTarget::Key(k) => caller.key == Some(k),
            // A member with a key is banned by its key: another member
            // behind the same address (a NAT, a shared machine) may come.
            BanTarget::Address(_) => caller.key.is_none() && b.target == by_address,
        })
    }

    fn use_invitation(&mut self, code: &str, now_ms: u64) -> Result<u32, InviteProblem> {
        let hash = code_hash(code);
        let invitation = self
            .invitations
            .iter_mut()
            .find(|i| i.hash == hash)
            .ok_or(InviteProblem::Unknown)?;
        if invitation.expires_ms.is_some_and(|t| now_ms >= t) {
            return Err(InviteProblem::Expired);
        }
        match &mut invitation.uses_left {
            Some(0) => Err(InviteProblem::UsedUp),
            Some(n) => {
                *n -= 1;
                Ok(invitation.id)
            }
            None => Ok(invitation.id),
        }
    }

    /// Adds an invitation for `code` (see [`new_code`]): `uses` (None: any
    /// number) until `expires_ms` (None: never). Past [`MAX_INVITES`], the
    /// used-up and expired ones are forgotten; if there is still no room,
    /// the oldest goes. Its id.
    pub fn invite(
        &mut self,
        code: &str,
        uses: Option<u32>,
        expires_ms: Option<u64>,
        now_ms: u64,
    ) -> u32 {
        if self.invitations.len() >= MAX_INVITES {
            self.invitations
                .retain(|i| i.uses_left != Some(0) && i.expires_ms.is_none_or(|t| now_ms < t));
        }
        if self.invitations.len() >= MAX_INVITES {
            self.invitations.remove(0);
        }
        let id = self.take_id();
        self.invitations.push(Invitation {
            id,
            hash: code_hash(code),
            uses_left: uses,
            expires_ms,
        });
        id
    }

    /// Revokes invitation `id`. Whether there was one.
    pub fn revoke(&mut self, id: u32) -> bool {
        let before = self.invitations.len();
        self.invitations.retain(|i| i.id != id);
        self.invitations.len() != before
    }

    /// The invitations, oldest first.
    #[must_use]
    pub fn invitations(&self) -> &[Invitation] {
        &self.invitations
    }

    /// Bans `target` (its earlier ban, if any, replaced); the ban's id. A
    /// banned key is no longer a member's. Past [`MAX_BANS`], the oldest
    /// ban goes.
    pub fn ban(&mut self, target: BanTarget, nick: &str, reason: &str) -> u32 {
        self.bans.retain(|b| b.target != target);
        if let BanTarget::Key(k) = target {
            self.members.remove(&k);
        }
        if self.bans.len() >= MAX_BANS {
            self.bans.remove(0);
        }
        let id = self.take_id();
        self.bans.push(Ban {
            id,
            target,
            nick: nick.to_string(),
            reason: reason.to_string(),
        });
        id
    }

    /// Lifts ban `id`; the ban, if there was one.
    pub fn unban(&mut self, id: u32) -> Option<Ban> {
        let at = self.bans.iter().position(|b| b.id == id)?;
        Some(self.bans.remove(at))
    }

    /// The bans, oldest first.
    #[must_use]
    pub fn bans(&self) -> &[Ban] {
        &self.bans
    }

    /// Whether `key` is one of the room's members.
    #[must_use]
    pub fn is_member(&self, key: &[u8; 32]) -> bool {
        self.members.contains(key)
    }

    /// Restores what the store kept: the members' keys, invitations and
    /// bans (ids go on after the highest).
    pub fn restore(
        &mut self,
        members: impl IntoIterator<Item = [u8; 32]>,
        invitations: Vec<Invitation>,
        bans: Vec<Ban>,
    ) {
        self.members.extend(members);
        let highest = invitations
            .iter()
            .map(|i| i.id)
            .chain(bans.iter().map(|b| b.id))
            .max()
            .unwrap_or(0);
        self.next_id = self.next_id.max(highest.saturating_add(1));
        self.invitations = invitations;
        self.bans = bans;
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id.max(1);
        self.next_id = id.saturating_add(1);
        id
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const NOW: u64 = 1_800_000_000_000;
    const HOUR: u64 = 3_600_000;

    fn key(n: u8) -> Option<[u8; 32]> {
        Some([n; 32])
    }

    fn at(addr: &str) -> IpAddr {
        addr.parse().unwrap()
    }

    fn caller<'a>(key: Option<[u8; 32]>, invite: Option<&'a str>) -> Caller<'a> {
        Caller {
            key,
            ca_verified: false,
            addr: at("127.0.0.1"),
            invite,
        }
    }

    fn admitted(d: Decision) -> bool {
        matches!(d, Decision::Admit { .. })
    }

    #[test]
    fn fresh_keys_in_a_loop_cannot_grow_the_remembered_members_without_end() {
        let mut door = Door::new(Access::Open, false);
        let nth = |i: usize| {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_le_bytes());
            k
        };
        for i in 0..MAX_REMEMBERED {
            assert!(door.let_in(Some(nth(i))));
        }
        let late = caller(Some(nth(MAX_REMEMBERED)), None);
        assert_eq!(
            door.decide(&late, NOW),
            Decision::Admit {
                remember: false,
                invitation: None
            },
            "let in, not remembered"
        );
        assert!(!door.is_member(&nth(MAX_REMEMBERED)));
        assert!(door.is_member(&nth(0)), "the ones remembered stay");
        assert_eq!(door.members.len(), MAX_REMEMBERED);
    }

    #[test]
    fn invite_only_by_default_and_the_key_is_remembered() {
        let mut door = Door::new(Access::default(), false);
        assert_eq!(
            door.decide(&caller(key(1), None), NOW),
            Decision::Refuse(Refusal::InviteOnly)
        );
        assert_eq!(
            door.decide(&caller(None, None), NOW),
            Decision::Refuse(Refusal::InviteOnly)
        );
        let code = new_code().unwrap();
        assert_eq!(code.len(), 2 * INVITE_CODE_BYTES);
        let id = door.invite(&code, None, None, NOW);
        assert_eq!(
            door.decide(&caller(key(1), Some(&code)), NOW),
            Decision::Admit {
                remember: true,
                invitation: Some(id)
            }
        );
        // Back without the invitation: a member now.
        assert_eq!(
            door.decide(&caller(key(1), None), NOW),
            Decision::Admit {
                remember: false,
                invitation: None
            }
        );
        // The code typed in capitals, with spaces around it, works too.
        let shouted = format!("  {}\n", code.to_uppercase());
        assert!(admitted(door.decide(&caller(key(2), Some(&shouted)), NOW)));
    }

    #[test]
    fn a_single_use_invitation_admits_once() {
        let mut door = Door::new(Access::Invite, false);
        let code = new_code().unwrap();
        door.invite(&code, Some(1), None, NOW);
        assert!(admitted(door.decide(&caller(key(1), Some(&code)), NOW)));
        assert_eq!(
            door.decide(&caller(key(2), Some(&code)), NOW),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::UsedUp))
        );
        // A member without a key is let in by an invitation but not
        // remembered: it needs one every time.
        let many = new_code().unwrap();
        door.invite(&many, Some(2), None, NOW);
        assert!(admitted(door.decide(&caller(None, Some(&many)), NOW)));
        assert_eq!(
            door.decide(&caller(None, None), NOW),
            Decision::Refuse(Refusal::InviteOnly)
        );
    }

    #[test]
    fn expired_revoked_and_unknown_invitations_are_refused() {
        let mut door = Door::new(Access::Invite, false);
        let code = new_code().unwrap();
        door.invite(&code, None, Some(NOW + HOUR), NOW);
        assert_eq!(
            door.decide(&caller(key(1), Some(&code)), NOW + HOUR),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::Expired))
        );
        let other = new_code().unwrap();
        let id = door.invite(&other, None, None, NOW);
        assert!(door.revoke(id));
        assert!(!door.revoke(id));
        assert_eq!(
            door.decide(&caller(key(1), Some(&other)), NOW),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::Unknown))
        );
        assert_eq!(
            door.decide(&caller(key(1), Some("guess")), NOW),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::Unknown))
        );
        // The door keeps no code, only hashes.
        assert!(
            door.invitations()
                .iter()
                .all(|i| !hex(&i.hash).contains(&code))
        );
    }

    #[test]
    fn a_ban_beats_a_fresh_invitation_and_membership() {
        let mut door = Door::new(Access::Invite, false);
        let code = new_code().unwrap();
        door.invite(&code, None, None, NOW);
        assert!(admitted(door.decide(&caller(key(1), Some(&code)), NOW)));
        let id = door.ban(BanTarget::Key([1; 32]), "ana", "spam");
        assert_eq!(
            door.decide(&caller(key(1), Some(&code)), NOW),
            Decision::Refuse(Refusal::Banned)
        );
        assert!(!door.is_member(&[1; 32]));
        // Another key from the same address is not banned.
        assert!(admitted(door.decide(&caller(key(2), Some(&code)), NOW)));
        assert_eq!(door.unban(id).unwrap().nick, "ana");
        assert!(admitted(door.decide(&caller(key(1), Some(&code)), NOW)));
    }

    #[test]
    fn a_member_without_a_key_is_banned_by_its_address_and_an_ipv6_by_its_64() {
        let mut door = Door::new(Access::Open, false);
        door.ban(BanTarget::address(at("2001:db8:1:2:aaaa::1")), "x", "");
        let from = |addr: &str, key| Caller {
            key,
            ca_verified: false,
            addr: at(addr),
            invite: None,
        };
        assert_eq!(
            door.decide(&from("2001:db8:1:2:bbbb::9", None), NOW),
            Decision::Refuse(Refusal::Banned)
        );
        assert!(admitted(door.decide(&from("2001:db8:1:3::1", None), NOW)));
        // A member with a key at that address is judged by its key.
        assert!(admitted(door.decide(&from("2001:db8:1:2::5", key(3)), NOW)));
        door.ban(BanTarget::address(at("::ffff:10.0.0.1")), "y", "");
        assert_eq!(
            door.decide(&from("10.0.0.1", None), NOW),
            Decision::Refuse(Refusal::Banned)
        );
    }

    #[test]
    fn knock_and_open() {
        let mut door = Door::new(Access::Knock, false);
        assert_eq!(door.decide(&caller(key(1), None), NOW), Decision::Knock);
        assert!(door.let_in(key(1)));
        assert!(admitted(door.decide(&caller(key(1), None), NOW)));
        // A bad invitation is refused, not sent to the lobby.
        assert!(matches!(
            door.decide(&caller(key(2), Some("nope")), NOW),
            Decision::Refuse(Refusal::BadInvite(_))
        ));
        let mut open = Door::new(Access::Open, false);
        assert!(admitted(open.decide(&caller(None, None), NOW)));
        assert_eq!(
            open.decide(&caller(key(4), None), NOW),
            Decision::Admit {
                remember: true,
                invitation: None
            }
        );
    }

    #[test]
    fn the_client_ca() {
        let mut door = Door::new(Access::Invite, true);
        let ca = Caller {
            ca_verified: true,
            ..caller(key(5), None)
        };
        assert!(admitted(door.decide(&ca, NOW)));
        let code = new_code().unwrap();
        door.invite(&code, None, None, NOW);
        assert_eq!(
            door.decide(&caller(key(6), Some(&code)), NOW),
            Decision::Refuse(Refusal::NeedClientCa)
        );
        // Without --require-client-ca, a CA member comes in to an
        // invite-only room as today.
        let mut door = Door::new(Access::Invite, false);
        assert!(admitted(door.decide(&ca, NOW)));
    }

    #[test]
    fn invitations_and_bans_are_bounded() {
        let mut door = Door::new(Access::Invite, false);
        for n in 0..MAX_INVITES + 10 {
            door.invite(&format!("code{n}"), Some(1), None, NOW);
        }
        assert_eq!(door.invitations().len(), MAX_INVITES);
        // The newest still works; the oldest went.
        let newest = format!("code{}", MAX_INVITES + 9);
        assert!(admitted(door.decide(&caller(key(1), Some(&newest)), NOW)));
        assert!(!admitted(door.decide(&caller(key(2), Some("code0")), NOW)));
        for n in 0..MAX_BANS as u32 + 5 {
            let mut k = [0u8; 32];
            k[..4].copy_from_slice(&n.to_be_bytes());
            door.ban(BanTarget::Key(k), "", "");
        }
        assert_eq!(door.bans().len(), MAX_BANS);
    }

    #[test]
    fn restored_state_decides_the_same_and_ids_go_on() {
        let mut door = Door::new(Access::Invite, false);
        let code = new_code().unwrap();
        let inv = door.invite(&code, Some(3), None, NOW);
        door.decide(&caller(key(1), Some(&code)), NOW);
        let ban = door.ban(BanTarget::Key([9; 32]), "z", "");
        let mut again = Door::new(Access::Invite, false);
        again.restore([[1; 32]], door.invitations().to_vec(), door.bans().to_vec());
        assert!(admitted(again.decide(&caller(key(1), None), NOW)));
        assert_eq!(
            again.decide(&caller(key(9), Some(&code)), NOW),
            Decision::Refuse(Refusal::Banned)
        );
        assert_eq!(again.invitations()[0].uses_left, Some(2));
        assert!(again.invite("next", None, None, NOW) > inv.max(ban));
    }

    #[test]
    fn access_names_round_trip() {
        for a in [Access::Invite, Access::Knock, Access::Open] {
            assert_eq!(a.name().parse::<Access>().unwrap(), a);
        }
        assert!("closed".parse::<Access>().is_err());
    }
}
