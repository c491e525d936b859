//! The room's door as the window sees it (issue 20): plain data, changed
//! only by [`DoorModel::apply`], so that every rule is testable without a
//! window: the door's state as the host last heard it ([`DoorView`]: who
//! may come in, the open invitations, who knocks, the bans and mutes) and
//! the links of the invitation made last, shown once. (A member waiting in
//! the lobby is a [`crate::ui::state::Status`].)
//!
//! Everything a peer chose (nicknames) comes safe to show from the net
//! layer ([`crate::net::safe_event`]); it is drawn as text, never read.

use crate::i18n::{Lang, Msg};
use crate::net::door::{Access, BanTarget};
use crate::net::invite::Invite;
use crate::net::{DoorCommand, DoorView, InvitationView, KnockView, MemberInfo, NetEvent};
use crate::{msg, tr};

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
    /// Who may come in, as the room was started (known before the door
    /// is first shown).
    pub started_as: Option<Access>,
    /// How many members knocked so far (each counted once, when the door
    /// first shows it): the window asks for the host's attention when it
    /// grows.
    pub knocked: u64,
    /// The members who began knocking with the door's last change.
    arrived: Vec<KnockView>,
}

impl DoorModel {
    /// Takes the door's events; gives back any other event untouched.
    pub fn apply(&mut self, event: NetEvent) -> Option<NetEvent> {
        match event {
            NetEvent::Door(view) => {
                let before = self.view.as_ref().map(|v| &v.knocking);
                self.arrived = view
                    .knocking
                    .iter()
                    .filter(|k| before.is_none_or(|b| !b.iter().any(|o| o.id == k.id)))
                    .cloned()
                    .collect();
                self.knocked += self.arrived.len() as u64;
                self.view = Some(*view);
            }
            NetEvent::InviteMade { id, invites } => self.made = Some(MadeInvite { id, invites }),
            other => return Some(other),
        }
        None
    }

    /// Who may come in: as the door last said, or as the room was started.
    #[must_use]
    pub fn access(&self) -> Option<Access> {
        self.view.as_ref().map(|v| v.access).or(self.started_as)
    }

    /// The invitations that still admit someone at `now_ms` (the door
    /// keeps used-up and expired ones a while; they are not shown).
    #[must_use]
    pub fn open_invitations(&self, now_ms: u64) -> Vec<&InvitationView> {
        self.view.as_ref().map_or_else(Vec::new, |v| {
            v.invitations
                .iter()
                .filter(|i| i.uses_left != Some(0) && i.expires_ms.is_none_or(|t| now_ms < t))
                .collect()
        })
    }

    /// Takes the members who began knocking with the door's last change.
    pub fn take_arrived(&mut self) -> Vec<KnockView> {
        std::mem::take(&mut self.arrived)
    }

