//! An order's taxes, refunds and return requests, for the order page's
//! server-rendered part (kept out of `OrderView`, which the tracker island
//! polls, so the island's Wasm does not carry them).

use crate::error::AppError;
use crate::model::AfterSale;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(input = Json)]
pub async fn order_after_sale(id: String, #[server(default)] key: String) -> Result<AfterSale, AppError> {
    crate::error::ssr::served(async move {
        use super::ssr::{may_see_order, state, unavailable};
        let st = state()?;
        let Ok(order_id) = domain::OrderId::parse(&id) else { return Ok(AfterSale::default()) };
        if !may_see_order(&st, &order_id, &key).await? {
            return Ok(AfterSale::default());
        }
        let repo = &st.orders.repo;
        let Some(o) = repo.get(&order_id).await.map_err(unavailable)? else { return Ok(AfterSale::default()) };
        let refunds = shop::orders::refunds::refunds_of(repo, &order_id).await.map_err(unavailable)?;
        let returns = shop::orders::returns::returns_of(repo, &order_id).await.map_err(unavailable)?;
        let window = ports::clock::now() - o.created_at <= domain::returns::RETURN_DAYS * 86_400;
        let returnable = if o.status == domain::order::OrderStatus::Confirmed && window {
            let left = shop::orders::returns::returnable(repo, &o).await.map_err(unavailable)?;
            o.lines
                .iter()
                .filter_map(|l| {
                    let units = left.iter().find(|r| r.sku == l.sku.as_str()).map_or(0, |r| r.units);
                    (units > 0).then(|| (l.sku.to_string(), l.title.clone(), units))
                })
                .collect()
        } else {
            Vec::new()
        };
        let included = o.tax.included;
        let tax = o
            .tax
            .groups
            .iter()
            .map(|g| {
                if included {
                    format!("Includes {}: {}", g.describe(), g.amount)
                } else {
                    format!("{}: {}", g.describe(), g.amount)
                }
            })
            .collect();
        Ok(AfterSale {
            tax,
            refunds: crate::admin::api::refund_views(&o, &refunds),
            returns: crate::admin::api::return_views(&o, &returns),
            returnable,
        })
    })
    .await
}
