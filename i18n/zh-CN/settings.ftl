# 设置：在开始界面和聊天室的“菜单”里。
settings-language = 语言：
settings-language-system = 跟随系统（{ $lang }）
settings-theme = 主题：
settings-theme-system = 跟随系统
settings-theme-light = 浅色
settings-theme-dark = 深色
settings-notify = 桌面通知：
settings-notify-off = 关闭
settings-notify-mentions = 有人提到我时
settings-notify-all = 每条消息
settings-notify-unavailable = （没有通知服务响应；标题栏仍会计数）
