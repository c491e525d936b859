//! Opening TLS records, in the process only. TLS 1.3: keys and IVs from
//! a traffic secret with HKDF-Expand-Label (RFC 8446 §7.1, §7.3), then the
//! suite's AEAD (aws-lc-rs) with the per-record nonce (§5.3) and the
//! record header as additional data (§5.2); after a KeyUpdate the next
//! secret (§7.2). TLS 1.2: the key block from the master secret with the
//! PRF (RFC 5246 §5, §6.3), AES-GCM with its explicit nonce (RFC 5288) or
//! ChaCha20-Poly1305 (RFC 7905), the sequence number in the additional
//! data.

use aws_lc_rs::{aead, hkdf, hmac};

/// The AEAD tag length of every TLS 1.3 suite.
const TAG_LEN: usize = 16;
/// The largest TLS 1.3 ciphertext (§5.2: 2^14 + 256).
pub const MAX_CIPHERTEXT: usize = 16384 + 256;

/// What a TLS 1.3 cipher suite needs here.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    hkdf: hkdf::Algorithm,
    aead: &'static aead::Algorithm,
    /// The length of the suite's hash, which is the length of Finished.
    pub hash_len: usize,
}

impl Suite {
    /// The TLS 1.3 suite with this code point, if it is one we know.
    #[must_use]
    pub fn tls13(code: u16) -> Option<Self> {
        match code {
            0x1301 => Some(Self {
                hkdf: hkdf::HKDF_SHA256,
                aead: &aead::AES_128_GCM,
                hash_len: 32,
            }),
            0x1302 => Some(Self {
                hkdf: hkdf::HKDF_SHA384,
                aead: &aead::AES_256_GCM,
                hash_len: 48,
            }),
            0x1303 => Some(Self {
                hkdf: hkdf::HKDF_SHA256,
                aead: &aead::CHACHA20_POLY1305,
                hash_len: 32,
            }),
            _ => None,
        }
    }
}

/// An output length for aws-lc-rs' HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label(secret, label, context, length) of RFC 8446 §7.1;
/// `None` for a secret or length HKDF refuses.
#[must_use]
pub fn expand_label(
    alg: hkdf::Algorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let out_len = u16::try_from(len).ok()?;
    let full_label_len = u8::try_from(6 + label.len()).ok()?;
    let context_len = u8::try_from(context.len()).ok()?;
    let out_len = out_len.to_be_bytes();
    let info: [&[u8]; 6] = [
        &out_len,
        &[full_label_len],
        b"tls13 ",
        label,
        &[context_len],
        context,
    ];
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let okm = prk.expand(&info, Len(len)).ok()?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).ok()?;
    Some(out)
}

/// Opens one direction's records protected with one TLS 1.3 traffic
/// secret (and, after a KeyUpdate, with the next one).
pub struct Opener {
    suite: Suite,
    secret: Vec<u8>,
    key: aead::LessSafeKey,
    iv: [u8; aead::NONCE_LEN],
    seq: u64,
    /// How many KeyUpdates made this secret from the first one.
    generation: u32,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// A decrypted record: the real content type and the content, padding
/// removed, with what opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The inner content type (22 handshake, 21 alert, 23 data); in TLS
    /// 1.2 the record header's.
    pub content_type: u8,
    /// The content.
    pub content: Vec<u8>,
    /// TLS 1.3: the zeros after the inner content type.
    pub padding: usize,
    /// The record's sequence number (counted, never sent).
    pub seq: u64,
    /// The nonce the AEAD used.
    pub nonce: [u8; aead::NONCE_LEN],
    /// TLS 1.2 AES-GCM: the first 8 bytes of the payload are the explicit
    /// part of the nonce (0 otherwise).
    pub explicit_len: usize,
    /// TLS 1.3: how many KeyUpdates before this record's keys.
    pub generation: u32,
}

impl Opened {
    /// The inner plaintext as it was encrypted: in TLS 1.3 the content,
    /// the content type and the padding; in TLS 1.2 the content.
    #[must_use]
    pub fn inner(&self, tls13: bool) -> Vec<u8> {
        let mut out = self.content.clone();
        if tls13 {
            out.push(self.content_type);
            out.resize(out.len() + self.padding, 0);
        }
        out
    }
}

