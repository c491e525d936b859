# src/net 告诉用户的内容：以数据形式传递，由窗口或终端转换成文字。
# （发给其他成员的文字保持英文，不在这里。）

## 时长。
net-age-seconds = { $n } 秒
net-age-minutes = { $n } 分钟
net-age-hours = { $n } 小时
net-age-days = { $n } 天

## 证书为什么不被信任（警告页的“原因”）。
net-trust-unknown-issuer = 该证书由这台电脑不信任的证书颁发机构签发
net-trust-self-signed = 该证书是自签名的，除了主持人自己，没有任何人为它担保
net-trust-expired = 该证书已于 { $date } 过期，距今 { $age }{ $clock ->
    [yes] （如果这看起来不对，请检查这台电脑的时钟）
   *[no] {""}
}
net-trust-not-yet-valid = 该证书要到 { $date } 才生效，距现在还有 { $age }{ $clock ->
    [yes] （如果这看起来不对，请检查这台电脑的时钟）
   *[no] {""}
}
net-trust-wrong-name = 该证书对 { $expected } 无效；它适用于 { $valid_for }
net-trust-wrong-name-none = 该证书对 { $expected } 无效；它不适用于任何主机名
net-trust-bad-signature = 证书链中有一个签名无效
net-trust-weak-algorithm = 该证书使用了不受支持或强度太弱的签名算法
net-trust-not-end-entity = 主持人把一张证书颁发机构（CA）的证书当作自己的证书出示
net-trust-wrong-purpose = 该证书不是用于 TLS 服务器的
net-trust-revoked = 该证书已被吊销
net-trust-bad-encoding = 该证书格式错误
net-trust-other = 该证书无效：{ $what }
net-trust-identity-changed = 主持人的身份已变更：这不是你在 { $date } 接受的那张证书，而且它的公钥也不同

## 谁来了、谁走了（终端和窗口；主持人发给纯文本成员的行保持英文）。
net-joined = { $who } 加入了
net-left = { $who } 离开了
net-left-why = { $who } 离开了（{ $why }）
net-renamed = { $old } 现在改名为 { $new }
net-disconnected = 已断开连接：{ $reason }
net-names-list = { $names }
net-names-more = { $names } 以及另外 { $more } 人
net-reason-left = 离开
net-reason-connection-lost = 连接中断
net-reason-too-slow = 太慢，跟不上
net-reason-protocol-error = 协议错误
net-reason-room-closed = 聊天室已关闭
net-reason-removed = 被主持人移出
net-reason-other = 其他原因

## 通知（窗口的对话和终端的 `* ` 行）。
# 别人原样说的话（主持人、对方报告的错误）：按原样显示。
net-said = { $text }
# 只告诉主持人自己的窗口或终端。
net-history-file = 历史记录：{ $file }（已保留 { $kept } 条消息，最多保留 { $keep } 条）
net-history-skipped = 历史记录：有 { $count } 条已存储的消息无法读取，不会显示给任何人
net-room-closed-itself = 聊天室已自行关闭：有一个连接不在成员列表中，却能收到聊天室的内容（这是程序缺陷）
net-view-behind = 有 { $count } 条消息没有在这里显示：这个视图落后聊天室太多
net-no-invitation = 没有可撤销的邀请 { $id }
net-nobody-waiting = 门口没有编号为 { $id } 的人在等候
net-stopped-waiting = { $id } 已不在门口等候
net-knock-banned = { $id } 已被封禁：不放行
net-invitation-too-small = 邀请至少要能使用一次、有效一小时
net-invitation-failed = 无法创建邀请：{ $error }
net-door-unreadable = 无法读回聊天室的门的设置：{ $error }
net-door-not-stored = 对聊天室的门所做的一项更改没有保存：{ $error }
net-no-member = 没有名叫 { $nick } 的成员
net-host-cannot-remove-itself = 主持人不能把自己移出或禁言
net-cannot-ban = 无法封禁 { $nick }：既不知道它的密钥，也不知道它的地址
net-cannot-mute = 无法禁言 { $nick }：既不知道它的密钥，也不知道它的地址
net-no-ban = 没有编号为 { $id } 的封禁
net-not-muted = { $nick } 没有被禁言
net-room-closing = 聊天室正在关闭
net-not-member = 你不在聊天室里
net-nick-taken = 昵称 { $wanted } 已被占用
net-nick-kept = 昵称 { $wanted } 是为另一位成员的密钥保留的
net-nick-looks-like = 昵称 { $wanted } 已被占用：它看起来和 { $like } 一样
# 也告诉整个聊天室（成员读到的是英文）。
net-name-kept = 有人想用 { $asked } 这个名字，但它保留给此前在这里用过它的那个密钥：此人的名字是 { $given }
net-removed = { $nick } 被主持人移出了聊天室
net-removed-why = { $nick } 被主持人移出了聊天室（{ $why }）
net-banned = { $nick } 被主持人封禁了
net-banned-why = { $nick } 被主持人封禁了（{ $why }）
# 告诉成员自己。
net-known-hosts-not-updated = 无法更新已知主持人列表：{ $error }
net-nick-later = 连接恢复后，你将请求改名为 { $nick }
net-plain-text-mode = { $target } 不使用 tlschat/1 协议：纯文本模式，每一行按原样发送，无法确认是否送达
net-ignored-line = 已忽略主持人发来的一行：{ $why }
net-host-says = 主持人说：{ $message }
net-pin-renewed = { $target } 换了一张新证书，其密钥与你在 { $date } 接受的那张相同；你的例外现在也涵盖这张新证书
net-exception-remembered = { $target }：已记住你为这张证书设置的例外

