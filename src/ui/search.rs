//! Finding text in the conversation (Ctrl+F): where a query matches, which
//! match is the current one, and moving between them. Plain state, no egui.
//!
//! Matching is case-insensitive and done on the text as the conversation
//! shows it: peers' text is already made safe to show when it comes in
//! ([`crate::net::safe_text`]), so an escape shows, and is found, as `\x1b`.
//! A message's body is searched (an action's text after `/me `), a
//! notice's text, not names or times.
//!
//! Matches are counted from the newest: "1 of 5" is the one nearest the
//! bottom, and "next" goes back in time, as reading a chat upwards does.
//!
//! The search runs again only when the query or the conversation changed,
//! and when lines were only added (the usual case), only over the new ones:
//! a conversation of [`crate::ui::state::MAX_LINES`] lines costs one pass
//! per change, not one per frame.

use std::ops::Range;

use crate::ui::state::{ChatLine, LineId, action};

/// One place a query matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Found {
    /// The line's index in the conversation.
    pub line: usize,
    /// The line's id (which stays when lines before it move).
    pub id: LineId,
    /// Where in the line's shown body ([`body`]), in bytes.
    pub range: Range<usize>,
}

/// The part of a line that is searched and highlighted: a message's text
/// (an action's after `/me `), a notice's text.
#[must_use]
pub fn body(line: &ChatLine) -> &str {
    if line.is_notice() {
        &line.text
    } else {
        action(&line.text).unwrap_or(&line.text)
    }
}

/// What the search bar says of the matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchCount {
    /// Nothing is searched for: it says nothing.
    NoQuery,
    /// "No matches".
    NoMatches,
    /// "2 of 5": the current match (from 1, newest first) of how many.
    At {
        /// The current match, counted from 1.
        current: usize,
        /// How many there are.
        of: usize,
    },
}

impl std::fmt::Display for MatchCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoQuery => Ok(()),
            Self::NoMatches => f.write_str(&crate::tr!("search-no-matches")),
            Self::At { current, of } => f.write_str(&crate::tr!(
                "search-at",
                current = crate::ui::state::grouped(*current as u64),
                of = crate::ui::state::grouped(*of as u64)
            )),
        }
    }
}

/// What the matches were found in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Searched {
    query: String,
    revision: u64,
    lines: usize,
}

/// The search bar's state.
#[derive(Debug, Default)]
pub struct Search {
    /// Whether the search bar is shown.
    pub open: bool,
    /// What is searched for.
    pub query: String,
    /// Every match, top to bottom.
    found: Vec<Found>,
    /// The current match, counted from the newest (0 is the last of `found`).
    current: usize,
    searched: Option<Searched>,
    /// The query in lower case, and reusable buffers for the search.
    folded: String,
    /// Set when the view should scroll to the current match.
    pub scroll_pending: bool,
    /// Set when the search field should take the keyboard focus.
    pub focus_pending: bool,
}

/// Appends where `needle` (lower case, not empty) occurs in `text`, any
/// case, as byte ranges of `text`. `folded` and `map` are buffers.
fn find_in(
    text: &str,
    needle: &str,
    folded: &mut String,
    map: &mut Vec<usize>,
    out: &mut Vec<Range<usize>>,
) {
    if needle.is_empty() {
        return;
    }
    // Most chat is ASCII: compared in place, nothing copied.
    if text.is_ascii() && needle.is_ascii() {
        let (text, needle) = (text.as_bytes(), needle.as_bytes());
        let mut at = 0;
        while at + needle.len() <= text.len() {
            if text[at..at + needle.len()].eq_ignore_ascii_case(needle) {
                out.push(at..at + needle.len());
                at += needle.len();
            } else {
                at += 1;
            }
        }
        return;
    }
    folded.clear();
    map.clear();
    for (at, c) in text.char_indices() {
        for lower in c.to_lowercase() {
            let before = folded.len();
            folded.push(lower);
            map.extend(std::iter::repeat_n(at, folded.len() - before));
        }
    }
    map.push(text.len());
    for (at, _) in folded.match_indices(needle) {
        let start = map[at];
        let mut end = map[at + needle.len()];
        // A match within one character's lower-case expansion takes the
        // whole character.
        if end <= start {
            end = text[start..]
                .chars()
                .next()
                .map_or(text.len(), |c| start + c.len_utf8());
        }
        out.push(start..end);
    }
}

