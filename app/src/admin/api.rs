//! Server functions behind the admin pages. Each is also a public endpoint,
//! so each checks the role first (`require_merchant`: 401 signed out, 403
//! for a shopper). Changes go through the handlers in `server/src/admin`.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

mod views;

pub use views::*;

pub const PAGE_SIZE: usize = 25;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::error::ssr::{served, state};
    use crate::error::AppError;

    pub fn failed(e: impl std::fmt::Display) -> AppError {
        crate::error::ssr::unavailable("admin read", e)
    }

    pub async fn depths(st: &crate::state::AppState) -> Result<super::QueueDepths, AppError> {
        let d = st.ops.depths().await.map_err(failed)?;
        Ok(super::QueueDepths {
            orders_visible: d.orders_visible,
            orders_in_flight: d.orders_in_flight,
            sale_visible: d.sale_visible,
            dead_letters: d.dead_letters,
        })
    }
}

#[server(input = Json)]
pub async fn admin_dashboard() -> Result<Dashboard, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let now = shop::orders::repo::now();
        let today = now.div_euclid(86_400);
        let sales = st.orders.repo.sales_per_day((today - 13) * 86_400).await.map_err(ssr::failed)?;
        let sales = (today - 13..=today)
            .map(|d| {
                let s = sales.iter().find(|s| s.day == d);
                (crate::format::day_label(d), s.map_or(0, |s| s.orders), s.map_or(0, |s| s.revenue_minor))
            })
            .collect();
        let top = st.orders.repo.top_products(now - 30 * 86_400, 8).await.map_err(ssr::failed)?;
        let failover = st.ops.failover_last_run().await.map_err(ssr::failed)?.unwrap_or_default().into_iter().collect();
        Ok(Dashboard {
            sales,
            top: top.into_iter().map(|t| (t.title, t.units, t.revenue_minor)).collect(),
            status_counts: st.orders.repo.counts().await.map_err(ssr::failed)?,
            queue: ssr::depths(&st).await?,
            failover,
            reconcile: match st.ops.last_reconcile().await.map_err(ssr::failed)? {
                Some(r) => vec![
                    ("run".into(), r.id.to_string()),
                    ("status".into(), r.status),
                    ("started".into(), format!("{} UTC", crate::format::when(r.started_at))),
                    ("re-sent".into(), r.resent.to_string()),
                    ("settled".into(), r.settled.to_string()),
                    ("voided".into(), r.voided.to_string()),
                    ("reversals resumed".into(), r.reversals.to_string()),
                    ("error".into(), r.error.unwrap_or_else(|| "none".into())),
                ],
                None => Vec::new(),
            },
        })
    })
    .await
}

#[server(input = Json)]
pub async fn admin_products(q: String, page: usize) -> Result<ProductList, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let needle = q.trim().to_lowercase();
        let rows: Vec<_> = st
            .catalog
            .store()
            .admin_rows()
            .await
            .map_err(ssr::failed)?
            .into_iter()
            .filter(|r| {
                needle.is_empty()
                    || r.title.to_lowercase().contains(&needle)
                    || r.slug.contains(&needle)
                    || r.id.contains(&needle)
                    || r.category.contains(&needle)
            })
            .collect();
        let pages = rows.len().div_ceil(PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        Ok(ProductList {
            total: rows.len(),
            rows: rows
                .into_iter()
                .skip((page - 1) * PAGE_SIZE)
                .take(PAGE_SIZE)
                .map(|r| ProductRow {
                    price_from: crate::format::money(r.price_from_minor),
                    id: r.id,
                    slug: r.slug,
                    title: r.title,
                    status: r.status,
                    category: r.category,
                    variants: r.variants,
                    stock: r.stock,
                })
                .collect(),
            page,
            pages,
        })
    })
    .await
}

