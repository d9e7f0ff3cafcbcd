//! Unit tests of `crate::product`.

use super::*;

#[test]
fn an_uploaded_image_names_its_copies_and_a_single_file_has_no_srcset() {
    let img = Image {
        url: "/media/products/ab-1600.jpg".into(),
        alt: "x".into(),
        widths: vec![400, 800, 1600],
        width: 1600,
        height: 1200,
    };
    assert_eq!(img.copy(400, "webp").as_deref(), Some("/media/products/ab-400.webp"));
    assert_eq!(
        img.srcset("jpg").as_deref(),
        Some("/media/products/ab-400.jpg 400w, /media/products/ab-800.jpg 800w, /media/products/ab-1600.jpg 1600w")
    );
    let svg = Image { url: "/img/p1.svg".into(), alt: "x".into(), ..Default::default() };
    assert_eq!(svg.srcset("webp"), None);
}

pub(crate) fn draft() -> ProductDraft {
    ProductDraft {
        id: "p1".into(),
        slug: "linen-shirt".into(),
        title: "Linen shirt".into(),
        description: "Light and cool.".into(),
        brand: "Acme".into(),
        category: "apparel/shirts".into(),
        images: vec![Image { url: "/img/p1.svg".into(), alt: "A linen shirt".into(), ..Default::default() }],
        currency: "USD".into(),
        compare_at_minor: Some(5000),
        weight_grams: 300,
        tax_class: String::new(),
        variants: vec![
            VariantDraft {
                sku: "LS-M".into(),
                options: vec![("Size".into(), "M".into())],
                price_minor: 3900,
                stock: 5,
                image: Some(0),
            },
            VariantDraft {
                sku: "LS-L".into(),
                options: vec![("Size".into(), "L".into())],
                price_minor: 4100,
                stock: 0,
                image: None,
            },
        ],
        tags: vec!["Summer".into(), "summer".into()],
        status: "active".into(),
        created_at: 10,
        updated_at: 10,
    }
}

#[test]
fn a_valid_draft_becomes_a_product() {
    let p = Product::parse(draft()).unwrap();
    assert_eq!(p.min_price().minor(), 3900);
    assert_eq!(p.total_stock(), 5);
    assert_eq!(p.tags, ["summer"]);
    assert_eq!(p.option_axes(), [("size".to_string(), vec!["M".into(), "L".into()])]);
}

#[test]
fn each_broken_rule_names_its_field() {
    type Breaks = Box<dyn Fn(&mut ProductDraft)>;
    let cases: Vec<(&str, Breaks)> = vec![
        ("title", Box::new(|d| d.title = "  ".into())),
        ("slug", Box::new(|d| d.slug = "Bad Slug".into())),
        ("variants", Box::new(|d| d.variants.clear())),
        ("variants[0].price", Box::new(|d| d.variants[0].price_minor = -1)),
        ("variants[1].sku", Box::new(|d| d.variants[1].sku = "LS-M".into())),
        ("variants[0].stock", Box::new(|d| d.variants[0].stock = -3)),
        ("variants[0].image", Box::new(|d| d.variants[0].image = Some(7))),
        ("currency", Box::new(|d| d.currency = "ZZZ".into())),
        ("status", Box::new(|d| d.status = "live".into())),
        ("images[0].url", Box::new(|d| d.images[0].url = "javascript:alert(1)".into())),
    ];
    for (field, mutate) in cases {
        let mut d = draft();
        mutate(&mut d);
        let err = Product::parse(d).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}
