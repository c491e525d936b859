//! The room's door as the history file keeps it (issue 20), so that it
//! survives a restart: the keys of the room's members (with the last
//! message stored before each was first admitted, and the nickname each
//! used last), the invitations (only the hashes of their codes), the bans
//! and the mutes.
//!
//! [`Store::door`] reads them back as the door's own types, for
//! [`Door::restore`] (see [`DoorState::restore`]); [`Store::record`]
//! writes changes, each call one transaction that is on disk before it
//! returns. What the host acknowledged (a ban, an invitation's last use)
//! is stored: it survives the host being killed and, unlike a message, a
//! power loss too (these commits are synced: they are rare, and a lost ban
//! or a single-use invitation used twice is a hole in the door). A full
//! history (at `--history-max-bytes`, or a full disk) does not keep the
//! door from changing: its oldest messages go to make room.
//!
//! Read back, every row is untrusted input, like the messages: ids must be
//! in `1..2^32`, uses in `0..2^32`, message numbers and times at most
//! 2^53, keys and hashes exactly 32 bytes, addresses must parse. A row
//! that fails is skipped, counted ([`Store::skipped`]) and logged, once
//! per read. A member's nickname reserves the name, so it must be one the
//! room would give, or the member is kept without it (and reserves
//! nothing): a quirk in a name never costs a member its membership. A
//! ban's or a mute's nickname and a ban's reason are only shown: they are
//! made safe to show, and a ban is never dropped for them. No more is read than the door keeps ([`MAX_INVITES`],
//! [`MAX_BANS`], [`MAX_MEMBERS`], [`MAX_MUTES`]; the newest are kept), so
//! a file with a million rows costs the host no more memory than one with
//! the most it could hold. Writes keep the tables within the same bounds,
//! the oldest going first as they do in the door.
//!
//! A history from before the door gains the tables when it is opened
//! ([`create_tables`] runs once the file is known to be a tlschat
//! history, so someone else's database is still refused untouched).

use std::net::IpAddr;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Row, Transaction, params};

use super::{
    MAX_NUMBER, SIZE_SQL, Store, StoreError, Unreadable, number_at, sqlite_error, text_at, to_i64,
    to_u64,
};
use crate::net::door::{Ban, BanTarget, Door, Invitation, MAX_BANS, MAX_INVITES};
use crate::net::lines::sanitize;
use crate::net::protocol::{MAX_NICK_CHARS, clip};
use crate::net::safe_text::Newlines;

/// The most member keys a room keeps: past it, the one admitted first is
/// forgotten (and needs an invitation again).
pub const MAX_MEMBERS: usize = crate::net::door::MAX_REMEMBERED;
/// The most mutes a room keeps: past it, the oldest goes.
pub const MAX_MUTES: usize = MAX_BANS;
/// The longest ban reason read back, in bytes.
const MAX_REASON_BYTES: usize = 1024;

/// The door's tables. `target` is the key (32 bytes, a BLOB) when `kind`
/// is `key`, and the address as text when it is `address`.
const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS members (
        key BLOB NOT NULL UNIQUE,
        since_seq INTEGER NOT NULL,
        since_ms INTEGER NOT NULL,
        nick TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS invitations (
        id INTEGER PRIMARY KEY,
        hash BLOB NOT NULL,
        uses_left INTEGER,
        expires_ms INTEGER
    );
    CREATE TABLE IF NOT EXISTS bans (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        target NOT NULL,
        nick TEXT NOT NULL,
        reason TEXT NOT NULL,
        UNIQUE (kind, target)
    );
    CREATE TABLE IF NOT EXISTS mutes (
        kind TEXT NOT NULL,
        target NOT NULL,
        nick TEXT NOT NULL,
        UNIQUE (kind, target)
    );";

/// How each table is read back: the newest first.
const READ_MEMBERS: &str = "SELECT key, since_seq, since_ms, nick FROM members ORDER BY rowid DESC";
const READ_INVITATIONS: &str =
    "SELECT id, hash, uses_left, expires_ms FROM invitations ORDER BY id DESC";
const READ_BANS: &str = "SELECT id, kind, target, nick, reason FROM bans ORDER BY id DESC";
const READ_MUTES: &str = "SELECT kind, target, nick FROM mutes ORDER BY rowid DESC";

/// Makes the door's tables if the history has none yet (a new one, or one
/// from before the door), and checks that those it has can be read as
/// tlschat's.
pub(super) fn create_tables(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(TABLES)?;
    for sql in [READ_MEMBERS, READ_INVITATIONS, READ_BANS, READ_MUTES] {
        tx.prepare(sql).map_err(|_| {
            sqlite_error(
                rusqlite::ffi::SQLITE_CORRUPT,
                "its tables for the door are not tlschat's",
            )
        })?;
    }
    Ok(())
}

/// A key the room remembers as one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The SHA-256 of its key.
    pub key: [u8; 32],
    /// The last message stored before it was first admitted: what it may
    /// be given under `--history-visibility joined` comes after it.
    pub since_seq: u64,
    /// When it was first admitted (Unix ms).
    pub since_ms: u64,
    /// The nickname it used last: reserved for it in this room. `None`
    /// when what is stored is not a name the room would give.
    pub nick: Option<String>,
}

/// A mute: a member who can read, but not speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mute {
    /// Its key, or its address (by /64 for IPv6) when it has no key.
    pub target: BanTarget,
    /// The name it had, for the host's lists.
    pub nick: String,
}

