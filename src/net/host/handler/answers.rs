//! The answers for one member (errors, roster pages, notices), on their
//! way from the half that reads its connection to the half that writes
//! it: a small bounded queue with one sender and one receiver. tokio's
//! channel did this for about 800 bytes a member (its shared state is
//! cache-padded, and it allocates 32 slots when it is made); this queue
//! costs about 150 bytes while it is empty, which it almost always is, and
//! gives back what a burst of answers took once they are written.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::net::frame::ServerFrame;

/// What both ends share.
#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the receiver: an answer came, or the sender is gone.
    to_writer: Notify,
    /// Wakes the sender: there is room again, or the receiver is gone.
    to_reader: Notify,
    /// The most answers that may wait.
    bound: usize,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<ServerFrame>,
    /// One end is gone.
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Each change is one push, pop or flag: a panic cannot leave the
        // queue half changed.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The reading half's end: it queues answers.
#[derive(Debug)]
pub(super) struct Sender(Arc<Shared>);

/// The writing half's end: it takes them.
#[derive(Debug)]
pub(super) struct Receiver(Arc<Shared>);

/// The other end is gone.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Closed;

/// A queue of at most `bound` answers (at least one).
pub(super) fn answers(bound: usize) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue::default()),
        to_writer: Notify::new(),
        to_reader: Notify::new(),
        bound: bound.max(1),
    });
    (Sender(shared.clone()), Receiver(shared))
}

impl Sender {
    /// Queues `frame`, waiting while the queue is full; `Err` when the
    /// receiver is gone. Boxed while it runs: the reading half's future
    /// (in every member's task) keeps a pointer, not an answer and a
    /// waiter.
    pub(super) fn send(
        &self,
        frame: ServerFrame,
    ) -> Pin<Box<impl Future<Output = Result<(), Closed>> + '_>> {
        Box::pin(self.queue(frame))
    }

    async fn queue(&self, frame: ServerFrame) -> Result<(), Closed> {
        loop {
            // (A wake-up that comes between the check and the wait is
            // kept by the Notify, so none is lost.)
            {
                let mut queue = self.0.lock();
                if queue.closed {
                    return Err(Closed);
                }
                if queue.frames.len() < self.0.bound {
                    queue.frames.push_back(frame);
                    drop(queue);
                    self.0.to_writer.notify_one();
                    return Ok(());
                }
            }
            self.0.to_reader.notified().await;
        }
    }
}

impl Receiver {
    /// The next answer, waiting for one; `None` once the sender is gone
    /// and every answer it queued was taken. Cancel-safe.
    pub(super) async fn recv(&mut self) -> Option<ServerFrame> {
        loop {
            if let Some(frame) = self.try_recv() {
                return Some(frame);
            }
            {
                // (What the sender queued just before it went is still
                // taken.)
                let queue = self.0.lock();
                if !queue.frames.is_empty() {
                    continue;
                }
                if queue.closed {
                    return None;
                }
            }
            self.0.to_writer.notified().await;
        }
    }

    /// The next answer if one is queued. The queue's memory is given back
    /// when the last is taken.
    pub(super) fn try_recv(&mut self) -> Option<ServerFrame> {
        let mut queue = self.0.lock();
        let frame = queue.frames.pop_front()?;
        if queue.frames.is_empty() {
            queue.frames = VecDeque::new();
        }
        drop(queue);
        self.0.to_reader.notify_one();
        Some(frame)
    }

    /// The answers' memory the queue holds now (0 while it is empty).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.0.lock().frames.capacity()
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.to_writer.notify_one();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.to_reader.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(n: usize) -> ServerFrame {
        ServerFrame::Notice {
            text: format!("answer {n}"),
        }
    }

    /// Whether `f` is still pending after one poll.
    async fn pending<F: std::future::Future>(f: F) -> bool {
        tokio::select! {
            biased;
            _ = f => false,
            () = std::future::ready(()) => true,
        }
    }

    #[tokio::test]
    async fn answers_come_out_in_order_and_the_sender_waits_while_it_is_full() {
        let (tx, mut rx) = answers(3);
        for n in 0..3 {
            tx.send(notice(n)).await.unwrap();
        }
        assert!(
            pending(tx.send(notice(9))).await,
            "a full queue makes it wait"
        );
        let send = tx.send(notice(3));
        tokio::pin!(send);
        assert!(pending(&mut send).await);
        assert_eq!(rx.recv().await, Some(notice(0)));
        send.await.unwrap();
        for n in 1..4 {
            assert_eq!(rx.try_recv(), Some(notice(n)));
        }
        assert_eq!(rx.try_recv(), None);
        assert!(pending(rx.recv()).await, "nothing queued: it waits");
    }

    #[tokio::test]
    async fn the_receiver_gets_the_rest_then_none_and_a_sender_alone_is_told() {
        let (tx, mut rx) = answers(8);
        tx.send(notice(1)).await.unwrap();
        let waiting = tokio::spawn(async move { (rx.recv().await, rx.recv().await, rx) });
        drop(tx);
        let (first, end, rx) = waiting.await.unwrap();
        assert_eq!((first, end), (Some(notice(1)), None));
        let (tx, _) = {
            let (tx, rx2) = answers(1);
            drop(rx2);
            (tx, rx)
        };
        assert_eq!(tx.send(notice(2)).await, Err(Closed));
    }

    #[tokio::test]
    async fn an_empty_queue_holds_nothing_after_a_burst() {
        let (tx, mut rx) = answers(8);
        assert_eq!(rx.held(), 0);
        for n in 0..8 {
            tx.send(notice(n)).await.unwrap();
        }
        assert!(rx.held() >= 8);
        while rx.try_recv().is_some() {}
        assert_eq!(rx.held(), 0);
    }
}
