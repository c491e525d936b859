//! Putting someone out (issue 20): `/kick`, `/ban`, `/unban`, `/mute` and
//! `/unmute`, from the host only (a member's `/kick` is refused where its
//! line is read, see [`crate::net::protocol`]).
//!
//! A member is put out like a replaced connection: it is taken out of the
//! member list and cut off the feed in one step, so it hears nothing the
//! room says after; its connection is told the host's words
//! ([`CutReason::Removed`]) and closed. Everyone else is told "NICK was
//! removed by the host (REASON)". A ban also shuts the door on the
//! member's key (on its address, by /64 for IPv6, when it has none), and
//! every connection of that key goes.
//!
//! A muted member (by key, or address without one) may read but not
//! speak: what it says is refused to it, and is not stored, said or
//! acknowledged. Bans and mutes are stored with the history.

use std::collections::HashSet;
use std::sync::Arc;

use crate::i18n::Msg;
use crate::msg;
use crate::net::command::DoorCommand;
use crate::net::door::BanTarget;
use crate::net::event::{MutedView, NetEvent};
use crate::net::feed::CutReason;
use crate::net::frame::{ErrorCode, LeaveReason, ServerFrame};
use crate::net::lines::sanitize_str;
use crate::net::nick;
use crate::net::protocol::{FrameError, clip};
use crate::net::safe_text::Newlines;
use crate::net::store::{DoorChange, DoorState, MAX_MUTES, Mute};

use super::{HOST_ID, Item, ItemKind, RoomState, Said, Saying};

/// The longest reason the host may give for a kick or a ban, in bytes:
/// it goes into one notice line to every member.
pub(crate) const MAX_REASON_BYTES: usize = 300;

/// What a muted member is told for each message it sends.
pub(crate) const MUTED: &str = "you are muted: you can read but not speak";

/// The mutes: in the order they were made (for the host's list), and as a
/// set (each message's sender is looked up in it).
#[derive(Debug, Default)]
pub(super) struct Mutes {
    list: Vec<Mute>,
    targets: HashSet<BanTarget>,
}

impl Mutes {
    /// Mutes `mute.target` (an earlier mute of it takes the new
    /// nickname); past [`MAX_MUTES`], the oldest goes, as in the store.
    fn add(&mut self, mute: Mute) {
        if self.targets.contains(&mute.target) {
            self.list.retain(|m| m.target != mute.target);
        } else if self.list.len() >= MAX_MUTES {
            let oldest = self.list.remove(0);
            self.targets.remove(&oldest.target);
        }
        self.targets.insert(mute.target);
        self.list.push(mute);
    }

    /// Lifts the mute on `target`; whether there was one.
    fn remove(&mut self, target: &BanTarget) -> bool {
        self.list.retain(|m| m.target != *target);
        self.targets.remove(target)
    }

    /// Whether `target` is muted.
    fn contains(&self, target: &BanTarget) -> bool {
        self.targets.contains(target)
    }

    /// The target of the latest mute of a member named `nick`.
    fn named(&self, nick: &str) -> Option<BanTarget> {
        let wanted = nick::key(nick);
        self.list
            .iter()
            .rev()
            .find(|m| nick::key(&m.nick) == wanted)
            .map(|m| m.target)
    }
}

/// Why the host's command names no member it can put out or mute (one
/// line, for the host).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum NoMember {
    /// Nobody by that name (made safe to show).
    #[error("no member named {0}")]
    Unknown(String),
    /// The host's own name.
    #[error("the host cannot remove or mute itself")]
    Host,
}

impl NoMember {
    /// The error as a message, for the host's window or terminal.
    fn msg(&self) -> Msg {
        match self {
            Self::Unknown(nick) => msg!("net-no-member", nick = nick),
            Self::Host => msg!("net-host-cannot-remove-itself"),
        }
    }
}

/// How the host puts a member out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    /// Out, free to come back.
    Kick,
    /// Out, and the door shut on its key (or address).
    Ban,
}

