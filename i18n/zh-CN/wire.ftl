# 线路上的连接：详情窗口的“线路上”页面（界面文字），以及每条记录、每个消息、
# 每个字段的含义（注释在 src/net/wire 中生成，显示时再变成文字）。

## 界面
wire-page = 线路上
wire-intro-live = 这条连接的每一条记录，按发出的顺序，在 TLS 之下录下：先是握手，然后是握手之后每个方向最近的 { $keep } 条记录，随到随显示。加密的记录已用这条连接自己的密钥解开。选择一个字段，即可看到它的字节。
wire-intro-handshake = 这条连接握手的每一条记录，按发出的顺序，在 TLS 之下录下。加密的握手记录已用这条连接自己的握手密钥解开。选择一个字段，即可看到它的字节。
wire-after-handshake = 握手之后——到目前为止发往主持人的记录共 { $to_host } 条，发往成员的共 { $to_member } 条（含握手的记录）；每个方向保留最近的 { $keep } 条：
wire-nothing-yet = 还没有：在聊天室里说点什么，它的记录就会出现在这里。
wire-step-title = { $ms } 毫秒  { $dir }  { $title }（{ $bytes } 字节）
wire-field = { $name }：{ $value }
wire-select-a-field = 选择一个字段，即可看到它的字节。
wire-bytes-record = 这条记录在线路上的原样
wire-bytes-plain = 这条记录解密后的内容
wire-bytes-joined = 由这条记录和它之前的记录拼合而成的握手消息
wire-bytes-field = { $what }，共 { $total } 字节；该字段是第 { $first }–{ $last } 字节（{ $len } 字节）
wire-bytes-none = { $what }，共 { $total } 字节（这个字段本身没有字节）
wire-highlighted = 高亮部分：{ $hex }
wire-headless-after = 握手之后：每条记录经过时即显示，用这条连接自己的密钥解开（每个方向保留最近 { $keep } 条，直到显示出来）
wire-headless-missed = { $dir }：有 { $count } 条记录经过得太快，来不及显示（只保留最近 { $keep } 条）
wire-member = 成员：
wire-member-named = { $nick }（{ $addr }）
wire-members-recorded = （最近录下的 { $count } 个成员；主持人是以 --show-handshake 启动的）
wire-to-host = 成员 → 主持人
wire-to-member = 主持人 → 成员

## 无法显示的部分
wire-note-cut-header = { $dir }：末尾的 { $count } 个字节不是一个完整的记录头
wire-note-not-a-record = { $dir }：偏移 { $offset } 处的字节不是 TLS 记录
wire-note-cut-record = { $dir }：最后一条记录被截断了（共 { $len } 字节，只录下 { $got } 字节）
wire-note-recording-stopped = { $dir }：录制在 { $bytes } 字节处停止
wire-note-more-records = 另有 { $count } 条记录已解析，但未显示
wire-note-no-secrets = 没有拿到握手密钥：加密的握手记录按线路上的原样显示
wire-note-live-garbage = { $dir }：收到了不是 TLS 记录的字节；这个方向不再跟踪
wire-note-live-unaligned = { $dir }：握手的录制没有在记录边界结束；这个方向不跟踪

## 记录
wire-note-tls12-finished-closed = 在 TLS 1.2 中，Finished 是第一条加密的消息，所用的密钥来自主密钥（扩展主密钥：与整个握手绑定）。它证明双方看到的是同一个握手。这里没有拿到主密钥，所以按线路上的原样显示。
wire-note-appdata-clear = 在 ChangeCipherSpec 之前发送，所以是明文：TLS 1.2 不允许在这里发送应用数据，遵守 TLS 的对端从不这样做。
wire-note-ccs-tls13 = 一个遗留物：TLS 1.3 发送它，只是为了让老旧的中间设备放行这条连接；它不改变任何东西。
wire-note-ccs-tls12 = 从这里开始，这一方用双方从密钥交换中推导出的密钥进行加密。

