# The room (src/ui/room_view.rs) and the events of the room put into words
# (src/ui/state.rs).

room-waiting = Waiting for the host to let you in…
room-connecting = Connecting…
room-connected = Connected
room-blocked-untrusted = Not connected: the host's certificate is not trusted
room-help = Commands: /nick NAME to change your name, /me TEXT for an action, /who for who is here, /help for this. Start a message with // to send a leading /. Enter sends, Shift+Enter starts a new line.

## Names listed in one notice: "ana, bo and cy", "ana, bo and 7 others".

room-names-last = { $names } and { $last }
room-names-more = { $names } and { $count } { $count ->
        [one] other
       *[other] others
    }

## The window's title.

room-title-knocking = [{ $count } { $count ->
        [one] asks
       *[other] ask
    } to come in] { $title }
room-title-unread = ({ $count }) { $title }
room-title-unread-mentions = ({ $count }, { $mentions } for you) { $title }

## The address bar.

room-not-private = Not private: { $problem }
room-status-reconnecting = Not connected · connection lost, reconnecting
room-hosting = Hosting
room-hosting-cert = Hosting · your certificate { $fingerprint }
room-secure = Secure · { $protocol } · verified by { $anchor }
room-not-verified = Not verified · { $protocol } · trusted by your exception ({ $code })
room-keylog = { $status } · ⚠ secrets written to a key log

## Notices in the conversation.

room-trimmed = { $count ->
        [one] 1 older line is
       *[other] { $count } older lines are
    } no longer shown
room-who = In the room ({ $count }): { $names }
room-who-more = In the room ({ $count }): { $names } and { $more } { $more ->
        [one] other
       *[other] others
    }
room-needs-arg = /{ $command } needs something after it: /{ $command } { $arg }
room-arg-name = NAME
room-arg-text = TEXT
room-unknown-command = Unknown command /{ $command }: try /help (start a message with // to send a leading /)
room-connected-exception = Connected by your exception although { $problem }
room-connected-renewed = Connected by your exception (a renewed certificate with the key you made it for) although { $problem }
room-joined = You are in the room as { $nick } ({ $count } { $count ->
        [one] other
       *[other] others
    } here)
room-back = Back in the room as { $nick } ({ $count } { $count ->
        [one] other
       *[other] others
    } here)
room-nothing-missed = Nothing was said while you were away
room-connection-lost = Connection lost: { $reason }
room-knock = { $nick } ({ $key }) asks to come in: Let in or Refuse above

## Where the stored history ends. SHOWN is COUNT with its thousands grouped.

room-divider-missed-away = { $shown } { $count ->
        [one] message said while you were away was
       *[other] messages said while you were away were
    } not kept
room-divider-missed = { $shown } earlier { $count ->
        [one] message is
       *[other] messages are
    } no longer kept
# NOT_KEPT is empty, or room-divider-not-kept.
room-divider-new = { $shown } new { $count ->
        [one] message
       *[other] messages
    } while you were away{ $not_kept }
room-divider-earlier = { $shown } earlier { $count ->
        [one] message
       *[other] messages
    }{ $not_kept }
room-divider-not-kept = {" · "}{ $count ->
        [one] 1 more was
       *[other] { $shown } more were
    } not kept

## The search bar.

room-find = Find
room-find-hint = in the conversation
room-older = ⬆ Older
room-older-hover = The next match, back in time (Enter, F3)
room-newer = ⬇ Newer
room-newer-hover = The previous match, forward in time (Shift+Enter, Shift+F3)
room-close-search = Close search

## The reconnecting banner.

room-reconnecting-now = reconnecting now…
room-reconnecting-in = reconnecting in { $seconds } s
room-still-not-connected = Still not connected: { $reason } — { $when } (attempt { $attempt })
room-lost-banner = Connection lost: { $reason } — { $when }
room-reconnect-now = Reconnect now
room-keep-writing = You can keep writing: messages you send now wait, and go out once the connection is back.

## The address bar's buttons and menu.

room-details-hover = Connection and certificate details
room-menu = Menu
room-menu-find = Find…  (Ctrl+F)
room-menu-save = Save conversation…  (Ctrl+S)
room-menu-save-hover = Plain text or JSON lines
room-menu-shortcuts = Keyboard shortcuts  (F1)
room-menu-hover = Find, save the conversation, shortcuts, settings
room-leave = Leave
room-leave-hover = Back to the start screen
room-reconnect = Reconnect
room-close-room = Close room
room-disconnect = Disconnect

## The member list.

room-members = Members ({ $count })
room-members-as-dropped = as they were when the connection dropped
room-members-right-click = Right-click a member to kick, ban or mute
room-member-host = { $name } (host)
room-member-you = { $name } (you)
room-member-plain = { $name } · plain text
room-member-muted = { $name } · muted
room-no-key = no key

## The message box.

room-message = Message
room-message-hint = Write a message — Enter sends, Shift+Enter starts a new line
room-send = Send

## The keyboard shortcuts (F1). Keys are named as on the keyboard.

room-shortcuts-title = Keyboard shortcuts
room-key-up = Up
room-key-nick = /nick NAME
room-key-me = /me TEXT
room-key-slash = //text
room-shortcut-send = send the message
room-shortcut-new-line = start a new line
room-shortcut-up = in an empty message box: take back your newest undelivered message, else recall your last line
room-shortcut-page = scroll the conversation by a page
room-shortcut-find = find in the conversation
room-shortcut-next = in the search: the next match, going back in time
room-shortcut-previous = in the search: the previous match, forward in time
room-shortcut-save = save the conversation (plain text or JSON lines)
room-shortcut-escape = close what is on top: file dialog, search being typed in, these shortcuts, details, search
room-shortcut-help = show or hide these shortcuts
room-shortcut-nick = ask the room for a new name
room-shortcut-me = say an action
room-shortcut-who = list who is here
room-shortcut-commands = list the commands
room-shortcut-door = host: the room's door (invitations, lobby, kick, ban, mute; see /help)
room-shortcut-slash = send a message that starts with /
