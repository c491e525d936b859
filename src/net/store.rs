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
//! message already stored. The token itself is never stored, only a keyed
//! hash of it ([`TokenKey`]): what is in the file cannot be presented as a
//! token to take a member's place.
//!
//! The file is untrusted input when it is read back: the numbers that
//! drive the room (member ids, message numbers) must be in range or the
//! file is refused, and a row that cannot be read, or that could not have
//! been stored, is skipped (and counted) rather than replayed. Text read
//! back is made safe to show again, like text from the network.
//!
//! The room's door (its members' keys, invitations, bans and mutes) is
//! kept in the same file: see [`door`].
//!
//! The file and its `-wal`, `-shm` and `-journal` are kept like every file
//! tlschat keeps (see [`crate::config::open_private_rw`]): regular files of
//! this user's, readable by nobody else, never through a symbolic link.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::types::{Type, ValueRef};
use rusqlite::{Connection, OptionalExtension as _, params};
use sha2::Digest as _;

use crate::net::lines::sanitize;
use crate::net::protocol::{MAX_ID, MAX_NICK_CHARS, check_message};
use crate::net::safe_text::Newlines;

pub mod door;

pub use door::{DoorChange, DoorState, MAX_MEMBERS, MAX_MUTES, Member, Mute};

/// What the history file says it is (in its `meta` table).
const FORMAT: &str = "tlschat-history-1";

/// The largest member id or message number a history may hold: 2^53 (a
/// room handing out a million of either a second would need 285 years to
/// get there, and every JSON reader holds it exactly). A file whose
/// numbers are past it was not written by tlschat, and is refused: a
/// member id wrapping to 0 would be the host's.
pub const MAX_NUMBER: u64 = 1 << 53;

/// The files SQLite keeps beside a history: they must be private too.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The key that client tokens are hashed with before they are stored
/// (random, per history, kept in its `meta` table). It need not be secret:
/// the hash cannot be turned back into the token, and only the token is
/// accepted from a member; the key keeps one token's hashes apart from
/// one room to the next.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey(String);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// What is stored for `token`: SHA-256 over a label, the key and the
    /// token, in hex.
    #[must_use]
    pub fn hash(&self, token: &[u8]) -> String {
        let mut h = sha2::Sha256::new();
        h.update(b"tlschat client token\0");
        h.update(self.0.as_bytes());
        h.update(b"\0");
        h.update(token);
        crate::net::certinfo::hex(&h.finalize())
    }
}

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
    /// The hash of the sender's client token ([`TokenKey::hash`]).
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

/// Why a message was not stored: the whole reason (it names the file) for
/// the host, and [`NotStored::for_members`] for everyone else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct NotStored {
    /// The file is full (at `--history-max-bytes`, or the disk is).
    pub full: bool,
    /// What happened, naming the file: for the host's log and window.
    pub detail: String,
}

impl NotStored {
    /// The reason a member is given: nothing about the host's files.
    #[must_use]
    pub fn for_members(&self) -> &'static str {
        if self.full {
            "the host's history is full: the message was not stored, so it was not said"
        } else {
            "the host could not store the message, so it was not said"
        }
    }
}

/// What the host is told when a history cannot be used: it was left as
/// it was.
const LEFT_AS_IT_WAS: &str =
    "it was not changed: move it away, or use --history FILE or --no-history";

