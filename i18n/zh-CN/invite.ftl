# 主持人的邀请面板。
invite-hint = 一个加入这个聊天室、并且只信任这张证书的链接：发给你要邀请的人
invite-fingerprint = 你的证书指纹——成员看到的应该相同：
invite-copy-fingerprint = 复制指纹
invite-safety-code = 安全码（成员看到的相同）：
invite-safety-code-hint = 通过电话或当面互相念一遍：安全码相同，就说明是同一张证书
invite-start = 邀请（任何持有它的人都可以进入，有效期 { $days } 天）：
invite-start-hint = 聊天室的初始邀请：在过期或被你撤销之前，任何持有链接的人都能用它进入。下面的“新邀请”可以为单个成员生成链接
invite-label = 邀请：
invite-copy = 复制邀请
invite-others = 其他地址的邀请（{ $count }）
invite-copy-for = 复制 { $host } 的邀请
