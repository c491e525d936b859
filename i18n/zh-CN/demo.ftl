# 演示的第三个窗口（tlschat demo --listener | --impostor）：站在演示的成员与主持人之间的中继，
# 用成员的“这条连接是如何受到保护的”里的说法来讲。
demo-listener-window = tlschat — 监听者
demo-impostor-window = tlschat — 冒充者
demo-listener-title = 网络上的监听者
demo-listener-statement = 这个窗口站在成员与主持人之间，把每个字节原样转发。它看到的就是网络上任何人能看到的：经过了哪些记录、每条多大，以及它们加密后的字节。没有会话密钥，你写的内容它一个字也读不出来。
demo-impostor-title = 中间的冒充者
demo-impostor-statement = 这个窗口冒充主持人，出示的是它自己的一张证书，上面写着主持人的名称。如果成员拒绝这张证书，冒充者什么也得不到；如果成员仍然继续，冒充者在转发每一行时都能以明文读到它。
demo-listening = 正在 { $addr } 上监听（仅限本机回环地址），挡在位于 { $upstream } 的主持人前面。
demo-presents = 出示的证书：{ $subject }，颁发者 { $issuer }（{ $fingerprint }）
demo-totals = 成员 → 主持人：{ $up } { $up_unit }，{ $up_bytes } 字节 · 主持人 → 成员：{ $down } { $down_unit }，{ $down_bytes } 字节
demo-totals-unit = { $unit ->
        [records] { $count ->
           *[other] 条记录
        }
       *[lines] { $count ->
           *[other] 行
        }
    }
demo-fell-behind = { $count ->
       *[other] 中继看到的内容有 { $count } 项没有显示：这个窗口跟不上了。
    }
demo-no-connection = 还没有连接。
demo-note = #{ $conn } { $text }
demo-note-opened = 收到来自 { $from } 的连接
demo-note-accepted = 成员接受了冒充者的证书：冒充者现在持有这条连接的密钥
demo-note-host-verified = 冒充者以成员身份连上了真正的主持人，并验证了主持人的证书（{ $subject }）
demo-note-not-tls = { $dir }：不是 TLS 记录的字节：{ $hex }
demo-end-closed = 已关闭
demo-end-refused = 成员没有接受冒充者的证书就结束了握手：成员写的任何内容都没有发送
demo-end-refused-alert = 成员以 TLS 警报 { $alert } 拒绝了冒充者的证书：成员写的任何内容都没有发送
demo-end-unreachable = 无法连上真正的主持人：{ $error }
demo-end-too-long = 有一行超过了协议允许的长度：已关闭
demo-end-failed = 已结束：{ $error }
demo-to-host = 成员 → 主持人
demo-to-member = 主持人 → 成员
demo-record-handshake-named = 握手：{ $name }，明文
demo-record-handshake = 握手，明文
demo-record-handshake-encrypted = ChangeCipherSpec 之后的握手记录：已加密（TLS 1.2 的 Finished），消息类型不可见
demo-record-appdata = ApplicationData：已加密
demo-record-row = #{ $conn } { $dir }  类型 { $type }（{ $what }）  版本 { $version }  { $length } 字节
demo-records-title = 线路上的记录
demo-nothing-passed = 还没有任何数据经过。
demo-lines-title = 冒充者读到的内容
demo-line-row = #{ $conn } { $dir }：{ $text }
demo-nothing-to-read = 没有可读的内容：还没有成员接受冒充者的证书。
demo-steps-listener = 每一步，监听者看到了什么
demo-steps-impostor = 每一步，冒充者做了什么
demo-steps-compare = 请对照成员窗口连接详情中的“这条连接是如何受到保护的”。
demo-step-hello-title = 你先打招呼（ClientHello）
demo-step-chose-title = 主持人做出选择（ServerHello）
demo-step-secret-title = 共享秘密，从不发送
demo-step-encrypted-title = 主持人的证书、它的证明、Finished
demo-step-cert-title = 主持人的证书
demo-step-messages-title = 你的消息
demo-step-back-title = 返回安全页面
demo-step-proceed-title = 仍然继续
demo-step-pinned-title = 之前固定过的主持人
demo-listener-hello = 以明文可见：一条握手记录，里面有成员提供的协议版本、密钥交换组和密钥份额、ALPN，以及按主机名连接时的服务器名称（SNI）。
demo-listener-chose = 同样以明文可见：选定的加密套件和主持人的密钥份额。
demo-listener-secret = 双方的密钥份额都从这里经过，但共享秘密是用从未离开两台机器的私钥从它们算出来的。监听者算不出它，也算不出由它派生的密钥。
demo-listener-encrypted = 在 TLS 1.3 中，这些内容已经加密，以 ApplicationData 记录的形式传输：监听者只看得到它们的大小。（在 TLS 1.2 中，证书以明文经过。）
demo-listener-messages = 每一行都以 ApplicationData 记录传输：监听者看得到记录的大小（由此大致能猜出消息有多长）和密文，却读不到一个字。如果它改动了一个字节，认证标签就对不上，接收方会断开连接。
demo-impostor-hello = 冒充者代替主持人作答：成员的 ClientHello 根本到不了主持人。
demo-impostor-secret = 密钥交换是和冒充者而不是和主持人进行的：握手一旦完成，会话密钥就在冒充者手里。
demo-impostor-cert = 冒充者出示它自己的一张证书，上面写着主持人的名称，由它自己的证书颁发机构（CA）签发。成员的 tlschat 用自己信任的证书颁发机构检查这张证书并拒绝了它：颁发者未知。这就是成员窗口里的警告。
demo-impostor-back = 成员中断握手。成员写的任何内容都不会发送：冒充者一无所获，甚至根本没有和主持人通信。
demo-impostor-proceed = 成员信任了冒充者的这一张证书，仅此一张。冒充者另开一条到真正主持人的连接（并正确验证主持人的证书），把成员发来的第一行（其中带着邀请）转发过去：主持人把它当作这个成员放了进来，但不是凭这个成员的密钥——冒充者无法证明自己持有那把密钥（主持人的成员列表里，它没有密钥）。每一行都在这里被解密、读取，再为另一端重新加密。
demo-impostor-pinned = 如果成员之前在这个地址固定过主持人自己的证书（来自邀请链接，或自己设置的例外），看到的将是“身份已变更”的警报，而且无法绕过。
