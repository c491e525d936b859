//! What a listener on the network can read of a TLS stream without its
//! keys: the record headers (content type, version, length) and the bytes
//! themselves. [`RecordScanner`] follows one direction of a stream as it
//! passes, a chunk at a time, and reports each record once it is whole.
//!
//! The bytes are a stranger's: every length is the peer's claim, so the
//! scanner keeps at most [`HEAD_BYTES`] of each record, never indexes past
//! what it was given, and gives up (reporting [`Scanned::NotTls`] once) on
//! a header no TLS peer sends, forwarding going on untouched.

/// The most bytes of a record's body that are kept to be shown.
pub const HEAD_BYTES: usize = 48;

/// The longest record body TLS allows (2^14 plus TLS 1.2's largest
/// expansion); a longer claimed length is not TLS.
pub const MAX_RECORD_BODY: usize = (1 << 14) + 2048;

/// The record header's length: type (1), version (2), length (2).
const HEADER: usize = 5;

/// A TLS record's content type, as the header names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// 20: the TLS 1.2 signal to switch to the new keys (in TLS 1.3 a
    /// dummy kept for middleboxes).
    ChangeCipherSpec,
    /// 21: an alert (encrypted once keys are in use).
    Alert,
    /// 22: a handshake message in the clear.
    Handshake,
    /// 23: encrypted data (in TLS 1.3 also the encrypted handshake, its
    /// real type hidden inside).
    ApplicationData,
    /// 24: heartbeat.
    Heartbeat,
}

impl ContentType {
    /// The type for a header's first byte, if TLS has one.
    #[must_use]
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            20 => Self::ChangeCipherSpec,
            21 => Self::Alert,
            22 => Self::Handshake,
            23 => Self::ApplicationData,
            24 => Self::Heartbeat,
            _ => return None,
        })
    }

    /// The number on the wire.
    #[must_use]
    pub fn byte(self) -> u8 {
        match self {
            Self::ChangeCipherSpec => 20,
            Self::Alert => 21,
            Self::Handshake => 22,
            Self::ApplicationData => 23,
            Self::Heartbeat => 24,
        }
    }

    /// The name the TLS specifications use.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ChangeCipherSpec => "ChangeCipherSpec",
            Self::Alert => "Alert",
            Self::Handshake => "Handshake",
            Self::ApplicationData => "ApplicationData",
            Self::Heartbeat => "Heartbeat",
        }
    }
}

/// One record as a listener saw it pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRecord {
    /// The header's content type.
    pub content_type: ContentType,
    /// The header's version field (0x0303 for TLS 1.2 and 1.3 alike).
    pub version: u16,
    /// The body's length, as the header says (and as was forwarded).
    pub length: u16,
    /// The body's first bytes, at most [`HEAD_BYTES`].
    pub head: Vec<u8>,
    /// A handshake record its sender sent after its own ChangeCipherSpec,
    /// so encrypted: TLS 1.2's Finished, whose header still says
    /// Handshake. (The one exception, a second ClientHello after a TLS 1.3
    /// HelloRetryRequest, is in the clear and not marked.)
    pub encrypted: bool,
}

impl SeenRecord {
    /// For a handshake record in the clear: the handshake message type
    /// its body starts with (1 ClientHello, 2 ServerHello, …), as far as
    /// a listener can tell (a message may continue a previous record's).
    #[must_use]
    pub fn handshake_type(&self) -> Option<u8> {
        (self.content_type == ContentType::Handshake && !self.encrypted)
            .then(|| self.head.first().copied())
            .flatten()
    }

    /// Whether the body starts as a ClientHello in the clear does: type 1,
    /// then (after its length) the legacy version 0x0303.
    fn looks_like_client_hello(&self) -> bool {
        self.head.first() == Some(&1) && self.head.get(4..6) == Some(&[3, 3][..])
    }
}

/// What the scanner found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A whole record passed.
    Record(SeenRecord),
    /// The stream is not TLS records (or no longer): the first bytes of
    /// where it stopped making sense, at most [`HEAD_BYTES`]. Said once.
    NotTls(Vec<u8>),
}

/// Follows one direction of a TLS stream, record by record.
#[derive(Debug, Default)]
pub struct RecordScanner {
    /// The header being read.
    header: [u8; HEADER],
    /// How much of `header` is filled.
    header_len: usize,
    /// The record whose body is passing, and how much of it is still to come.
    current: Option<(SeenRecord, usize)>,
    /// Whether the stream stopped being TLS (then nothing more is parsed).
    lost: bool,
    /// Whether this direction's sender sent ChangeCipherSpec: its
    /// handshake records after it are encrypted (TLS 1.2).
    changed_cipher: bool,
}

