//! `join --headless --show-handshake`, after the handshake: each record of
//! the connection as it passes (chat lines, session tickets, KeyUpdates),
//! printed on stderr as the window's "On the wire" shows it — its title
//! (sequence number, size, what it decrypted to) and its fields — in the
//! terminal's language, every value made visible.
//!
//! The records are decoded on the net thread ([`Live`], which keeps the
//! last few of each direction); a thread of this module prints the new
//! ones each time the net thread wakes it, and the session prints what is
//! left when it ends. Records that went by faster than they could be
//! printed (past what [`Live`] keeps) are counted, not printed.

use std::io::Write as _;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::net::Waker;
use crate::net::safe_text::visible_line as shown;
use crate::net::wire::live::{KEEP, Live};
use crate::net::wire::{Direction, render};
use crate::tr;

/// The records of the connection followed, and what of them was printed.
#[derive(Debug, Default)]
struct Printed {
    /// The connection's records (a reconnection brings another).
    live: Option<Arc<Live>>,
    /// The index of the next record to print, each way (to the host, to
    /// the member); `None` until the first one.
    next: [Option<u64>; 2],
    /// How many of the connection's notes were printed.
    notes: usize,
}

/// Prints the followed connection's records as they pass.
#[derive(Debug, Default)]
pub(super) struct Records {
    printed: Mutex<Printed>,
    /// Whether the net thread woke us since we last looked (apart from
    /// `printed`: a slow stderr never holds up the net thread).
    poked: Mutex<bool>,
    poke: Condvar,
}

fn lane(d: Direction) -> usize {
    match d {
        Direction::ToHost => 0,
        Direction::ToMember => 1,
    }
}

impl Records {
    /// Starts the thread that prints the records each time it is woken.
    pub(super) fn start() -> Arc<Self> {
        let records = Arc::new(Self::default());
        let printer = records.clone();
        let spawned = std::thread::Builder::new()
            .name("tlschat-records".into())
            .spawn(move || {
                loop {
                    printer.wait();
                    printer.print_new();
                }
            });
        if let Err(e) = spawned {
            // Without it the records are printed at the session's end.
            tracing::warn!("cannot start the thread that prints records: {e}");
        }
        records
    }

    /// What the net thread calls after each event and each record.
    pub(super) fn waker(self: &Arc<Self>) -> Waker {
        let me = self.clone();
        Arc::new(move || {
            *me.poked.lock().unwrap_or_else(PoisonError::into_inner) = true;
            me.poke.notify_one();
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Printed> {
        self.printed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait(&self) {
        let mut poked = self.poked.lock().unwrap_or_else(PoisonError::into_inner);
        while !*poked {
            poked = self
                .poke
                .wait(poked)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *poked = false;
    }

    /// Follows a new connection's records (printed after its handshake).
    pub(super) fn follow(&self, live: Arc<Live>) {
        {
            let mut p = self.lock();
            *p = Printed {
                live: Some(live),
                ..Printed::default()
            };
            eprintln!("--- {} ---", tr!("wire-headless-after", keep = KEEP));
        }
        self.print_new();
    }

    /// Prints the records that came since the last call (under the lock:
    /// one record's lines stay together).
    pub(super) fn print_new(&self) {
        let mut p = self.lock();
        let lines = new_lines(&mut p);
        if lines.is_empty() {
            return;
        }
        let mut err = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// The lines of the records (and notes) not printed yet; marks them
/// printed.
fn new_lines(p: &mut Printed) -> Vec<String> {
    let Some(live) = p.live.clone() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for step in live.records() {
        let next = &mut p.next[lane(step.direction)];
        if next.is_some_and(|n| step.index < n) {
            continue;
        }
        if let Some(missed) = next
            .map(|n| step.index.saturating_sub(n))
            .filter(|m| *m > 0)
        {
            out.push(tr!(
                "wire-headless-missed",
                dir = step.direction.arrow(),
                count = missed,
                keep = KEEP
            ));
        }
        *next = Some(step.index.saturating_add(1));
        out.extend(render::step_lines(&step, false));
    }
    let notes = live.notes();
    for note in notes.iter().skip(p.notes) {
        out.push(format!("note: {}", shown(&note.text())));
    }
    p.notes = notes.len();
    out
}
