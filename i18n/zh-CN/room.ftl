# 聊天室（src/ui/room_view.rs），以及聊天室里发生的事件的说法（src/ui/state.rs）。

room-waiting = 正在等待主持人让你进入…
room-connecting = 正在连接…
room-connected = 已连接
room-blocked-untrusted = 未连接：主持人的证书不受信任
room-help = 命令：/nick 名字 修改你的名字，/me 文字 表示一个动作，/who 查看谁在这里，/help 显示本说明。以 // 开头的消息会以一个 / 开头发送。Enter 发送，Shift+Enter 换行。

## 一条通知里列出的名字：“ana、bo 和 cy”，“ana、bo 等另外 7 人”。

room-names-last = { $names } 和 { $last }
room-names-more = { $names } 以及另外 { $count } 人

## 窗口标题。

room-title-knocking = [{ $count } 人请求进入] { $title }
room-title-unread = ({ $count }) { $title }
room-title-unread-mentions = （{ $count }，其中 { $mentions } 条提到你）{ $title }

## 地址栏。

room-not-private = 不是私密连接：{ $problem }
room-status-reconnecting = 未连接 · 连接已断开，正在重新连接
room-hosting = 正在主持
room-hosting-cert = 正在主持 · 你的证书 { $fingerprint }
room-secure = 安全 · { $protocol } · 由 { $anchor } 验证
room-not-verified = 未验证 · { $protocol } · 因你设的例外而信任（{ $code }）
room-keylog = { $status } · ⚠ TLS 秘密正被写入密钥日志

## 对话中的通知。

room-trimmed = 较早的 { $count } 行已不再显示
room-who = 聊天室里（{ $count } 人）：{ $names }
room-who-more = 聊天室里（{ $count } 人）：{ $names } 以及另外 { $more } 人
room-needs-arg = /{ $command } 后面需要内容：/{ $command } { $arg }
room-arg-name = 名字
room-arg-text = 文字
room-unknown-command = 未知命令 /{ $command }：试试 /help（想发送以 / 开头的消息，请以 // 开头）
room-connected-exception = 已凭你设的例外连接，尽管{ $problem }
room-connected-renewed = 已凭你设的例外连接（这是一张续期的证书，密钥与你设例外时的相同），尽管{ $problem }
room-joined = 你已进入聊天室，名字是 { $nick }（这里还有另外 { $count } 人）
room-back = 你回到了聊天室，名字是 { $nick }（这里还有另外 { $count } 人）
room-nothing-missed = 你离开期间没有人发言
room-connection-lost = 连接已断开：{ $reason }
room-knock = { $nick }（{ $key }）请求进入：请在上方点击“让 { $nick } 进入”或“拒绝 { $nick }”

## 保存的历史消息在哪里结束。SHOWN 是按千位分组的 COUNT。

room-divider-missed-away = { $count ->
       *[other] 你离开期间的 { $shown } 条消息没有被保留
    }
room-divider-missed = { $count ->
       *[other] 更早的 { $shown } 条消息已不再保留
    }
# NOT_KEPT 为空，或是 room-divider-not-kept。
room-divider-new = { $count ->
       *[other] 你离开期间有 { $shown } 条新消息
    }{ $not_kept }
room-divider-earlier = { $count ->
       *[other] 更早的 { $shown } 条消息
    }{ $not_kept }
room-divider-not-kept = {" · "}{ $count ->
       *[other] 另有 { $shown } 条没有被保留
    }

## 搜索栏。

room-find = 查找
room-find-hint = 在对话中查找
room-older = ⬆ 较早
room-older-hover = 下一个匹配，往更早的消息找（Enter、F3）
room-newer = ⬇ 较新
room-newer-hover = 上一个匹配，往更新的消息找（Shift+Enter、Shift+F3）
room-close-search = 关闭搜索

## 重新连接的横幅。

room-reconnecting-now = 正在重新连接…
room-reconnecting-in = { $seconds } 秒后重新连接
room-still-not-connected = 仍未连接：{ $reason }——{ $when }（第 { $attempt } 次尝试）
room-lost-banner = 连接已断开：{ $reason }——{ $when }
room-reconnect-now = 立即重新连接
room-keep-writing = 你可以继续写：现在发送的消息会先等着，连接恢复后再发出。

## 地址栏的按钮和菜单。

room-details-hover = 连接与证书详情
room-menu = 菜单
room-menu-find = 查找…  (Ctrl+F)
room-menu-save = 保存对话…  (Ctrl+S)
room-menu-save-hover = 纯文本或 JSON Lines
room-menu-shortcuts = 键盘快捷键  (F1)
room-menu-hover = 查找、保存对话、快捷键、设置
room-leave = 离开
room-leave-hover = 返回开始界面
room-reconnect = 重新连接
room-close-room = 关闭聊天室
room-disconnect = 断开连接

## 成员列表。

room-members = 成员（{ $count }）
room-members-as-dropped = 连接断开时的成员
room-members-right-click = 右键点击成员可以踢出、封禁或禁言
room-member-host = { $name }（主持人）
room-member-you = { $name }（你）
room-member-plain = { $name } · 纯文本
room-member-muted = { $name } · 已禁言
room-no-key = 没有密钥

## 消息框。

room-message = 消息
room-message-hint = 写一条消息——Enter 发送，Shift+Enter 换行
room-send = 发送

## 键盘快捷键（F1）。按键用键盘上的名字。

room-shortcuts-title = 键盘快捷键
room-key-up = ↑
room-key-nick = /nick 名字
room-key-me = /me 文字
room-key-slash = //文字
room-shortcut-send = 发送消息
room-shortcut-new-line = 换行
room-shortcut-up = 在空的消息框中：取回你最新一条没有送达的消息，否则调出你上一次写的内容
room-shortcut-page = 按页滚动对话
room-shortcut-find = 在对话中查找
room-shortcut-next = 在搜索中：下一个匹配，往更早的消息找
room-shortcut-previous = 在搜索中：上一个匹配，往更新的消息找
room-shortcut-save = 保存对话（纯文本或 JSON Lines）
room-shortcut-escape = 关闭最上层的东西：文件对话框、正在输入的搜索、本快捷键列表、详情、搜索
room-shortcut-help = 显示或隐藏本快捷键列表
room-shortcut-nick = 向聊天室申请一个新名字
room-shortcut-me = 表示一个动作
room-shortcut-who = 列出谁在这里
room-shortcut-commands = 列出所有命令
room-shortcut-door = 主持人：聊天室的门（邀请、等候室、踢出、封禁、禁言；见 /help）
room-shortcut-slash = 发送一条以 / 开头的消息
