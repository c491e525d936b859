# 窗口本身：桌面通知、保存文件、标题。
app-note-named = { $who } 提到了你（{ $room }）
app-note-message = { $who }（{ $room }）
app-note-knock = { $nick } 请求进入（{ $room }）
app-note-knock-body = { $key }：请在 tlschat 窗口中让对方进入或拒绝
app-type-plain = 纯文本
app-type-jsonl = JSON Lines
app-format-plain = 纯文本
app-format-jsonl = JSON Lines
app-saved-conversation = 已将对话（{ $lines } 行，{ $format }）保存到 { $path }
app-save-conversation-failed = 无法将对话保存到 { $path }：{ $error }
app-saved-chain = 已将 { $count } 张证书保存到 { $path }
app-save-chain-failed = 无法将证书链保存到 { $path }：{ $error }
app-choose-pem = 选择一个 PEM 文件
app-save-conversation = 保存对话
app-save-chain = 保存证书链
