//! After the handshake: the connection's records as they pass, decoded
//! (and opened with the connection's own secrets) one by one, the last
//! [`KEEP`] of each direction kept. Every record is counted and opened,
//! kept or not, so that sequence numbers and KeyUpdates stay right however
//! long the connection lives; what is kept is bounded in records and, as a
//! record is at most 2^14 + 256 bytes, in bytes.
//!
//! [`start`] turns a finished recording into a [`Live`] and tells the
//! recorder to hand it every later byte, for as long as someone holds the
//! [`Live`] (the recorder holds it only weakly). Only connections that
//! were asked to be followed pay for it (a host's members are not, by
//! default), and only while they are shown: a host window keeps the last
//! few members it recorded, a headless host none.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{Direction, Handshake, Left, Note, Raw, Step, Walk, client_random, record_len, step};
use crate::net::keylog::Captured;
use crate::net::recorder::{Follow, Recorder};

/// How many records of each direction are kept.
pub const KEEP: usize = 64;

/// Called after each record is decoded (a window passes its repaint).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// How many members' connections a host records and follows at once: its window
/// shows the last 16 recorded, and a few more may wait on their way to it
/// (a window that is not drawn takes nothing in). Each followed
/// connection may keep 128 records of up to 16 KiB and their plaintext.
pub const MAX_FOLLOWED_MEMBERS: usize = 32;

/// How many connections may be followed at once, and how many are: a
/// [`Live`] holds a seat until it goes.
#[derive(Debug)]
pub struct Seats {
    max: usize,
    taken: AtomicUsize,
}

impl Seats {
    /// At most `max` followed at once.
    #[must_use]
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            taken: AtomicUsize::new(0),
        })
    }

    /// A seat, if one is free.
    fn take(self: &Arc<Self>) -> Option<Seat> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Seat(self.clone()))
    }
}

/// One followed connection's seat, given back when its [`Live`] goes.
#[derive(Debug)]
struct Seat(Arc<Seats>);

impl Drop for Seat {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One direction's records as they pass.
#[derive(Debug, Default)]
struct Lane {
    /// The start of a record not yet whole (at most one record).
    partial: Vec<u8>,
    /// The last [`KEEP`] records.
    kept: VecDeque<Arc<Step>>,
    /// Why this direction is no longer followed, if it is not.
    stopped: Option<Note>,
}

/// What is followed, behind the lock.
#[derive(Debug)]
struct Following {
    walk: Walk,
    to_host: Lane,
    to_member: Lane,
    /// Bumped at every record kept.
    changes: u64,
}

impl Following {
    fn lane(&mut self, d: Direction) -> &mut Lane {
        match d {
            Direction::ToHost => &mut self.to_host,
            Direction::ToMember => &mut self.to_member,
        }
    }

    /// Takes in bytes that went `direction`: every whole record is
    /// decoded; a record's start waits for the rest.
    fn feed(&mut self, direction: Direction, data: &[u8], at_us: u64) {
        let lane = self.lane(direction);
        if lane.stopped.is_some() {
            return;
        }
        let mut bytes = std::mem::take(&mut lane.partial);
        bytes.extend_from_slice(data);
        let mut at = 0;
        while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
            let len = match record_len(rest) {
                Ok(Some(len)) if rest.len() >= len => len,
                Ok(_) => break,
                Err(()) => {
                    self.lane(direction).stopped =
                        Some(crate::msg!("wire-note-live-garbage", dir = direction.label()).into());
                    return;
                }
            };
            let raw = Raw {
                direction,
                time_us: at_us,
                bytes: rest.get(..len).unwrap_or(rest),
            };
            let decoded = Arc::new(step(&mut self.walk, &raw));
            self.changes = self.changes.wrapping_add(1);
            let lane = self.lane(direction);
            if lane.kept.len() >= KEEP {
                lane.kept.pop_front();
            }
            lane.kept.push_back(decoded);
            at += len;
        }
        let rest = bytes.get(at..).unwrap_or(&[]).to_vec();
        self.lane(direction).partial = rest;
    }
}

/// One connection's records after its handshake, as they pass.
pub struct Live {
    state: Mutex<Following>,
    /// Whether the recorder's `sent` goes to the host.
    client_side: bool,
    wake: Option<Wake>,
    /// Its place among the connections followed at once, if they are
    /// counted.
    _seat: Option<Seat>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("client_side", &self.client_side)
            .finish_non_exhaustive()
    }
}

