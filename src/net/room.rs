//! The room: one task that owns the member list and puts every message in a
//! single order. Members hear the room through a broadcast channel of
//! batches of items, each encoded once for each dialect (JSON and plain
//! text). A busy room gathers what is said within [`GATHER`] into one batch,
//! so that each member gets one wake-up, one TLS record and one system call
//! for it instead of one per message.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::net::event::{MemberInfo, MessageEvent, NetEvent};
use crate::net::frame::{ServerFrame, WireMember};
use crate::net::nick;
use crate::net::thread::EventSink;

/// The host's member id.
pub(crate) const HOST_ID: u64 = 0;

/// How many batches a member may fall behind before it is disconnected.
pub(crate) const BACKLOG: usize = 1024;

/// A room that said something less than this long ago is busy: what it is
/// told next is gathered for [`GATHER`] before it goes out.
const BUSY: std::time::Duration = std::time::Duration::from_millis(100);

/// How long a busy room gathers messages into one batch. A quiet room's
/// message goes out at once.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// A gathered batch goes out at once when its messages reach this size.
const GATHER_BYTES: usize = 16 * 1024;

/// What members receive: items in room order, published together.
pub(crate) type Batch = Arc<Vec<Item>>;

/// Above this many members, join and leave notices are gathered and sent as
/// one item every [`COALESCE`]: a notice per join to every member makes a
/// join storm quadratic.
pub(crate) const BIG_ROOM: usize = 64;

/// How long join and leave notices are gathered in a big room.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(500);

/// How many names a gathered notice spells out.
const NOTICE_NAMES: usize = 5;

/// How many names a plain-text member's greeting lists.
const GREETING_NAMES: usize = 20;

/// What an [`Item`] is about, for the per-member view of it.
#[derive(Debug)]
pub(crate) enum ItemKind {
    /// Messages from one sender, in order (everything one read brought
    /// in); the sender gets acks instead (JSON) or nothing (plain).
    Msgs(Vec<Said>),
    /// A member joined (not repeated to that member).
    Joined,
    /// A member renamed (a plain member was already told directly).
    Renamed,
    /// Anything else everyone sees alike.
    Other,
    /// The room is closing; the last item.
    Closing,
}

/// One message as the room put it in order.
#[derive(Debug)]
pub(crate) struct Said {
    pub client_id: Option<String>,
    pub seq: u64,
    pub ts: u64,
    pub text: String,
}

/// One thing the room said, encoded once for every member.
#[derive(Debug)]
pub(crate) struct Item {
    /// The member it came from or is about.
    pub from: u64,
    /// What it is.
    pub kind: ItemKind,
    /// The JSON line for `tlschat/1` members.
    pub json: Vec<u8>,
    /// The text lines for plain members (may be empty).
    pub plain: Vec<u8>,
}

impl Item {
    /// Appends what member `me` should receive of this item to `out`.
    pub fn render_for(&self, me: u64, plain: bool, out: &mut Vec<u8>) {
        if self.from == me {
            match &self.kind {
                ItemKind::Msgs(said) => {
                    if !plain {
                        for m in said {
                            let ack = ServerFrame::Ack {
                                id: m.client_id.clone().unwrap_or_default(),
                                seq: m.seq,
                                ts: m.ts,
                                text: m.text.clone(),
                            };
                            out.extend_from_slice(&ack.to_line());
                        }
                    }
                    return;
                }
                ItemKind::Joined => return,
                ItemKind::Renamed if plain => return,
                ItemKind::Renamed => {}
                ItemKind::Other | ItemKind::Closing => {}
            }
        }
        out.extend_from_slice(if plain { &self.plain } else { &self.json });
    }
}

/// What a new member gets back from [`Room::join`].
pub(crate) struct Welcome {
    /// Its member id.
    pub id: u64,
    /// What it is told first: who it is and who is in the room, in its
    /// dialect. A plain member's greeting names a few members and counts
    /// the rest; a `tlschat/1` member gets the whole roster.
    pub greeting: Vec<u8>,
    /// Everything the room says from then on.
    pub items: broadcast::Receiver<Batch>,
}

