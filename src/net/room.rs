//! The room: one task that owns the member list and puts every message in a
//! single order. Members hear the room through its [`Feed`] of batches of
//! items, each encoded once for each dialect. Batching needs no timer (the
//! way LMAX and Aeron do it): a message goes out as soon as nothing else
//! is waiting for the room (the tasks that are ready get one turn to hand
//! theirs in first), and what arrives while the room is storing and
//! publishing a batch is taken together as the next one, up to
//! [`BATCH_BYTES`]. So a quiet room adds no delay, and a busy one gives
//! each member one wake-up, one TLS record and one system call for many
//! messages instead of one per message. Every frame the room makes fits in
//! [`MAX_LINE`]: rosters and member-list changes are cut into pages of
//! [`ROSTER_PAGE_BYTES`], and messages were checked by
//! [`crate::net::protocol::check_message`] before they got here.
//!
//! A member with a key is its key: the nicknames it has had are kept for
//! it ([`Reserved`]), and its client token is bound to it
//! ([`bound_token`]).

mod door;
mod entry;
mod moderation;

pub(crate) use entry::{Arrival, Entry, Knock, WAITING};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::net::command::HistoryConfig;
use crate::net::event::{MemberInfo, MessageEvent, NetEvent};
use crate::net::feed::{ByteSize, CutReason, Cutoff, Feed, Reader};
use crate::net::frame::{ErrorCode, LeaveReason, LeftMember, Resume, ServerFrame, WireMember};
use crate::net::nick;
use crate::net::protocol::{
    Dialect, FrameError, MAX_IDENTITY_BYTES, MAX_LINE, ROSTER_PAGE_BYTES, clip, encode_server,
};
use crate::net::reserved::{MAX_RESERVED, Reserved};
use crate::net::sink::EventSink;
use crate::net::store::{Appended, MAX_REPLAY, NewMessage, Store, StoreError, StoredMessage};
use crate::net::wording::said_msg;

/// The host's member id.
pub(crate) const HOST_ID: u64 = 0;

/// How many requests may wait for the room task.
const REQUEST_QUEUE: usize = 1024;

/// A batch goes out when its messages reach this size, even when more are
/// waiting (those go in the next one).
const BATCH_BYTES: usize = 16 * 1024;

/// Above this many members, join and leave notices are gathered and sent as
/// one item every [`COALESCE`]: a notice per join to every member makes a
/// join storm quadratic.
pub(crate) const BIG_ROOM: usize = 64;

/// How long join and leave notices are gathered in a big room.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(500);

/// What members receive: items in room order, published together.
#[derive(Debug)]
pub(crate) struct Batch(pub Vec<Item>);

impl ByteSize for Batch {
    fn bytes(&self) -> usize {
        self.0.iter().map(Item::bytes).sum()
    }
}

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
    /// For the member it is about only (the host telling it it was
    /// muted); nobody else gets anything of it.
    Private,
    /// The room is closing; the last item.
    Closing,
}

/// One message as the room put it in order (or could not).
#[derive(Debug)]
pub(crate) struct Said {
    pub client_id: Option<String>,
    pub seq: u64,
    pub ts: u64,
    pub text: String,
    /// Why it was not said (not stored, or its sender is muted): its
    /// sender is told, with the message's id.
    pub refused: Option<FrameError>,
}

/// One thing the room said, encoded once for every member.
#[derive(Debug)]
pub(crate) struct Item {
    /// The member it came from or is about.
    pub from: u64,
    /// What it is.
    pub kind: ItemKind,
    /// The JSON lines for `tlschat/1` members.
    pub json: Vec<u8>,
    /// The text lines for plain members (may be empty).
    pub plain: Vec<u8>,
}

impl Item {
    /// An item whose frame everyone gets alike, encoded once per dialect.
    fn of(from: u64, kind: ItemKind, frame: &ServerFrame) -> Self {
        let mut json = Vec::new();
        let mut plain = Vec::new();
        encode_server(frame, Dialect::Json, &mut json);
        encode_server(frame, Dialect::Plain, &mut plain);
        Self {
            from,
            kind,
            json,
            plain,
        }
    }

    fn bytes(&self) -> usize {
        let said = match &self.kind {
            ItemKind::Msgs(said) => said
                .iter()
                .map(|s| {
                    s.text.len()
                        + s.client_id.as_ref().map_or(0, String::len)
                        + s.refused.as_ref().map_or(0, |r| r.message.len())
                        + 48
                })
                .sum(),
            _ => 0,
        };
        self.json.len() + self.plain.len() + said + 64
    }

    /// Appends what member `me` should receive of this item to `out`
    /// (members' writers send the shared bytes as they are: see
    /// [`Item::shared_for`]).
    #[cfg(test)]
    pub fn render_for(&self, me: u64, dialect: Dialect, out: &mut Vec<u8>) {
        match self.shared_for(me, dialect) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => self.render_own(me, dialect, out),
        }
    }

    /// The bytes member `me` receives of this item when they are the ones
    /// everyone in its dialect gets (encoded once, shared by every
    /// member's writer); `None` when what it gets is its own (see
    /// [`Item::render_own`]), or nothing.
    pub fn shared_for(&self, me: u64, dialect: Dialect) -> Option<&[u8]> {
        let plain = dialect == Dialect::Plain;
        let bytes = if plain { &self.plain } else { &self.json };
        if self.from != me {
            return (!matches!(self.kind, ItemKind::Private)).then_some(bytes.as_slice());
        }
        match &self.kind {
            ItemKind::Msgs(_) | ItemKind::Joined => None,
            ItemKind::Renamed if plain => None,
            ItemKind::Renamed | ItemKind::Other | ItemKind::Private | ItemKind::Closing => {
                Some(bytes)
            }
        }
    }

    /// Appends what member `me` receives of this item that is its own
    /// (when [`Item::shared_for`] is `None`): the sender of messages gets
    /// acknowledgements (JSON) or nothing (plain), and why any of them was
    /// refused; anything else nothing.
    pub fn render_own(&self, me: u64, dialect: Dialect, out: &mut Vec<u8>) {
        let ItemKind::Msgs(said) = &self.kind else {
            return;
        };
        if self.from != me {
            return;
        }
        for m in said {
            if let Some(why) = &m.refused {
                let mut e = why.clone();
                e.id.clone_from(&m.client_id);
                encode_server(&e.frame(), dialect, out);
            } else if dialect == Dialect::Json {
                let ack = ServerFrame::Ack {
                    id: m.client_id.clone(),
                    seq: m.seq,
                    ts: m.ts,
                    text: m.text.clone(),
                    history: false,
                };
                encode_server(&ack, Dialect::Json, out);
            }
        }
    }
}

/// What a new member gets back from [`Room::join`].
pub(crate) struct Welcome {
    /// Its member id.
    pub id: u64,
    /// What it is told first, in its dialect: who it is and the first page
    /// of who is in the room.
    pub greeting: Vec<u8>,
    /// The stored messages it gets next, before [`Welcome::items`].
    pub replay: Replay,
    /// Everything the room says from then on, while it is a member: the
    /// room cuts it off when it takes the member out of its list.
    pub items: Reader<Batch>,
}

/// Which stored messages a member gets after its welcome: those after
/// `after` up to `upto` (the room's last message when it joined; the live
/// feed starts after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Replay {
    pub after: u64,
    pub upto: u64,
    /// How many were said after the resume point and are not kept.
    pub missed: u64,
    /// A resume rather than a newcomer's backlog.
    pub resumed: bool,
}

impl Replay {
    /// How many messages it brings (numbers have no gaps).
    pub fn count(&self) -> u64 {
        self.upto.saturating_sub(self.after)
    }
}

/// What a member proved in its TLS handshake: the key it holds (the
/// SHA-256 of its SubjectPublicKeyInfo, see [`crate::net::keyauth`]) and,
/// when its certificate is from the host's client CA, the identity it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proof {
    pub key: [u8; 32],
    pub identity: Option<String>,
}

/// Where a member comes from: its client token, where it left off, and
/// its address (what a member without a key is banned by).
#[derive(Debug, Clone, Default)]
pub(crate) struct Returning {
    pub client: Option<Arc<str>>,
    pub resume: Option<Resume>,
    pub addr: Option<std::net::IpAddr>,
}

