//! Who comes in (issue 20), inside the room task. Every newcomer is put to
//! the [`Door`](crate::net::door::Door) before anything of the room (its
//! history, its members' names, its id, its count) is given to it:
//! - admitted, it joins, and a key new to the room is stored as one of its
//!   members (with the name it took, which is then kept for it);
//! - refused, it is told only why;
//! - under `--access knock` an unknown key waits in the lobby (at most
//!   [`MAX_KNOCKING`] at once) until the host lets it in or sends it away;
//!   its connection gives up after `--knock-wait`.
//!
//! The host's invitations are made here too (`/invite`, `/revoke`): the
//! door keeps their hashes, the host is handed the links with the code.
//! Under `--history-visibility joined` a member is given only what was
//! said after its key was first admitted (a member without a key: after it
//! came in), its resumes included.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::i18n::Msg;
use crate::msg;
use crate::net::command::DoorCommand;
use crate::net::door::{
    self, Caller, Decision, HistoryVisibility, MAX_KNOCKING, MAX_KNOCKING_PER_ADDRESS, Refusal,
};
use crate::net::event::{KnockView, NetEvent};
use crate::net::feed::CutReason;
use crate::net::frame::LeaveReason;
use crate::net::invite::Invite;
use crate::net::nick;
use crate::net::protocol::Dialect;
use crate::net::store::{DoorChange, DoorState};

use super::{Proof, Returning, RoomState, Welcome};

use crate::net::door::START_INVITE_DAYS;
/// An hour in milliseconds.
const HOUR_MS: u64 = 3_600_000;

/// What a knocking member is told while it waits.
pub(crate) const WAITING: &str = "waiting for the host to let you in";

/// Someone at the door: who it says it is, what its handshake proved and
/// what it brought.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    /// The nickname it wants; a guest name when `None`.
    pub nick: Option<String>,
    /// The dialect it speaks.
    pub dialect: Dialect,
    /// What its handshake proved (none for a member without a certificate).
    pub proof: Option<Proof>,
    /// Its client token, where it left off, its address.
    pub returning: Returning,
    /// The invitation code it brought.
    pub invite: Option<String>,
    /// Where it connects from, as the host shows it.
    pub peer: Option<SocketAddr>,
}

impl Arrival {
    /// An arrival with nothing but a name and a dialect (tests).
    #[cfg(test)]
    pub fn named(nick: Option<String>, dialect: Dialect) -> Self {
        Self {
            nick,
            dialect,
            proof: None,
            returning: Returning::default(),
            invite: None,
            peer: None,
        }
    }

    /// The key its handshake proved, if any.
    fn key(&self) -> Option<[u8; 32]> {
        self.proof.as_ref().map(|p| p.key)
    }
}

/// What the door did with an [`Arrival`].
pub(crate) enum Entry {
    /// In: the room's welcome.
    Welcome(Welcome),
    /// Waiting in the lobby for the host.
    Knock(Knock),
    /// Refused, and why (the one line the caller is told).
    Refused(Refusal),
}

/// A place in the lobby.
pub(crate) struct Knock {
    /// Its lobby id (what the host admits or refuses).
    pub id: u64,
    /// How long it may wait (`--knock-wait`).
    pub wait: Duration,
    /// The host's answer: a welcome or a refusal.
    pub decided: oneshot::Receiver<Entry>,
}

/// One caller waiting in the lobby.
struct Knocker {
    arrival: Arrival,
    reply: oneshot::Sender<Entry>,
}

/// What the room knows of a member key it remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    /// The last message stored before it was first admitted.
    since_seq: u64,
    /// The name it used last, as stored.
    nick: Option<String>,
}

/// The room's entry state: the lobby, the remembered members, the links.
#[derive(Default)]
pub(super) struct EntryState {
    /// Who waits, by lobby id.
    lobby: BTreeMap<u64, Knocker>,
    /// The last lobby id given.
    last_knock: u64,
    /// The room's member keys, with where their history begins.
    members: HashMap<[u8; 32], Kept>,
    /// The room's invite links without a code (one per address).
    links: Vec<Invite>,
}

