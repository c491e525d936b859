# 终端（无界面模式）打印给本地用户看的内容。英文有 "* " 标记的行，中文也有。
headless-cert-line = { $subject }，颁发者 { $issuer }，有效期 { $from } 至 { $until }
headless-connected = 已连接到 { $target }（{ $addr }）：{ $protocol }，{ $suite }，密钥交换 { $kx }，ALPN { $alpn }，{ $kind }，用时 { $ms } 毫秒
headless-alpn-none = 无（纯文本）
headless-certificate = 证书：{ $line }
headless-fingerprint = 指纹：{ $fp }
headless-safety-code = 安全码：{ $code }
headless-verified-by = 已信任：由 { $anchor } 验证
headless-pinned-exact = 因你固定（pin）了这张证书而信任，尽管{ $reason }
headless-pinned-same-key = 因你固定（pin）了一张使用同一公钥的旧证书而信任（这张是它的续期），尽管{ $reason }
headless-cert-subject = 主体：      { $value }
headless-cert-issuer = 颁发者：    { $value }
headless-cert-valid-for = 适用于：    { $value }
headless-cert-no-names = （没有主机名）
headless-cert-validity = 有效期：    { $from } 至 { $until }
headless-cert-fingerprint = 指纹：      { $value }
headless-cert-safety-code = 安全码：    { $value }
headless-cert-key = 公钥 SHA-256：{ $value }
headless-identity-changed = 警告：{ $target } 的身份已变更 [{ $code }]
headless-impersonating = 可能有人在冒充 { $target }——也可能是它的所有者更换了密钥。{ $reason }。
headless-not-trusted = { $target } 的证书不被信任：{ $reason } [{ $code }]
headless-presented-now = 现在出示的：
headless-known-since = 自 { $date } 起已知：
headless-nothing-sent = 尚未发送任何内容。
headless-cannot-bypass = 这不能用 --pin 绕过。只有当你知道它为什么变了，才用 `tlschat trust remove { $target }` 删除旧的那一项。
headless-join-with-pin = 如果主持人的所有者确认了这个指纹（安全码 { $code }），请用 --pin { $fp } 加入
headless-hosting = 正在 { $addr } 上主持：tlschat 成员和普通 TLS 客户端（openssl s_client、ncat --ssl）都可以加入
headless-host-fingerprint = 指纹：{ $fp }（成员核对它，或用 --pin 加入）
headless-host-safety-code = 安全码：{ $code }（互相念一遍：成员看到的相同）
headless-invite = 邀请：{ $link }
headless-invite-local = 邀请：{ $link }（仅限本机）
headless-waiting = 正在等主持人让你进入
headless-you-are = 你是 { $nick }；聊天室里有：{ $names }
headless-reconnecting = { $reason }；{ $seconds } 秒后重新连接（第 { $attempt } 次尝试）
headless-history-end = 历史记录结束：上面的 { $count } 条消息是在你加入之前说的
headless-history-end-missed = 历史记录结束：上面的 { $count } 条消息是在你加入之前说的；另有 { $missed } 条已不再保存
headless-back-nothing = 回到聊天室：你离开期间没有人说话
headless-back = 回到聊天室：你离开期间有 { $count } 条新消息
headless-back-missed = 回到聊天室：你离开期间有 { $count } 条新消息；另有 { $missed } 条已不再保存
headless-who = 聊天室里的人（{ $count }）：
headless-who-key = 安全码 { $code }
headless-who-no-key = （没有密钥）
headless-who-client-ca = 客户端 CA：{ $identity }
headless-who-more = 以及另外 { $count } 人
headless-connecting = 正在连接 { $target }…
headless-disconnected = 已断开连接：{ $reason }

## /help
headless-help-title = 命令（其他任何一行都会发到聊天室里）：
headless-help-host-also = 主持人还有 /invite、/kick、/ban、/mute …（见 README）
headless-help-nick = 换一个名字
headless-help-who = 谁在聊天室里，以及每个密钥的安全码
headless-help-help = 这个列表
headless-help-quit = 离开（主持人会关闭聊天室；主持人的标准输入结束则不会）
headless-help-invite = 新的邀请链接：除非你另外指定，否则只能用一次、24 小时内有效（USES：一个数字或 any；HOURS：一个数字或 never）
headless-help-invites = 所有邀请：编号、剩余次数、到期时间
headless-help-revoke = 撤销一个邀请（它的链接将失效）
headless-help-admit = 让一个正在敲门的成员进入（#ID 表示它在等候室的编号）
headless-help-refuse = 请一个正在敲门的成员离开（#ID 表示它在等候室的编号）
headless-help-kick = 把一个成员踢出（它的密钥还可以再回来）
headless-help-ban = 把一个成员踢出并封禁它的密钥（没有密钥：封禁它的地址，IPv6 为 /64）
headless-help-unban = 解除一个封禁
headless-help-bans = 所有封禁：编号、名字、公钥或地址、原因
headless-help-mute = 该成员可以阅读但不能发言
headless-help-unmute = 该成员可以再次发言

