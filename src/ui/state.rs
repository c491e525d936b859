//! The room as the window sees it: plain data, changed only by
//! [`RoomModel::apply`] (net events) and [`RoomModel::compose`] (the user
//! sending), so every rule here is unit-testable without a window.
//!
//! Every string an event brings (names, messages, reasons) comes safe to
//! show: the net layer makes it so as the event leaves it
//! ([`crate::net::safe_event`]). The conversation keeps
//! at most [`MAX_LINES`] lines; each line has a [`LineId`] that stays its
//! own however many lines before it leave.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::i18n::{Arg, Lang, Msg};
use crate::net::certinfo::{CertInfo, short_fingerprint};
use crate::net::safe_text::visible_line;
use crate::net::wording::{self, Presence};
use crate::net::{
    ConnectionInfo, DisconnectKind, MemberInfo, NetEvent, PinMatch, SessionCommand, TrustBasis,
    Untrusted,
};
use crate::{msg, tr};

/// What a member in the lobby is told, in the address bar and over the
/// message box.
#[must_use]
pub fn waiting() -> String {
    tr!("room-waiting")
}

/// Which side of the room we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We host the room.
    Host,
    /// We joined it.
    Member,
}

/// What became of one of our messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Handed to the network, no acknowledgement yet.
    Sending,
    /// The room acknowledged it.
    Delivered,
    /// Written to a plain-text peer, which cannot acknowledge anything.
    Sent,
    /// It did not reach the room, and why.
    NotDelivered(String),
}

/// How many names `/who` spells out.
const WHO_NAMES: usize = 50;

/// Whether `text` names `nick` as a word of its own (any case): `ana,`,
/// `@ana`, `hi ana!` do; `banana` does not.
#[must_use]
pub fn mentions(text: &str, nick: &str) -> bool {
    if nick.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let nick = nick.to_lowercase();
    text.match_indices(&nick).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + nick.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A message that is an action (`/me waves`): the action's text.
#[must_use]
pub fn action(text: &str) -> Option<&str> {
    text.strip_prefix("/me ")
}

/// Who said what: a nickname and a text.
pub type Said = (String, String);

/// A chat line's identity: given once, never reused, never shifted when
/// lines before it are removed (unlike its index).
pub type LineId = u64;

/// The most lines the conversation keeps. Older lines leave, with one
/// notice line saying how many; our own messages still in flight or not
/// delivered never do.
pub const MAX_LINES: usize = 100_000;

/// How many lines below [`MAX_LINES`] a trim goes, so that the pass over
/// the history that trimming takes happens once per this many lines.
const TRIM_SLACK: usize = MAX_LINES / 10;

/// One entry of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatLine {
    /// Its stable id.
    pub id: LineId,
    /// The room's sequence number of a message that came from the room.
    pub seq: Option<u64>,
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Who said it (empty for notices).
    pub nick: String,
    /// What was said.
    pub text: String,
    /// A message (whose, live or stored), a notice or a divider.
    pub kind: LineKind,
    /// For our own messages: what became of it.
    pub delivery: Option<Delivery>,
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Author {
    /// We did.
    Us,
    /// Another member (or the host).
    Other,
}

/// How a message reached the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// As it was said.
    Live,
    /// From the room's stored history (drawn dimmed).
    History,
}

/// What a line of the conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// Something a member said.
    Message {
        /// Who said it.
        author: Author,
        /// Whether it came live or from the history.
        source: Source,
    },
    /// A notice from tlschat or the room.
    Notice,
    /// A notice drawn as a rule across the conversation: where the stored
    /// history a join or a resume brought ends (see [`divider_text`]).
    Divider,
}

impl LineKind {
    /// A message of a member's, as a [`crate::net::MessageEvent`] tells it.
    #[must_use]
    pub fn message(m: &crate::net::MessageEvent) -> Self {
        Self::Message {
            author: if m.own { Author::Us } else { Author::Other },
            source: if m.history {
                Source::History
            } else {
                Source::Live
            },
        }
    }
}

impl ChatLine {
    /// Whether we said it.
    #[must_use]
    pub fn is_own(&self) -> bool {
        matches!(
            self.kind,
            LineKind::Message {
                author: Author::Us,
                ..
            }
        )
    }

    /// Whether it is a notice (a divider is one too) rather than a message.
    #[must_use]
    pub fn is_notice(&self) -> bool {
        matches!(self.kind, LineKind::Notice | LineKind::Divider)
    }

    /// Whether it is drawn as a rule across the conversation.
    #[must_use]
    pub fn is_divider(&self) -> bool {
        self.kind == LineKind::Divider
    }

    /// Whether it is a message from the room's stored history.
    #[must_use]
    pub fn is_history(&self) -> bool {
        matches!(
            self.kind,
            LineKind::Message {
                source: Source::History,
                ..
            }
        )
    }
}

#[cfg(test)]
impl ChatLine {
    /// A live message from ana (for tests).
    pub(crate) fn from_ana(id: LineId, text: &str) -> Self {
        Self {
            id,
            seq: None,
            time_ms: 0,
            nick: "ana".into(),
            text: text.into(),
            kind: LineKind::Message {
                author: Author::Other,
                source: Source::Live,
            },
            delivery: None,
        }
    }
}

/// Where a reconnection stands, as the banner shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countdown<'a> {
    /// Why the connection dropped (or the last attempt failed).
    pub reason: &'a str,
    /// How long until the next attempt.
    pub left: Duration,
    /// Which attempt that is.
    pub attempt: u32,
}

impl Countdown<'_> {
    /// Whole seconds left, rounded up: 3 from 2.1 s on, 0 once it is time.
    #[must_use]
    pub fn seconds(&self) -> u64 {
        u64::try_from(self.left.as_millis().div_ceil(1000)).unwrap_or(u64::MAX)
    }

    /// How long until [`Countdown::seconds`] changes (at most one second),
    /// or `None` once it reached 0: a view redraws then, and only then.
    #[must_use]
    pub fn next_tick(&self) -> Option<Duration> {
        let secs = self.seconds();
        (secs > 0).then(|| {
            self.left
                .saturating_sub(Duration::from_secs(secs - 1))
                .max(Duration::from_millis(1))
        })
    }
}

/// Where the session stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Starting the host or connecting to one.
    Connecting,
    /// Hosting, or joined and trusted.
    Connected,
    /// The connection dropped; the session tries again by itself at
    /// `until` (or sooner, when asked). Messages sent meanwhile wait.
    Reconnecting {
        /// Why the connection dropped (or the last attempt failed).
        reason: String,
        /// When the next attempt starts.
        until: Instant,
        /// Which attempt that is (1 for the first after the drop).
        attempt: u32,
    },
    /// The host's certificate was not trusted; nothing was sent.
    Untrusted(Box<Untrusted>),
    /// In the room's lobby: the host has been asked to let us in.
    Waiting {
        /// What the host said.
        text: String,
    },
    /// The session ended.
    Disconnected {
        /// One line naming the cause (put into words where it is shown).
        reason: Msg,
        /// What kind of ending.
        kind: DisconnectKind,
    },
}

/// How many recorded members' connections a host's window keeps (each
/// follows at most 64 records each way).
pub const MAX_RECORDED_MEMBERS: usize = 16;

/// A member's connection as the host recorded it: its handshake, and its
/// records after it as they pass.
#[derive(Debug, Clone)]
pub struct RecordedMember {
    /// The member's address.
    pub peer: std::net::SocketAddr,
    /// Its member id and nickname (kept as it changes), once it came
    /// into the room.
    pub member: Option<(u64, String)>,
    /// Its handshake, decoded.
    pub wire: std::sync::Arc<crate::net::wire::Handshake>,
    /// Its records after the handshake.
    pub live: Option<std::sync::Arc<crate::net::wire::live::Live>>,
}

/// Everything the room view shows.
#[derive(Debug, Clone)]
pub struct RoomModel {
    /// Host or member.
    pub role: Role,
    /// `host:port` we joined, or the address we host on.
    pub target: String,
    /// Where the session stands.
    pub status: Status,
    /// The live connection's facts (member).
    pub connection: Option<Box<ConnectionInfo>>,
    /// Members' connections the host was asked to record
    /// (`--show-handshake`), the newest last, at most
    /// [`MAX_RECORDED_MEMBERS`].
    pub recorded: std::collections::VecDeque<RecordedMember>,
    /// Our own certificate chain (host).
    pub own_chain: Vec<CertInfo>,
    /// Invite links to our room, loopback last (host).
    pub invites: Vec<crate::net::invite::Invite>,
    /// The address we listen on (host).
    pub listening: Option<SocketAddr>,
    /// The room's door: invitations, who knocks, bans and mutes (host).
    pub door: crate::ui::door::DoorModel,
    /// Our member id.
    pub me: Option<u64>,
    /// Our nickname.
    pub nick: String,
    /// Who is in the room.
    pub members: Vec<MemberInfo>,
    /// The conversation.
    pub lines: Vec<ChatLine>,
    /// The message being written; never cleared but by sending it.
    pub draft: String,
    /// What came while the user was not looking.
    unread: Unread,
    next_id: u64,
    /// Our messages in flight: message id → the line showing it.
    pending: HashMap<u64, LineId>,
    /// The next line's id.
    next_line: LineId,
    /// How many lines left the conversation (see [`MAX_LINES`]).
    trimmed: usize,
    /// The line that says so.
    trim_notice: Option<LineId>,
    /// The joins (or leaves) the last line of the conversation sums up.
    run: Option<Run>,
    /// Whether the connection dropped and we are not back in the room yet
    /// (from the first `Reconnecting` to the next `Joined`).
    resuming: bool,
    /// The line that says we are in the room, while the history that
    /// joining brings may still come: it moves below that history's
    /// divider, so that the conversation reads in order.
    joined_line: Option<LineId>,
    /// Counts changes to lines already in the conversation (removed,
    /// moved, or their text changed); adding lines at the end does not.
    revision: u64,
    /// The last draft sent (or command given), for Up in an empty composer.
    last_draft: Option<String>,
    /// The lines tlschat put into words (notices, dividers), as messages:
    /// a change of language puts them into words again.
    words: HashMap<LineId, Msg>,
    /// Why our messages on these lines did not reach the room, as
    /// messages: a change of language puts them into words again.
    undelivered: HashMap<LineId, Msg>,
    /// The language those lines are in.
    lang: Option<Lang>,
}