impl Returning {
    /// The same, with its client token bound to the key the member proved
    /// (see [`bound_token`]): what the room, the store and the replay know
    /// the member by from here on.
    pub fn bound_to(self, proof: Option<&Proof>) -> Self {
        Self {
            client: self.client.map(|c| bound_token(&c, proof)),
            ..self
        }
    }
}

/// A client token as the room keeps it: bound to the key that presents it.
/// A member with a key is known by its token *and* its key, so the same
/// token from another key (or from no key) is another member's, a newcomer
/// with nothing to resume: it takes no one's place, name, stored
/// acknowledgements or message ids. The store hashes this form, so the
/// binding holds across restarts with nothing more stored. A token from a
/// member without a key is kept as it came; a bound one is longer than any
/// token may be ([`MAX_ID`](crate::net::protocol::MAX_ID)), so no token
/// can pass for another's bound one.
pub(crate) fn bound_token(token: &str, proof: Option<&Proof>) -> Arc<str> {
    match proof {
        None => Arc::from(token),
        Some(p) => {
            let key = crate::net::certinfo::hex(&p.key);
            Arc::from(format!("{token}\0key:{key}"))
        }
    }
}

enum Request {
    /// Someone at the door (see [`entry`]).
    Enter {
        arrival: Arrival,
        reply: oneshot::Sender<Entry>,
    },
    /// A connection waiting in the lobby went away.
    LeaveLobby(u64),
    /// The room's invite links, and the start invitation's code.
    OpenDoor {
        links: Vec<crate::net::invite::Invite>,
        start: Option<String>,
    },
    Say {
        from: u64,
        messages: Vec<Saying>,
    },
    Nick {
        from: u64,
        nick: String,
        reply: oneshot::Sender<Result<String, RoomError>>,
    },
    Roster {
        from: u64,
        after: Option<u64>,
        reply: oneshot::Sender<Option<ServerFrame>>,
    },
    Leave {
        id: u64,
        reason: LeaveReason,
    },
    Read {
        after: u64,
        upto: u64,
        max_count: usize,
        max_bytes: usize,
        reply: oneshot::Sender<Result<Vec<StoredMessage>, StoreError>>,
    },
    Close {
        reason: String,
    },
    /// What the host asks of its door (see [`door`]).
    Door(crate::net::command::DoorCommand),
}

/// One message a member wants said: its text and, for `tlschat/1` members
/// and the host, the id its acknowledgement carries, with the member's
/// client token that makes the id unique.
#[derive(Debug)]
pub(crate) struct Saying {
    pub text: String,
    pub client_id: Option<String>,
    pub client: Option<Arc<str>>,
}

/// A cheap handle to the room task.
#[derive(Clone)]
pub(crate) struct Room {
    tx: mpsc::Sender<Request>,
    feed: Arc<Feed<Batch>>,
    /// What the store hashes client tokens with.
    tokens: crate::net::store::TokenKey,
}

/// Why the room refuses what a member asked (one line, for that member).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RoomError {
    /// The room is closing (or gone).
    #[error("the room is closing")]
    Closing,
    /// The one asking is not a member.
    #[error("you are not in the room")]
    NotMember,
    /// The nickname is not one a member may have (see [`nick::normalize`]).
    #[error(transparent)]
    Nick(#[from] nick::NickError),
    /// Another member has the nickname.
    #[error("the nickname {wanted} is taken")]
    Taken {
        /// The nickname asked for.
        wanted: String,
    },
    /// The nickname is kept for the key of a member who had it before.
    #[error("the nickname {wanted} is kept for another member's key")]
    Kept {
        /// The nickname asked for.
        wanted: String,
    },
    /// Another member has a nickname that looks like it.
    #[error("the nickname {wanted} is taken: it looks like {like}")]
    LooksLike {
        /// The nickname asked for.
        wanted: String,
        /// The nickname it looks like.
        like: String,
    },
}

impl RoomError {
    /// The error as a message, for the host's own window or terminal (a
    /// member is sent it in English).
    #[must_use]
    pub(crate) fn msg(&self) -> Msg {
        match self {
            Self::Closing => msg!("net-room-closing"),
            Self::NotMember => msg!("net-not-member"),
            Self::Nick(e) => e.msg(),
            Self::Taken { wanted } => msg!("net-nick-taken", wanted = wanted),
            Self::Kept { wanted } => msg!("net-nick-kept", wanted = wanted),
            Self::LooksLike { wanted, like } => {
                msg!("net-nick-looks-like", wanted = wanted, like = like)
            }
        }
    }
}

/// A member as the wire describes it.
pub(crate) fn wire(m: &MemberInfo) -> WireMember {
    WireMember {
        id: m.id,
        nick: m.nick.clone(),
        host: m.is_host,
        plain: m.plain_text,
        identity: m.identity.clone(),
        key: m.key.as_ref().map(crate::net::certinfo::fingerprint),
    }
}

/// About how many bytes a member takes in a JSON roster.
fn wire_bytes(m: &MemberInfo) -> usize {
    // {"id":…,"nick":"…","host":false,"plain":false,"identity":"…",
    // "key":"SHA256:…"}, with every nick byte possibly escaped to two.
    72 + 2 * m.nick.len()
        + m.identity.as_ref().map_or(0, |i| 2 * i.len() + 14)
        + m.key.map_or(0, |_| 80)
}

impl Room {
    /// Starts the room task with the host as its first member and its
    /// history in `store`. The room task owns the store: a batch is
    /// committed where it is ordered, with no hand-over to another thread
    /// (a WAL commit without fsync is a write of about the batch's size).
    /// The task ends, and closes the store, after [`Room::close`]; the
    /// handle returned with the room says when.
    pub fn start(
        host_nick: String,
        events: EventSink,
        store: Store,
        settings: &HistoryConfig,
        door: crate::net::door::DoorConfig,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(REQUEST_QUEUE);
        let feed = Feed::new();
        let tokens = store.token_key();
        let host = MemberInfo {
            id: HOST_ID,
            nick: host_nick.clone(),
            is_host: true,
            plain_text: false,
            identity: None,
            key: None,
        };
        let mut state = RoomState {
            members: BTreeMap::new(),
            nicks: HashMap::new(),
            reserved: Reserved::new(MAX_RESERVED),
            clients: HashMap::new(),
            client_of: HashMap::new(),
            seats: HashMap::new(),
            next_id: store.next_member().max(1),
            next_guest: 1,
            seq: store.last_seq(),
            backlog: settings.backlog,
            room_id: store.room().to_string(),
            store,
            feed: feed.clone(),
            events,
            pending_joined: Vec::new(),
            pending_left: Vec::new(),
            closed: false,
            gathered: Vec::new(),
            gathered_bytes: 0,
            told_host: None,
            door: crate::net::door::Door::new(door.access, door.require_client_ca),
            door_config: door,
            entry: entry::EntryState::default(),
            addrs: HashMap::new(),
            mutes: moderation::Mutes::default(),
        };
        state.restore_door();
        state.nicks.insert(nick::key(&host_nick), HOST_ID);
        state.members.insert(HOST_ID, host);
        state.events.emit(NetEvent::Joined {
            you: HOST_ID,
            nick: host_nick,
            members: state.members.values().cloned().collect(),
            total: 1,
        });
        let task = tokio::spawn(state.run(rx));
        (Self { tx, feed, tokens }, task)
    }