impl Removal {
    /// What the member is told, and what the room is told about `nick`.
    fn words(self, nick: &str, reason: &str) -> (String, Msg) {
        let why = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        match self {
            Self::Kick => (
                format!("you were removed by the host{why}"),
                if reason.is_empty() {
                    msg!("net-removed", nick = nick)
                } else {
                    msg!("net-removed-why", nick = nick, why = reason)
                },
            ),
            Self::Ban => (
                format!("you were banned from this room by the host{why}"),
                if reason.is_empty() {
                    msg!("net-banned", nick = nick)
                } else {
                    msg!("net-banned-why", nick = nick, why = reason)
                },
            ),
        }
    }
}

/// The host's reason as the room says it: one line of visible
/// characters, at most [`MAX_REASON_BYTES`].
fn reason_text(reason: &str) -> String {
    let safe = sanitize_str(reason.trim(), Newlines::Escape);
    clip(&safe, MAX_REASON_BYTES).to_string()
}

impl RoomState {
    /// Takes the mutes the store kept.
    pub(super) fn restore_moderation(&mut self, state: &DoorState) {
        for mute in &state.mutes {
            self.mutes.add(mute.clone());
        }
    }

    /// `/kick`, `/ban`, `/unban`, `/mute`, `/unmute`.
    pub(super) fn moderate(&mut self, command: DoorCommand) {
        match command {
            DoorCommand::Kick { nick, reason } => self.put_out(&nick, &reason, Removal::Kick),
            DoorCommand::Ban { nick, reason } => self.put_out(&nick, &reason, Removal::Ban),
            DoorCommand::Unban(id) => self.unban(id),
            DoorCommand::Mute(nick) => self.mute(&nick),
            DoorCommand::Unmute(nick) => self.unmute(&nick),
            other => tracing::debug!(?other, "not a moderation command"),
        }
    }

    /// The muted members.
    pub(super) fn muted_view(&self) -> Vec<MutedView> {
        self.mutes
            .list
            .iter()
            .map(|m| MutedView {
                nick: m.nick.clone(),
                target: m.target,
            })
            .collect()
    }

    /// Whether member `id` is muted (the host never is).
    pub(super) fn is_muted(&self, id: u64) -> bool {
        id != HOST_ID
            && !self.mutes.targets.is_empty()
            && self.target_of(id).is_some_and(|t| self.mutes.contains(&t))
    }

    /// Tells member `id`, alone, that it is muted, if it is: a muted
    /// member that comes back knows before it speaks.
    pub(super) fn remind_if_muted(&mut self, id: u64) {
        if self.is_muted(id) {
            self.tell(id, MUTED);
        }
    }

    /// Refuses what a muted member said, to it alone: nothing is stored,
    /// said or acknowledged.
    pub(super) fn refuse_muted(&mut self, from: u64, messages: Vec<Saying>) {
        let said = messages
            .into_iter()
            .map(|m| Said {
                client_id: m.client_id,
                seq: 0,
                ts: 0,
                text: String::new(),
                refused: Some(FrameError::new(ErrorCode::Muted, MUTED)),
            })
            .collect();
        self.publish(Item {
            from,
            kind: ItemKind::Msgs(said),
            json: Vec::new(),
            plain: Vec::new(),
        });
    }

    /// What a ban or a mute of member `id` is on: its key, or its address
    /// (by /64 for IPv6) when it has no key. `None` when neither is known.
    fn target_of(&self, id: u64) -> Option<BanTarget> {
        match self.members.get(&id)?.key {
            Some(key) => Some(BanTarget::Key(key)),
            None => self.addrs.get(&id).map(|ip| BanTarget::address(*ip)),
        }
    }

    /// The member (not the host) named `nick`, or why there is none.
    fn member_named(&self, nick: &str) -> Result<u64, NoMember> {
        match self.nicks.get(&nick::key(nick)).copied() {
            None => Err(NoMember::Unknown(reason_text(nick))),
            Some(HOST_ID) => Err(NoMember::Host),
            Some(id) => Ok(id),
        }
    }

