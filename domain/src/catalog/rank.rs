//! Search ranking for listings: each card's words folded and stemmed once
//! (`CardTerms`, kept per catalog version by the caller), a query's terms,
//! and the score of every card (see `crate::search` for the matching).

use super::ProductCard;
use crate::search;

/// A card's searchable words per field (title, tags, brand, description),
/// folded and stemmed once: a catalog keeps them per version, so a new
/// query does not stem every product again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardTerms([Vec<search::Term>; 4]);

impl CardTerms {
    pub fn of(p: &ProductCard) -> Self {
        Self([
            search::terms(&p.title),
            p.tags.iter().flat_map(|t| search::terms(t)).collect(),
            search::terms(&p.brand),
            search::terms(&p.snippet),
        ])
    }
}

/// Every card's [`CardTerms`], in the same order.
pub fn index(all: &[ProductCard]) -> Vec<CardTerms> {
    all.iter().map(CardTerms::of).collect()
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

/// How closely each query term matched each field of a card.
fn closeness(card: &CardTerms, query_terms: &[search::Term]) -> Vec<[Option<search::Closeness>; 4]> {
    query_terms.iter().map(|t| card.0.each_ref().map(|words| search::best(t, words))).collect()
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
pub(super) fn search_scores<'a>(
    all: &'a [ProductCard],
    index: Option<&[CardTerms]>,
    query_terms: &[search::Term],
) -> Vec<(u32, &'a ProductCard)> {
    let matches: Vec<_> = match index {
        Some(ix) => ix.iter().map(|t| closeness(t, query_terms)).collect(),
        None => all.iter().map(|c| closeness(&CardTerms::of(c), query_terms)).collect(),
    };
    let typo_ok: Vec<bool> = (0..query_terms.len())
        .map(|i| !matches.iter().any(|m| m[i].iter().flatten().any(|c| *c > search::Closeness::Typo)))
        .collect();
    matches.iter().zip(all).map(|(m, c)| (score(m, &typo_ok), c)).collect()
}

/// Relevance of a product for a query on its own (typos allowed): see [`score`].
pub fn relevance(p: &ProductCard, query_terms: &[search::Term]) -> u32 {
    if query_terms.is_empty() {
        return 0;
    }
    score(&closeness(&CardTerms::of(p), query_terms), &vec![true; query_terms.len()])
}
