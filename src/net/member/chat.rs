//! One connection's chat, from hello to its end: [`Chat`].
//!
//! [`Chat::run`] first says hello. In a `tlschat/1` room the hello names
//! our client token and, coming back after a drop, where we left off; every
//! message the room has not acknowledged yet goes again right after it (the
//! host recognizes what it already has). A plain-text room gets no hello:
//! the user is told that delivery cannot be confirmed there.
//!
//! Then one loop waits for whichever comes first:
//! - a frame from the host ([`Chat::on_frame`]): our welcome, messages and
//!   their acknowledgements, who joined, left or was renamed, the pages of
//!   a big room's member list (we ask for each next one), the room closing;
//! - a command from the user ([`Chat::on_command`]): say something, change
//!   nickname, leave (at once, or once everything is acknowledged);
//! - the deadline of such a leave.
//!
//! It returns how the connection ended ([`End`]). A drop lets the session
//! reconnect (see [`super`]), and what the next connection needs to go on
//! where this one stopped is kept in [`Carry`], not here.

use std::collections::HashSet;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use super::carry::Carry;
use super::end::End;
use super::inbox::Inbox;
use crate::msg;
use crate::net::command::SessionCommand;
use crate::net::event::{MemberInfo, MessageEvent, NetEvent};
use crate::net::frame::{ClientFrame, ErrorCode, Resume, ServerFrame, WireMember};
use crate::net::lines::sanitize_str;
use crate::net::protocol::{
    Connection, Dialect, MAX_LINE, MemberSide, Read, check_message, encode_client,
};
use crate::net::safe_text::Newlines;
use crate::net::sink::EventSink;
use crate::net::wording::{closing_msg, said_msg};

/// How long `Finish` waits for outstanding acknowledgements.
pub(super) const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection to the room, and where the member stands in it.
pub(super) struct Chat<'a, T> {
    /// The connection to the host.
    conn: Connection<T, MemberSide>,
    /// Where the session's events go.
    sink: &'a EventSink,
    /// `host:port`, as the user asked for it.
    target: &'a str,
    /// What outlives this connection.
    carry: &'a mut Carry,
    /// Our member id, once welcomed (a plain-text room has none).
    me: Option<u64>,
    /// A local count for a plain-text room, whose lines carry no order.
    plain_seq: u64,
    /// While the member list comes in pages: the id the next page follows.
    paging: Option<u64>,
    /// Members that left while the pages came (a page may predate it).
    gone: HashSet<u64>,
    /// The room's last sequence number when we were welcomed.
    welcome_seq: u64,
    /// While stored messages come: what the host announced (count, missed,
    /// resumed).
    history: Option<(u64, u64, bool)>,
}

impl<'a, T: AsyncRead + AsyncWrite> Chat<'a, T> {
    /// A chat over `conn`, an established connection to `target`.
    pub(super) fn new(
        conn: Connection<T, MemberSide>,
        sink: &'a EventSink,
        target: &'a str,
        carry: &'a mut Carry,
    ) -> Self {
        Self {
            conn,
            sink,
            target,
            carry,
            me: None,
            plain_seq: 0,
            paging: None,
            gone: HashSet::new(),
            welcome_seq: 0,
            history: None,
        }
    }