/// Two handles are equal when they are the same connection's.
impl PartialEq for Live {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Live {}

impl Live {
    fn lock(&self) -> std::sync::MutexGuard<'_, Following> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The records kept, both directions, in the order they went.
    #[must_use]
    pub fn records(&self) -> Vec<Arc<Step>> {
        let s = self.lock();
        let mut all: Vec<Arc<Step>> = s
            .to_host
            .kept
            .iter()
            .chain(&s.to_member.kept)
            .cloned()
            .collect();
        all.sort_by_key(|r| r.time_us);
        all
    }

    /// The records kept of one direction, oldest first.
    #[must_use]
    pub fn kept(&self, direction: Direction) -> Vec<Arc<Step>> {
        let mut s = self.lock();
        s.lane(direction).kept.iter().cloned().collect()
    }

    /// How many records went `direction` since the connection began (the
    /// handshake's included), kept or not.
    #[must_use]
    pub fn count(&self, direction: Direction) -> u64 {
        let mut s = self.lock();
        s.walk.side(direction).records
    }

    /// A number that changes whenever a record is added.
    #[must_use]
    pub fn changes(&self) -> u64 {
        self.lock().changes
    }

    /// Whether it still holds keys to open records with: while the
    /// connection lives; once it ended they are forgotten (the records
    /// already opened stay).
    #[must_use]
    pub fn holds_keys(&self) -> bool {
        let s = self.lock();
        s.walk.client.opener.is_some() || s.walk.server.opener.is_some()
    }

    /// Why a direction is no longer followed, if one is not.
    #[must_use]
    pub fn notes(&self) -> Vec<Note> {
        let s = self.lock();
        [&s.to_host.stopped, &s.to_member.stopped]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

impl Follow for Live {
    fn bytes(&self, sent: bool, data: &[u8], at_us: u64) {
        let direction = if sent == self.client_side {
            Direction::ToHost
        } else {
            Direction::ToMember
        };
        let before = self.changes();
        self.lock().feed(direction, data, at_us);
        if let Some(wake) = &self.wake
            && self.changes() != before
        {
            wake();
        }
    }

    /// The connection ended: no record will come to open, so its traffic
    /// secrets and keys are not kept a moment longer.
    fn ended(&self) {
        let mut s = self.lock();
        s.walk.client.opener = None;
        s.walk.server.opener = None;
        s.walk.secrets = crate::net::keylog::ConnectionSecrets::default();
    }
}

/// A finished recording: the handshake, and the records after it if they
/// are followed.
#[derive(Debug)]
pub struct Recorded {
    /// The handshake (and whatever records the recording held after it).
    pub handshake: Handshake,
    /// The records from here on, when followed.
    pub live: Option<Arc<Live>>,
}

/// Ends `recorder`'s recording of a handshake: decodes it with the
/// secrets `captured` kept for it and, when `captured` keeps application
/// secrets (the connection is followed), tells the recorder to hand every
/// later byte to a [`Live`]. With `seats`, only while one is free: a host
/// follows at most so many members at once, and past them (a window that
/// is not drawn takes nothing in) it records nothing, so that what waits
/// for the window stays bounded. `client_side`: we were the TLS client.
/// `None` when the recorder recorded nothing, or no seat was free.
pub fn start<S>(
    recorder: &mut Recorder<S>,
    client_side: bool,
    captured: &Captured,
    wake: Option<Wake>,
    seats: Option<&Arc<Seats>>,
) -> Option<Recorded> {
    let tape = recorder.finish()?;
    let hello = if client_side {
        &tape.sent
    } else {
        &tape.received
    };
    // Taken (out of the capture) even when not used: kept nowhere.
    let secrets = client_random(hello).and_then(|r| captured.take(&r));
    let seat = match seats {
        Some(seats) => Some(seats.take()?),
        None => None,
    };
    let following = captured.is_following();
    let (handshake, left) = super::walk_tape(&tape, client_side, secrets.as_ref(), following);
    let Left {
        walk,
        to_host,
        to_member,
    } = left;
    let live = following.then(|| {
        let lane = |partial: Option<Vec<u8>>, d: Direction| Lane {
            stopped: partial
                .is_none()
                .then(|| crate::msg!("wire-note-live-unaligned", dir = d.label()).into()),
            partial: partial.unwrap_or_default(),
            kept: VecDeque::new(),
        };
        let live = Arc::new(Live {
            state: Mutex::new(Following {
                walk,
                to_host: lane(to_host, Direction::ToHost),
                to_member: lane(to_member, Direction::ToMember),
                changes: 0,
            }),
            client_side,
            wake,
            _seat: seat,
        });
        let follower: Arc<dyn crate::net::recorder::Follow> = live.clone();
        recorder.follow(&follower);
        live
    });
    Some(Recorded { handshake, live })
}
