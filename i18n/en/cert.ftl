# The connection and certificate details (src/ui/cert_view.rs), with the
# walk-through "How this connection was secured".

cert-title = Connection and certificate
cert-page-overview = Overview
cert-heading-connection = Connection
cert-keylog = ⚠ writing TLS secrets to { $path } — anyone who reads it can decrypt this session
cert-heading-refused = The certificate that was refused
cert-heading-own = Your certificate (what members are shown)
cert-heading-host = The host's certificate
cert-how-secured = How this connection was secured
cert-none-yet = No certificate yet.
cert-tab-server = { $name } (server)
cert-tab-issuer = { $name } (issuer)
cert-copy-pem = Copy certificate PEM
cert-copy-chain = Copy chain PEM
cert-save-chain = Save chain as…
cert-save-chain-hover = All the certificates above, as PEM, in a file you choose

## The connection's rows.

cert-connected-to = Connected to
cert-protocol = Protocol
cert-cipher-suite = Cipher suite
cert-key-exchange = Key exchange
cert-alpn = ALPN
cert-alpn-none = none: plain-text room
cert-sni = Server name (SNI)
cert-sni-none = none sent (connected by IP address)
cert-handshake = Handshake
cert-handshake-value = { $kind }, { $ms } ms
cert-handshake-full = full
cert-handshake-retry = full, after a HelloRetryRequest
cert-handshake-resumed = resumed
cert-trust = Trust
cert-trust-verified = Verified: the chain leads to the trusted root { $anchor }
cert-trust-pinned-exact = Not verified ({ $problem }); accepted because it is exactly the certificate you made an exception for
cert-trust-pinned-key = Not verified ({ $problem }); accepted because it has the same key as the certificate you made an exception for (a renewal), which your exception now covers

## A certificate's rows.

cert-parse-error = the certificate could not be parsed: { $error }
cert-subject = Subject
cert-issuer = Issuer
cert-not-before = Not before
cert-not-after = Not after
cert-not-after-value = { $date } ({ $note })
cert-valid-not-yet = not valid for { $days } more { $days ->
        [one] day
       *[other] days
    }
cert-valid-expired = expired { $days } { $days ->
        [one] day
       *[other] days
    } ago
cert-valid-expires = expires in { $days } { $days ->
        [one] day
       *[other] days
    }
cert-sans = Subject alt names
cert-none = none
cert-public-key = Public key
cert-key-size = { $algorithm } ({ $bits } bits)
cert-signature-algorithm = Signature algorithm
cert-serial = Serial number
cert-version = Version
cert-sha256 = SHA-256 fingerprint
cert-copy-sha256 = Copy SHA-256
cert-safety-code = Safety code
cert-sha1 = SHA-1 fingerprint
cert-copy-sha1 = Copy SHA-1
cert-key-sha256 = Public key SHA-256
cert-copy-key-sha256 = Copy key SHA-256
cert-no-key = none (WebPKI cannot parse this certificate)
cert-basic-constraints = Basic constraints
cert-ca-path = CA, path length { $length }
cert-ca = CA
cert-not-ca = not a CA
cert-absent = absent
cert-key-usage = Key usage
cert-extended-key-usage = Extended key usage
cert-subject-key-id = Subject key ID
cert-authority-key-id = Authority key ID
cert-extensions = Extensions
cert-extension = { $name } ({ $oid })
cert-extension-critical = { $name } ({ $oid }) — critical
cert-list-separator = {", "}

## Key usages (RFC 5280 4.2.1.3) and extended key usages.

cert-use-digital-signature = Digital Signature
cert-use-non-repudiation = Non Repudiation
cert-use-key-encipherment = Key Encipherment
cert-use-data-encipherment = Data Encipherment
cert-use-key-agreement = Key Agreement
cert-use-key-cert-sign = Key Cert Sign
cert-use-crl-sign = CRL Sign
cert-use-encipher-only = Encipher Only
cert-use-decipher-only = Decipher Only
cert-purpose-any = any
cert-purpose-server-auth = TLS server authentication
cert-purpose-client-auth = TLS client authentication
cert-purpose-code-signing = code signing
cert-purpose-email = email protection
cert-purpose-time-stamping = time stamping
cert-purpose-ocsp = OCSP signing

## "How this connection was secured": the handshake that happened, step
## by step. A step is "NUMBER. TITLE" and its text.

cert-walk-step = { $number }. { $title }
# What goes between two sentences made apart.
cert-walk-gap = {" "}
cert-walk-hello-title = You said hello (ClientHello)
cert-walk-chose-title = The host chose (ServerHello)
cert-walk-secret-title = A shared secret, never sent
cert-walk-cert-title = The host's certificate
cert-walk-proof-title = The host proved it holds the key
cert-walk-you-title = You proved who you are
cert-walk-host-finished-title = The host's Finished
cert-walk-your-finished-title = Your Finished
cert-walk-finished-title = Finished
cert-walk-messages-title = Your messages