## 握手消息
wire-note-client-hello = 成员说明自己能做什么：版本、加密套件、密钥交换组——并且已经为它偏好的组发送了密钥份额（key share），这样一个往返就能商定密钥。在教科书的讲法里，客户端随后用服务器的公钥加密一个随机的秘密（RSA 密钥传输）；TLS 1.3 没有这一步。
wire-note-client-random = 成员给出的 32 个随机字节。它们以明文发送：它们让每次握手的密钥都不同，但它们不是秘密。
wire-note-hello-retry = 主持人想要另一个组的密钥份额：成员再发一个 ClientHello。多一个往返。
wire-note-server-hello-tls13 = 主持人选定版本、加密套件和一个密钥交换组，并发送自己的密钥份额。现在双方各自把自己的私有份额与对方的公开份额结合：得到同一个秘密，而它从未在线路上传输。这条消息之后的一切都是加密的。
wire-note-server-hello-tls12 = 主持人选择了 TLS 1.2 和一个加密套件。在 TLS 1.2 中，密钥交换随后在 ServerKeyExchange 中进行，握手在 Finished 之前一直是明文。
wire-note-encrypted-extensions = TLS 1.3 的第一条加密消息：从这里开始，窃听者只能看到长度。以前可见的内容（ALPN、证书）都被隐藏了。
wire-note-certificate-request = 主持人向成员索要证书（双向 TLS）。tlschat 的主持人向每个成员索要：成员自己的自签名证书带有聊天室用来识别它的公钥，它的 CertificateVerify 证明它持有对应的私钥。没有证书的成员回一个空的 Certificate，照样可以进来。
wire-note-certificate = 主持人的证书链，叶证书在前。它的公钥不用来加密任何东西：只用来验证 CertificateVerify（在 TLS 1.2 中是 ServerKeyExchange）里的签名。
wire-note-certificate-verify = 主持人用证书的私钥对整个握手的哈希签名：证明它持有这把私钥，并且与这一次密钥交换绑定。证书的密钥在这里做的是这件事——而不是用公钥加密一个秘密。
wire-note-server-key-exchange = TLS 1.2（ECDHE）：主持人的临时公钥，用它证书的私钥连同双方的随机数一起签名。成员在 ClientKeyExchange 中回以自己的临时公钥；双方都不用证书的密钥加密任何秘密。
wire-note-client-key-exchange = TLS 1.2（ECDHE）：成员的临时公钥。在教科书的 RSA 密钥交换中，这条消息会带着一个用服务器公钥加密的秘密；使用 ECDHE 时，它只带一个公钥。
wire-note-finished = 对到目前为止所有握手消息计算的 MAC，密钥来自这一方的握手密钥：只要有人改动了握手中的任何一个字节，它就对不上。
wire-note-new-session-ticket = 成员下次可以出示的票据，用来恢复这个会话：握手更短，不发送证书。在 TLS 1.3 中，它在握手之后到来，和聊天内容一样是加密的。
wire-note-key-update = 从下一条记录开始，这一方用新的流量密钥加密：HKDF-Expand-Label(secret, "traffic upd", "", 哈希长度)（RFC 8446 §7.2），序列号重新从 0 开始。它之后的记录已用新密钥解开。
wire-note-key-update-closed = 从下一条记录开始，这一方用新的流量密钥加密（RFC 8446 §7.2）。这里没有拿到它的密钥：它之后的记录按线路上的原样显示。

## 扩展
wire-note-sni = 成员想连接的主机名，以明文发送（这样拥有多个名字的主机可以挑选证书）。
wire-note-groups = 成员能用的密钥交换组，按偏好排序。
wire-note-signature-algorithms = 成员能接受的签名方案：主持人用其证书的密钥为握手签名时，可以用这些方案。
wire-note-alpn = 应用层协议：tlschat 成员提出 tlschat/1；选择了它的主持人说 JSON 行，没有选择的则说纯文本。
wire-note-supported-versions = 真正的版本：TLS 1.3 在旧的版本字段里保留 1.2，在这里才写明 1.3。
wire-note-key-share = 用于 (EC)DH 或 ML-KEM 的临时公钥：每一方保留自己的私有部分，共享的秘密是算出来的，从不发送。后量子混合份额（X25519MLKEM768）约 1.2 KB；X25519 的份额是 32 字节。
wire-note-psk-modes = 恢复的会话如何生成密钥：psk_dhe_ke 仍然会做一次新的密钥交换（前向保密）。
wire-note-psk-offered = 成员出示之前会话的票据，想不用证书就恢复那个会话。
wire-note-psk-accepted = 主持人接受了票据：这是一个恢复的会话，不发送证书。
wire-note-ems = TLS 1.2：主密钥与整个握手绑定（RFC 7627）。

## 解开的记录
wire-note-opened-application = 在这里用这条连接自己的应用流量密钥（即密钥日志里记下的那个）解密：使用加密套件的 AEAD，随机数（nonce）见下，记录头作为附加数据。
wire-note-opened-handshake = 在这里用这条连接自己的握手流量密钥（即密钥日志里记下的那个）解密：使用加密套件的 AEAD，随机数（nonce）见下，记录头作为附加数据。
wire-note-opened-master = 在这里用由这条连接的主密钥（即密钥日志里记下的那个）推导出的密钥（密钥块）解密：使用加密套件的 AEAD，随机数（nonce）见下；序列号、记录的类型和版本以及明文长度作为附加数据。
wire-note-seq = 从不发送：每一方从 0 开始为自己发出的记录计数，每换一把新密钥就从 0 重新开始（TLS 1.3 中：握手密钥、应用数据密钥、每次 KeyUpdate 之后的密钥），两端数出来的一样。它参与构成随机数（nonce），在 TLS 1.2 中还参与认证的附加数据，所以被重放、丢弃或调换位置的记录都解不开。
wire-note-nonce-xor = 由流量密钥推导出的 IV，与序列号做异或（RFC 8446 §5.3；TLS 1.2 中的 ChaCha20 见 RFC 7905）。从不发送：同一把密钥下，一个随机数（nonce）绝不会用两次。
wire-note-nonce-explicit = TLS 1.2 AES-GCM（RFC 5288）：前 4 个字节来自密钥块，后面是记录以明文携带的 8 字节显式随机数（explicit nonce）。
wire-note-ciphertext = 网络上的监听者看到的就是这些：没有密钥，这些密文除了长度什么也说明不了。
wire-note-tag = 证明这条记录在路上没有被改动：哪怕改了一个比特，它也解不开。
wire-note-inner-type = TLS 1.3 把真正的类型藏在加密里面：每条记录在外面都写着 ApplicationData。
wire-note-padding = 发送方可以加上的零，用来隐藏真实长度（tlschat 通过 rustls 发送时不加；别的程序可能会加）。
wire-note-application-data = 这条记录携带的明文：聊天本身的字节（一行 tlschat/1 JSON，或一行纯文本），只有两端能读到。