/// `iv` XOR the sequence number, right-aligned (RFC 8446 §5.3, RFC 7905).
fn xor_seq(iv: [u8; aead::NONCE_LEN], seq: u64) -> [u8; aead::NONCE_LEN] {
    let mut nonce = iv;
    for (n, s) in nonce.iter_mut().rev().zip(seq.to_be_bytes().iter().rev()) {
        *n ^= s;
    }
    nonce
}

impl Opener {
    /// Keys for `suite` from a traffic secret; `None` if it cannot be done.
    #[must_use]
    pub fn new(suite: Suite, secret: &[u8]) -> Option<Self> {
        if secret.len() != suite.hash_len {
            return None;
        }
        let key = expand_label(suite.hkdf, secret, b"key", b"", suite.aead.key_len())?;
        let iv = expand_label(suite.hkdf, secret, b"iv", b"", aead::NONCE_LEN)?;
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, &key).ok()?);
        let iv: [u8; aead::NONCE_LEN] = iv.try_into().ok()?;
        Some(Self {
            suite,
            secret: secret.to_vec(),
            key,
            iv,
            seq: 0,
            generation: 0,
        })
    }

    /// After a KeyUpdate: the next traffic secret (RFC 8446 §7.2,
    /// "traffic upd"), its keys, and the sequence number from 0; `false`
    /// (nothing changed) if it cannot be derived.
    pub fn key_update(&mut self) -> bool {
        let next = expand_label(
            self.suite.hkdf,
            &self.secret,
            b"traffic upd",
            b"",
            self.suite.hash_len,
        )
        .and_then(|s| Self::new(self.suite, &s));
        match next {
            Some(next) => {
                let generation = self.generation.saturating_add(1);
                *self = Self { generation, ..next };
                true
            }
            None => false,
        }
    }

    /// Opens the next record (`record` is the whole record, header
    /// included). A record that does not open leaves the sequence number
    /// where it was; `None` then.
    pub fn open(&mut self, record: &[u8]) -> Option<Opened> {
        let header: [u8; 5] = record.get(..5)?.try_into().ok()?;
        let payload = record.get(5..)?;
        if payload.len() < TAG_LEN || payload.len() > MAX_CIPHERTEXT {
            return None;
        }
        let nonce = xor_seq(self.iv, self.seq);
        let mut buf = payload.to_vec();
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(header),
                &mut buf,
            )
            .ok()?;
        // TLSInnerPlaintext: content, the real type, then zeros.
        let end = plain.iter().rposition(|b| *b != 0)?;
        let content_type = *plain.get(end)?;
        let content = plain.get(..end)?.to_vec();
        let padding = plain.len() - end - 1;
        let seq = self.seq;
        self.seq = self.seq.checked_add(1)?;
        Some(Opened {
            content_type,
            content,
            padding,
            seq,
            nonce,
            explicit_len: 0,
            generation: self.generation,
        })
    }
}

/// The PRF of TLS 1.2 (RFC 5246 §5): P_hash(secret, label ‖ seed).
fn prf(alg: hmac::Algorithm, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(alg, secret);
    let mut label_seed = label.to_vec();
    label_seed.extend_from_slice(seed);
    let mut out = Vec::with_capacity(len);
    let mut a = hmac::sign(&key, &label_seed);
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(&label_seed);
        out.extend_from_slice(ctx.sign().as_ref());
        a = hmac::sign(&key, a.as_ref());
    }
    out.truncate(len);
    out
}

/// What a TLS 1.2 AEAD cipher suite needs here.
#[derive(Debug, Clone, Copy)]
pub struct Suite12 {
    prf: hmac::Algorithm,
    aead: &'static aead::Algorithm,
    /// The IV's length in the key block: 4 (AES-GCM's salt, the rest of
    /// the nonce is sent with each record) or 12 (ChaCha20-Poly1305).
    fixed_iv: usize,
}