impl Search {
    /// Opens the bar (or, if open, selects its text again) and focuses it.
    pub fn open(&mut self) {
        self.open = true;
        self.focus_pending = true;
        self.scroll_pending = !self.found.is_empty();
    }

    /// Closes the bar; the highlights go with it.
    pub fn close(&mut self) {
        self.open = false;
        self.found.clear();
        self.searched = None;
    }

    /// Finds the query in `lines` if the query or the lines changed since
    /// the last time (`revision` is [`crate::ui::state::RoomModel::revision`]).
    pub fn update(&mut self, lines: &[ChatLine], revision: u64) {
        if !self.open {
            return;
        }
        let key = Searched {
            query: self.query.clone(),
            revision,
            lines: lines.len(),
        };
        let from = match &self.searched {
            Some(s) if *s == key => return,
            // Only new lines at the end: search those.
            Some(s) if s.query == key.query && s.revision == revision && s.lines < lines.len() => {
                s.lines
            }
            _ => 0,
        };
        let query_changed = self.searched.as_ref().is_none_or(|s| s.query != key.query);
        let kept = if query_changed {
            None
        } else {
            self.current_found().map(|f| (f.id, f.range.start))
        };
        if from == 0 {
            self.found.clear();
        }
        self.folded = self.query.to_lowercase();
        if !self.folded.is_empty() {
            let mut folded = String::new();
            let mut map = Vec::new();
            let mut ranges = Vec::new();
            for (i, line) in lines.iter().enumerate().skip(from) {
                ranges.clear();
                find_in(body(line), &self.folded, &mut folded, &mut map, &mut ranges);
                self.found.extend(ranges.drain(..).map(|range| Found {
                    line: i,
                    id: line.id,
                    range,
                }));
            }
        }
        // A conversation that changed keeps the current match (if it is
        // still there); a new query starts at the newest match.
        self.current = kept
            .and_then(|(id, start)| {
                self.found
                    .iter()
                    .rposition(|f| f.id == id && f.range.start == start)
            })
            .map_or(0, |i| self.found.len() - 1 - i);
        if query_changed {
            self.scroll_pending = !self.found.is_empty();
        }
        self.searched = Some(key);
    }

    /// Every match, top to bottom.
    #[must_use]
    pub fn found(&self) -> &[Found] {
        &self.found
    }

    /// The current match's index in [`Search::found`].
    #[must_use]
    pub fn current_index(&self) -> Option<usize> {
        (!self.found.is_empty()).then(|| self.found.len() - 1 - self.current)
    }

    /// The current match.
    #[must_use]
    pub fn current_found(&self) -> Option<&Found> {
        self.current_index().map(|i| &self.found[i])
    }

    /// How many matches there are, and which is the current one.
    #[must_use]
    pub fn count(&self) -> MatchCount {
        match (self.query.is_empty(), self.found.len()) {
            (true, _) => MatchCount::NoQuery,
            (false, 0) => MatchCount::NoMatches,
            (false, of) => MatchCount::At {
                current: self.current + 1,
                of,
            },
        }
    }

    /// The next match, going back in time (wraps around to the newest).
    pub fn older(&mut self) {
        if !self.found.is_empty() {
            self.current = (self.current + 1) % self.found.len();
            self.scroll_pending = true;
        }
    }

