//! Who may come in: handshakes in progress and members are capped in
//! total, per address and per network ([`HostLimits`]). Over a handshake
//! cap a connection is closed at once; when the handshake slots are full
//! the address holding the most makes room ([`Handshakes::victim`]), so a
//! flood from a few addresses cannot keep a member out. A member slot is
//! asked for once the handshake is done ([`Admission::member`]), so a full
//! room can say so.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::net::command::HostLimits;

// The key an address is counted under: IPv4 addresses as they are, IPv6
// addresses by their /64 network (one machine usually has a whole one),
// as the door bans them.
use crate::net::door::network as address_key;

/// The wider network an address is also counted under: an IPv6 /48 (what
/// one site is usually given, so one holder cannot fill the room from many
/// /64s); an IPv4 address is its own network.
fn network_key(ip: IpAddr) -> IpAddr {
    match address_key(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// A network's caps are this many times an address's.
const NETWORK_FACTOR: usize = 4;

#[derive(Debug, Default)]
struct Counts {
    handshakes: usize,
    members: usize,
}

#[derive(Debug, Default)]
struct Tally {
    total: Counts,
    by_address: HashMap<IpAddr, Counts>,
    by_network: HashMap<IpAddr, Counts>,
    handshakes: Handshakes,
}

impl Tally {
    /// Counts a place of `kind` for `key` in `network`.
    fn count(&mut self, key: IpAddr, network: IpAddr, kind: Kind) {
        *kind.count(&mut self.total) += 1;
        *kind.count(self.by_address.entry(key).or_default()) += 1;
        *kind.count(self.by_network.entry(network).or_default()) += 1;
    }

    /// Gives back a place [`Tally::count`] counted.
    fn uncount(&mut self, key: IpAddr, network: IpAddr, kind: Kind) {
        let total = kind.count(&mut self.total);
        *total = total.saturating_sub(1);
        for (map, key) in [(&mut self.by_address, key), (&mut self.by_network, network)] {
            if let Some(c) = map.get_mut(&key) {
                let n = kind.count(c);
                *n = n.saturating_sub(1);
                if c.members == 0 && c.handshakes == 0 {
                    map.remove(&key);
                }
            }
        }
    }
}

/// Cancels a handshake in progress when sent, or dropped.
type Cancel = tokio::sync::oneshot::Sender<()>;

/// The handshakes in progress, each with the means to cancel it: by
/// address, in the order they began, and the addresses ranked by how many
/// they hold, overall and within each network. Finding the handshake to
/// evict, adding one and removing one are O(log n); it holds one entry
/// per handshake slot taken, so never more than the handshake cap.
#[derive(Debug, Default)]
struct Handshakes {
    /// The number the next handshake gets: numbers grow as handshakes
    /// begin, so an address's smallest is its oldest.
    next: u64,
    by_address: HashMap<IpAddr, BTreeMap<u64, Cancel>>,
    ranked: BTreeSet<Rank>,
    ranked_in: HashMap<IpAddr, BTreeSet<Rank>>,
}

/// Where an address stands when a handshake must make room: by how many
/// handshakes it holds, then by how early its oldest began. The greatest
/// is the one evicted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    held: usize,
    oldest: Reverse<u64>,
    key: IpAddr,
}

impl Handshakes {
    fn held(&self, key: IpAddr) -> usize {
        self.by_address.get(&key).map_or(0, BTreeMap::len)
    }

    fn rank(&self, key: IpAddr) -> Option<Rank> {
        let open = self.by_address.get(&key)?;
        let (&oldest, _) = open.first_key_value()?;
        Some(Rank {
            held: open.len(),
            oldest: Reverse(oldest),
            key,
        })
    }

    /// Changes `key`'s handshakes with `change`, and ranks it again.
    fn change<T>(
        &mut self,
        key: IpAddr,
        change: impl FnOnce(&mut BTreeMap<u64, Cancel>) -> T,
    ) -> T {
        let network = network_key(key);
        if let Some(before) = self.rank(key) {
            self.ranked.remove(&before);
            if let Some(set) = self.ranked_in.get_mut(&network) {
                set.remove(&before);
            }
        }
        let open = self.by_address.entry(key).or_default();
        let out = change(open);
        if open.is_empty() {
            self.by_address.remove(&key);
        }
        match self.rank(key) {
            Some(now) => {
                self.ranked.insert(now);
                self.ranked_in.entry(network).or_default().insert(now);
            }
            None => {
                if self.ranked_in.get(&network).is_some_and(BTreeSet::is_empty) {
                    self.ranked_in.remove(&network);
                }
            }
        }
        out
    }

    /// Registers a handshake from `key`; returns its number and what tells
    /// it that it was evicted.
    fn add(&mut self, key: IpAddr) -> (u64, tokio::sync::oneshot::Receiver<()>) {
        let id = self.next;
        // 2^64 handshakes would take half a million years at a million a second.
        self.next = self.next.saturating_add(1);
        let (cancel, cancelled) = tokio::sync::oneshot::channel();
        self.change(key, |open| open.insert(id, cancel));
        (id, cancelled)
    }

    /// Takes handshake `id` of `key` off the books; `None` if it was not
    /// on them (evicted already).
    fn remove(&mut self, key: IpAddr, id: u64) -> Option<Cancel> {
        self.change(key, |open| open.remove(&id))
    }

    /// The handshake to evict so that a newcomer from `key` can begin one:
    /// the oldest of the address holding the most (within `network` when
    /// given), and only if that address holds at least two more than the
    /// newcomer's. So an eviction never leaves the newcomer's address
    /// holding more than the one it took from: a flooder's addresses do
    /// not evict each other back and forth, and an address holding less
    /// than the most — a real member's, while flooders hold more — never
    /// loses a handshake.
    fn victim(&self, key: IpAddr, network: Option<IpAddr>) -> Option<(IpAddr, u64)> {
        let ranked = match network {
            Some(n) => self.ranked_in.get(&n)?,
            None => &self.ranked,
        };
        let top = ranked.last()?;
        (self.held(key) + 2 <= top.held).then_some((top.key, top.oldest.0))
    }
}

/// Why a member is refused a place (one line, for that member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum Refused {
    /// The room has this many members, its most.
    #[error("the room is full ({0} members); try again later")]
    Full(usize),
    /// The member's address has this many members, its most.
    #[error("too many members from your address ({0}); close one of them first")]
    Address(usize),
    /// The member's network has this many members, its most.
    #[error("too many members from your network ({0}); close some of them first")]
    Network(usize),
}