enum Request {
    Join {
        nick: Option<String>,
        plain: bool,
        identity: Option<String>,
        reply: oneshot::Sender<Welcome>,
    },
    Say {
        from: u64,
        messages: Vec<Saying>,
    },
    Nick {
        from: u64,
        nick: String,
        reply: oneshot::Sender<Result<String, String>>,
    },
    Who {
        reply: oneshot::Sender<Vec<MemberInfo>>,
    },
    Leave {
        id: u64,
        reason: String,
    },
    Close {
        reason: String,
    },
}

/// One message a member wants said: its text and, for `tlschat/1` members
/// and the host, the id its acknowledgement carries.
#[derive(Debug)]
pub(crate) struct Saying {
    pub text: String,
    pub client_id: Option<String>,
}

/// A cheap handle to the room task.
#[derive(Clone)]
pub(crate) struct Room {
    tx: mpsc::Sender<Request>,
}

/// Checks a wanted nickname: see [`nick::normalize`].
pub(crate) fn valid_nick(wanted: &str) -> Result<String, String> {
    nick::normalize(wanted)
}

/// A member as the wire describes it.
pub(crate) fn wire(m: &MemberInfo) -> WireMember {
    WireMember {
        id: m.id,
        nick: m.nick.clone(),
        host: m.is_host,
        plain: m.plain_text,
        identity: m.identity.clone(),
    }
}

/// `nick left`, with the reason unless it is the ordinary one.
pub(crate) fn left_text(nick: &str, reason: &str) -> String {
    if reason == "left" {
        format!("{nick} left")
    } else {
        format!("{nick} left ({reason})")
    }
}

fn notice(text: &str) -> Vec<u8> {
    format!("* {text}\n").into_bytes()
}

impl Room {
    /// Starts the room task with the host as its first member.
    pub fn start(host_nick: String, events: EventSink) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let (items, _) = broadcast::channel(BACKLOG);
        let host = MemberInfo {
            id: HOST_ID,
            nick: host_nick.clone(),
            is_host: true,
            plain_text: false,
            identity: None,
        };
        let mut state = RoomState {
            members: BTreeMap::new(),
            nicks: HashSet::new(),
            next_id: 1,
            next_guest: 1,
            seq: 0,
            items,
            events,
            pending_joined: Vec::new(),
            pending_left: Vec::new(),
            gathered: Vec::new(),
            gathered_bytes: 0,
            gather_until: None,
            last_said: None,
        };
        state.nicks.insert(nick::key(&host_nick));
        state.members.insert(HOST_ID, host);
        state.events.emit(NetEvent::Joined {
            you: HOST_ID,
            nick: host_nick,
            members: state.members.values().cloned().collect(),
        });
        tokio::spawn(state.run(rx));
        Self { tx }
    }

    /// Adds a member; `None` as nick means a generated `guest-N`.
    pub async fn join(
        &self,
        nick: Option<String>,
        plain: bool,
        identity: Option<String>,
    ) -> Option<Welcome> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Join {
                nick,
                plain,
                identity,
                reply,
            })
            .await
            .ok()?;
        rx.await.ok()
    }

    /// Says messages in the room, one after the other and with nothing in
    /// between. Returns false when the room is gone.
    pub async fn say(&self, from: u64, messages: Vec<Saying>) -> bool {
        if messages.is_empty() {
            return true;
        }
        self.tx.send(Request::Say { from, messages }).await.is_ok()
    }

    /// Renames a member; the error is one line for that member.
    pub async fn nick(&self, from: u64, nick: String) -> Result<String, String> {
        let (reply, rx) = oneshot::channel();
        let gone = || "the room is closing".to_string();
        self.tx
            .send(Request::Nick { from, nick, reply })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Who is in the room.
    pub async fn who(&self) -> Vec<MemberInfo> {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Request::Who { reply }).await.is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Removes a member.
    pub async fn leave(&self, id: u64, reason: String) {
        let _ = self.tx.send(Request::Leave { id, reason }).await;
    }

    /// Tells everyone the room is closing, then ends the room task.
    pub async fn close(&self, reason: String) {
        let _ = self.tx.send(Request::Close { reason }).await;
    }
}