## 会话为什么结束（接在“已断开连接：”之后），或连接为什么中断。
net-end-left-room = 你离开了聊天室
net-end-left = 你离开了
net-end-cancelled = 你取消了连接
net-end-closed-room = 你关闭了聊天室
net-end-closed = { $target } 关闭了连接
net-end-closed-silently = 主持人一言不发地关闭了连接
net-end-lost = 与 { $target } 的连接中断：{ $error }
net-end-cannot-connect = 无法连接到 { $target }：{ $error }
net-end-cannot-connect-at-all = 无法连接到 { $target }
net-end-refused = 无法连接到 { $target }：连接被拒绝（那里有主持人在运行吗？）
net-end-no-answer = 无法连接到 { $target }：{ $seconds } 秒内没有应答
net-end-resolve = 无法解析 { $host }：{ $error }
net-end-resolve-timeout = 无法解析 { $host }：查询超时
net-end-resolve-none = 无法解析 { $host }：没有任何地址
net-end-handshake-timeout = 与 { $target } 的 TLS 握手没有在 { $seconds } 秒内完成
net-end-not-tls = { $target } 不使用 TLS（它的应答不是 TLS 握手）
net-end-alert-nothing-in-common = 与 { $target } 的 TLS 握手失败：主持人发来了告警 { $alert }（双方没有共同的 TLS 版本、加密套件或密钥交换组？请对照 --tls-version 和 --groups）
net-end-alert = 与 { $target } 的 TLS 握手失败：主持人发来了告警 { $alert }
net-end-incompatible = 与 { $target } 的 TLS 握手失败：主持人与我们提供的选项没有任何共同之处（{ $why }；请对照 --tls-version 和 --groups）
net-end-handshake-failed = 与 { $target } 的 TLS 握手失败：{ $error }
net-end-closed-in-handshake = { $target } 在 TLS 握手期间关闭了连接（它是 TLS 服务器吗？）
net-end-untrusted = { $target } 的证书不被信任：{ $problem }
net-start-invitation-failed = 无法创建启动时的邀请：{ $error }

