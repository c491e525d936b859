//! The room's door as the window sees it (issue 20): plain data, changed
//! only by [`DoorModel::apply`], so that every rule is testable without a
//! window: the door's state as the host last heard it ([`DoorView`]: who
//! may come in, the open invitations, who knocks, the bans and mutes) and
//! the links of the invitation made last, shown once. (A member waiting in
//! the lobby is a [`crate::ui::state::Status`].)
//!
//! Everything a peer chose (nicknames) comes safe to show from the net
//! layer ([`crate::net::safe_event`]); it is drawn as text, never read.

use crate::net::door::{Access, BanTarget};
use crate::net::invite::Invite;
use crate::net::{DoorView, MemberInfo, NetEvent};

/// An invitation just made: its links carry the secret code, which the
/// host keeps only as a hash, so they are shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeInvite {
    /// Its id (as in the list of open invitations).
    pub id: u32,
    /// One link per address the room can be reached at, loopback last.
    pub invites: Vec<Invite>,
}

/// The host's door.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoorModel {
    /// The door's state as the host last told it (host; `None` until the
    /// first [`NetEvent::Door`]).
    pub view: Option<DoorView>,
    /// The invitation made last, until the host puts it away.
    pub made: Option<MadeInvite>,
}

impl DoorModel {
    /// Takes the door's events; gives back any other event untouched.
    pub fn apply(&mut self, event: NetEvent) -> Option<NetEvent> {
        match event {
            NetEvent::Door(view) => self.view = Some(*view),
            NetEvent::InviteMade { id, invites } => self.made = Some(MadeInvite { id, invites }),
            other => return Some(other),
        }
        None
    }

    /// Who may come in, once the host has said.
    #[must_use]
    pub fn access(&self) -> Option<Access> {
        self.view.as_ref().map(|v| v.access)
    }

    /// Puts the invitation made last away (its links are not shown again).
    pub fn dismiss_made(&mut self) {
        self.made = None;
    }

    /// Whether `member` is muted: by its key, or (a member without a key,
    /// muted by its address) by the name it had.
    #[must_use]
    pub fn is_muted(&self, member: &MemberInfo) -> bool {
        self.view.as_ref().is_some_and(|v| {
            v.muted.iter().any(|m| match (&m.target, &member.key) {
                (BanTarget::Key(k), Some(key)) => k == key,
                (BanTarget::Address(_), None) => m.nick == member.nick,
                _ => false,
            })
        })
    }
}

/// What is banned, in words: a key by its short safety code, an address
/// (an IPv6 one by its /64) as it is.
#[must_use]
pub fn ban_target_words(target: &BanTarget) -> String {
    match target {
        BanTarget::Key(key) => format!("key {}", crate::net::safety::short_safety_code(key)),
        BanTarget::Address(std::net::IpAddr::V6(ip)) => format!("address {ip}/64"),
        BanTarget::Address(ip) => format!("address {ip}"),
    }
}

/// Who a knocking member is, in words: its short safety code, or that it
/// has no key.
#[must_use]
pub fn key_words(key: Option<&[u8; 32]>) -> String {
    key.map_or_else(
        || "no key".to_string(),
        |k| format!("safety code {}", crate::net::safety::short_safety_code(k)),
    )
}

/// How many an invitation admits, in words.
#[must_use]
pub fn uses_words(uses_left: Option<u32>) -> String {
    match uses_left {
        None => "any number of uses".into(),
        Some(1) => "1 use left".into(),
        Some(n) => format!("{n} uses left"),
    }
}

/// When an invitation stops working, in words and local time, as of
/// `now_ms`: "never expires", "expires in 23 h (Dec 8, 14:05)", "expired".
#[must_use]
pub fn expiry_words(expires_ms: Option<u64>, now_ms: u64) -> String {
    let Some(at) = expires_ms else {
        return "never expires".into();
    };
    if at <= now_ms {
        return "expired".into();
    }
    let left_min = (at - now_ms).div_ceil(60_000);
    let left = match left_min {
        0..60 => format!("{left_min} min"),
        60..2880 => format!("{} h", left_min.div_ceil(60)),
        _ => format!("{} days", left_min.div_ceil(24 * 60)),
    };
    format!("expires in {left} ({})", local_day_and_clock(at))
}

/// `Dec 8, 14:05` in local time.
fn local_day_and_clock(time_ms: u64) -> String {
    let offset = crate::transcript::local_offset();
    let secs = i64::try_from(time_ms / 1000).unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.to_offset(offset))
        .map(|t| {
            let month = format!("{}", t.month());
            format!(
                "{} {}, {:02}:{:02}",
                month.get(..3).unwrap_or(&month),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::MutedView;

    fn member(nick: &str, key: Option<[u8; 32]>) -> MemberInfo {
        MemberInfo {
            id: 1,
            nick: nick.into(),
            is_host: false,
            plain_text: key.is_none(),
            identity: None,
            key,
        }
    }

    #[test]
    fn door_events_are_taken_and_others_passed_on() {
        let mut d = DoorModel::default();
        assert!(
            d.apply(NetEvent::Door(Box::new(DoorView {
                access: Access::Open,
                ..DoorView::default()
            })))
            .is_none()
        );
        assert_eq!(d.access(), Some(Access::Open));
        assert!(
            d.apply(NetEvent::InviteMade {
                id: 4,
                invites: vec![]
            })
            .is_none()
        );
        assert_eq!(d.made.as_ref().map(|m| m.id), Some(4));
        d.dismiss_made();
        assert!(d.made.is_none());
        let n = NetEvent::Notice("hi".into());
        assert_eq!(d.apply(n.clone()), Some(n));
    }

    #[test]
    fn muted_by_key_or_by_the_name_of_a_member_without_one() {
        let mut d = DoorModel::default();
        let view = DoorView {
            muted: vec![
                MutedView {
                    nick: "ana".into(),
                    target: BanTarget::Key([1; 32]),
                },
                MutedView {
                    nick: "plain".into(),
                    target: BanTarget::Address("10.0.0.1".parse().unwrap()),
                },
            ],
            ..DoorView::default()
        };
        d.apply(NetEvent::Door(Box::new(view)));
        assert!(d.is_muted(&member("renamed", Some([1; 32]))), "the key");
        assert!(!d.is_muted(&member("ana", Some([2; 32]))), "not the name");
        assert!(d.is_muted(&member("plain", None)));
        assert!(!d.is_muted(&member("other", None)));
    }

    #[test]
    fn expiry_and_uses_in_words() {
        let now = 1_780_000_000_000;
        assert_eq!(expiry_words(None, now), "never expires");
        assert_eq!(expiry_words(Some(now - 1), now), "expired");
        assert!(expiry_words(Some(now + 90_000), now).starts_with("expires in 2 min ("));
        assert!(expiry_words(Some(now + 24 * 3_600_000), now).starts_with("expires in 24 h ("));
        assert!(expiry_words(Some(now + 7 * 86_400_000), now).starts_with("expires in 7 days ("));
        assert_eq!(uses_words(None), "any number of uses");
        assert_eq!(uses_words(Some(1)), "1 use left");
        assert_eq!(uses_words(Some(3)), "3 uses left");
        assert_eq!(key_words(None), "no key");
        assert_eq!(
            ban_target_words(&BanTarget::Address("2001:db8::".parse().unwrap())),
            "address 2001:db8::/64"
        );
    }
}
