//! The room's history: every message the room ordered, in SQLite (the
//! bundled library, so nothing to install), in a file or in memory. The
//! room task owns the database: it stores each batch it gathers in one
//! transaction (group commit) before anyone hears of it, and serves
//! members' replays a page at a time.
//!
//! Durability: WAL journal with `synchronous=NORMAL`. A committed message
//! survives the host process crashing or being killed (the commit is in the
//! WAL file before the room acknowledges it); after a power loss or an
//! operating-system crash the last commits before the WAL's next sync may
//! be rolled back, but the file is never corrupt. A commit then costs a
//! write, not an fsync, which keeps a chat's latency.
//!
//! A message that carries its sender's client token and message id is
//! stored once: a resend of the same (token, id) is answered with the
//! message already stored.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension as _, params};

/// What the history file says it is (in its `meta` table).
const FORMAT: &str = "tlschat-history-1";

/// The most messages a resume replays; what is older counts as missed (a
/// window shows at most this many lines anyway).
pub const MAX_REPLAY: u64 = 100_000;

/// A message for the room to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The sender's member id.
    pub sender: u64,
    /// The sender's nickname when it said it.
    pub nick: String,
    /// The text (already made safe and checked).
    pub text: String,
    /// When the room ordered it, milliseconds since the Unix epoch.
    pub ts: u64,
    /// The sender's client token, when it has one.
    pub client: Option<Arc<str>>,
    /// The sender's id for the message.
    pub cid: Option<String>,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Room order.
    pub seq: u64,
    /// When the room ordered it.
    pub ts: u64,
    /// The sender's member id.
    pub sender: u64,
    /// The sender's nickname then.
    pub nick: String,
    /// The text.
    pub text: String,
    /// The sender's client token.
    pub client: Option<String>,
    /// The sender's id for it.
    pub cid: Option<String>,
}

impl StoredMessage {
    /// About what it takes in memory and on the wire.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.text.len()
            + self.nick.len()
            + self.client.as_ref().map_or(0, String::len)
            + self.cid.as_ref().map_or(0, String::len)
            + 64
    }
}

/// What became of one message handed to [`Store::append`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored with this sequence number.
    New(u64),
    /// Its sender's token and id were stored before: it is that message.
    Duplicate {
        /// Its sequence number.
        seq: u64,
        /// When it was ordered.
        ts: u64,
        /// Its text as stored.
        text: String,
    },
}

/// The history database.
pub struct Store {
    conn: Connection,
    /// What errors call it: the file, or "in memory".
    label: String,
    room: String,
    last_seq: u64,
    first_kept: u64,
    next_member: u64,
    keep: u64,
    /// Bytes of text and nicknames kept, and the most that may be.
    bytes: u64,
    keep_bytes: u64,
}

/// The size a message counts for in [`Store`]'s byte budget.
const SIZE_SQL: &str = "length(CAST(text AS BLOB)) + length(CAST(nick AS BLOB))";

/// Deletes what is past `keep` messages, then the oldest until the rest
/// fits in `keep_bytes`; returns the new first row and bytes kept. Rows
/// go in chunks: only once there are a 64th more than the limits allow
/// (a commit then writes one row, not one row and a deletion). The last
/// message is always kept: its number is the room's count.
fn trim_in(
    tx: &rusqlite::Transaction<'_>,
    last_seq: u64,
    first_kept: u64,
    bytes: u64,
    keep: u64,
    keep_bytes: u64,
) -> rusqlite::Result<(u64, u64)> {
    let keep = keep.max(1);
    let rows = (last_seq + 1).saturating_sub(first_kept);
    if rows <= keep + keep / 64 && bytes <= keep_bytes.saturating_add(keep_bytes / 64) {
        return Ok((first_kept, bytes));
    }
    let mut from = first_kept.max((last_seq + 1).saturating_sub(keep));
    let mut bytes = bytes;
    if from > first_kept {
        let gone: i64 = tx.query_row(
            &format!("SELECT coalesce(sum({SIZE_SQL}), 0) FROM messages WHERE seq < ?1"),
            [to_i64(from)],
            |r| r.get(0),
        )?;
        bytes = bytes.saturating_sub(to_u64(gone));
    }
    if bytes > keep_bytes {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT seq, {SIZE_SQL} FROM messages WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"
        ))?;
        let mut rows = stmt.query([to_i64(from), to_i64(last_seq)])?;
        while bytes > keep_bytes {
            let Some(row) = rows.next()? else { break };
            let seq: i64 = row.get(0)?;
            let size: i64 = row.get(1)?;
            bytes = bytes.saturating_sub(to_u64(size));
            from = to_u64(seq) + 1;
        }
    }
    if from > first_kept {
        tx.execute("DELETE FROM messages WHERE seq < ?1", [to_i64(from)])?;
    }
    Ok((from, bytes))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A random room identity (128 bits, hex).
