# The search bar's count of matches.
search-no-matches = No matches
search-at = { $current } of { $of }