impl Suite12 {
    /// The TLS 1.2 AEAD suite with this code point, if it is one we know.
    #[must_use]
    pub fn of(code: u16) -> Option<Self> {
        let (prf, aead, fixed_iv) = match code {
            // ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256
            0xc02b | 0xc02f => (hmac::HMAC_SHA256, &aead::AES_128_GCM, 4),
            // ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384
            0xc02c | 0xc030 => (hmac::HMAC_SHA384, &aead::AES_256_GCM, 4),
            // ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256
            0xcca9 | 0xcca8 => (hmac::HMAC_SHA256, &aead::CHACHA20_POLY1305, 12),
            _ => return None,
        };
        Some(Self {
            prf,
            aead,
            fixed_iv,
        })
    }
}

/// Which side's keys of a TLS 1.2 key block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The client's (`client_write_key`, `client_write_IV`).
    Client,
    /// The server's.
    Server,
}

/// Opens one direction's TLS 1.2 records.
pub struct Opener12 {
    key: aead::LessSafeKey,
    iv: Vec<u8>,
    seq: u64,
}

impl std::fmt::Debug for Opener12 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener12")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl Opener12 {
    /// One side's keys from the master secret and both randoms: the key
    /// block is client key, server key, client IV, server IV (an AEAD
    /// suite has no MAC keys). `None` if it cannot be done.
    #[must_use]
    pub fn new(
        suite: Suite12,
        master: &[u8],
        client_random: &[u8],
        server_random: &[u8],
        writer: Writer,
    ) -> Option<Self> {
        if master.len() != 48 {
            return None;
        }
        let (key_len, iv_len) = (suite.aead.key_len(), suite.fixed_iv);
        let mut seed = server_random.to_vec();
        seed.extend_from_slice(client_random);
        let block = prf(
            suite.prf,
            master,
            b"key expansion",
            &seed,
            2 * (key_len + iv_len),
        );
        let (key_at, iv_at) = match writer {
            Writer::Client => (0, 2 * key_len),
            Writer::Server => (key_len, 2 * key_len + iv_len),
        };
        let key = block.get(key_at..key_at + key_len)?;
        let iv = block.get(iv_at..iv_at + iv_len)?.to_vec();
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).ok()?);
        Some(Self { key, iv, seq: 0 })
    }

    /// Opens the next record (header included); a record that does not
    /// open leaves the sequence number where it was.
    pub fn open(&mut self, record: &[u8]) -> Option<Opened> {
        let header = record.get(..5)?;
        let payload = record.get(5..)?;
        let explicit_len = if self.iv.len() == 4 { 8 } else { 0 };
        if payload.len() < explicit_len + TAG_LEN || payload.len() > MAX_CIPHERTEXT {
            return None;
        }
        let nonce: [u8; aead::NONCE_LEN] = if explicit_len == 8 {
            let mut n = [0u8; aead::NONCE_LEN];
            n.get_mut(..4)?.copy_from_slice(&self.iv);
            n.get_mut(4..)?.copy_from_slice(payload.get(..8)?);
            n
        } else {
            xor_seq(self.iv.clone().try_into().ok()?, self.seq)
        };
        let plain_len = payload.len() - explicit_len - TAG_LEN;
        let mut aad = self.seq.to_be_bytes().to_vec();
        aad.extend_from_slice(header.get(..3)?);
        aad.extend_from_slice(&u16::try_from(plain_len).ok()?.to_be_bytes());
        let mut buf = payload.get(explicit_len..)?.to_vec();
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut buf,
            )
            .ok()?;
        let content = plain.to_vec();
        let seq = self.seq;
        self.seq = self.seq.checked_add(1)?;
        Some(Opened {
            content_type: *header.first()?,
            content,
            padding: 0,
            seq,
            nonce,
            explicit_len,
            generation: 0,
        })
    }
}

/// A direction's record protection, TLS 1.3 or 1.2.
#[derive(Debug)]
pub enum Keys {
    /// TLS 1.3, from a traffic secret.
    Tls13(Opener),
    /// TLS 1.2, from the master secret.
    Tls12(Opener12),
}

impl Keys {
    /// Opens the next record.
    pub fn open(&mut self, record: &[u8]) -> Option<Opened> {
        match self {
            Self::Tls13(o) => o.open(record),
            Self::Tls12(o) => o.open(record),
        }
    }

