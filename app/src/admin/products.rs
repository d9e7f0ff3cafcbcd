//! Admin product list and the create/edit form (multipart: it carries an
//! image, and on an edit the hidden version and shown stock the save checks).

use super::api::*;
use super::{denied, pager, param, AdminFrame};
use crate::forms::{current_form, Field, FieldError, FormMessages, FormState};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminProductsPage() -> impl IntoView {
    let q = param("q");
    let page: usize = param("page").parse().unwrap_or(1);
    view! {
        <AdminFrame title="Products">
            <form class="admin-filters" method="get" action="/admin/products" role="search">
                <label for="pq">"Search"</label>
                <input id="pq" type="search" name="q" value=q.clone() maxlength="200" />
                <button type="submit">"Search"</button>
                <a class="button" href="/admin/products/new">"New product"</a>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(admin_products(q.clone(), page));
                move || { let (q, loaded) = (q.clone(), loaded.get()); Suspend::new(async move {
                    match loaded.await {
                        Ok(list) => view! {
                            <p>{format!("{} products", list.total)}</p>
                            <table class="data">
                                <thead><tr><th>"Title"</th><th>"Status"</th><th>"Category"</th><th>"Variants"</th><th>"Stock"</th><th>"From"</th></tr></thead>
                                <tbody>
                                    {list.rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td><a href=format!("/admin/products/{}", r.id)>{r.title}</a><br /><small><a href=format!("/p/{}", r.slug)>{format!("/p/{}", r.slug)}</a></small></td>
                                            <td><span class=format!("status status-{}", r.status)>{r.status.clone()}</span></td>
                                            <td>{r.category}</td><td>{r.variants}</td><td>{r.stock}</td><td>{r.price_from}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {pager(list.page as i64, list.pages as i64, "/admin/products", &[("q", q)])}
                        }.into_any(),
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
pub fn AdminProductPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let title = if id == "new" { "New product" } else { "Edit product" };
    view! {
        <AdminFrame title=title>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {let loaded = crate::once::Once::new(async move {
                    let product = if id == "new" {
                        // A role check even for the empty form.
                        admin_products(String::new(), 1).await.map(|_| Some(ProductEdit::default()))
                    } else {
                        admin_product(id).await
                    };
                    (current_form().await, product)
                });
                move || { let loaded = loaded.get(); Suspend::new(async move {
                    let (form, product) = loaded.await;
                    match product {
                        Ok(Some(p)) => product_form(p, form).into_any(),
                        Ok(None) => {
                            crate::components::set_status(404);
                            view! { <p>"No such product."</p> }.into_any()
                        }
                        Err(e) => denied(&e),
                    }
                })}}
            </Suspense>
        </AdminFrame>
    }
}

fn product_form(p: ProductEdit, form: FormState) -> impl IntoView {
    // Values typed in a failed submit win over the stored product.
    let fields = if form.values.is_empty() { p.fields.clone() } else { form.values.clone() };
    let v = move |k: &str| fields.get(k).cloned().unwrap_or_default();
    let e = |k: &str| form.error(k);
    let used = (0..domain::product::MAX_VARIANTS).filter(|i| !v(&format!("sku_{i}")).is_empty()).count();
    let rows = (used + 3).min(domain::product::MAX_VARIANTS);
    let status = v("status");
    let is_new = p.id.is_empty();
    let archive = (!is_new).then(|| {
        view! {
            <form method="post" action=format!("/admin/products/{}/archive", p.id) class="danger-zone">
                <button type="submit">"Archive this product"</button>
            </form>
        }
    });
    view! {
        <FormMessages form=form.clone() />
        <form class="product-form" method="post" action="/admin/products/save" enctype="multipart/form-data">
            <input type="hidden" name="id" value=p.id.clone() />
            // What the form showed: the save applies stock as a change from it and refuses a stale form.
            {(!is_new).then(|| view! { <input type="hidden" name="version" value=v("version") /> })}
            {(0..domain::product::MAX_VARIANTS)
                .filter(|i| !v(&format!("shown_sku_{i}")).is_empty())
                .map(|i| view! {
                    <input type="hidden" name=format!("shown_sku_{i}") value=v(&format!("shown_sku_{i}")) />
                    <input type="hidden" name=format!("shown_stock_{i}") value=v(&format!("shown_stock_{i}")) />
                })
                .collect_view()}
            <Field label="Title" name="title".into() value=v("title") error=e("title") required=true />
            <Field label="Slug" name="slug".into() value=v("slug") error=e("slug") hint="Empty: made from the title." />
            <Field label="Brand" name="brand".into() value=v("brand") error=e("brand") required=true />
            <Field label="Category" name="category".into() value=v("category") error=e("category") required=true hint="A path like apparel/shirts." />
            <div class="field">
                <label for="f-description">"Description"</label>
                <textarea id="f-description" name="description" rows="5">{v("description")}</textarea>
                <FieldError error=e("description") />
            </div>
            <div class="field">
                <label for="f-status">"Status"</label>
                <select id="f-status" name="status">
                    {["active", "draft", "archived"].into_iter().map(|s| view! { <option value=s selected={status == s || (status.is_empty() && s == "active")}>{s}</option> }).collect_view()}
                </select>
                <FieldError error=e("status") />
            </div>
            <Field label="Tags" name="tags".into() value=v("tags") error=e("tags") hint="Comma-separated." />
            <Field label="Compare-at price" name="compare_at".into() value=v("compare_at") error=e("compare_at") />
            <Field label="Weight (grams per unit)" name="weight".into() value=v("weight") error=e("weight") hint="For shipping priced by weight; 0 or empty: weighs nothing." />
            <div class="field" class:has-error=e("tax_class").is_some()>
                <label for="f-tax_class">"Tax class"</label>
                <input id="f-tax_class" type="text" name="tax_class" value=v("tax_class") placeholder="standard" aria-invalid=e("tax_class").map(|_| "true") />
                <small class="hint">"Which tax rates apply (see Taxes); empty: standard."</small>
                <FieldError error=e("tax_class") />
            </div>
            <fieldset>
                <legend>"Variants"</legend>
                <FieldError error=e("variants") />
                <table class="variants">
                    <thead><tr><th>"SKU"</th><th>"Options (size=M, color=red)"</th><th>"Price"</th><th>"Stock"</th></tr></thead>
                    <tbody>
                        {(0..rows).map(|i| {
                            let cell = |name: &str, label: &str| {
                                let key = format!("{name}_{i}");
                                let err = e(&format!("variants[{i}].{}", if name == "options" { "options" } else { name }))
                                    .or_else(|| (name == "options").then(|| e(&format!("variants[{i}].option name")).or_else(|| e(&format!("variants[{i}].option value")))).flatten());
                                let invalid = err.is_some().then_some("true");
                                view! {
                                    <td>
                                        <input name=key.clone() value=v(&key) aria-label=format!("{label} {}", i + 1) aria-invalid=invalid />
                                        {err.map(|m| view! { <p class="field-error">{m}</p> })}
                                    </td>
                                }
                            };
                            view! { <tr>{cell("sku", "SKU")}{cell("options", "Options")}{cell("price", "Price")}{cell("stock", "Stock")}</tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </fieldset>
            <fieldset>
                <legend>"Images"</legend>
                {p.images.iter().enumerate().map(|(n, (url, alt))| view! {
                    <div class="image-row">
                        <img src=url.clone() alt=alt.clone() width="80" height="80" />
                        <label><input type="checkbox" name=format!("remove_image_{n}") />" remove"</label>
                    </div>
                }).collect_view()}
                <div class="field">
                    <label for="f-image">"Add an image (PNG, JPEG, WebP or GIF, at most 2 MB)"</label>
                    <input id="f-image" type="file" name="image" accept="image/png,image/jpeg,image/webp,image/gif" />
                    <FieldError error=e("image") />
                </div>
                <Field label="Image description (alt text)" name="image_alt".into() value=v("image_alt") error=e("image_alt") />
            </fieldset>
            <button type="submit">"Save product"</button>
        </form>
        {archive}
    }
}