    /// Chats until the connection ends, then closes it (close_notify).
    pub(super) async fn run(mut self, commands: &mut Inbox) -> End {
        let end = self.chat(commands).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.conn.writer.shutdown()).await;
        end
    }

    /// The hello, then whatever comes first, one at a time, until the
    /// connection ends.
    async fn chat(&mut self, commands: &mut Inbox) -> End {
        if let Err(e) = self.hello().await {
            return self.lost(&e);
        }
        loop {
            if self.carry.done() {
                return End::left();
            }
            // Leaving once everything is acknowledged has a deadline.
            let finishing = self.carry.finishing;
            let deadline = finishing
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            let end = tokio::select! {
                read = self.conn.read_frame() => self.on_read(read).await,
                command = commands.recv() => self.on_command(command).await,
                () = tokio::time::sleep_until(deadline), if finishing.is_some() => {
                    Some(End::left())
                }
            };
            if let Some(end) = end {
                return end;
            }
        }
    }

    /// Says hello to a `tlschat/1` room and sends again what it has not
    /// acknowledged; tells the user what a plain-text room is.
    async fn hello(&mut self) -> std::io::Result<()> {
        let dialect = self.conn.dialect();
        if dialect == Dialect::Plain {
            self.sink.emit(NetEvent::Notice(msg!(
                "net-plain-text-mode",
                target = self.target
            )));
            return Ok(());
        }
        let resume = self.carry.room.clone().map(|room| Resume {
            room,
            after: self.carry.last_seq,
        });
        let hello = ClientFrame::Hello {
            nick: self.carry.nick.clone(),
            client: Some(self.carry.client.clone()),
            resume,
            invite: self.carry.invite.clone(),
        };
        let mut out = Vec::new();
        encode_client(&hello, dialect, &mut out);
        for (id, text) in &self.carry.pending {
            let frame = ClientFrame::Msg {
                id: Some(id.to_string()),
                text: text.clone(),
            };
            encode_client(&frame, dialect, &mut out);
        }
        self.conn.writer.write_encoded(&out).await
    }

    /// Handles what the host sent; `Some` ends the connection.
    async fn on_read(&mut self, read: std::io::Result<Option<Read<ServerFrame>>>) -> Option<End> {
        let frame = match read {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(e))) => {
                self.sink
                    .emit(NetEvent::Notice(msg!("net-ignored-line", why = e.message)));
                return None;
            }
            Ok(None) => {
                return Some(match self.conn.dialect() {
                    Dialect::Plain => End::ByPeer(msg!("net-end-closed", target = self.target)),
                    Dialect::Json => End::Dropped(msg!("net-end-closed-silently")),
                });
            }
            Err(e) => return Some(self.lost(&e)),
        };
        match self.on_frame(frame) {
            Ok(Some(reply)) => match self.conn.write_frame(&reply).await {
                Ok(()) => None,
                Err(e) => Some(self.lost(&e)),
            },
            Ok(None) => None,
            Err(end) => Some(end),
        }
    }

    /// Handles a frame from the host; returns a frame to send back (the
    /// next roster page) or the end of the connection.
    pub(super) fn on_frame(&mut self, frame: ServerFrame) -> Result<Option<ClientFrame>, End> {
        let sink = self.sink;
        match frame {
            ServerFrame::Welcome {
                you,
                nick,
                members,
                total,
                next,
                room,
                seq,
            } => {
                self.welcomed(you, &nick, room, seq);
                sink.emit(NetEvent::Joined {
                    you,
                    nick,
                    members: members.into_iter().map(member).collect(),
                    total,
                });
                return Ok(self.page_after(next));
            }
            ServerFrame::History {
                count,
                missed,
                resumed,
            } => self.history = Some((count, missed, resumed)),
            ServerFrame::HistoryEnd => {
                // Whatever the room said up to our welcome is now seen.
                self.carry.saw(self.welcome_seq);
                let (count, missed, resumed) = self.history.take().unwrap_or_default();
                sink.emit(NetEvent::HistoryEnd {
                    count,
                    missed,
                    resumed,
                });
            }
            ServerFrame::Roster { members, next, .. } => return Ok(self.roster(members, next)),
            ServerFrame::Msg {
                seq,
                from,
                nick,
                text,
                ts,
                history,
            } => {
                self.carry.saw(seq);
                sink.emit(NetEvent::Message(MessageEvent {
                    seq,
                    from: Some(from),
                    nick,
                    text,
                    time_ms: ts,
                    own: false,
                    history,
                }));
            }
            // The view shows our own message since we sent it: this is not
            // history to it, even when it came in a replay.
            ServerFrame::Ack {
                id, seq, ts, text, ..
            } => self.acknowledged(id, seq, ts, text),
            ServerFrame::Joined { member: m } => sink.emit(NetEvent::MemberJoined(member(m))),
            ServerFrame::MembersChanged { joined, left } => {
                for m in joined {
                    sink.emit(NetEvent::MemberJoined(member(m)));
                }
                for l in left {
                    self.left(l.member, l.reason);
                }
            }
            ServerFrame::Left { member: m, reason } => self.left(m, reason),
            ServerFrame::Renamed { id, old, new } => {
                if Some(id) == self.me {
                    self.carry.nick.clone_from(&new);
                }
                sink.emit(NetEvent::Renamed { id, old, new });
            }
            ServerFrame::Error { code, message, id } => self.on_error(code, message, id)?,
            ServerFrame::Notice { text } => sink.emit(NetEvent::Notice(said_msg(text))),
            ServerFrame::Waiting { text } => sink.emit(NetEvent::Waiting { text }),
            ServerFrame::Closing { reason } => return Err(End::ByPeer(closing_msg(reason))),
            ServerFrame::PlainLine { nick, text } => {
                let nick = nick.unwrap_or_else(|| self.target.to_string());
                self.plain_message(nick, text, false);
            }
        }
        Ok(None)
    }

    /// Handles an error from the host: some end the connection (and are
    /// not tried again), the others refuse one thing we sent.
    fn on_error(
        &mut self,
        code: ErrorCode,
        message: String,
        id: Option<String>,
    ) -> Result<(), End> {
        match code {
            // Another connection of this session is in the room now:
            // coming back would only take its place in turn.
            ErrorCode::Replaced => Err(End::ByPeer(msg!("net-host-says", message = message))),
            // The door stayed shut, or the host put us out: coming back
            // by ourselves would only be refused (or unwelcome).
            ErrorCode::NotAdmitted => Err(End::Refused(said_msg(message))),
            ErrorCode::Removed => Err(End::Removed(said_msg(message))),
            _ => {
                self.refused(id, &message);
                Ok(())
            }
        }
    }

    /// Handles a command from the user (`None`: the session is ending);
    /// `Some` ends the connection.
    pub(super) async fn on_command(&mut self, command: Option<SessionCommand>) -> Option<End> {
        match command {
            Some(SessionCommand::Send { id, text }) => self.send(id, text).await,
            Some(SessionCommand::Nick(nick)) => {
                match self.conn.write_frame(&ClientFrame::Nick { nick }).await {
                    Ok(()) => None,
                    Err(e) => Some(self.lost(&e)),
                }
            }
            Some(SessionCommand::Finish) => {
                if self.conn.dialect() == Dialect::Plain {
                    return Some(End::ByUser(msg!("net-end-left")));
                }
                let deadline = tokio::time::Instant::now() + FINISH_TIMEOUT;
                self.carry.finishing.get_or_insert(deadline);
                None
            }
            Some(SessionCommand::ReconnectNow | SessionCommand::Door(_)) => None,
            Some(SessionCommand::Disconnect) | None => Some(End::left()),
        }
    }

    /// Says `text` as message `id`: checked here first (what the host would
    /// refuse is refused at once), pending until acknowledged in a
    /// `tlschat/1` room, shown at once in a plain-text one.
    async fn send(&mut self, id: u64, text: String) -> Option<End> {
        let dialect = self.conn.dialect();
        let text = text.replace('\r', "");
        let frame = ClientFrame::Msg {
            id: Some(id.to_string()),
            text,
        };
        let mut line = Vec::new();
        encode_client(&frame, dialect, &mut line);
        let ClientFrame::Msg { text, .. } = frame else {
            return None;
        };
        let refused = if line.split(|b| *b == b'\n').any(|l| l.len() > MAX_LINE) {
            Some(msg!(
                "net-unsent-too-long",
                bytes = line.len() - 1,
                max = MAX_LINE
            ))
        } else if dialect == Dialect::Json {
            // The host refuses what could not reach every member; say so
            // at once rather than after a round trip.
            check_message(&sanitize_str(&text, Newlines::Keep))
                .err()
                .map(|e| said_msg(e.message))
        } else {
            None
        };
        if let Some(reason) = refused {
            self.sink.emit(NetEvent::NotDelivered { id, reason });
            return None;
        }
        // Pending before it is written: a message cut off on the way goes
        // again after a reconnect.
        let own_text = match dialect {
            Dialect::Json => {
                self.carry.pending.insert(id, text);
                None
            }
            Dialect::Plain => Some(text),
        };
        if let Err(e) = self.conn.writer.write_encoded(&line).await {
            if dialect == Dialect::Plain {
                self.sink.emit(NetEvent::NotDelivered {
                    id,
                    reason: msg!("net-unsent-lost", error = e.to_string()),
                });
            }
            return Some(self.lost(&e));
        }
        if let Some(text) = own_text {
            self.plain_message(String::new(), text, true);
            self.sink.emit(NetEvent::Sent { id });
        }
        None
    }

    /// The connection failed: worth another.
    fn lost(&self, e: &dyn std::fmt::Display) -> End {
        End::Dropped(msg!(
            "net-end-lost",
            target = self.target,
            error = e.to_string()
        ))
    }

    /// We are member `you` of `room` as `nick`, the room at `seq`.
    fn welcomed(&mut self, you: u64, nick: &str, room: String, seq: u64) {
        self.me = Some(you);
        nick.clone_into(&mut self.carry.nick);
        self.carry.welcomed = true;
        if !room.is_empty() {
            if self.carry.room.as_deref() != Some(room.as_str()) {
                // Another room (or one restarted without its history): its
                // numbers start afresh.
                self.carry.last_seq = 0;
            }
            self.carry.room = Some(room);
        }
        self.welcome_seq = seq;
    }

    /// A page of the member list: only the pages we asked for; a member
    /// that left since is not brought back by a page made before it left.
    fn roster(&mut self, members: Vec<WireMember>, next: Option<u64>) -> Option<ClientFrame> {
        let after = self.paging?;
        let members: Vec<MemberInfo> = members
            .into_iter()
            .filter(|m| m.id > after && !self.gone.contains(&m.id))
            .map(member)
            .collect();
        self.sink.emit(NetEvent::Roster { members });
        // Each page must move on, or a host could keep us asking.
        self.page_after(next.filter(|n| *n > after))
    }

    /// Asks for the member list after `next`, or ends the paging.
    fn page_after(&mut self, next: Option<u64>) -> Option<ClientFrame> {
        self.paging = next;
        if next.is_none() {
            self.gone.clear();
        }
        next.map(|after| ClientFrame::Who { after: Some(after) })
    }

    /// Our message `id` reached the room as `seq`. An id acknowledged
    /// twice (a resend whose first acknowledgement was lost) is shown once.
    fn acknowledged(&mut self, id: Option<String>, seq: u64, ts: u64, text: String) {
        self.carry.saw(seq);
        if let Some(id) = id.and_then(|id| id.parse::<u64>().ok())
            && self.carry.pending.remove(&id).is_some()
        {
            self.sink.emit(NetEvent::Message(MessageEvent {
                seq,
                from: self.me,
                nick: self.carry.nick.clone(),
                text,
                time_ms: ts,
                own: true,
                history: false,
            }));
            self.sink.emit(NetEvent::Delivered { id });
        }
    }

    /// Someone left.
    fn left(&mut self, m: WireMember, reason: crate::net::frame::LeaveReason) {
        if self.paging.is_some() {
            self.gone.insert(m.id);
        }
        self.sink.emit(NetEvent::MemberLeft {
            member: member(m),
            reason,
        });
    }

    /// The host refused something: our message `id`, or something else.
    fn refused(&mut self, id: Option<String>, message: &str) {
        match id.and_then(|id| id.parse::<u64>().ok()) {
            Some(id) if self.carry.pending.remove(&id).is_some() => {
                self.sink.emit(NetEvent::NotDelivered {
                    id,
                    reason: msg!("net-unsent-refused", message = message),
                });
            }
            _ => self
                .sink
                .emit(NetEvent::Notice(msg!("net-host-says", message = message))),
        }
    }

    /// A line in a plain-text room, numbered here (such lines carry no
    /// order of their own).
    fn plain_message(&mut self, nick: String, text: String, own: bool) {
        self.plain_seq += 1;
        self.sink.emit(NetEvent::Message(MessageEvent {
            seq: self.plain_seq,
            from: None,
            nick,
            text,
            time_ms: crate::net::now_ms(),
            own,
            history: false,
        }));
    }
}

