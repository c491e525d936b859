//! The words of the notices that more than one place says: the host's
//! plain-text lines ([`crate::net::protocol`]), the terminal
//! ([`crate::headless`]) and the window ([`crate::ui`]) tell joins, leaves,
//! renames and who is in the room with these functions, so that they say
//! it alike and a change of wording is made once.
//!
//! Each function takes names as they will be shown (made safe by the
//! caller) and returns the notice without any marker (`* ` is the
//! terminal's).
//!
//! The functions that return a `String` say it in English: that is what
//! goes over the wire to plain-text members (a room's members read
//! different languages). The `*_msg` ones say the same as a message
//! ([`Msg`]) for the terminal and the window to put into their language.

use std::fmt::Write as _;

use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::net::frame::LeaveReason;

/// What a host tells its members when it closes the room (in English, as
/// everything sent to members); a member says it in its own language.
pub const HOST_CLOSED: &str = "the host closed the room";

/// Why the room closed, as a host's closing frame says it (`reason`, its
/// words): the usual words in the reader's language, others as they are.
#[must_use]
pub fn closing_msg(reason: String) -> Msg {
    if reason == HOST_CLOSED {
        msg!("net-end-host-closed")
    } else {
        said_msg(reason)
    }
}

/// Someone came into the room, or went and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Joined the room.
    Joined,
    /// Left the room, for this reason.
    Left(LeaveReason),
}

impl Presence {
    /// The notice for `who` (one name, or several already listed, in
    /// words of their own) as a message: `ana joined`, `ana left`, `ana
    /// left (too slow to keep up)`.
    #[must_use]
    pub fn msg(self, who: impl Into<Arg>) -> Msg {
        match self {
            Self::Joined => msg!("net-joined", who = who),
            Self::Left(LeaveReason::Left) => msg!("net-left", who = who),
            Self::Left(reason) => msg!("net-left-why", who = who, why = reason_msg(reason)),
        }
    }
}

/// `ana joined`.
#[must_use]
pub fn joined(who: &str) -> String {
    format!("{who} joined")
}

/// `ana left`, with the reason unless it is the ordinary one: `ana left
/// (too slow to keep up)`.
#[must_use]
pub fn left(who: &str, reason: LeaveReason) -> String {
    if reason == LeaveReason::Left {
        format!("{who} left")
    } else {
        format!("{who} left ({})", reason.describe())
    }
}

/// `ana is now known as bo`.
#[must_use]
pub fn renamed(old: &str, new: &str) -> String {
    format!("{old} is now known as {new}")
}

/// `someone asked for the name ana, which is kept for the key that had it
/// here: they are ana-2` (said to the room: members read it in English).
#[must_use]
pub fn name_kept_msg(asked: &str, given: &str) -> Msg {
    msg!("net-name-kept", asked = asked, given = given)
}

/// [`joined`] as a message.
#[must_use]
pub fn joined_msg(who: &str) -> Msg {
    Presence::Joined.msg(who)
}

/// [`left`] as a message.
#[must_use]
pub fn left_msg(who: &str, reason: LeaveReason) -> Msg {
    Presence::Left(reason).msg(who)
}

/// [`LeaveReason::describe`] as a message.
#[must_use]
pub fn reason_msg(reason: LeaveReason) -> Msg {
    match reason {
        LeaveReason::Left => msg!("net-reason-left"),
        LeaveReason::ConnectionLost => msg!("net-reason-connection-lost"),
        LeaveReason::TooSlow => msg!("net-reason-too-slow"),
        LeaveReason::ProtocolError => msg!("net-reason-protocol-error"),
        LeaveReason::RoomClosed => msg!("net-reason-room-closed"),
        LeaveReason::Removed => msg!("net-reason-removed"),
        LeaveReason::Other => msg!("net-reason-other"),
    }
}

/// [`renamed`] as a message.
#[must_use]
pub fn renamed_msg(old: &str, new: &str) -> Msg {
    msg!("net-renamed", old = old, new = new)
}

/// Words as someone said them (the host's notice, an error a peer
/// reported), as a message: the same in every language.
#[must_use]
pub fn said_msg(text: impl Into<String>) -> Msg {
    msg!("net-said", text = text.into())
}

/// `Disconnected: reason`, as the window says it.
#[must_use]
pub fn disconnected_msg(reason: impl Into<Arg>) -> Msg {
    msg!("net-disconnected", reason = reason)
}

/// [`some_names`] as a message: the names listed as the language lists
/// them.
#[must_use]
pub fn some_names_msg<'a>(names: impl Iterator<Item = &'a str>, total: u64, shown: usize) -> Msg {
    let names: Vec<String> = names.take(shown).map(str::to_owned).collect();
    let more = total.saturating_sub(names.len() as u64);
    let list = Arg::List(names);
    if more > 0 {
        msg!("net-names-more", names = list, more = more)
    } else {
        msg!("net-names-list", names = list)
    }
}