## 昵称、TLS 选项和邀请链接（开始界面的输入框）。
net-nick-far-too-long = 这个昵称有 { $count } 个字符，最多只能有 { $max } 个
net-nick-empty = 昵称至少要有一个字符
net-nick-refused = “{ $quoted }”不是有效的昵称：{ $why }
net-nick-too-long = 它有 { $count } 个字符，最多只能有 { $max } 个
net-nick-marks = 其中的“{ $base }”带了 { $count } 个组合附加符号；每个字母最多只能带 { $max } 个
net-nick-accents = 其中的“{ $base }”带了 { $count } 个组合重音符号；每个字母最多只能带 { $max } 个
net-tls-unknown-group = 未知的密钥交换组 { $name }（可用的有：{ $valid }）
net-tls-no-group = 没有给出任何密钥交换组（可用的有：{ $valid }）
net-tls-unknown-version = 未知的 TLS 版本 { $text }（可用的有：1.2、1.3）
net-tls-none-for-tls12 = 密钥交换组 { $groups } 都不能用于 TLS 1.2（X25519MLKEM768 只能用于 TLS 1.3；请选择 X25519、secp256r1 或 secp384r1）
net-invite-not-valid = 不是有效的邀请链接：{ $why }
net-invite-too-long = 链接长 { $bytes } 字节；邀请链接最多 { $max } 字节
net-invite-bad-character = 链接中含有 { $what }，邀请链接里不会有这样的字符（主机名要用 ASCII 书写，即 xn--… 形式）
net-invite-not-tlschat = 这不是 tlschat:// 链接
net-invite-user-info = 链接中含有用户名或密码（…@host），邀请链接从来不带这些
net-invite-escape = 链接中含有 % 转义；邀请链接不会有（带区域 ID 的 IPv6 链路本地地址无法用于邀请）
net-invite-bad-host = 主机无效：{ $why }
net-invite-bad-port = 端口“{ $port }”无效：应为 1 到 65535 之间的数字
net-invite-path = 链接带有路径（“{ $path }”）；邀请链接没有路径
net-invite-query = 链接带有查询部分（“?…”）；邀请链接把固定的证书指纹放在“#”之后
net-invite-unknown-parameter = 未知参数“{ $name }”（邀请链接只有 pin=SHA256:… 和 invite=… 两个参数）
net-invite-duplicate-parameter = 参数“{ $name }”出现了两次
net-invite-bad-pin = 固定值（pin）不是“SHA256:”后跟 64 位十六进制数字
net-invite-bad-code = 邀请码不是 32 位十六进制数字
net-nick-space = 它含有空白字符 { $c }
net-nick-control = 它含有控制字符 { $c }
net-nick-reverses = 它含有会反转文字方向的字符 { $c }
net-nick-blank = 它含有显示为空白的字符 { $c }
net-nick-placeholder = 它含有表示内容缺失的占位符 { $c }
net-nick-private-use = 它含有私用区字符 { $c }，显示成什么样完全取决于字体
net-nick-unassigned = 它含有未分配的码位 { $c }，没有任何字体会显示它
net-nick-syntax = 它含有“{ $c }”：{ $role }
net-nick-looks-like-syntax = 它含有“{ $c }”（{ $spelled }），看起来像“{ $like }”：{ $role }
net-nick-bracket = 它含有括号“{ $c }”（{ $spelled }）：除 [ ] {"{"} {"}"} 以外的括号，读起来会像聊天室写在名字两边的 <名字> 和 (host)
net-nick-slash = 它以“/”开头：以“/”开头的一行是命令，所以谁也无法以这个名字开头发出一行消息
net-nick-mark = 它以组合附加符号 { $c } 开头，这个符号会画在名字前面的字符上
net-nick-role-angle = 纯文本聊天室用 <名字> 表示谁在说话
net-nick-role-star = 纯文本聊天室的通知以 * 开头
net-nick-role-comma = 成员列表用逗号分隔名字
net-nick-role-parenthesis = 括号留给 (host) 和 (you) 使用
net-end-host-closed = 主持人关闭了聊天室

## 我们的消息为什么没有送达。
net-unsent-not-in-time = 主持人没有及时确认收到
net-unsent-you-left = 主持人确认收到之前你就离开了
net-unsent-room-closed = 送达之前聊天室就关闭了
net-unsent-not-acknowledged = 没有得到确认：{ $why }
net-unsent-too-long = 消息太长（编码后 { $bytes } 字节；上限为 { $max } 字节）
net-unsent-lost = 连接中断：{ $error }
net-unsent-refused = 主持人拒绝了它：{ $message }
net-unsent-not-connected = 没有连接到任何聊天室
net-unsent-room-has-closed = 聊天室已经关闭
