//! The merchant's product form: flat form fields to a `ProductDraft`, with
//! every field's error collected (the form shows them all at once).
//! `Product::parse` then applies the catalog's rules.
//!
//! Fields: `title`, `slug` (empty: from the title), `brand`, `category`,
//! `description`, `status`, `tags` (comma-separated), `compare_at` (price),
//! `weight` (grams per unit), `tax_class` (empty: `standard`),
//! per variant row `i`: `sku_i`, `options_i` (`size=M, color=red`), `price_i`
//! (`19.99`), `stock_i`; `remove_image_n` drops existing image `n`. A row
//! whose SKU, options, price and stock are all empty is ignored.
//!
//! An edit form also carries what it showed when it was opened (`Shown`):
//! hidden `version` and, per variant row, `shown_sku_i` and `shown_stock_i`.
//! The save applies a stock field as a change from the shown stock (so sales
//! made meanwhile are never overwritten) and is refused when the product's
//! version moved on.

use crate::product::{Image, Product, ProductDraft, VariantDraft, MAX_VARIANTS};
use crate::text::Slug;
use std::collections::BTreeMap;

pub type FieldErrors = BTreeMap<String, String>;

/// A price typed by a person ("19", "19.9", "19.99") in minor units (cents).
pub fn parse_price(s: &str) -> Result<i64, String> {
    let s = s.trim().trim_start_matches('$');
    if s.starts_with('-') {
        return Err("must not be negative".into());
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| !t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(frac.is_empty() || (frac.len() <= 2 && digits(frac))) {
        return Err("enter a price like 19.99".into());
    }
    let whole: i64 = whole.parse().map_err(|_| "enter a price like 19.99".to_string())?;
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(whole * 100 + cents)
}

fn parse_options(s: &str) -> Result<Vec<(String, String)>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
                Ok((n.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!("write options as name=value, separated by commas (not {p:?})")),
        })
        .collect()
}

/// Build the draft. `previous` supplies id, images and creation time on an
/// edit; `new_id` and `now` are used for a new product.
pub fn draft_from_form(
    fields: &BTreeMap<String, String>,
    previous: Option<&Product>,
    new_id: &str,
    now: i64,
) -> Result<ProductDraft, FieldErrors> {
    let get = |k: &str| fields.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = FieldErrors::new();
    let title = get("title");
    if title.is_empty() {
        errors.insert("title".into(), "must not be empty".into());
    }
    let slug = match get("slug") {
        s if s.is_empty() => Slug::from_title(&title).map(|s| s.to_string()).unwrap_or_default(),
        s => s,
    };
    let compare_at_minor = match get("compare_at") {
        s if s.is_empty() => None,
        s => parse_price(&s).map_err(|e| errors.insert("compare_at".into(), e)).ok(),
    };
    let weight_grams = match get("weight") {
        s if s.is_empty() => 0,
        s => match s.parse::<u32>() {
            Ok(g) if g <= 1_000_000 => g,
            _ => {
                errors.insert("weight".into(), "a whole number of grams, from 0 to 1000000".into());
                0
            }
        },
    };
    let tax_class = get("tax_class");
    if !tax_class.is_empty() {
        if let Err(e) = crate::tax::TaxClass::parse(&tax_class) {
            errors.insert("tax_class".into(), e);
        }
    }
    let mut variants = Vec::new();
    for i in 0..MAX_VARIANTS {
        let (sku, options, price, stock) = (
            get(&format!("sku_{i}")),
            get(&format!("options_{i}")),
            get(&format!("price_{i}")),
            get(&format!("stock_{i}")),
        );
        if [&sku, &options, &price, &stock].iter().all(|s| s.is_empty()) {
            continue;
        }
        let n = variants.len();
        let f = |name: &str| format!("variants[{n}].{name}");
        let options = parse_options(&options).map_err(|e| errors.insert(f("options"), e)).unwrap_or_default();
        let price_minor = parse_price(&price).map_err(|e| errors.insert(f("price"), e)).unwrap_or(0);
        let stock = match stock.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                errors.insert(f("stock"), "enter a whole number, 0 or more".into());
                0
            }
        };
        variants.push(VariantDraft { sku, options, price_minor, stock, image: None });
    }
    let mut images: Vec<Image> = previous.map(|p| p.images.clone()).unwrap_or_default();
    let keep: Vec<bool> = (0..images.len()).map(|n| !fields.contains_key(&format!("remove_image_{n}"))).collect();
    let mut k = keep.iter();
    images.retain(|_| *k.next().unwrap_or(&true));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ProductDraft {
        id: previous.map(|p| p.id.to_string()).unwrap_or_else(|| new_id.to_string()),
        slug,
        title,
        description: get("description"),
        brand: get("brand"),
        category: get("category"),
        images,
        currency: "USD".into(),
        compare_at_minor,
        variants,
        tags: get("tags").split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
        status: get("status"),
        created_at: previous.map(|p| p.created_at).unwrap_or(now),
        updated_at: now,
        weight_grams,
        tax_class,
    })
}

/// What an edit form showed when it was opened: the product's version and
/// each variant's stock, by SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub version: i64,
    pub stock: BTreeMap<String, i64>,
}

impl Shown {
    /// The hidden fields that record what the form shows for `p`.
    pub fn fields(p: &Product) -> Vec<(String, String)> {
        let mut out = vec![("version".to_string(), p.version.to_string())];
        for (i, v) in p.variants.iter().enumerate() {
            out.push((format!("shown_sku_{i}"), v.sku.to_string()));
            out.push((format!("shown_stock_{i}"), v.stock.to_string()));
        }
        out
    }