# Step 1.
cert-walk-hello-sni = tlschat offered TLS 1.3 and 1.2, the key-exchange groups { $groups } (key shares for the preferred ones sent right away), ALPN { $alpn }, and the server name { $name } (SNI, sent unencrypted).
cert-walk-hello-no-sni = tlschat offered TLS 1.3 and 1.2, the key-exchange groups { $groups } (key shares for the preferred ones sent right away), ALPN { $alpn }, and no server name (SNI), because you connected by IP address.

# Step 2.
cert-walk-chose = { $protocol }, cipher suite { $suite }, key exchange { $group }.
cert-walk-chose-retry = { $protocol }, cipher suite { $suite }, key exchange { $group } — after asking for a key share for that group (HelloRetryRequest).
cert-walk-hybrid = This is a hybrid post-quantum exchange: { $classical } Diffie-Hellman together with ML-KEM-768 key encapsulation, so the secret stays safe unless both are broken.

# Step 3.
cert-walk-kem = ML-KEM-768 is key encapsulation: your hello carried an ML-KEM public key, the host used it to encapsulate a fresh random secret and sent back only the ciphertext, which only your private key could open.
cert-walk-secret-hybrid = Two secrets, neither of which crossed the network. { $classical } is Diffie-Hellman: each side combined its own ephemeral private key with the other's public key share into the same secret. { $kem } The two secrets, concatenated, are the shared secret.
cert-walk-secret-kem = The shared secret never crossed the network. { $kem }
cert-walk-secret-ecdh = Each side combined its own ephemeral private key with the other's public key share (elliptic-curve Diffie-Hellman, { $group }) into the same secret, which never crossed the network.
cert-walk-secret-13 = { $agreement } TLS 1.3's key schedule (HKDF with { $hash }) turned it into the keys that encrypt everything after ServerHello — the host's certificate included. The ephemeral keys are discarded, so stealing the host's certificate key later cannot decrypt this conversation (forward secrecy).
cert-walk-secret-12 = { $agreement } It is the pre-master secret. { $master } The ephemeral keys are discarded (forward secrecy). In TLS 1.2 the certificate itself travels unencrypted.
cert-walk-ems = TLS 1.2's PRF with { $hash } derived the master secret from the pre-master secret and the session hash — a hash of every handshake message up to your key exchange — so the keys belong to this one handshake and cannot be carried into another (the extended master secret, RFC 7627). The session keys come from the master secret and both hello randoms.
cert-walk-ems-tlschat = tlschat asks for the extended master secret and a tlschat host always agrees: { $ems }
cert-walk-ems-other = tlschat asks for the extended master secret, and current servers agree; then { $ems } (rustls does not report whether this host agreed, and does not insist: a server too old to know it gets the older derivation of the master secret from the pre-master secret and both hello randoms.)

# Step 4.
cert-walk-host-sent = The host sent { $count } { $count ->
        [one] certificate
       *[other] certificates
    }. { $trust }
cert-walk-host-sent-for = The host sent { $count } { $count ->
        [one] certificate
       *[other] certificates
    }, for { $name }. { $trust }
cert-walk-trust-verified = tlschat checked that the chain leads to a root you trust ({ $anchor }), that every certificate in it is valid today, and that it is valid for { $host }.
cert-walk-trust-exact = It did not verify ({ $problem }); it was accepted only because it is exactly the certificate you made an exception for.
cert-walk-trust-key = It did not verify ({ $problem }); it was accepted because it has the same key as the certificate you made an exception for: a renewal, which your exception now covers.

# Step 5. KEY is empty, or the certificate's key as cert-walk-key says it.
cert-walk-proof-13 = The host signed a hash of the whole handshake so far (CertificateVerify) with the certificate's private key ({ $scheme }); tlschat checked the signature with the public key in the certificate{ $key }. The certificate's key only signs: it does not encrypt any secret — the keys came from step 3.
cert-walk-proof-12 = The host signed its key share and both hello randoms (ServerKeyExchange) with the certificate's private key ({ $scheme }); tlschat checked the signature with the public key in the certificate{ $key }. The certificate's key only signs: it does not encrypt any secret — the keys came from step 3.
cert-walk-key = {" "}({ $key })

# Your certificate (when the host asked for one) and the Finished messages.
cert-walk-own-key = your own key, safety code { $code }
cert-walk-you-13 = The host had asked for a certificate. After its Finished, you sent yours ({ $name }), encrypted, and signed a hash of the whole handshake with its key (CertificateVerify).
cert-walk-you-12 = The host had asked for a certificate. After its hello was done, you sent yours ({ $name }) and then signed the handshake so far with its key (CertificateVerify).
cert-walk-host-finished = The host sent a MAC over the whole handshake, keyed from the shared secret: had anyone altered a single message above, the connection would have failed here.
cert-walk-your-finished = You sent the same kind of MAC over the whole handshake, your part included; the host checks it before it takes a message from you.
cert-walk-finished-12 = You, then the host, sent a MAC over the whole handshake, keyed from the shared secret: had anyone altered a single message above, the connection would have failed here.

# The last step: it follows its title, "Your messages".
cert-walk-messages-plain = travel as { $aead } encrypted records, as plain text lines (the host does not speak tlschat/1). The handshake was { $kind } and took { $ms } ms.
cert-walk-messages-json = travel as { $aead } encrypted records, as { $alpn } JSON lines. The handshake was { $kind } and took { $ms } ms.