/// Who may come in: counts handshakes in progress and members, in total,
/// per address and per network, against the room's [`HostLimits`].
#[derive(Debug)]
pub(super) struct Admission {
    limits: HostLimits,
    tally: Mutex<Tally>,
}

impl Admission {
    /// Nobody in yet, under `limits`.
    pub(super) fn new(limits: HostLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            tally: Mutex::new(Tally::default()),
        })
    }
}

/// What a slot holds a place for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Member,
    /// A handshake, by its number in [`Handshakes`].
    Handshake(u64),
}

impl Kind {
    /// Its count in `c`.
    fn count(self, c: &mut Counts) -> &mut usize {
        match self {
            Self::Member => &mut c.members,
            Self::Handshake(_) => &mut c.handshakes,
        }
    }
}

/// A place taken (a handshake slot or a member slot), given back on drop.
#[derive(Debug)]
pub(super) struct Slot {
    admission: Arc<Admission>,
    key: IpAddr,
    network: IpAddr,
    kind: Kind,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut guard = self.admission.lock();
        let tally = &mut *guard;
        if let Kind::Handshake(id) = self.kind
            && tally.handshakes.remove(self.key, id).is_none()
        {
            // Evicted: its place was given back then.
            return;
        }
        tally.uncount(self.key, self.network, self.kind);
    }
}

/// A handshake slot given to a connection.
#[derive(Debug)]
pub(super) struct Admitted {
    pub slot: Slot,
    /// Fires (or closes) when the handshake is evicted to make room for
    /// another: the connection is then to be closed.
    pub evicted: tokio::sync::oneshot::Receiver<()>,
    /// The address whose handshake was evicted to make room for this one.
    pub displaced: Option<IpAddr>,
}

