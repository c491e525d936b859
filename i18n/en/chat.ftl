# The conversation: your own lines and their delivery.
chat-you = { $nick } (you)
chat-sending = sending
chat-delivered = delivered
chat-sent = sent (plain-text room: no delivery receipt)
chat-not-delivered = not delivered: { $why }
chat-resend = Resend
