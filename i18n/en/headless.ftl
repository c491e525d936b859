# What the terminal (headless mode) prints for the local user. Lines are
# printed after a "* " marker where the English has one.
headless-cert-line = { $subject } issued by { $issuer }, valid { $from } to { $until }
headless-connected = connected to { $target } ({ $addr }): { $protocol }, { $suite }, key exchange { $kx }, ALPN { $alpn }, { $kind } handshake in { $ms } ms
headless-alpn-none = none (plain text)
headless-certificate = certificate: { $line }
headless-fingerprint = fingerprint: { $fp }
headless-safety-code = safety code: { $code }
headless-verified-by = trusted: verified by { $anchor }
headless-pinned-exact = trusted by your pin of this exact certificate, although { $reason }
headless-pinned-same-key = trusted by your pin of an earlier certificate with the same key (this one renews it), although { $reason }
headless-cert-subject = subject:     { $value }
headless-cert-issuer = issuer:      { $value }
headless-cert-valid-for = valid for:   { $value }
headless-cert-no-names = (no host names)
headless-cert-validity = validity:    { $from } to { $until }
headless-cert-fingerprint = fingerprint: { $value }
headless-cert-safety-code = safety code: { $value }
headless-cert-key = key SHA-256: { $value }
headless-identity-changed = WARNING: THE IDENTITY OF { $target } HAS CHANGED [{ $code }]
headless-impersonating = Someone may be impersonating { $target } — or its owner replaced its key. { $reason }.
headless-not-trusted = the certificate of { $target } is not trusted: { $reason } [{ $code }]
headless-presented-now = presented now:
headless-known-since = known since { $date }:
headless-nothing-sent = Nothing was sent.
headless-cannot-bypass = This cannot be bypassed with --pin. Only if you know why it changed, forget the old one with `tlschat trust remove { $target }`.
headless-join-with-pin = If the host's owner confirms this fingerprint (safety code { $code }), join with --pin { $fp }
headless-hosting = hosting on { $addr }: tlschat members and plain TLS clients (openssl s_client, ncat --ssl) can join
headless-host-fingerprint = fingerprint: { $fp }  (members compare it, or join with --pin)
headless-host-safety-code = safety code: { $code }  (read it to each other: members see the same)
headless-invite = invite: { $link }
headless-invite-local = invite: { $link }  (this machine only)
headless-waiting = waiting for the host to let you in
headless-you-are = you are { $nick }; in the room: { $names }
headless-reconnecting = { $reason }; reconnecting in { $seconds } s (attempt { $attempt })
headless-history-end = end of history: { $count ->
    [one] the message above was
   *[other] the { $count } messages above were
} said before you joined
headless-history-end-missed = end of history: { $count ->
    [one] the message above was
   *[other] the { $count } messages above were
} said before you joined; { $missed } more { $missed ->
    [one] was
   *[other] were
} said and { $missed ->
    [one] is
   *[other] are
} no longer kept
headless-back-nothing = back in the room: nothing was said while you were away
headless-back = back in the room: { $count } new { $count ->
    [one] message
   *[other] messages
} while you were away
headless-back-missed = back in the room: { $count } new { $count ->
    [one] message
   *[other] messages
} while you were away; { $missed } more { $missed ->
    [one] was
   *[other] were
} said and { $missed ->
    [one] is
   *[other] are
} no longer kept
headless-who = in the room ({ $count }):
headless-who-key = safety code { $code }
headless-who-no-key = (no key)
headless-who-client-ca = client CA: { $identity }
headless-who-more = and { $count } { $count ->
    [one] other
   *[other] others
}
headless-connecting = connecting to { $target }…
headless-disconnected = disconnected: { $reason }