impl Admission {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        // Counting is a few additions: a panic cannot leave it half done.
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A handshake slot for a connection from `ip`. None when its address
    /// is at its cap. When the slots are full, in total or for its
    /// network, the oldest handshake of the address holding the most
    /// (within the network, if that is what is full) is evicted to make
    /// room, if that address holds at least two more than `ip`'s (see
    /// [`Handshakes::victim`]); otherwise none.
    pub(super) fn handshake(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let l = self.limits;
        let (key, network) = (address_key(ip), network_key(ip));
        let mut guard = self.lock();
        let tally = &mut *guard;
        let held = |map: &HashMap<IpAddr, Counts>, k| map.get(&k).map_or(0, |c| c.handshakes);
        if held(&tally.by_address, key) >= l.max_handshakes_per_address {
            return None;
        }
        let network_full =
            held(&tally.by_network, network) >= NETWORK_FACTOR * l.max_handshakes_per_address;
        let mut displaced = None;
        if network_full || tally.total.handshakes >= l.max_handshakes {
            // Making room in the network makes room in the total too.
            let (victim, id) = tally
                .handshakes
                .victim(key, network_full.then_some(network))?;
            if let Some(cancel) = tally.handshakes.remove(victim, id) {
                let _ = cancel.send(());
            }
            tally.uncount(victim, network_key(victim), Kind::Handshake(id));
            displaced = Some(victim);
        }
        let (id, evicted) = tally.handshakes.add(key);
        let kind = Kind::Handshake(id);
        tally.count(key, network, kind);
        drop(guard);
        Some(Admitted {
            // Made only once counted: dropping it gives back what it took.
            slot: Slot {
                admission: self.clone(),
                key,
                network,
                kind,
            },
            evicted,
            displaced,
        })
    }

    /// A member slot for `ip`, or why there is none.
    pub(super) fn member(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refused> {
        let l = self.limits;
        let (key, network) = (address_key(ip), network_key(ip));
        let mut guard = self.lock();
        let tally = &mut *guard;
        let none = Counts::default();
        let here = tally.by_address.get(&key).unwrap_or(&none);
        let there = tally.by_network.get(&network).unwrap_or(&none);
        if tally.total.members >= l.max_members {
            return Err(Refused::Full(l.max_members));
        }
        if here.members >= l.max_members_per_address {
            return Err(Refused::Address(l.max_members_per_address));
        }
        if there.members >= NETWORK_FACTOR * l.max_members_per_address {
            return Err(Refused::Network(NETWORK_FACTOR * l.max_members_per_address));
        }
        tally.count(key, network, Kind::Member);
        drop(guard);
        // Made only once counted: dropping it gives back what it took.
        Ok(Slot {
            admission: self.clone(),
            key,
            network,
            kind: Kind::Member,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_per_machine_and_slots_come_back() {
        let v6 = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(v6("2001:db8:1:2:aaaa::1"), v6("2001:db8:1:2:bbbb::2"));
        assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
        assert_eq!(v6("::ffff:127.0.0.1"), v6("127.0.0.1"));
        let admission = Arc::new(Admission {
            limits: HostLimits {
                max_members: 3,
                max_members_per_address: 2,
                max_handshakes: 3,
                max_handshakes_per_address: 2,
                ..HostLimits::default()
            },
            tally: Mutex::new(Tally::default()),
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let h1 = admission.handshake(a).unwrap();
        let _h2 = admission.handshake(a).unwrap();
        assert!(admission.handshake(a).is_none(), "per address");
        let _h3 = admission.handshake(b).unwrap();
        assert!(admission.handshake(b).is_none(), "in total");
        drop(h1);
        assert!(admission.handshake(b).is_some(), "a slot came back");
        let _m1 = admission.member(a).unwrap();
        let m2 = admission.member(a).unwrap();
        assert_eq!(admission.member(a).unwrap_err(), Refused::Address(2));
        let _m3 = admission.member(b).unwrap();
        assert_eq!(admission.member(b).unwrap_err(), Refused::Full(3));
        drop(m2);
        assert!(admission.member(b).is_ok());
    }

    #[test]
    fn an_ipv6_site_cannot_fill_the_room_from_many_64s() {
        let admission = Arc::new(Admission {
            limits: HostLimits {
                max_members: 1000,
                max_members_per_address: 2,
                max_handshakes: 1000,
                max_handshakes_per_address: 1,
                ..HostLimits::default()
            },
            tally: Mutex::new(Tally::default()),
        });
        let ip = |n: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, n, 0, 0, 0, 1));
        // Four /64s of one /48 get two members each, the fifth none.
        let held: Vec<Slot> = (0..4)
            .flat_map(|n| {
                [
                    admission.member(ip(n)).unwrap(),
                    admission.member(ip(n)).unwrap(),
                ]
            })
            .collect();
        assert_eq!(admission.member(ip(4)).unwrap_err(), Refused::Network(8));
        // Another /48 is another site.
        let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 8, 0, 0, 0, 0, 1));
        assert!(admission.member(other).is_ok());
        // Handshakes likewise: one per /64, four per /48.
        let shakes: Vec<Admitted> = (10..14)
            .map(|n| admission.handshake(ip(n)).unwrap())
            .collect();
        assert!(admission.handshake(ip(14)).is_none());
        drop(shakes);
        assert!(admission.handshake(ip(14)).is_some());
        drop(held);
        assert!(admission.member(ip(4)).is_ok(), "places come back");
        // IPv4 addresses are not grouped.
        let v4 = |n: u8| IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n));
        let _v4: Vec<Slot> = (0..10).map(|n| admission.member(v4(n)).unwrap()).collect();
    }

