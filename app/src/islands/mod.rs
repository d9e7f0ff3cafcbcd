//! Interactive islands: the only components compiled to Wasm and hydrated.
//! Everything else is server-rendered HTML.

mod cart;
mod checkout;
mod product_panel;

pub use cart::{set_badge, CartBadge, CartEditor, OrderTracker};
pub use checkout::{CheckoutForm, CheckoutPricing};
pub use product_panel::ProductPanel;

use leptos::prelude::*;

/// Marks `<body data-hydrated="true">` once the Wasm has run, so browser
/// tests can tell a hydrated page from server-rendered HTML.
#[island]
pub fn HydrationMark() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// The navigation toggle shown at phone width.
#[island]
pub fn MenuToggle() -> impl IntoView {
    let (open, set_open) = signal(false);
    Effect::new(move |_| {
        if let Some(nav) = document().get_element_by_id("site-nav") {
            let _ = nav.set_attribute("data-open", if open.get() { "true" } else { "false" });
        }
    });
    view! {
        <button
            class="menu-toggle"
            aria-controls="site-nav"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| set_open.update(|o| *o = !*o)
        >
            {move || if open.get() { "Close menu" } else { "Menu" }}
        </button>
    }
}
