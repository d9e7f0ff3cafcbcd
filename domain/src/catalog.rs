//! Listing queries (sort, filters, paging) and the pure functions that apply
//! them: filtering, facet counting and search ranking. Storage adapters fetch
//! candidate products; these functions decide what a shopper sees.

use crate::money::Money;
use crate::product::{Image, Product};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// What a listing, a search result and a facet count need to know about a
/// product: small enough to keep a whole category of them in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub brand: String,
    pub category: String,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub image: Option<Image>,
    pub in_stock: bool,
    pub created_at: i64,
    /// Distinct (option, value) pairs over all variants, for facet counts.
    pub options: Vec<(String, String)>,
    /// Option combinations of in-stock variants, for "has a variant with all of" filters.
    pub variant_options: Vec<Vec<(String, String)>>,
    pub tags: Vec<String>,
    /// The first 300 characters of the description, for search and snippets.
    pub snippet: String,
    /// Approved reviews summed up (filled in by the shop when it builds a
    /// category's index; not stored with the card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::review::Summary>,
}

impl ProductCard {
    pub fn from_product(p: &Product) -> Self {
        let mut options: Vec<(String, String)> = Vec::new();
        for v in &p.variants {
            for o in &v.options {
                let pair = (o.name.clone(), o.value.clone());
                if !options.contains(&pair) {
                    options.push(pair);
                }
            }
        }
        ProductCard {
            id: p.id.to_string(),
            slug: p.slug.to_string(),
            title: p.title.clone(),
            brand: p.brand.clone(),
            category: p.category.to_string(),
            price: p.min_price(),
            compare_at: p.compare_at,
            image: p.images.first().cloned(),
            in_stock: p.total_stock() > 0,
            created_at: p.created_at,
            options,
            variant_options: p
                .variants
                .iter()
                .map(|v| v.options.iter().map(|o| (o.name.clone(), o.value.clone())).collect())
                .collect(),
            tags: p.tags.clone(),
            snippet: p.description.chars().take(300).collect(),
            rating: None,
        }
    }
}

pub const DEFAULT_PAGE_SIZE: u32 = 24;
pub const MAX_PAGE_SIZE: u32 = 96;
pub const MAX_PAGE: u32 = 10_000;
/// Largest price filter, in whole currency units.
pub const MAX_PRICE_FILTER: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Relevance,
    /// Best average rating first; among equal averages, more reviews first;
    /// products without reviews last (newest first among them).
    Rating,
}

impl Sort {
    pub fn parse(s: &str) -> Result<Self, QueryError> {
        match s {
            "" | "newest" => Ok(Self::Newest),
            "price-asc" | "price" => Ok(Self::PriceAsc),
            "price-desc" => Ok(Self::PriceDesc),
            "relevance" => Ok(Self::Relevance),
            "rating" => Ok(Self::Rating),
            other => Err(QueryError::UnknownSort(other.chars().take(32).collect())),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::PriceAsc => "price-asc",
            Self::PriceDesc => "price-desc",
            Self::Relevance => "relevance",
            Self::Rating => "rating",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown sort {0:?}: use newest, price-asc, price-desc, rating or relevance")]
    UnknownSort(String),
    #[error("unknown filter {0:?}")]
    UnknownFilter(String),
    #[error("{0} must be a whole number")]
    NotANumber(&'static str),
}

/// Raw query-string parameters, as a shopper's URL carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawListing {
    pub params: Vec<(String, String)>,
}

/// A checked listing request: page and size are clamped, not rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub sort: Sort,
    pub page: u32,
    pub page_size: u32,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub brands: Vec<String>,
    pub in_stock: bool,
    /// Option filters such as `size=M`: a product matches when one variant has every one.
    pub options: Vec<(String, String)>,
    pub q: String,
}

fn clamp_number(name: &'static str, v: &str, min: i64, max: i64) -> Result<i64, QueryError> {
    let v = v.trim();
    // Very long digit strings are clamped rather than refused.
    if !v.is_empty() && v.len() > 18 && v.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) {
        return Ok(if v.starts_with('-') { min } else { max });
    }
    v.parse::<i64>().map(|n| n.clamp(min, max)).map_err(|_| QueryError::NotANumber(name))
}

