//! Create, edit and archive products. The form is multipart (it may carry an
//! image, stored through the object-store port and served under /media).
//! Every rule is checked before anything is written; a failed save deletes
//! the image it uploaded, so a refused form changes nothing.
//!
//! An edit names what its form showed (`Shown`: the product's version and
//! each variant's stock): a product changed since is refused with a
//! form-level error, a stock field is applied as a change from the shown
//! stock, and stock that sold meanwhile is refused beside its field with the
//! live number. Archive goes through the same save, so it never writes stock.

use super::images;
use super::{audit, failed, Merchant};
use crate::forms::{back_with_errors, with_notice};
use app::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::product::{Image, Product, ProductStatus};
use domain::product_form::{draft_from_form, FieldErrors, Shown};
use ports::objects::Object;
use shop::catalog::store::SaveError;
use std::collections::BTreeMap;

pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The image type from its first bytes (not from the file name or the
/// browser's claim): PNG, JPEG, WebP or GIF. SVG is refused (it can carry script).
pub fn sniff_image(b: &[u8]) -> Option<(&'static str, &'static str)> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("png", "image/png"))
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("jpg", "image/jpeg"))
    } else if b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(("webp", "image/webp"))
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(("gif", "image/gif"))
    } else {
        None
    }
}

struct Upload {
    fields: BTreeMap<String, String>,
    image: Option<Vec<u8>>,
}

async fn read_form(mut m: Multipart) -> Result<Upload, String> {
    let mut fields = BTreeMap::new();
    let mut image = None;
    while let Some(field) = m.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "image" {
            let has_file = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            if has_file || !bytes.is_empty() {
                image = Some(bytes.to_vec());
            }
        } else if fields.len() < 400 {
            fields.insert(name, field.text().await.map_err(|e| e.to_string())?);
        }
    }
    Ok(Upload { fields, image })
}

/// Image work runs on blocking threads, two at a time (it is CPU-bound).
static IMAGE_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn process_image(bytes: Vec<u8>) -> Result<images::Processed, String> {
    let permit = IMAGE_SLOTS.acquire().await.map_err(|e| e.to_string())?;
    let done = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        images::process(&bytes)
    })
    .await;
    done.unwrap_or_else(|e| {
        tracing::error!(error = %e, "image processing failed");
        Err("the image could not be read".into())
    })
}

/// Remove copies stored for a save that did not happen.
async fn forget(st: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = st.services.objects.delete(key).await {
            tracing::warn!(error = %e, key, "could not remove an image copy of a failed save");
        }
    }
}

fn form_page(id: &str) -> String {
    if id.is_empty() {
        "/admin/products/new".into()
    } else {
        format!("/admin/products/{}", app::components::encode(id))
    }
}