## /help
headless-help-title = commands (any other line is said in the room):
headless-help-host-also = the host also has /invite, /kick, /ban, /mute … (see README)
headless-help-nick = take another name
headless-help-who = who is in the room, with each key's safety code
headless-help-help = this list
headless-help-quit = leave (a host closes the room; a host's stdin ending does not)
headless-help-invite = a new invitation link: single use and 24 hours unless you say (USES: a number or any; HOURS: a number or never)
headless-help-invites = the invitations: id, uses left, expiry
headless-help-revoke = revoke an invitation (its links stop working)
headless-help-admit = let a knocking member in (#ID for its lobby id)
headless-help-refuse = send a knocking member away (#ID for its lobby id)
headless-help-kick = put a member out (its key may come back)
headless-help-ban = put a member out and ban its key (no key: its address, /64 for IPv6)
headless-help-unban = lift a ban
headless-help-bans = the bans: id, name, key or address, reason
headless-help-mute = the member may read but not speak
headless-help-unmute = the member may speak again

## The door, as the host's terminal prints it.
headless-door-open = the room is open (--access open): anyone who can reach this port comes in
headless-door-invite = the room is invite-only: the invite links above carry a reusable invitation (it expires after 7 days); /invite makes single-use ones, /help lists the commands
headless-door-knock = newcomers knock (--access knock): you are asked to let each new key in with /admit NICK or /refuse NICK
headless-uses-any = any number of uses
headless-uses = { $n ->
    [one] single use
   *[other] { $n } uses
}
headless-uses-left = { $n ->
    [0] used up
    [one] 1 use left
   *[other] { $n } uses left
}
headless-never-expires = never expires
headless-expired = expired
headless-expires = expires { $date }
headless-invite-id = invite { $id }{ $terms }: { $link }
headless-invite-id-local = invite { $id }{ $terms }: { $link }  (this machine only)
headless-no-invitations = no invitations (/invite makes one)
headless-invitations = invitations ({ $count }), /revoke ID ends one:
headless-ban-key = key with safety code { $code }
headless-ban-address = address { $address }
headless-nobody-banned = nobody is banned
headless-bans = bans ({ $count }), /unban ID lifts one:
headless-ban-reason = reason: { $reason }
headless-knock-key = safety code { $code }…
headless-knock-no-key = no key, from { $addr }
headless-knocks = { $nick } ({ $who }) asks to come in: /admit { $name } or /refuse { $name }
headless-invite-revoked = invite { $id } no longer works (revoked)
headless-ban-made = ban { $id }: { $nick } ({ $target }) may not come in; /unban { $id } lifts it
headless-ban-lifted = ban { $id } lifted: { $nick } may come in again
headless-muted = { $nick } is muted: it reads but cannot speak
headless-unmuted = { $nick } may speak again

## Why a typed command was not sent (on stderr, after "tlschat: ").
headless-input-missing = { $command } needs { $what } (usage: { $usage })
headless-input-bad = { $command }: { $what } must be { $expected }, not { $given } (usage: { $usage })
headless-input-extra = { $command } takes { $takes }; { $extra } is too much (usage: { $usage })
headless-phrase-a-name = a name
headless-phrase-knocking = the name of a knocking member
headless-phrase-member = a member's name
headless-phrase-nothing = nothing
headless-phrase-one-name = one name (names have no spaces)
headless-phrase-an-id = an id (see /invites or /bans)
headless-phrase-one-id = one id
headless-phrase-number = a number
headless-phrase-uses = a number from 1 up, or any
headless-phrase-hours = a number from 1 up, or never
headless-phrase-uses-hours = at most USES and HOURS
headless-host-only = { $command }: only the host can do that
headless-lobby-nobody = nobody called { $nick } is waiting to come in{ $waiting }
headless-lobby-nobody-is = {" "}(nobody is)
headless-lobby-waiting = {" "}(waiting: { $names })
headless-lobby-ambiguous = { $count } members waiting are called { $nick }: name one by its lobby id, { $ids }
headless-lobby-or = { $a } or { $b }

## The terminal's own troubles (on stderr, after "tlschat: ").
headless-ctrl-c-warning = warning: Ctrl-C will not close the room cleanly
headless-ctrl-c-warning-why = warning: Ctrl-C will not close the room cleanly: { $error }
headless-signalled = stopped before closing cleanly (signalled)
headless-cannot-read-stdin = cannot read stdin: { $error }
headless-cannot-write-transcript = cannot write the transcript { $path }: { $error }
headless-cannot-open-transcript = cannot open the transcript { $path }: { $error }
headless-not-delivered = not delivered: "{ $text }": { $reason }
headless-roster-host = { $nick } (host)
headless-invitation-row = { $uses }, { $expiry }
headless-invite-terms = {" "}({ $uses }, { $expiry })