    /// A KeyUpdate (TLS 1.3 only): the next secret's keys.
    pub fn key_update(&mut self) -> bool {
        match self {
            Self::Tls13(o) => o.key_update(),
            Self::Tls12(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8448 §3 (simple 1-RTT handshake): the server handshake traffic
    /// secret, its key and IV, and the first encrypted record's start.
    #[test]
    fn keys_match_rfc_8448() {
        let secret = unhex(
            "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
        );
        let suite = Suite::tls13(0x1301).unwrap();
        assert_eq!(
            expand_label(suite.hkdf, &secret, b"key", b"", 16).unwrap(),
            unhex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
        );
        assert_eq!(
            expand_label(suite.hkdf, &secret, b"iv", b"", 12).unwrap(),
            unhex("5d 31 3e b2 67 12 76 ee 13 00 0b 30")
        );
    }

    #[test]
    fn a_record_sealed_with_the_derived_keys_opens_and_a_changed_one_does_not() {
        let suite = Suite::tls13(0x1302).unwrap();
        let secret = [7u8; 48];
        let key = expand_label(suite.hkdf, &secret, b"key", b"", 32).unwrap();
        let iv = expand_label(suite.hkdf, &secret, b"iv", b"", 12).unwrap();
        let sealer =
            aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, &key).unwrap());
        let mut records = Vec::new();
        for seq in 0u64..2 {
            let mut nonce: [u8; 12] = iv.clone().try_into().unwrap();
            for (n, s) in nonce.iter_mut().rev().zip(seq.to_be_bytes().iter().rev()) {
                *n ^= s;
            }
            let mut body = vec![20, 0, 0, 1, 0xaa, 22, 0, 0];
            let len = u16::try_from(body.len() + 16).unwrap().to_be_bytes();
            let header = [23, 3, 3, len[0], len[1]];
            sealer
                .seal_in_place_append_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(header),
                    &mut body,
                )
                .unwrap();
            let mut record = header.to_vec();
            record.extend_from_slice(&body);
            records.push(record);
        }
        let mut opener = Opener::new(suite, &secret).unwrap();
        let mut bad = records[0].clone();
        bad[7] ^= 1;
        assert_eq!(opener.open(&bad), None);
        let first = opener.open(&records[0]).unwrap();
        assert_eq!(first.content_type, 22);
        assert_eq!(first.content, vec![20, 0, 0, 1, 0xaa]);
        assert!(opener.open(&records[1]).is_some(), "the second with seq 1");
        assert!(
            Opener::new(suite, &[1u8; 32]).is_none(),
            "wrong secret length"
        );
    }

    /// The TLS 1.2 PRF with SHA-256 (the test vector of the IETF TLS
    /// list for P_SHA256, 100 bytes).
    #[test]
    fn the_tls_1_2_prf_matches_the_known_vector() {
        let out = prf(
            hmac::HMAC_SHA256,
            &unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35"),
            b"test label",
            &unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c"),
            100,
        );
        assert_eq!(
            out,
            unhex(
                "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a
                 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b
                 ab 4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff
                 f7 01 87 34 7b 66"
            )
        );
    }

