//! The room's door as the headless terminal prints it: what the start
//! says about who may come in, who knocks, the links of a new invitation,
//! `/invites` and `/bans`, and which knocking member `/admit NICK` means.
//!
//! Everything here is pure (the time is an argument); every name a peer
//! chose is printed through [`crate::net::safe_text`].

use crate::i18n::utc;
use crate::net::door::{Access, BanTarget};
use crate::net::event::{DoorView, InvitationView, KnockView};
use crate::net::invite::Invite;
use crate::net::safe_text::visible_line as shown;
use crate::net::safety::{safety_code, short_safety_code};
use crate::tr;

/// The lines after "hosting on …" that say who may come in.
#[must_use]
pub fn access_lines(access: Access) -> Vec<String> {
    vec![match access {
        Access::Open => format!("* {}", tr!("headless-door-open")),
        Access::Invite => format!("* {}", tr!("headless-door-invite")),
        Access::Knock => format!("* {}", tr!("headless-door-knock")),
    }]
}

/// How many members an invitation admits, as "single use", "3 uses" or
/// "any number of uses" (`left`: as "1 use left", "3 uses left").
fn uses(uses: Option<u32>, left: bool) -> String {
    match (uses, left) {
        (None, _) => tr!("headless-uses-any"),
        (Some(n), false) => tr!("headless-uses", n = n),
        (Some(n), true) => tr!("headless-uses-left", n = n),
    }
}

