//! The safety code: a short number derived from a certificate's SHA-256
//! fingerprint that two people can read to each other over the phone.
//!
//! Five groups of five decimal digits (`31415 92653 58979 32384 62643`).
//! The certificate's SHA-256 is hashed again with a fixed label
//! ([`DOMAIN`]), so the code is a function of the fingerprint only and the
//! same on the host and on every member; the first 25 bytes of that hash
//! are cut into five 40-bit numbers, each taken modulo 100 000 (as Signal's
//! safety numbers are). 2^40 is so much larger than 100 000 that the bias
//! is below 10^-7 per group.
//!
//! Strength: 5 × log2(100 000) ≈ 83 bits. To make a certificate whose code
//! matches a given host's, an attacker must try about 2^83 certificates
//! (a second preimage on 83 bits of SHA-256): out of reach. Someone who
//! compares only the first group checks about 17 bits, which an attacker
//! can match in a fraction of a second; so the whole code must be read.

/// The label hashed with the fingerprint: another use of the same hash
/// (another version of this code) gets another label.
pub const DOMAIN: &[u8] = b"tlschat safety code v1\0";

/// How many groups of digits.
pub const GROUPS: usize = 5;

/// Digits in a group.
pub const GROUP_DIGITS: usize = 5;

/// The strength of the code in bits, rounded down: 5 × log2(10^5).
pub const BITS: u32 = 83;

/// Groups in the short form a member list shows: enough to tell members
/// apart at a glance (about 33 bits), not to check one (read the whole
/// code, or the fingerprint, for that).
pub const SHORT_GROUPS: usize = 2;

/// The safety code of the certificate with this SHA-256 fingerprint.
#[must_use]
pub fn safety_code(cert_sha256: &[u8; 32]) -> String {
    let mut input = Vec::with_capacity(DOMAIN.len() + cert_sha256.len());
    input.extend_from_slice(DOMAIN);
    input.extend_from_slice(cert_sha256);
    let hash = crate::net::certinfo::sha256(&input);
    hash.chunks_exact(5)
        .take(GROUPS)
        .map(|chunk| {
            let n = chunk.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            format!("{:0width$}", n % 100_000, width = GROUP_DIGITS)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first [`SHORT_GROUPS`] groups of [`safety_code`]: how a member list
/// shows a member's key.
#[must_use]
pub fn short_safety_code(sha256: &[u8; 32]) -> String {
    safety_code(sha256)
        .split(' ')
        .take(SHORT_GROUPS)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_groups_of_five_digits_stable_and_distinct() {
        let a = safety_code(&[0u8; 32]);
        assert_eq!(a.len(), GROUPS * GROUP_DIGITS + GROUPS - 1);
        assert!(
            a.split(' ')
                .all(|g| g.len() == GROUP_DIGITS && g.bytes().all(|b| b.is_ascii_digit())),
            "{a}"
        );
        // A fixed vector: the code must never change between versions,
        // or host and member of different versions would disagree.
        assert_eq!(a, safety_code(&[0u8; 32]));
        assert_eq!(a, KNOWN_ZERO);
        let mut other = [0u8; 32];
        other[31] = 1;
        assert_ne!(a, safety_code(&other));
    }

    /// Computed independently: `python3 -c "import hashlib; h=hashlib.sha256(b'tlschat safety code v1\\0'+bytes(32)).digest(); print([int.from_bytes(h[i:i+5],'big')%100000 for i in range(0,25,5)])"`.
    const KNOWN_ZERO: &str = "74902 22632 59788 09989 54092";

    #[test]
    fn bits_is_what_five_groups_hold() {
        let bits = (GROUPS as f64) * 100_000f64.log2();
        assert_eq!(BITS, bits.floor() as u32);
    }

    #[test]
    fn the_short_form_is_the_first_two_groups() {
        let key = [9u8; 32];
        let (full, short) = (safety_code(&key), short_safety_code(&key));
        assert_eq!(short.len(), 2 * GROUP_DIGITS + 1);
        assert!(full.starts_with(&format!("{short} ")), "{full} {short}");
    }
}
