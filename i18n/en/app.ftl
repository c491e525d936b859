# The window itself: desktop notifications, saving files, the title.
app-note-named = { $who } named you ({ $room })
app-note-message = { $who } ({ $room })
app-note-knock = { $nick } asks to come in ({ $room })
app-note-knock-body = { $key }: let them in or refuse in tlschat's window
app-type-plain = Plain text
app-type-jsonl = JSON lines
app-format-plain = plain text
app-format-jsonl = JSON lines
app-saved-conversation = Saved the conversation ({ $lines ->
    [one] { $lines } line
   *[other] { $lines } lines
}, { $format }) to { $path }
app-save-conversation-failed = Could not save the conversation to { $path }: { $error }
app-saved-chain = Saved { $count ->
    [one] { $count } certificate
   *[other] { $count } certificates
} to { $path }
app-save-chain-failed = Could not save the chain to { $path }: { $error }
app-choose-pem = Choose a PEM file
app-save-conversation = Save the conversation
app-save-chain = Save the certificate chain
