# The demo's third window (tlschat demo --listener | --impostor): the relay
# between the demo's member and its host, told in the words of the member's
# "How this connection was secured".
demo-listener-window = tlschat — listener
demo-impostor-window = tlschat — impostor
demo-listener-title = A listener on the network
demo-listener-statement = This window stands between the member and the host and passes every byte on untouched. It sees what anyone on the network sees: which records pass, how big they are, and their encrypted bytes. Without the session keys it cannot read a word of what you write.
demo-impostor-title = An impostor in the middle
demo-impostor-statement = This window pretends to be the host, with a certificate of its own for the host's name. If the member refuses that certificate, the impostor gets nothing. If the member proceeds anyway, the impostor reads every line in plain text as it passes it on.
demo-listening = Listening on { $addr } (loopback only), in front of the host at { $upstream }.
demo-presents = Presents: { $subject } issued by { $issuer } ({ $fingerprint })
demo-totals = Member → host: { $up } { $up_unit }, { $up_bytes } bytes · host → member: { $down } { $down_unit }, { $down_bytes } bytes
demo-totals-unit = { $unit ->
        [records] { $count ->
            [one] record
           *[other] records
        }
       *[lines] { $count ->
            [one] line
           *[other] lines
        }
    }
demo-fell-behind = { $count ->
        [one] One thing the relay saw is not shown: this window fell behind.
       *[other] { $count } things the relay saw are not shown: this window fell behind.
    }
demo-no-connection = No connection yet.
demo-note = #{ $conn } { $text }
demo-note-opened = a connection came in from { $from }
demo-note-accepted = the member accepted the impostor's certificate: the impostor now holds this connection's keys
demo-note-host-verified = the impostor connected to the real host as a member, its certificate verified ({ $subject })
demo-note-not-tls = { $dir }: bytes that are not TLS records: { $hex }
demo-end-closed = closed
demo-end-refused = the member ended the handshake without accepting the impostor's certificate: nothing the member writes was sent
demo-end-refused-alert = the member refused the impostor's certificate with the TLS alert { $alert }: nothing the member writes was sent
demo-end-unreachable = the real host could not be reached: { $error }
demo-end-too-long = a line longer than the protocol allows: closed
demo-end-failed = ended: { $error }
demo-to-host = member → host
demo-to-member = host → member
demo-record-handshake-named = Handshake: { $name }, in the clear
demo-record-handshake = Handshake, in the clear
demo-record-handshake-encrypted = Handshake after ChangeCipherSpec: encrypted (TLS 1.2's Finished), its message type hidden
demo-record-appdata = ApplicationData: encrypted
demo-record-row = #{ $conn } { $dir }  type { $type } ({ $what })  version { $version }  { $length } bytes
demo-records-title = Records on the wire
demo-nothing-passed = Nothing has passed yet.
demo-lines-title = What the impostor reads
demo-line-row = #{ $conn } { $dir }: { $text }
demo-nothing-to-read = Nothing to read: no member has accepted the impostor's certificate.
demo-steps-listener = What the listener sees of each step
demo-steps-impostor = What the impostor does at each step
demo-steps-compare = Compare with the member's connection details: "How this connection was secured".
demo-step-hello-title = You said hello (ClientHello)
demo-step-chose-title = The host chose (ServerHello)
demo-step-secret-title = A shared secret, never sent
demo-step-encrypted-title = The host's certificate, its proof, Finished
demo-step-cert-title = The host's certificate
demo-step-messages-title = Your messages
demo-step-back-title = Back to safety
demo-step-proceed-title = Proceed anyway
demo-step-pinned-title = A host you pinned before
demo-listener-hello = Seen in the clear: a Handshake record with the versions, key-exchange groups and key shares and ALPN the member offered, and the server name (SNI) when it dialled a name.
demo-listener-chose = Seen in the clear too: the chosen cipher suite and the host's key share.
demo-listener-secret = Both key shares passed by here, but the secret is made from them with private keys that never left the two machines. The listener cannot compute it, nor the keys made from it.
demo-listener-encrypted = In TLS 1.3 these travel already encrypted, as ApplicationData records: the listener sees only their sizes. (In TLS 1.2 the certificate passes in the clear.)
demo-listener-messages = Each line travels as ApplicationData records: the listener sees their size (which gives away about how long a message is) and their ciphertext, never a word. If it changed a byte, the authentication tag would not match and the receiver would drop the connection.
demo-impostor-hello = The impostor answers in the host's place: the member's hello never reaches the host.
demo-impostor-secret = The key agreement happens with the impostor, not the host: if the handshake completes, the impostor holds the session keys.
demo-impostor-cert = The impostor presents a certificate of its own for the host's name, issued by its own CA. The member's tlschat checks it against the authorities it trusts and refuses it: unknown issuer. That is the warning in the member's window.
demo-impostor-back = The member breaks off the handshake. Nothing the member writes is sent: the impostor is left with nothing, and never even talks to the host.
demo-impostor-proceed = The member trusts exactly the impostor's certificate. The impostor opens its own connection to the real host (verifying the host's certificate properly) and passes the member's first line on, invitation included: the host lets it in as that member, but not with the member's key, which the impostor cannot prove it holds (the host's member list shows no key for it). Each line is decrypted here, read, and encrypted again for the other side.
demo-impostor-pinned = A member that had pinned the host's own certificate at this address (from an invite link, or an exception it made) gets the "identity has changed" alarm instead, with no way through.
