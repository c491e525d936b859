//! Nicknames kept for keys: once a member with a key has had a nickname in
//! a room, the name is kept for that key for the life of the room, so that
//! nobody else can be `ana` after ana leaves. Another key (or a member
//! without one) asking for it gets it with the room's usual suffix.
//!
//! Bounded: at most [`MAX_RESERVED`] names are kept; past that the one
//! used longest ago is forgotten first. One key keeps at most
//! [`MAX_PER_KEY`] names (its latest), so a member renaming itself in a
//! loop cannot push everyone else's names out. This is the room's memory
//! of them; the store keeps each remembered key's latest name, and the
//! room gives it back here when it starts (see `room::entry`).

use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many nicknames a room keeps for keys at most.
pub(crate) const MAX_RESERVED: usize = 10_000;
/// How many nicknames one key keeps at most (its latest ones).
pub(crate) const MAX_PER_KEY: usize = 4;

/// The nicknames kept for keys, by nickname key ([`crate::net::nick::key`]).
#[derive(Debug)]
pub(crate) struct Reserved {
    /// Each kept name's key, and when it was last used.
    names: HashMap<String, ([u8; 32], u64)>,
    /// The kept names by when they were last used, oldest first.
    order: BTreeMap<u64, String>,
    /// Each key's kept names, oldest first (at most [`MAX_PER_KEY`]).
    by_key: HashMap<[u8; 32], VecDeque<(u64, String)>>,
    /// The next use's stamp.
    next: u64,
    /// How many names are kept at most.
    cap: usize,
}

impl Reserved {
    /// Keeps at most `cap` names.
    pub fn new(cap: usize) -> Self {
        Self {
            names: HashMap::new(),
            order: BTreeMap::new(),
            by_key: HashMap::new(),
            next: 0,
            cap,
        }
    }

    /// Whether the name `name` (a nickname key) is kept for a key other
    /// than `key` (for any key, when the one asking has none).
    pub fn kept_from(&self, name: &str, key: Option<&[u8; 32]>) -> bool {
        self.names
            .get(name)
            .is_some_and(|(holder, _)| Some(holder) != key)
    }

    /// Keeps `name` (a nickname key) for `key`, as its latest use. A name
    /// kept for another key stays that key's. Past the cap, the name used
    /// longest ago is forgotten.
    pub fn keep(&mut self, name: &str, key: &[u8; 32]) {
        if self.kept_from(name, Some(key)) || self.cap == 0 {
            return;
        }
        let stamp = self.next;
        self.next += 1;
        if let Some((_, old)) = self.names.insert(name.to_string(), (*key, stamp)) {
            self.order.remove(&old);
        }
        self.order.insert(stamp, name.to_string());
        // This key's names beyond its share: the one it used longest ago
        // goes.
        let own = self.by_key.entry(*key).or_default();
        own.retain(|(_, n)| n != name);
        own.push_back((stamp, name.to_string()));
        if own.len() > MAX_PER_KEY
            && let Some((at, n)) = own.pop_front()
        {
            self.order.remove(&at);
            self.names.remove(&n);
        }
        while self.names.len() > self.cap {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some((holder, _)) = self.names.remove(&oldest)
                && let Some(own) = self.by_key.get_mut(&holder)
            {
                own.retain(|(_, n)| *n != oldest);
                if own.is_empty() {
                    self.by_key.remove(&holder);
                }
            }
        }
    }

    /// How many names are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_for_its_key_only() {
        let mut r = Reserved::new(MAX_RESERVED);
        r.keep("ana", &[1; 32]);
        assert!(!r.kept_from("ana", Some(&[1; 32])), "its own key");
        assert!(r.kept_from("ana", Some(&[2; 32])), "another key");
        assert!(r.kept_from("ana", None), "no key");
        assert!(!r.kept_from("bo", None), "a name nobody used");
        // Another key cannot take it over.
        r.keep("ana", &[2; 32]);
        assert!(r.kept_from("ana", Some(&[2; 32])));
    }

    #[test]
    fn one_key_renaming_in_a_loop_keeps_only_its_latest_names() {
        let mut r = Reserved::new(MAX_RESERVED);
        r.keep("ana", &[1; 32]);
        for n in 0..MAX_RESERVED * 3 {
            r.keep(&format!("spam{n}"), &[2; 32]);
        }
        assert_eq!(r.len(), 1 + MAX_PER_KEY);
        assert!(r.kept_from("ana", None), "ana's name was not pushed out");
        let last = format!("spam{}", MAX_RESERVED * 3 - 1);
        assert!(r.kept_from(&last, None));
        assert!(!r.kept_from("spam0", None));
        // Used again, a name stays one of the key's latest.
        r.keep("ana", &[1; 32]);
        assert_eq!(r.by_key[&[1; 32]].len(), 1);
    }

    #[test]
    fn past_the_cap_the_name_used_longest_ago_is_forgotten() {
        let mut r = Reserved::new(3);
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            r.keep(name, &[u8::try_from(i).unwrap(); 32]);
        }
        // "a" is used again: "b" is now the oldest.
        r.keep("a", &[0; 32]);
        r.keep("d", &[9; 32]);
        assert_eq!(r.len(), 3);
        assert!(!r.kept_from("b", None), "the oldest is forgotten");
        for name in ["a", "c", "d"] {
            assert!(r.kept_from(name, None), "{name} is still kept");
        }
        // Nothing is left behind for the key whose name was forgotten.
        assert!(!r.by_key.contains_key(&[1; 32]));
        assert_eq!(r.by_key.values().map(VecDeque::len).sum::<usize>(), 3);
    }
}
