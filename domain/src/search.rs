//! A search that forgives: words are compared folded (case and accents
//! gone: "Café" is "cafe"), stemmed (English Snowball: "shirts" is "shirt",
//! "running" is "run"), by prefix while the shopper is still typing, and
//! with typos (one edit in a word of 4–7 letters, two from 8; a swap of two
//! letters is one edit). An exact or stemmed word counts more than a prefix,
//! a prefix more than a typo, so the closest products rank first.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// How well a query term matched a word; more is closer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closeness {
    Typo = 1,
    Prefix = 2,
    Word = 3,
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Lowercase, accents removed (NFD, combining marks dropped).
pub fn fold(word: &str) -> String {
    word.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// One searchable word: folded, and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub folded: String,
    pub stem: String,
}

impl Term {
    pub fn new(word: &str) -> Self {
        let folded = fold(word);
        let stem = stemmer().stem(&folded).into_owned();
        Self { folded, stem }
    }
}

/// The words of `text` (letters and digits; at least two characters) as terms.
pub fn terms(text: &str) -> Vec<Term> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2).map(Term::new).collect()
}

/// Edits a word of `len` characters may differ by and still match.
fn typos_allowed(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// How `query` matches `word`, if it does.
pub fn closeness(query: &Term, word: &Term) -> Option<Closeness> {
    if query.folded == word.folded || query.stem == word.stem {
        return Some(Closeness::Word);
    }
    if query.folded.chars().count() >= 3 && word.folded.starts_with(&query.folded) {
        return Some(Closeness::Prefix);
    }
    let allowed = typos_allowed(query.folded.chars().count());
    // The words as typed, or their stems ("jakets" is one edit from "jacket" as stems).
    if allowed > 0 && (within(&query.folded, &word.folded, allowed) || within(&query.stem, &word.stem, allowed)) {
        return Some(Closeness::Typo);
    }
    None
}

/// Whether `a` and `b` are at most `max` edits apart (insert, delete,
/// substitute, or swap two neighbours: optimal string alignment).
pub fn within(a: &str, b: &str, max: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        if cur.iter().min().copied().unwrap_or(0) > max {
            return false;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= max
}

/// The best closeness of `query` to any of `words`.
pub fn best(query: &Term, words: &[Term]) -> Option<Closeness> {
    words.iter().filter_map(|w| closeness(query, w)).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(q: &str, text: &str) -> Option<Closeness> {
        best(&Term::new(q), &terms(text))
    }

    #[test]
    fn case_accents_and_plurals_are_forgiven() {
        assert_eq!(matches("shirts", "Linen Shirt"), Some(Closeness::Word));
        assert_eq!(matches("cafe", "Café crème mug"), Some(Closeness::Word));
        assert_eq!(matches("CAFÉ", "cafe mug"), Some(Closeness::Word));
        assert_eq!(matches("running", "Trail run shoe"), Some(Closeness::Word));
    }

    #[test]
    fn a_word_still_being_typed_matches_by_prefix() {
        assert_eq!(matches("jack", "Rain Jacket"), Some(Closeness::Prefix));
        assert_eq!(matches("ja", "Rain Jacket"), None, "two letters are too few for a prefix");
    }

    #[test]
    fn typos_are_forgiven_by_word_length() {
        assert_eq!(matches("jaket", "Rain Jacket"), Some(Closeness::Typo), "one letter missing");
        assert_eq!(matches("sweater", "Wool sewater"), Some(Closeness::Typo), "two letters swapped");
        assert_eq!(matches("backpakc", "Daypack backpack"), Some(Closeness::Typo));
        assert_eq!(matches("umbrelal", "Compact umbrella"), Some(Closeness::Typo));
        assert_eq!(matches("mug", "Mog"), None, "three letters allow no typo");
        assert_eq!(matches("shirt", "Short"), Some(Closeness::Typo));
        assert_eq!(matches("jacket", "Racket"), Some(Closeness::Typo));
        assert_eq!(matches("boots", "Bolts"), Some(Closeness::Typo));
        assert_eq!(matches("trousers", "Trekking poles"), None);
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert!(within("abcd", "abdc", 1));
        assert!(!within("abcd", "badc", 1));
        assert!(within("kitten", "sitting", 3) && !within("kitten", "sitting", 2));
        assert!(within("", "ab", 2) && !within("", "abc", 2));
    }
}