    /// Read the hidden fields back. A missing version reads as 0 (a form
    /// from before versions existed); a row without a readable shown stock
    /// is left out.
    pub fn from_form(fields: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| fields.get(k).map(|v| v.trim()).unwrap_or_default();
        let mut stock = BTreeMap::new();
        for i in 0..MAX_VARIANTS {
            let sku = get(&format!("shown_sku_{i}"));
            if let (false, Ok(n)) = (sku.is_empty(), get(&format!("shown_stock_{i}")).parse::<i64>()) {
                stock.insert(sku.to_string(), n);
            }
        }
        Self { version: get("version").parse().unwrap_or(0), stock }
    }

    /// The product an edit starts from: the stored product `live` with the
    /// version and the stock this form showed. A variant whose shown stock
    /// is unknown counts as showing what was `submitted`, so its stock is
    /// left as it is rather than overwritten.
    pub fn base(&self, live: &Product, submitted: &Product) -> Product {
        let mut base = live.clone();
        base.version = self.version;
        for v in &mut base.variants {
            let sku = v.sku.as_str();
            if let Some(n) = self.stock.get(sku).copied().or_else(|| submitted.variant(sku).map(|s| s.stock)) {
                v.stock = n;
            }
        }
        base
    }

    /// After a refused stock change: record in the kept form that `sku` now
    /// shows `now`, so submitting it again (the merchant has seen the new
    /// number) sets the typed stock.
    pub fn reshow_stock(fields: &mut BTreeMap<String, String>, sku: &str, now: i64) {
        let row = (0..MAX_VARIANTS).find(|i| fields.get(&format!("shown_sku_{i}")).is_some_and(|s| s.trim() == sku));
        if let Some(i) = row {
            fields.insert(format!("shown_stock_{i}"), now.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn prices_are_parsed_strictly() {
        assert_eq!(parse_price("19.99"), Ok(1999));
        assert_eq!(parse_price("19.9"), Ok(1990));
        assert_eq!(parse_price("$7"), Ok(700));
        assert!(parse_price("-1").is_err());
        assert!(parse_price("1.999").is_err());
        assert!(parse_price("abc").is_err());
        assert!(parse_price("").is_err());
        assert!(parse_price("1e9").is_err());
    }

    #[test]
    fn a_good_form_becomes_a_valid_product() {
        let f = form(&[
            ("title", "Wool socks"),
            ("brand", "Acme"),
            ("category", "apparel/socks"),
            ("status", "active"),
            ("tags", "warm, wool"),
            ("sku_0", "SOCK-M"),
            ("options_0", "size=M"),
            ("price_0", "9.50"),
            ("stock_0", "4"),
            ("sku_1", ""),
        ]);
        let d = draft_from_form(&f, None, "p-new", 100).unwrap();
        assert_eq!(d.slug, "wool-socks");
        assert_eq!(d.variants.len(), 1);
        let p = Product::parse(d).unwrap();
        assert_eq!(p.variants[0].price.minor(), 950);
        assert_eq!(p.tags, vec!["warm", "wool"]);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let f =
            form(&[("title", "X"), ("price_0", "-3"), ("stock_0", "many"), ("options_0", "red"), ("compare_at", "x")]);
        let e = draft_from_form(&f, None, "p", 1).unwrap_err();
        let keys: Vec<&str> = e.keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["compare_at", "variants[0].options", "variants[0].price", "variants[0].stock"]);
    }

    #[test]
    fn an_edit_starts_from_the_version_and_stock_the_form_showed() {
        let f = form(&[
            ("title", "Wool socks"),
            ("brand", "Acme"),
            ("category", "apparel/socks"),
            ("status", "active"),
            ("sku_0", "SOCK-M"),
            ("options_0", "size=M"),
            ("price_0", "9.50"),
            ("stock_0", "4"),
            ("sku_1", "SOCK-L"),
            ("options_1", "size=L"),
            ("price_1", "9.50"),
            ("stock_1", "2"),
        ]);
        let mut live = Product::parse(draft_from_form(&f, None, "p1", 1).unwrap()).unwrap();
        live.version = 3;
        let mut shown_fields: BTreeMap<String, String> = Shown::fields(&live).into_iter().collect();
        assert_eq!(shown_fields.get("shown_stock_1").map(String::as_str), Some("2"));
        shown_fields.remove("shown_stock_1");
        let shown = Shown::from_form(&shown_fields);
        assert_eq!(shown.version, 3);

        // Sales meanwhile; the merchant typed 9 for M and left L alone.
        live.variants[0].stock = 1;
        live.variants[1].stock = 0;
        let mut submitted = live.clone();
        submitted.variants[0].stock = 9;
        submitted.variants[1].stock = 2;
        let base = shown.base(&live, &submitted);
        assert_eq!(base.variants[0].stock, 4, "the stock the form showed");
        assert_eq!(base.variants[1].stock, 2, "unknown shown stock: what was submitted, so nothing is written");
        assert_eq!(Shown::from_form(&BTreeMap::new()).version, 0, "a form without a version reads as 0");

        Shown::reshow_stock(&mut shown_fields, "SOCK-M", 1);
        assert_eq!(shown_fields.get("shown_stock_0").map(String::as_str), Some("1"));
    }
}
