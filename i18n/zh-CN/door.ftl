# 聊天室的门（src/ui/door.rs、src/ui/door_view.rs）：邀请、等候区、踢出、封禁和禁言；
# 以及门没有打开、或被主持人请出去时成员看到的画面。

door-help = 门的命令：/invite [次数] [小时数]，/revoke 编号，/admit 昵称，/refuse 昵称，/kick 昵称 [原因]，/ban 昵称 [原因]，/unban 编号，/mute 昵称，/unmute 昵称。

## 在消息框里输入的门命令。

door-usage = 用法：/{ $command } { $usage }
door-usage-invite = [次数] [小时数]（数字；0 或不填表示不限次数、永不过期）
door-usage-id = 编号（列表中的数字）
door-usage-knocker = 昵称（正在敲门的人）
door-usage-nick-reason = 昵称 [原因]
door-usage-nick = 昵称
door-nobody-knocking = 没有名叫 { $nick } 的人在敲门
door-host-only = 只有主持人才能使用 /{ $command }

## 封禁的是什么、谁在敲门、一个邀请还能用几次、到什么时候。

door-ban-key = 密钥 { $code }
door-ban-network = 地址 { $address }/64
door-ban-address = 地址 { $address }
door-no-key = 没有密钥
door-safety-code = 安全码 { $code }
door-uses-any = 不限次数
door-uses-left = 还能使用 { $count } 次
door-never-expires = 永不过期
door-expired = 已过期
door-expires-in = { $left }后过期（{ $when }）
door-minutes = { $count } 分钟
door-hours = { $count } 小时
door-days = { $count } 天

## 主持人的门，在邀请面板下方。

door-open = ⚠ 这个聊天室是开放的：任何能连上它的人都可以加入
door-open-hover = 由 --access open 选定：不需要邀请，也不需要密钥。适合公开的聊天室。
door-knock = 🚪 新来的人要先敲门：由你逐个让其进入或拒绝
door-knock-hover = 你让进来过一次的成员，之后凭自己的密钥就能回来；邀请链接仍然可以直接进入。
door-invite-only = 🔒 仅限邀请：新来的人需要邀请链接
door-invite-only-hover = 进来过一次的成员，之后凭自己的密钥就能回来，不需要链接。
door-new-invite-for = 新建邀请，供
door-one-member = 一位成员
door-several = 多位：
door-members = 位成员
door-anyone = 任何持有链接的人
door-expires-after = 有效期
door-expiry-hour = 1 小时
door-expiry-day = 1 天
door-expiry-week = 7 天
door-expiry-never = 永久
door-new-invite = 新建邀请
door-new-invite-hover = 一个带有自己专属秘密代码的链接，你可以随时撤销
door-made = 新邀请 #{ $id }
door-made-terms = （{ $uses }，{ $expiry }）
door-made-once = 只显示这一次（tlschat 只保存其代码的哈希）：请现在就复制
door-done = 完成
door-done-hover = 隐藏链接
door-copy-invite = 复制新邀请
door-copy-invite-for = 复制 { $host } 的新邀请
door-open-invitations = 有效的邀请（{ $count }）
door-none = 无
door-revoke = 撤销 #{ $id }
door-revoke-hover = 它的链接立即失效
door-bans = 封禁（{ $count }）
door-no-reason = 没有给出原因
door-unban = 解除封禁 #{ $id }

## 成员的菜单，以及待确认的踢出或封禁。

door-kick-menu = 踢出…
door-ban-menu = 封禁…
door-mute = 禁言
door-mute-hover = 能看，不能发言
door-unmute = 解除禁言
door-kick-question = 踢出 { $nick }？
door-ban-question = 封禁 { $nick }？
door-kick-button = 踢出 { $nick }
door-ban-button = 封禁 { $nick }
door-kick-says = 对方之后还可以回来（其密钥仍然是成员的密钥）。
door-ban-says = 从现在起，对方的密钥（没有密钥时则是其地址）会在门口被拒绝，即使持有邀请也一样，直到你解除封禁。
door-reason = 原因（可选，所有人都能看到）
door-cancel = 取消

## 等候区：先是主持人这边，再是成员那边。

door-asks = { $nick }（{ $key }，来自 { $address }）请求进入
door-key-details =
    密钥 { $fingerprint }
    安全码 { $code }
door-key-hover =
    { $key }
    请和对方在其开始界面上看到的安全码核对
door-let-in = 让 { $nick } 进入
door-let-in-hover = 对方进入聊天室，并凭其密钥被记住
door-refuse = 拒绝 { $nick }
door-refuse-hover = 对方会被请走，并得知自己被拒绝
door-seen-with-key = 主持人看到的你是 { $nick }，你的密钥的安全码是 { $code }：如果对方问起，请念给对方听。
door-seen-no-key = 主持人看到的你是 { $nick }，没有密钥。

## 门没有打开，或主持人把成员请了出去。WHY 是主持人自己的话。

door-not-let-in = 你没有被允许进入
door-removed = 你已被主持人移出聊天室
door-removed-why = 你已被主持人移出聊天室（{ $why }）
door-no-retry = tlschat 不会自己再试。如果你觉得这是个误会，请询问主持人。
door-back = 返回开始界面
