# The host's invitation panel.
invite-hint = A link that joins this room and trusts exactly this certificate: send it to whoever you invite
invite-fingerprint = Your certificate's fingerprint — members should see the same:
invite-copy-fingerprint = Copy fingerprint
invite-safety-code = Safety code (members see the same):
invite-safety-code-hint = Read it to each other, by phone or in person: the same code means the same certificate
invite-start = Invite (anyone with it may come in, for { $days ->
    [one] { $days } day
   *[other] { $days } days
}):
invite-start-hint = The room's start invitation: it works for whoever has the link until it expires or you revoke it. New invite below makes links for one member
invite-label = Invite:
invite-copy = Copy invite
invite-others = Invites for the other addresses ({ $count })
invite-copy-for = Copy invite for { $host }
