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
