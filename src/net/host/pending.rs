//! What a member's writer has queued, in order: the room's items, whose
//! bytes the room encoded once per dialect and every member's writer
//! shares (the batches are reference-counted: nothing is copied per
//! member), and the bytes for this member alone (its greeting and replay,
//! its acknowledgements, answers to it). They go out in one vectored write,
//! which TLS cuts into records as if they were one buffer.

use std::io::IoSlice;
use std::sync::Arc;

use crate::net::frame::ServerFrame;
use crate::net::protocol::{Dialect, encode_server};
use crate::net::room::Batch;

/// Above this many parts (or batches held), their lists are not kept
/// between bursts: an idle member keeps a few dozen bytes for them.
const IDLE_PARTS: usize = 8;

/// One run of queued bytes.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// The shared bytes of item `item` of `Pending::batches[batch]`, in
    /// the member's dialect.
    Shared { batch: usize, item: usize },
    /// `Pending::own[start..end]`.
    Own { start: usize, end: usize },
}

/// A member's queued output; see the module's documentation.
#[derive(Debug)]
pub(super) struct Pending {
    /// The member it is for (the room's items are seen as it sees them).
    me: u64,
    /// The dialect it reads.
    dialect: Dialect,
    /// The batches that shared parts are in, held until written.
    batches: Vec<Arc<Batch>>,
    /// What to write, in order.
    parts: Vec<Part>,
    /// The bytes for this member alone.
    own: Vec<u8>,
    /// How many bytes are queued in all.
    len: usize,
}

impl Pending {
    /// Member `me`'s queue, in `dialect`, starting with `own` (its
    /// greeting).
    pub(super) fn new(me: u64, dialect: Dialect, own: Vec<u8>) -> Self {
        let mut pending = Self {
            me,
            dialect,
            batches: Vec::new(),
            parts: Vec::new(),
            own: Vec::new(),
            len: 0,
        };
        pending.own_bytes(|out| *out = own);
        pending
    }

    /// How many bytes are queued.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The memory the queue holds: its own buffer, and the shared bytes it
    /// keeps alive (counted in full: the feed may have let them go).
    pub(super) fn held(&self) -> usize {
        self.own.capacity().max(self.own.len()) + self.len - self.own.len()
    }

    /// Queues a frame for this member alone.
    pub(super) fn encode(&mut self, frame: &ServerFrame) {
        let dialect = self.dialect;
        self.own_bytes(|out| encode_server(frame, dialect, out));
    }

    /// Queues what `write` appends to this member's own bytes.
    fn own_bytes(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.own.len();
        write(&mut self.own);
        let end = self.own.len();
        if end <= start {
            return;
        }
        self.len += end - start;
        match self.parts.last_mut() {
            Some(Part::Own { end: last, .. }) if *last == start => *last = end,
            _ => self.parts.push(Part::Own { start, end }),
        }
    }

    /// Queues a batch of the room's feed as this member sees it: the
    /// shared bytes where it gets what everyone gets, its own otherwise.
    pub(super) fn push_batch(&mut self, batch: Arc<Batch>) {
        let at = self.batches.len();
        let mut shared = false;
        for (i, item) in batch.0.iter().enumerate() {
            match item.shared_for(self.me, self.dialect) {
                Some(bytes) if !bytes.is_empty() => {
                    self.len += bytes.len();
                    self.parts.push(Part::Shared { batch: at, item: i });
                    shared = true;
                }
                Some(_) => {}
                None => {
                    let (me, dialect) = (self.me, self.dialect);
                    self.own_bytes(|out| item.render_own(me, dialect, out));
                }
            }
        }
        if shared {
            self.batches.push(batch);
        }
    }

    /// The queued bytes, in order, for one vectored write.
    pub(super) fn slices(&self) -> Vec<IoSlice<'_>> {
        self.parts
            .iter()
            .map(|part| match *part {
                Part::Shared { batch, item } => {
                    let item = &self.batches[batch].0[item];
                    // A part is only made for shared bytes (`push_batch`).
                    IoSlice::new(item.shared_for(self.me, self.dialect).unwrap_or_default())
                }
                Part::Own { start, end } => IoSlice::new(&self.own[start..end]),
            })
            .collect()
    }

    /// Empties the queue once it is written. Buffers grown by a burst are
    /// not kept for the connection's life: the own bytes go back to
    /// `idle_buffer`.
    pub(super) fn written(&mut self, idle_buffer: usize) {
        self.batches.clear();
        self.parts.clear();
        self.own.clear();
        self.len = 0;
        if self.own.capacity() > idle_buffer {
            self.own = Vec::with_capacity(idle_buffer);
        }
        if self.parts.capacity() > IDLE_PARTS {
            self.parts = Vec::new();
        }
        if self.batches.capacity() > IDLE_PARTS {
            self.batches = Vec::new();
        }
    }

    /// Drops whatever is queued, and the buffers with it.
    pub(super) fn drop_all(&mut self) {
        *self = Self::new(self.me, self.dialect, Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::room::{Item, ItemKind, Said};

    fn item(from: u64, kind: ItemKind, json: &str, plain: &str) -> Item {
        Item {
            from,
            kind,
            json: json.as_bytes().to_vec(),
            plain: plain.as_bytes().to_vec(),
        }
    }

    fn said(id: &str) -> Said {
        Said {
            client_id: Some(id.into()),
            seq: 5,
            ts: 6,
            text: "mine".into(),
            refused: None,
        }
    }

    fn joined(pending: &Pending) -> Vec<u8> {
        pending.slices().iter().flat_map(|s| s.to_vec()).collect()
    }

    #[test]
    fn shared_bytes_are_sent_as_they_are_and_own_bytes_in_between() {
        let batch = Arc::new(Batch(vec![
            item(1, ItemKind::Other, "{a}\n", "a\n"),
            item(
                7,
                ItemKind::Msgs(vec![said("x")]),
                "{mine}\n",
                "<me> mine\n",
            ),
            item(2, ItemKind::Private, "{private}\n", "private\n"),
            item(3, ItemKind::Other, "{b}\n", ""),
        ]));
        let mut json = Pending::new(7, Dialect::Json, b"hello\n".to_vec());
        json.push_batch(batch.clone());
        json.encode(&ServerFrame::HistoryEnd);
        let out = String::from_utf8(joined(&json)).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[..2], ["hello", "{a}"]);
        assert!(lines[2].contains("\"type\":\"ack\""), "{out}");
        assert_eq!(lines[3], "{b}");
        assert!(lines[4].contains("history_end"), "{out}");
        assert_eq!(lines.len(), 5, "{out}");
        assert_eq!(json.len(), out.len());
        // The shared bytes are the room's own, not a copy.
        let slices = json.slices();
        assert_eq!(slices[1].as_ptr(), batch.0[0].json.as_ptr());
        assert_eq!(slices[3].as_ptr(), batch.0[3].json.as_ptr());

        // A plain sender gets nothing back; empty shared bytes are skipped.
        let mut plain = Pending::new(7, Dialect::Plain, Vec::new());
        plain.push_batch(batch.clone());
        assert_eq!(joined(&plain), b"a\n");
        assert_eq!(plain.slices().len(), 1);

        json.written(1024);
        assert!(json.is_empty());
        assert!(json.slices().is_empty());
        // Written, the batch is no longer held.
        plain.drop_all();
        assert_eq!(Arc::strong_count(&batch), 1);
    }
}