impl Listing {
    pub fn parse(params: &[(String, String)]) -> Result<Self, QueryError> {
        let mut l = Listing { page: 1, page_size: DEFAULT_PAGE_SIZE, ..Default::default() };
        let mut seen_q = false;
        for (k, v) in params {
            match k.as_str() {
                "sort" => l.sort = Sort::parse(v)?,
                "page" => l.page = clamp_number("page", v, 1, i64::from(MAX_PAGE))? as u32,
                "size" => l.page_size = clamp_number("size", v, 1, i64::from(MAX_PAGE_SIZE))? as u32,
                // Shoppers type whole currency units; listings compare minor units.
                "min" if !v.is_empty() => l.min_price = Some(clamp_number("min", v, 0, MAX_PRICE_FILTER)? * 100),
                "max" if !v.is_empty() => l.max_price = Some(clamp_number("max", v, 0, MAX_PRICE_FILTER)? * 100),
                "min" | "max" => {}
                "brand" if !v.is_empty() => l.brands.push(v.chars().take(80).collect()),
                "brand" => {}
                "in_stock" => l.in_stock = matches!(v.as_str(), "1" | "true" | "on"),
                // The first `q`, as the header's search box shows it.
                "q" if !seen_q => {
                    seen_q = true;
                    l.q = v.chars().take(200).collect();
                }
                "q" => {}
                key if key.starts_with("opt.") && !v.is_empty() => l
                    .options
                    .push((key[4..].chars().take(40).collect::<String>().to_lowercase(), v.chars().take(60).collect())),
                key if key.starts_with("opt.") => {}
                other => return Err(QueryError::UnknownFilter(other.chars().take(32).collect())),
            }
        }
        Ok(l)
    }

    pub fn offset(&self) -> usize {
        (self.page.saturating_sub(1) as usize) * self.page_size as usize
    }

    /// Does the product pass every filter? (Option filters: one variant must
    /// have every chosen option value.)
    pub fn matches(&self, p: &ProductCard) -> bool {
        let price = p.price.minor();
        self.min_price.is_none_or(|m| price >= m)
            && self.max_price.is_none_or(|m| price <= m)
            && (self.brands.is_empty() || self.brands.contains(&p.brand))
            && (!self.in_stock || p.in_stock)
            && (self.options.is_empty()
                || p.variant_options
                    .iter()
                    .any(|v| self.options.iter().all(|(n, val)| v.iter().any(|(on, ov)| on == n && ov == val))))
    }

    /// The query string for this listing with one parameter changed (or
    /// removed when `value` is empty), page reset to 1 unless it is `page`.
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = Vec::new();
        if !self.q.is_empty() {
            q.push(("q".into(), self.q.clone()));
        }
        if self.sort != Sort::default() {
            q.push(("sort".into(), self.sort.as_str().into()));
        }
        if let Some(m) = self.min_price {
            q.push(("min".into(), (m / 100).to_string()));
        }
        if let Some(m) = self.max_price {
            q.push(("max".into(), (m / 100).to_string()));
        }
        for b in &self.brands {
            q.push(("brand".into(), b.clone()));
        }
        if self.in_stock {
            q.push(("in_stock".into(), "1".into()));
        }
        for (n, v) in &self.options {
            q.push((format!("opt.{n}"), v.clone()));
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            q.push(("size".into(), self.page_size.to_string()));
        }
        if self.page > 1 {
            q.push(("page".into(), self.page.to_string()));
        }
        q
    }
}

/// Counts per brand and per option value over a set of products.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub brands: BTreeMap<String, u32>,
    pub options: BTreeMap<String, BTreeMap<String, u32>>,
    pub in_stock: u32,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
}