    /// Seals a TLS 1.3 record with `secret`'s keys at `seq`.
    fn seal13(suite: Suite, secret: &[u8], seq: u64, inner: &[u8]) -> Vec<u8> {
        let key = expand_label(suite.hkdf, secret, b"key", b"", suite.aead.key_len()).unwrap();
        let iv: [u8; 12] = expand_label(suite.hkdf, secret, b"iv", b"", 12)
            .unwrap()
            .try_into()
            .unwrap();
        let sealer = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, &key).unwrap());
        let mut body = inner.to_vec();
        let len = u16::try_from(body.len() + 16).unwrap().to_be_bytes();
        let header = [23, 3, 3, len[0], len[1]];
        sealer
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(xor_seq(iv, seq)),
                aead::Aad::from(header),
                &mut body,
            )
            .unwrap();
        let mut record = header.to_vec();
        record.extend_from_slice(&body);
        record
    }

    #[test]
    fn after_a_key_update_the_next_secret_opens_from_seq_0() {
        let suite = Suite::tls13(0x1301).unwrap();
        let secret = [9u8; 32];
        let next = expand_label(suite.hkdf, &secret, b"traffic upd", b"", 32).unwrap();
        let mut keys = Keys::Tls13(Opener::new(suite, &secret).unwrap());
        let first = keys
            .open(&seal13(suite, &secret, 0, b"hi\x17\0\0"))
            .unwrap();
        assert_eq!(
            (first.content.as_slice(), first.content_type, first.padding),
            (&b"hi"[..], 23, 2)
        );
        assert_eq!(first.inner(true), b"hi\x17\0\0");
        assert!(keys.key_update());
        assert!(
            keys.open(&seal13(suite, &secret, 1, b"x\x17")).is_none(),
            "the old key no longer opens"
        );
        let after = keys.open(&seal13(suite, &next, 0, b"yo\x17")).unwrap();
        assert_eq!((after.seq, after.generation), (0, 1));
        assert_eq!(after.content, b"yo");
    }

    #[test]
    fn tls_1_2_records_open_with_their_explicit_nonce_or_the_xored_iv() {
        for code in [0xc02b_u16, 0xc030, 0xcca9] {
            let suite = Suite12::of(code).unwrap();
            let master = [5u8; 48];
            let (cr, sr) = ([1u8; 32], [2u8; 32]);
            let (key_len, iv_len) = (suite.aead.key_len(), suite.fixed_iv);
            let mut seed = sr.to_vec();
            seed.extend_from_slice(&cr);
            let block = prf(
                suite.prf,
                &master,
                b"key expansion",
                &seed,
                2 * (key_len + iv_len),
            );
            // The server's keys: its key second, its IV last.
            let key = &block[key_len..2 * key_len];
            let iv = &block[2 * key_len + iv_len..];
            let sealer = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).unwrap());
            let mut opener = Opener12::new(suite, &master, &cr, &sr, Writer::Server).unwrap();
            for seq in 0u64..2 {
                let text = b"hello over TLS 1.2";
                let (nonce, explicit) = if iv_len == 4 {
                    let explicit = (seq + 77).to_be_bytes();
                    let mut n = [0u8; 12];
                    n[..4].copy_from_slice(iv);
                    n[4..].copy_from_slice(&explicit);
                    (n, explicit.to_vec())
                } else {
                    (xor_seq(iv.try_into().unwrap(), seq), Vec::new())
                };
                let mut aad = seq.to_be_bytes().to_vec();
                aad.extend_from_slice(&[23, 3, 3]);
                aad.extend_from_slice(&u16::try_from(text.len()).unwrap().to_be_bytes());
                let mut body = text.to_vec();
                sealer
                    .seal_in_place_append_tag(
                        aead::Nonce::assume_unique_for_key(nonce),
                        aead::Aad::from(aad),
                        &mut body,
                    )
                    .unwrap();
                let len = u16::try_from(explicit.len() + body.len())
                    .unwrap()
                    .to_be_bytes();
                let mut record = vec![23, 3, 3, len[0], len[1]];
                record.extend_from_slice(&explicit);
                record.extend_from_slice(&body);
                let mut changed = record.clone();
                *changed.last_mut().unwrap() ^= 1;
                assert!(opener.open(&changed).is_none(), "{code:04x}: a changed tag");
                let o = opener.open(&record).unwrap();
                assert_eq!(
                    (o.content.as_slice(), o.seq, o.nonce),
                    (&text[..], seq, nonce),
                    "{code:04x}"
                );
                assert_eq!(o.explicit_len, explicit.len());
            }
        }
    }

    #[test]
    fn hostile_records_never_open_nor_panic() {
        let suite = Suite::tls13(0x1303).unwrap();
        let mut o13 = Opener::new(suite, &[1u8; 32]).unwrap();
        let mut o12 = Opener12::new(
            Suite12::of(0xc02f).unwrap(),
            &[1u8; 48],
            &[0; 32],
            &[0; 32],
            Writer::Client,
        )
        .unwrap();
        for record in [
            &[][..],
            &[23],
            &[23, 3, 3, 0, 0],
            &[23, 3, 3, 0, 20, 1, 2, 3],
            &[0u8; 40],
        ] {
            assert!(o13.open(record).is_none());
            assert!(o12.open(record).is_none());
        }
        assert!(
            Opener12::new(
                Suite12::of(0xc02f).unwrap(),
                &[1u8; 47],
                &[0; 32],
                &[0; 32],
                Writer::Client
            )
            .is_none()
        );
    }
}