/// The door's state as the history keeps it, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoorState {
    /// The room's members.
    pub members: Vec<Member>,
    /// The invitations.
    pub invitations: Vec<Invitation>,
    /// The bans.
    pub bans: Vec<Ban>,
    /// The mutes.
    pub mutes: Vec<Mute>,
}

impl DoorState {
    /// Hands the members, invitations and bans to `door`.
    pub fn restore(&self, door: &mut Door) {
        door.restore(
            self.members.iter().map(|m| m.key),
            self.invitations.clone(),
            self.bans.clone(),
        );
    }
}

/// One change to the door, to store. Each mirrors what the [`Door`] did,
/// so that the state read back is the door's.
#[derive(Debug, Clone, Copy)]
pub enum DoorChange<'a> {
    /// A key was admitted as one of the room's members, using `nick`, at
    /// `now_ms`: after the last message stored. A key that was one
    /// already keeps its first admission and takes the nickname.
    Admitted {
        /// The SHA-256 of its key.
        key: [u8; 32],
        /// Its nickname.
        nick: &'a str,
        /// Now (Unix ms).
        now_ms: u64,
    },
    /// A member took another nickname.
    Renamed {
        /// The SHA-256 of its key.
        key: [u8; 32],
        /// Its new nickname.
        nick: &'a str,
    },
    /// An invitation was made (see [`Door::invite`]; past [`MAX_INVITES`]
    /// the used-up and expired ones at `now_ms` go, then the oldest).
    Invited {
        /// The invitation (only its hash: the code is never stored).
        invitation: &'a Invitation,
        /// Now (Unix ms).
        now_ms: u64,
    },
    /// An invitation was used: `uses_left` are left (`None`: any number).
    InvitationUsed {
        /// Its id.
        id: u32,
        /// The uses it has left.
        uses_left: Option<u32>,
    },
    /// An invitation was revoked.
    Revoked {
        /// Its id.
        id: u32,
    },
    /// A ban (see [`Door::ban`]: it replaces an earlier one on the same
    /// target, a banned key is no longer a member's, and past
    /// [`MAX_BANS`] the oldest goes).
    Banned(&'a Ban),
    /// A ban was lifted.
    Unbanned {
        /// Its id.
        id: u32,
    },
    /// A mute (an earlier one on the same target takes its nickname).
    Muted(&'a Mute),
    /// A mute was lifted.
    Unmuted(BanTarget),
}

/// How a ban's or a mute's target is stored: its kind and its value.
fn target_value(target: &BanTarget) -> (&'static str, Value) {
    match target {
        BanTarget::Key(k) => ("key", Value::Blob(k.to_vec())),
        BanTarget::Address(ip) => ("address", Value::Text(ip.to_string())),
    }
}

/// Deletes the oldest rows of `table` (by `order`) until at most `keep`
/// are left. Counting is cheap (SQLite counts the cells of each page);
/// the deletion only runs when there are too many.
fn prune(tx: &Transaction<'_>, table: &str, order: &str, keep: usize) -> rusqlite::Result<()> {
    let count: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    let keep = keep as u64;
    if to_u64(count) > keep {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE {order} <=
                 (SELECT {order} FROM {table} ORDER BY {order} DESC LIMIT 1 OFFSET ?1)"
            ),
            [to_i64(keep)],
        )?;
    }
    Ok(())
}

/// Writes one change; `last_seq` is the last message stored.
fn write(tx: &Transaction<'_>, change: &DoorChange<'_>, last_seq: u64) -> rusqlite::Result<()> {
    match *change {
        DoorChange::Admitted { key, nick, now_ms } => {
            tx.prepare_cached(
                "INSERT INTO members (key, since_seq, since_ms, nick) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET nick = excluded.nick",
            )?
            .execute(params![&key[..], to_i64(last_seq), to_i64(now_ms), nick])?;
            prune(tx, "members", "rowid", MAX_MEMBERS)?;
        }
        DoorChange::Renamed { key, nick } => {
            tx.prepare_cached("UPDATE members SET nick = ?2 WHERE key = ?1")?
                .execute(params![&key[..], nick])?;
        }
        DoorChange::Invited { invitation, now_ms } => {
            let count: i64 = tx.query_row("SELECT count(*) FROM invitations", [], |r| r.get(0))?;
            if to_u64(count) >= MAX_INVITES as u64 {
                tx.execute(
                    "DELETE FROM invitations WHERE uses_left = 0 OR expires_ms <= ?1",
                    [to_i64(now_ms)],
                )?;
            }
            prune(tx, "invitations", "id", MAX_INVITES - 1)?;
            // Replaces a row the door could not read (and so whose id it
            // handed out again).
            tx.prepare_cached(
                "INSERT OR REPLACE INTO invitations (id, hash, uses_left, expires_ms)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                invitation.id,
                &invitation.hash[..],
                invitation.uses_left,
                invitation.expires_ms.map(to_i64)
            ])?;
        }
        DoorChange::InvitationUsed { id, uses_left } => {
            tx.prepare_cached("UPDATE invitations SET uses_left = ?2 WHERE id = ?1")?
                .execute(params![id, uses_left])?;
        }
        DoorChange::Revoked { id } => {
            tx.prepare_cached("DELETE FROM invitations WHERE id = ?1")?
                .execute([id])?;
        }
        DoorChange::Banned(ban) => write_ban(tx, ban)?,
        DoorChange::Unbanned { id } => {
            tx.prepare_cached("DELETE FROM bans WHERE id = ?1")?
                .execute([id])?;
        }
        DoorChange::Muted(mute) => {
            let (kind, target) = target_value(&mute.target);
            tx.prepare_cached(
                "INSERT INTO mutes (kind, target, nick) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, target) DO UPDATE SET nick = excluded.nick",
            )?
            .execute(params![kind, target, mute.nick])?;
            prune(tx, "mutes", "rowid", MAX_MUTES)?;
        }
        DoorChange::Unmuted(target) => {
            let (kind, target) = target_value(&target);
            tx.prepare_cached("DELETE FROM mutes WHERE kind = ?1 AND target = ?2")?
                .execute(params![kind, target])?;
        }
    }
    Ok(())
}