/// `a, b, c and 4 others` for at most `shown` of `total` names.
#[must_use]
pub fn some_names<'a>(names: impl Iterator<Item = &'a str>, total: u64, shown: usize) -> String {
    let mut text = String::new();
    let mut count = 0u64;
    for name in names.take(shown) {
        if count > 0 {
            text.push_str(", ");
        }
        text.push_str(name);
        count += 1;
    }
    if total > count {
        let _ = write!(text, " and {} others", total - count);
    }
    text
}

/// How many names a joined/left summary spells out.
const SUMMARY_NAMES: usize = 5;

/// `3 joined (a, b, c); 7 left (d, e, f, g, h and 2 others)`: joins and
/// leaves told together in one plain line.
pub fn members_changed<'a>(
    joined: impl ExactSizeIterator<Item = &'a str>,
    left: impl ExactSizeIterator<Item = &'a str>,
) -> String {
    fn part<'a>(what: &str, names: impl ExactSizeIterator<Item = &'a str>) -> Option<String> {
        let n = names.len();
        (n > 0).then(|| {
            format!(
                "{n} {what} ({})",
                some_names(names, n as u64, SUMMARY_NAMES)
            )
        })
    }
    let parts: Vec<String> = [part("joined", joined), part("left", left)]
        .into_iter()
        .flatten()
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_as_before() {
        assert_eq!(joined("ana"), "ana joined");
        assert_eq!(left("ana", LeaveReason::Left), "ana left");
        assert_eq!(
            left("bo and cy", LeaveReason::TooSlow),
            "bo and cy left (too slow to keep up)"
        );
        let en = |m: Msg| m.text_in(crate::i18n::Lang::En);
        assert_eq!(en(Presence::Joined.msg("a, b")), "a, b joined");
        assert_eq!(
            en(Presence::Left(LeaveReason::ConnectionLost).msg("a")),
            "a left (connection lost)"
        );
        assert_eq!(renamed("ana", "bo"), "ana is now known as bo");
        assert_eq!(en(disconnected_msg("gone")), "Disconnected: gone");
    }

    /// The messages say in English what the English functions say, and
    /// something else in Chinese.
    #[test]
    fn messages_say_the_same_in_english() {
        use crate::i18n::Lang;
        let en = |m: Msg| m.text_in(Lang::En);
        assert_eq!(en(joined_msg("ana")), joined("ana"));
        for reason in [
            LeaveReason::Left,
            LeaveReason::ConnectionLost,
            LeaveReason::TooSlow,
            LeaveReason::ProtocolError,
            LeaveReason::RoomClosed,
            LeaveReason::Removed,
            LeaveReason::Other,
        ] {
            assert_eq!(en(left_msg("ana", reason)), left("ana", reason));
            assert_eq!(en(reason_msg(reason)), reason.describe());
        }
        assert_eq!(en(renamed_msg("ana", "bo")), renamed("ana", "bo"));
        let names = ["a", "b", "c"];
        for (total, shown) in [(3, 5), (9, 2), (3, 3)] {
            assert_eq!(
                en(some_names_msg(names.into_iter(), total, shown)),
                some_names(names.into_iter(), total, shown)
            );
        }
        let zh = some_names_msg(names.into_iter(), 9, 2).text_in(Lang::ZhCn);
        assert_eq!(zh, "a、b 以及另外 7 人");
        let zh = left_msg("ana", LeaveReason::TooSlow).text_in(Lang::ZhCn);
        assert_eq!(zh, "ana 离开了（太慢，跟不上）");
    }

    #[test]
    fn name_lists_say_how_many_more() {
        let names = ["a", "b", "c"];
        assert_eq!(some_names(names.into_iter(), 3, 5), "a, b, c");
        assert_eq!(some_names(names.into_iter(), 9, 2), "a, b and 7 others");
        assert_eq!(
            members_changed(["a", "b"].into_iter(), std::iter::empty()),
            "2 joined (a, b)"
        );
        let many: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
        assert_eq!(
            members_changed(["a"].into_iter(), many.iter().map(String::as_str)),
            "1 joined (a); 7 left (m0, m1, m2, m3, m4 and 2 others)"
        );
    }

    /// A peer's words inside a message are a value, never a pattern: Fluent
    /// syntax and other messages' ids in them stay as they are, and the
    /// text is the template's words and theirs, nothing more.
    #[test]
    fn peer_words_are_values_not_patterns() {
        use crate::i18n::Lang;
        let hostile = "{ $message } { net-said } { -brand } {\"x\"} { NUMBER(1) } net-joined";
        for lang in Lang::ALL {
            assert_eq!(said_msg(hostile).text_in(lang), hostile);
            let says = msg!("net-host-says", message = hostile).text_in(lang);
            assert!(says.ends_with(hostile), "{says}");
            let big = "x".repeat(64 * 1024);
            let text = msg!("net-host-says", message = big.as_str()).text_in(lang);
            assert!(text.len() <= big.len() + 64, "{}", text.len());
        }
    }
}
