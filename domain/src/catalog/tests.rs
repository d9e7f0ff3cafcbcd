//! Listing, facets, sorting and relevance, checked on small catalogs.

use super::ProductCard;
use super::*;
use crate::product::{Product, ProductDraft, VariantDraft};

fn product(id: &str, title: &str, brand: &str, price: i64, stock: i64) -> ProductCard {
    ProductCard::from_product(
        &Product::parse(ProductDraft {
            id: id.into(),
            slug: id.into(),
            title: title.into(),
            description: "plain".into(),
            brand: brand.into(),
            category: "c".into(),
            currency: "USD".into(),
            variants: vec![VariantDraft {
                sku: id.to_uppercase(),
                options: vec![("size".into(), "M".into())],
                price_minor: price,
                stock,
                image: None,
            }],
            status: "active".into(),
            ..Default::default()
        })
        .unwrap(),
    )
}

fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn negative_and_huge_pages_are_clamped() {
    let l = Listing::parse(&params(&[("page", "-4"), ("size", "100000000000000000000000")])).unwrap();
    assert_eq!((l.page, l.page_size), (1, MAX_PAGE_SIZE));
}

#[test]
fn a_listing_survives_a_round_trip_through_its_query() {
    let l = Listing::parse(&params(&[
        ("min", "10"),
        ("max", "99"),
        ("brand", "Acme"),
        ("opt.size", "M"),
        ("page", "2"),
        ("sort", "price-desc"),
    ]))
    .unwrap();
    assert_eq!(l.min_price, Some(1000));
    assert_eq!(Listing::parse(&l.to_query()).unwrap(), l);
}

#[test]
fn unknown_sort_and_filter_are_errors() {
    assert!(matches!(Listing::parse(&params(&[("sort", "cheap")])), Err(QueryError::UnknownSort(_))));
    assert!(matches!(Listing::parse(&params(&[("colour", "x")])), Err(QueryError::UnknownFilter(_))));
    assert!(matches!(Listing::parse(&params(&[("page", "two")])), Err(QueryError::NotANumber("page"))));
}

#[test]
fn filters_and_facets_agree() {
    let ps = [product("a", "Red hat", "Acme", 1000, 1), product("b", "Blue hat", "Zed", 3000, 0)];
    let l = Listing::parse(&params(&[("brand", "Acme"), ("in_stock", "1"), ("opt.size", "M")])).unwrap();
    let hits: Vec<_> = ps.iter().filter(|p| l.matches(p)).map(|p| p.id.as_str()).collect();
    assert_eq!(hits, ["a"]);
    let f = facets(&ps);
    assert_eq!(f.brands["Acme"], 1);
    assert_eq!(f.options["size"]["M"], 2);
    assert_eq!((f.in_stock, f.price_min, f.price_max), (1, Some(1000), Some(3000)));
}

#[test]
fn title_matches_rank_above_description_matches() {
    let mut in_desc = product("a", "Cap", "Acme", 1, 1);
    in_desc.snippet = "a linen cap".into();
    let in_title = product("b", "Linen shirt", "Acme", 1, 1);
    let q = tokenize("linen");
    assert!(relevance(&in_title, &q) > relevance(&in_desc, &q));
    assert_eq!(relevance(&product("c", "Boots", "Acme", 1, 1), &q), 0);
}

#[test]
fn search_ranks_then_pages_and_counts_facets_over_all_matches() {
    let mut cards: Vec<ProductCard> =
        (0..30).map(|i| product(&format!("p{i}"), "Plain mug", "Acme", 100 + i, 1)).collect();
    cards.push(product("star", "Linen shirt", "Zed", 5000, 1));
    let mut linen_mug = product("lm", "Mug", "Acme", 10, 0);
    linen_mug.snippet = "linen".into();
    cards.push(linen_mug);
    let l = Listing::parse(&params(&[("q", "linen"), ("sort", "relevance")])).unwrap();
    let page = list(&cards, &l);
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].id, "star");
    let l = Listing::parse(&params(&[("size", "10"), ("page", "3"), ("sort", "price-asc")])).unwrap();
    let page = list(&cards, &l);
    assert_eq!((page.total, page.pages, page.items.len()), (32, 4, 10));
    assert_eq!(page.facets.brands["Acme"], 31);
    let beyond = list(&cards, &Listing::parse(&params(&[("page", "99")])).unwrap());
    assert!(beyond.items.is_empty());
}