/// Why the history cannot be opened or read: one line that names the
/// file (or says it is in memory).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file, or one SQLite keeps beside it, cannot be made, is not
    /// private, or cannot be found.
    #[error("cannot open the history {history}: {source}")]
    File {
        /// The file.
        history: String,
        /// What is wrong with it.
        source: std::io::Error,
    },
    /// SQLite cannot open it.
    #[error("cannot open the history {history}: {source}")]
    Open {
        /// The file, or "in memory".
        history: String,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// Another host has it open.
    #[error(
        "cannot open the history {history}: it is in use by another tlschat host ({LEFT_AS_IT_WAS})"
    )]
    InUse {
        /// The file.
        history: String,
    },
    /// It is not a tlschat history, it is damaged, or a number in it is
    /// out of range.
    #[error("cannot open the history {history}: {source} ({LEFT_AS_IT_WAS})")]
    Unusable {
        /// The file, or "in memory".
        history: String,
        /// What is wrong with it.
        source: rusqlite::Error,
    },
    /// A read failed.
    #[error("the history {history} cannot be read: {source}")]
    Read {
        /// The file, or "in memory".
        history: String,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// A write failed: nothing of it was stored.
    #[error("the history {history} cannot be written: {source}")]
    Write {
        /// The file, or "in memory".
        history: String,
        /// SQLite's reason.
        source: rusqlite::Error,
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
    /// What client tokens are hashed with.
    tokens: TokenKey,
    /// Rows skipped by reads because they could not be read, in all.
    skipped: std::cell::Cell<u64>,
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
    let rows = last_seq.saturating_add(1).saturating_sub(first_kept);
    if rows <= keep.saturating_add(keep / 64) && bytes <= keep_bytes.saturating_add(keep_bytes / 64)
    {
        return Ok((first_kept, bytes));
    }
    let mut from = first_kept.max(last_seq.saturating_add(1).saturating_sub(keep));
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
            from = to_u64(seq).saturating_add(1);
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

/// `n` random bytes, in hex (an SQLite error when there are none, so
/// that it fails the transaction it is in).
fn new_random(n: usize) -> rusqlite::Result<String> {
    let mut bytes = vec![0u8; n];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| {
            sqlite_error(
                rusqlite::ffi::SQLITE_ERROR,
                "the system has no random numbers",
            )
        })?;
    Ok(crate::net::certinfo::hex(&bytes))
}

/// An SQLite error carrying our own message.
fn sqlite_error(code: i32, message: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message.into()))
}

/// Checks the files SQLite keeps beside the history `path` (see
/// [`crate::config::check_private`]); the error names the one at fault.
fn check_side_files(path: &Path) -> std::io::Result<()> {
    for suffix in SIDE_FILES {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let file = PathBuf::from(side);
        crate::config::check_private(&file)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    }
    Ok(())
}

/// `path` with the links in its folder resolved and its last part as it
/// is (see [`Store::open`]).
fn resolve_folder(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "it names no file"))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(std::fs::canonicalize(folder)?.join(name))
}

/// Checks the history file and the files SQLite keeps beside it (see
/// [`crate::config::open_private_rw`]), creating the file (0600, with its
/// directory) if it is new.
fn create_private(path: &Path) -> std::io::Result<()> {
    check_side_files(path)?;
    if !crate::config::check_private(path)?
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        crate::config::create_private_dir(dir)?;
    }
    crate::config::open_private_rw(path).map(drop)
}

/// Why a stored row cannot be replayed (one line, for the log).
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    /// SQLite cannot read the column.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A column that holds text holds something else.
    #[error("column {column} holds {kind} where text belongs")]
    NotText { column: usize, kind: Type },
    /// A column that holds a number holds something else.
    #[error("column {column} holds {kind} where a number belongs")]
    NotNumber { column: usize, kind: Type },
    /// A number out of the range tlschat stores.
    #[error("column {column} holds {n}, out of range")]
    OutOfRange { column: usize, n: i64 },
    /// No nickname.
    #[error("no nickname")]
    NoNick,
    /// A nickname tlschat would not have given.
    #[error("the nickname is not one tlschat gives")]
    BadNick,
    /// No text.
    #[error("no text")]
    NoText,
    /// Text tlschat would not have said (why, as the room says it).
    #[error("{0}")]
    BadText(String),
    /// A message id longer than tlschat takes.
    #[error("the message id is too long")]
    LongId,
    /// A column that holds a key or a hash holds something else.
    #[error("column {column} holds {kind} where 32 bytes belong")]
    NotBlob { column: usize, kind: Type },
    /// A key or a hash of the wrong length.
    #[error("column {column} holds {len} bytes where 32 belong")]
    WrongLength { column: usize, len: usize },
    /// An id of 0, which tlschat never gives.
    #[error("column {column} holds the id 0")]
    ZeroId { column: usize },
    /// A ban or mute on something that is neither a key nor an address.
    #[error("it is on neither a key nor an address")]
    UnknownKind,
    /// An address that does not parse.
    #[error("its address does not parse")]
    BadAddress,
}

/// Text in a row: text or not there; a BLOB or a number is not text.
fn text_at<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<Option<&'r [u8]>, Unreadable> {
    match row.get_ref(i)? {
        ValueRef::Text(t) => Ok(Some(t)),
        ValueRef::Null => Ok(None),
        other => Err(Unreadable::NotText {
            column: i,
            kind: other.data_type(),
        }),
    }
}

