# 连接与证书详情（src/ui/cert_view.rs），以及讲解“这条连接是如何受到保护的”。

cert-title = 连接与证书
cert-page-overview = 概览
cert-heading-connection = 连接
cert-keylog = ⚠ 正在把 TLS 秘密写入 { $path }——任何读到这个文件的人都能解密这次会话
cert-heading-refused = 被拒绝的证书
cert-heading-own = 你的证书（成员看到的就是它）
cert-heading-host = 主持人的证书
cert-how-secured = 这条连接是如何受到保护的
cert-none-yet = 还没有证书。
cert-tab-server = { $name }（服务器）
cert-tab-issuer = { $name }（颁发者）
cert-copy-pem = 复制证书 PEM
cert-copy-chain = 复制证书链 PEM
cert-save-chain = 证书链另存为…
cert-save-chain-hover = 把上面所有证书以 PEM 格式保存到你选择的文件中

## 连接的各行。

cert-connected-to = 连接到
cert-protocol = 协议
cert-cipher-suite = 加密套件
cert-key-exchange = 密钥交换
cert-alpn = ALPN
cert-alpn-none = 无：纯文本聊天室
cert-sni = 服务器名称（SNI）
cert-sni-none = 未发送（按 IP 地址连接）
cert-handshake = 握手
cert-handshake-value = { $kind }，{ $ms } 毫秒
cert-handshake-full = 完整握手
cert-handshake-retry = 完整握手（经过一次 HelloRetryRequest）
cert-handshake-resumed = 会话恢复握手
cert-trust = 信任
cert-trust-verified = 已验证：证书链通向受信任的根证书 { $anchor }
cert-trust-pinned-exact = 未通过验证（{ $problem }）；之所以接受，是因为它正是你设为例外的那张证书
cert-trust-pinned-key = 未通过验证（{ $problem }）；之所以接受，是因为它与你设为例外的那张证书密钥相同（即续期的证书），你的例外现在也涵盖它

## 证书的各行。

cert-parse-error = 无法解析该证书：{ $error }
cert-subject = 主体
cert-issuer = 颁发者
cert-not-before = 生效时间
cert-not-after = 到期时间
cert-not-after-value = { $date }（{ $note }）
cert-valid-not-yet = 还有 { $days } 天才生效
cert-valid-expired = 已过期 { $days } 天
cert-valid-expires = { $days } 天后到期
cert-sans = 主体备用名称
cert-none = 无
cert-public-key = 公钥
cert-key-size = { $algorithm }（{ $bits } 位）
cert-signature-algorithm = 签名算法
cert-serial = 序列号
cert-version = 版本
cert-sha256 = SHA-256 指纹
cert-copy-sha256 = 复制 SHA-256
cert-safety-code = 安全码
cert-sha1 = SHA-1 指纹
cert-copy-sha1 = 复制 SHA-1
cert-key-sha256 = 公钥 SHA-256
cert-copy-key-sha256 = 复制公钥 SHA-256
cert-no-key = 无（WebPKI 无法解析此证书）
cert-basic-constraints = 基本约束
cert-ca-path = CA，路径长度 { $length }
cert-ca = CA
cert-not-ca = 不是 CA
cert-absent = 未包含
cert-key-usage = 密钥用法
cert-extended-key-usage = 扩展密钥用法
cert-subject-key-id = 主体密钥标识符
cert-authority-key-id = 颁发机构密钥标识符
cert-extensions = 扩展
cert-extension = { $name }（{ $oid }）
cert-extension-critical = { $name }（{ $oid }）— 关键
cert-list-separator = 、

## 密钥用法（RFC 5280 4.2.1.3）与扩展密钥用法。