    /// Stored messages after `after` up to `upto`: at most `max_count`
    /// of them, stopping past `max_bytes` (a replay's page). `None` when
    /// the room is gone.
    pub async fn read_history(
        &self,
        after: u64,
        upto: u64,
        max_count: usize,
        max_bytes: usize,
    ) -> Option<Result<Vec<StoredMessage>, StoreError>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Read {
                after,
                upto,
                max_count,
                max_bytes,
                reply,
            })
            .await
            .ok()?;
        rx.await.ok()
    }

    /// The room's feed (the output budget cuts readers off it).
    pub fn feed(&self) -> Arc<Feed<Batch>> {
        self.feed.clone()
    }

    /// What the history holds for a client token (see
    /// [`crate::net::store::TokenKey`]): a member's own stored messages
    /// are those with this.
    pub fn token_hash(&self, token: &str) -> String {
        self.tokens.hash(token.as_bytes())
    }

    /// The bytes the room's feed keeps now (for tests and benchmarks).
    #[allow(dead_code)]
    pub fn feed_bytes(&self) -> usize {
        self.feed.bytes()
    }

    /// Puts someone to the door: it joins (a member id, its greeting, its
    /// history, its place on the feed), waits in the lobby, or is told
    /// why not. `None` when the room is gone, or has no member id left to
    /// give.
    pub async fn enter(&self, arrival: Arrival) -> Option<Entry> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Request::Enter { arrival, reply }).await.ok()?;
        rx.await.ok()
    }

    /// Adds a member through the door with no invitation; `None` as nick
    /// means a generated `guest-N`. `None` unless it is let in at once.
    #[cfg(test)]
    pub async fn join(
        &self,
        nick: Option<String>,
        dialect: Dialect,
        proof: Option<Proof>,
        returning: Returning,
    ) -> Option<Welcome> {
        let arrival = Arrival {
            proof,
            returning,
            ..Arrival::named(nick, dialect)
        };
        match self.enter(arrival).await? {
            Entry::Welcome(w) => Some(w),
            Entry::Knock(_) | Entry::Refused(_) => None,
        }
    }

    /// A connection waiting in the lobby as `id` went away or gave up.
    pub async fn leave_lobby(&self, id: u64) {
        let _ = self.tx.send(Request::LeaveLobby(id)).await;
    }

    /// Hands the room its invite links (without a code) and the code of
    /// the invitation made at start, if one was.
    pub async fn open_door(&self, links: Vec<crate::net::invite::Invite>, start: Option<String>) {
        let _ = self.tx.send(Request::OpenDoor { links, start }).await;
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
    pub async fn nick(&self, from: u64, nick: String) -> Result<String, RoomError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Nick { from, nick, reply })
            .await
            .map_err(|_| RoomError::Closing)?;
        rx.await.map_err(|_| RoomError::Closing)?
    }

    /// A page of the member list for member `from`: those with an id
    /// above `after`, as a [`ServerFrame::Roster`] that fits in
    /// [`MAX_LINE`]. `None` when the room is gone or `from` is not in it.
    pub async fn roster(&self, from: u64, after: Option<u64>) -> Option<ServerFrame> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Roster { from, after, reply })
            .await
            .ok()?;
        rx.await.ok().flatten()
    }

    /// Removes a member.
    pub async fn leave(&self, id: u64, reason: LeaveReason) {
        let _ = self.tx.send(Request::Leave { id, reason }).await;
    }

    /// Does what the host asks of its door; the answer comes as events
    /// ([`NetEvent::Door`], [`NetEvent::InviteMade`], notices).
    pub async fn door(&self, command: crate::net::command::DoorCommand) {
        let _ = self.tx.send(Request::Door(command)).await;
    }

    /// Tells everyone the room is closing, then ends the room task.
    pub async fn close(&self, reason: String) {
        let _ = self.tx.send(Request::Close { reason }).await;
    }
}

/// Messages from one sender waiting to be stored and said.
struct Gathered {
    from: u64,
    nick: String,
    ts: u64,
    messages: Vec<NewMessage>,
}

struct RoomState {
    members: BTreeMap<u64, MemberInfo>,
    /// Every member's nickname key, and whose it is.
    nicks: HashMap<String, u64>,
    /// The nicknames kept for the keys that used them.
    reserved: Reserved,
    /// Members' client tokens, and whose they are.
    clients: HashMap<Arc<str>, u64>,
    /// The other way round.
    client_of: HashMap<u64, Arc<str>>,
    /// Every member's place in the feed (the host's excepted: it hears the
    /// room through its events). Exactly the members in `members` hear
    /// the room: see [`RoomState::check_seats`].
    seats: HashMap<u64, Arc<Cutoff>>,
    next_id: u64,
    next_guest: u64,
    /// The last sequence number stored.
    seq: u64,
    backlog: u64,
    room_id: String,
    store: Store,
    feed: Arc<Feed<Batch>>,
    events: EventSink,
    /// Messages gathered for the next batch (they arrived while the room
    /// was busy), not yet stored.
    gathered: Vec<Gathered>,
    /// Their size in bytes (the larger dialect).
    gathered_bytes: usize,
    /// Joins not yet announced (big rooms).
    pending_joined: Vec<MemberInfo>,
    /// Leaves not yet announced (big rooms), with their reasons.
    pending_left: Vec<(MemberInfo, LeaveReason)>,
    /// The room was closed: the task ends.
    closed: bool,
    /// The last history trouble shown to the host.
    told_host: Option<Msg>,
    /// Who may come in: members' keys, invitations, bans (see [`door`]).
    door: crate::net::door::Door,
    /// The host's choices for the door.
    door_config: crate::net::door::DoorConfig,
    /// The lobby and the remembered members (see [`entry`]).
    entry: entry::EntryState,
    /// Where each member but the host connects from: what a member
    /// without a key is banned and muted by.
    addrs: HashMap<u64, std::net::IpAddr>,
    /// Who may read but not speak (see [`moderation`]).
    mutes: moderation::Mutes,
}

impl RoomState {
    /// The first sequence number still kept.
    fn first_kept(&self) -> u64 {
        self.store.first_kept()
    }

    /// Shows the host what was said before it started (a restart).
    fn show_history(&self) {
        let upto = self.seq;
        let after = upto
            .saturating_sub(self.backlog)
            .max(self.first_kept().saturating_sub(1));
        let mut from = after;
        let mut count = 0;
        while from < upto {
            let page = match self.store.read(from, upto, 1000, 1 << 20) {
                Ok(page) if !page.is_empty() => page,
                Ok(_) => break,
                Err(e) => {
                    self.events.emit(NetEvent::Notice(said_msg(e.to_string())));
                    break;
                }
            };
            for m in page {
                from = m.seq;
                count += 1;
                self.events.emit(NetEvent::Message(MessageEvent {
                    seq: m.seq,
                    from: Some(m.sender),
                    own: m.sender == HOST_ID,
                    nick: m.nick,
                    text: m.text,
                    time_ms: m.ts,
                    history: true,
                }));
            }
        }
        let skipped = self.store.skipped();
        if skipped > 0 {
            self.events.emit(NetEvent::Notice(msg!(
                "net-history-skipped",
                count = skipped
            )));
        }
        if count > 0 {
            self.events.emit(NetEvent::HistoryEnd {
                count,
                missed: 0,
                resumed: false,
            });
        }
    }

    /// Serves requests until the room closes. Messages are gathered while
    /// more messages are waiting, and go out as one batch as soon as
    /// nothing more is (after one turn for the tasks that are ready: a
    /// yield, not a sleep), or something else is. The batch is whatever
    /// arrived while the last one was stored and published, so its size
    /// follows the load and nothing waits for a timer.
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        self.show_history();
        let mut tick = tokio::time::interval(COALESCE);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Whether the batch being gathered had its turn to wait for more.
        let mut yielded = false;
        loop {
            let request = if self.gathered.is_empty() {
                yielded = false;
                let pending = !self.pending_joined.is_empty() || !self.pending_left.is_empty();
                tokio::select! {
                    request = rx.recv() => request,
                    _ = tick.tick(), if pending => {
                        self.flush_members();
                        continue;
                    }
                }
            } else {
                match rx.try_recv() {
                    Ok(request) => Some(request),
                    // Nothing else is waiting: the tasks that are ready
                    // (members whose lines came in meanwhile) have one turn
                    // to add theirs, then what was gathered goes out.
                    Err(mpsc::error::TryRecvError::Empty) if !yielded => {
                        yielded = true;
                        tokio::task::yield_now().await;
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Empty) => {
                        self.flush_said();
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => None,
                }
            };
            let Some(request) = request else { break };
            // Only messages are gathered: anything else comes after the
            // messages before it (a member put out hears them first).
            if !matches!(request, Request::Say { .. }) {
                self.flush_said();
            }
            let full = matches!(
                request,
                Request::Enter { .. } | Request::Leave { .. } | Request::Door(_)
            );
            self.handle(request);
            self.check_seats(full);
            if self.closed {
                break;
            }
        }
        self.flush_said();
        self.feed.close();
    }

