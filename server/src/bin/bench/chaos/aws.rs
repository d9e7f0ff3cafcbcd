//! The chaos suite's own view of SQS and DynamoDB on moto, through the AWS
//! SDK and not through the app's adapters: the suite sets the stock it
//! starts from, sends poisoned messages, and at the end reads stock, queue
//! depths and dead letters straight from the stores it audits.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::QueueAttributeName;
use shop::catalog::seed::{self, Rng};
use std::collections::HashMap;
use std::time::Duration;

/// Marker in the body of every deliberately poisoned message.
pub const POISON: &str = "chaos-poison";

/// One SKU the shoppers buy, with the stock the suite gave it.
#[derive(Debug, Clone)]
pub struct Sku {
    pub product_id: String,
    pub sku: String,
    pub scarce: bool,
    pub flash_sale: bool,
    pub start: i64,
}

/// The discount code a share of shoppers apply: its usage limit is far
/// below their number, so its uses run out while workers crash.
pub const CODE: &str = "CHAOS-CODE";
/// The run's tax on orders to Portugal, in thousandths of a percent.
pub const TAX_RATE: u32 = 23_000;
pub const TAX_LABEL: &str = "IVA";

/// The code's usage limit for a run of `orders` shoppers.
pub fn code_limit(orders: usize) -> i64 {
    (orders as i64 / 25).max(3)
}

pub struct Aws {
    pub sqs: aws_sdk_sqs::Client,
    pub ddb: aws_sdk_dynamodb::Client,
    pub endpoint: String,
    pub orders_url: String,
    pub dlq_url: String,
    pub sale_url: String,
    pub table: String,
    pub bucket: String,
}

fn err(e: impl std::error::Error) -> String {
    aws_sdk_sqs::error::DisplayErrorContext(e).to_string()
}

fn key(product_id: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), AttributeValue::S(format!("P#{product_id}"))),
        ("sk".to_string(), AttributeValue::S(sk.to_string())),
    ])
}

/// `f` until it succeeds, five tries two seconds apart (a store may be slow
/// to answer right after a fault).
pub async fn retry<T, F, Fut>(what: &str, f: F) -> Result<T, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    Err(format!("{what}: {last}"))
}