cert-use-digital-signature = 数字签名
cert-use-non-repudiation = 不可否认
cert-use-key-encipherment = 密钥加密
cert-use-data-encipherment = 数据加密
cert-use-key-agreement = 密钥协商
cert-use-key-cert-sign = 证书签名
cert-use-crl-sign = CRL 签名
cert-use-encipher-only = 仅加密
cert-use-decipher-only = 仅解密
cert-purpose-any = 任意用途
cert-purpose-server-auth = TLS 服务器身份验证
cert-purpose-client-auth = TLS 客户端身份验证
cert-purpose-code-signing = 代码签名
cert-purpose-email = 电子邮件保护
cert-purpose-time-stamping = 时间戳
cert-purpose-ocsp = OCSP 签名

## “这条连接是如何受到保护的”：实际发生的握手，一步一步讲。
## 每一步是“编号. 标题”和正文。

cert-walk-step = { $number }. { $title }
# 两个分开拼出的句子之间放什么（中文句子之间不加空格）。
cert-walk-gap = {""}
cert-walk-hello-title = 你先打招呼（ClientHello）
cert-walk-chose-title = 主持人做出选择（ServerHello）
cert-walk-secret-title = 共享秘密，从不发送
cert-walk-cert-title = 主持人的证书
cert-walk-proof-title = 主持人证明自己持有私钥
cert-walk-you-title = 你证明了自己的身份
cert-walk-host-finished-title = 主持人的 Finished
cert-walk-your-finished-title = 你的 Finished
cert-walk-finished-title = Finished
cert-walk-messages-title = 你的消息

# 第 1 步。
cert-walk-hello-sni = tlschat 提供了以下选项：协议 TLS 1.3 和 1.2；密钥交换组 { $groups }（首选组的密钥份额随之立即发出）；ALPN { $alpn }；以及服务器名称 { $name }（SNI，以明文发送）。
cert-walk-hello-no-sni = tlschat 提供了以下选项：协议 TLS 1.3 和 1.2；密钥交换组 { $groups }（首选组的密钥份额随之立即发出）；ALPN { $alpn }。它没有发送服务器名称（SNI），因为你是按 IP 地址连接的。

# 第 2 步。
cert-walk-chose = { $protocol }，加密套件 { $suite }，密钥交换 { $group }。
cert-walk-chose-retry = { $protocol }，加密套件 { $suite }，密钥交换 { $group }——此前主持人先要求你为这个组补发密钥份额（HelloRetryRequest）。
cert-walk-hybrid = 这是一次混合后量子密钥交换：{ $classical } Diffie-Hellman 加上 ML-KEM-768 密钥封装，只要两者没有同时被攻破，秘密就是安全的。

# 第 3 步。
cert-walk-kem = ML-KEM-768 是密钥封装：你的 ClientHello 带着一个 ML-KEM 公钥，主持人用它封装了一个新生成的随机秘密，只把密文发回给你，而只有你的私钥才能打开它。
cert-walk-secret-hybrid = 两个秘密，都没有在网络上传输过。{ $classical } 是 Diffie-Hellman：双方各自把自己的临时私钥与对方的公钥份额结合，算出同一个秘密。{ $kem }两个秘密拼接在一起，就是共享秘密。
cert-walk-secret-kem = 共享秘密从未在网络上传输过。{ $kem }
cert-walk-secret-ecdh = 双方各自把自己的临时私钥与对方的公钥份额结合（椭圆曲线 Diffie-Hellman，{ $group }），算出同一个秘密，这个秘密从未在网络上传输过。
cert-walk-secret-13 = { $agreement }TLS 1.3 的密钥调度（使用 { $hash } 的 HKDF）把它变成加密 ServerHello 之后一切内容的密钥——主持人的证书也在其中。临时密钥用完即被丢弃，所以即使日后有人偷到主持人证书的私钥，也无法解密这次对话（前向保密）。
cert-walk-secret-12 = { $agreement }它就是预主密钥。{ $master }临时密钥用完即被丢弃（前向保密）。在 TLS 1.2 中，证书本身以明文传输。
cert-walk-ems = TLS 1.2 的 PRF（使用 { $hash }）由预主密钥和会话哈希派生出主密钥。会话哈希是截至你的密钥交换消息为止所有握手消息的哈希，所以这些密钥只属于这一次握手，无法挪到另一次握手中使用（扩展主密钥，RFC 7627）。会话密钥由主密钥以及 ClientHello 和 ServerHello 中的两个随机数派生而来。
cert-walk-ems-tlschat = tlschat 会要求使用扩展主密钥，而 tlschat 主持人总是同意：{ $ems }
cert-walk-ems-other = tlschat 会要求使用扩展主密钥，如今的服务器会同意；这样一来，{ $ems }（rustls 不会报告这个主持人是否同意，也不强制要求：太旧、不认识它的服务器会得到旧的推导方式，由预主密钥以及 ClientHello 和 ServerHello 中的两个随机数派生主密钥。）

