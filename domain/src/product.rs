//! A product and its variants. `ProductDraft` is the unchecked input (a form,
//! a seed file, a stored item); `Product::parse` is the only way to a `Product`.

use crate::ids::ProductId;
use crate::money::{Currency, Money, MoneyError};
use crate::text::{CategoryPath, Sku, Slug, TextError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The image (for an uploaded one, its largest JPEG copy, `…-{w}.jpg`).
    pub url: String,
    pub alt: String,
    /// Widths of the responsive copies beside `url` (`…-{w}.webp` and
    /// `…-{w}.jpg`), smallest first; empty for a single file (demo SVGs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub widths: Vec<u32>,
    /// The largest copy's size in pixels (0: unknown), for `width`/`height`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub width: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub height: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The widths responsive copies are made at (fewer when the original is smaller).
pub const IMAGE_WIDTHS: [u32; 3] = [400, 800, 1600];

impl Image {
    /// The copy `w` pixels wide in format `ext` (`webp` or `jpg`).
    pub fn copy(&self, w: u32, ext: &str) -> Option<String> {
        let largest = *self.widths.last()?;
        let base = self.url.strip_suffix(&format!("-{largest}.jpg"))?;
        Some(format!("{base}-{w}.{ext}"))
    }

    /// `srcset` for format `ext`, when there are responsive copies.
    pub fn srcset(&self, ext: &str) -> Option<String> {
        let parts: Option<Vec<String>> =
            self.widths.iter().map(|w| self.copy(*w, ext).map(|u| format!("{u} {w}w"))).collect();
        parts.filter(|p| !p.is_empty()).map(|p| p.join(", "))
    }
}

/// One option of a variant, e.g. `size = M`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OptionValue {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: Sku,
    pub options: Vec<OptionValue>,
    pub price: Money,
    pub stock: i64,
    /// Index into the product's images shown when this variant is picked.
    pub image: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub slug: Slug,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub category: CategoryPath,
    pub images: Vec<Image>,
    pub compare_at: Option<Money>,
    pub variants: Vec<Variant>,
    pub tags: Vec<String>,
    pub status: ProductStatus,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every stored edit (optimistic concurrency: an edit names the
    /// version it started from). 0 for a new product and for documents
    /// stored before versions existed.
    #[serde(default)]
    pub version: i64,
    /// One unit's shipping weight in grams (0: not set; weighs nothing).
    #[serde(default)]
    pub weight_grams: u32,
    /// Which tax rates apply (`standard` unless set).
    #[serde(default)]
    pub tax_class: crate::tax::TaxClass,
}

/// Unchecked input for a variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDraft {
    pub sku: String,
    pub options: Vec<(String, String)>,
    pub price_minor: i64,
    pub stock: i64,
    pub image: Option<usize>,
}

/// Unchecked input for a product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDraft {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub category: String,
    pub images: Vec<Image>,
    pub currency: String,
    pub compare_at_minor: Option<i64>,
    pub variants: Vec<VariantDraft>,
    pub tags: Vec<String>,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub weight_grams: u32,
    /// Empty: `standard`.
    #[serde(default)]
    pub tax_class: String,
}

/// A rule a product broke, with the field it concerns (for field-level form errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProductError {
    pub field: String,
    pub message: String,
}

impl ProductError {
    fn new(field: impl Into<String>, message: impl ToString) -> Self {
        Self { field: field.into(), message: message.to_string() }
    }
}

pub const MAX_VARIANTS: usize = 30;
pub const MAX_STOCK: i64 = 1_000_000_000;