    /// Whether only the members in the list hear the room: every member
    /// but the host has a seat and every seat is a member's, and no reader
    /// of the feed is open without an open seat. A reader is only made by
    /// [`RoomState::join`], which seats it, and every way out of the list
    /// cuts it off; this checks that no path forgot to. A seat may be cut
    /// off while its member is still listed (its connection ended and its
    /// leave is on the way), never the other way round.
    ///
    /// `full` looks at every seat (on joins and leaves); otherwise only the
    /// counts are compared, which is enough between them.
    fn seats_hold(&self, full: bool) -> bool {
        if self.seats.len() + 1 != self.members.len() {
            return false;
        }
        if !full {
            return self.feed.open_readers() <= self.seats.len();
        }
        // Seats first, readers after: readers only close meanwhile (the
        // room, which alone opens them, is here), so this never errs
        // towards a false alarm.
        let mut open = 0;
        for (id, seat) in &self.seats {
            if !self.members.contains_key(id) {
                return false;
            }
            open += usize::from(!seat.is_cut());
        }
        self.feed.open_readers() <= open
    }

    /// Checks [`RoomState::seats_hold`] after every request, and before
    /// anything goes out: a failure is a bug that would let a connection
    /// hear the room unseen, so the room closes rather than go on.
    fn check_seats(&mut self, full: bool) -> bool {
        if self.closed || self.seats_hold(full) {
            return !self.closed;
        }
        tracing::error!("a connection hears the room without being in it: closing the room");
        self.events
            .emit(NetEvent::Notice(msg!("net-room-closed-itself")));
        self.closed = true;
        self.feed.push(Batch(vec![Item::of(
            HOST_ID,
            ItemKind::Closing,
            &ServerFrame::Closing {
                reason: "the room closed because of an error in the host".into(),
            },
        )]));
        false
    }

    /// Sends a batch to the members — only while only members hear it.
    fn push(&mut self, batch: Batch) {
        if self.check_seats(false) {
            self.feed.push(batch);
        }
    }

    /// Carries out one request.
    fn handle(&mut self, request: Request) {
        match request {
            Request::Enter { arrival, reply } => self.enter(arrival, reply),
            Request::LeaveLobby(id) => self.leave_lobby(id),
            Request::OpenDoor { links, start } => self.open_door(links, start.as_deref()),
            Request::Say { from, messages } => self.say(from, messages),
            Request::Nick { from, nick, reply } => {
                let _ = reply.send(self.rename(from, &nick));
            }
            Request::Roster { from, after, reply } => {
                // Only a member may see who is in the room.
                let page = self.members.contains_key(&from).then(|| {
                    let (members, next) = self.page(after);
                    ServerFrame::Roster {
                        members,
                        total: self.members.len() as u64,
                        next,
                    }
                });
                let _ = reply.send(page);
            }
            Request::Leave { id, reason } => self.leave(id, reason, CutReason::Left),
            Request::Read {
                after,
                upto,
                max_count,
                max_bytes,
                reply,
            } => {
                let page = self.store.read(after, upto, max_count, max_bytes);
                if let Err(e) = &page {
                    self.tell_host(said_msg(e.to_string()));
                }
                let _ = reply.send(page);
            }
            Request::Door(command) => self.door_command(command),
            Request::Close { reason } => {
                self.flush_members();
                self.publish(Item::of(
                    HOST_ID,
                    ItemKind::Closing,
                    &ServerFrame::Closing { reason },
                ));
                self.closed = true;
            }
        }
    }

    /// Whether `name` is free for a member with `key` (or none): nobody
    /// has it, and it is not kept for another key.
    fn free(&self, name: &str, key: Option<&[u8; 32]>) -> bool {
        let name = nick::key(name);
        !self.nicks.contains_key(&name) && !self.reserved.kept_from(&name, key)
    }

    fn unique_nick(&self, wanted: &str, key: Option<&[u8; 32]>) -> String {
        if self.free(wanted, key) {
            return wanted.to_string();
        }
        // The suffix never makes a name longer than a name may be.
        (2u64..)
            .map(|n| {
                let suffix = format!("-{n}");
                let keep = crate::net::protocol::MAX_NICK_CHARS.saturating_sub(suffix.len());
                let base: String = wanted.chars().take(keep).collect();
                format!("{base}{suffix}")
            })
            .find(|n| self.free(n, key))
            .unwrap_or_else(|| wanted.to_string())
    }

    /// Members with an id above `after`, up to [`ROSTER_PAGE_BYTES`], and
    /// the id to ask after when there are more.
    fn page(&self, after: Option<u64>) -> (Vec<WireMember>, Option<u64>) {
        let from = after.map_or(0, |a| a.saturating_add(1));
        let mut bytes = 0;
        let mut page = Vec::new();
        for m in self.members.range(from..).map(|(_, m)| m) {
            let size = wire_bytes(m);
            if !page.is_empty() && bytes + size > ROSTER_PAGE_BYTES {
                let next = page.last().map(|w: &WireMember| w.id);
                return (page, next);
            }
            bytes += size;
            page.push(wire(m));
        }
        (page, None)
    }

    /// Tells the host (its log and its window) what went wrong with the
    /// history; members are told only that something did. The same
    /// trouble again is logged, not shown again.
    fn tell_host(&mut self, detail: Msg) {
        tracing::warn!("{}", detail.text_in(Lang::En));
        if self.told_host.as_ref() != Some(&detail) {
            self.told_host = Some(detail.clone());
            self.events.emit(NetEvent::Notice(detail));
        }
    }

    /// Sends an item to every member, after the messages gathered before it.
    fn publish(&mut self, item: Item) {
        self.flush_said();
        self.push(Batch(vec![item]));
    }

    /// Stores the gathered messages (one transaction), then sends what was
    /// stored as one batch: acknowledgements to their senders, the messages
    /// to everyone else. What could not be stored is refused to its sender
    /// and said to nobody.
    fn flush_said(&mut self) {
        self.gathered_bytes = 0;
        if self.gathered.is_empty() {
            return;
        }
        let mut groups = std::mem::take(&mut self.gathered);
        // Each group's count, to hand the messages back to it.
        let sizes: Vec<usize> = groups.iter().map(|g| g.messages.len()).collect();
        let messages: Vec<NewMessage> = groups
            .iter_mut()
            .flat_map(|g| std::mem::take(&mut g.messages))
            .collect();
        let mut outcomes = self.store.append(&messages, self.next_id).into_iter();
        let mut messages = messages.into_iter();
        let mut items = Vec::with_capacity(groups.len());
        for (g, n) in groups.into_iter().zip(sizes) {
            let mut json = Vec::new();
            let mut plain = Vec::new();
            let mut said = Vec::with_capacity(n);
            for (m, outcome) in messages.by_ref().take(n).zip(outcomes.by_ref()) {
                let own_id = (g.from == HOST_ID)
                    .then(|| m.cid.as_deref().and_then(|c| c.parse::<u64>().ok()))
                    .flatten();
                match outcome {
                    Ok(Appended::New(seq)) => {
                        self.seq = self.seq.max(seq);
                        let frame = ServerFrame::Msg {
                            seq,
                            from: g.from,
                            nick: g.nick.clone(),
                            text: m.text,
                            ts: g.ts,
                            history: false,
                        };
                        encode_server(&frame, Dialect::Json, &mut json);
                        encode_server(&frame, Dialect::Plain, &mut plain);
                        let ServerFrame::Msg { text, .. } = frame else {
                            continue;
                        };
                        if let Some(id) = own_id {
                            self.events.emit(NetEvent::Delivered { id });
                        }
                        self.events.emit(NetEvent::Message(MessageEvent {
                            seq,
                            from: Some(g.from),
                            nick: g.nick.clone(),
                            text: text.clone(),
                            time_ms: g.ts,
                            own: g.from == HOST_ID,
                            history: false,
                        }));
                        said.push(Said {
                            client_id: m.cid,
                            seq,
                            ts: g.ts,
                            text,
                            refused: None,
                        });
                    }
                    // Said before: acknowledged again, said to nobody.
                    Ok(Appended::Duplicate { seq, ts, text }) => said.push(Said {
                        client_id: m.cid,
                        seq,
                        ts,
                        text,
                        refused: None,
                    }),
                    Err(why) => {
                        if let Some(id) = own_id {
                            self.events.emit(NetEvent::NotDelivered {
                                id,
                                reason: said_msg(why.detail.as_str()),
                            });
                        } else {
                            // The host hears why, with the file; the
                            // sender only that it was not stored.
                            self.tell_host(said_msg(why.detail.as_str()));
                        }
                        said.push(Said {
                            client_id: m.cid,
                            seq: 0,
                            ts: g.ts,
                            text: String::new(),
                            refused: Some(FrameError::new(ErrorCode::NotStored, why.for_members())),
                        });
                    }
                }
            }
            items.push(Item {
                from: g.from,
                kind: ItemKind::Msgs(said),
                json,
                plain,
            });
        }
        self.push(Batch(items));
    }