/// When an invitation stops working.
fn expiry(expires_ms: Option<u64>, now_ms: u64) -> String {
    match expires_ms {
        None => tr!("headless-never-expires"),
        Some(ms) if ms <= now_ms => tr!("headless-expired"),
        Some(ms) => tr!(
            "headless-expires",
            date = utc(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
        ),
    }
}

/// The lines for a new invitation's links: one per address, in the order
/// given (loopback last), with its terms when the door showed them.
#[must_use]
pub fn invite_lines(
    id: u32,
    invites: &[Invite],
    terms: Option<&InvitationView>,
    now_ms: u64,
) -> Vec<String> {
    let terms = terms.map_or_else(String::new, |t| {
        tr!(
            "headless-invite-terms",
            uses = uses(t.uses_left, false),
            expiry = expiry(t.expires_ms, now_ms)
        )
    });
    invites
        .iter()
        .map(|i| {
            let local = i
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
            let (terms, link) = (terms.as_str(), i.link());
            if local {
                format!(
                    "* {}",
                    tr!(
                        "headless-invite-id-local",
                        id = id,
                        terms = terms,
                        link = link
                    )
                )
            } else {
                format!(
                    "* {}",
                    tr!("headless-invite-id", id = id, terms = terms, link = link)
                )
            }
        })
        .collect()
}

/// What `/invites` prints.
#[must_use]
pub fn invitations_lines(view: &DoorView, now_ms: u64) -> Vec<String> {
    if view.invitations.is_empty() {
        return vec![format!("* {}", tr!("headless-no-invitations"))];
    }
    let count = view.invitations.len();
    let mut lines = vec![format!("* {}", tr!("headless-invitations", count = count))];
    lines.extend(view.invitations.iter().map(|i| {
        let row = tr!(
            "headless-invitation-row",
            uses = uses(i.uses_left, true),
            expiry = expiry(i.expires_ms, now_ms)
        );
        format!("*   {}  {row}", i.id)
    }));
    lines
}

/// What a ban is of: a key by its safety code, or an address.
fn ban_target(target: &BanTarget) -> String {
    match target {
        BanTarget::Key(key) => tr!("headless-ban-key", code = safety_code(key)),
        BanTarget::Address(ip @ std::net::IpAddr::V6(_)) => {
            tr!("headless-ban-address", address = format!("{ip}/64"))
        }
        BanTarget::Address(ip) => tr!("headless-ban-address", address = ip.to_string()),
    }
}

/// What `/bans` prints.
#[must_use]
pub fn bans_lines(view: &DoorView) -> Vec<String> {
    if view.bans.is_empty() {
        return vec![format!("* {}", tr!("headless-nobody-banned"))];
    }
    let count = view.bans.len();
    let mut lines = vec![format!("* {}", tr!("headless-bans", count = count))];
    lines.extend(view.bans.iter().map(|b| {
        let reason = if b.reason.is_empty() {
            String::new()
        } else {
            format!(
                "  {}",
                tr!("headless-ban-reason", reason = shown(&b.reason))
            )
        };
        format!(
            "*   {}  {}  {}{reason}",
            b.id,
            shown(&b.nick),
            ban_target(&b.target)
        )
    }));
    lines
}

/// How `/admit` and `/refuse` name this knocking member: its name, or
/// `#ID` when another member waiting looks the same or the name cannot be
/// typed back as printed (an escape made visible, a space).
fn lobby_name(view: &DoorView, knock: &KnockView) -> String {
    let key = crate::net::nick::key(&knock.nick);
    let alike = view
        .knocking
        .iter()
        .filter(|k| crate::net::nick::key(&k.nick) == key)
        .count();
    let typable = shown(&knock.nick) == knock.nick.as_str()
        && !knock.nick.starts_with('#')
        && knock.nick.split_whitespace().count() == 1;
    if alike == 1 && typable {
        knock.nick.clone()
    } else {
        format!("#{}", knock.id)
    }
}

/// The lines for members who began knocking since `old`.
#[must_use]
pub fn knock_lines(old: &DoorView, new: &DoorView) -> Vec<String> {
    new.knocking
        .iter()
        .filter(|k| !old.knocking.iter().any(|o| o.id == k.id))
        .map(|k| {
            let who = match &k.key {
                Some(key) => tr!("headless-knock-key", code = short_safety_code(key)),
                None => tr!("headless-knock-no-key", addr = k.addr.to_string()),
            };
            let name = lobby_name(new, k);
            let nick = shown(&k.nick);
            format!(
                "* {}",
                tr!("headless-knocks", nick = nick, who = who, name = name)
            )
        })
        .collect()
}

/// What changed at the door since `old`, in the host's words: who
/// began knocking, invitations that stopped working (revoked), bans made
/// and lifted, members muted and unmuted. So a host sees each command
/// take effect, and `/invites` or `/bans` typed after that line lists the
/// door as it is.
#[must_use]
pub fn change_lines(old: &DoorView, new: &DoorView, now_ms: u64) -> Vec<String> {
    let mut lines = knock_lines(old, new);
    lines.extend(
        old.invitations
            .iter()
            .filter(|i| !new.invitations.iter().any(|n| n.id == i.id))
            .filter(|i| i.uses_left != Some(0) && i.expires_ms.is_none_or(|t| t > now_ms))
            .map(|i| format!("* {}", tr!("headless-invite-revoked", id = i.id))),
    );
    let new_bans = new
        .bans
        .iter()
        .filter(|b| !old.bans.iter().any(|o| o.id == b.id));
    lines.extend(new_bans.map(|b| {
        let (nick, target) = (shown(&b.nick), ban_target(&b.target));
        format!(
            "* {}",
            tr!("headless-ban-made", id = b.id, nick = nick, target = target)
        )
    }));
    let lifted = old
        .bans
        .iter()
        .filter(|b| !new.bans.iter().any(|n| n.id == b.id));
    lines.extend(lifted.map(|b| {
        let nick = shown(&b.nick);
        format!("* {}", tr!("headless-ban-lifted", id = b.id, nick = nick))
    }));
    let muted = new
        .muted
        .iter()
        .filter(|m| !old.muted.iter().any(|o| o.target == m.target));
    lines.extend(muted.map(|m| format!("* {}", tr!("headless-muted", nick = shown(&m.nick)))));
    let unmuted = old
        .muted
        .iter()
        .filter(|m| !new.muted.iter().any(|n| n.target == m.target));
    lines.extend(unmuted.map(|m| format!("* {}", tr!("headless-unmuted", nick = shown(&m.nick)))));
    lines
}

/// Why `/admit NICK` or `/refuse NICK` names nobody (one line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LobbyError {
    /// Nobody waiting has that name (or lobby id).
    #[error("nobody called {0} is waiting to come in{1}")]
    Nobody(String, String),
    /// More than one waiting member looks like that name.
    #[error("{count} members waiting are called {nick}: name one by its lobby id, {ids}")]
    Ambiguous {
        /// The name (made visible).
        nick: String,
        /// How many.
        count: usize,
        /// `#3 or #5`.
        ids: String,
    },
}