fn required_text(field: &str, s: &str, max: usize) -> Result<String, ProductError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ProductError::new(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(ProductError::new(field, format!("must be at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ProductError::new(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

fn text_err(field: &str) -> impl Fn(TextError) -> ProductError + '_ {
    move |e| ProductError::new(field, e)
}

fn money_err(field: &str) -> impl Fn(MoneyError) -> ProductError + '_ {
    move |e| ProductError::new(field, e)
}

impl Product {
    pub fn parse(d: ProductDraft) -> Result<Product, ProductError> {
        let id = required_text("id", &d.id, 64)?;
        let id = ProductId::parse(&id).map_err(|e| ProductError::new("id", e))?;
        let slug = Slug::parse(&d.slug).map_err(text_err("slug"))?;
        let title = required_text("title", &d.title, 200)?;
        let description = if d.description.trim().is_empty() {
            String::new()
        } else {
            required_text("description", &d.description, 5_000)?
        };
        let brand = required_text("brand", &d.brand, 80)?;
        let category = CategoryPath::parse(&d.category).map_err(text_err("category"))?;
        let currency = Currency::parse(&d.currency).map_err(money_err("currency"))?;
        let status = ProductStatus::parse(&d.status)
            .ok_or_else(|| ProductError::new("status", "must be draft, active or archived"))?;
        let images = parse_images(d.images)?;
        let variants = parse_variants(d.variants, currency, images.len())?;
        let compare_at = match d.compare_at_minor {
            None => None,
            Some(m) => Some(Money::new(m, currency).map_err(money_err("compare_at"))?),
        };
        let tags = parse_tags(d.tags)?;
        let tax_class = match d.tax_class.trim() {
            "" => crate::tax::TaxClass::standard(),
            c => crate::tax::TaxClass::parse(c).map_err(|e| ProductError::new("tax_class", e))?,
        };
        if d.weight_grams > 1_000_000 {
            return Err(ProductError::new("weight", "at most 1,000,000 grams (a tonne)"));
        }
        Ok(Product {
            id,
            slug,
            title,
            description,
            brand,
            category,
            images,
            compare_at,
            variants,
            tags,
            status,
            created_at: d.created_at,
            updated_at: d.updated_at.max(d.created_at),
            version: 0,
            weight_grams: d.weight_grams,
            tax_class,
        })
    }

    /// Lowest variant price: what listings show and sort by.
    pub fn min_price(&self) -> Money {
        self.variants.iter().map(|v| v.price).min_by_key(|m| m.minor()).unwrap_or_else(|| Money::zero(Currency::Usd))
    }

    pub fn total_stock(&self) -> i64 {
        self.variants.iter().map(|v| v.stock).sum()
    }

    pub fn variant(&self, sku: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.sku.as_str() == sku)
    }

    /// Option names in first-seen order, each with its distinct values.
    pub fn option_axes(&self) -> Vec<(String, Vec<String>)> {
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for v in &self.variants {
            for o in &v.options {
                match axes.iter_mut().find(|(n, _)| *n == o.name) {
                    Some((_, vals)) if !vals.contains(&o.value) => vals.push(o.value.clone()),
                    Some(_) => {}
                    None => axes.push((o.name.clone(), vec![o.value.clone()])),
                }
            }
        }
        axes
    }

    pub fn is_visible(&self) -> bool {
        self.status == ProductStatus::Active
    }
}

fn parse_images(images: Vec<Image>) -> Result<Vec<Image>, ProductError> {
    if images.len() > 20 {
        return Err(ProductError::new("images", "at most 20 images"));
    }
    images
        .into_iter()
        .enumerate()
        .map(|(i, img)| {
            let url = required_text(&format!("images[{i}].url"), &img.url, 500)?;
            if !(url.starts_with('/') || url.starts_with("https://")) {
                return Err(ProductError::new(format!("images[{i}].url"), "must be a site path or an https URL"));
            }
            let alt = required_text(&format!("images[{i}].alt"), &img.alt, 200)?;
            let widths_ok = img.widths.len() <= IMAGE_WIDTHS.len()
                && img.widths.windows(2).all(|w| w[0] < w[1])
                && img.widths.iter().all(|w| (1..=IMAGE_WIDTHS[2]).contains(w))
                && (img.widths.is_empty() || img.copy(img.widths[0], "jpg").is_some());
            if !widths_ok || img.width > 20_000 || img.height > 20_000 {
                return Err(ProductError::new(
                    format!("images[{i}].widths"),
                    "responsive copies do not match the image",
                ));
            }
            Ok(Image { url, alt, widths: img.widths, width: img.width, height: img.height })
        })
        .collect()
}

fn parse_variants(
    drafts: Vec<VariantDraft>,
    currency: Currency,
    image_count: usize,
) -> Result<Vec<Variant>, ProductError> {
    if drafts.is_empty() {
        return Err(ProductError::new("variants", "at least one variant"));
    }
    if drafts.len() > MAX_VARIANTS {
        return Err(ProductError::new("variants", format!("at most {MAX_VARIANTS} variants")));
    }
    let mut out: Vec<Variant> = Vec::with_capacity(drafts.len());
    for (i, v) in drafts.into_iter().enumerate() {
        let f = |name: &str| format!("variants[{i}].{name}");
        let sku = Sku::parse(&v.sku).map_err(|e| ProductError::new(f("sku"), e))?;
        if out.iter().any(|o| o.sku == sku) {
            return Err(ProductError::new(f("sku"), "duplicate SKU in this product"));
        }
        let price = Money::new(v.price_minor, currency).map_err(|e| ProductError::new(f("price"), e))?;
        if !(0..=MAX_STOCK).contains(&v.stock) {
            return Err(ProductError::new(f("stock"), format!("must be between 0 and {MAX_STOCK}")));
        }
        if v.image.is_some_and(|ix| ix >= image_count) {
            return Err(ProductError::new(f("image"), "refers to a missing image"));
        }
        let mut options = Vec::with_capacity(v.options.len());
        for (name, value) in v.options {
            let name = required_text(&f("option name"), &name, 40)?.to_lowercase();
            let value = required_text(&f("option value"), &value, 60)?;
            options.push(OptionValue { name, value });
        }
        if out.iter().any(|o| o.options == options) {
            return Err(ProductError::new(f("options"), "two variants have the same options"));
        }
        out.push(Variant { sku, options, price, stock: v.stock, image: v.image });
    }
    Ok(out)
}

fn parse_tags(tags: Vec<String>) -> Result<Vec<String>, ProductError> {
    if tags.len() > 30 {
        return Err(ProductError::new("tags", "at most 30 tags"));
    }
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = required_text("tags", &t, 40)?.to_lowercase();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