/// A whole number in a row, in `0..=max`.
fn number_at(row: &rusqlite::Row<'_>, i: usize, max: u64) -> Result<u64, Unreadable> {
    match row.get_ref(i)? {
        ValueRef::Integer(n) => u64::try_from(n)
            .ok()
            .filter(|n| *n <= max)
            .ok_or(Unreadable::OutOfRange { column: i, n }),
        other => Err(Unreadable::NotNumber {
            column: i,
            kind: other.data_type(),
        }),
    }
}

/// A stored message from a row of `SELECT seq, ts, sender, nick, text,
/// client, cid`, made safe again, or why it cannot be used: what tlschat
/// could not have stored is not replayed either.
fn row_message(row: &rusqlite::Row<'_>) -> Result<StoredMessage, Unreadable> {
    let seq = number_at(row, 0, MAX_NUMBER)?;
    let ts = number_at(row, 1, i64::MAX as u64)?;
    let sender = number_at(row, 2, MAX_NUMBER)?;
    let nick = sanitize(
        text_at(row, 3)?.ok_or(Unreadable::NoNick)?,
        Newlines::Escape,
    );
    if nick.trim().is_empty() || nick.len() > 4 * MAX_NICK_CHARS {
        return Err(Unreadable::BadNick);
    }
    let text = sanitize(text_at(row, 4)?.ok_or(Unreadable::NoText)?, Newlines::Keep);
    check_message(&text).map_err(|e| Unreadable::BadText(e.message))?;
    let client = text_at(row, 5)?
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .filter(|c| c.len() <= 2 * MAX_ID);
    let cid = text_at(row, 6)?.map(|c| sanitize(c, Newlines::Escape));
    if cid.as_ref().is_some_and(|c| c.len() > MAX_ID) {
        return Err(Unreadable::LongId);
    }
    Ok(StoredMessage {
        seq,
        ts,
        sender,
        nick,
        text,
        client,
        cid,
    })
}

/// The error for a file that is not a tlschat history.
fn not_ours() -> rusqlite::Error {
    sqlite_error(
        rusqlite::ffi::SQLITE_NOTADB,
        "it is an SQLite database, but not a tlschat history",
    )
}

/// The error for a number the room runs on that is out of range.
fn out_of_range(what: &str, n: &dyn std::fmt::Display) -> rusqlite::Error {
    sqlite_error(
        rusqlite::ffi::SQLITE_CORRUPT,
        format!("its {what} ({n}) is out of range (at most 2^53)"),
    )
}

/// Locks the file for this host (when on disk) and checks it before
/// anything is written to it: not damaged, and empty or a tlschat history.
/// True when it is empty (new).
fn check_file(conn: &Connection, on_disk: bool) -> rusqlite::Result<bool> {
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
        return Err(sqlite_error(
            rusqlite::ffi::SQLITE_CORRUPT,
            format!("the file is damaged ({check})"),
        ));
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    // Someone else's database is refused before anything is written
    // to it (turning on WAL rewrites the file's header).
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
    Ok(tables == 0)
}