pub async fn save(Merchant(who): Merchant, State(st): State<AppState>, m: Multipart) -> Response {
    let Upload { mut fields, image } = match read_form(m).await {
        Ok(u) => u,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("could not read the form: {e}")).into_response(),
    };
    let id = fields.get("id").cloned().unwrap_or_default();
    let page = form_page(&id);
    let previous = if id.is_empty() {
        None
    } else {
        match st.catalog.store().by_id(&id).await {
            Ok(Some(p)) => Some(p),
            Ok(None) => return with_notice(&st, "/admin/products", "That product no longer exists.").await,
            Err(e) => return failed(e),
        }
    };
    let shown = Shown::from_form(&fields);
    if previous.as_ref().is_some_and(|live| live.version != shown.version) {
        let message = SaveError::Conflict.to_string();
        return back_with_errors(&st, &page, fields, FieldErrors::new(), Some(message)).await;
    }
    let now = shop::orders::repo::now();
    let new_id = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut errors = FieldErrors::new();
    let mut draft = draft_from_form(&fields, previous.as_ref(), &new_id, now).map_err(|e| errors = e).ok();

    // The upload as the shop's own copies (`media/products/{id}-{w}.{webp,jpg}`).
    let mut upload: Option<(String, images::Processed)> = None;
    if let Some(bytes) = image {
        match sniff_image(&bytes) {
            _ if bytes.len() > MAX_IMAGE_BYTES => {
                errors.insert("image".into(), format!("the image is {} KB; at most 2 MB", bytes.len() / 1024));
            }
            None => {
                errors.insert("image".into(), "use a PNG, JPEG, WebP or GIF image".into());
            }
            Some(_) => match process_image(bytes).await {
                Ok(p) => upload = Some((format!("media/products/{}", uuid::Uuid::new_v4().simple()), p)),
                Err(why) => {
                    errors.insert("image".into(), why);
                }
            },
        }
    }
    if let (Some(d), Some((base, p))) = (draft.as_mut(), upload.as_ref()) {
        let alt = fields.get("image_alt").map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        let largest = p.widths.last().copied().unwrap_or(p.width);
        d.images.push(Image {
            url: format!("/{base}-{largest}.jpg"),
            alt: alt.unwrap_or_else(|| d.title.clone()),
            widths: p.widths.clone(),
            width: p.width,
            height: p.height,
        });
    }
    let stored: Vec<String> = upload
        .as_ref()
        .map(|(base, p)| p.copies.iter().map(|c| format!("{base}-{}.{}", c.width, c.ext)).collect())
        .unwrap_or_default();
    let product = match draft.map(Product::parse) {
        Some(Ok(p)) if errors.is_empty() => p,
        Some(Err(e)) => {
            errors.insert(e.field, e.message);
            return back_with_errors(&st, &page, fields, errors, None).await;
        }
        _ => return back_with_errors(&st, &page, fields, errors, None).await,
    };
    if let Some((_, p)) = &upload {
        for (key, c) in stored.iter().zip(&p.copies) {
            let object = Object {
                body: c.bytes.clone(),
                content_type: c.content_type.to_string(),
                cache_control: Some("public, max-age=31536000, immutable".into()),
            };
            if let Err(e) = st.services.objects.put(key, object).await {
                forget(&st, &stored).await;
                return failed(e);
            }
        }
    }
    // The edit starts from what the form showed, not from the live numbers.
    let base = previous.as_ref().map(|live| shown.base(live, &product));
    let saved = match st.catalog.save(&product, base.as_ref()).await {
        Ok(saved) => saved,
        Err(e) => {
            forget(&st, &stored).await;
            let mut errors = FieldErrors::new();
            let variant = |sku: &str| product.variants.iter().position(|v| v.sku.as_str() == sku).unwrap_or(0);
            match e {
                SaveError::SlugTaken(_) => {
                    errors.insert("slug".into(), e.to_string());
                }
                SaveError::SkuTaken(ref sku) => {
                    errors.insert(format!("variants[{}].sku", variant(sku)), e.to_string());
                }
                SaveError::StockChanged(stale) => {
                    for s in stale {
                        errors.insert(format!("variants[{}].stock", variant(&s.sku)), s.to_string());
                        // The merchant now sees the live number: submitting again sets the typed stock.
                        Shown::reshow_stock(&mut fields, &s.sku, s.now);
                    }
                }
                SaveError::Port(e) => return failed(e),
                other => return back_with_errors(&st, &page, fields, errors, Some(other.to_string())).await,
            }
            return back_with_errors(&st, &page, fields, errors, None).await;
        }
    };
    let (action, before) = match &previous {
        Some(old) => ("product.update", serde_json::to_string(old).ok()),
        None => ("product.create", None),
    };
    audit(&st, &who, action, product.id.as_str(), before, serde_json::to_string(&saved).ok()).await;
    tracing::info!(product_id = %product.id, action, "product saved");
    with_notice(&st, &form_page(product.id.as_str()), "Saved. The storefront shows the change now.").await
}

/// Archive: the stored product with only its status changed, saved from the
/// version just read. Its stock equals what was "shown", so no stock is
/// written; an edit landing in between is retried on top of.
pub async fn archive(Merchant(who): Merchant, State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let old = match st.catalog.store().by_id(&id).await {
            Ok(Some(p)) => p,
            Ok(None) => return with_notice(&st, "/admin/products", "That product no longer exists.").await,
            Err(e) => return failed(e),
        };
        let mut p = old.clone();
        p.status = ProductStatus::Archived;
        p.updated_at = shop::orders::repo::now();
        match st.catalog.save(&p, Some(&old)).await {
            Ok(_) => {
                let b = serde_json::json!({ "status": old.status.as_str() }).to_string();
                let a = serde_json::json!({ "status": "archived" }).to_string();
                audit(&st, &who, "product.archive", &id, Some(b), Some(a)).await;
                return with_notice(
                    &st,
                    "/admin/products",
                    &format!("Archived “{}”; it is gone from the storefront.", p.title),
                )
                .await;
            }
            Err(SaveError::Conflict) if attempts < 3 => continue,
            Err(e) => return failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(super::sniff_image(b"\x89PNG\r\n\x1a\n...").map(|t| t.0), Some("png"));
        assert_eq!(super::sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|t| t.0), Some("jpg"));
        assert_eq!(super::sniff_image(b"RIFF\0\0\0\0WEBPVP8 ").map(|t| t.0), Some("webp"));
        assert_eq!(super::sniff_image(b"<svg xmlns=..."), None);
        assert_eq!(super::sniff_image(b"GIF89a"), Some(("gif", "image/gif")));
    }
}