/// Writes a ban as [`Door::ban`] makes it.
fn write_ban(tx: &Transaction<'_>, ban: &Ban) -> rusqlite::Result<()> {
    let (kind, target) = target_value(&ban.target);
    tx.prepare_cached("DELETE FROM bans WHERE kind = ?1 AND target = ?2")?
        .execute(params![kind, target])?;
    if let BanTarget::Key(k) = ban.target {
        tx.prepare_cached("DELETE FROM members WHERE key = ?1")?
            .execute([&k[..]])?;
    }
    prune(tx, "bans", "id", MAX_BANS - 1)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO bans (id, kind, target, nick, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![ban.id, kind, target, ban.nick, ban.reason])?;
    Ok(())
}

/// Exactly 32 bytes (a key or a hash) in a row.
fn bytes32_at(row: &Row<'_>, i: usize) -> Result<[u8; 32], Unreadable> {
    match row.get_ref(i)? {
        ValueRef::Blob(b) => <[u8; 32]>::try_from(b).map_err(|_| Unreadable::WrongLength {
            column: i,
            len: b.len(),
        }),
        other => Err(Unreadable::NotBlob {
            column: i,
            kind: other.data_type(),
        }),
    }
}

/// An id the door gives, in `1..2^32`.
fn id_at(row: &Row<'_>, i: usize) -> Result<u32, Unreadable> {
    let n = number_at(row, i, u64::from(u32::MAX))?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n != 0)
        .ok_or(Unreadable::ZeroId { column: i })
}

/// A number in `0..=max`, or none (NULL).
fn optional_at(row: &Row<'_>, i: usize, max: u64) -> Result<Option<u64>, Unreadable> {
    match row.get_ref(i)? {
        ValueRef::Null => Ok(None),
        _ => number_at(row, i, max).map(Some),
    }
}

/// Text that is only shown, made safe to show on one line and at most
/// `max` bytes; empty when there is none.
fn shown_at(row: &Row<'_>, i: usize, max: usize) -> Result<String, Unreadable> {
    let text = match row.get_ref(i)? {
        ValueRef::Text(t) | ValueRef::Blob(t) => sanitize(t, Newlines::Escape),
        _ => String::new(),
    };
    Ok(clip(&text, max).to_string())
}

/// A ban's or a mute's target from its `kind` and `target` columns. An
/// address is taken as the door bans it (an IPv6 address by its /64).
fn target_at(row: &Row<'_>, kind: usize, target: usize) -> Result<BanTarget, Unreadable> {
    match text_at(row, kind)? {
        Some(b"key") => bytes32_at(row, target).map(BanTarget::Key),
        Some(b"address") => text_at(row, target)?
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.parse::<IpAddr>().ok())
            .map(BanTarget::address)
            .ok_or(Unreadable::BadAddress),
        _ => Err(Unreadable::UnknownKind),
    }
}

/// A member from a row of [`READ_MEMBERS`].
fn row_member(row: &Row<'_>) -> Result<Member, Unreadable> {
    let key = bytes32_at(row, 0)?;
    let since_seq = number_at(row, 1, MAX_NUMBER)?;
    let since_ms = number_at(row, 2, MAX_NUMBER)?;
    // The name is reserved for the key: only one the room would give.
    let nick = text_at(row, 3)?
        .and_then(|n| std::str::from_utf8(n).ok())
        .filter(|n| crate::net::nick::normalize(n).ok().as_deref() == Some(*n))
        .map(str::to_string);
    Ok(Member {
        key,
        since_seq,
        since_ms,
        nick,
    })
}

/// An invitation from a row of [`READ_INVITATIONS`].
fn row_invitation(row: &Row<'_>) -> Result<Invitation, Unreadable> {
    let uses_left = optional_at(row, 2, u64::from(u32::MAX))?;
    Ok(Invitation {
        id: id_at(row, 0)?,
        hash: bytes32_at(row, 1)?,
        // In range: checked just above.
        uses_left: uses_left.map(|n| u32::try_from(n).unwrap_or(0)),
        expires_ms: optional_at(row, 3, MAX_NUMBER)?,
    })
}

/// A ban from a row of [`READ_BANS`].
fn row_ban(row: &Row<'_>) -> Result<Ban, Unreadable> {
    Ok(Ban {
        id: id_at(row, 0)?,
        target: target_at(row, 1, 2)?,
        nick: shown_at(row, 3, 4 * MAX_NICK_CHARS)?,
        reason: shown_at(row, 4, MAX_REASON_BYTES)?,
    })
}

/// A mute from a row of [`READ_MUTES`].
fn row_mute(row: &Row<'_>) -> Result<Mute, Unreadable> {
    Ok(Mute {
        target: target_at(row, 0, 1)?,
        nick: shown_at(row, 2, 4 * MAX_NICK_CHARS)?,
    })
}