#[test]
fn a_search_forgives_plurals_accents_and_typos_but_prefers_what_was_typed() {
    let cards = vec![
        product("shirt", "Linen Shirt", "Acme", 1, 1),
        product("shorts", "Cargo Shorts", "Acme", 1, 1),
        product("cafe", "Café Mug", "Acme", 1, 1),
        product("jacket", "Rain Jacket", "Acme", 1, 1),
    ];
    let ids = |q: &str| -> Vec<String> {
        let l = Listing::parse(&params(&[("q", q), ("sort", "relevance")])).unwrap();
        list(&cards, &l).items.into_iter().map(|c| c.id).collect()
    };
    assert_eq!(ids("shirts"), ["shirt"], "a plural finds the singular; shorts (one typo away) are not listed");
    assert_eq!(ids("CAFE"), ["cafe"], "case and accents folded");
    assert_eq!(ids("jaket"), ["jacket"], "a typo finds it when nothing matches as typed");
    assert_eq!(ids("rain jack"), ["jacket"], "a word still being typed");
    let reds = [product("red-shirt", "Red Shirt", "Acme", 1, 1), product("red-jacket", "Red Jacket", "Acme", 1, 1)];
    let l = Listing::parse(&params(&[("q", "red jaket"), ("sort", "relevance")])).unwrap();
    let found: Vec<String> = list(&reds, &l).items.into_iter().map(|c| c.id).collect();
    assert_eq!(found, ["red-jacket", "red-shirt"], "each word forgiven on its own: the red jacket first");
    assert!(ids("zzzz").is_empty());
}

#[test]
fn a_search_over_prebuilt_terms_finds_exactly_what_a_plain_search_finds() {
    let cards: Vec<ProductCard> = ["Linen Shirt", "Cargo Shorts", "Café Mug", "Rain Jacket", "Red Jacket"]
        .iter()
        .enumerate()
        .map(|(i, t)| product(&format!("p{i}"), t, "Acme", 1, 1))
        .collect();
    let ix = index(&cards);
    for q in ["shirts", "cafe", "jaket", "red jaket", "rain jack", "zzz"] {
        let l = Listing::parse(&params(&[("q", q), ("sort", "relevance")])).unwrap();
        assert_eq!(list_indexed(&cards, Some(&ix), &l), list(&cards, &l), "{q}");
    }
    let l = Listing::parse(&params(&[("q", "jaket")])).unwrap();
    let short = index(&cards[..2]);
    assert_eq!(list_indexed(&cards, Some(&short), &l), list(&cards, &l), "an index of another length is ignored");
}

#[test]
fn top_rated_lists_the_best_average_first_then_more_reviews_and_the_unrated_last() {
    use crate::review::Summary;
    let rated = |id: &str, count: i64, total: i64| {
        let mut c = product(id, id, "Acme", 100, 1);
        c.rating = (count > 0).then_some(Summary { count, total });
        c
    };
    let cards = vec![
        rated("none", 0, 0),
        rated("four-of-two", 2, 8),
        rated("four-of-ten", 10, 40),
        rated("five-of-one", 1, 5),
        rated("three-and-a-half", 2, 7),
    ];
    let l = Listing::parse(&params(&[("sort", "rating")])).unwrap();
    let ids: Vec<String> = list(&cards, &l).items.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["five-of-one", "four-of-ten", "four-of-two", "three-and-a-half", "none"]);
    assert_eq!(l.to_query(), params(&[("sort", "rating")]), "the sort survives in page links");
}
