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

## Notices (the window's conversation and the terminal's `* ` lines).
# Words as someone said them (the host, a peer's error): shown as they are.
net-said = { $text }
# Said to the host's window or terminal only.
net-history-file = history: { $file } ({ $kept } messages kept, at most { $keep })
net-history-skipped = history: { $count } stored messages cannot be read and are not shown to anyone
net-room-closed-itself = the room closed itself: a connection could hear it without being in the member list (a bug)
net-view-behind = { $count } messages are not shown here: this view fell too far behind the room
net-no-invitation = there is no invitation { $id } to revoke
net-nobody-waiting = nobody is waiting at the door as { $id }
net-stopped-waiting = { $id } stopped waiting at the door
net-knock-banned = { $id } is banned: not let in
net-invitation-too-small = an invitation needs at least one use and one hour
net-invitation-failed = cannot make an invitation: { $error }
net-door-unreadable = the room's door could not be read back: { $error }
net-door-not-stored = a change to the room's door was not stored: { $error }
net-no-member = no member named { $nick }
net-host-cannot-remove-itself = the host cannot remove or mute itself
net-cannot-ban = { $nick } cannot be banned: neither its key nor its address is known
net-cannot-mute = { $nick } cannot be muted: neither its key nor its address is known
net-no-ban = there is no ban { $id }
net-not-muted = { $nick } is not muted
net-room-closing = the room is closing
net-not-member = you are not in the room
net-nick-taken = the nickname { $wanted } is taken
net-nick-kept = the nickname { $wanted } is kept for another member's key
net-nick-looks-like = the nickname { $wanted } is taken: it looks like { $like }
# Said to the whole room too (members read the English).
net-name-kept = someone asked for the name { $asked }, which is kept for the key that had it here: they are { $given }
net-removed = { $nick } was removed by the host
net-removed-why = { $nick } was removed by the host ({ $why })
net-banned = { $nick } was banned by the host
net-banned-why = { $nick } was banned by the host ({ $why })
# Said to a member.
net-known-hosts-not-updated = could not update the known hosts: { $error }
net-nick-later = you will ask to be { $nick } when the connection is back
net-plain-text-mode = { $target } does not speak tlschat/1: plain text mode, lines go as they are and delivery cannot be confirmed
net-ignored-line = ignored a line from the host: { $why }
net-host-says = the host says: { $message }
net-pin-renewed = { $target } has a new certificate with the same key as the one you accepted on { $date }; your exception now covers the new one
net-exception-remembered = { $target }: your exception for this certificate is remembered

## Why a session ended (after "Disconnected: "), or why a connection dropped.
net-end-left-room = you left the room
net-end-left = you left
net-end-cancelled = you cancelled the connection
net-end-closed-room = you closed the room
net-end-closed = { $target } closed the connection
net-end-closed-silently = the host closed the connection without a word
net-end-lost = the connection to { $target } was lost: { $error }
net-end-cannot-connect = cannot connect to { $target }: { $error }
net-end-cannot-connect-at-all = cannot connect to { $target }
net-end-refused = cannot connect to { $target }: connection refused (is a host running there?)
net-end-no-answer = cannot connect to { $target }: no answer within { $seconds } s
net-end-resolve = cannot resolve { $host }: { $error }
net-end-resolve-timeout = cannot resolve { $host }: the lookup timed out
net-end-resolve-none = cannot resolve { $host }: no addresses
net-end-handshake-timeout = the TLS handshake with { $target } did not finish within { $seconds } s
net-end-not-tls = { $target } does not speak TLS (its answer is not a TLS handshake)
net-end-alert-nothing-in-common = the TLS handshake with { $target } failed: the host sent the alert { $alert } (no TLS version, cipher suite or key-exchange group in common? compare --tls-version and --groups)
net-end-alert = the TLS handshake with { $target } failed: the host sent the alert { $alert }
net-end-incompatible = the TLS handshake with { $target } failed: the host has nothing in common with what we offered ({ $why }; compare --tls-version and --groups)
net-end-handshake-failed = the TLS handshake with { $target } failed: { $error }
net-end-closed-in-handshake = { $target } closed the connection during the TLS handshake (is it a TLS server?)
net-end-untrusted = the certificate of { $target } is not trusted: { $problem }
net-start-invitation-failed = cannot make the start invitation: { $error }