/// The rows a read skipped: how many, and the first, for the log.
#[derive(Default)]
struct Skipped {
    count: u64,
    first: Option<(&'static str, Unreadable)>,
}

impl Skipped {
    /// Up to `max` rows that can be read, from `sql` (newest first),
    /// returned oldest first; `table` names them in the log.
    fn newest<T>(
        &mut self,
        conn: &Connection,
        table: &'static str,
        sql: &str,
        max: usize,
        read: fn(&Row<'_>) -> Result<T, Unreadable>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while out.len() < max
            && let Some(row) = rows.next()?
        {
            match read(row) {
                Ok(v) => out.push(v),
                Err(why) => {
                    self.count += 1;
                    if self.first.is_none() {
                        self.first = Some((table, why));
                    }
                }
            }
        }
        out.reverse();
        Ok(out)
    }
}

impl Store {
    /// The door's state as stored: the members, invitations, bans and
    /// mutes that can be read, at most as many as the door keeps (the
    /// newest), oldest first. Rows that cannot be read are skipped,
    /// counted ([`Store::skipped`]) and logged once.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn door(&self) -> Result<DoorState, StoreError> {
        let mut skipped = Skipped::default();
        let conn = &self.conn;
        let mut run = || -> rusqlite::Result<DoorState> {
            Ok(DoorState {
                members: skipped.newest(conn, "members", READ_MEMBERS, MAX_MEMBERS, row_member)?,
                invitations: skipped.newest(
                    conn,
                    "invitations",
                    READ_INVITATIONS,
                    MAX_INVITES,
                    row_invitation,
                )?,
                bans: skipped.newest(conn, "bans", READ_BANS, MAX_BANS, row_ban)?,
                mutes: skipped.newest(conn, "mutes", READ_MUTES, MAX_MUTES, row_mute)?,
            })
        };
        let state = run().map_err(|source| StoreError::Read {
            history: self.label.clone(),
            source,
        })?;
        if let Some((table, why)) = skipped.first {
            self.skipped
                .set(self.skipped.get().saturating_add(skipped.count));
            tracing::warn!(
                "the history {}: skipped {} rows of the door that cannot be read (in {table}: {why})",
                self.label,
                skipped.count
            );
        }
        let unnamed = state.members.iter().filter(|m| m.nick.is_none()).count();
        if unnamed > 0 {
            tracing::warn!(
                "the history {}: {unnamed} members are kept without their nicknames, which are not ones the room gives",
                self.label
            );
        }
        Ok(state)
    }

    /// Stores `changes` in one transaction (all or none of them), synced
    /// to disk before it returns.
    ///
    /// # Errors
    /// The file cannot be written (or is full): nothing was stored.
    pub fn record(&mut self, changes: &[DoorChange<'_>]) -> Result<(), StoreError> {
        let last_seq = self.last_seq;
        let write_all =
            |tx: &Transaction<'_>| changes.iter().try_for_each(|c| write(tx, c, last_seq));
        let mut done = self.synced(write_all);
        // The door is not shut for want of room: a full history (at
        // --history-max-bytes, or a full disk) lets its oldest messages go,
        // 64 KiB of them, then more, until the change fits or only the last
        // message is left.
        let mut room = 64 * 1024;
        while matches!(&done, Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull)
        {
            match self.make_room(room) {
                Ok(true) => done = self.synced(write_all),
                Ok(false) => break,
                Err(e) => done = Err(e),
            }
            room = room.saturating_mul(4);
        }
        done.map_err(|source| StoreError::Write {
            history: self.label.clone(),
            source,
        })
    }

    /// Deletes the oldest messages, `at_least` bytes of them (of text and
    /// nicknames), never the last (its number is the room's count).
    /// Whether there was one to delete.
    fn make_room(&mut self, at_least: u64) -> rusqlite::Result<bool> {
        let first = self.first_kept();
        let mut from = first;
        let mut gone = 0u64;
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(&format!(
                "SELECT seq, {SIZE_SQL} FROM messages WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"
            ))?;
            let mut rows = stmt.query([to_i64(first), to_i64(self.last_seq)])?;
            while gone < at_least {
                let Some(row) = rows.next()? else { break };
                let seq: i64 = row.get(0)?;
                let size: Option<i64> = row.get(1)?;
                gone = gone.saturating_add(to_u64(size.unwrap_or(0)));
                from = to_u64(seq).saturating_add(1);
            }
        }
        if from == first {
            return Ok(false);
        }
        tx.execute("DELETE FROM messages WHERE seq < ?1", [to_i64(from)])?;
        tx.commit()?;
        tracing::warn!(
            "the history {} is full: the messages before {from} were deleted to store a change to the door",
            self.label
        );
        self.first_kept = from;
        self.bytes = self.bytes.saturating_sub(gone);
        Ok(true)
    }