#[server(input = Json)]
pub async fn admin_product(id: String) -> Result<Option<ProductEdit>, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        if id.len() > 64 {
            return Ok(None);
        }
        let Some(p) = st.catalog.store().by_id(&id).await.map_err(ssr::failed)? else { return Ok(None) };
        let mut fields = std::collections::BTreeMap::new();
        let dollars = |m: i64| format!("{}.{:02}", m / 100, m % 100);
        fields.insert("title".into(), p.title.clone());
        fields.insert("slug".into(), p.slug.to_string());
        fields.insert("brand".into(), p.brand.clone());
        fields.insert("category".into(), p.category.to_string());
        fields.insert("description".into(), p.description.clone());
        fields.insert("status".into(), p.status.as_str().into());
        fields.insert("tags".into(), p.tags.join(", "));
        fields.insert("compare_at".into(), p.compare_at.map(|m| dollars(m.minor())).unwrap_or_default());
        fields.extend([("weight".into(), p.weight_grams.to_string()), ("tax_class".into(), p.tax_class.to_string())]);
        for (i, v) in p.variants.iter().enumerate() {
            fields.insert(format!("sku_{i}"), v.sku.to_string());
            let opts: Vec<String> = v.options.iter().map(|o| format!("{}={}", o.name, o.value)).collect();
            fields.insert(format!("options_{i}"), opts.join(", "));
            fields.insert(format!("price_{i}"), dollars(v.price.minor()));
            fields.insert(format!("stock_{i}"), v.stock.to_string());
        }
        // Hidden: what this form shows, so a save changes stock by the difference and notices edits made meanwhile.
        fields.extend(domain::product_form::Shown::fields(&p));
        Ok(Some(ProductEdit {
            id: p.id.to_string(),
            fields,
            images: p.images.into_iter().map(|i| (i.url, i.alt)).collect(),
        }))
    })
    .await
}

#[server(input = Json)]
pub async fn admin_orders(status: String, from: String, to: String, page: i64) -> Result<OrderList, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let day = |s: &str, field: &str| -> Result<Option<i64>, AppError> {
            if s.is_empty() {
                return Ok(None);
            }
            crate::format::parse_day(s).map(Some).ok_or_else(|| AppError::invalid(field, "use a date like 2026-11-22"))
        };
        let status = match status.as_str() {
            "" => None,
            s => {
                Some(domain::order::StatusKind::parse(s).ok_or_else(|| AppError::invalid("status", "unknown status"))?)
            }
        };
        let filter = shop::orders::admin::OrderFilter {
            status,
            from: day(&from, "from")?,
            to: day(&to, "to")?.map(|d| d + 86_400),
            user_id: None,
            guest_email: None,
            limit: PAGE_SIZE as i64,
            offset: (page.max(1) - 1) * PAGE_SIZE as i64,
        };
        let (rows, total) = st.orders.repo.list(&filter).await.map_err(ssr::failed)?;
        Ok(OrderList {
            rows: rows
                .into_iter()
                .map(|o| OrderRow {
                    total: crate::format::money(o.total_minor),
                    placed: crate::format::when(o.created_at),
                    id: o.id,
                    status: o.status.as_str().into(),
                    email: o.email,
                    items: o.items,
                })
                .collect(),
            total,
            page: page.max(1),
            pages: (total + PAGE_SIZE as i64 - 1) / PAGE_SIZE as i64,
        })
    })
    .await
}

#[server(input = Json)]
pub async fn admin_order(id: String) -> Result<Option<OrderDetail>, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let Ok(id) = domain::OrderId::parse(&id) else { return Ok(None) };
        let Some(o) = st.orders.repo.get(&id).await.map_err(ssr::failed)? else { return Ok(None) };
        let records = shop::orders::refunds::refunds_of(&st.orders.repo, &id).await.map_err(ssr::failed)?;
        let refunds = crate::admin::api::refund_views(&o, &records);
        let refundable = o
            .lines
            .iter()
            .map(|l| {
                let done: u32 = records
                    .iter()
                    .flat_map(|r| r.plan.lines.iter())
                    .filter(|x| x.sku == l.sku.as_str())
                    .map(|x| x.quantity)
                    .sum();
                (l.sku.to_string(), l.quantity.saturating_sub(done))
            })
            .collect();
        let shipping_refundable = !records.iter().any(|r| r.plan.shipping.minor() > 0);
        let returns = crate::admin::api::return_views(
            &o,
            &shop::orders::returns::returns_of(&st.orders.repo, &id).await.map_err(ssr::failed)?,
        );
        let reason = match &o.status {
            domain::order::OrderStatus::Rejected { reason } | domain::order::OrderStatus::Cancelled { reason } => {
                Some(reason.clone())
            }
            _ => None,
        };
        Ok(Some(OrderDetail {
            id: o.id.to_string(),
            status: o.status.name().into(),
            reason,
            email: o.email.to_string(),
            total: o.total.to_string(),
            code: o.promotion.as_ref().map(|c| format!("{c} (−{})", o.discount)),
            tax: o
                .tax
                .groups
                .iter()
                .map(|g| {
                    let how = if o.tax.included { " (included)" } else { "" };
                    format!("{}: {}{how}", g.describe(), g.amount)
                })
                .collect(),
            placed: crate::format::when(o.created_at),
            lines: o
                .lines
                .into_iter()
                .map(|l| (l.title, l.sku.to_string(), l.quantity, l.unit_price.to_string()))
                .collect(),
            payment_auth: o.payment_auth,
            refunds,
            refundable,
            shipping_refundable,
            returns,
        }))
    })
    .await
}

