# The warning shown instead of the room when the host's certificate is not
# trusted, and the identity-changed alarm.
warning-subject = Subject
warning-issuer = Issuer
warning-valid-from = Valid from
warning-valid-until = Valid until
warning-safety-code = Safety code
warning-key-sha256 = Key SHA-256
warning-back-to-safety = Back to safety
warning-advanced = Advanced
warning-hide-advanced = Hide advanced
warning-changed-title = The identity of { $target } has changed
warning-not-private-title = Your connection to { $target } is not private
warning-changed-body = { $target } now presents a different certificate, with a different key, from the one you accepted. Someone may be impersonating it — or its owner replaced its key. Nothing has been sent.
warning-not-private-body = Someone could be pretending to be { $target } to read what you write. Nothing has been sent.
warning-why = Why: { $reason }.
warning-known-since = Known since { $date }
warning-presented-now = Presented now
warning-fingerprint = Certificate fingerprint:
warning-safety-code-label = Safety code:
warning-view-certificate = View certificate
warning-no-way-changed = There is no way to continue from here. Only if you know why the key changed (ask the host's owner and compare the new fingerprint), remove the old entry under "Known hosts" on the start screen (or run `tlschat trust remove { $target }`), then join again.
warning-no-way-verified = This host had a certificate verified by a trusted authority before, so this cannot be bypassed with one click. If you know why it changed, remove it under "Known hosts" on the start screen (or run `tlschat trust remove { $target }`), then join again.
warning-only-continue = Only continue if you have checked the fingerprint or the safety code above with the host's owner (in person, by phone), or better, ask them for an invite link. An exception accepts exactly this certificate, and later ones with the same key.
warning-proceed = Proceed anyway (unsafe)
warning-proceed-hint = This connection only
warning-always = Always trust this certificate (unsafe)
warning-always-hint = Remember it under Known hosts