    /// Runs `f` in a transaction committed with `synchronous=FULL` (the
    /// WAL synced at the commit), then goes back to the usual setting.
    fn synced(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let was: i64 = self
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let done = self.conn.transaction().and_then(|tx| {
            f(&tx)?;
            tx.commit()
        });
        if let Err(e) = self.conn.pragma_update(None, "synchronous", was) {
            // The change is stored; only later messages are synced more.
            tracing::warn!("the history {}: synchronous stays FULL: {e}", self.label);
        }
        done
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::{Path, PathBuf};

    use super::*;
    use crate::net::door::{Access, Caller, Decision, InviteProblem, Refusal, code_hash, new_code};
    use crate::net::store::{NewMessage, SIDE_FILES};

    const NOW: u64 = 1_800_000_000_000;
    const HOUR: u64 = 3_600_000;
    const ANA: [u8; 32] = [1; 32];
    const BOB: [u8; 32] = [2; 32];
    const EVE: [u8; 32] = [3; 32];

    fn open(file: &Path) -> Store {
        Store::open(Some(file), 100, u64::MAX, None).unwrap()
    }

    fn in_memory() -> Store {
        Store::open(None, 100, u64::MAX, None).unwrap()
    }

    fn say(s: &mut Store, text: &str) {
        let out = s.append(
            &[NewMessage {
                sender: 1,
                nick: "ana".into(),
                text: text.into(),
                ts: NOW,
                client: None,
                cid: None,
            }],
            2,
        );
        assert!(out[0].is_ok(), "{out:?}");
    }

    fn ip(addr: &str) -> IpAddr {
        addr.parse().unwrap()
    }

    fn caller(key: Option<[u8; 32]>, invite: Option<&str>) -> Caller<'_> {
        Caller {
            key,
            ca_verified: false,
            addr: ip("127.0.0.1"),
            invite,
        }
    }

    /// Makes an invitation in `door` and stores it.
    fn invite(
        s: &mut Store,
        door: &mut Door,
        code: &str,
        uses: Option<u32>,
        hours: Option<u64>,
    ) -> u32 {
        let id = door.invite(code, uses, hours.map(|h| NOW + h * HOUR), NOW);
        let invitation = door.invitations().last().unwrap();
        s.record(&[DoorChange::Invited {
            invitation,
            now_ms: NOW,
        }])
        .unwrap();
        id
    }

    /// Lets `key` in with `code` as the host would: its admission and the
    /// invitation's use in one transaction.
    fn come_in(s: &mut Store, door: &mut Door, key: [u8; 32], nick: &str, code: &str, now_ms: u64) {
        let Decision::Admit {
            remember: true,
            invitation: Some(id),
        } = door.decide(&caller(Some(key), Some(code)), now_ms)
        else {
            panic!("{nick} was not let in");
        };
        let uses_left = door
            .invitations()
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .uses_left;
        s.record(&[
            DoorChange::Admitted { key, nick, now_ms },
            DoorChange::InvitationUsed { id, uses_left },
        ])
        .unwrap();
    }

    /// Bans `target` in `door` and stores the ban.
    fn ban(s: &mut Store, door: &mut Door, target: BanTarget, nick: &str, reason: &str) -> u32 {
        let id = door.ban(target, nick, reason);
        s.record(&[DoorChange::Banned(door.bans().last().unwrap())])
            .unwrap();
        id
    }

    fn admitted(d: Decision) -> bool {
        matches!(d, Decision::Admit { .. })
    }

    #[test]
    fn every_kind_of_change_survives_a_reopen_and_the_door_decides_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let mut door = Door::new(Access::Invite, false);
        let [code, many, gone] = [(); 3].map(|()| new_code().unwrap());
        let mut s = open(&file);
        say(&mut s, "one");
        say(&mut s, "two");
        invite(&mut s, &mut door, &code, Some(3), Some(1));
        invite(&mut s, &mut door, &many, None, None);
        let revoked = invite(&mut s, &mut door, &gone, Some(1), None);
        assert!(door.revoke(revoked));
        s.record(&[DoorChange::Revoked { id: revoked }]).unwrap();
        come_in(&mut s, &mut door, ANA, "ana", &code, NOW);
        say(&mut s, "three");
        come_in(&mut s, &mut door, BOB, "bob", &many, NOW + 1);
        s.record(&[DoorChange::Renamed {
            key: ANA,
            nick: "anna",
        }])
        .unwrap();
        // Eve comes in, is banned, banned again (the ban replaced), and is
        // no longer a member.
        come_in(&mut s, &mut door, EVE, "eve", &many, NOW + 2);
        ban(&mut s, &mut door, BanTarget::Key(EVE), "eve", "spam");
        ban(&mut s, &mut door, BanTarget::Key(EVE), "eve", "more spam");
        // A member without a key, banned by its /64; another ban lifted.
        ban(
            &mut s,
            &mut door,
            BanTarget::address(ip("2001:db8:1:2:aaaa::1")),
            "x\u{1b}[31m",
            "flood",
        );
        let lifted = ban(
            &mut s,
            &mut door,
            BanTarget::address(ip("10.0.0.9")),
            "y",
            "",
        );
        assert!(door.unban(lifted).is_some());
        s.record(&[DoorChange::Unbanned { id: lifted }]).unwrap();
        let mutes = [
            Mute {
                target: BanTarget::Key(BOB),
                nick: "bob".into(),
            },
            Mute {
                target: BanTarget::address(ip("10.1.1.1")),
                nick: "z".into(),
            },
            Mute {
                target: BanTarget::Key([7; 32]),
                nick: "w".into(),
            },
        ];
        for m in &mutes {
            s.record(&[DoorChange::Muted(m)]).unwrap();
        }
        s.record(&[DoorChange::Unmuted(BanTarget::Key([7; 32]))])
            .unwrap();
        drop(s);