    /// How many members wait in the lobby now.
    #[must_use]
    pub fn knocking(&self) -> usize {
        self.view.as_ref().map_or(0, |v| v.knocking.len())
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

/// A door command typed in the host's message box, or why it cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Send this to the door.
    Command(DoorCommand),
    /// Say this to the host instead (one line).
    Problem(String),
}

/// What the host's message box takes for the door (the same commands as
/// the headless host's).
#[must_use]
pub fn host_help() -> Msg {
    msg!("door-help")
}

impl DoorModel {
    /// The door command `/name arg` stands for, when `name` is one of the
    /// door's (`None` otherwise). Only the host has a door; a member is
    /// told so.
    #[must_use]
    pub fn typed(&self, host: bool, name: &str, arg: &str) -> Option<Typed> {
        let words: Vec<&str> = arg.split_whitespace().collect();
        let (first, rest) = match arg.split_once(char::is_whitespace) {
            Some((first, rest)) => (first, rest.trim()),
            None => (arg, ""),
        };
        let nick = (!first.is_empty()).then(|| first.to_string());
        let id = first.parse::<u32>().ok();
        let usage = |u: String| Some(Typed::Problem(tr!("door-usage", command = name, usage = u)));
        let command = match name {
            "invite" => {
                let number = |i: usize| words.get(i).map(|w| w.parse::<u32>().ok());
                match (number(0), number(1), words.len() <= 2) {
                    (None | Some(Some(_)), None | Some(Some(_)), true) => DoorCommand::Invite {
                        uses: number(0).flatten().filter(|n| *n > 0),
                        hours: number(1).flatten().filter(|n| *n > 0),
                    },
                    _ => return usage(tr!("door-usage-invite")),
                }
            }
            "revoke" | "unban" => match id {
                Some(id) if name == "revoke" => DoorCommand::Revoke(id),
                Some(id) => DoorCommand::Unban(id),
                None => return usage(tr!("door-usage-id")),
            },
            "admit" | "refuse" => {
                let Some(nick) = nick else {
                    return usage(tr!("door-usage-knocker"));
                };
                let knock = self
                    .view
                    .as_ref()
                    .and_then(|v| v.knocking.iter().find(|k| k.nick == nick));
                match (knock, name) {
                    (Some(k), "admit") => DoorCommand::Admit(k.id),
                    (Some(k), _) => DoorCommand::Refuse(k.id),
                    (None, _) => {
                        return Some(Typed::Problem(tr!("door-nobody-knocking", nick = nick)));
                    }
                }
            }
            "kick" | "ban" => {
                let Some(nick) = nick else {
                    return usage(tr!("door-usage-nick-reason"));
                };
                let reason = rest.to_string();
                if name == "kick" {
                    DoorCommand::Kick { nick, reason }
                } else {
                    DoorCommand::Ban { nick, reason }
                }
            }
            "mute" | "unmute" => match nick {
                Some(nick) if name == "mute" => DoorCommand::Mute(nick),
                Some(nick) => DoorCommand::Unmute(nick),
                None => return usage(tr!("door-usage-nick")),
            },
            _ => return None,
        };
        Some(if host {
            Typed::Command(command)
        } else {
            Typed::Problem(tr!("door-host-only", command = name))
        })
    }
}

/// What is banned, in words: a key by its short safety code, an address
/// (an IPv6 one by its /64) as it is.
#[must_use]
pub fn ban_target_words(target: &BanTarget) -> String {
    match target {
        BanTarget::Key(key) => {
            let code = crate::net::safety::short_safety_code(key);
            tr!("door-ban-key", code = code)
        }
        BanTarget::Address(std::net::IpAddr::V6(ip)) => {
            tr!("door-ban-network", address = ip.to_string())
        }
        BanTarget::Address(ip) => tr!("door-ban-address", address = ip.to_string()),
    }
}

/// Who a knocking member is, in words: its short safety code, or that it
/// has no key.
#[must_use]
pub fn key_words(key: Option<&[u8; 32]>) -> String {
    key_msg(key).text()
}

/// [`key_words`] as a message.
#[must_use]
pub fn key_msg(key: Option<&[u8; 32]>) -> Msg {
    key.map_or_else(
        || msg!("door-no-key"),
        |k| {
            let code = crate::net::safety::short_safety_code(k);
            msg!("door-safety-code", code = code)
        },
    )
}

/// A member's key in full, on two lines: its fingerprint and its whole
/// safety code.
#[must_use]
pub fn key_details(key: &[u8; 32]) -> String {
    let fingerprint = crate::net::certinfo::fingerprint(key);
    let code = crate::net::safety::safety_code(key);
    tr!("door-key-details", fingerprint = fingerprint, code = code)
}

/// How many an invitation admits, in words.
#[must_use]
pub fn uses_words(uses_left: Option<u32>) -> String {
    match uses_left {
        None => tr!("door-uses-any"),
        Some(n) => tr!("door-uses-left", count = n),
    }
}

/// When an invitation stops working, in words and local time, as of
/// `now_ms`: "never expires", "expires in 23 h (Dec 8, 14:05)", "expired".
#[must_use]
pub fn expiry_words(expires_ms: Option<u64>, now_ms: u64) -> String {
    let Some(at) = expires_ms else {
        return tr!("door-never-expires");
    };
    if at <= now_ms {
        return tr!("door-expired");
    }
    let left_min = (at - now_ms).div_ceil(60_000);
    let left = match left_min {
        0..60 => tr!("door-minutes", count = left_min),
        60..2880 => tr!("door-hours", count = left_min.div_ceil(60)),
        _ => tr!("door-days", count = left_min.div_ceil(24 * 60)),
    };
    let when = local_day_and_clock(at);
    tr!("door-expires-in", left = left, when = when)
}

/// The day and the time, in local time, as the window's language writes
/// them: `Dec 8, 14:05`, `12月8日 14:05`.
fn local_day_and_clock(time_ms: u64) -> String {
    let offset = crate::transcript::local_offset();
    let secs = i64::try_from(time_ms / 1000).unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.to_offset(offset))
        .map(|t| match crate::i18n::current() {
            Lang::En => {
                let month = format!("{}", t.month());
                format!(
                    "{} {}, {:02}:{:02}",
                    month.get(..3).unwrap_or(&month),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            }
            Lang::ZhCn => format!(
                "{}月{}日 {:02}:{:02}",
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            ),
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
    fn each_knock_is_counted_once_when_it_first_shows() {
        let knock = |id, nick: &str| crate::net::KnockView {
            id,
            nick: nick.into(),
            key: None,
            addr: "127.0.0.1:1".parse().unwrap(),
        };
        let mut d = DoorModel::default();
        let door = |d: &mut DoorModel, knocking| {
            d.apply(NetEvent::Door(Box::new(DoorView {
                knocking,
                ..DoorView::default()
            })));
            d.take_arrived()
                .into_iter()
                .map(|k| k.nick)
                .collect::<Vec<_>>()
        };
        assert_eq!(door(&mut d, vec![knock(1, "ana")]), vec!["ana"]);
        assert_eq!(
            door(&mut d, vec![knock(1, "ana"), knock(2, "bo")]),
            vec!["bo"]
        );
        assert_eq!(door(&mut d, vec![knock(2, "bo")]), Vec::<String>::new());
        assert_eq!((d.knocked, d.knocking()), (2, 1));
    }

    #[test]
    fn used_up_and_expired_invitations_are_not_open() {
        let now = 1_780_000_000_000;
        let inv = |id, uses_left, expires_ms| InvitationView {
            id,
            uses_left,
            expires_ms,
        };
        let mut d = DoorModel::default();
        d.apply(NetEvent::Door(Box::new(DoorView {
            invitations: vec![
                inv(1, Some(0), None),
                inv(2, Some(1), Some(now - 1)),
                inv(3, Some(1), Some(now + 1)),
                inv(4, None, None),
            ],
            ..DoorView::default()
        })));
        let open: Vec<u32> = d.open_invitations(now).iter().map(|i| i.id).collect();
        assert_eq!(open, vec![3, 4]);
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
    fn door_commands_typed_by_the_host() {
        let mut d = DoorModel::default();
        d.apply(NetEvent::Door(Box::new(DoorView {
            knocking: vec![crate::net::KnockView {
                id: 9,
                nick: "ana".into(),
                key: None,
                addr: "127.0.0.1:1".parse().unwrap(),
            }],
            ..DoorView::default()
        })));
        let c = |name, arg| match d.typed(true, name, arg) {
            Some(Typed::Command(c)) => c,
            other => panic!("/{name} {arg}: {other:?}"),
        };
        assert_eq!(
            c("kick", "ana  too loud "),
            DoorCommand::Kick {
                nick: "ana".into(),
                reason: "too loud".into()
            }
        );
        assert_eq!(
            c("ban", "bo"),
            DoorCommand::Ban {
                nick: "bo".into(),
                reason: String::new()
            }
        );
        assert_eq!(c("mute", "bo"), DoorCommand::Mute("bo".into()));
        assert_eq!(c("unmute", "bo"), DoorCommand::Unmute("bo".into()));
        assert_eq!(c("unban", "3"), DoorCommand::Unban(3));
        assert_eq!(c("revoke", "4"), DoorCommand::Revoke(4));
        assert_eq!(c("admit", "ana"), DoorCommand::Admit(9));
        assert_eq!(c("refuse", "ana"), DoorCommand::Refuse(9));
        assert_eq!(
            c("invite", ""),
            DoorCommand::Invite {
                uses: None,
                hours: None
            }
        );
        assert_eq!(
            c("invite", "1 24"),
            DoorCommand::Invite {
                uses: Some(1),
                hours: Some(24)
            }
        );
        let problem = |name, arg| match d.typed(true, name, arg) {
            Some(Typed::Problem(p)) => p,
            other => panic!("/{name} {arg}: {other:?}"),
        };
        assert_eq!(problem("admit", "bo"), "Nobody named bo is knocking");
        assert!(problem("kick", "").starts_with("Usage: /kick NICK"));
        assert!(problem("unban", "x").starts_with("Usage: /unban ID"));
        assert!(problem("invite", "one").starts_with("Usage: /invite"));
        assert_eq!(d.typed(true, "nick", "x"), None, "not the door's");
        assert_eq!(
            d.typed(false, "kick", "ana"),
            Some(Typed::Problem("Only the host can /kick".into()))
        );
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