## Nicknames, TLS options and invite links (the start screen's fields).
net-nick-far-too-long = that nickname has { $count } characters; the most is { $max }
net-nick-empty = a nickname needs at least one character
net-nick-refused = '{ $quoted }' is not a valid nickname: { $why }
net-nick-too-long = it has { $count } characters; the most is { $max }
net-nick-marks = it has '{ $base }' with { $count } combining marks; a letter carries at most { $max }
net-nick-accents = it has '{ $base }' with { $count } combining accents; a letter carries at most { $max }
net-tls-unknown-group = unknown key-exchange group { $name } (valid: { $valid })
net-tls-no-group = no key-exchange group given (valid: { $valid })
net-tls-unknown-version = unknown TLS version { $text } (valid: 1.2, 1.3)
net-tls-none-for-tls12 = none of the key-exchange groups { $groups } works with TLS 1.2 (X25519MLKEM768 is TLS 1.3 only; choose X25519, secp256r1 or secp384r1)
net-invite-not-valid = not a valid invite link: { $why }
net-invite-too-long = the link is { $bytes } bytes long; an invite is at most { $max }
net-invite-bad-character = the link contains { $what }, which no invite contains (host names are written in ASCII, xn--…)
net-invite-not-tlschat = it is not a tlschat:// link
net-invite-user-info = the link has a user name or password (…@host), which invites never have
net-invite-escape = the link contains a %-escape; invites have none (IPv6 link-local addresses with a zone id cannot be invited to)
net-invite-bad-host = bad host: { $why }
net-invite-bad-port = bad port '{ $port }': expected a number from 1 to 65535
net-invite-path = the link has a path ('{ $path }'); an invite has none
net-invite-query = the link has a query ('?…'); an invite carries its pin after '#'
net-invite-unknown-parameter = unknown parameter '{ $name }' (an invite has only pin=SHA256:… and invite=…)
net-invite-duplicate-parameter = the parameter '{ $name }' is given twice
net-invite-bad-pin = the pin is not SHA256: followed by 64 hex digits
net-invite-bad-code = the invitation code is not 32 hex digits
net-nick-space = it contains a space, { $c }
net-nick-control = it contains a control character, { $c }
net-nick-reverses = it contains a character that reverses text, { $c }
net-nick-blank = it contains a character that draws as nothing, { $c }
net-nick-placeholder = it contains a placeholder for something missing, { $c }
net-nick-private-use = it contains a private-use character, { $c }, which draws as whatever a font likes
net-nick-unassigned = it contains an unassigned code point, { $c }, which no font draws
net-nick-syntax = it contains '{ $c }': { $role }
net-nick-looks-like-syntax = it contains '{ $c }' ({ $spelled }), which looks like '{ $like }': { $role }
net-nick-bracket = it contains '{ $c }' ({ $spelled }), a bracket: brackets other than [ ] {"{"} {"}"} read as the <name> and (host) the room writes around names
net-nick-slash = it starts with '/': a line that starts with '/' is a command, so nobody could start a line with this name
net-nick-mark = it starts with a combining mark, { $c }, which would be drawn on whatever comes before the name
net-nick-role-angle = plain-text rooms show who speaks as <name>
net-nick-role-star = plain-text rooms start notices with *
net-nick-role-comma = lists of members separate names with commas
net-nick-role-parenthesis = parentheses are kept for (host) and (you)
net-end-host-closed = the host closed the room

## Why a message of ours was not delivered.
net-unsent-not-in-time = the host did not acknowledge it in time
net-unsent-you-left = you left before the host acknowledged it
net-unsent-room-closed = the room closed before it was delivered
net-unsent-not-acknowledged = it was not acknowledged: { $why }
net-unsent-too-long = the message is too long ({ $bytes } bytes encoded; the limit is { $max })
net-unsent-lost = the connection was lost: { $error }
net-unsent-refused = the host refused it: { $message }
net-unsent-not-connected = not connected to a room
net-unsent-room-has-closed = the room has closed