        let s = open(&file);
        let got = s.door().unwrap();
        assert_eq!(s.skipped(), 0);
        assert_eq!(got.invitations, door.invitations());
        // A ban's nickname comes back made safe to show.
        let mut bans = door.bans().to_vec();
        assert_eq!(bans[1].nick, "x\u{1b}[31m");
        bans[1].nick = "x\\x1b[31m".into();
        assert_eq!(got.bans, bans);
        assert_eq!(got.bans.len(), 2);
        assert_eq!(got.bans[0].reason, "more spam");
        assert_eq!(
            got.members,
            [
                Member {
                    key: ANA,
                    since_seq: 2,
                    since_ms: NOW,
                    nick: Some("anna".into())
                },
                Member {
                    key: BOB,
                    since_seq: 3,
                    since_ms: NOW + 1,
                    nick: Some("bob".into())
                },
            ]
        );
        assert_eq!(got.mutes, mutes[..2]);

        // Restored, the door decides as it did before the restart.
        let mut again = Door::new(Access::Invite, false);
        got.restore(&mut again);
        assert!(admitted(again.decide(&caller(Some(ANA), None), NOW)));
        assert_eq!(
            again.decide(&caller(Some(EVE), Some(&many)), NOW),
            Decision::Refuse(Refusal::Banned)
        );
        assert_eq!(
            again.decide(&caller(Some([9; 32]), None), NOW),
            Decision::Refuse(Refusal::InviteOnly)
        );
        assert_eq!(
            again.decide(&caller(Some([9; 32]), Some(&gone)), NOW),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::Unknown))
        );
        assert_eq!(
            again.decide(&caller(Some([9; 32]), Some(&code)), NOW + HOUR),
            Decision::Refuse(Refusal::BadInvite(InviteProblem::Expired))
        );
        // Ana used one of the three uses; the next one takes another.
        assert!(admitted(
            again.decide(&caller(Some([9; 32]), Some(&code)), NOW)
        ));
        assert_eq!(again.invitations()[0].uses_left, Some(1));
    }

    /// Copies `file` and what SQLite keeps beside it to `to`, as they are
    /// on disk now: the files a host killed at this moment leaves.
    fn killed_copy(file: &Path, to: &Path) {
        std::fs::copy(file, to).unwrap();
        for suffix in SIDE_FILES {
            let side = |p: &Path| {
                let mut s = p.as_os_str().to_owned();
                s.push(suffix);
                PathBuf::from(s)
            };
            if side(file).exists() {
                std::fs::copy(side(file), side(to)).unwrap();
            }
        }
    }

    #[test]
    fn a_host_killed_after_a_change_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let mut door = Door::new(Access::Invite, false);
        let mut s = open(&file);
        say(&mut s, "before");
        let mut n = 0;
        // What a host killed now (the store still open) left on disk.
        let mut killed = || {
            n += 1;
            let to = dir.path().join(format!("killed{n}.sqlite3"));
            killed_copy(&file, &to);
            open(&to).door().unwrap()
        };
        let code = new_code().unwrap();
        let id = invite(&mut s, &mut door, &code, Some(1), None);
        assert_eq!(killed().invitations, door.invitations());
        come_in(&mut s, &mut door, ANA, "ana", &code, NOW);
        let after = killed();
        assert_eq!(after.members.len(), 1);
        assert_eq!(after.invitations[0].uses_left, Some(0));
        ban(&mut s, &mut door, BanTarget::Key(ANA), "ana", "");
        let after = killed();
        assert_eq!(after.bans, door.bans());
        assert!(after.members.is_empty());
        let mute = Mute {
            target: BanTarget::Key(BOB),
            nick: "bob".into(),
        };
        s.record(&[DoorChange::Muted(&mute)]).unwrap();
        assert_eq!(killed().mutes, [mute]);
        s.record(&[
            DoorChange::Revoked { id },
            DoorChange::Unbanned {
                id: door.bans()[0].id,
            },
            DoorChange::Unmuted(BanTarget::Key(BOB)),
        ])
        .unwrap();
        assert_eq!(killed(), DoorState::default());
    }

    /// A history as tlschat made them before the door: meta and messages.
    fn pre_door_history(file: &Path) {
        let db = Connection::open(file).unwrap();
        db.execute_batch(&format!(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE messages (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
                 sender INTEGER NOT NULL, nick TEXT NOT NULL, text TEXT NOT NULL,
                 client TEXT, cid TEXT);
             CREATE UNIQUE INDEX messages_client ON messages(client, cid)
                 WHERE client IS NOT NULL;
             INSERT INTO meta VALUES ('format', 'tlschat-history-1'),
                 ('room', '00112233445566778899aabbccddeeff'),
                 ('last_seq', '1'), ('next_member', '3'), ('token_key', '{}');
             INSERT INTO messages VALUES (1, 1, 2, 'ana', 'hello', NULL, NULL);",
            "ab".repeat(32)
        ))
        .unwrap();
        drop(db);
        #[cfg(unix)]
        std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
    }

    fn door_tables(file: &Path) -> i64 {
        Connection::open(file)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_master
                 WHERE name IN ('members', 'invitations', 'bans', 'mutes')",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[test]
    fn a_history_from_before_the_door_gains_its_tables() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.sqlite3");
        pre_door_history(&file);
        assert_eq!(door_tables(&file), 0);
        {
            let mut s = open(&file);
            assert_eq!(s.door().unwrap(), DoorState::default());
            s.record(&[DoorChange::Admitted {
                key: ANA,
                nick: "ana",
                now_ms: NOW,
            }])
            .unwrap();
        }
        assert_eq!(door_tables(&file), 4);
        let s = open(&file);
        assert_eq!(s.door().unwrap().members[0].since_seq, 1);
        assert_eq!(s.read(0, 10, 10, 1 << 20).unwrap()[0].text, "hello");
        drop(s);

        // Someone else's database, with tables of those names, is refused
        // and left as it was.
        let theirs = dir.path().join("theirs.sqlite3");
        let db = Connection::open(&theirs).unwrap();
        db.execute_batch(
            "CREATE TABLE meta (key TEXT, value TEXT);
             INSERT INTO meta VALUES ('format', 'someone-else-1');
             CREATE TABLE bans (who TEXT);",
        )
        .unwrap();
        drop(db);
        #[cfg(unix)]
        std::fs::set_permissions(&theirs, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let before = std::fs::read(&theirs).unwrap();
        let e = Store::open(Some(&theirs), 10, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not a tlschat history"), "{e}");
        assert_eq!(std::fs::read(&theirs).unwrap(), before);

        // A tlschat history whose door tables are not tlschat's is refused.
        let odd = dir.path().join("odd.sqlite3");
        pre_door_history(&odd);
        Connection::open(&odd)
            .unwrap()
            .execute_batch("CREATE TABLE bans (who TEXT)")
            .unwrap();
        let e = Store::open(Some(&odd), 10, u64::MAX, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("tables for the door are not tlschat's"), "{e}");
        assert_eq!(door_tables(&odd), 1);
    }

    #[test]
    fn rows_that_cannot_be_read_are_skipped_and_what_is_shown_is_made_safe() {
        let s = in_memory();
        s.conn
            .execute_batch(
                "INSERT INTO members VALUES
                     (zeroblob(31), 1, 1, 'short'),
                     ('kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk', 1, 1, 'text'),
                     (randomblob(32), -1, 1, 'negative'),
                     (randomblob(32), 9007199254740993, 1, 'huge'),
                     (randomblob(32), 1, 9223372036854775807, 'late'),
                     (randomblob(32), 1, 1, 'a' || char(0) || 'b'),
                     (randomblob(32), 1, 1, ''),
                     (randomblob(32), 1, 1, 'ana' || char(8238)),
                     (randomblob(32), 1, 1, 'ana');
                 INSERT INTO invitations VALUES
                     (0, randomblob(32), 1, NULL),
                     (-5, randomblob(32), 1, NULL),
                     (4294967296, randomblob(32), 1, NULL),
                     (10, randomblob(33), 1, NULL),
                     (11, randomblob(32), -1, NULL),
                     (12, randomblob(32), 4294967296, NULL),
                     (13, randomblob(32), NULL, 9007199254740993),
                     (14, randomblob(32), NULL, 'soon'),
                     (15, randomblob(32), 4294967295, 9007199254740992);
                 INSERT INTO bans VALUES
                     (1, 'key', zeroblob(31), 'a', ''),
                     (2, 'address', 'not an address', 'b', ''),
                     (3, 'address', x'0a000001', 'c', ''),
                     (4, 'cow', 'moo', 'd', ''),
                     (5, 'key', randomblob(32),
                         'mal' || char(0) || char(27) || '[31m' || char(10), printf('%.5000c', 'x')),
                     (6, 'address', '2001:db8:1:2:aaaa::1', 'v6', x'1b5b33316d');
                 INSERT INTO mutes VALUES
                     ('key', 'short', 'n'),
                     ('address', '10.1.2.3', 'n' || char(10) || 'm');",
            )
            .unwrap();
        let got = s.door().unwrap();
        assert_eq!(s.skipped(), 5 + 8 + 4 + 1);
        // A name the room would not give is dropped, the member kept.
        let nicks: Vec<Option<&str>> = got.members.iter().map(|m| m.nick.as_deref()).collect();
        assert_eq!(nicks, [None, None, None, Some("ana")]);
        assert_eq!(got.invitations.len(), 1);
        let kept = &got.invitations[0];
        assert_eq!(
            (kept.id, kept.uses_left, kept.expires_ms),
            (15, Some(u32::MAX), Some(MAX_NUMBER))
        );
        let ids: Vec<u32> = got.bans.iter().map(|b| b.id).collect();
        assert_eq!(ids, [5, 6]);
        // Shown as it is read: one line, no controls, bounded.
        let nick = &got.bans[0].nick;
        assert!(
            nick.starts_with("mal") && !nick.chars().any(char::is_control),
            "{nick:?}"
        );
        assert_eq!(got.bans[0].reason.len(), MAX_REASON_BYTES);
        assert_eq!(got.bans[1].reason, "\\x1b[31m");
        assert_eq!(got.bans[1].target, BanTarget::Address(ip("2001:db8:1:2::")));
        assert_eq!(got.mutes.len(), 1);
        assert_eq!(got.mutes[0].target, BanTarget::Address(ip("10.1.2.3")));
        assert!(!got.mutes[0].nick.contains('\n'));
    }

    #[test]
    fn a_million_rows_cost_no_more_than_the_door_keeps() {
        let mut s = in_memory();
        s.conn
            .execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
                 INSERT INTO bans SELECT i, 'key', unhex(printf('%064x', i)), 'x', '' FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
                 INSERT INTO members SELECT unhex(printf('%064x', i)), i, i, 'm' || i FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                 INSERT INTO invitations SELECT i, randomblob(32), 1, NULL FROM n;
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO mutes SELECT 'key', unhex(printf('%064x', i)), 'x' FROM n;",
            )
            .unwrap();
        let got = s.door().unwrap();
        // The newest, oldest first.
        assert_eq!(got.bans.len(), MAX_BANS);
        assert_eq!(got.bans[0].id, 1_000_001 - MAX_BANS as u32);
        assert_eq!(got.bans.last().unwrap().id, 1_000_000);
        assert_eq!(got.members.len(), MAX_MEMBERS);
        assert_eq!(got.members.last().unwrap().since_seq, 120_000);
        assert_eq!(got.invitations.len(), MAX_INVITES);
        assert_eq!(got.invitations.last().unwrap().id, 3000);
        assert_eq!(got.mutes.len(), MAX_MUTES);
        // The next write of each brings its table back within the bounds.
        let mut door = Door::new(Access::Invite, false);
        got.restore(&mut door);
        ban(&mut s, &mut door, BanTarget::Key(EVE), "eve", "");
        invite(&mut s, &mut door, "next", None, None);
        s.record(&[
            DoorChange::Admitted {
                key: ANA,
                nick: "ana",
                now_ms: NOW,
            },
            DoorChange::Muted(&Mute {
                target: BanTarget::Key(BOB),
                nick: "bob".into(),
            }),
        ])
        .unwrap();
        let count = |table: &str| -> usize {
            let n: i64 = s
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            usize::try_from(n).unwrap()
        };
        assert_eq!(count("bans"), MAX_BANS);
        assert_eq!(count("members"), MAX_MEMBERS);
        assert_eq!(count("invitations"), MAX_INVITES);
        assert_eq!(count("mutes"), MAX_MUTES);
        assert_eq!(s.door().unwrap().bans, door.bans());
        assert_eq!(s.door().unwrap().invitations, door.invitations());
    }

    #[test]
    fn the_stored_invitations_and_bans_stay_the_doors_past_its_bounds() {
        let mut s = in_memory();
        let mut door = Door::new(Access::Invite, false);
        for n in 0..MAX_INVITES + 10 {
            invite(&mut s, &mut door, &format!("code{n}"), Some(1), None);
        }
        // The newest used up, one expired: these go first, not the oldest.
        come_in(
            &mut s,
            &mut door,
            ANA,
            "ana",
            &format!("code{}", MAX_INVITES + 9),
            NOW,
        );
        invite(&mut s, &mut door, "expiring", None, Some(1));
        let later = NOW + 2 * HOUR;
        door.invite("late", None, None, later);
        s.record(&[DoorChange::Invited {
            invitation: door.invitations().last().unwrap(),
            now_ms: later,
        }])
        .unwrap();
        assert_eq!(door.invitations().len(), MAX_INVITES);
        assert_eq!(s.door().unwrap().invitations, door.invitations());
        // Bans, stored one by one as the host does.
        for n in 0..MAX_BANS as u32 + 5 {
            let mut k = [0u8; 32];
            k[..4].copy_from_slice(&n.to_be_bytes());
            ban(&mut s, &mut door, BanTarget::Key(k), "", "");
        }
        assert_eq!(door.bans().len(), MAX_BANS);
        assert_eq!(s.door().unwrap().bans, door.bans());
    }

    #[test]
    fn a_full_history_lets_its_oldest_messages_go_to_store_a_ban() {
        let mut s = Store::open(None, 1_000_000, u64::MAX, Some(256 * 1024)).unwrap();
        let big = "x".repeat(1000);
        let mut said = 0;
        loop {
            let out = s.append(
                &[NewMessage {
                    sender: 1,
                    nick: "ana".into(),
                    text: big.clone(),
                    ts: NOW,
                    client: None,
                    cid: None,
                }],
                2,
            );
            match out.into_iter().next().unwrap() {
                Ok(_) => said += 1,
                Err(e) => {
                    assert!(e.full, "{e}");
                    break;
                }
            }
            assert!(said < 1000, "the store never filled up");
        }
        let mut door = Door::new(Access::Invite, false);
        // Long reasons, so that the bans need pages of their own.
        for n in 0..20u8 {
            ban(
                &mut s,
                &mut door,
                BanTarget::Key([n; 32]),
                "eve",
                &"r".repeat(900),
            );
        }
        assert_eq!(s.door().unwrap().bans, door.bans());
        assert!(s.first_kept() > 1);
        assert_eq!(s.last_seq(), said);
        let kept = s.read(0, u64::MAX, 1000, usize::MAX).unwrap();
        assert_eq!(kept.last().unwrap().seq, said);
        assert_eq!(kept[0].seq, s.first_kept());
    }

    use super::super::tests::{contains, file_bytes};

    #[test]
    fn invitation_codes_are_nowhere_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.sqlite3");
        let mut door = Door::new(Access::Invite, false);
        let codes = [(); 3].map(|()| new_code().unwrap());
        let mut s = open(&file);
        for code in &codes {
            invite(&mut s, &mut door, code, Some(2), None);
        }
        come_in(&mut s, &mut door, ANA, "ana", &codes[0], NOW);
        let check = |bytes: &[u8]| {
            for code in &codes {
                let raw: Vec<u8> = (0..code.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&code[i..i + 2], 16).unwrap())
                    .collect();
                for secret in [code.as_bytes(), code.to_uppercase().as_bytes(), &raw] {
                    assert!(
                        !contains(bytes, secret),
                        "an invitation code is in the file"
                    );
                }
                // What is there is its hash (so the search does find things).
                assert!(contains(bytes, &code_hash(code)));
            }
        };
        check(&file_bytes(&file));
        drop(s);
        check(&file_bytes(&file));
    }
}
