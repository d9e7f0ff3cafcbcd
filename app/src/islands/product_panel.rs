//! The buy box: gallery image, price, stock and the variant picker. Every
//! option is a link to its variant's own URL (works without Wasm); once
//! hydrated, a click swaps price, stock and image in place and updates the
//! address bar without a reload. "Add to cart" is a form that posts without
//! Wasm (and is sent by a server function call with it).

use crate::components::image_size;
use crate::model::{pick_variant, PanelData, PanelVariant};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// How wide the product image is shown, for the browser's pick from `srcset`.
const SIZES: &str = "(min-width: 860px) 50vw, 100vw";

#[island]
pub fn ProductPanel(data: PanelData, title: String, brand: String) -> impl IntoView {
    let PanelData { product_id, slug, compare_at, axes, variants, images, selected } = data;
    let (added, set_added) = signal(None::<Result<String, String>>);
    let variants = StoredValue::new(variants);
    let images = StoredValue::new(images);
    let (sku, set_sku) = signal(selected);
    let current =
        Memo::new(move |_| variants.with_value(|vs| vs.iter().find(|v| v.sku == sku.get()).or(vs.first()).cloned()));
    // Read through `with`, not `get`: every `get` cloned the variant or
    // the image (the buy box was 6% of a rendered product page's CPU).
    let image = Memo::new(move |_| {
        let ix = current.with(|v| v.as_ref().and_then(|v| v.image)).unwrap_or(0);
        images.with_value(|imgs| imgs.get(ix).or(imgs.first()).cloned()).unwrap_or_default()
    });
    let form_product_id = product_id.clone();
    let alert_product_id = product_id.clone();
    let back_slug = slug.clone();
    let href_of = {
        let slug = slug.clone();
        move |v: &PanelVariant| format!("/p/{slug}?variant={}", v.sku)
    };
    let size = Memo::new(move |_| image.with(image_size));
    let stock_text = move || match current.with(|v| v.as_ref().map(|v| v.stock)).unwrap_or(0) {
        0 => "Sold out".to_string(),
        n if n <= 5 => format!("Only {n} left"),
        _ => "In stock".to_string(),
    };
    view! {
        <div class="gallery">
            // One fixed <picture> whose attributes follow the variant (a
            // `source` without `srcset`, for a demo SVG, is skipped by browsers).
            <picture>
                <source type="image/webp" srcset=move || image.with(|i| i.srcset("webp")) sizes=SIZES />
                <img src=move || image.with(|i| i.url.clone()) alt=move || image.with(|i| i.alt.clone())
                    srcset=move || image.with(|i| i.srcset("jpg")) sizes=SIZES
                    width=move || size.get().0 height=move || size.get().1 data-testid="product-image" />
            </picture>
        </div>
        <div class="buy-box">
            <p class="muted">{brand}</p>
            <h1>{title}</h1>
            <p class="price-line">
                <span class="price" data-testid="price">{move || current.with(|v| v.as_ref().map(|v| v.price.clone())).unwrap_or_default()}</span>
                {compare_at.map(|c| view! { <span class="compare-at">{c}</span> })}
            </p>
            <p class="stock" data-testid="stock" aria-live="polite">{stock_text}</p>
            <div class="picker">
                {axes
                    .into_iter()
                    .map(|(name, values)| {
                        let legend = crate::model::title_case(&name);
                        view! {
                            <fieldset>
                                <legend>{legend}</legend>
                                <div class="options" role="radiogroup" aria-label=name.clone()>
                                    {values
                                        .into_iter()
                                        .map(|value| {
                                            let (name, href_of) = (name.clone(), href_of.clone());
                                            let label = value.clone();
                                            let target = Memo::new(move |_| {
                                                current.with(|cur| {
                                                    variants.with_value(|vs| pick_variant(vs, cur.as_ref()?, &name, &value).cloned())
                                                })
                                            });
                                            view! {
                                                <a
                                                    role="radio"
                                                    href=move || target.with(|t| t.as_ref().map(&href_of)).unwrap_or_default()
                                                    aria-checked=move || sku.with(|s| target.with(|t| t.as_ref().is_some_and(|t| t.sku == *s))).to_string()
                                                    class:unavailable=move || target.with(|t| t.as_ref().is_none_or(|t| t.stock == 0))
                                                    on:click=move |ev| {
                                                        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                                                            return;
                                                        }
                                                        if let Some(t) = target.get_untracked() {
                                                            ev.prevent_default();
                                                            set_sku.set(t.sku.clone());
                                                            push_url(&format!("?variant={}", t.sku));
                                                        }
                                                    }
                                                >
                                                    {label}
                                                </a>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            </fieldset>
                        }
                    })
                    .collect_view()}
            </div>
            <form
                method="post"
                action=crate::cart_api::AddToCartForm::PATH
                on:submit=move |ev| {
                    ev.prevent_default();
                    let (pid, s) = (product_id.clone(), sku.get_untracked());
                    leptos::task::spawn_local(async move {
                        let r = match crate::cart_api::add_to_cart(pid, s, 1).await {
                            Ok(crate::model::CartChange::Done(c)) => {
                                super::set_badge(c.count);
                                Ok("Added to your cart.".to_string())
                            }
                            Ok(crate::model::CartChange::Refused(why)) => Err(why),
                            Err(e) => Err(e.to_string()),
                        };
                        set_added.set(Some(r));
                    });
                }
            >
                <input type="hidden" name="product_id" value=form_product_id />
                <input type="hidden" name="sku" value=move || sku.get() />
                <input type="hidden" name="back" value=move || format!("/p/{back_slug}?variant={}", sku.get()) />
                <button class="primary add-to-cart" type="submit" disabled=move || current.with(|v| v.as_ref().is_none_or(|v| v.stock <= 0))>
                    "Add to cart"
                </button>
            </form>
            <p role="status" data-testid="add-result">
                {move || match added.get() {
                    Some(Ok(m)) => view! { <span>{m} " " <a href="/cart">"View cart"</a></span> }.into_any(),
                    Some(Err(m)) => view! { <span class="error">{m}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </p>
            // A sold-out variant: leave an address for one mail when it is back.
            <form method="post" action=crate::wishlist::AskStockAlertForm::PATH class="stock-alert"
                data-testid="stock-alert" hidden=move || current.with(|v| v.as_ref().is_some_and(|v| v.stock > 0))>
                <input type="hidden" name="product_id" value=alert_product_id />
                <input type="hidden" name="sku" value=move || sku.get() />
                <label for="alert-email">"Tell me when it's back"</label>
                <input id="alert-email" type="email" name="email" autocomplete="email" maxlength="254" required placeholder="you@example.com" />
                <button type="submit">"Notify me"</button>
            </form>
            <p class="muted">"SKU " <span data-testid="sku">{move || sku.get()}</span></p>
        </div>
    }
}

fn push_url(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(history) = window().history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}
