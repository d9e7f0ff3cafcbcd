//! Deterministic demo catalog: the same `n` always gives the same products,
//! spread over realistic categories, brands, options and prices. Images are
//! the SVGs shipped in `public/img/` (one per category and colour).

use domain::{Image, Product, ProductDraft, VariantDraft};

pub const CATEGORIES: &[(&str, &str, &[&str])] = &[
    ("apparel/shirts", "Shirt", &["linen", "oxford", "flannel", "cotton", "chambray"]),
    ("apparel/trousers", "Trousers", &["chino", "cargo", "wool", "corduroy", "denim"]),
    ("apparel/jackets", "Jacket", &["rain", "down", "field", "denim", "fleece"]),
    ("footwear/sneakers", "Sneakers", &["canvas", "leather", "running", "court", "trail"]),
    ("footwear/boots", "Boots", &["hiking", "chelsea", "work", "winter", "desert"]),
    ("home/kitchen", "Mug", &["stoneware", "enamel", "porcelain", "glass", "travel"]),
    ("home/decor", "Cushion", &["linen", "velvet", "wool", "cotton", "jute"]),
    ("outdoor/camping", "Tent", &["ultralight", "family", "dome", "tunnel", "trekking"]),
    ("outdoor/cycling", "Helmet", &["road", "commuter", "mountain", "gravel", "kids"]),
    ("accessories/bags", "Backpack", &["daypack", "roll-top", "laptop", "travel", "canvas"]),
    ("accessories/watches", "Watch", &["field", "dive", "dress", "chronograph", "solar"]),
];

pub const COLOURS: &[&str] = &["black", "navy", "olive", "sand", "rust", "grey"];
const BRANDS: &[&str] = &["Northwind", "Acme", "Fjellsport", "Kestrel", "Lumen", "Ondine", "Tallow & Pine", "Verano"];
const ADJECTIVES: &[&str] =
    &["Classic", "Everyday", "Heritage", "Modern", "Essential", "Weekend", "Studio", "Coastal", "Alpine", "Urban"];
const SIZES_APPAREL: &[&str] = &["XS", "S", "M", "L", "XL"];
const SIZES_SHOES: &[&str] = &["38", "39", "40", "41", "42", "43", "44"];

pub use domain::rng::Rng;

/// Start of the demo timeline (2026-01-01), so "newest" is stable.
const EPOCH: i64 = 1_767_225_600;

pub fn product(i: usize) -> Product {
    let mut r = Rng(i as u64 ^ 0x5EED_CAFE);
    let (category, noun, kinds) = CATEGORIES[i % CATEGORIES.len()];
    let kind = r.pick(kinds);
    let adjective = r.pick(ADJECTIVES);
    let brand = r.pick(BRANDS);
    let leaf = category.rsplit('/').next().unwrap_or(category);
    let title = format!("{adjective} {} {noun}", capitalise(kind));
    let slug = format!("{}-{}-{}-{i}", adjective.to_lowercase(), kind, noun.to_lowercase());
    let base_price = 1500 + (r.below(180) as i64) * 100 + 99;
    let n_colours = 1 + r.below(3);
    let first_colour = r.below(COLOURS.len());
    let colours: Vec<&str> = (0..n_colours).map(|k| COLOURS[(first_colour + k) % COLOURS.len()]).collect();
    let sizes: &[&str] = match leaf {
        "shirts" | "trousers" | "jackets" => &SIZES_APPAREL[1..5],
        "sneakers" | "boots" => &SIZES_SHOES[1..6],
        _ => &[],
    };
    let images: Vec<Image> = colours
        .iter()
        .map(|c| Image { url: format!("/img/{leaf}-{c}.svg"), alt: format!("{title} in {c}"), ..Default::default() })
        .collect();
    let mut variants = Vec::new();
    for (ci, c) in colours.iter().enumerate() {
        let size_list: Vec<Option<&str>> =
            if sizes.is_empty() { vec![None] } else { sizes.iter().map(|s| Some(*s)).collect() };
        for s in size_list {
            let mut options = vec![("colour".to_string(), c.to_string())];
            if let Some(s) = s {
                options.push(("size".to_string(), s.to_string()));
            }
            let sku = format!("SF{i:06}-{}{}", &c[..2].to_uppercase(), s.map(|s| format!("-{s}")).unwrap_or_default());
            let stock = if r.below(9) == 0 { 0 } else { r.below(40) as i64 + 1 };
            let surcharge = if s.is_some_and(|s| s == "XL" || s == "43" || s == "42") { 200 } else { 0 };
            variants.push(VariantDraft { sku, options, price_minor: base_price + surcharge, stock, image: Some(ci) });
        }
    }
    let on_sale = r.below(5) == 0;
    let mut tags = vec![kind.to_string(), colours[0].to_string()];
    if r.below(8) == 0 {
        tags.push("featured".into());
    }
    if on_sale {
        tags.push("sale".into());
    }
    let description = format!(
        "The {title} by {brand}: a {kind} {} made to last, in {}. {}",
        noun.to_lowercase(),
        colours.join(", "),
        match leaf {
            "shirts" | "trousers" | "jackets" => "Cut for comfort, easy to care for, and finished by hand.",
            "sneakers" | "boots" => "Cushioned sole, durable upper, and a grip you can trust.",
            "kitchen" | "decor" => "Designed for daily use and built to look good for years.",
            _ => "Tested outdoors in every season and backed by a two-year warranty.",
        }
    );
    let created_at = EPOCH + (i as i64) * 3600;
    let draft = ProductDraft {
        id: format!("sf{i:06}"),
        slug,
        title,
        description,
        brand: brand.into(),
        category: category.into(),
        images,
        currency: "USD".into(),
        compare_at_minor: on_sale.then_some(base_price + 1000 + (r.below(20) as i64) * 100),
        variants,
        tags,
        status: "active".into(),
        created_at,
        updated_at: created_at,
        // A shipping weight per unit, by kind of product.
        weight_grams: match leaf {
            "shirts" => 250,
            "trousers" => 500,
            "jackets" | "sneakers" => 900,
            "boots" => 1_400,
            "camping" => 2_500,
            _ => 700,
        },
        tax_class: String::new(),
    };
    match Product::parse(draft) {
        Ok(p) => p,
        // The generator only builds valid drafts; a test below checks every one.
        Err(e) => unreachable!("demo product {i} is invalid: {e}"),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn products(n: usize) -> Vec<Product> {
    (0..n).map(product).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_is_deterministic_and_valid() {
        let a = products(500);
        assert_eq!(a, products(500));
        let mut slugs: Vec<_> = a.iter().map(|p| p.slug.to_string()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 500, "slugs are unique");
        assert!(a.iter().any(|p| p.total_stock() == 0 || p.variants.iter().any(|v| v.stock == 0)));
        assert!(a.iter().all(|p| p.variants.len() <= domain::product::MAX_VARIANTS));
    }
}