    /// Kicks or bans the member named `nick`.
    fn put_out(&mut self, nick: &str, reason: &str, how: Removal) {
        let id = match self.member_named(nick) {
            Ok(id) => id,
            Err(why) => return self.events.emit(NetEvent::Notice(why.msg())),
        };
        let reason = reason_text(reason);
        let mut out = vec![id];
        if how == Removal::Ban {
            let name = self.members.get(&id).map(|m| m.nick.clone());
            let (Some(target), Some(name)) = (self.target_of(id), name) else {
                return self.events.emit(NetEvent::Notice(msg!(
                    "net-cannot-ban",
                    nick = reason_text(nick)
                )));
            };
            let ban_id = self.door.ban(target, &name, &reason);
            if let Some(ban) = self.door.bans().iter().find(|b| b.id == ban_id).cloned() {
                self.record_door(&[DoorChange::Banned(&ban)]);
            }
            self.send_away_banned();
            // Every connection of the key (or of the address, without one).
            out.extend(
                self.members
                    .keys()
                    .copied()
                    .filter(|m| *m != id && self.target_of(*m) == Some(target)),
            );
        }
        for id in out {
            let Some(name) = self.members.get(&id).map(|m| m.nick.clone()) else {
                continue;
            };
            let (to_member, to_room) = how.words(&name, &reason);
            self.leave_saying(
                id,
                LeaveReason::Removed,
                CutReason::Removed(Arc::from(to_member)),
                Some(to_room),
            );
        }
    }

    /// Lifts ban `id`.
    fn unban(&mut self, id: u32) {
        let Some(ban) = self.door.unban(id) else {
            return self
                .events
                .emit(NetEvent::Notice(msg!("net-no-ban", id = id)));
        };
        // The host sees it go from the door it is shown next.
        tracing::debug!(id, nick = ban.nick, "ban lifted");
        self.record_door(&[DoorChange::Unbanned { id }]);
    }

    /// Mutes the member named `nick` (by its key, or its address).
    fn mute(&mut self, nick: &str) {
        let id = match self.member_named(nick) {
            Ok(id) => id,
            Err(why) => return self.events.emit(NetEvent::Notice(why.msg())),
        };
        let (Some(target), Some(name)) = (
            self.target_of(id),
            self.members.get(&id).map(|m| m.nick.clone()),
        ) else {
            return self.events.emit(NetEvent::Notice(msg!(
                "net-cannot-mute",
                nick = reason_text(nick)
            )));
        };
        // The host sees the mute in the door it is shown next; the member
        // is told alone.
        let mute = Mute { target, nick: name };
        self.record_door(&[DoorChange::Muted(&mute)]);
        self.mutes.add(mute);
        self.tell_covered(target, "the host muted you: you can read but not speak");
    }

    /// Lets the member named `nick` speak again: a member in the room by
    /// that name, or one muted under it.
    fn unmute(&mut self, nick: &str) {
        let target = match self.member_named(nick) {
            Ok(id) => self.target_of(id),
            Err(_) => self.mutes.named(nick),
        };
        let Some(target) = target.filter(|t| self.mutes.contains(t)) else {
            return self.events.emit(NetEvent::Notice(msg!(
                "net-not-muted",
                nick = reason_text(nick)
            )));
        };
        self.mutes.remove(&target);
        self.record_door(&[DoorChange::Unmuted(target)]);
        self.tell_covered(target, "the host unmuted you: you can speak again");
    }

    /// Tells every member whose key (or address) is `target`, and nobody
    /// else, `text`.
    fn tell_covered(&mut self, target: BanTarget, text: &str) {
        let covered: Vec<u64> = self
            .members
            .keys()
            .copied()
            .filter(|id| *id != HOST_ID && self.target_of(*id) == Some(target))
            .collect();
        for id in covered {
            self.tell(id, text);
        }
    }

