//! Search ranking for listings. A catalog's search index (`SearchIndex`,
//! kept per catalog version by the caller) holds every distinct word once,
//! folded and stemmed, and each card's fields as numbers into that list. A
//! query compares each of its terms with every distinct word once (a few
//! thousand comparisons, typos included), then scores the cards by table
//! lookups: a first query over 100,000 products costs tens of ms, not a
//! comparison with every word of every card (see `crate::search` for the
//! matching).

use super::ProductCard;
use crate::search;
use std::borrow::Borrow;
use std::collections::HashMap;

/// A card's words per field (title, tags, brand, description), as numbers
/// into its index's distinct words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardTerms([Vec<u32>; 4]);

/// The search index of a list of cards (same order and length).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchIndex {
    words: Vec<search::Term>,
    cards: Vec<CardTerms>,
}

impl SearchIndex {
    /// How many cards it indexes.
    pub fn len(&self) -> usize {
        self.cards.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    /// Distinct words over all cards.
    pub fn distinct_words(&self) -> usize {
        self.words.len()
    }
}

/// The search index of `all`: each word folded and stemmed once.
pub fn index<C: Borrow<ProductCard>>(all: &[C]) -> SearchIndex {
    let mut ix = SearchIndex::default();
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let mut field = |text: &str, out: &mut Vec<u32>| {
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2) {
            let n = match numbers.get(word) {
                Some(n) => *n,
                None => {
                    let n = ix.words.len() as u32;
                    ix.words.push(search::Term::new(word));
                    numbers.insert(word.to_string(), n);
                    n
                }
            };
            out.push(n);
        }
    };
    for p in all {
        let p = p.borrow();
        let mut t = CardTerms::default();
        field(&p.title, &mut t.0[0]);
        for tag in &p.tags {
            field(tag, &mut t.0[1]);
        }
        field(&p.brand, &mut t.0[2]);
        field(&p.snippet, &mut t.0[3]);
        ix.cards.push(t);
    }
    ix
}

/// Query words searched at most (more are ignored: each costs a pass over the catalog).
pub const MAX_QUERY_TERMS: usize = 8;

/// A query's distinct words as search terms (see [`crate::search`]), at most [`MAX_QUERY_TERMS`].
pub fn tokenize(text: &str) -> Vec<search::Term> {
    let mut out: Vec<search::Term> = Vec::new();
    for t in search::terms(text) {
        if out.len() < MAX_QUERY_TERMS && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Field weights: title 5, tag 3, brand 2, description 1.
const WEIGHTS: [u32; 4] = [5, 3, 2, 1];

/// How closely each query term matched each field of a card, from the
/// closeness of each term to every distinct word (`table[term][word]`).
fn closeness(card: &CardTerms, table: &[Vec<Option<search::Closeness>>]) -> Vec<[Option<search::Closeness>; 4]> {
    table.iter().map(|row| card.0.each_ref().map(|words| words.iter().filter_map(|w| row[*w as usize]).max())).collect()
}

/// A product's score from its closeness: each term scores field weight ×
/// closeness (word 3, prefix 2, typo 1), a typo only where `typo_ok` says
/// so for that term, plus 10 when every term matched. Zero: no match.
fn score(matches: &[[Option<search::Closeness>; 4]], typo_ok: &[bool]) -> u32 {
    let mut total = 0;
    let mut matched = 0;
    for (fields, ok) in matches.iter().zip(typo_ok) {
        let s: u32 = fields
            .iter()
            .zip(WEIGHTS)
            .filter_map(|(c, w)| c.filter(|c| *ok || *c > search::Closeness::Typo).map(|c| w * c as u32))
            .sum();
        matched += usize::from(s > 0);
        total += s;
    }
    if total > 0 && matched == matches.len() {
        total += 10;
    }
    total
}

/// Every card's score for the query. A term that some product matches as
/// typed (or by stem or prefix) counts no typo matches: a search for
/// "shirt" does not list shorts, and in "red jaket" the typo still counts
/// for "jaket" when no product has that word as typed.
pub(super) fn search_scores<'a, C: Borrow<ProductCard>>(
    all: &'a [C],
    index: Option<&SearchIndex>,
    query_terms: &[search::Term],
) -> Vec<(u32, &'a ProductCard)> {
    let built;
    let ix = match index {
        Some(ix) => ix,
        None => {
            built = self::index(all);
            &built
        }
    };
    let table: Vec<Vec<Option<search::Closeness>>> =
        query_terms.iter().map(|t| ix.words.iter().map(|w| search::closeness(t, w)).collect()).collect();
    // A term matched better than a typo by some word of some card.
    let typo_ok: Vec<bool> =
        table.iter().map(|row| !row.iter().flatten().any(|c| *c > search::Closeness::Typo)).collect();
    ix.cards.iter().zip(all).map(|(t, c)| (score(&closeness(t, &table), &typo_ok), c.borrow())).collect()
}

/// Relevance of a product for a query on its own (typos allowed): see [`score`].
pub fn relevance(p: &ProductCard, query_terms: &[search::Term]) -> u32 {
    if query_terms.is_empty() {
        return 0;
    }
    let ix = index(std::slice::from_ref(p));
    let table: Vec<Vec<_>> =
        query_terms.iter().map(|t| ix.words.iter().map(|w| search::closeness(t, w)).collect()).collect();
    score(&closeness(&ix.cards[0], &table), &vec![true; query_terms.len()])
}