    fn admission(max_handshakes: usize, max_handshakes_per_address: usize) -> Arc<Admission> {
        Arc::new(Admission {
            limits: HostLimits {
                max_members: 1000,
                max_members_per_address: 1000,
                max_handshakes,
                max_handshakes_per_address,
                ..HostLimits::default()
            },
            tally: Mutex::new(Tally::default()),
        })
    }

    fn v4(n: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n))
    }

    /// Whether this handshake was told to make room.
    fn was_evicted(a: &mut Admitted) -> bool {
        !matches!(
            a.evicted.try_recv(),
            Err(tokio::sync::oneshot::error::TryRecvError::Empty)
        )
    }

    /// The books agree with themselves, and hold one entry per handshake.
    fn check_books(admission: &Admission) {
        let t = admission.lock();
        let h = &t.handshakes;
        let open: usize = h.by_address.values().map(BTreeMap::len).sum();
        assert_eq!(open, t.total.handshakes);
        assert!(open <= admission.limits.max_handshakes);
        assert!(h.by_address.values().all(|o| !o.is_empty()));
        assert_eq!(h.ranked.len(), h.by_address.len());
        assert_eq!(
            h.ranked_in.values().map(BTreeSet::len).sum::<usize>(),
            h.ranked.len()
        );
        assert!(h.ranked_in.values().all(|r| !r.is_empty()));
        for (key, o) in &h.by_address {
            assert_eq!(t.by_address[key].handshakes, o.len());
            assert!(h.ranked.contains(&h.rank(*key).unwrap()));
        }
    }

    #[test]
    fn full_handshakes_make_room_from_the_oldest_of_the_biggest_holder() {
        let admission = admission(8, 4);
        let (a, b, c) = (v4(1), v4(2), v4(3));
        let mut from_a: Vec<_> = (0..4).map(|_| admission.handshake(a).unwrap()).collect();
        let mut from_b: Vec<_> = (0..3).map(|_| admission.handshake(b).unwrap()).collect();
        let mut from_c = admission.handshake(c).unwrap();
        // Full: a newcomer takes the place of a's oldest (a holds the most).
        let mut d = admission.handshake(v4(4)).unwrap();
        assert_eq!(d.displaced, Some(a));
        assert!(was_evicted(&mut from_a[0]));
        assert!(!from_a[1..].iter_mut().any(was_evicted));
        // a and b hold 3 each: the older of their oldest goes (a's second).
        let e = admission.handshake(v4(5)).unwrap();
        assert_eq!(e.displaced, Some(a));
        assert!(was_evicted(&mut from_a[1]));
        // Now b holds the most.
        let f = admission.handshake(v4(6)).unwrap();
        assert_eq!(f.displaced, Some(b));
        assert!(was_evicted(&mut from_b[0]));
        // a and b hold 2, the others one: c, a and b are refused (nobody
        // holds two more than they do), a fresh address still gets in.
        assert!(admission.handshake(c).is_none(), "c holds 1, the most 2");
        assert!(admission.handshake(a).is_none(), "a holds the most");
        assert!(admission.handshake(b).is_none(), "b holds the most");
        let g = admission.handshake(v4(7)).unwrap();
        assert!(g.displaced.is_some());
        check_books(&admission);
        // An evicted handshake's slot gives nothing back twice.
        let before = admission.lock().total.handshakes;
        from_a.remove(0);
        from_a.remove(0);
        from_b.remove(0);
        assert_eq!(admission.lock().total.handshakes, before);
        check_books(&admission);
        assert!(!was_evicted(&mut from_c) && !was_evicted(&mut d));
        // Those that finish give theirs back.
        drop((from_a, from_b, from_c, d, e, f, g));
        assert_eq!(admission.lock().total.handshakes, 0);
        let t = admission.lock();
        assert!(t.by_address.is_empty() && t.handshakes.by_address.is_empty());
        assert!(t.handshakes.ranked.is_empty() && t.handshakes.ranked_in.is_empty());
    }

    #[test]
    fn flooders_cannot_evict_a_real_members_handshake() {
        // 16 flooding addresses fill every slot but one, a member takes it.
        let admission = admission(65, 4);
        let mut flood: Vec<Admitted> = (0..16)
            .flat_map(|n| (0..4).map(move |_| v4(100 + n)))
            .map(|ip| admission.handshake(ip).unwrap())
            .collect();
        let mut member = admission.handshake(v4(1)).unwrap();
        assert!(member.displaced.is_none());
        // The flooders open again, from their own addresses and from a
        // thousand fresh ones; slots they had are dropped as they go.
        for round in 0..2000_u32 {
            let ip = if round.is_multiple_of(2) {
                v4(100 + u8::try_from(round / 2 % 16).unwrap())
            } else {
                IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + round))
            };
            if let Some(a) = admission.handshake(ip) {
                assert_ne!(a.displaced, Some(v4(1)));
                flood.push(a);
            }
            // Now and then an old one finishes (or is closed as evicted).
            if round.is_multiple_of(3) {
                flood.remove(0);
            }
            flood.retain_mut(|a| !was_evicted(a));
        }
        assert!(!was_evicted(&mut member), "the member's handshake stays");
        check_books(&admission);
    }

    #[test]
    fn a_full_network_makes_room_within_itself() {
        // Two handshakes per /64, eight per /48.
        let admission = admission(1000, 2);
        let ip = |net: u16, n: u16| {
            IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, net, n, 0, 0, 0, 1))
        };
        // Elsewhere, an older address holding as many.
        let mut elsewhere: Vec<_> = (0..2)
            .map(|_| admission.handshake(ip(9, 0)).unwrap())
            .collect();
        let mut site: Vec<_> = [0, 0, 1, 1, 2, 2, 3, 4]
            .into_iter()
            .map(|n| admission.handshake(ip(7, n)).unwrap())
            .collect();
        let newcomer = admission.handshake(ip(7, 5)).unwrap();
        assert_eq!(newcomer.displaced, Some(address_key(ip(7, 0))));
        assert!(was_evicted(&mut site[0]));
        assert!(!elsewhere.iter_mut().any(was_evicted));
        // A /64 of the site holding one more than the newcomer's: refused.
        assert!(admission.handshake(ip(7, 3)).is_none());
        check_books(&admission);
    }

    #[test]
    fn the_books_stay_bounded_under_churn() {
        let admission = admission(64, 8);
        let mut held: Vec<Admitted> = Vec::new();
        // A simple generator: the same churn every run.
        let mut x: u32 = 12345;
        for _ in 0..20_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let ip = if x.is_multiple_of(5) {
                IpAddr::V6(std::net::Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    u16::try_from(x >> 28).unwrap(),
                    u16::try_from((x >> 8) & 0xff).unwrap(),
                    0,
                    0,
                    0,
                    1,
                ))
            } else {
                v4(u8::try_from((x >> 16) % 40).unwrap())
            };
            if let Some(a) = admission.handshake(ip) {
                held.push(a);
            }
            if x.is_multiple_of(3) && !held.is_empty() {
                let i = usize::try_from(x >> 4).unwrap() % held.len();
                held.swap_remove(i);
            }
            held.retain_mut(|a| !was_evicted(a));
            assert!(admission.lock().total.handshakes <= 64);
        }
        check_books(&admission);
        drop(held);
        let t = admission.lock();
        assert_eq!(t.total.handshakes, 0);
        assert!(t.handshakes.by_address.is_empty() && t.handshakes.ranked_in.is_empty());
    }
}