# 第 4 步。
cert-walk-host-sent = 主持人发送了 { $count } 张证书。{ $trust }
cert-walk-host-sent-for = 主持人发送了 { $count } 张证书，颁发给 { $name }。{ $trust }
cert-walk-trust-verified = tlschat 检查了：证书链通向一个你信任的根证书（{ $anchor }），链中每张证书今天都有效，而且证书对 { $host } 有效。
cert-walk-trust-exact = 它没有通过验证（{ $problem }）；它被接受，只是因为它正是你设为例外的那张证书。
cert-walk-trust-key = 它没有通过验证（{ $problem }）；它被接受，是因为它与你设为例外的那张证书密钥相同：这是一次续期，你的例外现在也涵盖它。

# 第 5 步。KEY 为空，或者是 cert-walk-key 所说的证书公钥。
cert-walk-proof-13 = 主持人用证书的私钥（{ $scheme }）对截至此刻的整个握手的哈希做了签名（CertificateVerify）；tlschat 用证书中的公钥{ $key }验证了这个签名。证书的密钥只用来签名，不加密任何秘密——加密用的密钥来自第 3 步。
cert-walk-proof-12 = 主持人用证书的私钥（{ $scheme }）对自己的密钥份额以及 ClientHello 和 ServerHello 中的两个随机数做了签名（ServerKeyExchange）；tlschat 用证书中的公钥{ $key }验证了这个签名。证书的密钥只用来签名，不加密任何秘密——加密用的密钥来自第 3 步。
cert-walk-key = （{ $key }）

# 你的证书（主持人要求时）与 Finished 消息。
cert-walk-own-key = 你自己的密钥，安全码 { $code }
cert-walk-you-13 = 主持人曾要求你出示证书。在主持人的 Finished 之后，你加密发送了自己的证书（{ $name }），并用这张证书的密钥对整个握手的哈希做了签名（CertificateVerify）。
cert-walk-you-12 = 主持人曾要求你出示证书。在主持人发出 ServerHelloDone 之后，你发送了自己的证书（{ $name }），然后用这张证书的密钥对截至此刻的握手做了签名（CertificateVerify）。
cert-walk-host-finished = 主持人发送了一个覆盖整个握手的 MAC，其密钥由共享秘密派生：如果有人改动过上面任何一条消息，连接就会在这一步失败。
cert-walk-your-finished = 你也发送了同样的、覆盖整个握手（包括你发出的部分）的 MAC；主持人在接受你的任何消息之前都会先检查它。
cert-walk-finished-12 = 你和主持人先后各发送了一个覆盖整个握手的 MAC，其密钥由共享秘密派生：如果有人改动过上面任何一条消息，连接就会在这一步失败。

# 最后一步：接在标题“你的消息”之后。
cert-walk-messages-plain = 以 { $aead } 加密的记录传输，内容是纯文本行（主持人不支持 tlschat/1）。本次握手是{ $kind }，耗时 { $ms } 毫秒。
cert-walk-messages-json = 以 { $aead } 加密的记录传输，内容是 { $alpn } JSON 行。本次握手是{ $kind }，耗时 { $ms } 毫秒。
