# The settings: on the start screen and in a room's Menu.
settings-language = Language:
# The system's language in brackets: "English" or "简体中文".
settings-language-system = Follow system ({ $lang })
settings-theme = Theme:
settings-theme-system = Follow system
settings-theme-light = Light
settings-theme-dark = Dark
settings-notify = Desktop notifications:
settings-notify-off = Off
settings-notify-mentions = When I am named
settings-notify-all = Every message
settings-notify-unavailable = (no notification service answered; the title still counts)