/// Return requests waiting for a decision: (order id, asked at), oldest first.
#[server(input = Json)]
pub async fn admin_waiting_returns() -> Result<Vec<(String, String)>, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let waiting = shop::orders::returns::waiting(&st.orders.repo, 50).await.map_err(ssr::failed)?;
        Ok(waiting.into_iter().map(|(id, at)| (id.to_string(), crate::format::when(at))).collect())
    })
    .await
}

#[server(input = Json)]
pub async fn admin_queues() -> Result<QueueHealth, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let depths = ssr::depths(&st).await?;
        let letters = st.ops.dead_letters(100).await.map_err(ssr::failed)?;
        let dead = letters
            .into_iter()
            .map(|m| DeadLetter {
                reason: m.reason,
                body_preview: m.body_preview,
                message_id: m.message_id,
                order_id: m.order_id.unwrap_or_default(),
                receive_count: m.receive_count,
            })
            .collect();
        Ok(QueueHealth { depths, dead })
    })
    .await
}

#[server(input = Json)]
pub async fn admin_audit(page: i64) -> Result<Vec<AuditRow>, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let entries = st.audit.list(50, (page.max(1) - 1) * 50).await.map_err(ssr::failed)?;
        Ok(entries
            .into_iter()
            .map(|e| AuditRow {
                at: crate::format::when(e.at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                before: e.before,
                after: e.after,
            })
            .collect())
    })
    .await
}

#[server(input = Json)]
pub async fn admin_reco_runs() -> Result<Vec<RecoRun>, AppError> {
    ssr::served(async move {
        crate::account::ssr::require_merchant()?;
        let st = ssr::state()?;
        let runs = st.recommendations.runs(30).await.map_err(ssr::failed)?;
        Ok(runs
            .into_iter()
            .map(|r| RecoRun {
                id: r.id,
                trigger: r.trigger.as_str().into(),
                status: r.status.as_str().into(),
                step: r.step.as_str().into(),
                error: r.error.clone(),
                started: crate::format::when(r.started_at),
                total_ms: r.finished_at.map(|f| (f - r.started_at) * 1000),
                steps_ms: vec![
                    ("export".into(), r.export_ms),
                    ("compute".into(), r.compute_ms),
                    ("write".into(), r.write_ms),
                    ("switch".into(), r.switch_ms),
                ],
                counts: (r.orders, r.customers, r.products, r.pairs, r.items),
            })
            .collect())
    })
    .await
}

/// How an order's line refunds read on the order pages.
#[cfg(feature = "ssr")]
pub fn refund_views(
    o: &shop::orders::repo::StoredOrder,
    records: &[shop::orders::refunds::RefundRecord],
) -> Vec<RefundView> {
    records
        .iter()
        .map(|r| {
            let mut what = shop::orders::refunds::describe(o, &r.plan);
            if r.plan.shipping.minor() > 0 {
                what.push("shipping".into());
            }
            RefundView {
                when: crate::format::when(r.created_at),
                amount: r.plan.amount.to_string(),
                what: what.join(", "),
                reason: r.plan.reason.clone(),
                state: if r.step == "done" { "done".into() } else { format!("in progress ({})", r.step) },
            }
        })
        .collect()
}

/// How an order's return requests read on the order pages.
#[cfg(feature = "ssr")]
pub fn return_views(
    o: &shop::orders::repo::StoredOrder,
    records: &[shop::orders::returns::ReturnRecord],
) -> Vec<ReturnView> {
    records
        .iter()
        .map(|r| ReturnView {
            id: r.id.clone(),
            when: crate::format::when(r.created_at),
            what: shop::orders::returns::describe(o, &r.request).join(", "),
            lines: r.request.lines.clone(),
            reason: r.request.reason.clone(),
            status: r.status.as_str().into(),
            label: r.status.label().into(),
            note: r.note.clone().filter(|n| !n.is_empty()),
        })
        .collect()
}