    /// Gathers a sender's messages for the next batch, which goes out when
    /// no more requests are waiting ([`RoomState::run`]) or when it reaches
    /// [`BATCH_BYTES`].
    fn said(&mut self, group: Gathered) {
        self.gathered_bytes += group
            .messages
            .iter()
            .map(|m| m.text.len() + group.nick.len() + 64)
            .sum::<usize>();
        // Consecutive messages of one sender make one item.
        match self.gathered.last_mut() {
            Some(last) if last.from == group.from && last.nick == group.nick => {
                last.messages.extend(group.messages);
            }
            _ => self.gathered.push(group),
        }
        if self.gathered_bytes >= BATCH_BYTES {
            self.flush_said();
        }
    }

    /// Which stored messages a newcomer or a returning member gets, and
    /// what to tell it first when its resume cannot be honoured.
    /// `since`: what it may see begins after it (`--history-visibility
    /// joined`).
    fn replay_for(
        &self,
        dialect: Dialect,
        resume: Option<&Resume>,
        since: Option<u64>,
    ) -> (Replay, Option<FrameError>) {
        let upto = self.seq;
        let since = since.unwrap_or(0).min(upto);
        let floor = self.first_kept().saturating_sub(1).max(since);
        let backlog = match dialect {
            Dialect::Plain => self.backlog.min(HistoryConfig::PLAIN_BACKLOG),
            Dialect::Json => self.backlog,
        };
        let newcomer = Replay {
            after: upto.saturating_sub(backlog).max(floor),
            upto,
            missed: 0,
            resumed: false,
        };
        let Some(resume) = resume.filter(|_| dialect == Dialect::Json) else {
            return (newcomer, None);
        };
        let refuse = |why: String| Some(FrameError::new(ErrorCode::BadResume, why));
        if resume.room != self.room_id {
            return (
                newcomer,
                refuse(format!(
                    "you asked to resume another room ({}); this room's history starts afresh for you",
                    clip(&resume.room, 40)
                )),
            );
        }
        if resume.after > upto {
            return (
                newcomer,
                refuse(format!(
                    "you asked for what came after message {}, but this room has only reached {upto}",
                    resume.after
                )),
            );
        }
        let after = resume.after.max(floor).max(upto.saturating_sub(MAX_REPLAY));
        (
            Replay {
                after,
                upto,
                // What came before `since` was never this member's to miss.
                missed: after - resume.after.max(since),
                resumed: true,
            },
            None,
        )
    }

    /// Seats a newcomer the door let in; it sees the history after
    /// `since` (all that is kept when `None`).
    fn join(&mut self, arrival: Arrival, since: Option<u64>) -> Option<Welcome> {
        let Arrival {
            nick,
            dialect,
            proof,
            returning,
            ..
        } = arrival;
        // Ids are never handed out twice, and never past the store's range
        // (the host's is 0: an id that wrapped would be the host's).
        let id = self.next_id;
        let Some(next_id) = id
            .checked_add(1)
            .filter(|n| *n <= crate::net::store::MAX_NUMBER)
        else {
            tracing::error!("the room has handed out every member id: nobody else can join");
            return None;
        };
        self.take_place_of_old(&returning);
        self.next_id = next_id;
        let key = proof.as_ref().map(|p| p.key);
        let (nick, notice) = self.name_newcomer(id, nick, key.as_ref());
        self.note_returning(id, &returning);
        let member = MemberInfo {
            id,
            nick: nick.clone(),
            is_host: false,
            plain_text: dialect == Dialect::Plain,
            identity: proof
                .and_then(|p| p.identity)
                .map(|i| clip(&i, MAX_IDENTITY_BYTES).to_string()),
            key,
        };
        // Everything said so far is stored: the replay ends where the feed
        // this member subscribes to begins.
        self.flush_said();
        let (replay, refused) = self.replay_for(dialect, returning.resume.as_ref(), since);
        // Subscribe before publishing the join, so the new member's view
        // starts exactly after the roster it is given.
        let items = self.feed.subscribe();
        self.seats.insert(id, items.cutoff().clone());
        self.members.insert(id, member.clone());
        if self.members.len() > BIG_ROOM {
            self.pending_joined.push(member.clone());
        } else {
            self.flush_members();
            self.publish(Item::of(
                id,
                ItemKind::Joined,
                &ServerFrame::Joined {
                    member: wire(&member),
                },
            ));
        }
        self.events.emit(NetEvent::MemberJoined(member));
        if let Some(notice) = notice {
            self.notice(notice);
        }
        self.remind_if_muted(id);
        let greeting = self.greeting(id, nick, dialect, replay.upto, refused);
        Some(Welcome {
            id,
            greeting,
            replay,
            items,
        })
    }

    /// What newcomer `id` is told first, in its dialect: its welcome (who
    /// it is, the first page of who is here, the room and where its feed
    /// starts, `upto`) and why its resume was refused, if it was. The
    /// first page is encoded here, once; the member asks for the rest page
    /// by page, so a join costs the room at most a page.
    fn greeting(
        &self,
        id: u64,
        nick: String,
        dialect: Dialect,
        upto: u64,
        refused: Option<FrameError>,
    ) -> Vec<u8> {
        let (members, next) = self.page(None);
        let mut greeting = Vec::new();
        encode_server(
            &ServerFrame::Welcome {
                you: id,
                nick,
                members,
                total: self.members.len() as u64,
                next,
                room: self.room_id.clone(),
                seq: upto,
            },
            dialect,
            &mut greeting,
        );
        if let Some(e) = refused {
            encode_server(&e.frame(), dialect, &mut greeting);
        }
        greeting
    }

    /// Notes where newcomer `id` comes from: its client token (whose it
    /// is) and its address (what a member without a key is banned and
    /// muted by).
    fn note_returning(&mut self, id: u64, returning: &Returning) {
        if let Some(client) = returning.client.clone() {
            self.clients.insert(client.clone(), id);
            self.client_of.insert(id, client);
        }
        if let Some(addr) = returning.addr {
            self.addrs.insert(id, addr);
        }
    }

    /// A member that comes back while its old connection still looks
    /// alive here takes its place (and so its name); the old connection
    /// hears nothing more and is told why.
    fn take_place_of_old(&mut self, returning: &Returning) {
        if let Some(old) = returning
            .client
            .as_ref()
            .and_then(|c| self.clients.get(c))
            .copied()
        {
            self.leave(old, LeaveReason::ConnectionLost, CutReason::Replaced);
        }
    }

    /// Names newcomer `id` (with `key`, or none): the name is its, and
    /// kept for its key. Also returns what the room is to say when the name
    /// it asked for is kept for another key.
    fn name_newcomer(
        &mut self,
        id: u64,
        asked: Option<String>,
        key: Option<&[u8; 32]>,
    ) -> (String, Option<Msg>) {
        let asked = asked.and_then(|n| nick::normalize(&n).ok());
        let nick = self.new_nick(asked.as_deref(), key);
        let notice = asked
            .filter(|a| {
                let k = nick::key(a);
                !self.nicks.contains_key(&k) && self.reserved.kept_from(&k, key)
            })
            .map(|a| crate::net::wording::name_kept_msg(&a, &nick));
        let name = nick::key(&nick);
        if let Some(key) = key {
            self.reserved.keep(&name, key);
        }
        self.nicks.insert(name, id);
        (nick, notice)
    }