/// A member as the host described it.
fn member(m: WireMember) -> MemberInfo {
    MemberInfo {
        id: m.id,
        nick: m.nick,
        is_host: m.host,
        plain_text: m.plain,
        identity: m.identity,
        // A key that is not a fingerprint is no key.
        key: m
            .key
            .as_deref()
            .and_then(|k| crate::net::certinfo::parse_fingerprint(k).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::frame::LeaveReason;
    use crate::net::protocol::FrameError;

    fn wire(id: u64) -> WireMember {
        WireMember {
            id,
            nick: format!("m{id}"),
            host: id == 0,
            plain: false,
            identity: None,
            key: None,
        }
    }

    fn carry() -> Carry {
        Carry::new("me").unwrap()
    }

    fn chat<'a>(sink: &'a EventSink, carry: &'a mut Carry) -> Chat<'a, tokio::io::DuplexStream> {
        let (stream, _) = tokio::io::duplex(64);
        Chat::new(
            Connection::new(stream, Dialect::Json, 1024),
            sink,
            "h:1",
            carry,
        )
    }

    #[test]
    fn an_acknowledgement_that_comes_twice_shows_the_message_once_and_seqs_are_remembered() {
        let (sink, events) = EventSink::for_tests();
        let mut carry = carry();
        carry.pending.insert(7, "hi".into());
        let mut chat = chat(&sink, &mut carry);
        let welcome = ServerFrame::Welcome {
            you: 3,
            nick: "me".into(),
            members: vec![wire(0), wire(3)],
            total: 2,
            next: None,
            room: "room-a".into(),
            seq: 40,
        };
        chat.on_frame(welcome).unwrap();
        chat.on_frame(ServerFrame::History {
            count: 2,
            missed: 0,
            resumed: true,
        })
        .unwrap();
        let ack = |history| ServerFrame::Ack {
            id: Some("7".into()),
            seq: 39,
            ts: 1,
            text: "hi".into(),
            history,
        };
        chat.on_frame(ack(true)).unwrap();
        // Not yet at the welcome's number: the replay may still be cut.
        assert_eq!(chat.carry.last_seq, 39);
        chat.on_frame(ServerFrame::HistoryEnd).unwrap();
        assert_eq!(chat.carry.last_seq, 40);
        chat.on_frame(ack(false)).unwrap();
        assert_eq!(chat.carry.room.as_deref(), Some("room-a"));
        let own: Vec<_> = events
            .try_iter()
            .filter(|e| matches!(&e.event, NetEvent::Message(m) if m.own))
            .collect();
        assert_eq!(own.len(), 1);
        assert!(chat.carry.pending.is_empty());
    }

    /// Runs a chat (in `dialect`, with `pending` messages not yet
    /// acknowledged) against a host that sends `frames` and then, with
    /// `close`, closes its side; the user sends `commands` and stays.
    /// Returns how the chat ended, what the member wrote, and its events.
    async fn ended(
        dialect: Dialect,
        pending: &[(u64, &str)],
        frames: &[ServerFrame],
        close: bool,
        commands: Vec<SessionCommand>,
    ) -> (End, String, Vec<NetEvent>) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (sink, events) = EventSink::for_tests();
        let mut carry = carry();
        for (id, text) in pending {
            carry.pending.insert(*id, (*text).to_string());
        }
        let (ours, mut host) = tokio::io::duplex(64 * 1024);
        let mut out = Vec::new();
        for frame in frames {
            crate::net::protocol::encode_server(frame, dialect, &mut out);
        }
        host.write_all(&out).await.unwrap();
        if close {
            host.shutdown().await.unwrap();
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        for command in commands {
            tx.send(command).unwrap();
        }
        let mut inbox = Inbox::new(rx);
        let chat = Chat::new(
            Connection::new(ours, dialect, 1024),
            &sink,
            "h:1",
            &mut carry,
        );
        let end = chat.run(&mut inbox).await;
        let mut wrote = Vec::new();
        host.read_to_end(&mut wrote).await.unwrap();
        let events = events.try_iter().map(|e| e.event).collect();
        (end, String::from_utf8_lossy(&wrote).into_owned(), events)
    }

    #[tokio::test]
    async fn a_shut_door_and_a_removal_end_the_session_and_a_mute_refuses_one_message() {
        let line = "you are banned from this room";
        let shut = FrameError::new(ErrorCode::NotAdmitted, line).frame();
        let (end, _, events) = ended(Dialect::Json, &[(1, "hi")], &[shut], false, Vec::new()).await;
        assert_eq!(end, End::Refused(said_msg(line)));
        assert_eq!(end.kind(), crate::net::DisconnectKind::Refused);
        assert!(
            !end.retry(),
            "a refused member does not knock again by itself"
        );
        assert!(events.is_empty(), "{events:?}");
        let line = "you were removed by the host (spam)";
        let out = FrameError::new(ErrorCode::Removed, line).frame();
        let (end, ..) = ended(Dialect::Json, &[], &[out], false, Vec::new()).await;
        assert_eq!(end, End::Removed(said_msg(line)));
        assert_eq!(end.kind(), crate::net::DisconnectKind::Removed);
        assert!(
            !end.retry(),
            "a removed member does not come back by itself"
        );
        // Muted: that message is not delivered, and the chat goes on.
        let mut muted = FrameError::new(
            ErrorCode::Muted,
            "you are muted: you can read but not speak",
        );
        muted.id = Some("1".into());
        let notice = ServerFrame::Notice {
            text: "still here".into(),
        };
        let (end, _, events) = ended(
            Dialect::Json,
            &[(1, "hi"), (2, "there")],
            &[muted.frame(), notice],
            true,
            Vec::new(),
        )
        .await;
        assert!(end.retry(), "{end:?}");
        assert_eq!(
            events[..2],
            [
                NetEvent::NotDelivered {
                    id: 1,
                    reason: msg!(
                        "net-unsent-refused",
                        message = "you are muted: you can read but not speak"
                    )
                },
                NetEvent::Notice(said_msg("still here")),
            ]
        );
    }

    #[tokio::test]
    async fn a_connection_ends_in_the_same_words_and_only_a_drop_is_retried() {
        let replaced = FrameError::new(ErrorCode::Replaced, "another one took its place").frame();
        let (end, ..) = ended(Dialect::Json, &[], &[replaced], false, Vec::new()).await;
        assert_eq!(
            end,
            End::ByPeer(msg!(
                "net-host-says",
                message = "another one took its place"
            ))
        );
        assert!(!end.retry(), "a replaced session does not come back");
        let closing = ServerFrame::Closing {
            reason: "the host closed the room".into(),
        };
        let (end, ..) = ended(Dialect::Json, &[], &[closing], false, Vec::new()).await;
        assert_eq!(end, End::ByPeer(msg!("net-end-host-closed")));
        assert_eq!(
            end.reason().text_in(crate::i18n::Lang::En),
            "the host closed the room"
        );
        assert!(!end.retry());
        let (end, ..) = ended(Dialect::Json, &[], &[], true, Vec::new()).await;
        assert_eq!(end, End::Dropped(msg!("net-end-closed-silently")));
        assert!(end.retry(), "a tlschat/1 room that drops is tried again");
        let (end, _, events) = ended(Dialect::Plain, &[], &[], true, Vec::new()).await;
        assert_eq!(end, End::ByPeer(msg!("net-end-closed", target = "h:1")));
        assert_eq!(
            end.reason().text_in(crate::i18n::Lang::En),
            "h:1 closed the connection"
        );
        assert_eq!(
            events,
            [NetEvent::Notice(msg!(
                "net-plain-text-mode",
                target = "h:1"
            ))]
        );
        let NetEvent::Notice(said) = &events[0] else {
            unreachable!()
        };
        assert_eq!(
            said.text_in(crate::i18n::Lang::En),
            "h:1 does not speak tlschat/1: plain text mode, lines go as they are and delivery cannot be confirmed"
        );
        let (end, wrote, _) = ended(
            Dialect::Plain,
            &[],
            &[],
            false,
            vec![SessionCommand::Finish],
        )
        .await;
        assert_eq!(end, End::ByUser(msg!("net-end-left")));
        assert_eq!(wrote, "", "a plain-text room gets no hello");
    }

    #[tokio::test]
    async fn what_the_host_refuses_is_told_as_before() {
        let refused = FrameError {
            id: Some("7".into()),
            ..FrameError::new(ErrorCode::MessageTooLong, "too long")
        };
        let frames = [
            refused.frame(),
            FrameError::new(ErrorCode::Protocol, "what?").frame(),
        ];
        let (end, wrote, events) =
            ended(Dialect::Json, &[(7, "hi")], &frames, true, Vec::new()).await;
        assert!(end.retry(), "{end:?}");
        // The hello, then what was not acknowledged, again.
        let lines: Vec<&str> = wrote.lines().collect();
        assert_eq!(lines.len(), 2, "{wrote}");
        assert!(lines[0].contains(r#""type":"hello""#), "{wrote}");
        assert!(lines[1].contains(r#""id":"7""#) && lines[1].contains(r#""text":"hi""#));
        assert_eq!(
            events,
            [
                NetEvent::NotDelivered {
                    id: 7,
                    reason: msg!("net-unsent-refused", message = "too long")
                },
                NetEvent::Notice(msg!("net-host-says", message = "what?")),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn finishing_waits_for_acknowledgements_until_its_deadline() {
        let start = tokio::time::Instant::now();
        let welcome = ServerFrame::Welcome {
            you: 1,
            nick: "me".into(),
            members: Vec::new(),
            total: 1,
            next: None,
            room: "r".into(),
            seq: 0,
        };
        let (end, ..) = ended(
            Dialect::Json,
            &[],
            &[welcome],
            false,
            vec![SessionCommand::Finish],
        )
        .await;
        assert_eq!(end, End::left());
        assert_eq!(start.elapsed(), Duration::ZERO, "nothing to wait for");
        let (end, ..) = ended(
            Dialect::Json,
            &[(1, "hi")],
            &[],
            false,
            vec![SessionCommand::Finish],
        )
        .await;
        assert_eq!((end, start.elapsed()), (End::left(), FINISH_TIMEOUT));
    }

    #[tokio::test(start_paused = true)]
    async fn leaving_before_the_door_answers_still_hears_the_answer() {
        use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
        let (sink, _events) = EventSink::for_tests();
        let mut carry = carry();
        let (ours, host) = tokio::io::duplex(64 * 1024);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        // The user leaves at once (a script whose input ended)…
        tx.send(SessionCommand::Finish).unwrap();
        let mut inbox = Inbox::new(rx);
        // …and the host answers the hello a moment later: the door is shut.
        let line = "this room is invite-only: ask the host for an invite link";
        let answer = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(host);
            let mut hello = String::new();
            tokio::io::BufReader::new(read)
                .read_line(&mut hello)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut out = Vec::new();
            let shut = FrameError::new(ErrorCode::NotAdmitted, line).frame();
            crate::net::protocol::encode_server(&shut, Dialect::Json, &mut out);
            write.write_all(&out).await.unwrap();
            hello
        });
        let chat = Chat::new(
            Connection::new(ours, Dialect::Json, 1024),
            &sink,
            "h:1",
            &mut carry,
        );
        let end = chat.run(&mut inbox).await;
        assert!(answer.await.unwrap().contains(r#""type":"hello""#));
        assert_eq!(end, End::Refused(said_msg(line)), "not 'you left'");
    }

    #[test]
    fn roster_pages_are_asked_for_move_on_and_never_bring_back_who_left() {
        let (sink, events) = EventSink::for_tests();
        let mut carry = carry();
        let mut chat = chat(&sink, &mut carry);
        // An unasked-for page is ignored.
        let page = |members: Vec<u64>, next| ServerFrame::Roster {
            members: members.into_iter().map(wire).collect(),
            total: 9,
            next,
        };
        assert_eq!(chat.on_frame(page(vec![1], None)), Ok(None));
        let welcome = ServerFrame::Welcome {
            you: 9,
            nick: "me".into(),
            members: vec![wire(0), wire(1)],
            total: 9,
            next: Some(1),
            room: "r".into(),
            seq: 0,
        };
        assert_eq!(
            chat.on_frame(welcome),
            Ok(Some(ClientFrame::Who { after: Some(1) }))
        );
        // Member 3 leaves before the page that lists it arrives.
        let left = ServerFrame::Left {
            member: wire(3),
            reason: LeaveReason::Left,
        };
        assert_eq!(chat.on_frame(left), Ok(None));
        assert_eq!(
            chat.on_frame(page(vec![2, 3, 4], Some(4))),
            Ok(Some(ClientFrame::Who { after: Some(4) }))
        );
        // A page that does not move on ends the paging.
        assert_eq!(chat.on_frame(page(vec![5], Some(4))), Ok(None));
        assert_eq!(
            chat.on_frame(page(vec![6], None)),
            Ok(None),
            "not asked for"
        );
        let rosters: Vec<Vec<u64>> = events
            .try_iter()
            .filter_map(|e| match e.event {
                NetEvent::Roster { members } => Some(members.iter().map(|m| m.id).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(rosters, vec![vec![2, 4], vec![5]]);
    }

    #[test]
    fn a_members_key_is_taken_only_as_a_fingerprint() {
        let with = |key: &str| WireMember {
            key: Some(key.to_string()),
            ..wire(3)
        };
        let fp = crate::net::certinfo::fingerprint(&[4; 32]);
        assert_eq!(member(with(&fp)).key, Some([4; 32]));
        for junk in ["", "SHA256:12", "\u{1b}[2J", &fp[..70]] {
            assert_eq!(member(with(junk)).key, None, "{junk:?}");
        }
        assert_eq!(member(wire(3)).key, None);
    }
}