fn new_room_id() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| "the system has no random numbers".to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates the file readable and writable by its owner only (SQLite's WAL
/// file takes the same mode), unless it exists.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

impl Store {
    /// Opens (or creates) the history in `file`, or in memory when `None`.
    /// At most `keep` messages and `keep_bytes` of their text and
    /// nicknames are kept (the oldest go); `max_bytes` caps the file. A
    /// file that is not a tlschat history, is damaged, or is in use by
    /// another host is an error naming it, and is left as it is.
    pub fn open(
        file: Option<&Path>,
        keep: u64,
        keep_bytes: u64,
        max_bytes: Option<u64>,
    ) -> Result<Self, String> {
        let label = file.map_or_else(|| "in memory".to_string(), |f| f.display().to_string());
        let shown = label.clone();
        let fail = |e: &dyn std::fmt::Display| format!("cannot open the history {shown}: {e}");
        let conn = match file {
            Some(path) => {
                create_private(path).map_err(|e| fail(&e))?;
                Connection::open(path).map_err(|e| fail(&e))?
            }
            None => Connection::open_in_memory().map_err(|e| fail(&e))?,
        };
        let mut store = Self {
            conn,
            label,
            room: String::new(),
            last_seq: 0,
            first_kept: 1,
            next_member: 1,
            keep,
            bytes: 0,
            keep_bytes,
        };
        store.setup(file.is_some(), max_bytes).map_err(|e| {
            let why = match &e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::DatabaseBusy
                        || f.code == rusqlite::ErrorCode::DatabaseLocked =>
                {
                    "it is in use by another tlschat host".to_string()
                }
                other => other.to_string(),
            };
            fail(&format!(
                "{why} (it was not changed: move it away, or use --history FILE or --no-history)"
            ))
        })?;
        Ok(store)
    }

    fn setup(&mut self, on_disk: bool, max_bytes: Option<u64>) -> rusqlite::Result<()> {
        let conn = &self.conn;
        // Another host holding the file is an answer now, not in 5 s.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        if on_disk {
            // One host per file: the lock is taken by the first read below
            // and held until the host stops. Exclusive mode also keeps the
            // WAL index in memory (no -shm file).
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        }
        // A damaged file is found now rather than in the middle of a chat.
        let check: String = conn.pragma_query_value(None, "quick_check", |r| r.get(0))?;
        if check != "ok" {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(format!("the file is damaged ({check})")),
            ));
        }
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        let not_ours = || {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
                Some("it is an SQLite database, but not a tlschat history".into()),
            )
        };
        // Someone else's database is refused before anything is written
        // to it (turning on WAL below rewrites the file's header).
        if tables > 0 {
            let format: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|_| not_ours())?;
            if format.as_deref() != Some(FORMAT) {
                return Err(not_ours());
            }
        }
        if on_disk {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        if let Some(max) = max_bytes {
            let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
            let pages = (max / to_u64(page).max(1)).max(1);
            conn.pragma_update(None, "max_page_count", to_i64(pages))?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if tables == 0 {
            let room = new_room_id().map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                    Some(e),
                )
            })?;
            tx.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                 CREATE TABLE messages (
                     seq INTEGER PRIMARY KEY,
                     ts INTEGER NOT NULL,
                     sender INTEGER NOT NULL,
                     nick TEXT NOT NULL,
                     text TEXT NOT NULL,
                     client TEXT,
                     cid TEXT
                 );
                 CREATE UNIQUE INDEX messages_client ON messages(client, cid)
                     WHERE client IS NOT NULL;",
            )?;
            let mut put = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
            put.execute(params!["format", FORMAT])?;
            put.execute(params!["room", room])?;
            put.execute(params!["last_seq", "0"])?;
            put.execute(params!["next_member", "1"])?;
        }
        let meta = |key: &str| -> rusqlite::Result<Option<String>> {
            tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        };
        let format = meta("format").map_err(|_| not_ours())?;
        if format.as_deref() != Some(FORMAT) {
            return Err(not_ours());
        }
        let number = |key: &str| -> rusqlite::Result<u64> {
            meta(key)?.and_then(|v| v.parse().ok()).ok_or_else(not_ours)
        };
        self.room = meta("room")?.ok_or_else(not_ours)?;
        self.next_member = number("next_member")?.max(1);
        // The numbers come from the rows themselves (a commit writes its
        // rows and nothing else): the last message is never deleted.
        let (first, last, bytes): (Option<i64>, Option<i64>, i64) = tx.query_row(
            &format!("SELECT min(seq), max(seq), coalesce(sum({SIZE_SQL}), 0) FROM messages"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        self.last_seq = number("last_seq")?.max(last.map_or(0, to_u64));
        let first = first.map_or(self.last_seq + 1, to_u64);
        // A smaller --keep than last time takes effect now.
        let (first, bytes) = trim_in(
            &tx,
            self.last_seq,
            first,
            to_u64(bytes),
            self.keep,
            self.keep_bytes,
        )?;
        tx.commit()?;
        self.first_kept = first;
        self.bytes = bytes;
        Ok(())
    }

    /// The room's identity (kept with its history).
    #[must_use]
    pub fn room(&self) -> &str {
        &self.room
    }

    /// The last sequence number stored.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The first sequence number kept (`last_seq + 1` when none is): of
    /// the last `keep`, those not deleted yet for their bytes.
    #[must_use]
    pub fn first_kept(&self) -> u64 {
        self.first_kept
            .max((self.last_seq + 1).saturating_sub(self.keep.max(1)))
    }

    /// The first member id not handed out before (ids stay unique across
    /// restarts, so history never names a newcomer).
    #[must_use]
    pub fn next_member(&self) -> u64 {
        self.next_member
    }

    fn error(&self, e: &rusqlite::Error) -> String {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                format!("the history {} is full", self.label)
            }
            other => format!("the history {} cannot be written: {other}", self.label),
        }
    }

    /// Stores a batch in one transaction, in order, and lets the oldest
    /// go past the limits. Each message gets the next sequence number (they
    /// have no gaps), unless it is a resend of one already stored. On an
    /// error nothing of the batch is stored.
    ///
    /// When the batch as a whole cannot be stored (a full disk, or the
    /// file at its size limit), each message is tried on its own: what
    /// fits is stored, a resend of what was stored before is still
    /// recognized, and only the rest is refused.
    pub fn append(
        &mut self,
        messages: &[NewMessage],
        next_member: u64,
    ) -> Vec<Result<Appended, String>> {
        match self.try_append(messages, next_member) {
            Ok(out) => out.into_iter().map(Ok).collect(),
            Err(e) if messages.len() < 2 => vec![Err(self.error(&e))],
            Err(_) => messages
                .iter()
                .map(
                    |m| match self.try_append(std::slice::from_ref(m), next_member) {
                        Ok(mut one) => one.pop().ok_or_else(|| self.label.clone()),
                        Err(e) => Err(self.error(&e)),
                    },
                )
                .collect(),
        }
    }

    fn try_append(
        &mut self,
        messages: &[NewMessage],
        next_member: u64,
    ) -> rusqlite::Result<Vec<Appended>> {
        let mut out = Vec::with_capacity(messages.len());
        let mut seq = self.last_seq;
        let mut bytes = self.bytes;
        let tx = self.conn.transaction()?;
        let kept;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (seq, ts, sender, nick, text, client, cid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (client, cid) WHERE client IS NOT NULL DO NOTHING",
            )?;
            let mut find = tx.prepare_cached(
                "SELECT seq, ts, text FROM messages WHERE client = ?1 AND cid = ?2",
            )?;
            for m in messages {
                let next = seq + 1;
                let client = m.client.as_deref();
                // A message with a token but no id cannot be recognized
                // again: it is stored without the token.
                let (client, cid) = match (client, m.cid.as_deref()) {
                    (Some(c), Some(i)) => (Some(c), Some(i)),
                    (_, i) => (None, i),
                };
                let added = insert.execute(params![
                    to_i64(next),
                    to_i64(m.ts),
                    to_i64(m.sender),
                    m.nick,
                    m.text,
                    client,
                    cid
                ])?;
                if added == 1 {
                    seq = next;
                    bytes += (m.text.len() + m.nick.len()) as u64;
                    out.push(Appended::New(next));
                } else {
                    let (s, ts, text) = find.query_row(params![client, cid], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
                    })?;
                    out.push(Appended::Duplicate {
                        seq: to_u64(s),
                        ts: to_u64(ts),
                        text,
                    });
                }
            }
            kept = trim_in(&tx, seq, self.first_kept, bytes, self.keep, self.keep_bytes)?;
            // Member ids change with joins, not with every message.
            let mut put = tx.prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?;
            if next_member > self.next_member {
                put.execute(params!["next_member", next_member.to_string()])?;
            }
        }
        tx.commit()?;
        self.last_seq = seq;
        (self.first_kept, self.bytes) = kept;
        self.next_member = self.next_member.max(next_member);
        Ok(out)
    }

    /// Bytes of text and nicknames kept.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Up to `max_count` messages after `after` and at most `upto`, in
    /// order, stopping once `max_bytes` are gathered (at least one comes).
    pub fn read(
        &self,
        after: u64,
        upto: u64,
        max_count: usize,
        max_bytes: usize,
    ) -> Result<Vec<StoredMessage>, String> {
        let run = || -> rusqlite::Result<Vec<StoredMessage>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, ts, sender, nick, text, client, cid FROM messages
                 WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                params![to_i64(after), to_i64(upto), to_i64(max_count as u64)],
                |r| {
                    Ok(StoredMessage {
                        seq: to_u64(r.get(0)?),
                        ts: to_u64(r.get(1)?),
                        sender: to_u64(r.get(2)?),
                        nick: r.get(3)?,
                        text: r.get(4)?,
                        client: r.get(5)?,
                        cid: r.get(6)?,
                    })
                },
            )?;
            let mut out = Vec::new();
            let mut bytes = 0;
            for row in rows {
                let m = row?;
                bytes += m.bytes();
                out.push(m);
                if bytes >= max_bytes {
                    break;
                }
            }
            Ok(out)
        };
        run().map_err(|e| format!("the history {} cannot be read: {e}", self.label))
    }
}