pub fn facets<'a>(products: impl IntoIterator<Item = &'a ProductCard>) -> Facets {
    let mut f = Facets::default();
    for p in products {
        *f.brands.entry(p.brand.clone()).or_default() += 1;
        if p.in_stock {
            f.in_stock += 1;
        }
        let price = p.price.minor();
        f.price_min = Some(f.price_min.map_or(price, |m| m.min(price)));
        f.price_max = Some(f.price_max.map_or(price, |m| m.max(price)));
        for (n, v) in &p.options {
            *f.options.entry(n.clone()).or_default().entry(v.clone()).or_default() += 1;
        }
    }
    f
}

/// Sort in place by the listing's order (newest first, or by lowest price).
/// Relevance is applied by [`search`], so here it keeps newest order.
pub fn sort_cards(cards: &mut [&ProductCard], sort: Sort) {
    match sort {
        Sort::Newest | Sort::Relevance => cards.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))),
        Sort::PriceAsc => cards.sort_by(|a, b| (a.price.minor(), &a.id).cmp(&(b.price.minor(), &b.id))),
        Sort::PriceDesc => cards.sort_by(|a, b| (b.price.minor(), &a.id).cmp(&(a.price.minor(), &b.id))),
        Sort::Rating => cards
            .sort_by(|a, b| by_rating(a.rating, b.rating).then(b.created_at.cmp(&a.created_at)).then(a.id.cmp(&b.id))),
    }
}

/// Better rated first: averages compared exactly (cross-multiplied, no
/// rounding), then more reviews; no reviews after any.
fn by_rating(a: Option<crate::review::Summary>, b: Option<crate::review::Summary>) -> std::cmp::Ordering {
    let rated = |s: Option<crate::review::Summary>| s.filter(|s| s.count > 0);
    match (rated(a), rated(b)) {
        (Some(a), Some(b)) => (i128::from(b.total) * i128::from(a.count))
            .cmp(&(i128::from(a.total) * i128::from(b.count)))
            .then(b.count.cmp(&a.count)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// One page of a listing with the facet counts of everything that matched
/// the search (facets ignore the other filters' choices, as shoppers expect
/// the counts to describe the category).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<ProductCard>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    pub facets: Facets,
}

/// Apply a listing (search, filters, sort, paging) to a set of cards (owned
/// or shared: a listing keeps its cards behind `Arc`s, see `shop::catalog`).
pub fn list<C: Borrow<ProductCard>>(all: &[C], l: &Listing) -> Page {
    list_indexed(all, None, l)
}

/// [`list`] with the cards' search index built beforehand (`index`, same order
/// and length as `all`; otherwise they are computed here).
pub fn list_indexed<C: Borrow<ProductCard>>(all: &[C], index: Option<&SearchIndex>, l: &Listing) -> Page {
    let terms = tokenize(&l.q);
    let index = index.filter(|ix| ix.len() == all.len());
    let mut scored: Vec<(u32, &ProductCard)> = if terms.is_empty() {
        all.iter().map(|c| (0, c.borrow())).collect()
    } else {
        search_scores(all, index, &terms).into_iter().filter(|(s, _)| *s > 0).collect()
    };
    let facets = facets(scored.iter().map(|(_, c)| *c));
    scored.retain(|(_, c)| l.matches(c));
    let mut cards: Vec<&ProductCard>;
    if !terms.is_empty() && l.sort == Sort::Relevance {
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.created_at.cmp(&a.1.created_at)).then(a.1.id.cmp(&b.1.id)));
        cards = scored.into_iter().map(|(_, c)| c).collect();
    } else {
        cards = scored.into_iter().map(|(_, c)| c).collect();
        sort_cards(&mut cards, l.sort);
    }
    let total = cards.len();
    let pages = total.div_ceil(l.page_size as usize).max(1) as u32;
    let items = cards.into_iter().skip(l.offset()).take(l.page_size as usize).cloned().collect();
    Page { items, total, page: l.page, pages, facets }
}

mod rank;
use rank::search_scores;
pub use rank::{index, relevance, tokenize, CardTerms, SearchIndex, MAX_QUERY_TERMS};

#[cfg(test)]
mod tests;
