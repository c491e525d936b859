# What src/net tells the user, carried as data and put into words by the
# window or the terminal. (Lines sent to other members stay English and are
# not here.)

## Durations.
net-age-seconds = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}
net-age-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
net-age-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
net-age-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}

## Why a certificate is not trusted (the warning's "Why:").
net-trust-unknown-issuer = the certificate was issued by an authority this computer does not trust
net-trust-self-signed = the certificate is self-signed: nobody vouches for it but the host itself
# $clock is "yes" when the difference is under two days (a clock may be wrong).
net-trust-expired = the certificate expired { $age } ago, on { $date }{ $clock ->
    [yes] {" "}(if that seems wrong, check this computer's clock)
   *[no] {""}
}
net-trust-not-yet-valid = the certificate is not valid until { $date }, { $age } from now{ $clock ->
    [yes] {" "}(if that seems wrong, check this computer's clock)
   *[no] {""}
}
net-trust-wrong-name = the certificate is not valid for { $expected }; it is valid for { $valid_for }
net-trust-wrong-name-none = the certificate is not valid for { $expected }; it is valid for no host name at all
net-trust-bad-signature = a signature in the certificate chain is not valid
net-trust-weak-algorithm = the certificate is signed with an algorithm that is unsupported or too weak
net-trust-not-end-entity = the host presented a certificate authority's certificate as its own
net-trust-wrong-purpose = the certificate is not meant for TLS servers
net-trust-revoked = the certificate has been revoked
net-trust-bad-encoding = the certificate is malformed
net-trust-other = the certificate is not valid: { $what }
net-trust-identity-changed = the host's identity has changed: this is not the certificate you accepted on { $date }, and its key is different

## Who came and went (the terminal and the window; the host's lines to
## plain-text members stay English).
net-joined = { $who } joined
net-left = { $who } left
net-left-why = { $who } left ({ $why })
net-renamed = { $old } is now known as { $new }
net-disconnected = Disconnected: { $reason }
net-names-list = { $names }
net-names-more = { $names } and { $more } { $more ->
    [one] other
   *[other] others
}
net-reason-left = left
net-reason-connection-lost = connection lost
net-reason-too-slow = too slow to keep up
net-reason-protocol-error = protocol error
net-reason-room-closed = the room closed
net-reason-removed = removed by the host
net-reason-other = for another reason
