# The connection on the wire: the details' "On the wire" page (the view's
# words) and what each record, message and field means (the notes, made in
# src/net/wire and put into words where they are shown).

## The view
wire-page = On the wire
wire-intro-live = Every record of this connection, in the order it went, as recorded under TLS: the handshake, then the last { $keep } records each way after it, as they come. Encrypted records were opened with this connection's own secrets. Select a field to see its bytes.
wire-intro-handshake = Every record of this connection's handshake, in the order it went, as recorded under TLS. Encrypted handshake records were opened with this connection's own handshake secrets. Select a field to see its bytes.
wire-after-handshake = After the handshake — { $to_host } { $to_host ->
        [one] record
       *[other] records
    } so far to the host, { $to_member } to the member (the handshake's included); the last { $keep } each way are kept:
wire-nothing-yet = Nothing yet: say something in the room, and its record appears here.
wire-step-title = { $ms } ms  { $dir }  { $title } ({ $bytes } bytes)
wire-field = { $name }: { $value }
wire-select-a-field = Select a field to see its bytes.
wire-bytes-record = the record as it went over the wire
wire-bytes-plain = the record's decrypted content
wire-bytes-joined = the handshake message put together from this record and the ones before it
wire-bytes-field = { $what }, { $total } bytes; the field is bytes { $first }–{ $last } ({ $len } { $len ->
        [one] byte
       *[other] bytes
    })
wire-bytes-none = { $what }, { $total } bytes (this field has no bytes of its own)
wire-highlighted = highlighted: { $hex }
wire-headless-after = after the handshake: each record as it passes, opened with this connection's own secrets (the last { $keep } each way are kept until printed)
wire-headless-missed = { $dir }: { $count ->
    [one] { $count } record went by faster than it could be printed
   *[other] { $count } records went by faster than they could be printed
} (only the last { $keep } are kept)
wire-member = Member:
wire-member-named = { $nick } ({ $addr })
wire-members-recorded = (the last { $count } members recorded; the host was started with --show-handshake)
wire-to-host = member → host
wire-to-member = host → member

## What could not be shown
wire-note-cut-header = { $dir }: { $count ->
        [one] { $count } byte at the end is
       *[other] { $count } bytes at the end are
    } not a whole record header
wire-note-not-a-record = { $dir }: the bytes at offset { $offset } are not a TLS record
wire-note-cut-record = { $dir }: the last record is cut off ({ $got } of { $len } bytes recorded)
wire-note-recording-stopped = { $dir }: the recording stopped at { $bytes } bytes
wire-note-more-records = { $count ->
        [one] one more record was walked but is not shown
       *[other] { $count } more records were walked but are not shown
    }
wire-note-no-secrets = the handshake secrets were not available: the encrypted handshake records are shown as they went
wire-note-live-garbage = { $dir }: bytes that are not a TLS record came; this direction is no longer followed
wire-note-live-unaligned = { $dir }: the handshake's recording did not end on a record; this direction is not followed

## Records
wire-note-tls12-finished-closed = In TLS 1.2 the Finished message is the first one encrypted, with keys from the master secret (extended master secret: bound to the whole handshake). It proves both sides saw the same handshake. The master secret was not available here, so it is shown as it went.
wire-note-appdata-clear = Sent before ChangeCipherSpec, so in the clear: TLS 1.2 allows no application data there, and a peer that follows TLS never sends it.
wire-note-ccs-tls13 = A leftover that TLS 1.3 sends only so that old middleboxes let the connection through; it changes nothing.
wire-note-ccs-tls12 = From here on, this side encrypts with the keys both sides derived from the key exchange.

## Handshake messages
wire-note-client-hello = The member says what it can do: versions, cipher suites, key-exchange groups — and already sends key shares for the groups it prefers, so that a key can be agreed in one round trip. In the textbook story the client later encrypts a random secret with the server's public key (RSA key transport); TLS 1.3 has no such step.
wire-note-client-random = 32 random bytes from the member. They go in the clear: they make every handshake's keys different, but they are not a secret.
wire-note-hello-retry = The host wants a key share for another group: the member sends a second ClientHello. One more round trip.
wire-note-server-hello-tls13 = The host picks the version, the suite and one key-exchange group, and sends its own key share. Each side now combines its private share with the other's public one: both get the same secret, which never went over the wire. Everything after this message is encrypted.
wire-note-server-hello-tls12 = The host picks TLS 1.2 and a suite. In TLS 1.2 the key exchange follows in ServerKeyExchange, and the handshake stays in the clear until Finished.
wire-note-encrypted-extensions = The first encrypted message of TLS 1.3: from here on an eavesdropper sees only sizes. What used to be visible (ALPN, the certificate) is hidden.
wire-note-certificate-request = The host asks the member for a certificate (mutual TLS). A tlschat host asks every member: a member's own self-signed certificate carries the key the room knows it by, and its CertificateVerify proves it holds that key. A member without one answers with an empty Certificate and comes in all the same.
wire-note-certificate = The host's certificate chain, leaf first. Its public key is not used to encrypt anything: it only checks the signature in CertificateVerify (or ServerKeyExchange in TLS 1.2).
wire-note-certificate-verify = The host signs a hash of the whole handshake with its certificate's private key: proof that it holds the key, bound to this very key exchange. This — not encrypting a secret with the public key — is what the certificate's key does here.
wire-note-server-key-exchange = TLS 1.2 (ECDHE): the host's ephemeral public key, signed with its certificate's key over both randoms. The member answers with its own in ClientKeyExchange; neither encrypts a secret with the certificate's key.
wire-note-client-key-exchange = TLS 1.2 (ECDHE): the member's ephemeral public key. In the textbook RSA key exchange this message would carry a secret encrypted with the server's public key; with ECDHE it carries only a public key.
wire-note-finished = A MAC over every handshake message so far, with a key from this side's handshake secret: had anyone changed a single byte of the handshake, it would not match.
wire-note-new-session-ticket = A ticket the member may offer next time to resume this session: a shorter handshake, with no certificate sent. In TLS 1.3 it comes after the handshake, encrypted like the chat.
wire-note-key-update = From the next record on, this side encrypts with a new traffic secret, HKDF-Expand-Label(secret, "traffic upd", "", hash length) (RFC 8446 §7.2), and counts its records from 0 again. The records after it were opened with the new keys.
wire-note-key-update-closed = From the next record on, this side encrypts with a new traffic secret (RFC 8446 §7.2). Its keys were not available here: its later records are shown as they went.

## Extensions
wire-note-sni = The name of the host the member wants, in the clear (so a host with many names can pick the certificate).
wire-note-groups = The key-exchange groups the member can use, in order of preference.
wire-note-signature-algorithms = The signature schemes the member accepts for the host's signature, with its certificate's key, over the handshake.
wire-note-alpn = Application protocols: tlschat members offer tlschat/1; a host that selects it speaks JSON lines, one without it plain text.
wire-note-supported-versions = The real version: TLS 1.3 keeps 1.2 in the old version fields and says 1.3 here.
wire-note-key-share = Ephemeral public keys for (EC)DH or ML-KEM: each side keeps its private part, and the shared secret is computed, never sent. A post-quantum hybrid share (X25519MLKEM768) is about 1.2 KB; an X25519 one is 32 bytes.
wire-note-psk-modes = How a resumed session may be keyed: psk_dhe_ke still does a fresh key exchange (forward secrecy).
wire-note-psk-offered = The member offers a ticket from an earlier session, to resume it without a certificate.
wire-note-psk-accepted = The host accepted the ticket: this is a resumed session, and no certificate is sent.
wire-note-ems = TLS 1.2: the master secret is bound to the whole handshake (RFC 7627).

## An opened record
wire-note-opened-application = Decrypted here with this connection's own application traffic secret, as the key log names it: the AEAD of the cipher suite, with the nonce below and the record header as additional data.
wire-note-opened-handshake = Decrypted here with this connection's own handshake traffic secret, as the key log names it: the AEAD of the cipher suite, with the nonce below and the record header as additional data.
wire-note-opened-master = Decrypted here with keys from this connection's master secret (the key block), as the key log names it: the AEAD of the cipher suite, with the nonce below; the sequence number, the record's type and version and the plaintext's length are the additional data.
wire-note-seq = Never sent: each side counts the records it sends from 0, starting again at 0 with each new key (in TLS 1.3: the handshake's, the application's, each KeyUpdate's), and both ends count the same. It goes into the nonce (and, in TLS 1.2, into the authenticated data), so a record replayed, dropped or moved does not open.
wire-note-nonce-xor = The IV made from the traffic secret, XOR the sequence number (RFC 8446 §5.3; RFC 7905 for ChaCha20 in TLS 1.2). Never sent: a nonce is never used twice with one key.
wire-note-nonce-explicit = TLS 1.2 AES-GCM (RFC 5288): 4 bytes from the key block, then the 8-byte explicit nonce the record carries in the clear.
wire-note-ciphertext = What a listener on the network sees: without the keys, bytes that say nothing but their length.
wire-note-tag = Proves the record was not changed on the way: a single changed bit and it does not open.
wire-note-inner-type = TLS 1.3 hides the real type inside the encryption: every record says ApplicationData outside.
wire-note-padding = Zeros a sender may add to hide the real length (tlschat, through rustls, adds none; another program may).
wire-note-application-data = The plaintext this record carried: the chat's own bytes (a tlschat/1 JSON line, or a plain-text line), as only the two ends can read them.

## Titles of records
wire-title-tls12-finished-closed = Handshake (encrypted: Finished)
wire-title-sealed = ApplicationData (encrypted with the session keys, not opened: chat data, a session ticket, a KeyUpdate or an alert look alike from outside)
wire-title-sealed-alert = Alert (encrypted with the session keys, not opened: its level and description are hidden)
wire-title-appdata-clear = ApplicationData before ChangeCipherSpec (not encrypted)
wire-title-sealed-handshake = ApplicationData (encrypted handshake, not opened)
wire-title-opened = { $outer }, decrypted: { $what }
wire-title-opened-data = { $outer } #{ $seq }, decrypted: { $preview }

## Values
wire-value-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
wire-value-record = { $kind } record, { $count } bytes
wire-value-named-bytes = { $name }, { $count } bytes
wire-value-bytes-echoed = { $count } bytes (echoed)
wire-value-schemes = { $count ->
        [one] { $count } scheme
       *[other] { $count } schemes
    }
wire-value-offered = { $count } offered
wire-value-compression = { $count } (none: null only)
wire-value-extensions = { $count ->
        [one] { $count } extension
       *[other] { $count } extensions
    }
wire-value-certificates = { $count ->
    [one] { $count } certificate
   *[other] { $count } certificates
}
wire-value-public-key = public key, { $count } bytes
wire-value-seconds = { $count } s
wire-value-ticket = { $count } bytes (opaque: only the host can read it)
wire-value-hrr-random = HelloRetryRequest (a fixed value)
wire-value-asks-for = asks for { $group }
wire-value-fragment = { $count } bytes of a handshake message that goes on in the next record (shown whole there)
wire-value-fragment-too-long = { $count } bytes of a message continued in another record (too long to put together)
wire-value-more-messages = { $count ->
        [one] one more message, not shown one by one
       *[other] { $count } more messages, not shown one by one
    }
wire-value-verify-data = { $count } bytes (an HMAC over the whole handshake so far)
wire-value-update-requested = update_requested (the other side updates its keys too)
wire-value-malformed = malformed
wire-value-on = on
wire-value-key-updates = after { $count } { $count ->
        [one] KeyUpdate
       *[other] KeyUpdates
    }
wire-value-data = { $count } bytes: { $text }
wire-value-opened-application = opened with the application traffic secret
wire-value-opened-handshake = opened with the handshake traffic secret
wire-value-opened-master = opened with the master secret
wire-value-alert = level { $level }, { $description }

## Field names (protocol names stay as the RFCs write them)
wire-label-certificate-n = certificate { $n }
wire-label-malformed-message = malformed handshake message type { $kind }
wire-label-message-type = handshake message type { $kind }
wire-label-record-header = record header
wire-label-content-type = content type
wire-label-legacy-version = legacy version
wire-label-length = length
wire-label-random = random
wire-label-session-id = session id
wire-label-cipher-suites = cipher suites
wire-label-cipher-suite = cipher suite
wire-label-compression = compression methods
wire-label-extensions = extensions
wire-label-group = group
wire-label-scheme = scheme
wire-label-protocol = protocol
wire-label-version = version
wire-label-key-share = key share
wire-label-host-name = host name
wire-label-subject = subject
wire-label-issuer = issuer
wire-label-signature-scheme = signature scheme
wire-label-signature = signature
wire-label-public-key = public key
wire-label-fragment = fragment
wire-label-more-messages = more messages
wire-label-malformed-extension = malformed extension
wire-label-encrypted-record = encrypted record
wire-label-finished-encrypted = Finished (encrypted)
wire-label-encryption = encryption
wire-label-seq = sequence number
wire-label-traffic-secret = traffic secret
wire-label-nonce = nonce
wire-label-explicit-nonce = explicit nonce
wire-label-ciphertext = encrypted bytes
wire-label-tag = AEAD tag
wire-label-inner-type = inner content type
wire-label-padding = padding
wire-label-application-data = application data
wire-label-ticket-lifetime = ticket lifetime
wire-label-ticket = ticket