/// Others' messages that came while the window was not focused: what
/// the title counts and a desktop notification shows.
#[derive(Debug, Clone)]
struct Unread {
    /// Whether the window has the keyboard focus (the user is looking).
    focused: bool,
    /// How many came.
    count: u64,
    /// Of those, how many named us.
    mentioned: u64,
    /// The last of them (who, what).
    last: Option<Said>,
    /// The last that named us.
    last_mention: Option<Said>,
}

impl Default for Unread {
    fn default() -> Self {
        Self {
            focused: true,
            count: 0,
            mentioned: 0,
            last: None,
            last_mention: None,
        }
    }
}

/// How long after the first of them joins (or leaves with the same reason)
/// are told in one line, as long as nothing else was said in between.
const RUN_MS: u64 = 2_000;
/// How many names such a line spells out.
const RUN_NAMES: usize = 5;

/// Consecutive joins or leaves summed up in one line: "a, b and 7 others
/// joined". A big room's join storm is then a few lines, not thousands.
#[derive(Debug, Clone)]
struct Run {
    /// The line it is.
    line: LineId,
    /// Joined, or left for one reason.
    what: Presence,
    /// When the first of them happened.
    since_ms: u64,
    /// The first names.
    names: Vec<String>,
    /// How many in all.
    count: usize,
}

impl Run {
    /// "ana, bo and cy joined", "ana and 7 others left (too slow to keep up)".
    fn msg(&self) -> Msg {
        let shown = self.names.len();
        let who: Arg = match (shown, self.count - shown) {
            (1, 0) => self.names[0].as_str().into(),
            (_, 0) => {
                let names = Arg::List(self.names[..shown - 1].to_vec());
                let last = self.names[shown - 1].as_str();
                msg!("room-names-last", names = names, last = last).into()
            }
            (_, more) => {
                let names = Arg::List(self.names.clone());
                msg!("room-names-more", names = names, count = more).into()
            }
        };
        self.what.msg(who)
    }
}

impl RoomModel {
    /// A room we are about to host or join.
    #[must_use]
    pub fn new(role: Role, target: String, nick: String) -> Self {
        Self {
            role,
            target,
            status: Status::Connecting,
            connection: None,
            recorded: std::collections::VecDeque::new(),
            own_chain: Vec::new(),
            invites: Vec::new(),
            listening: None,
            door: crate::ui::door::DoorModel::default(),
            me: None,
            nick,
            members: Vec::new(),
            lines: Vec::new(),
            draft: String::new(),
            unread: Unread::default(),
            next_id: 1,
            pending: HashMap::new(),
            next_line: 1,
            trimmed: 0,
            trim_notice: None,
            run: None,
            resuming: false,
            joined_line: None,
            revision: 0,
            last_draft: None,
            words: HashMap::new(),
            undelivered: HashMap::new(),
            lang: None,
        }
    }