struct RoomState {
    members: BTreeMap<u64, MemberInfo>,
    nicks: HashSet<String>,
    next_id: u64,
    next_guest: u64,
    seq: u64,
    items: broadcast::Sender<Batch>,
    events: EventSink,
    /// Messages gathered for the next batch (busy room).
    gathered: Vec<Item>,
    /// Their size in bytes (the larger dialect).
    gathered_bytes: usize,
    /// When the gathered messages go out.
    gather_until: Option<tokio::time::Instant>,
    /// When the room last said a message.
    last_said: Option<tokio::time::Instant>,
    /// Joins not yet announced (big rooms).
    pending_joined: Vec<MemberInfo>,
    /// Leaves not yet announced (big rooms), with their reasons.
    pending_left: Vec<(MemberInfo, String)>,
}

/// `a, b, c and 4 others`.
fn some_names<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let shown: Vec<&str> = names.take(NOTICE_NAMES).collect();
    let mut text = shown.join(", ");
    if total > shown.len() {
        text.push_str(&format!(" and {} others", total - shown.len()));
    }
    text
}

impl RoomState {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        let mut tick = tokio::time::interval(COALESCE);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // One timer for the gathered batch, moved rather than made anew.
        let gather = tokio::time::sleep(GATHER);
        tokio::pin!(gather);
        let mut armed_for = None;
        loop {
            let pending = !self.pending_joined.is_empty() || !self.pending_left.is_empty();
            if self.gather_until != armed_for {
                if let Some(at) = self.gather_until {
                    gather.as_mut().reset(at);
                }
                armed_for = self.gather_until;
            }
            let request = tokio::select! {
                request = rx.recv() => request,
                () = &mut gather, if self.gather_until.is_some() => {
                    self.flush_said();
                    continue;
                }
                _ = tick.tick(), if pending => {
                    self.flush_members();
                    continue;
                }
            };
            let Some(request) = request else { break };
            match request {
                Request::Join {
                    nick,
                    plain,
                    identity,
                    reply,
                } => {
                    let welcome = self.join(nick, plain, identity);
                    let _ = reply.send(welcome);
                }
                Request::Say { from, messages } => self.say(from, messages),
                Request::Nick { from, nick, reply } => {
                    let _ = reply.send(self.rename(from, &nick));
                }
                Request::Who { reply } => {
                    let _ = reply.send(self.members.values().cloned().collect());
                }
                Request::Leave { id, reason } => self.leave(id, &reason),
                Request::Close { reason } => {
                    self.flush_members();
                    self.publish(Item {
                        from: HOST_ID,
                        kind: ItemKind::Closing,
                        json: ServerFrame::Closing {
                            reason: reason.clone(),
                        }
                        .to_line(),
                        plain: notice(&format!("the room is closing: {reason}")),
                    });
                    break;
                }
            }
        }
    }

    fn unique_nick(&self, wanted: &str) -> String {
        if !self.nicks.contains(&nick::key(wanted)) {
            return wanted.to_string();
        }
        (2..)
            .map(|n| format!("{wanted}-{n}"))
            .find(|n| !self.nicks.contains(&nick::key(n)))
            .unwrap_or_else(|| wanted.to_string())
    }

    /// Sends an item to every member, after the messages gathered before it.
    fn publish(&mut self, item: Item) {
        self.flush_said();
        // No receiver is not an error: the room may have no members yet.
        let _ = self.items.send(Arc::new(vec![item]));
    }

    /// Sends the gathered messages as one batch.
    fn flush_said(&mut self) {
        self.gather_until = None;
        self.gathered_bytes = 0;
        if !self.gathered.is_empty() {
            let _ = self
                .items
                .send(Arc::new(std::mem::take(&mut self.gathered)));
        }
    }

    /// Sends a message item: at once in a quiet room, gathered in a busy one.
    fn said(&mut self, item: Item) {
        let now = tokio::time::Instant::now();
        let busy = self
            .last_said
            .is_some_and(|t| now.saturating_duration_since(t) < BUSY);
        self.last_said = Some(now);
        if !busy && self.gathered.is_empty() {
            self.publish(item);
            return;
        }
        self.gathered_bytes += item.json.len().max(item.plain.len());
        self.gathered.push(item);
        if self.gathered_bytes >= GATHER_BYTES {
            self.flush_said();
        } else if self.gather_until.is_none() {
            self.gather_until = Some(now + GATHER);
        }
    }

    fn join(&mut self, nick: Option<String>, plain: bool, identity: Option<String>) -> Welcome {
        let id = self.next_id;
        self.next_id += 1;
        let nick = match nick.and_then(|n| valid_nick(&n).ok()) {
            Some(n) => self.unique_nick(&n),
            None => loop {
                let n = format!("guest-{}", self.next_guest);
                self.next_guest += 1;
                if !self.nicks.contains(&nick::key(&n)) {
                    break n;
                }
            },
        };
        self.nicks.insert(nick::key(&nick));
        let member = MemberInfo {
            id,
            nick: nick.clone(),
            is_host: false,
            plain_text: plain,
            identity,
        };
        // Subscribe before publishing the join, so the new member's view
        // starts exactly after the roster it is given.
        let items = self.items.subscribe();
        self.members.insert(id, member.clone());
        if self.members.len() > BIG_ROOM {
            self.pending_joined.push(member.clone());
        } else {
            self.flush_members();
            self.publish(Item {
                from: id,
                kind: ItemKind::Joined,
                json: ServerFrame::Joined {
                    member: wire(&member),
                }
                .to_line(),
                plain: notice(&format!("{nick} joined")),
            });
        }
        self.events.emit(NetEvent::MemberJoined(member));
        // The roster is encoded here, once, rather than copied to the
        // member's task: in a join storm thousands of copies would wait.
        let greeting = if plain {
            let shown: Vec<MemberInfo> = self
                .members
                .values()
                .take(GREETING_NAMES)
                .cloned()
                .collect();
            let more = self.members.len() - shown.len();
            let others = if more > 0 {
                format!(" and {more} others")
            } else {
                String::new()
            };
            format!(
                "* welcome, you are {nick}; change it with /nick NAME, list members with /who\n* in the room: {}{others}\n",
                crate::net::event::roster_line(&shown)
            )
            .into_bytes()
        } else {
            ServerFrame::Welcome {
                you: id,
                nick,
                members: self.members.values().map(wire).collect(),
            }
            .to_line()
        };
        Welcome {
            id,
            greeting,
            items,
        }
    }

    /// Announces the gathered joins and leaves as one item.
    fn flush_members(&mut self) {
        if self.pending_joined.is_empty() && self.pending_left.is_empty() {
            return;
        }
        let joined = std::mem::take(&mut self.pending_joined);
        let left = std::mem::take(&mut self.pending_left);
        let mut text = Vec::new();
        if !joined.is_empty() {
            text.push(format!(
                "{} joined ({})",
                joined.len(),
                some_names(joined.iter().map(|m| m.nick.as_str()))
            ));
        }
        if !left.is_empty() {
            text.push(format!(
                "{} left ({})",
                left.len(),
                some_names(left.iter().map(|(m, _)| m.nick.as_str()))
            ));
        }
        let json = ServerFrame::MembersChanged {
            joined: joined.iter().map(wire).collect(),
            left: left
                .iter()
                .map(|(m, reason)| crate::net::frame::LeftMember {
                    member: wire(m),
                    reason: reason.clone(),
                })
                .collect(),
        }
        .to_line();
        self.publish(Item {
            from: HOST_ID,
            kind: ItemKind::Other,
            json,
            plain: notice(&text.join("; ")),
        });
    }

    fn say(&mut self, from: u64, messages: Vec<Saying>) {
        // Whoever is about to be heard from has been announced first.
        self.flush_members();
        let Some(sender) = self.members.get(&from) else {
            return;
        };
        let nick = sender.nick.clone();
        let mut plain = Vec::new();
        let mut json = Vec::new();
        let mut said = Vec::with_capacity(messages.len());
        for Saying { text, client_id } in messages {
            self.seq += 1;
            let seq = self.seq;
            let ts = crate::net::now_ms();
            for line in text.split('\n') {
                plain.push(b'<');
                plain.extend_from_slice(nick.as_bytes());
                plain.extend_from_slice(b"> ");
                plain.extend_from_slice(line.as_bytes());
                plain.push(b'\n');
            }
            json.extend_from_slice(
                &ServerFrame::Msg {
                    seq,
                    from,
                    nick: nick.clone(),
                    text: text.clone(),
                    ts,
                }
                .to_line(),
            );
            if from == HOST_ID
                && let Some(id) = client_id.as_deref().and_then(|c| c.parse().ok())
            {
                self.events.emit(NetEvent::Delivered { id });
            }
            self.events.emit(NetEvent::Message(MessageEvent {
                seq,
                from,
                nick: nick.clone(),
                text: text.clone(),
                time_ms: ts,
                own: from == HOST_ID,
            }));
            said.push(Said {
                client_id,
                seq,
                ts,
                text,
            });
        }
        self.said(Item {
            from,
            kind: ItemKind::Msgs(said),
            json,
            plain,
        });
    }

    fn rename(&mut self, from: u64, wanted: &str) -> Result<String, String> {
        let wanted = valid_nick(wanted)?;
        let Some(member) = self.members.get(&from) else {
            return Err("you are not in the room".into());
        };
        let old = member.nick.clone();
        // Announce gathered joins first: they carry the old nickname.
        self.flush_members();
        if old == wanted {
            return Ok(wanted);
        }
        let wanted_key = nick::key(&wanted);
        if nick::key(&old) != wanted_key && self.nicks.contains(&wanted_key) {
            return Err(self.taken(&wanted, &wanted_key));
        }
        self.nicks.remove(&nick::key(&old));
        self.nicks.insert(wanted_key);
        if let Some(m) = self.members.get_mut(&from) {
            m.nick.clone_from(&wanted);
        }
        self.publish(Item {
            from,
            kind: ItemKind::Renamed,
            json: ServerFrame::Renamed {
                id: from,
                old: old.clone(),
                new: wanted.clone(),
            }
            .to_line(),
            plain: notice(&format!("{old} is now known as {wanted}")),
        });
        self.events.emit(NetEvent::Renamed {
            id: from,
            old,
            new: wanted.clone(),
        });
        Ok(wanted)
    }

    /// Why `wanted` cannot be had: it is taken, or looks like a name that is.
    fn taken(&self, wanted: &str, wanted_key: &str) -> String {
        match self
            .members
            .values()
            .find(|m| m.nick != wanted && nick::key(&m.nick) == wanted_key)
        {
            Some(m) => format!("the nickname {wanted} is taken: it looks like {}", m.nick),
            None => format!("the nickname {wanted} is taken"),
        }
    }

    fn leave(&mut self, id: u64, reason: &str) {
        let Some(member) = self.members.remove(&id) else {
            return;
        };
        self.nicks.remove(&nick::key(&member.nick));
        if self.members.len() >= BIG_ROOM {
            self.pending_left.push((member.clone(), reason.to_string()));
        } else {
            self.flush_members();
            self.publish(Item {
                from: id,
                kind: ItemKind::Other,
                json: ServerFrame::Left {
                    member: wire(&member),
                    reason: reason.to_string(),
                }
                .to_line(),
                plain: notice(&left_text(&member.nick, reason)),
            });
        }
        if self.members.len() == 1 {
            // Only the host is left: drop the backlog of what the room said
            // (a broadcast channel keeps its last BACKLOG batches).
            self.items = broadcast::channel(BACKLOG).0;
        }
        self.events.emit(NetEvent::MemberLeft {
            member,
            reason: reason.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn text(batch: &Batch, me: u64) -> String {
        let mut out = Vec::new();
        for item in batch.iter() {
            item.render_for(me, true, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    fn saying(text: &str) -> Saying {
        Saying {
            text: text.into(),
            client_id: None,
        }
    }

    // The clock is paused: it moves only when every task waits on a timer,
    // so "at once" is exactly zero and a gather is exactly GATHER.
    #[tokio::test(start_paused = true)]
    async fn a_quiet_room_speaks_at_once_and_a_busy_one_gathers() {
        let (sink, _events) = EventSink::for_tests();
        let room = Room::start("hana".into(), sink);
        let mut ana = room.join(Some("ana".into()), true, None).await.unwrap();
        let bo = room.join(Some("bo".into()), true, None).await.unwrap();
        // Ana's own join is not repeated to her; bo's is.
        assert_eq!(text(&ana.items.recv().await.unwrap(), ana.id), "");
        assert_eq!(
            text(&ana.items.recv().await.unwrap(), ana.id),
            "* bo joined\n"
        );

        let start = tokio::time::Instant::now();
        room.say(bo.id, vec![saying("one")]).await;
        let batch = ana.items.recv().await.unwrap();
        assert_eq!(text(&batch, ana.id), "<bo> one\n");
        assert_eq!(start.elapsed(), Duration::ZERO, "a quiet room waited");

        // Busy now: what follows within the gather goes out as one batch.
        room.say(bo.id, vec![saying("two")]).await;
        room.say(HOST_ID, vec![saying("three"), saying("four")])
            .await;
        let batch = ana.items.recv().await.unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(
            text(&batch, ana.id),
            "<bo> two\n<hana> three\n<hana> four\n"
        );
        assert_eq!(start.elapsed(), GATHER);
        // The sender of a gathered message gets nothing back (plain)...
        assert_eq!(text(&batch, bo.id), "<hana> three\n<hana> four\n");

        // ...and a notice never overtakes a gathered message.
        room.say(bo.id, vec![saying("five")]).await;
        room.leave(bo.id, "left".into()).await;
        assert_eq!(
            text(&ana.items.recv().await.unwrap(), ana.id),
            "<bo> five\n"
        );
        assert_eq!(
            text(&ana.items.recv().await.unwrap(), ana.id),
            "* bo left\n"
        );
    }

    #[test]
    fn nicknames_are_checked() {
        assert_eq!(valid_nick(" ana "), Ok("ana".into()));
        assert!(valid_nick("").is_err());
        assert!(valid_nick("two words").is_err());
        assert!(valid_nick(&"x".repeat(33)).is_err());
        assert_eq!(valid_nick("李小龍"), Ok("李小龍".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn look_alike_nicknames_are_one_name() {
        let (sink, _events) = EventSink::for_tests();
        let room = Room::start("hana".into(), sink);
        let ana = room.join(Some("ana".into()), true, None).await.unwrap();
        // A look-alike on joining is renamed, like a taken name.
        let cyrillic = room
            .join(Some("\u{430}na".into()), true, None)
            .await
            .unwrap();
        let greeting = String::from_utf8_lossy(&cyrillic.greeting).into_owned();
        assert!(greeting.contains("you are \u{430}na-2;"), "{greeting}");
        let bo = room.join(Some("bo".into()), true, None).await.unwrap();
        let taken = room.nick(bo.id, "ANA".into()).await.unwrap_err();
        assert!(taken.contains("looks like ana"), "{taken}");
        let taken = room.nick(bo.id, "HAN\u{410}".into()).await.unwrap_err();
        assert!(taken.contains("looks like hana"), "{taken}");
        let invisible = room.nick(bo.id, "bo\u{200b}b".into()).await.unwrap_err();
        assert!(invisible.contains("U+200B"), "{invisible}");
        // One's own name in another case is still one's own.
        assert_eq!(room.nick(ana.id, "Ana".into()).await, Ok("Ana".into()));
        // A name that is free again can be had.
        room.leave(ana.id, "left".into()).await;
        assert_eq!(room.nick(bo.id, "ana".into()).await, Ok("ana".into()));
    }

    #[test]
    fn a_sender_gets_an_ack_or_nothing_and_others_get_the_message() {
        let item = Item {
            from: 7,
            kind: ItemKind::Msgs(vec![Said {
                client_id: Some("42".into()),
                seq: 3,
                ts: 9,
                text: "hi".into(),
            }]),
            json: b"{json}\n".to_vec(),
            plain: b"<ana> hi\n".to_vec(),
        };
        let mut out = Vec::new();
        item.render_for(7, true, &mut out);
        assert!(
            out.is_empty(),
            "a plain sender does not get its own line back"
        );
        item.render_for(7, false, &mut out);
        let ack: ServerFrame = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            ack,
            ServerFrame::Ack {
                id: "42".into(),
                seq: 3,
                ts: 9,
                text: "hi".into()
            }
        );
        out.clear();
        item.render_for(8, true, &mut out);
        assert_eq!(out, b"<ana> hi\n");
    }
}