/// Where the room keeps its history, resolved: a file, or memory.
#[must_use]
pub fn history_file(config: &crate::net::HostConfig) -> Option<PathBuf> {
    use crate::net::HistoryPlace;
    match &config.history.place {
        HistoryPlace::File(f) => Some(f.clone()),
        HistoryPlace::Memory => None,
        HistoryPlace::Default if config.bind.port() == 0 => None,
        HistoryPlace::Default => Some(
            config
                .config_dir
                .join(format!("history-{}.sqlite3", config.bind.port())),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every outcome, each of which must be a success.
    fn ok(outcomes: Vec<Result<Appended, String>>) -> Vec<Appended> {
        outcomes.into_iter().map(Result::unwrap).collect()
    }

    fn msg(text: &str, client: Option<&str>, cid: Option<&str>) -> NewMessage {
        NewMessage {
            sender: 3,
            nick: "ana".into(),
            text: text.into(),
            ts: 1,
            client: client.map(Arc::from),
            cid: cid.map(str::to_string),
        }
    }

    #[test]
    fn messages_are_numbered_kept_and_recognized_when_resent() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let room;
        {
            let mut s = Store::open(Some(&file), 3, u64::MAX, None).unwrap();
            room = s.room().to_string();
            let out = ok(s.append(
                &[
                    msg("a", Some("t"), Some("1")),
                    msg("b", None, None),
                    msg("a again", Some("t"), Some("1")),
                ],
                9,
            ));
            assert_eq!(out[0], Appended::New(1));
            assert_eq!(out[1], Appended::New(2));
            assert!(matches!(&out[2], Appended::Duplicate { seq: 1, text, .. } if text == "a"));
            for i in 0..4 {
                ok(s.append(&[msg(&format!("m{i}"), Some("u"), Some(&i.to_string()))], 9));
            }
            assert_eq!(s.last_seq(), 6);
            // Three are kept.
            assert_eq!(s.first_kept(), 4);
            let all = s.read(0, 100, 100, 1 << 20).unwrap();
            let seqs: Vec<u64> = all.iter().map(|m| m.seq).collect();
            assert_eq!(seqs, vec![4, 5, 6]);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Reopened: the same room, numbers go on, ids stay recognized.
        let mut s = Store::open(Some(&file), 3, u64::MAX, None).unwrap();
        assert_eq!(s.room(), room);
        assert_eq!(s.last_seq(), 6);
        assert_eq!(s.next_member(), 9);
        let out = ok(s.append(
            &[msg("again", Some("u"), Some("3")), msg("new", None, None)],
            9,
        ));
        assert!(matches!(out[0], Appended::Duplicate { seq: 6, .. }));
        assert_eq!(out[1], Appended::New(7));
    }

    #[test]
    fn a_file_that_is_not_a_history_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        std::fs::write(
            &file,
            b"this is not a database at all, but some bytes ".repeat(200),
        )
        .unwrap();
        let before = std::fs::read(&file).unwrap();
        let e = Store::open(Some(&file), 10, u64::MAX, None).err().unwrap();
        assert!(e.contains(&file.display().to_string()), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert_eq!(std::fs::read(&file).unwrap(), before);
        // A second host on the same file is refused while the first runs.
        let other = dir.path().join("o.sqlite3");
        let _first = Store::open(Some(&other), 10, u64::MAX, None).unwrap();
        let e = Store::open(Some(&other), 10, u64::MAX, None).err().unwrap();
        assert!(e.contains("in use"), "{e}");
    }

    #[test]
    fn the_oldest_go_when_the_kept_bytes_pass_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let mut s = Store::open(Some(&file), 1000, 10_000, None).unwrap();
        // Each counts 3 (nick) + 997 (text) = 1,000 bytes.
        let big = "b".repeat(997);
        for _ in 0..25 {
            ok(s.append(&[msg(&big, None, None)], 1));
        }
        assert_eq!(s.last_seq(), 25);
        assert_eq!(s.bytes(), 10_000);
        assert_eq!(s.first_kept(), 16);
        let kept = s.read(0, u64::MAX, 1000, usize::MAX).unwrap();
        assert_eq!(kept.len(), 10);
        drop(s);
        // The count survives a restart, and a smaller limit applies at once.
        let s = Store::open(Some(&file), 1000, 4_500, None).unwrap();
        assert_eq!(s.bytes(), 4_000);
        assert_eq!(s.first_kept(), 22);
        assert_eq!(s.read(0, u64::MAX, 1000, usize::MAX).unwrap().len(), 4);
    }

    #[test]
    fn a_full_store_still_recognizes_a_resend_in_a_batch_it_cannot_take() {
        let mut s = Store::open(None, 1_000_000, u64::MAX, Some(64 * 1024)).unwrap();
        ok(s.append(&[msg("first", Some("t"), Some("1"))], 1));
        let big = "x".repeat(8000);
        let mut i = 0;
        while s.append(&[msg(&big, None, None)], 1).pop().unwrap().is_ok() {
            i += 1;
            assert!(i < 100, "the store never filled up");
        }
        // The acknowledgement of "first" was lost; it comes again with a
        // new message that does not fit.
        let out = s.append(
            &[
                msg("first", Some("t"), Some("1")),
                msg(&big, Some("t"), Some("2")),
            ],
            1,
        );
        assert!(
            matches!(&out[0], Ok(Appended::Duplicate { seq: 1, .. })),
            "{out:?}"
        );
        assert!(matches!(&out[1], Err(e) if e.contains("full")), "{out:?}");
    }

    #[test]
    fn a_full_store_refuses_what_comes_and_keeps_what_it_had() {
        let mut s = Store::open(None, 1_000_000, u64::MAX, Some(64 * 1024)).unwrap();
        let big = "x".repeat(8000);
        let mut refused = None;
        for i in 0..100 {
            if let Some(Err(e)) = s.append(&[msg(&big, None, None)], 1).pop() {
                refused = Some((i, e));
                break;
            }
        }
        let (i, e) = refused.expect("the store never filled up");
        assert!(e.contains("full"), "{e}");
        assert_eq!(s.last_seq(), i);
        assert_eq!(
            s.read(0, u64::MAX, 1000, usize::MAX).unwrap().len() as u64,
            i
        );
    }
}