    /// Tells member `id`, and nobody else, `text`.
    fn tell(&mut self, id: u64, text: &str) {
        self.publish(Item::of(
            id,
            ItemKind::Private,
            &ServerFrame::Notice {
                text: text.to_string(),
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::super::{Batch, Proof, Returning, Room, Welcome};
    use super::*;
    use crate::net::feed::{Next, Reader};
    use crate::net::protocol::{Dialect, decode_server};
    use crate::net::room::testing;
    use crate::net::sink::EventSink;

    const ANA: [u8; 32] = [0xa1; 32];

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A room whose history is in `file` (in memory without one), and
    /// what its host is told.
    fn room(
        file: Option<&std::path::Path>,
    ) -> (Room, crossbeam_channel::Receiver<crate::net::SessionEvent>) {
        let (sink, events) = EventSink::for_tests();
        let store = testing::store(file);
        (
            testing::room(sink, store, crate::net::DoorConfig::open()).0,
            events,
        )
    }

    /// `nick` joins from `addr`, with `key` (or none) and its own token.
    async fn join(
        room: &Room,
        nick: &str,
        dialect: Dialect,
        key: Option<[u8; 32]>,
        addr: &str,
    ) -> Welcome {
        let proof = key.map(|key| Proof {
            key,
            identity: None,
        });
        let returning = Returning {
            client: Some(Arc::from(format!("token-{nick}-{}", rand_suffix()))),
            resume: None,
            addr: Some(ip(addr)),
        };
        room.join(Some(nick.into()), dialect, proof, returning)
            .await
            .unwrap()
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    fn say(text: &str, id: &str) -> Saying {
        Saying {
            text: text.into(),
            client_id: Some(id.into()),
            client: None,
        }
    }

    /// Waits until the room has done everything asked of it so far.
    async fn settled(room: &Room) {
        room.roster(HOST_ID, None).await.unwrap();
    }

    /// What `me` got of one batch, in `dialect`.
    fn rendered(batch: &Batch, me: u64, dialect: Dialect) -> String {
        let mut out = Vec::new();
        for item in &batch.0 {
            item.render_for(me, dialect, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    /// What `w` hears (as plain text, or JSON lines) until `until` is in
    /// it, or its feed ends.
    async fn hear_until(
        w: &mut Welcome,
        dialect: Dialect,
        until: &str,
    ) -> (String, Option<Next<Batch>>) {
        let mut heard = String::new();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), w.items.next())
                .await
                .unwrap_or_else(|_| panic!("nothing more came; heard {heard:?}"));
            match next {
                Next::Batch(b) => heard.push_str(&rendered(&b, w.id, dialect)),
                end => return (heard, Some(end)),
            }
            if heard.contains(until) {
                return (heard, None);
            }
        }
    }

    async fn to_the_end(items: &mut Reader<Batch>, me: u64) -> (String, Next<Batch>) {
        let mut heard = String::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(10), items.next())
                .await
                .unwrap()
            {
                Next::Batch(b) => heard.push_str(&rendered(&b, me, Dialect::Plain)),
                end => return (heard, end),
            }
        }
    }

    /// What the host was told since last asked.
    fn drain(events: &crossbeam_channel::Receiver<crate::net::SessionEvent>) -> Vec<NetEvent> {
        events.try_iter().map(|e| e.event).collect()
    }

    /// The notices among `seen`.
    fn notices(seen: &[NetEvent]) -> Vec<String> {
        seen.iter()
            .filter_map(|e| match e {
                NetEvent::Notice(n) => Some(n.text_in(crate::i18n::Lang::En)),
                _ => None,
            })
            .collect()
    }

    /// The last door shown among `seen`.
    fn last_door(seen: &[NetEvent]) -> crate::net::event::DoorView {
        seen.iter()
            .rev()
            .find_map(|e| match e {
                NetEvent::Door(d) => Some((**d).clone()),
                _ => None,
            })
            .expect("the door was shown")
    }

    #[test]
    fn a_reason_is_one_visible_line_of_bounded_size() {
        assert_eq!(reason_text("  spam\n\u{202e}x "), "spam\\n\\u{202e}x");
        let long = reason_text(&"é".repeat(1000));
        assert!(long.len() <= MAX_REASON_BYTES && long.len() > MAX_REASON_BYTES - 2);
        let (member, room) = Removal::Kick.words("ana", "");
        let room = room.text_in(crate::i18n::Lang::En);
        assert_eq!(
            (member.as_str(), room.as_str()),
            (
                "you were removed by the host",
                "ana was removed by the host"
            )
        );
    }

    #[tokio::test]
    async fn a_kicked_member_hears_nothing_more_and_everyone_is_told_why() {
        let (room, events) = room(None);
        let mut ana = join(&room, "ana", Dialect::Plain, Some(ANA), "10.0.0.1").await;
        let mut bo = join(&room, "bo", Dialect::Json, None, "10.0.0.2").await;
        let mut cy = join(&room, "cy", Dialect::Plain, None, "10.0.0.3").await;
        room.say(bo.id, vec![say("before", "1")]).await;
        room.door(DoorCommand::Kick {
            nick: "ANA".into(),
            reason: "spam\u{1b}[2J and more".into(),
        })
        .await;
        room.say(bo.id, vec![say("after", "2")]).await;
        let (heard, end) = to_the_end(&mut ana.items, ana.id).await;
        assert!(heard.contains("<bo> before"), "{heard}");
        assert!(!heard.contains("after"), "{heard}");
        let why = "you were removed by the host (spam\\x1b[2J and more)";
        assert!(
            matches!(&end, Next::Cut(CutReason::Removed(w)) if &**w == why),
            "{end:?}"
        );
        // A plain member gets one line, a tlschat/1 member the leave and
        // the line.
        let said = "ana was removed by the host (spam\\x1b[2J and more)";
        let (plain, _) = hear_until(&mut cy, Dialect::Plain, "<bo> after").await;
        assert!(plain.contains(&format!("* {said}\n<bo> after")), "{plain}");
        assert!(!plain.contains("ana left"), "{plain}");
        let (json, _) = hear_until(&mut bo, Dialect::Json, "\"text\":\"after\"").await;
        let frames: Vec<ServerFrame> = json
            .lines()
            .map(|l| decode_server(l.as_bytes(), Dialect::Json).unwrap())
            .collect();
        assert!(
            frames.iter().any(|f| matches!(f, ServerFrame::Left { member, reason: LeaveReason::Removed } if member.nick == "ana")),
            "{frames:?}"
        );
        assert!(
            frames.contains(&ServerFrame::Notice { text: said.into() }),
            "{frames:?}"
        );
        // Its place is free: it may come back (a kick is not a ban).
        settled(&room).await;
        assert!(notices(&drain(&events)).contains(&said.to_string()));
        let again = join(&room, "ana", Dialect::Plain, Some(ANA), "10.0.0.1").await;
        room.door(DoorCommand::Kick {
            nick: "ana".into(),
            reason: "  ".into(),
        })
        .await;
        let mut again = again;
        let (_, end) = to_the_end(&mut again.items, again.id).await;
        assert!(
            matches!(&end, Next::Cut(CutReason::Removed(w)) if &**w == "you were removed by the host"),
            "{end:?}"
        );
        // Nobody by that name, and never the host.
        room.door(DoorCommand::Kick {
            nick: "zed".into(),
            reason: String::new(),
        })
        .await;
        room.door(DoorCommand::Ban {
            nick: "hana".into(),
            reason: String::new(),
        })
        .await;
        settled(&room).await;
        let told = notices(&drain(&events));
        assert!(
            told.contains(&"no member named zed".to_string()),
            "{told:?}"
        );
        assert!(
            told.contains(&"the host cannot remove or mute itself".to_string()),
            "{told:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn in_a_big_room_the_removal_comes_with_the_gathered_leaves() {
        let (room, _events) = room(None);
        let mut watcher = join(&room, "watcher", Dialect::Json, None, "10.0.0.1").await;
        let mut plain = join(&room, "plain", Dialect::Plain, None, "10.0.0.2").await;
        for i in 0..super::super::BIG_ROOM {
            join(&room, &format!("m{i}"), Dialect::Json, None, "10.0.0.3").await;
        }
        room.door(DoorCommand::Kick {
            nick: "m7".into(),
            reason: "enough".into(),
        })
        .await;
        let said = "m7 was removed by the host (enough)";
        let (heard, _) = hear_until(&mut plain, Dialect::Plain, said).await;
        assert!(heard.ends_with(&format!("* {said}\n")), "{heard}");
        let (json, _) = hear_until(&mut watcher, Dialect::Json, said).await;
        let frames: Vec<ServerFrame> = json
            .lines()
            .map(|l| decode_server(l.as_bytes(), Dialect::Json).unwrap())
            .collect();
        let left = frames.iter().find_map(|f| match f {
            ServerFrame::MembersChanged { left, .. } if !left.is_empty() => Some(left.clone()),
            _ => None,
        });
        let left = left.unwrap_or_else(|| panic!("{frames:?}"));
        assert_eq!(left.len(), 1);
        assert_eq!(
            (left[0].member.nick.as_str(), left[0].reason),
            ("m7", LeaveReason::Removed)
        );
    }

    #[tokio::test]
    async fn a_ban_takes_every_connection_of_the_key_out_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let (room1, events) = room(Some(&file));
        let mut ana = join(&room1, "ana", Dialect::Json, Some(ANA), "10.0.0.1").await;
        let mut ana2 = join(&room1, "anna", Dialect::Json, Some(ANA), "10.0.0.9").await;
        let mut plain = join(&room1, "guest", Dialect::Plain, None, "2001:db8::1").await;
        let mut bo = join(&room1, "bo", Dialect::Plain, None, "2001:db8::1").await;
        room1
            .door(DoorCommand::Ban {
                nick: "ana".into(),
                reason: "rude".into(),
            })
            .await;
        for w in [&mut ana, &mut ana2] {
            let (_, end) = to_the_end(&mut w.items, w.id).await;
            let why = "you were banned from this room by the host (rude)";
            assert!(
                matches!(&end, Next::Cut(CutReason::Removed(w)) if &**w == why),
                "{end:?}"
            );
        }
        let (heard, _) = hear_until(&mut bo, Dialect::Plain, "anna was banned").await;
        assert!(
            heard.contains("* ana was banned by the host (rude)\n"),
            "{heard}"
        );
        // A member without a key is banned by its address (its /64): the
        // other members at that address go with it.
        room1
            .door(DoorCommand::Ban {
                nick: "guest".into(),
                reason: String::new(),
            })
            .await;
        for w in [&mut plain, &mut bo] {
            let (_, end) = to_the_end(&mut w.items, w.id).await;
            assert!(matches!(end, Next::Cut(CutReason::Removed(_))), "{end:?}");
        }
        settled(&room1).await;
        let door = last_door(&drain(&events));
        let targets: Vec<_> = door
            .bans
            .iter()
            .map(|b| (b.target, b.reason.as_str()))
            .collect();
        assert_eq!(
            targets,
            [
                (BanTarget::Key(ANA), "rude"),
                (BanTarget::address(ip("2001:db8::ffff")), "")
            ]
        );
        let first = door.bans[0].id;
        room1.close("restart".into()).await;
        drop(room1);

        // After a restart the bans are still there; lifting one is kept too.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (room2, events) = room(Some(&file));
        room2.door(DoorCommand::Unban(first)).await;
        room2.door(DoorCommand::Unban(9999)).await;
        settled(&room2).await;
        let seen = drain(&events);
        assert_eq!(notices(&seen), ["there is no ban 9999"]);
        let door = last_door(&seen);
        assert_eq!(door.bans.len(), 1);
        assert_eq!(door.bans[0].target, BanTarget::address(ip("2001:db8::2")));
    }

    #[tokio::test]
    async fn a_muted_member_reads_but_does_not_speak_until_unmuted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let (room1, events) = room(Some(&file));
        let mut ana = join(&room1, "ana", Dialect::Json, Some(ANA), "10.0.0.1").await;
        let mut bo = join(&room1, "bo", Dialect::Plain, None, "10.0.0.2").await;
        room1.door(DoorCommand::Mute("ana".into())).await;
        room1.say(ana.id, vec![say("let me speak", "7")]).await;
        room1.say(bo.id, vec![say("hello ana", "1")]).await;
        let (heard, _) = hear_until(&mut ana, Dialect::Json, "hello ana").await;
        let frames: Vec<ServerFrame> = heard
            .lines()
            .map(|l| decode_server(l.as_bytes(), Dialect::Json).unwrap())
            .collect();
        assert!(
            frames.contains(&ServerFrame::Notice {
                text: "the host muted you: you can read but not speak".into()
            }),
            "{frames:?}"
        );
        assert!(
            frames.contains(&ServerFrame::Error {
                code: ErrorCode::Muted,
                message: MUTED.into(),
                id: Some("7".into()),
            }),
            "{frames:?}"
        );
        assert!(
            !frames.iter().any(|f| matches!(f, ServerFrame::Ack { .. })),
            "{frames:?}"
        );
        // Others get nothing of it (not even the notice to ana).
        room1.say(HOST_ID, vec![say("and the host", "3")]).await;
        let (heard, _) = hear_until(&mut bo, Dialect::Plain, "and the host").await;
        assert!(!heard.contains("speak"), "{heard}");
        settled(&room1).await;
        let seen = drain(&events);
        let muted = last_door(&seen).muted;
        assert_eq!(muted.len(), 1);
        assert_eq!(
            (muted[0].nick.as_str(), muted[0].target),
            ("ana", BanTarget::Key(ANA))
        );
        room1.close("restart".into()).await;
        drop(room1);

        // Stored: after a restart, and on another connection, still muted.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (room2, events) = room(Some(&file));
        let mut ana = join(&room2, "ana", Dialect::Plain, Some(ANA), "10.0.0.5").await;
        // Told as it comes, before it speaks (nobody else is).
        let (heard, _) = hear_until(&mut ana, Dialect::Plain, MUTED).await;
        assert_eq!(heard, format!("* {MUTED}\n"));
        let mut bo = join(&room2, "bo", Dialect::Plain, None, "10.0.0.2").await;
        room2.say(ana.id, vec![say("still?", "8")]).await;
        room2.say(bo.id, vec![say("yes", "2")]).await;
        let (heard, _) = hear_until(&mut ana, Dialect::Plain, "<bo> yes").await;
        assert!(heard.contains(MUTED), "{heard}");
        room2.door(DoorCommand::Unmute("ana".into())).await;
        room2.say(ana.id, vec![say("thanks", "9")]).await;
        let (heard, _) = hear_until(&mut bo, Dialect::Plain, "<ana> thanks").await;
        assert!(!heard.contains("still?"), "{heard}");
        let (heard, _) = hear_until(&mut ana, Dialect::Plain, "speak again").await;
        assert!(heard.contains("the host unmuted you"), "{heard}");
        settled(&room2).await;
        let seen = drain(&events);
        assert!(last_door(&seen).muted.is_empty());
        assert!(notices(&seen).is_empty(), "{seen:?}");
        room2.door(DoorCommand::Unmute("ana".into())).await;
        room2.door(DoorCommand::Mute("zed".into())).await;
        settled(&room2).await;
        let told = notices(&drain(&events));
        assert_eq!(told, ["ana is not muted", "no member named zed"]);
    }
}
