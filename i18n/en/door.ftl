# The room's door (src/ui/door.rs, src/ui/door_view.rs): invitations, the
# lobby, kick, ban and mute; and the member's screen when the door stayed
# shut or the host put it out.

door-help = The door: /invite [USES] [HOURS], /revoke ID, /admit NICK, /refuse NICK, /kick NICK [REASON], /ban NICK [REASON], /unban ID, /mute NICK, /unmute NICK.

## Door commands typed in the message box.

door-usage = Usage: /{ $command } { $usage }
door-usage-invite = [USES] [HOURS] (numbers; 0 or none for any, never)
door-usage-id = ID (a number from the list)
door-usage-knocker = NICK (who knocks)
door-usage-nick-reason = NICK [REASON]
door-usage-nick = NICK
door-nobody-knocking = Nobody named { $nick } is knocking
door-host-only = Only the host can /{ $command }

## What is banned, who knocks, what an invitation admits and until when.

door-ban-key = key { $code }
door-ban-network = address { $address }/64
door-ban-address = address { $address }
door-no-key = no key
door-safety-code = safety code { $code }
door-uses-any = any number of uses
door-uses-left = { $count ->
        [one] 1 use left
       *[other] { $count } uses left
    }
door-never-expires = never expires
door-expired = expired
door-expires-in = expires in { $left } ({ $when })
door-minutes = { $count } min
door-hours = { $count } h
door-days = { $count } { $count ->
        [one] day
       *[other] days
    }

## The host's door, under the invite panel.

door-open = ⚠ This room is open: anyone who can reach it may join
door-open-hover = Chosen with --access open: no invitation, no key needed. Use it for public rooms.
door-knock = 🚪 Newcomers knock: you let each one in or refuse
door-knock-hover = Members you let in once come back with their key; invite links still admit at once.
door-invite-only = 🔒 Invite-only: a newcomer needs an invite link
door-invite-only-hover = Members who came in once come back with their key, without a link.
door-new-invite-for = New invite for
door-one-member = one member
door-several = several:
door-members = members
door-anyone = anyone with the link
door-expires-after = expires after
door-expiry-hour = 1 hour
door-expiry-day = 1 day
door-expiry-week = 7 days
door-expiry-never = never
door-new-invite = New invite
door-new-invite-hover = A link with a secret code of its own, to revoke when you like
door-made = New invite #{ $id }
door-made-terms = ({ $uses }, { $expiry })
door-made-once = shown only this once (tlschat keeps only a hash of its code): copy it now
door-done = Done
door-done-hover = Hide the link
door-copy-invite = Copy new invite
door-copy-invite-for = Copy new invite for { $host }
door-open-invitations = Open invitations ({ $count })
door-none = none
door-revoke = Revoke #{ $id }
door-revoke-hover = Its link stops working now
door-bans = Bans ({ $count })
door-no-reason = no reason given
door-unban = Unban #{ $id }

## A member's menu, and the kick or ban being confirmed.

door-kick-menu = Kick…
door-ban-menu = Ban…
door-mute = Mute
door-mute-hover = Can read, cannot speak
door-unmute = Unmute
door-kick-question = Kick { $nick }?
door-ban-question = Ban { $nick }?
door-kick-button = Kick { $nick }
door-ban-button = Ban { $nick }
door-kick-says = They can come back (their key is still a member's).
door-ban-says = Their key (or, without a key, their address) is refused at the door from now on, even with an invite, until you unban it.
door-reason = Reason (optional, everyone sees it)
door-cancel = Cancel

## The lobby: the host's side, then the member's.

door-asks = { $nick } ({ $key }, from { $address }) asks to come in
door-key-details =
    key { $fingerprint }
    safety code { $code }
door-key-hover =
    { $key }
    Compare it with the one they see on their start screen
door-let-in = Let { $nick } in
door-let-in-hover = They come in and are remembered by their key
door-refuse = Refuse { $nick }
door-refuse-hover = They are sent away and told so
door-seen-with-key = The host sees you as { $nick }, with the safety code { $code } of your key: if they ask, read it to them.
door-seen-no-key = The host sees you as { $nick }, with no key.

## The door stayed shut, or the host put the member out. WHY is the
## host's own words.

door-not-let-in = You were not let in
door-removed = You were removed by the host
door-removed-why = You were removed by the host ({ $why })
door-no-retry = tlschat will not try again by itself. Ask the host if you think this is a mistake.
door-back = Back to the start screen