    /// The name a newcomer with `key` (or none) gets: the one it asked
    /// for, made unique, or the next free `guest-N`.
    fn new_nick(&mut self, asked: Option<&str>, key: Option<&[u8; 32]>) -> String {
        match asked {
            Some(n) => self.unique_nick(n, key),
            None => loop {
                let n = format!("guest-{}", self.next_guest);
                self.next_guest += 1;
                if self.free(&n, key) {
                    break n;
                }
            },
        }
    }

    /// Says one line to everyone in the room, and to the host.
    /// Members read it in English (they read different languages); the
    /// host in its own.
    fn notice(&mut self, said: Msg) {
        // After the joins and leaves it may be about.
        self.flush_members();
        self.publish(Item::of(
            HOST_ID,
            ItemKind::Other,
            &ServerFrame::Notice {
                text: said.text_in(Lang::En),
            },
        ));
        self.events.emit(NetEvent::Notice(said));
    }

    /// Announces the gathered joins and leaves as one item: JSON members get
    /// them in frames of at most a roster page each, plain members one line.
    fn flush_members(&mut self) {
        if self.pending_joined.is_empty() && self.pending_left.is_empty() {
            return;
        }
        let joined = std::mem::take(&mut self.pending_joined);
        let left = std::mem::take(&mut self.pending_left);
        let mut json = Vec::new();
        let mut frame_joined = Vec::new();
        let mut frame_left = Vec::new();
        let mut bytes = 0;
        let cut = |json: &mut Vec<u8>, j: &mut Vec<WireMember>, l: &mut Vec<LeftMember>| {
            if !j.is_empty() || !l.is_empty() {
                encode_server(
                    &ServerFrame::MembersChanged {
                        joined: std::mem::take(j),
                        left: std::mem::take(l),
                    },
                    Dialect::Json,
                    json,
                );
            }
        };
        for m in &joined {
            let size = wire_bytes(m);
            if bytes + size > ROSTER_PAGE_BYTES {
                cut(&mut json, &mut frame_joined, &mut frame_left);
                bytes = 0;
            }
            bytes += size;
            frame_joined.push(wire(m));
        }
        for (m, reason) in &left {
            let size = wire_bytes(m) + 32;
            if bytes + size > ROSTER_PAGE_BYTES {
                cut(&mut json, &mut frame_joined, &mut frame_left);
                bytes = 0;
            }
            bytes += size;
            frame_left.push(LeftMember {
                member: wire(m),
                reason: *reason,
            });
        }
        cut(&mut json, &mut frame_joined, &mut frame_left);
        // The plain notice summarizes (it names at most a few).
        let plain = format!(
            "* {}\n",
            crate::net::wording::members_changed(
                joined.iter().map(|m| m.nick.as_str()),
                left.iter().map(|(m, _)| m.nick.as_str()),
            )
        )
        .into_bytes();
        debug_assert!(json.split(|b| *b == b'\n').all(|l| l.len() <= MAX_LINE));
        self.publish(Item {
            from: HOST_ID,
            kind: ItemKind::Other,
            json,
            plain,
        });
    }

    fn say(&mut self, from: u64, messages: Vec<Saying>) {
        // Whoever is about to be heard from has been announced first.
        self.flush_members();
        let Some(sender) = self.members.get(&from) else {
            return;
        };
        if self.is_muted(from) {
            self.refuse_muted(from, messages);
            return;
        }
        let nick = sender.nick.clone();
        let ts = crate::net::now_ms();
        let messages = messages
            .into_iter()
            .map(
                |Saying {
                     text,
                     client_id,
                     client,
                 }| NewMessage {
                    sender: from,
                    nick: nick.clone(),
                    text,
                    ts,
                    client,
                    cid: client_id,
                },
            )
            .collect();
        self.said(Gathered {
            from,
            nick,
            ts,
            messages,
        });
    }

    fn rename(&mut self, from: u64, wanted: &str) -> Result<String, RoomError> {
        let wanted = nick::normalize(wanted).map_err(RoomError::Nick)?;
        let Some(member) = self.members.get(&from) else {
            return Err(RoomError::NotMember);
        };
        let (old, key) = (member.nick.clone(), member.key);
        // Announce gathered joins first: they carry the old nickname.
        self.flush_members();
        if old == wanted {
            return Ok(wanted);
        }
        let wanted_key = nick::key(&wanted);
        if nick::key(&old) != wanted_key && self.nicks.contains_key(&wanted_key) {
            return Err(self.taken(&wanted, &wanted_key));
        }
        if self.reserved.kept_from(&wanted_key, key.as_ref()) {
            return Err(RoomError::Kept { wanted });
        }
        if let Some(key) = &key {
            self.reserved.keep(&wanted_key, key);
        }
        self.nicks.remove(&nick::key(&old));
        self.nicks.insert(wanted_key, from);
        if let Some(m) = self.members.get_mut(&from) {
            m.nick.clone_from(&wanted);
        }
        self.publish(Item::of(
            from,
            ItemKind::Renamed,
            &ServerFrame::Renamed {
                id: from,
                old: old.clone(),
                new: wanted.clone(),
            },
        ));
        self.events.emit(NetEvent::Renamed {
            id: from,
            old,
            new: wanted.clone(),
        });
        self.renamed(key, &wanted);
        Ok(wanted)
    }

    /// Why `wanted` cannot be had: it is taken, or looks like a name that is.
    fn taken(&self, wanted: &str, wanted_key: &str) -> RoomError {
        // One lookup, not a scan of the room: a member may try names often.
        match self
            .nicks
            .get(wanted_key)
            .and_then(|id| self.members.get(id))
            .filter(|m| m.nick != wanted)
        {
            Some(m) => RoomError::LooksLike {
                wanted: wanted.to_string(),
                like: m.nick.clone(),
            },
            None => RoomError::Taken {
                wanted: wanted.to_string(),
            },
        }
    }

    /// Takes a member out of the list, and cuts its connection off the
    /// feed in the same step (`cut` says why, to that connection).
    fn leave(&mut self, id: u64, reason: LeaveReason, cut: CutReason) {
        self.leave_saying(id, reason, cut, None);
    }

    /// [`RoomState::leave`], with a line the room says about it
    /// (`notice`): `tlschat/1` members get it after the member's leave,
    /// plain members instead of it.
    fn leave_saying(&mut self, id: u64, reason: LeaveReason, cut: CutReason, notice: Option<Msg>) {
        if let Some(seat) = self.seats.remove(&id) {
            self.feed.cut(&seat, cut);
        }
        let Some(member) = self.members.remove(&id) else {
            return;
        };
        self.nicks.remove(&nick::key(&member.nick));
        if let Some(client) = self.client_of.remove(&id) {
            self.clients.remove(&client);
        }
        self.addrs.remove(&id);
        let big = self.members.len() >= BIG_ROOM;
        if big {
            self.pending_left.push((member.clone(), reason));
        } else {
            self.flush_members();
            let mut item = Item::of(
                id,
                ItemKind::Other,
                &ServerFrame::Left {
                    member: wire(&member),
                    reason,
                },
            );
            if let Some(said) = &notice {
                let frame = ServerFrame::Notice {
                    text: said.text_in(Lang::En),
                };
                encode_server(&frame, Dialect::Json, &mut item.json);
                item.plain.clear();
                encode_server(&frame, Dialect::Plain, &mut item.plain);
            }
            self.publish(item);
        }
        if self.members.len() == 1 && notice.is_none() {
            // Only the host is left: nobody will read what the room said.
            // (A member put out still reads what came before its cutoff.)
            self.flush_said();
            self.feed.clear();
        }
        self.events.emit(NetEvent::MemberLeft { member, reason });
        match notice {
            // After the gathered leaves it is about.
            Some(said) if big => self.notice(said),
            Some(said) => self.events.emit(NetEvent::Notice(said)),
            None => {}
        }
    }
}