## 记录的标题
wire-title-tls12-finished-closed = Handshake（已加密：Finished）
wire-title-sealed = ApplicationData（用会话密钥加密，未解开：从外面看，聊天数据、票据、KeyUpdate 和警报都一样）
wire-title-sealed-alert = Alert（用会话密钥加密，未解开：级别和描述都看不到）
wire-title-appdata-clear = ChangeCipherSpec 之前的 ApplicationData（未加密）
wire-title-sealed-handshake = ApplicationData（加密的握手，未解开）
wire-title-opened = { $outer }，已解密：{ $what }
wire-title-opened-data = { $outer } #{ $seq }，已解密：{ $preview }

## 值
wire-value-bytes = { $count } 字节
wire-value-record = { $kind } 记录，{ $count } 字节
wire-value-named-bytes = { $name }，{ $count } 字节
wire-value-bytes-echoed = { $count } 字节（原样返回）
wire-value-schemes = { $count } 种方案
wire-value-offered = 提出 { $count } 个
wire-value-compression = { $count } 个（不压缩：只有 null）
wire-value-extensions = { $count } 个扩展
wire-value-certificates = { $count } 张证书
wire-value-public-key = 公钥，{ $count } 字节
wire-value-seconds = { $count } 秒
wire-value-ticket = { $count } 字节（不透明：只有主持人能读）
wire-value-hrr-random = HelloRetryRequest（一个固定值）
wire-value-asks-for = 要求 { $group }
wire-value-fragment = 一条握手消息的 { $count } 个字节，它在下一条记录中继续（在那里完整显示）
wire-value-fragment-too-long = 一条消息的 { $count } 个字节，它在另一条记录中继续（太长，无法拼合）
wire-value-more-messages = 另有 { $count } 条消息，未逐条显示
wire-value-verify-data = { $count } 字节（对到目前为止整个握手计算的 HMAC）
wire-value-update-requested = update_requested（对方也要更新自己的密钥）
wire-value-malformed = 格式错误
wire-value-on = 开启
wire-value-key-updates = 经过 { $count } 次 KeyUpdate 之后
wire-value-data = { $count } 字节：{ $text }
wire-value-opened-application = 已用应用流量密钥解开
wire-value-opened-handshake = 已用握手流量密钥解开
wire-value-opened-master = 已用主密钥解开
wire-value-alert = 级别 { $level }，{ $description }

## 字段名（协议里的名字保持 RFC 的写法）
wire-label-certificate-n = 证书 { $n }
wire-label-malformed-message = 格式错误的握手消息，类型 { $kind }
wire-label-message-type = 握手消息类型 { $kind }
wire-label-record-header = 记录头
wire-label-content-type = 内容类型
wire-label-legacy-version = 旧版本字段
wire-label-length = 长度
wire-label-random = 随机数
wire-label-session-id = 会话 ID
wire-label-cipher-suites = 加密套件列表
wire-label-cipher-suite = 加密套件
wire-label-compression = 压缩方法
wire-label-extensions = 扩展
wire-label-group = 组
wire-label-scheme = 方案
wire-label-protocol = 协议
wire-label-version = 版本
wire-label-key-share = 密钥份额
wire-label-host-name = 主机名
wire-label-subject = 主体
wire-label-issuer = 颁发者
wire-label-signature-scheme = 签名方案
wire-label-signature = 签名
wire-label-public-key = 公钥
wire-label-fragment = 片段
wire-label-more-messages = 更多消息
wire-label-malformed-extension = 格式错误的扩展
wire-label-encrypted-record = 加密的记录
wire-label-finished-encrypted = Finished（已加密）
wire-label-encryption = 加密
wire-label-seq = 序列号
wire-label-traffic-secret = 流量密钥
wire-label-nonce = 随机数（nonce）
wire-label-explicit-nonce = 显式随机数（explicit nonce）
wire-label-ciphertext = 密文
wire-label-tag = 认证标签（AEAD tag）
wire-label-inner-type = 内部内容类型
wire-label-padding = 填充
wire-label-application-data = 应用数据
wire-label-ticket-lifetime = 票据有效期
wire-label-ticket = 票据