## 主持人终端里显示的“门”。
headless-door-open = 聊天室是开放的（--access open）：任何能连到这个端口的人都会进来
headless-door-invite = 聊天室仅限邀请：上面的邀请链接带有一个可重复使用的邀请（7 天后过期）；/invite 生成一次性的邀请，/help 列出所有命令
headless-door-knock = 新来的人需要敲门（--access knock）：每个新的密钥都会请你用 /admit NICK 或 /refuse NICK 决定是否让它进来
headless-uses-any = 不限次数
headless-uses = 可用 { $n } 次
headless-uses-left = { $n ->
    [0] 已用完
   *[other] 还剩 { $n } 次
}
headless-never-expires = 永不过期
headless-expired = 已过期
headless-expires = { $date } 过期
headless-invite-id = 邀请 { $id }{ $terms }：{ $link }
headless-invite-id-local = 邀请 { $id }{ $terms }：{ $link }（仅限本机）
headless-no-invitations = 没有邀请（/invite 可以生成一个）
headless-invitations = 邀请（{ $count }），/revoke ID 可以撤销一个：
headless-ban-key = 安全码为 { $code } 的密钥
headless-ban-address = 地址 { $address }
headless-nobody-banned = 没有人被封禁
headless-bans = 封禁（{ $count }），/unban ID 可以解除一个：
headless-ban-reason = 原因：{ $reason }
headless-knock-key = 安全码 { $code }…
headless-knock-no-key = 没有密钥，来自 { $addr }
headless-knocks = { $nick }（{ $who }）请求进入：/admit { $name } 或 /refuse { $name }
headless-invite-revoked = 邀请 { $id } 已失效（已撤销）
headless-ban-made = 封禁 { $id }：{ $nick }（{ $target }）不能进入；/unban { $id } 可以解除
headless-ban-lifted = 封禁 { $id } 已解除：{ $nick } 可以再次进入
headless-muted = { $nick } 已被禁言：可以阅读，但不能发言
headless-unmuted = { $nick } 可以再次发言

## 输入的命令为什么没有发送（在标准错误输出上，"tlschat: " 之后）。
headless-input-missing = { $command } 需要{ $what }（用法：{ $usage }）
headless-input-bad = { $command }：{ $what } 必须是{ $expected }，而不是 { $given }（用法：{ $usage }）
headless-input-extra = { $command } 只接受{ $takes }；{ $extra } 是多余的（用法：{ $usage }）
headless-phrase-a-name = 一个名字
headless-phrase-knocking = 一个正在敲门的成员的名字
headless-phrase-member = 一个成员的名字
headless-phrase-nothing = 零个参数
headless-phrase-one-name = 一个名字（名字里不能有空格）
headless-phrase-an-id = 一个编号（见 /invites 或 /bans）
headless-phrase-one-id = 一个编号
headless-phrase-number = 一个数字
headless-phrase-uses = 从 1 起的数字，或 any
headless-phrase-hours = 从 1 起的数字，或 never
headless-phrase-uses-hours = 最多 USES 和 HOURS 两个参数
headless-host-only = { $command }：只有主持人可以这样做
headless-lobby-nobody = 没有叫 { $nick } 的人在等待进入{ $waiting }
headless-lobby-nobody-is = （没有人在等）
headless-lobby-waiting = （正在等的有：{ $names }）
headless-lobby-ambiguous = 有 { $count } 个正在等待的成员叫 { $nick }：请用等候室编号指明其中一个，{ $ids }
headless-lobby-or = { $a } 或 { $b }

## 终端自身的问题（在标准错误输出上，"tlschat: " 之后）。
headless-ctrl-c-warning = 警告：Ctrl-C 无法正常关闭聊天室
headless-ctrl-c-warning-why = 警告：Ctrl-C 无法正常关闭聊天室：{ $error }
headless-signalled = 在正常关闭之前就停止了（收到信号）
headless-cannot-read-stdin = 无法读取标准输入：{ $error }
headless-cannot-write-transcript = 无法写入对话记录文件 { $path }：{ $error }
headless-cannot-open-transcript = 无法打开对话记录文件 { $path }：{ $error }
headless-not-delivered = 未送达：“{ $text }”：{ $reason }
headless-roster-host = { $nick }（主持人）
headless-invitation-row = { $uses }，{ $expiry }
headless-invite-terms = （{ $uses }，{ $expiry }）

## join --show-handshake（以及主持人记录的成员），输出到标准错误。
headless-handshake-header = --- { $what }，按它在线路上传输的原样 ---
headless-handshake-end = --- 握手结束 ---
headless-handshake-with = 与 { $target } 的握手
headless-handshake-of-member = 地址为 { $peer } 的成员的握手
headless-handshake-not-recorded = 握手没有被记录下来