/// Who is at the door, as the door sees `arrival`.
fn caller(arrival: &Arrival) -> Caller<'_> {
    let addr = arrival
        .returning
        .addr
        .or(arrival.peer.map(|p| p.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    Caller {
        key: arrival.key(),
        ca_verified: arrival.proof.as_ref().is_some_and(|p| p.identity.is_some()),
        addr,
        invite: arrival.invite.as_deref(),
    }
}

impl RoomState {
    /// Takes what the store kept for entry: where each member's history
    /// begins, and the names kept for their keys.
    pub(super) fn restore_entry(&mut self, state: &DoorState) {
        for m in &state.members {
            if let Some(name) = &m.nick {
                self.reserved.keep(&nick::key(name), &m.key);
            }
            self.entry.members.insert(
                m.key,
                Kept {
                    since_seq: m.since_seq,
                    nick: m.nick.clone(),
                },
            );
        }
    }

    /// Hands the room its invite links (without a code) and, under
    /// `--access invite`, the code of the reusable invitation the host
    /// made at start, which works for [`START_INVITE_DAYS`].
    pub(super) fn open_door(&mut self, links: Vec<Invite>, start: Option<&str>) {
        self.entry.links = links;
        if let Some(code) = start {
            let now = crate::net::now_ms();
            let expires = now.saturating_add(START_INVITE_DAYS * 24 * HOUR_MS);
            let id = self.door.invite(code, None, Some(expires), now);
            self.record_invitation(id, now);
        }
        self.show_door();
    }

    /// Puts `arrival` to the door: it joins, waits in the lobby or is
    /// refused; `reply` hears which.
    pub(super) fn enter(&mut self, arrival: Arrival, reply: oneshot::Sender<Entry>) {
        let now = crate::net::now_ms();
        match self.door.decide(&caller(&arrival), now) {
            Decision::Admit {
                remember,
                invitation,
            } => {
                if let Some(id) = invitation {
                    self.record_use(id);
                }
                self.admit(arrival, remember, reply);
            }
            Decision::Knock => self.knock(arrival, reply),
            // (The connection logs it, with its address.)
            Decision::Refuse(why) => {
                let _ = reply.send(Entry::Refused(why));
            }
        }
    }

    /// Lets `arrival` in: it joins (`remember`: its key is new to the
    /// room, and is stored as a member's).
    fn admit(&mut self, arrival: Arrival, remember: bool, reply: oneshot::Sender<Entry>) {
        // Everything said so far is stored: a key admitted now, and a
        // member without a key, see nothing said before this point.
        self.flush_said();
        let key = arrival.key();
        if remember && let Some(k) = key {
            self.entry.members.insert(
                k,
                Kept {
                    since_seq: self.seq,
                    nick: None,
                },
            );
        }
        let since = self.visible_after(key.as_ref());
        let Some(welcome) = self.join(arrival, since) else {
            return;
        };
        if let Some(k) = key
            && let Some(name) = self.members.get(&welcome.id).map(|m| m.nick.clone())
        {
            self.remember_name(k, &name, remember);
        }
        // A connection that stopped waiting is not in the room.
        if let Err(Entry::Welcome(w)) = reply.send(Entry::Welcome(welcome)) {
            self.leave(w.id, LeaveReason::ConnectionLost, CutReason::Left);
        }
    }

    /// Where a newcomer with `key` (or none) begins to see the history:
    /// `None` for as far back as it is kept.
    fn visible_after(&self, key: Option<&[u8; 32]>) -> Option<u64> {
        match self.door_config.history {
            HistoryVisibility::All => None,
            HistoryVisibility::Joined => Some(
                key.and_then(|k| self.entry.members.get(k))
                    .map_or(self.seq, |kept| kept.since_seq),
            ),
        }
    }

    /// Stores the name a member key took: with the key when it is `new`
    /// to the room, else only when it changed.
    fn remember_name(&mut self, key: [u8; 32], name: &str, new: bool) {
        let now_ms = crate::net::now_ms();
        if new {
            self.record_door(&[DoorChange::Admitted {
                key,
                nick: name,
                now_ms,
            }]);
        } else if self
            .entry
            .members
            .get(&key)
            .is_none_or(|kept| kept.nick.as_deref() == Some(name))
        {
            return;
        } else {
            self.record_door(&[DoorChange::Renamed { key, nick: name }]);
        }
        if let Some(kept) = self.entry.members.get_mut(&key) {
            kept.nick = Some(name.to_string());
        }
    }

    /// A member with `key` (or none) took the name `name`: stored for a
    /// member key.
    pub(super) fn renamed(&mut self, key: Option<[u8; 32]>, name: &str) {
        if let Some(key) = key {
            self.remember_name(key, name, false);
        }
    }

    /// Puts `arrival` in the lobby (or refuses it when the lobby is full),
    /// and shows the host.
    fn knock(&mut self, arrival: Arrival, reply: oneshot::Sender<Entry>) {
        // Those who stopped waiting leave their place.
        self.entry.lobby.retain(|_, k| !k.reply.is_closed());
        let network = |a: &Arrival| a.peer.map(|p| door::network(p.ip()));
        let here = network(&arrival);
        let from_here = self
            .entry
            .lobby
            .values()
            .filter(|k| here.is_some() && network(&k.arrival) == here)
            .count();
        if self.entry.lobby.len() >= MAX_KNOCKING || from_here >= MAX_KNOCKING_PER_ADDRESS {
            // Nothing changed for the host to see.
            let _ = reply.send(Entry::Refused(Refusal::LobbyFull));
            return;
        }
        self.entry.last_knock += 1;
        let id = self.entry.last_knock;
        let (tx, rx) = oneshot::channel();
        let knock = Knock {
            id,
            wait: self.door_config.knock_wait,
            decided: rx,
        };
        if reply.send(Entry::Knock(knock)).is_ok() {
            self.entry.lobby.insert(id, Knocker { arrival, reply: tx });
            self.show_door();
        }
    }

    /// A waiting connection went away (or gave up): it leaves the lobby.
    pub(super) fn leave_lobby(&mut self, id: u64) {
        if self.entry.lobby.remove(&id).is_some() {
            self.show_door();
        }
    }

    /// Invitations and the lobby: `/invite`, `/revoke`, `/admit`, `/refuse`.
    pub(super) fn entry_command(&mut self, command: &DoorCommand) {
        match *command {
            DoorCommand::Invite { uses, hours } => self.make_invitation(uses, hours),
            DoorCommand::Revoke(id) => {
                if self.door.revoke(id) {
                    self.record_door(&[DoorChange::Revoked { id }]);
                } else {
                    self.answer_host(msg!("net-no-invitation", id = id));
                }
            }
            DoorCommand::Admit(id) => self.let_in(id),
            DoorCommand::Refuse(id) => match self.entry.lobby.remove(&id) {
                Some(k) => {
                    let _ = k.reply.send(Entry::Refused(Refusal::Refused));
                }
                None => self.answer_host(msg!("net-nobody-waiting", id = id)),
            },
            _ => {}
        }
    }

    /// Tells the host (only) one line.
    fn answer_host(&self, said: Msg) {
        self.events.emit(NetEvent::Notice(said));
    }

    /// Lets lobby member `id` in, as if it had been invited.
    fn let_in(&mut self, id: u64) {
        let Some(k) = self.entry.lobby.remove(&id) else {
            self.answer_host(msg!("net-nobody-waiting", id = id));
            return;
        };
        if k.reply.is_closed() {
            self.answer_host(msg!("net-stopped-waiting", id = id));
            return;
        }
        // Banned while it waited (another connection of its key was).
        if self.door.is_banned(&caller(&k.arrival)) {
            let _ = k.reply.send(Entry::Refused(Refusal::Banned));
            self.answer_host(msg!("net-knock-banned", id = id));
            return;
        }
        let remember = self.door.let_in(k.arrival.key());
        self.admit(k.arrival, remember, k.reply);
    }

    /// Sends away whoever waits in the lobby with a key or address just
    /// banned: they are refused as banned.
    pub(super) fn send_away_banned(&mut self) {
        let banned: Vec<u64> = self
            .entry
            .lobby
            .iter()
            .filter(|(_, k)| self.door.is_banned(&caller(&k.arrival)))
            .map(|(id, _)| *id)
            .collect();
        for id in banned {
            if let Some(k) = self.entry.lobby.remove(&id) {
                let _ = k.reply.send(Entry::Refused(Refusal::Banned));
            }
        }
    }

    /// A new invitation for `uses` (any number) and `hours` (until
    /// revoked); its links go to the host.
    fn make_invitation(&mut self, uses: Option<u32>, hours: Option<u32>) {
        if uses == Some(0) || hours == Some(0) {
            self.answer_host(msg!("net-invitation-too-small"));
            return;
        }
        let code = match door::new_code() {
            Ok(code) => code,
            Err(e) => {
                self.answer_host(msg!("net-invitation-failed", error = e.to_string()));
                return;
            }
        };
        let now = crate::net::now_ms();
        let expires = hours.map(|h| now.saturating_add(u64::from(h) * HOUR_MS));
        let id = self.door.invite(&code, uses, expires, now);
        self.record_invitation(id, now);
        let invites = self
            .entry
            .links
            .iter()
            .map(|l| l.clone().with_code(&code))
            .collect();
        self.events.emit(NetEvent::InviteMade { id, invites });
    }

    /// Stores invitation `id` as the door has it.
    fn record_invitation(&mut self, id: u32, now_ms: u64) {
        let made = self.door.invitations().iter().find(|i| i.id == id).cloned();
        if let Some(invitation) = made {
            self.record_door(&[DoorChange::Invited {
                invitation: &invitation,
                now_ms,
            }]);
        }
    }

    /// Stores that invitation `id` admitted someone, and shows the host
    /// the uses it has left.
    fn record_use(&mut self, id: u32) {
        let used = self.door.invitations().iter().find(|i| i.id == id);
        if let Some(uses_left) = used.map(|i| i.uses_left) {
            self.record_door(&[DoorChange::InvitationUsed { id, uses_left }]);
            if uses_left.is_some() {
                self.show_door();
            }
        }
    }

    /// The members waiting in the lobby.
    pub(super) fn knocking_view(&self) -> Vec<KnockView> {
        self.entry
            .lobby
            .iter()
            .map(|(id, k)| KnockView {
                id: *id,
                nick: k.arrival.nick.clone().unwrap_or_else(|| "guest".into()),
                key: k.arrival.key(),
                addr: k.arrival.peer.unwrap_or_else(|| {
                    SocketAddr::new(
                        k.arrival
                            .returning
                            .addr
                            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                        0,
                    )
                }),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::net::door::{Access, DoorConfig, Invitation, InviteProblem, code_hash};
    use crate::net::event::{DoorView, SessionEvent};
    use crate::net::frame::ServerFrame;
    use crate::net::room::testing::{self, store};
    use crate::net::room::{HOST_ID, Room, Saying};
    use crate::net::sink::EventSink;
    use crate::net::store::Store;

    /// The host's events. The tests wait for them by blocking, so the
    /// room runs on another worker thread.
    type Heard = crossbeam_channel::Receiver<SessionEvent>;

    fn start(door: DoorConfig, store: Store) -> (Room, tokio::task::JoinHandle<()>, Heard) {
        let (sink, heard) = EventSink::for_tests();
        let (room, task) = testing::room(sink, store, door);
        (room, task, heard)
    }

    fn shut(access: Access) -> DoorConfig {
        DoorConfig {
            access,
            ..DoorConfig::default()
        }
    }

    fn arrival(nick: &str, key: Option<u8>, invite: Option<&str>) -> Arrival {
        Arrival {
            proof: key.map(|k| Proof {
                key: [k; 32],
                identity: None,
            }),
            invite: invite.map(str::to_string),
            ..Arrival::named(Some(nick.into()), Dialect::Json)
        }
    }

    async fn say(room: &Room, text: &str) {
        let saying = Saying {
            text: text.into(),
            client_id: None,
            client: None,
        };
        room.say(HOST_ID, vec![saying]).await;
    }

    fn welcome(entry: Option<Entry>) -> Welcome {
        match entry {
            Some(Entry::Welcome(w)) => w,
            Some(Entry::Refused(r)) => panic!("refused: {r}"),
            Some(Entry::Knock(_)) => panic!("sent to the lobby"),
            None => panic!("the room is gone"),
        }
    }

    fn refused(entry: Option<Entry>) -> Refusal {
        entry
            .and_then(|e| match e {
                Entry::Refused(r) => Some(r),
                Entry::Welcome(_) | Entry::Knock(_) => None,
            })
            .expect("not refused")
    }

    fn knock(entry: Option<Entry>) -> Knock {
        match entry {
            Some(Entry::Knock(k)) => k,
            _ => panic!("not sent to the lobby"),
        }
    }

    /// The next event `f` picks, skipping the others.
    fn next<T>(heard: &Heard, mut f: impl FnMut(NetEvent) -> Option<T>) -> T {
        loop {
            let e = heard
                .recv_timeout(Duration::from_secs(10))
                .expect("no such event");
            if let Some(t) = f(e.event) {
                return t;
            }
        }
    }

    fn door_view(heard: &Heard) -> DoorView {
        next(heard, |e| match e {
            NetEvent::Door(view) => Some(*view),
            _ => None,
        })
    }

    fn notice(heard: &Heard) -> String {
        next(heard, |e| match e {
            NetEvent::Notice(n) => Some(n.text_in(crate::i18n::Lang::En)),
            _ => None,
        })
    }

    /// A new invitation's code, through the room (its links for 127.0.0.1).
    async fn invitation(room: &Room, heard: &Heard, uses: Option<u32>) -> (u32, String) {
        room.door(DoorCommand::Invite { uses, hours: None }).await;
        next(heard, |e| match e {
            NetEvent::InviteMade { id, invites } => {
                Some((id, invites[0].code.clone().expect("a code in the link")))
            }
            _ => None,
        })
    }

    async fn links(room: &Room, start: Option<String>) {
        let here = Invite::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7443, Some([7; 32]));
        room.open_door(vec![here], start).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_caller_is_given_nothing_and_joins_no_one() {
        let (room, _task, heard) = start(DoorConfig::default(), store(None));
        say(&room, "a secret").await;
        assert_eq!(
            refused(room.enter(arrival("eve", Some(1), None)).await),
            Refusal::InviteOnly
        );
        assert_eq!(
            refused(
                room.enter(arrival("eve", Some(1), Some(&"0".repeat(32))))
                    .await
            ),
            Refusal::BadInvite(InviteProblem::Unknown)
        );
        // Nobody joined: only the host is in the room.
        let ServerFrame::Roster { total, .. } = room.roster(HOST_ID, None).await.unwrap() else {
            panic!()
        };
        assert_eq!(total, 1);
        assert!(
            heard
                .try_iter()
                .all(|e| !matches!(e.event, NetEvent::MemberJoined(_)))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_invitation_admits_once_and_the_key_comes_back_seeing_only_what_followed() {
        let (room, _task, heard) = start(DoorConfig::default(), store(None));
        links(&room, None).await;
        say(&room, "before").await;
        let (id, code) = invitation(&room, &heard, Some(1)).await;
        let ana = welcome(room.enter(arrival("ana", Some(1), Some(&code))).await);
        // The host is shown the use taken.
        next(&heard, |e| match e {
            NetEvent::Door(v)
                if v.invitations
                    .iter()
                    .any(|i| i.id == id && i.uses_left == Some(0)) =>
            {
                Some(())
            }
            _ => None,
        });
        // Nothing said before its admission.
        assert_eq!((ana.replay.after, ana.replay.upto), (1, 1));
        assert_eq!(
            refused(room.enter(arrival("bo", Some(2), Some(&code))).await),
            Refusal::BadInvite(InviteProblem::UsedUp)
        );
        say(&room, "after").await;
        room.leave(ana.id, LeaveReason::Left).await;
        // Back with no invitation: what was said since its admission.
        let again = welcome(room.enter(arrival("ana", Some(1), None)).await);
        assert_eq!((again.replay.after, again.replay.upto), (1, 2));
        // A resume from before its admission starts at it, and misses nothing.
        let greeting: ServerFrame = serde_json::from_slice(&again.greeting).unwrap();
        let ServerFrame::Welcome { room: id, .. } = greeting else {
            panic!("{greeting:?}")
        };
        room.leave(again.id, LeaveReason::Left).await;
        let mut resuming = arrival("ana", Some(1), None);
        resuming.returning.resume = Some(crate::net::frame::Resume { room: id, after: 0 });
        let resumed = welcome(room.enter(resuming).await);
        assert_eq!(
            (
                resumed.replay.after,
                resumed.replay.missed,
                resumed.replay.resumed
            ),
            (1, 0, true)
        );
        // Someone without a key is admitted by an invitation but sees
        // nothing from before either.
        let (_, many) = invitation(&room, &heard, None).await;
        let keyless = welcome(room.enter(arrival("cy", None, Some(&many))).await);
        assert_eq!(keyless.replay.count(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn history_visibility_all_gives_the_kept_backlog() {
        for (history, count) in [(HistoryVisibility::Joined, 0), (HistoryVisibility::All, 2)] {
            let door = DoorConfig {
                history,
                ..shut(Access::Open)
            };
            let (room, _task, _heard) = start(door, store(None));
            say(&room, "one").await;
            say(&room, "two").await;
            let w = welcome(room.enter(arrival("ana", Some(1), None)).await);
            assert_eq!(w.replay.count(), count, "{history:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn revoked_and_expired_invitations_are_refused() {
        // An invitation stored yesterday that expired an hour ago.
        let mut kept = store(None);
        let now = crate::net::now_ms();
        let expired = Invitation {
            id: 1,
            hash: code_hash("expired"),
            uses_left: None,
            expires_ms: Some(now - HOUR_MS),
        };
        kept.record(&[DoorChange::Invited {
            invitation: &expired,
            now_ms: now - 24 * HOUR_MS,
        }])
        .unwrap();
        let (room, _task, heard) = start(DoorConfig::default(), kept);
        assert_eq!(
            refused(room.enter(arrival("ana", Some(1), Some("expired"))).await),
            Refusal::BadInvite(InviteProblem::Expired)
        );
        links(&room, None).await;
        let (id, code) = invitation(&room, &heard, None).await;
        room.door(DoorCommand::Revoke(id)).await;
        assert_eq!(
            refused(room.enter(arrival("ana", Some(1), Some(&code))).await),
            Refusal::BadInvite(InviteProblem::Unknown)
        );
        room.door(DoorCommand::Revoke(id)).await;
        assert_eq!(
            notice(&heard),
            format!("there is no invitation {id} to revoke")
        );
        // Uses and hours of nothing make no invitation.
        room.door(DoorCommand::Invite {
            uses: Some(0),
            hours: None,
        })
        .await;
        assert!(notice(&heard).contains("at least one use"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_start_invitation_works_for_a_week() {
        let (room, _task, heard) = start(DoorConfig::default(), store(None));
        let code = door::new_code().unwrap();
        let now = crate::net::now_ms();
        links(&room, Some(code.clone())).await;
        let view = door_view(&heard);
        let [start] = view.invitations.as_slice() else {
            panic!("{view:?}")
        };
        assert_eq!(start.uses_left, None);
        let week = START_INVITE_DAYS * 24 * HOUR_MS;
        let expires = start.expires_ms.unwrap();
        assert!(expires >= now + week && expires < now + week + 60_000);
        welcome(room.enter(arrival("ana", Some(1), Some(&code))).await);
        welcome(room.enter(arrival("bo", Some(2), Some(&code))).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn knocking_callers_wait_until_let_in_refused_or_gone() {
        let (room, _task, heard) = start(shut(Access::Knock), store(None));
        say(&room, "before").await;
        let ana = knock(room.enter(arrival("ana", Some(1), None)).await);
        let view = door_view(&heard);
        assert_eq!(view.knocking.len(), 1);
        assert_eq!(
            (view.knocking[0].id, view.knocking[0].nick.as_str()),
            (ana.id, "ana")
        );
        assert_eq!(view.knocking[0].key, Some([1; 32]));
        assert_eq!(ana.wait, crate::net::door::KNOCK_WAIT);
        room.door(DoorCommand::Admit(ana.id)).await;
        let in_ = welcome(ana.decided.await.ok());
        assert_eq!(in_.replay.count(), 0, "nothing from before it came in");
        assert!(door_view(&heard).knocking.is_empty());
        // Let in once, the key comes back without knocking.
        room.leave(in_.id, LeaveReason::Left).await;
        welcome(room.enter(arrival("ana", Some(1), None)).await);

        let bo = knock(room.enter(arrival("bo", Some(2), None)).await);
        room.door(DoorCommand::Refuse(bo.id)).await;
        assert_eq!(refused(bo.decided.await.ok()), Refusal::Refused);
        // A bad invitation is refused, not sent to the lobby.
        assert!(matches!(
            refused(room.enter(arrival("bo", Some(2), Some("nope"))).await),
            Refusal::BadInvite(_)
        ));

        let cy = knock(room.enter(arrival("cy", None, None)).await);
        assert_eq!(door_view(&heard).knocking.len(), 1);
        room.leave_lobby(cy.id).await;
        assert!(door_view(&heard).knocking.is_empty());
        room.door(DoorCommand::Admit(cy.id)).await;
        assert_eq!(
            notice(&heard),
            format!("nobody is waiting at the door as {}", cy.id)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_key_banned_while_another_of_its_connections_waits_is_not_let_in() {
        let (room, _task, _heard) = start(shut(Access::Knock), store(None));
        // One key knocks twice; the first is let in, then banned.
        let first = knock(room.enter(arrival("ana", Some(9), None)).await);
        let second = knock(room.enter(arrival("bo", Some(9), None)).await);
        room.door(DoorCommand::Admit(first.id)).await;
        // (Held, as its connection would: a dropped welcome is a member
        // whose connection went away.)
        let _in_the_room = welcome(first.decided.await.ok());
        room.door(DoorCommand::Ban {
            nick: "ana".into(),
            reason: String::new(),
        })
        .await;
        // The one still waiting is sent away as banned, and Let in does
        // not seat it.
        room.door(DoorCommand::Admit(second.id)).await;
        assert_eq!(refused(second.decided.await.ok()), Refusal::Banned);
        assert_eq!(
            refused(room.enter(arrival("ana", Some(9), None)).await),
            Refusal::Banned
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_lobby_is_bounded() {
        let (room, _task, _heard) = start(shut(Access::Knock), store(None));
        let mut waiting = Vec::new();
        for n in 0..MAX_KNOCKING {
            let k = u8::try_from(n).unwrap();
            waiting.push(knock(room.enter(arrival("k", Some(k), None)).await));
        }
        assert_eq!(
            refused(room.enter(arrival("late", Some(200), None)).await),
            Refusal::LobbyFull
        );
        // One that stops waiting makes room.
        drop(waiting.pop());
        knock(room.enter(arrival("late", Some(200), None)).await);
    }

    #[tokio::test]
    async fn one_address_cannot_fill_the_lobby() {
        let (room, _task, _heard) = start(shut(Access::Knock), store(None));
        let from = |addr: &str, key: u8| Arrival {
            peer: Some(addr.parse().unwrap()),
            ..arrival("k", Some(key), None)
        };
        let mut waiting = Vec::new();
        for n in 0..MAX_KNOCKING_PER_ADDRESS {
            let k = u8::try_from(n).unwrap();
            waiting.push(knock(room.enter(from("[2001:db8::1]:4000", k)).await));
        }
        // Another key from the same /64 waits its turn elsewhere…
        assert_eq!(
            refused(room.enter(from("[2001:db8::99]:4000", 100)).await),
            Refusal::LobbyFull
        );
        // …while another address still knocks.
        waiting.push(knock(room.enter(from("127.0.0.2:4000", 101)).await));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_and_their_names_are_kept_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let (room, task, heard) = start(DoorConfig::default(), store(Some(&file)));
        links(&room, None).await;
        let (_, code) = invitation(&room, &heard, None).await;
        let ana = welcome(room.enter(arrival("ana", Some(1), Some(&code))).await);
        room.nick(ana.id, "anna".into()).await.unwrap();
        room.close("restart".into()).await;
        task.await.unwrap();

        let (room, _task, _heard) = start(DoorConfig::default(), store(Some(&file)));
        // Another key asking for the name gets another one.
        let bo = welcome(room.enter(arrival("anna", Some(2), Some(&code))).await);
        let greeting = String::from_utf8_lossy(&bo.greeting).into_owned();
        assert!(greeting.contains("\"nick\":\"anna-2\""), "{greeting}");
        // The member's key needs no invitation, and has its name.
        let ana = welcome(room.enter(arrival("anna", Some(1), None)).await);
        let greeting = String::from_utf8_lossy(&ana.greeting).into_owned();
        assert!(greeting.contains("\"nick\":\"anna\""), "{greeting}");
        // A key nobody invited still needs an invitation.
        assert_eq!(
            refused(room.enter(arrival("eve", Some(3), None)).await),
            Refusal::InviteOnly
        );
    }
}
