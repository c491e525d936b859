//! A field's name in the current language: the names this decoder gives
//! in plain words (`record header`, `sequence number`, `AEAD tag` …) are
//! translated; protocol names (`ClientHello`, `key_share`, `verify_data`)
//! stay as the RFCs write them.

use std::borrow::Cow;

/// `name` (a [`super::Field`]'s) in the current language.
#[must_use]
pub fn label(name: &str) -> Cow<'_, str> {
    if let Some(n) = name.strip_prefix("certificate ")
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return crate::tr!("wire-label-certificate-n", n = n).into();
    }
    if let Some(t) = name.strip_prefix("malformed handshake message type ") {
        return crate::tr!("wire-label-malformed-message", kind = t).into();
    }
    if let Some(t) = name.strip_prefix("handshake message type ") {
        return crate::tr!("wire-label-message-type", kind = t).into();
    }
    let words = match name {
        "record header" => crate::tr!("wire-label-record-header"),
        "content type" => crate::tr!("wire-label-content-type"),
        "legacy version" => crate::tr!("wire-label-legacy-version"),
        "length" => crate::tr!("wire-label-length"),
        "random" => crate::tr!("wire-label-random"),
        "session id" => crate::tr!("wire-label-session-id"),
        "cipher suites" => crate::tr!("wire-label-cipher-suites"),
        "cipher suite" => crate::tr!("wire-label-cipher-suite"),
        "compression methods" => crate::tr!("wire-label-compression"),
        "extensions" => crate::tr!("wire-label-extensions"),
        "group" => crate::tr!("wire-label-group"),
        "scheme" => crate::tr!("wire-label-scheme"),
        "protocol" => crate::tr!("wire-label-protocol"),
        "version" => crate::tr!("wire-label-version"),
        "key share" => crate::tr!("wire-label-key-share"),
        "host name" => crate::tr!("wire-label-host-name"),
        "subject" => crate::tr!("wire-label-subject"),
        "issuer" => crate::tr!("wire-label-issuer"),
        "signature scheme" => crate::tr!("wire-label-signature-scheme"),
        "signature" => crate::tr!("wire-label-signature"),
        "public key" => crate::tr!("wire-label-public-key"),
        "fragment" => crate::tr!("wire-label-fragment"),
        "more messages" => crate::tr!("wire-label-more-messages"),
        "malformed extension" => crate::tr!("wire-label-malformed-extension"),
        "encrypted record" => crate::tr!("wire-label-encrypted-record"),
        "Finished (encrypted)" => crate::tr!("wire-label-finished-encrypted"),
        "encryption" => crate::tr!("wire-label-encryption"),
        "sequence number" => crate::tr!("wire-label-seq"),
        "traffic secret" => crate::tr!("wire-label-traffic-secret"),
        "nonce" => crate::tr!("wire-label-nonce"),
        "explicit nonce" => crate::tr!("wire-label-explicit-nonce"),
        "encrypted bytes" => crate::tr!("wire-label-ciphertext"),
        "AEAD tag" => crate::tr!("wire-label-tag"),
        "inner content type" => crate::tr!("wire-label-inner-type"),
        "padding" => crate::tr!("wire-label-padding"),
        "application data" => crate::tr!("wire-label-application-data"),
        "ticket lifetime" => crate::tr!("wire-label-ticket-lifetime"),
        "ticket" => crate::tr!("wire-label-ticket"),
        _ => return Cow::Borrowed(name),
    };
    Cow::Owned(words)
}