impl LobbyError {
    /// The error in the terminal's language (the display form is English).
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Nobody(nick, waiting) => {
                tr!(
                    "headless-lobby-nobody",
                    nick = nick.as_str(),
                    waiting = waiting.as_str()
                )
            }
            Self::Ambiguous { nick, count, ids } => tr!(
                "headless-lobby-ambiguous",
                count = *count,
                nick = nick.as_str(),
                ids = ids.as_str()
            ),
        }
    }
}

/// The lobby id of the knocking member `nick` names: its exact name, a
/// name that looks the same ([`crate::net::nick::key`]), or `#ID`.
///
/// # Errors
/// Nobody waiting is called that, or more than one is.
pub fn lobby_id(view: &DoorView, nick: &str) -> Result<u64, LobbyError> {
    // `#ID` first: a knocker may call itself `#3`, and must not take the
    // place of the one the host was told to admit as `#3`.
    if let Some(id) = nick.strip_prefix('#').and_then(|d| d.parse::<u64>().ok())
        && view.knocking.iter().any(|k| k.id == id)
    {
        return Ok(id);
    }
    let exact: Vec<&KnockView> = view.knocking.iter().filter(|k| k.nick == nick).collect();
    let found = if exact.is_empty() {
        let key = crate::net::nick::key(nick);
        view.knocking
            .iter()
            .filter(|k| crate::net::nick::key(&k.nick) == key)
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => return Ok(one.id),
        [] => {}
        many => {
            return Err(LobbyError::Ambiguous {
                nick: shown(nick).into_owned(),
                count: many.len(),
                ids: many
                    .iter()
                    .map(|k| format!("#{}", k.id))
                    .reduce(|a, b| tr!("headless-lobby-or", a = a, b = b))
                    .unwrap_or_default(),
            });
        }
    }
    let waiting = if view.knocking.is_empty() {
        tr!("headless-lobby-nobody-is")
    } else {
        let names: Vec<String> = view.knocking.iter().map(|k| lobby_name(view, k)).collect();
        tr!("headless-lobby-waiting", names = names.join(", "))
    };
    Err(LobbyError::Nobody(shown(nick).into_owned(), waiting))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::event::BanView;

    const HOSTILE: &str = "\x1b[2J\u{202e}x";

    fn knock(id: u64, nick: &str, key: Option<[u8; 32]>) -> KnockView {
        KnockView {
            id,
            nick: nick.into(),
            key,
            addr: "192.0.2.7:5000".parse().unwrap(),
        }
    }

    fn lobby(knocking: Vec<KnockView>) -> DoorView {
        DoorView {
            knocking,
            ..DoorView::default()
        }
    }

    fn visible(lines: &[String]) {
        for l in lines {
            assert!(
                !l.chars().any(crate::net::safe_text::is_hidden),
                "{l:?} would be interpreted by a terminal"
            );
        }
    }

    #[test]
    fn each_access_says_who_comes_in() {
        assert!(access_lines(Access::Open)[0].contains("anyone who can reach this port"));
        assert!(access_lines(Access::Invite)[0].contains("reusable invitation"));
        assert!(access_lines(Access::Knock)[0].contains("newcomers knock"));
    }

    #[test]
    fn a_new_knock_is_announced_once_with_its_safety_code() {
        let key = [7u8; 32];
        let one = lobby(vec![knock(1, "ana", Some(key))]);
        let lines = knock_lines(&DoorView::default(), &one);
        assert_eq!(
            lines,
            vec![format!(
                "* ana (safety code {}…) asks to come in: /admit ana or /refuse ana",
                short_safety_code(&key)
            )]
        );
        let two = lobby(vec![knock(1, "ana", Some(key)), knock(2, "bo", None)]);
        assert_eq!(
            knock_lines(&one, &two),
            vec![
                "* bo (no key, from 192.0.2.7:5000) asks to come in: /admit bo or /refuse bo"
                    .to_string()
            ]
        );
        assert!(knock_lines(&two, &two).is_empty());
        assert!(
            knock_lines(&two, &one).is_empty(),
            "leaving is not knocking"
        );
    }

    #[test]
    fn a_hostile_knock_is_printed_visibly_and_named_by_id() {
        let view = lobby(vec![knock(9, HOSTILE, None)]);
        let lines = knock_lines(&DoorView::default(), &view);
        visible(&lines);
        assert!(lines[0].contains("\\x1b[2J"), "{lines:?}");
        assert!(lines[0].ends_with("/admit #9 or /refuse #9"), "{lines:?}");
    }

    #[test]
    fn look_alike_knocks_are_named_by_id() {
        let view = lobby(vec![knock(3, "ana", None), knock(5, "ANA", None)]);
        let lines = knock_lines(&DoorView::default(), &view);
        assert!(lines[1].ends_with("/admit #5 or /refuse #5"), "{lines:?}");
        assert_eq!(lobby_id(&view, "ana"), Ok(3), "the exact name first");
        assert_eq!(lobby_id(&view, "#5"), Ok(5));
        let e = lobby_id(&view, "Ana").unwrap_err().to_string();
        assert_eq!(
            e,
            "2 members waiting are called Ana: name one by its lobby id, #3 or #5"
        );
    }

    #[test]
    fn a_knocker_named_like_an_id_cannot_take_its_place() {
        // The host was told `/admit #3` for the first (its name cannot be
        // typed back); the second calls itself `#3`.
        let view = lobby(vec![knock(3, HOSTILE, None), knock(4, "#3", None)]);
        assert_eq!(lobby_id(&view, "#3"), Ok(3));
        assert_eq!(lobby_id(&view, "#4"), Ok(4));
    }

    #[test]
    fn an_unknown_name_says_who_is_waiting() {
        let view = lobby(vec![knock(3, "ana", None)]);
        assert_eq!(
            lobby_id(&view, "bo").unwrap_err().to_string(),
            "nobody called bo is waiting to come in (waiting: ana)"
        );
        assert_eq!(
            lobby_id(&DoorView::default(), "#3")
                .unwrap_err()
                .to_string(),
            "nobody called #3 is waiting to come in (nobody is)"
        );
        assert!(lobby_id(&view, "#4").is_err());
    }

    #[test]
    fn invite_links_carry_their_terms() {
        let link = |ip: &str| {
            Invite::new(ip.parse().unwrap(), 7443, Some([1; 32])).with_code(&"ab".repeat(16))
        };
        let now = 1_800_000_000_000;
        let terms = InvitationView {
            id: 4,
            uses_left: Some(1),
            expires_ms: Some(now + 24 * 3_600_000),
        };
        let lines = invite_lines(
            4,
            &[link("192.0.2.1"), link("127.0.0.1")],
            Some(&terms),
            now,
        );
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("* invite 4 (single use, expires 2027-01-16 08:00:00 UTC): tlschat://192.0.2.1:7443/#pin=SHA256:"),
            "{lines:?}"
        );
        assert!(lines[0].ends_with(&format!("&invite={}", "ab".repeat(16))));
        assert!(lines[1].ends_with("(this machine only)"), "{lines:?}");
        let any = InvitationView {
            id: 4,
            uses_left: None,
            expires_ms: None,
        };
        let lines = invite_lines(4, &[link("192.0.2.1")], Some(&any), now);
        assert!(lines[0].contains("(any number of uses, never expires)"));
        let three = InvitationView {
            uses_left: Some(3),
            ..any
        };
        let lines = invite_lines(4, &[link("192.0.2.1")], Some(&three), now);
        assert!(lines[0].contains("(3 uses, never expires)"));
        let lines = invite_lines(4, &[link("192.0.2.1")], None, now);
        assert!(lines[0].starts_with("* invite 4: tlschat://"));
    }

    #[test]
    fn each_change_at_the_door_is_said_once() {
        use crate::net::event::MutedView;
        let invitation = |id, uses_left, expires_ms| InvitationView {
            id,
            uses_left,
            expires_ms,
        };
        let ban = BanView {
            id: 4,
            nick: HOSTILE.into(),
            target: BanTarget::address("192.0.2.9".parse().unwrap()),
            reason: String::new(),
        };
        let mute = MutedView {
            nick: "bo".into(),
            target: BanTarget::Key([3; 32]),
        };
        let before = DoorView {
            invitations: vec![
                invitation(1, Some(2), None),
                invitation(2, Some(0), None),
                invitation(3, None, Some(500)),
            ],
            ..DoorView::default()
        };
        let after = DoorView {
            bans: vec![ban],
            muted: vec![mute],
            ..DoorView::default()
        };
        let lines = change_lines(&before, &after, 1000);
        visible(&lines);
        assert_eq!(
            lines,
            vec![
                "* invite 1 no longer works (revoked)".to_string(),
                "* ban 4: \\x1b[2J\\u{202e}x (address 192.0.2.9) may not come in; /unban 4 lifts it"
                    .to_string(),
                "* bo is muted: it reads but cannot speak".to_string(),
            ],
            "used up and expired ones are not said to be revoked"
        );
        assert!(change_lines(&after, &after, 1000).is_empty());
        assert_eq!(
            change_lines(&after, &DoorView::default(), 1000),
            vec![
                "* ban 4 lifted: \\x1b[2J\\u{202e}x may come in again".to_string(),
                "* bo may speak again".to_string(),
            ]
        );
    }

    #[test]
    fn invites_and_bans_are_listed() {
        let view = DoorView {
            invitations: vec![
                InvitationView {
                    id: 1,
                    uses_left: Some(1),
                    expires_ms: None,
                },
                InvitationView {
                    id: 2,
                    uses_left: None,
                    expires_ms: Some(1000),
                },
                InvitationView {
                    id: 3,
                    uses_left: Some(0),
                    expires_ms: None,
                },
            ],
            bans: vec![
                BanView {
                    id: 7,
                    nick: HOSTILE.into(),
                    target: BanTarget::Key([2; 32]),
                    reason: HOSTILE.into(),
                },
                BanView {
                    id: 8,
                    nick: "plain".into(),
                    target: BanTarget::address("2001:db8::1".parse().unwrap()),
                    reason: String::new(),
                },
            ],
            ..DoorView::default()
        };
        assert_eq!(
            invitations_lines(&view, 2000),
            vec![
                "* invitations (3), /revoke ID ends one:",
                "*   1  1 use left, never expires",
                "*   2  any number of uses, expired",
                "*   3  used up, never expires",
            ]
        );
        let bans = bans_lines(&view);
        visible(&bans);
        assert_eq!(bans[0], "* bans (2), /unban ID lifts one:");
        assert!(
            bans[1].contains(&format!("key with safety code {}", safety_code(&[2; 32]))),
            "{bans:?}"
        );
        assert!(bans[1].contains("reason: \\x1b[2J"), "{bans:?}");
        assert_eq!(bans[2], "*   8  plain  address 2001:db8::/64");
        assert_eq!(
            invitations_lines(&DoorView::default(), 0),
            vec!["* no invitations (/invite makes one)"]
        );
        assert_eq!(bans_lines(&DoorView::default()), vec!["* nobody is banned"]);
    }
}