/// The journal (WAL, on disk) and the file's size limit.
fn tune(conn: &Connection, on_disk: bool, max_bytes: Option<u64>) -> rusqlite::Result<()> {
    if on_disk {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    if let Some(max) = max_bytes {
        let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let pages = (max / to_u64(page).max(1)).max(1);
        conn.pragma_update(None, "max_page_count", to_i64(pages))?;
    }
    Ok(())
}

/// The tables of a new history, and its meta table filled in: a new
/// room identity and token key.
fn create_tables(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let room = new_random(16)?;
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
    put.execute(params!["token_key", new_random(32)?])?;
    Ok(())
}

/// A value in the meta table.
fn meta(tx: &rusqlite::Transaction<'_>, key: &str) -> rusqlite::Result<Option<String>> {
    tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// A number in the meta table, in range.
fn meta_number(tx: &rusqlite::Transaction<'_>, key: &str) -> rusqlite::Result<u64> {
    let value = meta(tx, key)?.ok_or_else(not_ours)?;
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| out_of_range(&format!("{key} in its meta table"), &value.escape_debug()))?;
    if n > MAX_NUMBER {
        return Err(out_of_range(&format!("{key} in its meta table"), &n));
    }
    Ok(n)
}

/// What a history holds, as the room runs on it: every number in range,
/// or the file is refused.
struct Found {
    /// The room's identity.
    room: String,
    /// The last message's number.
    last_seq: u64,
    /// The first member id not handed out before.
    next_member: u64,
    /// The first message kept.
    first: u64,
    /// Bytes of text and nicknames kept.
    bytes: u64,
}

impl Found {
    /// Reads the meta table and what the rows say.
    fn read(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Self> {
        if meta(tx, "format").map_err(|_| not_ours())?.as_deref() != Some(FORMAT) {
            return Err(not_ours());
        }
        let room = meta(tx, "room")?.ok_or_else(not_ours)?;
        // It is told to every member: what tlschat makes (hex) and no more.
        if room.is_empty()
            || room.len() > MAX_ID
            || !room.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(not_ours());
        }
        let next_member = meta_number(tx, "next_member")?.max(1);
        let last_seq = meta_number(tx, "last_seq")?;
        // The numbers come from the rows themselves (a commit writes its
        // rows and nothing else): the last message is never deleted.
        let (first, last, bytes, sender): (Option<i64>, Option<i64>, i64, Option<i64>) = tx
            .query_row(
                &format!(
                    "SELECT min(seq), max(seq), coalesce(sum({SIZE_SQL}), 0),
                     max(CASE WHEN typeof(sender) = 'integer' AND sender BETWEEN 0 AND ?1
                         THEN sender END)
                     FROM messages"
                ),
                [to_i64(MAX_NUMBER)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        for seq in [first, last].into_iter().flatten() {
            if !(1..=to_i64(MAX_NUMBER)).contains(&seq) {
                return Err(out_of_range("message number", &seq));
            }
        }
        let last_seq = last_seq.max(last.map_or(0, to_u64));
        // A member id a stored message names is never handed out again.
        let next_member = next_member.max(sender.map_or(0, |s| to_u64(s).saturating_add(1)));
        if next_member > MAX_NUMBER {
            return Err(out_of_range("next member id", &next_member));
        }
        Ok(Self {
            room,
            last_seq,
            next_member,
            first: first.map_or(last_seq.saturating_add(1), to_u64),
            bytes: to_u64(bytes),
        })
    }
}

/// The key client tokens are hashed with, and whether the history had to
/// be migrated to it: a history from before tokens were hashed gets a key,
/// and its tokens are hashed in place (their resends are still
/// recognized).
fn token_key(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<(TokenKey, bool)> {
    match meta(tx, "token_key")? {
        Some(key) if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok((TokenKey(key), false))
        }
        Some(_) => Err(not_ours()),
        None => {
            let tokens = TokenKey(new_random(32)?);
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('token_key', ?1)",
                [&tokens.0],
            )?;
            let plain: Vec<(i64, Vec<u8>)> = tx
                .prepare("SELECT seq, CAST(client AS BLOB) FROM messages WHERE client IS NOT NULL")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut put = tx.prepare("UPDATE messages SET client = ?2 WHERE seq = ?1")?;
            for (seq, token) in &plain {
                put.execute(params![seq, tokens.hash(token)])?;
            }
            Ok((tokens, true))
        }
    }
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
    ) -> Result<Self, StoreError> {
        let label = file.map_or_else(|| "in memory".to_string(), |f| f.display().to_string());
        let history = || label.clone();
        let io = |source| StoreError::File {
            history: history(),
            source,
        };
        let sqlite = |source| StoreError::Open {
            history: history(),
            source,
        };
        let conn = match file {
            Some(path) => {
                create_private(path).map_err(io)?;
                // SQLite's no-follow open refuses a link anywhere in the
                // path: the folder's links are resolved (a config folder
                // may well be one), the file's own name is not (it must not
                // be a link, and create_private checked that it is not).
                let path = resolve_folder(path).map_err(io)?;
                // SQLite opens the file, and makes its -wal and -shm with
                // the file's own mode (0600), never through a link.
                Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
                )
                .map_err(sqlite)?
            }
            None => Connection::open_in_memory().map_err(sqlite)?,
        };
        let mut store = Self {
            conn,
            label: history(),
            room: String::new(),
            last_seq: 0,
            first_kept: 1,
            next_member: 1,
            keep,
            bytes: 0,
            keep_bytes,
            tokens: TokenKey(String::new()),
            skipped: std::cell::Cell::new(0),
        };
        store
            .setup(file.is_some(), max_bytes)
            .map_err(|source| match &source {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::DatabaseBusy
                        || f.code == rusqlite::ErrorCode::DatabaseLocked =>
                {
                    StoreError::InUse { history: history() }
                }
                _ => StoreError::Unusable {
                    history: history(),
                    source,
                },
            })?;
        // What SQLite made beside it is checked again: one planted between
        // the first check and SQLite's open is found now, not used.
        if let Some(path) = file {
            check_side_files(path).map_err(io)?;
        }
        Ok(store)
    }

    /// Makes the history ready: checks the file is a tlschat history (or
    /// makes a new one), reads its numbers, hashes the tokens of a history
    /// from before they were hashed, and trims it to the limits.
    fn setup(&mut self, on_disk: bool, max_bytes: Option<u64>) -> rusqlite::Result<()> {
        let new = check_file(&self.conn, on_disk)?;
        tune(&self.conn, on_disk, max_bytes)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if new {
            create_tables(&tx)?;
        }
        let found = Found::read(&tx)?;
        // A history from before the door gains its tables (it is known to
        // be a tlschat history by now).
        door::create_tables(&tx)?;
        let (tokens, migrated) = token_key(&tx)?;
        // A smaller --keep than last time takes effect now.
        let (first, bytes) = trim_in(
            &tx,
            found.last_seq,
            found.first,
            found.bytes,
            self.keep,
            self.keep_bytes,
        )?;
        tx.commit()?;
        if migrated && on_disk {
            // The plain tokens are gone from the rows; rewriting the file
            // takes them out of its free pages too.
            self.conn
                .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        self.room = found.room;
        self.last_seq = found.last_seq;
        self.next_member = found.next_member;
        self.tokens = tokens;
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
        self.first_kept.max(
            self.last_seq
                .saturating_add(1)
                .saturating_sub(self.keep.max(1)),
        )
    }

    /// The first member id not handed out before (ids stay unique across
    /// restarts, so history never names a newcomer).
    #[must_use]
    pub fn next_member(&self) -> u64 {
        self.next_member
    }

    /// What client tokens are hashed with before they are stored.
    #[must_use]
    pub fn token_key(&self) -> TokenKey {
        self.tokens.clone()
    }

    /// How many stored messages reads skipped because they could not be
    /// read, since the store was opened.
    #[must_use]
    pub fn skipped(&self) -> u64 {
        self.skipped.get()
    }

    fn error(&self, e: &rusqlite::Error) -> NotStored {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                NotStored {
                    full: true,
                    detail: format!("the history {} is full", self.label),
                }
            }
            other => NotStored {
                full: false,
                detail: format!("the history {} cannot be written: {other}", self.label),
            },
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
    ) -> Vec<Result<Appended, NotStored>> {
        match self.try_append(messages, next_member) {
            Ok(out) => out.into_iter().map(Ok).collect(),
            Err(e) if messages.len() < 2 => vec![Err(self.error(&e))],
            Err(_) => messages
                .iter()
                .map(
                    |m| match self.try_append(std::slice::from_ref(m), next_member) {
                        Ok(mut one) => one.pop().ok_or_else(|| NotStored {
                            full: false,
                            detail: format!("the history {} stored nothing", self.label),
                        }),
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
                let next = seq
                    .checked_add(1)
                    .filter(|n| *n <= MAX_NUMBER)
                    .ok_or_else(|| {
                        sqlite_error(
                            rusqlite::ffi::SQLITE_ERROR,
                            "it has used every message number",
                        )
                    })?;
                let hashed = m.client.as_deref().map(|c| self.tokens.hash(c.as_bytes()));
                let client = hashed.as_deref();
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
                    // Read back, so as untrusted as any row.
                    let (s, ts, text) = find.query_row(params![client, cid], |r| {
                        let text = match r.get_ref(2)? {
                            ValueRef::Text(t) | ValueRef::Blob(t) => sanitize(t, Newlines::Keep),
                            _ => String::new(),
                        };
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, text))
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
    /// A row that cannot be read is skipped, counted ([`Store::skipped`])
    /// and logged; text is made safe to show again.
    pub fn read(
        &self,
        after: u64,
        upto: u64,
        max_count: usize,
        max_bytes: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut skipped = 0u64;
        let mut first_skipped = None;
        let run = |skipped: &mut u64,
                   first: &mut Option<(i64, Unreadable)>|
         -> rusqlite::Result<Vec<StoredMessage>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, ts, sender, nick, text, client, cid FROM messages
                 WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
            )?;
            let mut rows = stmt.query(params![to_i64(after), to_i64(upto)])?;
            let mut out = Vec::new();
            let mut bytes = 0;
            while out.len() < max_count
                && bytes < max_bytes
                && let Some(row) = rows.next()?
            {
                match row_message(row) {
                    Ok(m) => {
                        bytes += m.bytes();
                        out.push(m);
                    }
                    Err(why) => {
                        *skipped += 1;
                        if first.is_none() {
                            *first = Some((row.get::<_, i64>(0).unwrap_or(0), why));
                        }
                    }
                }
            }
            Ok(out)
        };
        let out = run(&mut skipped, &mut first_skipped).map_err(|source| StoreError::Read {
            history: self.label.clone(),
            source,
        })?;
        if let Some((seq, why)) = first_skipped {
            self.skipped.set(self.skipped.get().saturating_add(skipped));
            tracing::warn!(
                "the history {}: skipped {skipped} stored messages that cannot be read (message {seq}: {why})",
                self.label
            );
        }
        Ok(out)
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
    fn ok(outcomes: Vec<Result<Appended, NotStored>>) -> Vec<Appended> {
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
    fn a_history_in_a_linked_folder_opens_but_a_linked_file_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        // A config folder reached through a link (dotfiles, /home on
        // FreeBSD) is an ordinary setup.
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&real, &linked).unwrap();
        let file = linked.join("history.sqlite3");
        let mut store = Store::open(Some(&file), 10, u64::MAX, None).unwrap();
        assert_eq!(
            ok(store.append(&[msg("one", None, None)], 4)),
            [Appended::New(1)]
        );
        drop(store);
        assert!(real.join("history.sqlite3").is_file());
        // The file itself may not be a link.
        let link = real.join("link.sqlite3");
        std::os::unix::fs::symlink(real.join("history.sqlite3"), &link).unwrap();
        assert!(Store::open(Some(&link), 10, u64::MAX, None).is_err());
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
        let e = Store::open(Some(&file), 10, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains(&file.display().to_string()), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert_eq!(std::fs::read(&file).unwrap(), before);
        // A second host on the same file is refused while the first runs.
        let other = dir.path().join("o.sqlite3");
        let _first = Store::open(Some(&other), 10, u64::MAX, None).unwrap();
        let e = Store::open(Some(&other), 10, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
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
        assert!(matches!(&out[1], Err(e) if e.full), "{out:?}");
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
        assert!(e.full && e.detail.contains("full"), "{e}");
        assert_eq!(s.last_seq(), i);
        assert_eq!(
            s.read(0, u64::MAX, 1000, usize::MAX).unwrap().len() as u64,
            i
        );
    }

    /// Every byte of the history and whatever SQLite keeps beside it.
    pub(super) fn file_bytes(file: &Path) -> Vec<u8> {
        let mut all = std::fs::read(file).unwrap();
        for suffix in SIDE_FILES {
            let mut side = file.as_os_str().to_owned();
            side.push(suffix);
            if let Ok(b) = std::fs::read(PathBuf::from(side)) {
                all.extend(b);
            }
        }
        all
    }

    pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn tokens_are_stored_as_keyed_hashes_that_do_not_work_as_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let token = "0123456789abcdef-the-secret-token";
        let stored;
        {
            let mut s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
            ok(s.append(&[msg("mine", Some(token), Some("1"))], 2));
            stored = s.read(0, 10, 10, 1 << 20).unwrap()[0]
                .client
                .clone()
                .unwrap();
            assert_eq!(stored, s.token_key().hash(token.as_bytes()));
            // What the file holds, presented as a token, is another token.
            let out = ok(s.append(&[msg("theirs?", Some(&stored), Some("1"))], 2));
            assert_eq!(
                out[0],
                Appended::New(2),
                "the stored value matched as the token"
            );
        }
        assert!(!contains(&file_bytes(&file), token.as_bytes()));
        // Another history hashes the same token differently.
        let other = Store::open(None, 100, u64::MAX, None).unwrap();
        assert_ne!(other.token_key().hash(token.as_bytes()), stored);
        // The token itself still finds its message after a restart.
        let mut s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
        let out = ok(s.append(&[msg("mine again", Some(token), Some("1"))], 2));
        assert!(matches!(&out[0], Appended::Duplicate { seq: 1, text, .. } if text == "mine"));
    }

    /// A history as tlschat made them before tokens were hashed: the same
    /// tables, no `token_key`, the tokens in the clear (one in a row
    /// already deleted, so on a free page).
    fn old_history(file: &Path, token: &str) {
        let db = Connection::open(file).unwrap();
        db.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
                 sender INTEGER NOT NULL, nick TEXT NOT NULL, text TEXT NOT NULL,
                 client TEXT, cid TEXT);
             CREATE UNIQUE INDEX messages_client ON messages(client, cid)
                 WHERE client IS NOT NULL;
             INSERT INTO meta VALUES ('format', 'tlschat-history-1'),
                 ('room', '00112233445566778899aabbccddeeff'),
                 ('last_seq', '3'), ('next_member', '5');",
        )
        .unwrap();
        for seq in 1..=3 {
            db.execute(
                "INSERT INTO messages VALUES (?1, 1, 4, 'ana', ?2, ?3, ?1)",
                params![
                    seq,
                    format!("m{seq} {}", "p".repeat(2000)),
                    format!("{token}{seq}")
                ],
            )
            .unwrap();
        }
        db.execute("DELETE FROM messages WHERE seq = 1", [])
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_history_with_plain_tokens_has_them_hashed_in_place_and_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.sqlite3");
        let token = "plain-token-from-before-";
        old_history(&file, token);
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        assert!(contains(&file_bytes(&file), token.as_bytes()));
        {
            let mut s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
            assert_eq!(s.next_member(), 5);
            // Resends of what was stored before the upgrade are recognized.
            let out = ok(s.append(&[msg("again", Some(&format!("{token}2")), Some("2"))], 5));
            assert!(
                matches!(out[0], Appended::Duplicate { seq: 2, .. }),
                "{out:?}"
            );
        }
        assert!(
            !contains(&file_bytes(&file), token.as_bytes()),
            "a plain token is still in the file"
        );
    }

    #[test]
    fn numbers_out_of_range_refuse_the_file_and_ids_come_from_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, sql: &str| {
            let file = dir.path().join(name);
            drop(Store::open(Some(&file), 100, u64::MAX, None).unwrap());
            let db = Connection::open(&file).unwrap();
            db.execute_batch(sql).unwrap();
            drop(db);
            file
        };
        for (name, sql, what) in [
            (
                "member.sqlite3",
                "UPDATE meta SET value = '18446744073709551615' WHERE key = 'next_member'",
                "next_member in its meta table (18446744073709551615) is out of range",
            ),
            (
                "member53.sqlite3",
                "UPDATE meta SET value = '9007199254740993' WHERE key = 'next_member'",
                "out of range",
            ),
            (
                "negative.sqlite3",
                "UPDATE meta SET value = '-1' WHERE key = 'last_seq'",
                "last_seq in its meta table (-1) is out of range",
            ),
            (
                "seq.sqlite3",
                "INSERT INTO messages VALUES (9223372036854775807, 1, 1, 'a', 'b', NULL, NULL)",
                "message number (9223372036854775807) is out of range",
            ),
            (
                "zero.sqlite3",
                "INSERT INTO messages VALUES (0, 1, 1, 'a', 'b', NULL, NULL)",
                "message number (0) is out of range",
            ),
        ] {
            let file = make(name, sql);
            let e = Store::open(Some(&file), 100, u64::MAX, None)
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(what), "{name}: {e}");
            assert!(
                e.contains(&file.display().to_string()) && !e.contains('\n'),
                "{e}"
            );
        }
        // A member id a stored message names is not handed out again.
        let file = make(
            "sender.sqlite3",
            "INSERT INTO messages VALUES (1, 1, 41, 'a', 'b', NULL, NULL);
             INSERT INTO messages VALUES (2, 1, 18446744073709551615, 'a', 'b', NULL, NULL);",
        );
        let s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
        assert_eq!(s.next_member(), 42);
        // The last message number there is: nothing more is stored, and
        // the error is the host's (it names the file).
        let file = make(
            "last.sqlite3",
            "INSERT INTO messages VALUES (9007199254740992, 1, 1, 'a', 'b', NULL, NULL)",
        );
        let mut s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
        assert_eq!(s.last_seq(), MAX_NUMBER);
        let e = s
            .append(&[msg("one more", None, None)], 2)
            .pop()
            .unwrap()
            .unwrap_err();
        assert!(e.detail.contains("every message number"), "{e:?}");
        assert!(!e.for_members().contains(&*dir.path().to_string_lossy()));
    }

    #[test]
    fn rows_that_cannot_be_read_are_skipped_and_text_is_made_safe_again() {
        let mut s = Store::open(None, 100, u64::MAX, None).unwrap();
        ok(s.append(&[msg("first", None, None)], 2));
        let rows: [(
            i64,
            rusqlite::types::Value,
            &str,
            rusqlite::types::Value,
            Option<String>,
        ); 7] = [
            // Text as a BLOB.
            (2, 1.into(), "ana", b"\x1b[31m".to_vec().into(), None),
            // Escapes in the name and the text.
            (
                3,
                1.into(),
                "mal\x1b[0mlory",
                "red \x1b[31malert\u{202e}".to_string().into(),
                None,
            ),
            // A time that is not a number.
            (
                4,
                "noon".to_string().into(),
                "ana",
                "when?".to_string().into(),
                None,
            ),
            // An id longer than any tlschat takes.
            (
                5,
                1.into(),
                "ana",
                "long id".to_string().into(),
                Some("9".repeat(65)),
            ),
            // A text too long to be a message.
            (6, 1.into(), "ana", "x".repeat(70_000).into(), None),
            // No name.
            (7, 1.into(), "", "who?".to_string().into(), None),
            (8, 1.into(), "ana", "last".to_string().into(), None),
        ];
        for (seq, ts, nick, text, cid) in rows {
            s.conn
                .execute(
                    "INSERT INTO messages VALUES (?1, ?2, 3, ?3, ?4, NULL, ?5)",
                    params![seq, ts, nick, text, cid],
                )
                .unwrap();
        }
        let got = s.read(0, 8, 100, 1 << 20).unwrap();
        let seqs: Vec<u64> = got.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 3, 8]);
        assert_eq!(s.skipped(), 5);
        assert_eq!(got[1].nick, "mal\\x1b[0mlory");
        assert_eq!(got[1].text, "red \\x1b[31malert\\u{202e}");
        // Pages go past what is skipped: one message a page.
        let mut from = 0;
        let mut pages = Vec::new();
        loop {
            let page = s.read(from, 8, 1, 1 << 20).unwrap();
            let Some(last) = page.last() else { break };
            from = last.seq;
            pages.push(from);
        }
        assert_eq!(pages, [1, 3, 8]);
    }

    #[cfg(unix)]
    #[test]
    fn the_history_and_its_side_files_must_be_private_regular_files() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        drop(Store::open(Some(&file), 100, u64::MAX, None).unwrap());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Store::open(Some(&file), 100, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains(&format!("`chmod 600 {}`", file.display())),
            "{e}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        // A WAL file someone else could read, or a link in its place.
        let wal = dir.path().join("h.sqlite3-wal");
        std::fs::write(&wal, "").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = Store::open(Some(&file), 100, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains(&format!("`chmod 600 {}`", wal.display())), "{e}");
        std::fs::remove_file(&wal).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, &wal).unwrap();
        let e = Store::open(Some(&file), 100, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("symbolic link") && e.contains("h.sqlite3-wal"),
            "{e}"
        );
        assert!(!elsewhere.exists());
        std::fs::remove_file(&wal).unwrap();
        // With those gone, it opens; the WAL it writes is private.
        let mut s = Store::open(Some(&file), 100, u64::MAX, None).unwrap();
        ok(s.append(&[msg("x", None, None)], 2));
        let mode = std::fs::metadata(&wal).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let shm = dir.path().join("h.sqlite3-shm");
        assert!(
            !shm.exists(),
            "exclusive mode keeps the WAL index in memory"
        );
    }
}
