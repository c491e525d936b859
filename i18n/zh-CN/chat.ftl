# 对话：你自己发的消息及其送达状态。
chat-you = { $nick }（你）
chat-sending = 发送中
chat-delivered = 已送达
chat-sent = 已发送（纯文本聊天室：没有送达回执）
chat-not-delivered = 未送达：{ $why }
chat-resend = 重新发送