impl Aws {
    pub async fn new(moto_port: u16, tag: &str) -> Self {
        let endpoint = format!("http://127.0.0.1:{moto_port}");
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(10))
            .build();
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_credential_types::Credentials::new("test", "test", None, None, "static"))
            .timeout_config(timeouts)
            .load()
            .await;
        let q = |name: &str| format!("{endpoint}/000000000000/{tag}-{name}");
        Self {
            sqs: aws_sdk_sqs::Client::new(&sdk),
            ddb: aws_sdk_dynamodb::Client::new(&sdk),
            orders_url: q("orders"),
            dlq_url: q("orders-dlq"),
            sale_url: q("sale.fifo"),
            table: format!("{tag}-catalog"),
            bucket: format!("{tag}-assets"),
            endpoint,
        }
    }

    /// Stock of one SKU as the table holds it (strongly consistent read).
    pub async fn stock(&self, product_id: &str, sku: &str) -> Result<Option<i64>, String> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(product_id, &format!("S#{sku}"))))
            .consistent_read(true)
            .send()
            .await
            .map_err(err)?;
        Ok(out.item().and_then(|i| i.get("stock")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
    }

    async fn set_stock(&self, product_id: &str, sku: &str, stock: i64) -> Result<(), String> {
        self.ddb
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(product_id, &format!("S#{sku}"))))
            .update_expression("SET #s = :n")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#s", "stock")
            .expression_attribute_values(":n", AttributeValue::N(stock.to_string()))
            .send()
            .await
            .map_err(|e| format!("set stock of {sku}: {}", err(e)))?;
        Ok(())
    }

    /// Add the `flash-sale` tag to a product's document (orders go through the FIFO queue).
    async fn tag_flash_sale(&self, product_id: &str) -> Result<(), String> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(product_id, "A")))
            .consistent_read(true)
            .send()
            .await
            .map_err(err)?;
        let mut item = out.item().cloned().ok_or_else(|| format!("product {product_id} not in the table"))?;
        let doc = item.get("doc").and_then(|d| d.as_s().ok()).ok_or("product item without doc")?;
        let mut json: serde_json::Value = serde_json::from_str(doc).map_err(|e| e.to_string())?;
        if let Some(tags) = json.get_mut("tags").and_then(|t| t.as_array_mut()) {
            tags.push(serde_json::Value::String("flash-sale".into()));
        }
        item.insert("doc".into(), AttributeValue::S(json.to_string()));
        self.ddb.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(err)?;
        Ok(())
    }

    /// Choose the SKUs among the seeded products and set their stock: a few
    /// scarce (5–20 units, many buyers) and several plentiful ones.
    pub async fn prepare_skus(&self, opts: &super::Options) -> Result<Vec<Sku>, String> {
        let mut rng = Rng(opts.seed ^ 0xC4A0_5EED);
        let mut ids: Vec<usize> = (0..opts.products).collect();
        for i in (1..ids.len()).rev() {
            ids.swap(i, rng.below(i + 1));
        }
        let mut skus = Vec::new();
        for (k, i) in ids.iter().take(opts.scarce + 6).enumerate() {
            let p = seed::product(*i);
            let v = &p.variants[rng.below(p.variants.len())];
            let scarce = k < opts.scarce;
            let stock = if scarce { 5 + rng.below(16) as i64 } else { 100_000 };
            self.set_stock(p.id.as_str(), v.sku.as_str(), stock).await?;
            let start = self
                .stock(p.id.as_str(), v.sku.as_str())
                .await?
                .ok_or_else(|| format!("{} has no stock item", v.sku))?;
            let flash_sale = opts.flash_sale && k == 0;
            if flash_sale {
                self.tag_flash_sale(p.id.as_str()).await?;
            }
            skus.push(Sku { product_id: p.id.to_string(), sku: v.sku.as_str().to_string(), scarce, flash_sale, start });
        }
        let scarce: Vec<String> = skus
            .iter()
            .filter(|s| s.scarce)
            .map(|s| format!("{} {}{}", s.sku, s.start, if s.flash_sale { " (flash sale)" } else { "" }))
            .collect();
        println!("stock: scarce {}; {} plentiful SKUs at 100000", scarce.join(", "), skus.len() - scarce.len());
        self.create_code(code_limit(opts.orders)).await?;
        println!("discount code {CODE}: 10% off, {} uses", code_limit(opts.orders));
        self.set_rules().await?;
        println!(
            "taxes: {TAX_LABEL} {}% added to orders shipped to Portugal (every shopper's address)",
            TAX_RATE / 1000
        );
        Ok(skus)
    }

    /// The shop's rules for the run, as the app stores them: the default
    /// zones, and a tax added to prices for Portugal, where every shopper
    /// ships, so every order's money path carries a tax.
    async fn set_rules(&self) -> Result<(), String> {
        let rate = domain::tax::TaxRate {
            area: domain::shipping::Area::parse("PT")?,
            class: domain::tax::TaxClass::standard(),
            label: TAX_LABEL.into(),
            rate: TAX_RATE,
        };
        let rules = domain::rules::ShopRules {
            zones: domain::shipping::default_zones(),
            tax: domain::tax::TaxSettings { prices_include_tax: false, rates: vec![rate] },
        };
        let body = serde_json::to_string(&rules).map_err(|e| e.to_string())?;
        let item = HashMap::from([
            ("pk".to_string(), AttributeValue::S("SHOP".into())),
            ("sk".to_string(), AttributeValue::S("RULES".into())),
            ("body".to_string(), AttributeValue::S(body)),
            ("version".to_string(), AttributeValue::N("1".into())),
        ]);
        self.ddb.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(err)?;
        Ok(())
    }

    /// Create the run's discount code (10% off, limited to `code_limit`)
    /// as the app stores one: its definition and its counter of uses left.
    pub async fn create_code(&self, limit: i64) -> Result<(), String> {
        let p = domain::promo::Promotion {
            code: domain::promo::PromoCode::parse(CODE)?,
            benefit: domain::promo::Benefit::Percent { percent: 10 },
            starts_at: None,
            ends_at: None,
            min_subtotal: 0,
            categories: vec![],
            once_per_customer: false,
            usage_limit: Some(limit as u32),
            active: true,
            automatic: false,
            min_quantity: 0,
        };
        let body = serde_json::to_string(&p).map_err(|e| e.to_string())?;
        let definition = HashMap::from([
            ("pk".to_string(), AttributeValue::S("PROMOS".into())),
            ("sk".to_string(), AttributeValue::S(CODE.into())),
            ("body".to_string(), AttributeValue::S(body)),
            ("version".to_string(), AttributeValue::N("1".into())),
        ]);
        let counter = HashMap::from([
            ("pk".to_string(), AttributeValue::S(format!("PROMO#{CODE}"))),
            ("sk".to_string(), AttributeValue::S("U".into())),
            ("left".to_string(), AttributeValue::N(limit.to_string())),
        ]);
        for item in [definition, counter] {
            self.ddb.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(err)?;
        }
        Ok(())
    }

    /// The code's uses left, read consistently.
    pub async fn code_left(&self) -> Result<Option<i64>, String> {
        let key = HashMap::from([
            ("pk".to_string(), AttributeValue::S(format!("PROMO#{CODE}"))),
            ("sk".to_string(), AttributeValue::S("U".into())),
        ]);
        let out = self.ddb.get_item().table_name(&self.table).set_key(Some(key)).consistent_read(true).send().await;
        let out = out.map_err(err)?;
        Ok(out.item().and_then(|i| i.get("left")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
    }

    /// Send `n` malformed order messages to the order queue; returns how many were sent.
    pub async fn poison(&self, n: usize, first: usize) -> usize {
        let mut sent = 0;
        for i in first..first + n {
            let body = format!("{{\"order_id\": \"{POISON}-{i}\", \"lines\": [{{\"sku\": ");
            if self.sqs.send_message().queue_url(&self.orders_url).message_body(body).send().await.is_ok() {
                sent += 1;
            }
        }
        sent
    }

    /// Messages in a queue: visible + in flight + delayed.
    pub async fn depth(&self, url: &str) -> Result<u64, String> {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .map_err(err)?;
        let attrs = out.attributes().cloned().unwrap_or_default();
        Ok(attrs.values().filter_map(|v| v.parse::<u64>().ok()).sum())
    }

    /// Every message in the dead-letter queue (received, hidden for ten minutes, not deleted).
    pub async fn dead_letters(&self) -> Result<Vec<String>, String> {
        let mut seen = HashMap::new();
        let mut empty = 0;
        while empty < 3 {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.dlq_url)
                .max_number_of_messages(10)
                .visibility_timeout(600)
                .wait_time_seconds(0)
                .send()
                .await
                .map_err(err)?;
            if out.messages().is_empty() {
                empty += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            for m in out.messages() {
                seen.insert(m.message_id().unwrap_or_default().to_string(), m.body().unwrap_or_default().to_string());
            }
        }
        Ok(seen.into_values().collect())
    }
}