impl RecordScanner {
    /// A scanner at the start of a stream.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next bytes of the stream; returns what became whole.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<Scanned> {
        let mut found = Vec::new();
        while !bytes.is_empty() && !self.lost {
            if let Some((record, left)) = &mut self.current {
                let take = (*left).min(bytes.len());
                let room = HEAD_BYTES.saturating_sub(record.head.len()).min(take);
                record.head.extend_from_slice(&bytes[..room]);
                *left -= take;
                bytes = &bytes[take..];
                if *left == 0
                    && let Some((record, _)) = self.current.take()
                {
                    found.push(Scanned::Record(self.whole(record)));
                }
                continue;
            }
            let take = (HEADER - self.header_len).min(bytes.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&bytes[..take]);
            self.header_len += take;
            bytes = &bytes[take..];
            if self.header_len < HEADER {
                break;
            }
            self.header_len = 0;
            let [kind, major, minor, hi, lo] = self.header;
            let length = u16::from_be_bytes([hi, lo]);
            match ContentType::from_byte(kind) {
                Some(content_type) if major == 3 && usize::from(length) <= MAX_RECORD_BODY => {
                    let record = SeenRecord {
                        content_type,
                        version: u16::from_be_bytes([major, minor]),
                        length,
                        head: Vec::new(),
                        encrypted: false,
                    };
                    if length == 0 {
                        found.push(Scanned::Record(self.whole(record)));
                    } else {
                        self.current = Some((record, usize::from(length)));
                    }
                }
                _ => {
                    self.lost = true;
                    let mut head = self.header.to_vec();
                    head.extend_from_slice(&bytes[..bytes.len().min(HEAD_BYTES - HEADER)]);
                    found.push(Scanned::NotTls(head));
                }
            }
        }
        found
    }

    /// A record now whole: whether it is encrypted, as far as a listener
    /// can tell, and whether its sender now encrypts.
    fn whole(&mut self, mut record: SeenRecord) -> SeenRecord {
        match record.content_type {
            ContentType::ChangeCipherSpec => self.changed_cipher = true,
            ContentType::Handshake => {
                record.encrypted = self.changed_cipher && !record.looks_like_client_hello();
            }
            _ => {}
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len()).unwrap();
        let mut r = vec![kind, 3, 3];
        r.extend_from_slice(&len.to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    #[test]
    fn records_split_anywhere_come_out_whole_and_bounded() {
        let big = vec![0xab; 3000];
        let mut stream = record(22, &[1, 0, 0, 4, 9, 9, 9, 9]);
        stream.extend(record(23, &big));
        stream.extend(record(20, &[1]));
        for chunk in [1, 2, 5, 7, 1000, 10_000] {
            let mut s = RecordScanner::new();
            let found: Vec<Scanned> = stream.chunks(chunk).flat_map(|c| s.feed(c)).collect();
            assert_eq!(found.len(), 3, "chunk {chunk}");
            let Scanned::Record(first) = &found[0] else {
                panic!()
            };
            assert_eq!(first.handshake_type(), Some(1));
            let Scanned::Record(second) = &found[1] else {
                panic!()
            };
            assert_eq!(second.content_type, ContentType::ApplicationData);
            assert_eq!(second.length, 3000);
            assert_eq!(second.head.len(), HEAD_BYTES);
            assert_eq!(second.version, 0x0303);
        }
    }

    #[test]
    fn a_handshake_record_after_change_cipher_spec_is_not_said_to_be_in_the_clear() {
        // TLS 1.2, the client's flight: ClientKeyExchange in the clear,
        // ChangeCipherSpec, then its Finished, encrypted (AES-GCM: the
        // explicit nonce, the ciphertext, the tag); its first byte may be
        // anything, 1 (ClientHello) included.
        let mut finished = vec![1u8, 0x9c, 0x42, 0x07, 0xee];
        finished.resize(40, 0x5a);
        let mut stream = record(22, &[16, 0, 0, 4, 3, 1, 2, 3]);
        stream.extend(record(20, &[1]));
        stream.extend(record(22, &finished));
        let mut s = RecordScanner::new();
        let found: Vec<SeenRecord> = s
            .feed(&stream)
            .into_iter()
            .filter_map(|f| match f {
                Scanned::Record(r) => Some(r),
                Scanned::NotTls(_) => None,
            })
            .collect();
        assert_eq!(found.len(), 3);
        assert!(!found[0].encrypted);
        assert_eq!(found[0].handshake_type(), Some(16));
        assert!(found[2].encrypted, "TLS 1.2's Finished is encrypted");
        assert_eq!(found[2].handshake_type(), None, "its type is hidden");
        // TLS 1.3 after a HelloRetryRequest: the client's (dummy)
        // ChangeCipherSpec, then its second ClientHello, in the clear.
        let mut s = RecordScanner::new();
        s.feed(&record(20, &[1]));
        let hello = s.feed(&record(22, &[1, 0, 0, 40, 3, 3, 7, 7]));
        let [Scanned::Record(hello)] = &hello[..] else {
            panic!("{hello:?}")
        };
        assert!(!hello.encrypted);
        assert_eq!(hello.handshake_type(), Some(1));
    }

    #[test]
    fn what_is_not_tls_is_said_once_and_never_panics() {
        let mut s = RecordScanner::new();
        let found = s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(found.len(), 1);
        assert!(matches!(&found[0], Scanned::NotTls(h) if h.starts_with(b"GET /")));
        assert!(s.feed(&[22, 3, 3, 0, 1, 1]).is_empty());
        // A length past what TLS allows is not TLS either.
        let mut s = RecordScanner::new();
        assert!(matches!(
            &s.feed(&[23, 3, 3, 0xff, 0xff])[0],
            Scanned::NotTls(_)
        ));
    }

    #[test]
    fn any_bytes_in_any_chunks_never_panic() {
        // A cheap fuzz: every byte value in headers, in odd chunkings.
        let mut seed: u32 = 1;
        for _ in 0..2000 {
            let mut s = RecordScanner::new();
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            for c in bytes.chunks(usize::from(bytes[0] % 7) + 1) {
                for f in s.feed(c) {
                    if let Scanned::Record(r) = f {
                        assert!(r.head.len() <= HEAD_BYTES);
                    }
                }
            }
        }
    }
}
