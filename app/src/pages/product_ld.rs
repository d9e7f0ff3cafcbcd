//! The product page's JSON-LD (`Product` with its offers, rating and
//! reviews, and the `BreadcrumbList`), written from typed structs that
//! borrow the page's data: building it as `serde_json::Value` trees cost
//! about 8% of a rendered product page's CPU (perf, README Performance).

use crate::components::json_ld_text;
use crate::model::ProductData;
use serde::Serialize;

#[derive(Serialize)]
struct Thing<'a, T: Serialize> {
    #[serde(rename = "@type")]
    kind: &'a str,
    #[serde(flatten)]
    body: T,
}

fn thing<T: Serialize>(kind: &str, body: T) -> Thing<'_, T> {
    Thing { kind, body }
}

#[derive(Serialize)]
struct Name<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Offer<'a> {
    sku: &'a str,
    url: String,
    price_currency: &'a str,
    price: String,
    availability: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rating<V: Serialize> {
    /// The average as the page shows it ("4.3"), or a review's stars (5).
    rating_value: V,
    #[serde(skip_serializing_if = "Option::is_none")]
    review_count: Option<i64>,
    best_rating: u8,
    worst_rating: u8,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Review<'a> {
    author: Thing<'a, Name<'a>>,
    date_published: &'a str,
    review_body: &'a str,
    review_rating: Thing<'a, Rating<u8>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Product<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    name: &'a str,
    description: &'a str,
    brand: Thing<'a, Name<'a>>,
    sku: &'a str,
    image: Vec<String>,
    url: &'a str,
    offers: Vec<Thing<'a, Offer<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aggregate_rating: Option<Thing<'a, Rating<&'a str>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<Vec<Thing<'a, Review<'a>>>>,
}

#[derive(Serialize)]
struct Crumb<'a> {
    position: usize,
    name: &'a str,
    item: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Crumbs<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    item_list_element: Vec<Thing<'a, Crumb<'a>>>,
}

const SCHEMA: &str = "https://schema.org";

/// The page's `<script type="application/ld+json">` text.
pub fn product_ld(d: &ProductData) -> String {
    let p = &d.product;
    let url = format!("{}/p/{}", d.public_url, p.slug);
    let offers = p
        .variants
        .iter()
        .map(|v| {
            thing(
                "Offer",
                Offer {
                    sku: v.sku.as_str(),
                    url: format!("{url}?variant={}", v.sku),
                    price_currency: v.price.currency().code(),
                    price: format!("{:.2}", v.price.minor() as f64 / 100.0),
                    availability: if v.stock > 0 {
                        "https://schema.org/InStock"
                    } else {
                        "https://schema.org/OutOfStock"
                    },
                },
            )
        })
        .collect();
    fn rating<V: Serialize>(value: V, count: Option<i64>) -> Rating<V> {
        Rating { rating_value: value, review_count: count, best_rating: 5, worst_rating: 1 }
    }
    let avg = d.reviews.average.as_deref();
    let review = avg.map(|_| {
        d.reviews
            .items
            .iter()
            .map(|r| {
                thing(
                    "Review",
                    Review {
                        author: thing("Person", Name { name: &r.author }),
                        date_published: &r.date,
                        review_body: &r.body,
                        review_rating: thing("Rating", rating(r.rating, None)),
                    },
                )
            })
            .collect()
    });
    let product = thing(
        "Product",
        Product {
            context: SCHEMA,
            name: &p.title,
            description: &p.description,
            brand: thing("Brand", Name { name: &p.brand }),
            sku: &d.selected,
            image: p.images.iter().map(|i| format!("{}{}", d.public_url, i.url)).collect(),
            url: &url,
            offers,
            aggregate_rating: avg.map(|a| thing("AggregateRating", rating(a, Some(d.reviews.count)))),
            review,
        },
    );
    let mut items: Vec<_> = d
        .crumbs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            thing("ListItem", Crumb { position: i + 1, name: &c.name, item: format!("{}{}", d.public_url, c.href()) })
        })
        .collect();
    items.push(thing("ListItem", Crumb { position: items.len() + 1, name: &p.title, item: url.clone() }));
    let crumbs = thing("BreadcrumbList", Crumbs { context: SCHEMA, item_list_element: items });
    json_ld_text(&serde_json::to_string(&(product, crumbs)).unwrap_or_default())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::product_ld;
    use crate::model::{CategoryLink, ProductData, ReviewItem, ReviewsView};

    fn page(reviews: ReviewsView) -> ProductData {
        let mut product = shop::catalog::seed::product(3);
        product.title = "Rain </script><b>Jacket".into();
        let selected = product.variants[0].sku.to_string();
        let crumbs = vec![CategoryLink::new("apparel")];
        ProductData {
            product,
            crumbs,
            selected,
            public_url: "https://shop.example".into(),
            reviews,
            tax_note: String::new(),
        }
    }

    #[test]
    fn the_product_json_ld_names_offers_crumbs_and_never_closes_its_script() {
        let d = page(ReviewsView::default());
        let text = product_ld(&d);
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (p, crumbs) = (&v[0], &v[1]);
        assert_eq!((p["@context"].as_str(), p["@type"].as_str()), (Some("https://schema.org"), Some("Product")));
        assert_eq!(p["name"], "Rain </script><b>Jacket", "the title, whole, once decoded");
        assert_eq!(p["brand"]["@type"], "Brand");
        let offers = p["offers"].as_array().unwrap();
        assert_eq!(offers.len(), d.product.variants.len());
        let first = &d.product.variants[0];
        assert_eq!(offers[0]["@type"], "Offer");
        assert_eq!(offers[0]["sku"], first.sku.as_str());
        assert_eq!(offers[0]["price"], format!("{:.2}", first.price.minor() as f64 / 100.0));
        assert_eq!(offers[0]["priceCurrency"], first.price.currency().code());
        assert!(p.get("aggregateRating").is_none() && p.get("review").is_none(), "no reviews, no rating");
        let items = crumbs["itemListElement"].as_array().unwrap();
        assert_eq!(crumbs["@type"], "BreadcrumbList");
        assert_eq!(
            (items[0]["position"].as_u64(), items[0]["item"].as_str()),
            (Some(1), Some("https://shop.example/c/apparel"))
        );
        assert_eq!(items[1]["name"], "Rain </script><b>Jacket");
    }

    #[test]
    fn reviews_give_the_json_ld_an_aggregate_rating_and_each_review() {
        let item = ReviewItem { author: "Ann".into(), rating: 4, body: "Warm & dry".into(), date: "2026-11-20".into() };
        let reviews = ReviewsView { count: 1, average: Some("4.0".into()), items: vec![item], viewer: None };
        let v: serde_json::Value = serde_json::from_str(&product_ld(&page(reviews))).unwrap();
        let agg = &v[0]["aggregateRating"];
        assert_eq!((agg["@type"].as_str(), agg["ratingValue"].as_str()), (Some("AggregateRating"), Some("4.0")));
        assert_eq!((agg["reviewCount"].as_i64(), agg["bestRating"].as_u64()), (Some(1), Some(5)));
        let r = &v[0]["review"][0];
        assert_eq!((r["@type"].as_str(), r["author"]["name"].as_str()), (Some("Review"), Some("Ann")));
        assert_eq!((r["reviewBody"].as_str(), r["datePublished"].as_str()), (Some("Warm & dry"), Some("2026-11-20")));
        assert_eq!(r["reviewRating"]["ratingValue"], 4);
        assert!(r["reviewRating"].get("reviewCount").is_none());
    }
}