    /// The previous match, going forward in time (wraps around to the oldest).
    pub fn newer(&mut self) {
        if !self.found.is_empty() {
            self.current = (self.current + self.found.len() - 1) % self.found.len();
            self.scroll_pending = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: LineId, text: &str) -> ChatLine {
        ChatLine::from_ana(id, text)
    }

    fn ranges(text: &str, needle: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        find_in(
            text,
            &needle.to_lowercase(),
            &mut String::new(),
            &mut Vec::new(),
            &mut out,
        );
        out
    }

    #[test]
    fn matching_ignores_case_and_gives_ranges_of_the_shown_text() {
        assert_eq!(ranges("Apple apple APPLE", "apple"), [0..5, 6..11, 12..17]);
        assert_eq!(ranges("ÄPFEL äpfel", "äpfel"), [0..6, 7..13]);
        // The escape as shown is found; the text is not interpreted.
        assert_eq!(ranges("a\\x1b[2J", "\\x1b"), vec![1..5; 1]);
        // A character whose lower case is longer (İ → i̇) keeps ranges on
        // character boundaries.
        let text = "İstanbul istanbul";
        for r in ranges(text, "i") {
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            assert!(!text[r].is_empty());
        }
        assert!(ranges("nothing here", "zebra").is_empty());
        assert!(ranges("ap", "apple").is_empty());
        // Matches do not overlap, in either path.
        assert_eq!(ranges("aaaa", "aa"), [0..2, 2..4]);
        assert_eq!(ranges("ääää", "ää"), [0..4, 4..8]);
    }

    #[test]
    fn counts_from_the_newest_and_moves_both_ways() {
        crate::i18n::set_thread(crate::i18n::Lang::En);
        let lines: Vec<ChatLine> = ["find me", "not this", "find me too", "/me finds FIND"]
            .iter()
            .zip(1..)
            .map(|(t, id)| line(id, t))
            .collect();
        let mut s = Search::default();
        s.open();
        s.query = "find".into();
        s.update(&lines, 0);
        assert_eq!(s.found().len(), 4);
        assert_eq!(s.count().to_string(), "1 of 4");
        // The newest first; an action's text is searched after "/me ".
        assert_eq!(
            s.current_found(),
            Some(&Found {
                line: 3,
                id: 4,
                range: 6..10
            })
        );
        s.older();
        assert_eq!(s.count().to_string(), "2 of 4");
        assert_eq!(s.current_found().unwrap().range, 0..4);
        assert_eq!(s.current_found().unwrap().line, 3);
        s.older();
        assert_eq!(s.current_found().unwrap().line, 2);
        s.newer();
        s.newer();
        s.newer();
        assert_eq!(
            s.count().to_string(),
            "4 of 4",
            "wraps around to the oldest"
        );
        assert_eq!(s.current_found().unwrap().line, 0);
        s.query = "zebra".into();
        s.update(&lines, 0);
        assert_eq!(s.count().to_string(), "No matches");
        crate::i18n::set_thread(crate::i18n::Lang::ZhCn);
        assert_eq!(s.count().to_string(), "没有匹配");
        crate::i18n::set_thread(crate::i18n::Lang::En);
    }

    #[test]
    fn a_long_conversation_is_searched_once_per_change() {
        let mut lines: Vec<ChatLine> = (0..crate::ui::state::MAX_LINES as u64)
            .map(|i| {
                let text = if i % 10 == 0 {
                    format!("Grüße Nummer {i}, ein Apfel")
                } else {
                    format!("message number {i} about nothing in particular, an apple")
                };
                line(i + 1, &text)
            })
            .collect();
        let mut s = Search::default();
        s.open();
        s.query = "apple".into();
        let started = std::time::Instant::now();
        s.update(&lines, 0);
        let full = started.elapsed();
        assert_eq!(s.found().len(), lines.len() * 9 / 10);
        // The same query over the same lines: nothing to do, every frame.
        let started = std::time::Instant::now();
        for _ in 0..100 {
            s.update(&lines, 0);
        }
        let unchanged = started.elapsed();
        // One more line: only it is searched.
        lines.push(line(0, "one more apple"));
        let started = std::time::Instant::now();
        s.update(&lines, 0);
        let one_more = started.elapsed();
        assert_eq!(s.found().len(), lines.len() * 9 / 10 + 1);
        eprintln!("full {full:?}, 100 unchanged {unchanged:?}, one more {one_more:?}");
        assert!(unchanged < full / 10, "{unchanged:?} vs {full:?}");
        assert!(one_more < full / 10, "{one_more:?} vs {full:?}");
    }

    #[test]
    fn new_lines_are_searched_alone_and_keep_the_current_match() {
        crate::i18n::set_thread(crate::i18n::Lang::En);
        let mut lines = vec![line(1, "one match"), line(2, "another match")];
        let mut s = Search::default();
        s.open();
        s.query = "match".into();
        s.update(&lines, 0);
        s.older();
        assert_eq!(s.current_found().unwrap().line, 0);
        lines.push(line(3, "a third match"));
        s.update(&lines, 0);
        assert_eq!(s.found().len(), 3);
        assert_eq!(s.count().to_string(), "3 of 3", "still on the same match");
        assert_eq!(s.current_found().unwrap().line, 0);
        // A change in place (revision) searches everything again, and the
        // current match stays the same line, now at another index.
        lines.remove(1);
        s.update(&lines, 1);
        assert_eq!(s.found().len(), 2);
        assert_eq!(s.count().to_string(), "2 of 2");
        assert_eq!(s.current_found().unwrap().id, 1);
        lines.remove(0);
        s.update(&lines, 2);
        assert_eq!(s.count().to_string(), "1 of 1", "gone: back to the newest");
    }
}