    /// Whether we are in the room over a live connection.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.status == Status::Connected && self.me.is_some()
    }

    /// Whether messages can be sent now: in the room, or waiting to
    /// reconnect (they wait, and go out once the connection is back).
    #[must_use]
    pub fn can_send(&self) -> bool {
        self.is_connected() || self.is_reconnecting()
    }

    /// Tells whether the window has the focus; focusing it reads
    /// everything.
    pub fn set_focused(&mut self, focused: bool) {
        self.unread.focused = focused;
        if focused {
            self.unread.count = 0;
            self.unread.mentioned = 0;
        }
    }

    /// Others' messages that came while the window was not focused, and
    /// how many of them named us.
    #[must_use]
    pub fn unread(&self) -> (u64, u64) {
        (self.unread.count, self.unread.mentioned)
    }

    /// The last unread message (who, what text), and the last unread one
    /// that named us.
    #[must_use]
    pub fn last_unread(&self) -> (Option<&Said>, Option<&Said>) {
        (self.unread.last.as_ref(), self.unread.last_mention.as_ref())
    }

    /// The window's title: `(3) tlschat — ana — host:port` while 3
    /// messages wait unread, `(3, 1 for you)` when one of them names us.
    #[must_use]
    pub fn window_title(&self) -> String {
        let mut base = format!("tlschat — {} — {}", self.nick, self.target);
        // Someone waits at the door: said first, whatever else is unread.
        match self.door.knocking() {
            0 => {}
            n => base = tr!("room-title-knocking", count = n, title = base),
        }
        match self.unread() {
            (0, _) => base,
            (n, 0) => tr!("room-title-unread", count = grouped(n), title = base),
            (n, m) => {
                let (count, mentions) = (grouped(n), grouped(m));
                tr!(
                    "room-title-unread-mentions",
                    count = count,
                    mentions = mentions,
                    title = base
                )
            }
        }
    }

    /// Whether the connection dropped and the session is about to try again.
    #[must_use]
    pub fn is_reconnecting(&self) -> bool {
        matches!(self.status, Status::Reconnecting { .. })
    }

    /// While reconnecting: why the connection dropped, and how long (as of
    /// `now`) until the next attempt starts.
    #[must_use]
    pub fn reconnect_countdown(&self, now: Instant) -> Option<Countdown<'_>> {
        match &self.status {
            Status::Reconnecting {
                reason,
                until,
                attempt,
            } => Some(Countdown {
                reason,
                left: until.saturating_duration_since(now),
                attempt: *attempt,
            }),
            _ => None,
        }
    }

    /// The user asked to reconnect at once: the countdown is over.
    pub fn reconnect_now(&mut self) {
        if let Status::Reconnecting { until, .. } = &mut self.status {
            *until = Instant::now();
        }
    }

    /// Why the message box is disabled, if it is.
    #[must_use]
    pub fn send_blocked_reason(&self) -> Option<String> {
        match &self.status {
            Status::Connected if self.me.is_some() => None,
            Status::Reconnecting { .. } => None,
            Status::Connected | Status::Connecting => Some(tr!("room-connecting")),
            Status::Waiting { .. } => Some(waiting()),
            Status::Untrusted(_) => Some(tr!("room-blocked-untrusted")),
            Status::Disconnected { reason, .. } => {
                Some(shown(&wording::disconnected_msg(reason.clone())))
            }
        }
    }

    /// Tells that `nick` joined or left, in the line of the joins or leaves
    /// just before it when there is one.
    fn member_notice(&mut self, nick: String, what: Presence) {
        let now = crate::net::now_ms();
        // Only while the run's line is still the last one, unchanged.
        let continues = self.run.as_ref().is_some_and(|run| {
            run.what == what
                && now.saturating_sub(run.since_ms) <= RUN_MS
                && self.lines.last().is_some_and(|l| {
                    l.id == run.line && l.is_notice() && l.text == shown(&run.msg())
                })
        });
        if continues && let Some(run) = &mut self.run {
            run.count += 1;
            if run.names.len() < RUN_NAMES {
                run.names.push(nick);
            }
            let (id, said) = (run.line, run.msg());
            if let Some(line) = self.lines.last_mut() {
                line.text = shown(&said);
            }
            self.words.insert(id, said);
            self.revision += 1;
            return;
        }
        let mut run = Run {
            line: 0,
            what,
            since_ms: now,
            names: vec![nick],
            count: 1,
        };
        run.line = self.say(run.msg());
        self.run = Some(run);
    }

    /// A notice in tlschat's words, kept as a message too.
    fn say(&mut self, said: Msg) -> LineId {
        let id = self.notice(shown(&said));
        self.remember(id, said);
        id
    }

    /// Keeps the message line `id` says, to say it again in another
    /// language.
    fn remember(&mut self, id: LineId, said: Msg) {
        self.lang.get_or_insert_with(crate::i18n::current);
        self.words.insert(id, said);
    }

    /// Puts the lines tlschat said into `lang`'s words, if they are in
    /// another language; returns whether they changed.
    pub fn relabel(&mut self, lang: Lang) -> bool {
        if self.lang.is_none_or(|l| l == lang) {
            return false;
        }
        self.lang = Some(lang);
        let put =
            |said: &Msg| crate::net::safe_text::visible_line(&said.text_in(lang)).into_owned();
        for line in &mut self.lines {
            if let Some(said) = self.words.get(&line.id) {
                line.text = put(said);
            }
            if let (Some(Delivery::NotDelivered(why)), Some(said)) =
                (&mut line.delivery, self.undelivered.get(&line.id))
            {
                *why = put(said);
            }
        }
        self.revision += 1;
        true
    }

    fn notice(&mut self, text: String) -> LineId {
        self.push(ChatLine {
            id: 0,
            seq: None,
            time_ms: crate::net::now_ms(),
            nick: String::new(),
            text,
            kind: LineKind::Notice,
            delivery: None,
        })
    }

    fn divider(&mut self, text: String) -> LineId {
        self.push(ChatLine {
            id: 0,
            seq: None,
            time_ms: crate::net::now_ms(),
            nick: String::new(),
            text,
            kind: LineKind::Divider,
            delivery: None,
        })
    }

    /// Adds a line (its id is given here) and keeps the conversation
    /// within [`MAX_LINES`].
    fn push(&mut self, mut line: ChatLine) -> LineId {
        let id = self.next_line;
        self.next_line += 1;
        line.id = id;
        self.lines.push(line);
        if self.lines.len() > MAX_LINES {
            self.trim();
        }
        id
    }

    /// Removes the oldest lines, down to [`TRIM_SLACK`] below the cap, and
    /// says so in one notice line at the top. Our own messages still in
    /// flight or not delivered stay, with their delivery state.
    fn trim(&mut self) {
        self.revision += 1;
        let mut excess = self.lines.len().saturating_sub(MAX_LINES - TRIM_SLACK);
        let mut removed = 0;
        let old_notice = self.trim_notice.take();
        self.lines.retain(|l| {
            if Some(l.id) == old_notice {
                return false;
            }
            let kept = matches!(
                l.delivery,
                Some(Delivery::Sending | Delivery::NotDelivered(_))
            );
            if excess == 0 || kept {
                return true;
            }
            excess -= 1;
            removed += 1;
            false
        });
        self.trimmed += removed;
        let id = self.next_line;
        self.next_line += 1;
        self.lines.insert(
            0,
            ChatLine {
                id,
                seq: None,
                time_ms: crate::net::now_ms(),
                nick: String::new(),
                text: shown(&msg!("room-trimmed", count = self.trimmed)),
                kind: LineKind::Notice,
                delivery: None,
            },
        );
        self.trim_notice = Some(id);
        self.remember(id, msg!("room-trimmed", count = self.trimmed));
        let ids: std::collections::HashSet<LineId> = self.lines.iter().map(|l| l.id).collect();
        self.words.retain(|id, _| ids.contains(id));
        self.undelivered.retain(|id, _| ids.contains(id));
    }

    /// Where the line with this id is now, if it is still there.
    #[must_use]
    pub fn index_of(&self, line: LineId) -> Option<usize> {
        self.lines.iter().rposition(|l| l.id == line)
    }

    /// Changes so far to lines already in the conversation (removed,
    /// moved, text changed): what is worked out from the lines (a search)
    /// holds while this and the number of lines are the same, and when only
    /// the number grew, for the lines it had.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The conversation as a file (see [`crate::transcript`]): every line,
    /// notices and dividers as notices.
    #[must_use]
    pub fn transcript(&self, format: crate::transcript::Format) -> String {
        use crate::transcript::Entry;
        let entries = self.lines.iter().map(|l| {
            if l.is_notice() {
                Entry::notice(l.time_ms, &l.text)
            } else {
                Entry::said(l.time_ms, l.seq, &l.nick, &l.text, l.is_own())
            }
        });
        crate::transcript::render(entries, format)
    }

    /// How many lines left the conversation to keep it within [`MAX_LINES`].
    #[must_use]
    pub fn trimmed(&self) -> usize {
        self.trimmed
    }

    /// Turns the draft into a message to send, if there is something to send
    /// and we are connected; the draft is kept otherwise.
    ///
    /// A draft that starts with `/` is a command, as in the plain dialect:
    /// `/nick NAME` asks the room for a new name, `/me TEXT` says an action,
    /// `/who` and `/help` answer here; `//` sends a literal leading slash.
    /// An unknown command is explained and its draft kept.
    pub fn compose(&mut self) -> Option<SessionCommand> {
        let typed = self.draft.trim_end_matches(['\n', '\r']).to_string();
        let command = self.compose_draft();
        if self.draft.is_empty() && !typed.trim().is_empty() {
            self.last_draft = Some(typed);
        }
        command
    }

    /// Up in an empty composer: puts back the last line we wrote, for
    /// editing. A message of ours that was not delivered (the newest one)
    /// is taken out of the conversation into the composer, to be sent
    /// again as edited; failing that, the last line sent (or command
    /// given) is recalled, and stays where it is. A message still on its
    /// way cannot be taken back: the room may already have it. Returns
    /// whether the draft changed.
    pub fn recall(&mut self) -> bool {
        if !self.draft.is_empty() {
            return false;
        }
        let undelivered = self
            .lines
            .iter()
            .rposition(|l| l.is_own() && matches!(l.delivery, Some(Delivery::NotDelivered(_))));
        if let Some(index) = undelivered {
            let line = self.lines.remove(index);
            self.revision += 1;
            // What is typed to send it: a leading / doubled, but for an action.
            self.draft = if line.text.starts_with('/') && action(&line.text).is_none() {
                format!("/{}", line.text)
            } else {
                line.text
            };
            return true;
        }
        match &self.last_draft {
            Some(text) => {
                self.draft.clone_from(text);
                true
            }
            None => false,
        }
    }

    fn compose_draft(&mut self) -> Option<SessionCommand> {
        if !self.can_send() {
            return None;
        }
        let text = self.draft.trim_end_matches(['\n', '\r']).to_string();
        if text.trim().is_empty() {
            return None;
        }
        let Some(command) = text.strip_prefix('/') else {
            self.draft.clear();
            return Some(self.queue(text));
        };
        if command.starts_with('/') {
            self.draft.clear();
            return Some(self.queue(command.to_string()));
        }
        let (name, arg) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, a)| (n, a.trim()));
        if let Some(typed) = self.door.typed(self.role == Role::Host, name, arg) {
            return match typed {
                crate::ui::door::Typed::Command(c) => {
                    self.draft.clear();
                    Some(SessionCommand::Door(c))
                }
                crate::ui::door::Typed::Problem(p) => {
                    self.notice(p);
                    None
                }
            };
        }
        match (name, arg.is_empty()) {
            ("nick", false) => {
                self.draft.clear();
                Some(SessionCommand::Nick(arg.to_string()))
            }
            ("me", false) => {
                self.draft.clear();
                Some(self.queue(format!("/me {arg}")))
            }
            ("who" | "names", _) => {
                self.draft.clear();
                let shown = &self.members[..self.members.len().min(WHO_NAMES)];
                let more = self.members.len() - shown.len();
                let count = self.members.len();
                let names = Arg::List(
                    shown
                        .iter()
                        .map(|m| {
                            if m.is_host {
                                tr!("room-member-host", name = m.nick.as_str())
                            } else {
                                m.nick.clone()
                            }
                        })
                        .collect(),
                );
                // Who was here then, said once (not again in another
                // language).
                let said = if more > 0 {
                    msg!("room-who-more", count = count, names = names, more = more)
                } else {
                    msg!("room-who", count = count, names = names)
                };
                self.notice(visible_line(&said.text()).into_owned());
                None
            }
            ("help", _) => {
                self.draft.clear();
                self.say(msg!("room-help"));
                if self.role == Role::Host {
                    self.say(crate::ui::door::host_help());
                }
                None
            }
            ("nick" | "me", true) => {
                let arg = if name == "nick" {
                    msg!("room-arg-name")
                } else {
                    msg!("room-arg-text")
                };
                self.say(msg!("room-needs-arg", command = name, arg = arg));
                None
            }
            _ => {
                let name: String = name.chars().take(32).collect();
                self.say(msg!("room-unknown-command", command = name));
                None
            }
        }
    }

    /// Sends a message that was not delivered again, as a new message; the
    /// line that showed it moves to the end.
    pub fn resend(&mut self, line: LineId) -> Option<SessionCommand> {
        let index = self.index_of(line)?;
        let line = &self.lines[index];
        if !self.can_send() || !matches!(line.delivery, Some(Delivery::NotDelivered(_))) {
            return None;
        }
        let text = line.text.clone();
        self.lines.remove(index);
        self.revision += 1;
        Some(self.queue(text))
    }

    fn queue(&mut self, text: String) -> SessionCommand {
        let id = self.next_id;
        self.next_id += 1;
        let line = self.push(ChatLine {
            id: 0,
            seq: None,
            time_ms: crate::net::now_ms(),
            nick: self.nick.clone(),
            text: text.clone(),
            kind: LineKind::Message {
                author: Author::Us,
                source: Source::Live,
            },
            delivery: Some(Delivery::Sending),
        });
        self.pending.insert(id, line);
        SessionCommand::Send { id, text }
    }

    fn settle(&mut self, id: u64, delivery: Delivery) {
        let Some(line) = self.pending.remove(&id) else {
            return;
        };
        let Some(index) = self.index_of(line) else {
            return;
        };
        // The room ordered a delivered message after everything we heard
        // before its acknowledgement (a host sends in room order): what
        // came in while it was on its way — others' messages, what a
        // resume brought back after a drop — goes above it. Our own later
        // messages, still on their way, stay below it.
        if delivery == Delivery::Delivered {
            let end = self.lines[index + 1..]
                .iter()
                .position(|l| l.is_own() && l.delivery == Some(Delivery::Sending))
                .map_or(self.lines.len(), |p| index + 1 + p);
            // Only the lines in between shift, by one.
            self.lines[index..end].rotate_left(1);
            self.revision += 1;
        }
        if let Some(index) = self.index_of(line) {
            self.lines[index].delivery = Some(delivery);
        }
    }

    /// Starting over after a disconnect: same room, same history and draft.
    pub fn reconnecting(&mut self) {
        self.status = Status::Connecting;
        self.connection = None;
        self.me = None;
        self.members.clear();
    }

    /// One line for the address bar, true of the connection.
    #[must_use]
    pub fn status_text(&self) -> String {
        match &self.status {
            Status::Connecting => tr!("room-connecting"),
            Status::Untrusted(u) => {
                let problem = visible_line(&u.problem.reason().text()).into_owned();
                tr!("room-not-private", problem = problem)
            }
            Status::Disconnected { reason, .. } => {
                shown(&wording::disconnected_msg(reason.clone()))
            }
            Status::Reconnecting { .. } => tr!("room-status-reconnecting"),
            Status::Waiting { .. } => waiting(),
            Status::Connected => match (&self.role, &self.connection) {
                (Role::Host, _) => match self.own_chain.first() {
                    Some(leaf) => {
                        let fingerprint = short_fingerprint(&leaf.sha256);
                        tr!("room-hosting-cert", fingerprint = fingerprint)
                    }
                    None => tr!("room-hosting"),
                },
                (Role::Member, Some(c)) => {
                    let protocol = c.protocol.to_string();
                    let line = match &c.trust {
                        TrustBasis::Verified { anchor } => {
                            let anchor = visible_line(anchor_name(anchor)).into_owned();
                            tr!("room-secure", protocol = protocol, anchor = anchor)
                        }
                        TrustBasis::Pinned { problem, .. } => {
                            tr!(
                                "room-not-verified",
                                protocol = protocol,
                                code = problem.code()
                            )
                        }
                    };
                    // Said while it is on: the session can be decrypted.
                    if c.keylog.is_some() {
                        tr!("room-keylog", status = line)
                    } else {
                        line
                    }
                }
                (Role::Member, None) => tr!("room-connected"),
            },
        }
    }

    /// Whether the connection is verified by a CA (the only case that earns a padlock).
    #[must_use]
    pub fn is_verified(&self) -> bool {
        self.status == Status::Connected
            && (self.role == Role::Host
                || matches!(self.connection.as_deref(), Some(c) if matches!(c.trust, TrustBasis::Verified { .. })))
    }

    /// Connected to the host (member): an exception says so.
    fn on_connected(&mut self, info: Box<ConnectionInfo>) {
        self.status = Status::Connected;
        if let TrustBasis::Pinned { problem, matched } = &info.trust {
            let why = problem.reason();
            self.say(match matched {
                PinMatch::ExactCertificate => msg!("room-connected-exception", problem = why),
                PinMatch::SameKey => msg!("room-connected-renewed", problem = why),
            });
        }
        self.connection = Some(info);
    }

    /// In the room: who we are, who is here.
    fn on_joined(&mut self, you: u64, nick: String, members: Vec<MemberInfo>, total: u64) {
        // Let in from the lobby.
        if matches!(self.status, Status::Waiting { .. }) {
            self.status = Status::Connected;
        }
        self.me = Some(you);
        self.nick = nick;
        self.members = members;
        let others = usize::try_from(total)
            .unwrap_or(usize::MAX)
            .max(self.members.len())
            .saturating_sub(1);
        // After a drop: the same conversation goes on.
        let back = std::mem::take(&mut self.resuming);
        let nick = self.nick.as_str();
        let said = if back {
            msg!("room-back", nick = nick, count = others)
        } else {
            msg!("room-joined", nick = nick, count = others)
        };
        self.joined_line = Some(self.say(said));
    }

    /// A message: counted unread while the window is not looked at, and
    /// shown unless it is our own live one (shown since we sent it).
    fn on_message(&mut self, m: crate::net::MessageEvent) {
        if !m.own && !m.history && !self.unread.focused {
            self.unread.count += 1;
            // Only what a notification can show is kept.
            let head = |t: &str| t.chars().take(crate::notify::BODY_CHARS + 1).collect();
            let said = (head(&m.nick), head(&m.text));
            if mentions(&m.text, &self.nick) {
                self.unread.mentioned += 1;
                self.unread.last_mention = Some(said.clone());
            }
            self.unread.last = Some(said);
        }
        // Our own live messages are already shown, from the moment
        // we sent them; our own from history (a restarted host) not.
        if !m.own || m.history {
            let kind = LineKind::message(&m);
            self.push(ChatLine {
                id: 0,
                seq: Some(m.seq),
                time_ms: m.time_ms,
                nick: m.nick,
                text: m.text,
                kind,
                delivery: None,
            });
        }
    }

    /// The stored history a join or a resume brought is all in.
    fn on_history_end(&mut self, count: u64, missed: u64, resumed: bool) {
        let joined = self.joined_line.take();
        match divider_msg(count, missed, resumed) {
            Some(said) => {
                // "You are in the room" goes below what was said
                // before it.
                let joined = joined.and_then(|id| {
                    let line = self.lines.remove(self.index_of(id)?);
                    Some((line.text, self.words.remove(&id)))
                });
                self.revision += 1;
                let id = self.divider(shown(&said));
                self.remember(id, said);
                match joined {
                    Some((_, Some(said))) => {
                        self.say(said);
                    }
                    Some((text, None)) => {
                        self.notice(text);
                    }
                    None => {}
                }
            }
            None if resumed => {
                self.say(msg!("room-nothing-missed"));
            }
            None => {}
        }
    }

    /// The connection dropped (or an attempt failed); the next attempt is
    /// in `in_ms`.
    fn on_reconnecting(&mut self, reason: &Msg, in_ms: u64, attempt: u32) {
        // One line where the conversation broke off, however many
        // attempts it takes; the banner counts down to the next.
        if !self.resuming {
            self.say(msg!("room-connection-lost", reason = reason.clone()));
        }
        let reason = shown(reason);
        self.resuming = true;
        self.status = Status::Reconnecting {
            reason,
            until: Instant::now() + Duration::from_millis(in_ms),
            attempt,
        };
    }

    /// Host: a member's recorded handshake (the oldest kept goes past
    /// [`MAX_RECORDED_MEMBERS`]).
    fn on_recorded(
        &mut self,
        peer: std::net::SocketAddr,
        wire: std::sync::Arc<crate::net::wire::Handshake>,
        live: Option<std::sync::Arc<crate::net::wire::live::Live>>,
    ) {
        if self.recorded.len() >= MAX_RECORDED_MEMBERS {
            self.recorded.pop_front();
        }
        self.recorded.push_back(RecordedMember {
            peer,
            member: None,
            wire,
            live,
        });
    }

    /// Host: the recorded member from `peer` is member `id` (whose
    /// nickname came with it joining).
    fn recorded_joined(&mut self, peer: std::net::SocketAddr, id: u64) {
        let nick = self
            .members
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.nick.clone());
        if let (Some(r), Some(nick)) = (
            self.recorded.iter_mut().rev().find(|r| r.peer == peer),
            nick,
        ) {
            r.member = Some((id, nick));
        }
    }

    /// Host: a recorded member's new nickname.
    fn rename_recorded(&mut self, id: u64, new: &str) {
        for r in &mut self.recorded {
            if let Some((_, nick)) = r.member.as_mut().filter(|(m, _)| *m == id) {
                new.clone_into(nick);
            }
        }
    }

    /// The session ended: what was on its way was not delivered.
    fn on_disconnected(&mut self, reason: Msg, kind: DisconnectKind) {
        let pending: Vec<LineId> = self.pending.drain().map(|(_, line)| line).collect();
        for line in pending {
            if let Some(index) = self.index_of(line) {
                self.lines[index].delivery = Some(Delivery::NotDelivered(shown(&reason)));
                self.lang.get_or_insert_with(crate::i18n::current);
                self.undelivered.insert(line, reason.clone());
            }
        }
        if kind != DisconnectKind::Untrusted {
            self.say(wording::disconnected_msg(reason.clone()));
        }
        self.me = None;
        self.members.clear();
        self.resuming = false;
        if !matches!(self.status, Status::Untrusted(_)) {
            self.status = Status::Disconnected { reason, kind };
        }
    }

    /// Applies one event from the net thread.
    pub fn apply(&mut self, event: NetEvent) {
        match event {
            NetEvent::Door(_) | NetEvent::InviteMade { .. } => {
                let _taken = self.door.apply(event);
                // Each knock once in the conversation, where the host reads.
                for k in self.door.take_arrived() {
                    let key = crate::ui::door::key_msg(k.key.as_ref());
                    self.say(msg!("room-knock", nick = k.nick, key = key));
                }
            }
            NetEvent::Waiting { text } => {
                self.notice(text.clone());
                self.status = Status::Waiting { text };
            }
            NetEvent::Listening {
                addr,
                chain,
                invites,
            } => {
                self.listening = Some(addr);
                self.target = addr.to_string();
                self.own_chain = chain;
                self.invites = invites;
                self.status = Status::Connected;
            }
            NetEvent::Connecting { target } => {
                if self.role == Role::Member {
                    self.target = target;
                }
                self.status = Status::Connecting;
            }
            NetEvent::Connected(info) => self.on_connected(info),
            NetEvent::Untrusted(u) => self.status = Status::Untrusted(u),
            NetEvent::Joined {
                you,
                nick,
                members,
                total,
            } => self.on_joined(you, nick, members, total),
            NetEvent::Message(m) => self.on_message(m),
            NetEvent::Notice(said) => {
                self.say(said);
            }
            NetEvent::HistoryEnd {
                count,
                missed,
                resumed,
            } => self.on_history_end(count, missed, resumed),
            NetEvent::Reconnecting {
                reason,
                in_ms,
                attempt,
            } => self.on_reconnecting(&reason, in_ms, attempt),
            NetEvent::Delivered { id } => self.settle(id, Delivery::Delivered),
            NetEvent::Sent { id } => self.settle(id, Delivery::Sent),
            NetEvent::NotDelivered { id, reason } => {
                if let Some(&line) = self.pending.get(&id) {
                    self.lang.get_or_insert_with(crate::i18n::current);
                    self.undelivered.insert(line, reason.clone());
                }
                self.settle(id, Delivery::NotDelivered(shown(&reason)));
            }
            NetEvent::Roster { members } => {
                for m in members {
                    if !self.members.iter().any(|x| x.id == m.id) {
                        self.members.push(m);
                    }
                }
            }
            NetEvent::MemberJoined(m) => {
                if Some(m.id) != self.me {
                    self.member_notice(m.nick.clone(), Presence::Joined);
                    self.members.retain(|x| x.id != m.id);
                    self.members.push(m);
                }
            }
            NetEvent::MemberLeft { member, reason } => {
                self.members.retain(|x| x.id != member.id);
                // The room's notice says who removed it and why.
                if reason != crate::net::LeaveReason::Removed {
                    self.member_notice(member.nick, Presence::Left(reason));
                }
            }
            NetEvent::Renamed { id, old, new } => {
                if let Some(m) = self.members.iter_mut().find(|m| m.id == id) {
                    m.nick.clone_from(&new);
                }
                self.rename_recorded(id, &new);
                if Some(id) == self.me {
                    self.nick.clone_from(&new);
                }
                self.say(wording::renamed_msg(&old, &new));
            }
            NetEvent::MemberHandshake { peer, wire, live } => self.on_recorded(peer, wire, live),
            NetEvent::RecordedMemberJoined { peer, id } => self.recorded_joined(peer, id),
            NetEvent::Disconnected { reason, kind } => self.on_disconnected(reason, kind),
        }
    }
}

