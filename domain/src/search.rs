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

/// One searchable word: folded, and its stem (each also as characters,
/// for the edit distance without allocating per comparison).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub folded: String,
    pub stem: String,
    folded_chars: Vec<char>,
    stem_chars: Vec<char>,
}

impl Term {
    pub fn new(word: &str) -> Self {
        let folded = fold(word);
        let stem = stemmer().stem(&folded).into_owned();
        Self { folded_chars: folded.chars().collect(), stem_chars: stem.chars().collect(), folded, stem }
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
    if query.folded_chars.len() >= 3 && word.folded.starts_with(&query.folded) {
        return Some(Closeness::Prefix);
    }
    let allowed = typos_allowed(query.folded_chars.len());
    // The words as typed, or their stems ("jakets" is one edit from "jacket" as stems).
    if allowed > 0
        && (within_chars(&query.folded_chars, &word.folded_chars, allowed)
            || within_chars(&query.stem_chars, &word.stem_chars, allowed))
    {
        return Some(Closeness::Typo);
    }
    None
}

/// Whether `a` and `b` are at most `max` edits apart (insert, delete,
/// substitute, or swap two neighbours: optimal string alignment).
pub fn within(a: &str, b: &str, max: usize) -> bool {
    within_chars(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>(), max)
}

/// Longest word compared for typos (longer words match only as typed).
const MAX_TYPO_WORD: usize = 40;

fn within_chars(a: &[char], b: &[char], max: usize) -> bool {
    if a.len().abs_diff(b.len()) > max || b.len() > MAX_TYPO_WORD || a.len() > MAX_TYPO_WORD {
        return false;
    }
    // Three rows on the stack: this runs for every word of every product.
    let mut rows = [[0usize; MAX_TYPO_WORD + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (prev2, prev, cur) = ((i + 1) % 3, (i + 2) % 3, i % 3);
        rows[cur][0] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev][j] + 1).min(rows[cur][j - 1] + 1).min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = v;
            best = best.min(v);
        }
        if best > max {
            return false;
        }
    }
    rows[a.len() % 3][b.len()] <= max
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