/// Rooms for the tests of the room and of what uses it.
#[cfg(test)]
pub(crate) mod testing {
    use super::{EventSink, HistoryConfig, Room, Store};
    use crate::net::DoorConfig;

    /// A history with the default settings, in `file` (in memory without
    /// one).
    pub(crate) fn store(file: Option<&std::path::Path>) -> Store {
        let s = HistoryConfig::default();
        Store::open(file, s.keep, s.keep_bytes, None).expect("a history for tests")
    }

    /// A room named hana on `store` behind `door`, whose host hears `sink`;
    /// and its task.
    pub(crate) fn room(
        sink: EventSink,
        store: Store,
        door: DoorConfig,
    ) -> (Room, tokio::task::JoinHandle<()>) {
        Room::start("hana".into(), sink, store, &HistoryConfig::default(), door)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::net::feed::Next;

    trait Batched {
        fn batch(self) -> Arc<Batch>;
    }

    impl Batched for Next<Batch> {
        fn batch(self) -> Arc<Batch> {
            match self {
                Next::Batch(b) => b,
                other => panic!("expected a batch, got {other:?}"),
            }
        }
    }

    fn text(batch: &Arc<Batch>, me: u64) -> String {
        let mut out = Vec::new();
        for item in &batch.0 {
            item.render_for(me, Dialect::Plain, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    fn saying(text: &str) -> Saying {
        Saying {
            text: text.into(),
            client_id: None,
            client: None,
        }
    }

    fn start_room(sink: EventSink) -> Room {
        testing::room(sink, testing::store(None), crate::net::DoorConfig::open()).0
    }

    /// Ana and bo, plain members, with the feed past their joins.
    async fn ana_and_bo(room: &Room) -> (Welcome, Welcome) {
        let mut ana = member(room, "ana", Dialect::Plain).await;
        let bo = member(room, "bo", Dialect::Plain).await;
        // Ana's own join is not repeated to her; bo's is.
        assert_eq!(text(&ana.items.next().await.batch(), ana.id), "");
        assert_eq!(
            text(&ana.items.next().await.batch(), ana.id),
            "* bo joined\n"
        );
        (ana, bo)
    }

    // The clock is paused, and moves only when every task waits on a timer:
    // a room that waited for one would show it in the time that passed.
    #[tokio::test(start_paused = true)]
    async fn a_message_in_a_quiet_room_goes_out_without_waiting_for_a_timer() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let (mut ana, bo) = ana_and_bo(&room).await;
        let start = tokio::time::Instant::now();
        for line in ["one", "two", "three"] {
            room.say(bo.id, vec![saying(line)]).await;
            let batch = ana.items.next().await.batch();
            assert_eq!(text(&batch, ana.id), format!("<bo> {line}\n"));
            assert_eq!(start.elapsed(), Duration::ZERO, "the room waited");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn what_arrives_while_a_batch_goes_out_comes_together_next_in_order() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let (mut ana, bo) = ana_and_bo(&room).await;
        let start = tokio::time::Instant::now();
        room.say(bo.id, vec![saying("one")]).await;
        let first = ana.items.next().await.batch();
        assert_eq!(text(&first, ana.id), "<bo> one\n");
        // Four more arrive while the room cannot take them (this runtime
        // has one thread: the room runs only when the test waits), as they
        // do while it stores and publishes a batch.
        room.say(bo.id, vec![saying("two")]).await;
        room.say(HOST_ID, vec![saying("three")]).await;
        room.say(HOST_ID, vec![saying("four")]).await;
        room.say(bo.id, vec![saying("five")]).await;
        let next = ana.items.next().await.batch();
        assert_eq!(
            text(&next, ana.id),
            "<bo> two\n<hana> three\n<hana> four\n<bo> five\n"
        );
        // They went out together, with nothing left behind and no wait.
        assert!(ana.items.try_next().is_none());
        assert_eq!(start.elapsed(), Duration::ZERO, "the room waited");
        // Consecutive messages of one sender are one item; the sender of a
        // message gets nothing back (plain).
        assert_eq!(next.0.len(), 3, "{next:?}");
        assert_eq!(text(&next, bo.id), "<hana> three\n<hana> four\n");

        // Quiet again: the next message goes alone, at once.
        room.say(bo.id, vec![saying("six")]).await;
        let batch = ana.items.next().await.batch();
        assert_eq!(text(&batch, ana.id), "<bo> six\n");

        // A notice never overtakes a message gathered before it.
        room.say(bo.id, vec![saying("seven")]).await;
        room.leave(bo.id, LeaveReason::Left).await;
        assert_eq!(
            text(&ana.items.next().await.batch(), ana.id),
            "<bo> seven\n"
        );
        assert_eq!(text(&ana.items.next().await.batch(), ana.id), "* bo left\n");
        assert_eq!(start.elapsed(), Duration::ZERO, "the room waited");
    }

    /// A member named `nick` joins (without a client token).
    async fn member(room: &Room, nick: &str, dialect: Dialect) -> Welcome {
        room.join(Some(nick.into()), dialect, None, Returning::default())
            .await
            .unwrap()
    }

    /// Everything `reader` gets until its feed ends, as plain text for
    /// member `me`, and how it ended.
    async fn until_the_end(reader: &mut Reader<Batch>, me: u64) -> (String, Next<Batch>) {
        let mut heard = String::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(10), reader.next()).await {
                Ok(Next::Batch(b)) => heard.push_str(&text(&b, me)),
                Ok(end) => return (heard, end),
                Err(_) => panic!("the feed did not end; heard {heard:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_replaced_connection_hears_nothing_more() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let token: Arc<str> = Arc::from("the-same-token");
        let returning = || Returning {
            client: Some(token.clone()),
            resume: None,
            addr: None,
        };
        let mut old = room
            .join(Some("ana".into()), Dialect::Plain, None, returning())
            .await
            .unwrap();
        let bo = member(&room, "bo", Dialect::Plain).await;
        room.say(bo.id, vec![saying("before")]).await;
        // The same session comes again (and could close at once): the old
        // connection is out of the list and hears nothing said after.
        let mut new = room
            .join(Some("ana".into()), Dialect::Plain, None, returning())
            .await
            .unwrap();
        room.say(bo.id, vec![saying("after")]).await;
        room.say(HOST_ID, vec![saying("and the host")]).await;
        let (heard, end) = until_the_end(&mut old.items, old.id).await;
        assert_eq!(heard, "* bo joined\n<bo> before\n");
        assert!(matches!(end, Next::Cut(CutReason::Replaced)), "{end:?}");
        // What it says is not said, and it may not see who is there.
        room.say(old.id, vec![saying("from the old one")]).await;
        assert!(room.roster(old.id, None).await.is_none());
        assert!(room.roster(new.id, None).await.is_some());
        room.say(bo.id, vec![saying("last")]).await;
        let mut heard = String::new();
        while !heard.contains("<bo> last") {
            heard.push_str(&text(&new.items.next().await.batch(), new.id));
        }
        // (Its own join, and the old one's leave before it, are not news
        // to it.)
        assert_eq!(heard, "<bo> after\n<hana> and the host\n<bo> last\n");
    }

    #[tokio::test]
    async fn every_way_out_of_the_room_cuts_the_connection_off() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let feed = room.feed();
        let mut members = Vec::new();
        for n in 0..3 {
            let w = member(&room, &format!("m{n}"), Dialect::Json).await;
            members.push(w);
        }
        assert_eq!(feed.open_readers(), 3);
        // Leaving (the connection says so).
        room.leave(members[0].id, LeaveReason::Left).await;
        let first = members[0].id;
        let (_, end) = until_the_end(&mut members[0].items, first).await;
        assert!(matches!(end, Next::Cut(CutReason::Left)), "{end:?}");
        // A connection that gave up before its welcome came is not a member.
        let (reply, rx) = oneshot::channel();
        drop(rx);
        room.tx
            .send(Request::Enter {
                arrival: Arrival::named(Some("gone".into()), Dialect::Json),
                reply,
            })
            .await
            .unwrap();
        let page = room.roster(members[1].id, None).await.unwrap();
        let ServerFrame::Roster {
            members: listed, ..
        } = page
        else {
            panic!("{page:?}")
        };
        let names: Vec<_> = listed.iter().map(|m| m.nick.as_str()).collect();
        assert_eq!(names, ["hana", "m1", "m2"]);
        assert_eq!(feed.open_readers(), 2);
    }

    #[tokio::test]
    async fn the_room_closes_rather_than_be_heard_unseen() {
        let (sink, events) = EventSink::for_tests();
        let room = start_room(sink);
        let mut ana = member(&room, "ana", Dialect::Plain).await;
        // A reader the room did not seat (a bug this check is there for).
        let mut rogue = room.feed().subscribe();
        room.say(HOST_ID, vec![saying("hello")]).await;
        let (heard, end) = until_the_end(&mut rogue, 99).await;
        assert!(!heard.contains("hello"), "{heard:?}");
        assert!(heard.contains("closed because of an error"), "{heard:?}");
        assert!(matches!(end, Next::Closed), "{end:?}");
        let (_, end) = until_the_end(&mut ana.items, ana.id).await;
        assert!(matches!(end, Next::Closed), "{end:?}");
        let notice = events
            .iter()
            .find_map(|e| match e.event {
                NetEvent::Notice(n) => Some(n.text_in(Lang::En)),
                _ => None,
            })
            .unwrap();
        assert!(
            notice.contains("without being in the member list"),
            "{notice}"
        );
    }

    #[test]
    fn a_token_is_bound_to_its_key_and_none_passes_for_a_bound_one() {
        let proof = |k: u8| Proof {
            key: [k; 32],
            identity: None,
        };
        let t = "x".repeat(crate::net::protocol::MAX_ID);
        // Without a key a token is as it came (histories stored before
        // keys keep their resends).
        assert_eq!(&*bound_token(&t, None), t.as_str());
        let (a, b) = (
            bound_token(&t, Some(&proof(1))),
            bound_token(&t, Some(&proof(2))),
        );
        assert_ne!(a, b, "two keys, one token: two members");
        assert_ne!(&*a, t.as_str());
        // Longer than any token a member may send, so no token is one.
        assert!(a.len() > crate::net::protocol::MAX_ID);
        assert_eq!(a, bound_token(&t, Some(&proof(1))), "the same key again");
    }

    #[test]
    fn nicknames_are_checked() {
        assert_eq!(nick::normalize(" ana "), Ok("ana".into()));
        assert!(nick::normalize("").is_err());
        assert!(nick::normalize("two words").is_err());
        assert!(nick::normalize(&"x".repeat(33)).is_err());
        assert_eq!(nick::normalize("李小龍"), Ok("李小龍".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn look_alike_nicknames_are_one_name() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let ana = room
            .join(
                Some("ana".into()),
                Dialect::Plain,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        // A look-alike on joining is renamed, like a taken name.
        let cyrillic = room
            .join(
                Some("\u{430}na".into()),
                Dialect::Plain,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        let greeting = String::from_utf8_lossy(&cyrillic.greeting).into_owned();
        assert!(greeting.contains("you are \u{430}na-2;"), "{greeting}");
        let bo = room
            .join(
                Some("bo".into()),
                Dialect::Plain,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        let taken = room
            .nick(bo.id, "ANA".into())
            .await
            .unwrap_err()
            .to_string();
        assert!(taken.contains("looks like ana"), "{taken}");
        let taken = room
            .nick(bo.id, "HAN\u{410}".into())
            .await
            .unwrap_err()
            .to_string();
        assert!(taken.contains("looks like hana"), "{taken}");
        let invisible = room
            .nick(bo.id, "bo\u{200b}b".into())
            .await
            .unwrap_err()
            .to_string();
        assert!(invisible.contains("U+200B"), "{invisible}");
        // One's own name in another case is still one's own.
        assert_eq!(room.nick(ana.id, "Ana".into()).await, Ok("Ana".into()));
        // A name that is free again can be had.
        room.leave(ana.id, LeaveReason::Left).await;
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
                refused: None,
            }]),
            json: b"{json}\n".to_vec(),
            plain: b"<ana> hi\n".to_vec(),
        };
        let mut out = Vec::new();
        item.render_for(7, Dialect::Plain, &mut out);
        assert!(
            out.is_empty(),
            "a plain sender does not get its own line back"
        );
        item.render_for(7, Dialect::Json, &mut out);
        let ack: ServerFrame = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            ack,
            ServerFrame::Ack {
                id: Some("42".into()),
                seq: 3,
                ts: 9,
                text: "hi".into(),
                history: false,
            }
        );
        out.clear();
        item.render_for(8, Dialect::Plain, &mut out);
        assert_eq!(out, b"<ana> hi\n");
    }

    fn json_lines(bytes: &[u8]) -> Vec<ServerFrame> {
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                assert!(l.len() <= MAX_LINE, "a line of {} bytes", l.len());
                serde_json::from_slice(l).unwrap()
            })
            .collect()
    }

    #[tokio::test]
    async fn big_rosters_come_in_pages_within_the_cap() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let long = "n".repeat(24);
        let mut members = Vec::new();
        for i in 0..1500 {
            let w = room
                .join(
                    Some(format!("{long}{i}")),
                    Dialect::Json,
                    Some(Proof {
                        key: [0x5a; 32],
                        identity: Some("i".repeat(400)),
                    }),
                    Returning::default(),
                )
                .await
                .unwrap();
            members.push(w);
        }
        let last = room
            .join(
                Some("last".into()),
                Dialect::Json,
                None,
                Returning::default(),
            )
            .await
            .unwrap();
        let frames = json_lines(&last.greeting);
        let [
            ServerFrame::Welcome {
                members: first,
                total,
                next,
                ..
            },
        ] = frames.as_slice()
        else {
            panic!("{frames:?}");
        };
        assert_eq!(*total, 1502);
        let mut seen: Vec<u64> = first.iter().map(|m| m.id).collect();
        let mut next = *next;
        while let Some(after) = next {
            let page = room.roster(HOST_ID, Some(after)).await.unwrap();
            let line = crate::net::protocol::encoded_server(&page, Dialect::Json);
            assert!(line.len() <= MAX_LINE + 1);
            let ServerFrame::Roster {
                members, next: n, ..
            } = page
            else {
                panic!()
            };
            seen.extend(members.iter().map(|m| m.id));
            next = n;
        }
        let want: Vec<u64> = (0..=1501).collect();
        assert_eq!(seen, want, "every member once, in order");
    }

    #[tokio::test(start_paused = true)]
    async fn gathered_member_changes_are_cut_into_frames_within_the_cap() {
        let (sink, _events) = EventSink::for_tests();
        let room = start_room(sink);
        let mut watcher = room
            .join(Some("w".into()), Dialect::Json, None, Returning::default())
            .await
            .unwrap();
        let mut plain = room
            .join(Some("p".into()), Dialect::Plain, None, Returning::default())
            .await
            .unwrap();
        let mut joined = 0;
        let mut lines = 0;
        for i in 0..2000 {
            room.join(
                Some(format!("{}{i}", "m".repeat(28))),
                Dialect::Json,
                Some(Proof {
                    key: [0x5a; 32],
                    identity: Some("x".repeat(300)),
                }),
                Returning::default(),
            )
            .await
            .unwrap();
        }
        while joined < 2000 {
            let batch = watcher.items.next().await.batch();
            let mut out = Vec::new();
            for item in &batch.0 {
                item.render_for(watcher.id, Dialect::Json, &mut out);
            }
            for frame in json_lines(&out) {
                match frame {
                    ServerFrame::Joined { .. } => joined += 1,
                    ServerFrame::MembersChanged { joined: j, .. } => {
                        joined += j.len();
                        lines += 1;
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert!(lines > 1, "the change was cut into several frames");
        // A plain member gets one short line per gathered change.
        loop {
            let batch = plain.items.next().await.batch();
            let t = text(&batch, plain.id);
            assert!(t.len() < 1000, "{t}");
            if t.contains("others") {
                break;
            }
        }
    }
}