/// A message as a line of the conversation shows it: in the current
/// language, the names and reasons in it (peers chose them) made visible.
fn shown(said: &Msg) -> String {
    visible_line(&said.text()).into_owned()
}

/// What the divider says where stored history ends, if there is one: after
/// a newcomer's backlog "3 earlier messages", after a resume "3 new
/// messages while you were away", and how many more were not kept.
#[must_use]
pub fn divider_text(count: u64, missed: u64, resumed: bool) -> Option<String> {
    divider_msg(count, missed, resumed).map(|m| m.text())
}

/// [`divider_text`] as a message.
fn divider_msg(count: u64, missed: u64, resumed: bool) -> Option<Msg> {
    let not_kept: Arg = match missed {
        0 => "".into(),
        m => msg!("room-divider-not-kept", count = m, shown = grouped(m)).into(),
    };
    let (n, m) = (grouped(count), grouped(missed));
    match (count, missed, resumed) {
        (0, 0, _) => None,
        (0, missed, true) => Some(msg!("room-divider-missed-away", count = missed, shown = m)),
        (0, missed, false) => Some(msg!("room-divider-missed", count = missed, shown = m)),
        (count, _, true) => Some(msg!(
            "room-divider-new",
            count = count,
            shown = n,
            not_kept = not_kept
        )),
        (count, _, false) => Some(msg!(
            "room-divider-earlier",
            count = count,
            shown = n,
            not_kept = not_kept
        )),
    }
}

