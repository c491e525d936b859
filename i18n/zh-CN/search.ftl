# 搜索栏的匹配计数。
search-no-matches = 没有匹配
search-at = 第 { $current } 个，共 { $of } 个
