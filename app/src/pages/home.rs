use crate::api::load_home;
use crate::components::ProductGrid;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <Meta name="description" content="Clothing, footwear, home and outdoor goods from independent brands, shipped fast." />
        <Meta property="og:title" content="Storefront" />
        <Meta property="og:type" content="website" />
        <Link rel="canonical" href="/" />
        <section class="hero">
            <h1>"Welcome to Storefront"</h1>
            <p>"Clothing, footwear, home and outdoor goods, shipped fast."</p>
        </section>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {let home = crate::once::Once::new(load_home());
            move || { let home = home.get(); Suspend::new(async move {
                match home.await {
                    Ok(home) => view! {
                        <section aria-labelledby="cats">
                            <h2 id="cats">"Shop by category"</h2>
                            <ul class="category-tiles">
                                {home.categories.into_iter().map(|c| { let href = c.href(); view! { <li><a class="button" href=href>{c.name}</a></li> } }).collect_view()}
                            </ul>
                        </section>
                        <section aria-labelledby="featured">
                            <h2 id="featured">"Featured"</h2>
                            <ProductGrid cards=home.featured />
                        </section>
                        <section aria-labelledby="new">
                            <h2 id="new">"New arrivals"</h2>
                            <ProductGrid cards=home.newest />
                        </section>
                    }.into_any(),
                    Err(e) => {
                        crate::components::set_status(503);
                        view! { <p class="notice">{e.to_string()}</p> }.into_any()
                    }
                }
            })}}
        </Suspense>
        <crate::recommend::HomeRecommendations />
    }
}