/// A count with its thousands grouped: `10,000`.
#[must_use]
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The CN of a distinguished name, or the whole name.
#[must_use]
pub fn anchor_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trust::Problem;
    use crate::net::{MessageEvent, Untrusted};

    fn member(id: u64, nick: &str) -> MemberInfo {
        MemberInfo {
            id,
            nick: nick.into(),
            is_host: id == 0,
            plain_text: false,
            identity: None,
            key: None,
        }
    }

    fn joined() -> RoomModel {
        let mut s = RoomModel::new(Role::Member, "h:1".into(), "ana".into());
        s.apply(NetEvent::Connecting {
            target: "h:1".into(),
        });
        s.apply(NetEvent::Connected(Box::new(connection(
            TrustBasis::Verified {
                anchor: "O=x, CN=Test Root".into(),
            },
        ))));
        s.apply(NetEvent::Joined {
            you: 3,
            nick: "ana".into(),
            members: vec![member(0, "hana"), member(3, "ana")],
            total: 2,
        });
        s
    }

    fn connection(trust: TrustBasis) -> ConnectionInfo {
        ConnectionInfo {
            target: "h:1".into(),
            peer_addr: "127.0.0.1:1".parse().unwrap(),
            protocol: crate::net::TlsVersion::Tls13,
            cipher_suite: crate::net::CipherSuite::TLS13_AES_128_GCM_SHA256,
            key_exchange: Some(crate::net::NamedGroup::X25519MLKEM768),
            alpn: Some("tlschat/1".into()),
            sni: None,
            handshake_kind: crate::net::HandshakeKind::Full,
            handshake_us: 1000,
            chain: vec![],
            trust,
            plain_text: false,
            offered_groups: vec![
                crate::net::NamedGroup::X25519MLKEM768,
                crate::net::NamedGroup::X25519,
            ],
            offered_alpn: vec!["tlschat/1".into()],
            signature_scheme: Some(crate::net::SignatureScheme::ECDSA_NISTP256_SHA256),
            client_certificate: None,
            wire: None,
            live: None,
            keylog: None,
        }
    }

    #[test]
    fn up_recalls_the_last_line_or_takes_back_an_undelivered_one() {
        let mut s = joined();
        assert!(!s.recall(), "nothing written yet");
        s.draft = "//slash first".into();
        let Some(SessionCommand::Send { id: first, .. }) = s.compose() else {
            panic!("not sent")
        };
        s.apply(NetEvent::Delivered { id: first });
        // Delivered: recalled as typed, and it stays in the conversation.
        assert!(s.recall());
        assert_eq!(s.draft, "//slash first");
        let lines = s.lines.len();
        assert_eq!(s.lines.last().unwrap().text, "/slash first");
        // Not on a draft: Up moves in the text then.
        assert!(!s.recall());
        s.draft.clear();
        // Not delivered: taken out of the conversation into the composer.
        s.draft = "/me waves".into();
        let Some(SessionCommand::Send { id, .. }) = s.compose() else {
            panic!("not sent")
        };
        s.apply(NetEvent::NotDelivered {
            id,
            reason: wording::said_msg("too long"),
        });
        let revision = s.revision();
        assert!(s.recall());
        assert_eq!(s.draft, "/me waves");
        assert_eq!(s.lines.len(), lines, "the undelivered line left");
        assert!(s.revision() > revision);
        assert!(s.lines.iter().all(|l| l.text != "/me waves"));
        // A command is recalled too.
        s.draft = "/nick bob".into();
        assert!(matches!(s.compose(), Some(SessionCommand::Nick(_))));
        assert!(s.recall());
        assert_eq!(s.draft, "/nick bob");
    }

    #[test]
    fn connecting_then_connected_then_joined() {
        let mut s = RoomModel::new(Role::Member, "h:1".into(), "ana".into());
        s.apply(NetEvent::Connecting {
            target: "h:1".into(),
        });
        assert_eq!(s.status_text(), "Connecting…");
        assert!(s.send_blocked_reason().is_some());
        let s = joined();
        assert!(s.is_connected());
        assert!(s.is_verified());
        assert_eq!(s.status_text(), "Secure · TLS 1.3 · verified by Test Root");
        assert_eq!(s.members.len(), 2);
    }

    #[test]
    fn the_address_bar_says_when_secrets_go_to_a_key_log() {
        let mut s = RoomModel::new(Role::Member, "h:1".into(), "ana".into());
        let mut info = connection(TrustBasis::Verified {
            anchor: "CN=Test Root".into(),
        });
        info.keylog = Some("/tmp/keys.log".into());
        s.apply(NetEvent::Connected(Box::new(info)));
        assert!(
            s.status_text()
                .ends_with("· ⚠ secrets written to a key log"),
            "{}",
            s.status_text()
        );
    }

    #[test]
    fn a_pinned_connection_is_not_shown_as_verified() {
        let mut s = RoomModel::new(Role::Member, "h:1".into(), "ana".into());
        s.apply(NetEvent::Connecting {
            target: "h:1".into(),
        });
        s.apply(NetEvent::Connected(Box::new(connection(
            TrustBasis::Pinned {
                problem: Problem::SelfSigned,
                matched: PinMatch::ExactCertificate,
            },
        ))));
        assert!(!s.is_verified());
        assert!(s.status_text().starts_with("Not verified"));
        assert!(s.lines.last().unwrap().text.contains("self-signed"));
    }

    #[test]
    fn own_messages_go_sending_then_delivered() {
        let mut s = joined();
        s.draft = "hello\n".into();
        let Some(SessionCommand::Send { id, text }) = s.compose() else {
            panic!()
        };
        assert_eq!(text, "hello");
        assert!(s.draft.is_empty());
        assert_eq!(s.lines.last().unwrap().delivery, Some(Delivery::Sending));
        // The echo of our own message does not duplicate the line.
        let n = s.lines.len();
        s.apply(NetEvent::Message(MessageEvent {
            seq: 1,
            from: Some(3),
            nick: "ana".into(),
            text: "hello".into(),
            time_ms: 1,
            own: true,
            history: false,
        }));
        assert_eq!(s.lines.len(), n);
        s.apply(NetEvent::Delivered { id });
        assert_eq!(s.lines.last().unwrap().delivery, Some(Delivery::Delivered));
    }

    #[test]
    fn a_mention_is_the_name_as_a_word_of_its_own() {
        assert!(mentions("ana, look", "ana"));
        assert!(mentions("hi @Ana!", "ana"));
        assert!(mentions("ANA", "ana"));
        assert!(mentions("你好 ana", "ana"));
        assert!(!mentions("banana", "ana"));
        assert!(!mentions("anatomy", "ana"));
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn unread_messages_count_only_while_unfocused_and_name_us_in_the_title() {
        let mut s = joined();
        s.apply(message(1, "while looking"));
        assert_eq!(s.unread(), (0, 0));
        s.set_focused(false);
        s.apply(message(2, "one"));
        let to_us = format!("{}: two", s.nick);
        s.apply(message(3, &to_us));
        let NetEvent::Message(mut old) = message(4, "from history, not new") else {
            unreachable!()
        };
        old.history = true;
        s.apply(NetEvent::Message(old));
        assert_eq!(s.unread(), (2, 1));
        assert!(s.window_title().starts_with("(2, 1 for you) tlschat — "));
        s.set_focused(true);
        assert_eq!(s.unread(), (0, 0));
        assert!(s.window_title().starts_with("tlschat — "));
    }

    #[test]
    fn what_tlschat_said_is_said_again_in_a_new_language() {
        use crate::i18n::{Lang, set_thread};
        set_thread(Lang::En);
        let mut s = joined();
        s.draft = "/help".into();
        s.compose();
        s.apply(NetEvent::MemberJoined(member(4, "bo")));
        s.apply(NetEvent::MemberJoined(member(5, "cy")));
        s.apply(NetEvent::Notice(wording::said_msg("the host's own words")));
        s.apply(NetEvent::Reconnecting {
            reason: wording::said_msg("connection lost"),
            in_ms: 1000,
            attempt: 1,
        });
        let english: Vec<String> = s.lines.iter().map(|l| l.text.clone()).collect();
        assert!(!s.relabel(Lang::En), "already in English");
        let revision = s.revision();
        assert!(s.relabel(Lang::ZhCn));
        assert!(s.revision() > revision, "a search looks again");
        let chinese: Vec<&str> = s.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            chinese,
            [
                "你已进入聊天室，名字是 ana（这里还有另外 1 人）",
                "命令：/nick 名字 修改你的名字，/me 文字 表示一个动作，/who 查看谁在这里，/help 显示本说明。以 // 开头的消息会以一个 / 开头发送。Enter 发送，Shift+Enter 换行。",
                "bo 和 cy 加入了",
                "the host's own words",
                "连接已断开：connection lost",
            ]
        );
        assert!(s.relabel(Lang::En));
        let back: Vec<String> = s.lines.iter().map(|l| l.text.clone()).collect();
        assert_eq!(back, english);
        set_thread(None);
    }

    #[test]
    fn why_a_message_was_not_delivered_is_said_again_in_a_new_language() {
        use crate::i18n::{Lang, set_thread};
        set_thread(Lang::En);
        let mut s = joined();
        let refused = send(&mut s, "refused");
        s.apply(NetEvent::NotDelivered {
            id: refused,
            reason: msg!("net-end-left-room"),
        });
        send(&mut s, "cut off");
        s.apply(NetEvent::Disconnected {
            reason: msg!("net-end-left-room"),
            kind: DisconnectKind::ByUser,
        });
        let why = |s: &RoomModel, text: &str| line(s, text).delivery.clone();
        let english = Some(Delivery::NotDelivered("you left the room".into()));
        assert_eq!(why(&s, "refused"), english);
        assert_eq!(why(&s, "cut off"), english);
        assert!(s.relabel(Lang::ZhCn));
        let chinese = Some(Delivery::NotDelivered("你离开了聊天室".into()));
        assert_eq!(why(&s, "refused"), chinese);
        assert_eq!(why(&s, "cut off"), chinese);
        assert!(s.relabel(Lang::En));
        assert_eq!(why(&s, "refused"), english);
        set_thread(None);
    }

    #[test]
    fn the_net_layers_notices_and_reasons_are_said_again_in_a_new_language() {
        use crate::i18n::{Lang, set_thread};
        set_thread(Lang::En);
        let mut s = joined();
        s.apply(NetEvent::Notice(msg!(
            "net-history-file",
            file = "/h.sqlite3",
            kept = 3,
            keep = 10
        )));
        s.apply(NetEvent::Reconnecting {
            reason: msg!("net-end-lost", target = "h:1", error = "reset"),
            in_ms: 1000,
            attempt: 1,
        });
        s.apply(NetEvent::Disconnected {
            reason: msg!("net-end-left-room"),
            kind: DisconnectKind::ByUser,
        });
        let english: Vec<&str> = s.lines[1..].iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            english,
            [
                "history: /h.sqlite3 (3 messages kept, at most 10)",
                "Connection lost: the connection to h:1 was lost: reset",
                "Disconnected: you left the room",
            ]
        );
        assert!(s.relabel(Lang::ZhCn));
        let chinese: Vec<&str> = s.lines[1..].iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            chinese,
            [
                "历史记录：/h.sqlite3（已保留 3 条消息，最多保留 10 条）",
                "连接已断开：与 h:1 的连接中断：reset",
                "已断开连接：你离开了聊天室",
            ]
        );
        // What the window says of the end is put into words as it is drawn.
        set_thread(Lang::ZhCn);
        assert_eq!(
            s.send_blocked_reason().as_deref(),
            Some("已断开连接：你离开了聊天室")
        );
        set_thread(None);
    }

    #[test]
    fn the_composer_takes_the_plain_dialects_commands() {
        let mut s = joined();
        let enter = |s: &mut RoomModel, draft: &str| {
            s.draft = draft.into();
            s.compose()
        };
        assert_eq!(
            enter(&mut s, "/nick  bob "),
            Some(SessionCommand::Nick("bob".into()))
        );
        assert!(s.draft.is_empty());
        assert!(matches!(
            enter(&mut s, "/me waves"),
            Some(SessionCommand::Send { text, .. }) if text == "/me waves"
        ));
        assert_eq!(action(&s.lines.last().unwrap().text), Some("waves"));
        assert!(matches!(
            enter(&mut s, "//etc/hosts is a file"),
            Some(SessionCommand::Send { text, .. }) if text == "/etc/hosts is a file"
        ));
        let last = |s: &RoomModel| s.lines.last().unwrap().text.clone();
        assert_eq!(enter(&mut s, "/who"), None);
        assert!(last(&s).starts_with("In the room ("), "{}", last(&s));
        assert!(s.draft.is_empty());
        assert_eq!(enter(&mut s, "/help"), None);
        assert!(last(&s).contains("/nick NAME"), "{}", last(&s));
        // An unknown or incomplete command is explained; the draft stays.
        assert_eq!(enter(&mut s, "/nikc bob"), None);
        assert!(
            last(&s).starts_with("Unknown command /nikc"),
            "{}",
            last(&s)
        );
        assert_eq!(s.draft, "/nikc bob");
        assert_eq!(enter(&mut s, "/nick"), None);
        assert!(last(&s).contains("/nick NAME"), "{}", last(&s));
        assert_eq!(s.draft, "/nick");
        // A hostile name is cut in the explanation.
        assert_eq!(enter(&mut s, &format!("/{}", "x".repeat(1000))), None);
        assert!(last(&s).len() < 200);
    }

    #[test]
    fn a_delivered_message_takes_its_place_in_the_room_order() {
        let mut s = joined();
        let a = send(&mut s, "a");
        // Heard before a's acknowledgement: the room ordered it before a.
        s.apply(message(1, "x"));
        let b = send(&mut s, "b");
        s.apply(NetEvent::Delivered { id: a });
        let order = |s: &RoomModel| -> Vec<String> {
            s.lines
                .iter()
                .filter(|l| !l.is_notice())
                .map(|l| l.text.clone())
                .collect()
        };
        assert_eq!(order(&s), ["x", "a", "b"]);
        // A message typed during a drop goes below what the resume
        // brought back, once the room has it.
        s.apply(message(2, "y"));
        s.apply(NetEvent::Delivered { id: b });
        assert_eq!(order(&s), ["x", "a", "y", "b"]);
        assert!(
            s.lines
                .iter()
                .filter(|l| l.is_own())
                .all(|l| l.delivery == Some(Delivery::Delivered))
        );
    }

    #[test]
    fn plain_sent_and_not_delivered_are_kept() {
        let mut s = joined();
        s.draft = "one".into();
        let Some(SessionCommand::Send { id: one, .. }) = s.compose() else {
            panic!()
        };
        s.draft = "two".into();
        let Some(SessionCommand::Send { id: two, .. }) = s.compose() else {
            panic!()
        };
        s.apply(NetEvent::Sent { id: one });
        s.apply(NetEvent::NotDelivered {
            id: two,
            reason: wording::said_msg("too long"),
        });
        let n = s.lines.len();
        assert_eq!(s.lines[n - 2].delivery, Some(Delivery::Sent));
        assert_eq!(
            s.lines[n - 1].delivery,
            Some(Delivery::NotDelivered("too long".into()))
        );
        // Resending puts it back in flight, once.
        let (sent, failed) = (s.lines[n - 2].id, s.lines[n - 1].id);
        let Some(SessionCommand::Send { text, .. }) = s.resend(failed) else {
            panic!()
        };
        assert_eq!(text, "two");
        assert_eq!(s.lines.last().unwrap().delivery, Some(Delivery::Sending));
        assert!(s.resend(sent).is_none(), "a sent message is not resent");
        assert!(s.resend(failed).is_none(), "a resent line is gone");
    }

    #[test]
    fn disconnect_keeps_the_draft_and_marks_pending_messages() {
        let mut s = joined();
        s.draft = "in flight".into();
        let _ = s.compose();
        s.draft = "half written".into();
        s.apply(NetEvent::Disconnected {
            reason: wording::said_msg("connection lost"),
            kind: DisconnectKind::Error,
        });
        assert_eq!(s.draft, "half written");
        assert!(s.compose().is_none(), "nothing is sent while disconnected");
        assert_eq!(s.draft, "half written");
        assert!(s.lines.iter().any(|l| l.text == "in flight"
            && l.delivery == Some(Delivery::NotDelivered("connection lost".into()))));
        assert_eq!(
            s.send_blocked_reason().unwrap(),
            "Disconnected: connection lost"
        );
        assert!(s.members.is_empty());
        s.reconnecting();
        assert_eq!(s.status, Status::Connecting);
        assert_eq!(s.draft, "half written");
        // (A late event of the old session never reaches this state: the
        // app applies only the current session's events.)
        s.apply(NetEvent::Connecting {
            target: "h:1".into(),
        });
        s.apply(NetEvent::Connected(Box::new(connection(
            TrustBasis::Verified {
                anchor: "CN=R".into(),
            },
        ))));
        s.apply(NetEvent::Joined {
            you: 5,
            nick: "ana".into(),
            members: vec![member(5, "ana")],
            total: 1,
        });
        assert!(s.is_connected());
    }

    #[test]
    fn members_come_go_and_rename() {
        let mut s = joined();
        s.apply(NetEvent::MemberJoined(member(4, "bo")));
        assert!(s.members.iter().any(|m| m.nick == "bo"));
        s.apply(NetEvent::Renamed {
            id: 4,
            old: "bo".into(),
            new: "bob".into(),
        });
        assert!(s.members.iter().any(|m| m.nick == "bob"));
        s.apply(NetEvent::Renamed {
            id: 3,
            old: "ana".into(),
            new: "anna".into(),
        });
        assert_eq!(s.nick, "anna");
        s.apply(NetEvent::MemberLeft {
            member: member(4, "bob"),
            reason: crate::net::LeaveReason::TooSlow,
        });
        assert!(!s.members.iter().any(|m| m.id == 4));
        assert_eq!(
            s.lines.last().unwrap().text,
            "bob left (too slow to keep up)"
        );
        s.apply(NetEvent::Notice(wording::said_msg("hello")));
        assert!(s.lines.last().unwrap().is_notice());
        s.apply(NetEvent::Message(MessageEvent {
            seq: 9,
            from: Some(0),
            nick: "hana".into(),
            text: "hi".into(),
            time_ms: 5,
            own: false,
            history: false,
        }));
        assert_eq!(s.lines.last().unwrap().nick, "hana");
    }

    #[test]
    fn joins_and_leaves_in_a_row_share_one_line() {
        let mut s = joined();
        let before = s.lines.len();
        for (id, nick) in [(4, "bo"), (5, "cy"), (6, "dee")] {
            s.apply(NetEvent::MemberJoined(member(id, nick)));
        }
        assert_eq!(s.lines.len(), before + 1);
        assert_eq!(s.lines.last().unwrap().text, "bo, cy and dee joined");
        for id in 7..17 {
            s.apply(NetEvent::MemberJoined(member(id, &format!("g{id}"))));
        }
        assert_eq!(s.lines.len(), before + 1);
        assert_eq!(
            s.lines.last().unwrap().text,
            "bo, cy, dee, g7, g8 and 8 others joined"
        );
        assert_eq!(s.members.len(), 2 + 13, "every one of them is listed");
        // Something said in between starts a new line.
        s.apply(NetEvent::Notice(wording::said_msg("hello")));
        s.apply(NetEvent::MemberJoined(member(20, "eve")));
        assert_eq!(s.lines.last().unwrap().text, "eve joined");
        // Leaves gather by reason.
        let leave = |id, nick: &str, reason: crate::net::LeaveReason| NetEvent::MemberLeft {
            member: member(id, nick),
            reason,
        };
        s.apply(leave(4, "bo", crate::net::LeaveReason::Left));
        s.apply(leave(5, "cy", crate::net::LeaveReason::Left));
        assert_eq!(s.lines.last().unwrap().text, "bo and cy left");
        s.apply(leave(6, "dee", crate::net::LeaveReason::TooSlow));
        s.apply(leave(7, "g7", crate::net::LeaveReason::TooSlow));
        assert_eq!(
            s.lines.last().unwrap().text,
            "dee and g7 left (too slow to keep up)"
        );
        let n = s.lines.len();
        assert_eq!(s.lines[n - 2].text, "bo and cy left");
    }

    #[test]
    fn a_resent_message_is_never_taken_for_a_join_line() {
        let mut s = joined();
        let failed = s.push(ChatLine {
            id: 0,
            seq: None,
            time_ms: 1,
            nick: "ana".into(),
            text: "lost words".into(),
            kind: LineKind::Message {
                author: Author::Us,
                source: Source::Live,
            },
            delivery: Some(Delivery::NotDelivered("gone".into())),
        });
        s.apply(NetEvent::MemberJoined(member(4, "bo")));
        // Resending removes the failed line and adds the message at the end,
        // where the join line was.
        assert!(s.resend(failed).is_some());
        s.apply(NetEvent::MemberJoined(member(5, "cy")));
        let n = s.lines.len();
        assert_eq!(s.lines[n - 3].text, "bo joined");
        assert_eq!(s.lines[n - 2].text, "lost words");
        assert_eq!(s.lines[n - 1].text, "cy joined");
    }

    fn message(seq: u64, text: &str) -> NetEvent {
        NetEvent::Message(MessageEvent {
            seq,
            from: Some(0),
            nick: "hana".into(),
            text: text.into(),
            time_ms: 1,
            own: false,
            history: false,
        })
    }

    fn send(s: &mut RoomModel, text: &str) -> u64 {
        s.draft = text.into();
        let Some(SessionCommand::Send { id, .. }) = s.compose() else {
            panic!("not sent")
        };
        id
    }

    fn line<'a>(s: &'a RoomModel, text: &str) -> &'a ChatLine {
        s.lines
            .iter()
            .find(|l| l.text == text)
            .unwrap_or_else(|| panic!("no line {text:?}"))
    }

    #[test]
    fn the_conversation_is_bounded_and_says_so_once() {
        let mut s = joined();
        for i in 0..(MAX_LINES as u64 * 2) {
            s.apply(message(i, &format!("m{i}")));
            assert!(s.lines.len() <= MAX_LINES);
        }
        let notices: Vec<&ChatLine> = s
            .lines
            .iter()
            .filter(|l| l.text.ends_with("older lines are no longer shown"))
            .collect();
        assert_eq!(
            notices.len(),
            1,
            "one notice line, however often it trimmed"
        );
        assert_eq!(s.lines[0].id, notices[0].id, "the notice is on top");
        assert_eq!(
            notices[0].text,
            format!("{} older lines are no longer shown", s.trimmed())
        );
        // Nothing but the oldest left: the newest line is the last one said,
        // and what is shown plus what left is everything.
        assert_eq!(
            s.lines.last().unwrap().text,
            format!("m{}", MAX_LINES * 2 - 1)
        );
        let shown = s.lines.iter().filter(|l| l.text.starts_with('m')).count();
        // The joined notice was the first line, and left too.
        assert_eq!(shown + s.trimmed(), MAX_LINES * 2 + 1);
        // Ids only grow along the conversation, after the notice.
        assert!(s.lines[1..].windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn trimming_keeps_messages_in_flight_and_their_ids() {
        let mut s = joined();
        let sending = send(&mut s, "still sending");
        let lost = send(&mut s, "lost");
        s.apply(NetEvent::NotDelivered {
            id: lost,
            reason: wording::said_msg("too long"),
        });
        let delivered = send(&mut s, "delivered early");
        s.apply(NetEvent::Delivered { id: delivered });
        let lost_line = line(&s, "lost").id;
        for i in 0..MAX_LINES as u64 {
            s.apply(message(i, &format!("m{i}")));
        }
        assert!(s.trimmed() > 0);
        assert!(
            !s.lines.iter().any(|l| l.text == "delivered early"),
            "a settled message leaves like any line"
        );
        // The message in flight stayed, and its delivery still finds it.
        assert_eq!(line(&s, "still sending").delivery, Some(Delivery::Sending));
        s.apply(NetEvent::Delivered { id: sending });
        assert_eq!(
            line(&s, "still sending").delivery,
            Some(Delivery::Delivered)
        );
        // The failed one stayed, with its reason, and can be resent by its id.
        assert_eq!(line(&s, "lost").id, lost_line);
        assert_eq!(
            line(&s, "lost").delivery,
            Some(Delivery::NotDelivered("too long".into()))
        );
        let Some(SessionCommand::Send { text, .. }) = s.resend(lost_line) else {
            panic!("not resent")
        };
        assert_eq!(text, "lost");
        assert_eq!(s.lines.last().unwrap().text, "lost");
        assert_eq!(s.lines.last().unwrap().delivery, Some(Delivery::Sending));
        assert_eq!(s.lines.iter().filter(|l| l.text == "lost").count(), 1);
    }

    #[test]
    fn a_resend_after_a_trim_targets_the_line_that_was_clicked() {
        let mut s = joined();
        let oldest = s.lines[0].id;
        s.apply(message(1, "before"));
        let a = send(&mut s, "first failure");
        s.apply(message(2, "between"));
        let b = send(&mut s, "second failure");
        for id in [a, b] {
            s.apply(NetEvent::NotDelivered {
                id,
                reason: wording::said_msg("gone"),
            });
        }
        // The view shows the lines and remembers the id of the one clicked…
        let clicked = line(&s, "second failure").id;
        let index_before = s.index_of(clicked).unwrap();
        // …then lines before it leave before the click is handled.
        for i in 0..(MAX_LINES as u64 + 10) {
            s.apply(message(i, &format!("m{i}")));
        }
        assert_ne!(s.index_of(clicked), Some(index_before), "indexes moved");
        let Some(SessionCommand::Send { text, .. }) = s.resend(clicked) else {
            panic!("not resent")
        };
        assert_eq!(text, "second failure");
        assert!(s.lines.iter().any(|l| l.text == "first failure"
            && l.delivery == Some(Delivery::NotDelivered("gone".into()))));
        // An id that left is no line at all.
        assert_eq!(s.index_of(oldest), None);
        assert!(s.resend(oldest).is_none());
    }

    #[test]
    fn what_peers_say_stays_visible_in_every_line_and_the_status() {
        let mut s = joined();
        // As the net layer hands events over: made safe as they leave it.
        let mut apply = |e: NetEvent| s.apply(crate::net::safe_event::made_safe(e));
        let hostile = "\x1b[2J\u{202e}\u{200b}\n* fake";
        let member = MemberInfo {
            id: 9,
            nick: hostile.into(),
            is_host: false,
            plain_text: false,
            identity: Some(hostile.into()),
            key: None,
        };
        apply(NetEvent::MemberJoined(member.clone()));
        apply(NetEvent::Message(MessageEvent {
            seq: 1,
            from: Some(9),
            nick: hostile.into(),
            text: format!("two\nlines {hostile}"),
            time_ms: 1,
            own: false,
            history: false,
        }));
        apply(NetEvent::Renamed {
            id: 9,
            old: hostile.into(),
            new: hostile.into(),
        });
        apply(NetEvent::Notice(wording::said_msg(hostile)));
        apply(NetEvent::MemberLeft {
            member,
            reason: crate::net::LeaveReason::ConnectionLost,
        });
        apply(NetEvent::Disconnected {
            reason: wording::said_msg(hostile),
            kind: DisconnectKind::Error,
        });
        let hidden = |t: &str| {
            t.chars()
                .any(|c| crate::net::safe_text::is_hidden(c) && c != '\n')
        };
        for l in &s.lines {
            assert!(!hidden(&l.nick) && !hidden(&l.text), "{l:?}");
            assert!(l.is_notice() || l.nick.contains("\\x1b[2J"), "{l:?}");
        }
        let said = s.lines.iter().find(|l| !l.is_notice()).unwrap();
        assert!(
            said.text.starts_with("two\nlines "),
            "newlines in a message stay"
        );
        assert!(
            !s.status_text()
                .chars()
                .any(crate::net::safe_text::is_hidden)
        );
    }

    fn history_message(seq: u64, nick: &str, text: &str, own: bool) -> NetEvent {
        NetEvent::Message(MessageEvent {
            seq,
            from: Some(if own { 3 } else { 0 }),
            nick: nick.into(),
            text: text.into(),
            time_ms: 1,
            own,
            history: true,
        })
    }

    fn dividers(s: &RoomModel) -> Vec<&ChatLine> {
        s.lines.iter().filter(|l| l.is_divider()).collect()
    }

    #[test]
    fn a_backlog_ends_in_a_divider_below_it() {
        let mut s = joined();
        for i in 1..=3 {
            s.apply(history_message(i, "hana", &format!("old {i}"), false));
        }
        s.apply(NetEvent::HistoryEnd {
            count: 3,
            missed: 0,
            resumed: false,
        });
        s.apply(message(4, "live"));
        let n = s.lines.len();
        assert_eq!(n, 6, "{:?}", s.lines);
        let divider = &s.lines[n - 3];
        assert!(divider.is_divider() && divider.is_notice(), "{divider:?}");
        assert_eq!(divider.text, "3 earlier messages");
        assert_eq!(dividers(&s).len(), 1);
        // Below it that we are in the room (moved down, with an id of its
        // own), then the live room.
        assert_eq!(
            s.lines[n - 2].text,
            "You are in the room as ana (1 other here)"
        );
        // Above it the history, drawn as history.
        for l in &s.lines[..n - 3] {
            assert!(
                l.is_history() && !l.is_notice() && l.text.starts_with("old "),
                "{l:?}"
            );
        }
        assert!(!s.lines[n - 1].is_history() && s.lines[n - 1].text == "live");
        // Ids still grow along the conversation.
        assert!(s.lines.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn divider_texts_for_backlog_resume_and_what_was_not_kept() {
        assert_eq!(divider_text(0, 0, false), None, "no backlog, no divider");
        assert_eq!(divider_text(1, 0, false).unwrap(), "1 earlier message");
        assert_eq!(
            divider_text(50, 7, false).unwrap(),
            "50 earlier messages · 7 more were not kept"
        );
        assert_eq!(
            divider_text(2, 0, true).unwrap(),
            "2 new messages while you were away"
        );
        assert_eq!(
            divider_text(1, 1, true).unwrap(),
            "1 new message while you were away · 1 more was not kept"
        );
        assert_eq!(
            divider_text(0, 4, true).unwrap(),
            "4 messages said while you were away were not kept"
        );
        assert_eq!(
            divider_text(10_000, 1_234_567, true).unwrap(),
            "10,000 new messages while you were away · 1,234,567 more were not kept"
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        // A resume that brought nothing: a notice, no divider.
        let mut s = joined();
        s.apply(NetEvent::HistoryEnd {
            count: 0,
            missed: 0,
            resumed: true,
        });
        assert!(dividers(&s).is_empty());
        assert_eq!(
            s.lines.last().unwrap().text,
            "Nothing was said while you were away"
        );
        // A resume with what was missed: a divider that says both.
        s.apply(history_message(9, "hana", "while away", false));
        s.apply(NetEvent::HistoryEnd {
            count: 1,
            missed: 2,
            resumed: true,
        });
        assert_eq!(
            s.lines.last().unwrap().text,
            "1 new message while you were away · 2 more were not kept"
        );
        assert!(s.lines.last().unwrap().is_divider());
    }

    #[test]
    fn reconnecting_then_joined_keeps_the_conversation_pending_and_draft() {
        let mut s = joined();
        s.apply(message(1, "before the drop"));
        let in_flight = send(&mut s, "in flight");
        let before: Vec<(LineId, String)> =
            s.lines.iter().map(|l| (l.id, l.text.clone())).collect();
        s.apply(NetEvent::Reconnecting {
            reason: wording::said_msg("the connection to h:1 was lost: reset"),
            in_ms: 2_500,
            attempt: 1,
        });
        // The truth while the connection is down: not secure, not connected.
        assert!(s.is_reconnecting());
        assert!(!s.is_connected());
        assert!(!s.is_verified(), "no padlock while the connection is down");
        assert!(!s.status_text().contains("Secure"), "{}", s.status_text());
        let countdown = s.reconnect_countdown(Instant::now()).unwrap();
        assert_eq!(countdown.seconds(), 3);
        assert!(countdown.reason.contains("reset"));
        // The composer stays usable: what is sent now waits, shown pending.
        assert!(s.send_blocked_reason().is_none());
        let waiting = send(&mut s, "written while away");
        assert_eq!(
            line(&s, "written while away").delivery,
            Some(Delivery::Sending)
        );
        s.draft = "half written".into();
        // Another failed attempt: still one line about the drop.
        s.apply(NetEvent::Reconnecting {
            reason: wording::said_msg("cannot connect to h:1: refused"),
            in_ms: 1_000,
            attempt: 2,
        });
        assert_eq!(
            s.lines
                .iter()
                .filter(|l| l.text.starts_with("Connection lost"))
                .count(),
            1
        );
        // Back: a new connection and a new member id.
        s.apply(NetEvent::Connected(Box::new(connection(
            TrustBasis::Verified {
                anchor: "CN=Test Root".into(),
            },
        ))));
        s.apply(NetEvent::Joined {
            you: 8,
            nick: "ana".into(),
            members: vec![member(0, "hana"), member(8, "ana")],
            total: 2,
        });
        assert!(s.is_connected() && !s.is_reconnecting());
        assert!(s.reconnect_countdown(Instant::now()).is_none());
        assert_eq!(s.me, Some(8));
        assert_eq!(s.draft, "half written");
        assert!(s.status_text().starts_with("Secure"));
        // Every line from before is still there, with the same id.
        for (id, text) in &before {
            assert_eq!(&s.lines[s.index_of(*id).unwrap()].text, text);
        }
        assert_eq!(
            s.lines.last().unwrap().text,
            "Back in the room as ana (1 other here)"
        );
        // The waiting messages are acknowledged after the resume, once.
        for (id, text) in [(in_flight, "in flight"), (waiting, "written while away")] {
            s.apply(NetEvent::Message(MessageEvent {
                seq: 10 + id,
                from: Some(8),
                nick: "ana".into(),
                text: text.into(),
                time_ms: 1,
                own: true,
                history: false,
            }));
            s.apply(NetEvent::Delivered { id });
            assert_eq!(s.lines.iter().filter(|l| l.text == text).count(), 1);
            assert_eq!(line(&s, text).delivery, Some(Delivery::Delivered));
        }
        // A drop that ends the session still ends it as before.
        s.apply(NetEvent::Reconnecting {
            reason: wording::said_msg("lost"),
            in_ms: 500,
            attempt: 1,
        });
        s.apply(NetEvent::Disconnected {
            reason: wording::said_msg("you left the room"),
            kind: DisconnectKind::ByUser,
        });
        assert!(matches!(s.status, Status::Disconnected { .. }));
        assert!(s.compose().is_none());
    }

    #[test]
    fn the_countdown_ticks_once_a_second_then_stops() {
        let at = |ms: u64| Countdown {
            reason: "lost",
            left: Duration::from_millis(ms),
            attempt: 1,
        };
        assert_eq!(at(2_500).seconds(), 3);
        assert_eq!(at(2_500).next_tick(), Some(Duration::from_millis(500)));
        assert_eq!(at(2_000).seconds(), 2);
        assert_eq!(at(2_000).next_tick(), Some(Duration::from_secs(1)));
        assert_eq!(at(1).seconds(), 1);
        assert_eq!(at(0).seconds(), 0);
        assert_eq!(at(0).next_tick(), None, "no redraws once it is time");
        // Reconnect now ends the wait.
        let mut s = joined();
        s.apply(NetEvent::Reconnecting {
            reason: wording::said_msg("lost"),
            in_ms: 30_000,
            attempt: 6,
        });
        s.reconnect_now();
        let c = s.reconnect_countdown(Instant::now()).unwrap();
        assert_eq!((c.seconds(), c.attempt), (0, 6));
    }

    #[test]
    fn own_history_is_shown_once_as_own_and_own_live_messages_not_twice() {
        // A restarted host's window: the stored conversation, its own
        // earlier messages among it, then the divider.
        let mut s = RoomModel::new(Role::Host, "127.0.0.1:0".into(), "hana".into());
        s.apply(NetEvent::Listening {
            addr: "127.0.0.1:7443".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        s.apply(history_message(1, "ana", "hi hana", false));
        s.apply(history_message(2, "hana", "hi ana", true));
        s.apply(NetEvent::HistoryEnd {
            count: 2,
            missed: 0,
            resumed: false,
        });
        let own: Vec<&ChatLine> = s.lines.iter().filter(|l| l.text == "hi ana").collect();
        assert_eq!(own.len(), 1);
        assert!(own[0].is_own() && own[0].is_history() && own[0].delivery.is_none());
        assert_eq!(s.lines.last().unwrap().text, "2 earlier messages");
        // Live: our message is shown when sent, its echo adds nothing.
        s.me = Some(0);
        let id = send(&mut s, "new words");
        s.apply(NetEvent::Message(MessageEvent {
            seq: 3,
            from: Some(0),
            nick: "hana".into(),
            text: "new words".into(),
            time_ms: 1,
            own: true,
            history: false,
        }));
        s.apply(NetEvent::Delivered { id });
        let live: Vec<&ChatLine> = s.lines.iter().filter(|l| l.text == "new words").collect();
        assert_eq!(live.len(), 1);
        assert!(live[0].is_own() && !live[0].is_history());
        assert_eq!(live[0].delivery, Some(Delivery::Delivered));
    }

    #[test]
    fn dividers_leave_with_old_lines_and_ids_stay_stable() {
        let mut s = joined();
        s.apply(history_message(1, "hana", "old", false));
        s.apply(NetEvent::HistoryEnd {
            count: 1,
            missed: 0,
            resumed: false,
        });
        let divider = dividers(&s)[0].id;
        s.apply(message(2, "first live"));
        let live = line(&s, "first live").id;
        for i in 0..(MAX_LINES as u64 - 10) {
            s.apply(message(i + 3, &format!("m{i}")));
        }
        assert!(s.lines.len() <= MAX_LINES);
        assert_eq!(s.trimmed(), 0, "not yet trimmed");
        assert_eq!(
            s.lines[s.index_of(divider).unwrap()].text,
            "1 earlier message"
        );
        assert_eq!(s.lines[s.index_of(divider).unwrap() + 2].id, live);
        for i in 0..20 {
            s.apply(message(i + MAX_LINES as u64, &format!("n{i}")));
        }
        assert!(s.trimmed() > 0 && s.lines.len() <= MAX_LINES);
        assert_eq!(
            s.index_of(divider),
            None,
            "the divider left with the old lines"
        );
        assert!(dividers(&s).is_empty());
    }

    #[test]
    fn host_state_and_untrusted() {
        let mut s = RoomModel::new(Role::Host, "127.0.0.1:0".into(), "hana".into());
        s.apply(NetEvent::Connecting {
            target: "127.0.0.1:0".into(),
        });
        s.apply(NetEvent::Listening {
            addr: "127.0.0.1:7443".parse().unwrap(),
            chain: vec![],
            invites: vec![],
        });
        assert_eq!(s.target, "127.0.0.1:7443");
        assert_eq!(s.status, Status::Connected);

        let mut m = RoomModel::new(Role::Member, "h:1".into(), "ana".into());
        m.apply(NetEvent::Connecting {
            target: "h:1".into(),
        });
        m.apply(NetEvent::Untrusted(Box::new(Untrusted {
            target: "h:1".into(),
            problem: Problem::UnknownIssuer,
            chain: vec![],
            previous: None,
            can_proceed: true,
        })));
        m.apply(NetEvent::Disconnected {
            reason: wording::said_msg("not trusted"),
            kind: DisconnectKind::Untrusted,
        });
        assert!(
            matches!(m.status, Status::Untrusted(_)),
            "the refusal stays on screen"
        );
        assert!(m.status_text().starts_with("Not private"));
    }
}
