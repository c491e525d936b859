//! Opening TLS 1.3 handshake records, in the process only: keys and IVs
//! from a handshake traffic secret with HKDF-Expand-Label (RFC 8446 §7.1,
//! §7.3), then the suite's AEAD (aws-lc-rs) with the per-record nonce
//! (§5.3) and the record header as additional data (§5.2).

use aws_lc_rs::{aead, hkdf};

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

/// Opens one direction's records protected with one traffic secret.
pub struct Opener {
    key: aead::LessSafeKey,
    iv: [u8; aead::NONCE_LEN],
    seq: u64,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// A decrypted record: the real content type and the content, padding
/// removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The inner content type (22 handshake, 21 alert, 23 data).
    pub content_type: u8,
    /// The content.
    pub content: Vec<u8>,
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
        Some(Self { key, iv, seq: 0 })
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
        let mut nonce = self.iv;
        for (n, s) in nonce
            .iter_mut()
            .rev()
            .zip(self.seq.to_be_bytes().iter().rev())
        {
            *n ^= s;
        }
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
        self.seq = self.seq.checked_add(1)?;
        Some(Opened {
            content_type,
            content,
        })
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
}
