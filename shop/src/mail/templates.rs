//! What each mail says. A mail is written once as a [`Doc`] (paragraphs, an
//! optional table of order lines, an optional button link) and rendered to
//! both a plain-text and an HTML body, so the two never say different
//! things. Everything from the shop's data is escaped in the HTML. Plain
//! functions: no I/O, tested below.

use super::MailKind;
use domain::order::{Address, Email, OrderLine, OrderStatus, Shipping};
use domain::{Money, OrderId};
use ports::mail::Mail;

/// An order as its mails need it.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub id: OrderId,
    pub status: OrderStatus,
    pub email: Email,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    /// What a discount code took off, and the code (zero and `None` without one).
    pub discount: Money,
    pub code: Option<String>,
    pub shipping: Shipping,
    /// The method as the shopper chose it (the code for older orders).
    pub shipping_label: String,
    pub shipping_price: Money,
    /// The taxes charged.
    pub tax: domain::tax::OrderTax,
    pub total: Money,
    pub address: Address,
}

/// One mail's content, before it becomes text and HTML.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// (description, amount) rows, the last ones being the totals.
    pub table: Vec<(String, String)>,
    pub link: Option<(String, String)>,
    pub after: Vec<String>,
}

const SHOP: &str = "Storefront";

fn order_table(o: &OrderFacts) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = o
        .lines
        .iter()
        .map(|l| {
            let amount = l.unit_price.times(l.quantity).map(|m| m.to_string()).unwrap_or_default();
            (format!("{} × {} ({})", l.quantity, l.title, l.sku.as_str()), amount)
        })
        .collect();
    rows.push(("Subtotal".into(), o.subtotal.to_string()));
    if let Some(code) = o.code.as_ref().filter(|_| o.discount.minor() > 0) {
        rows.push((format!("Discount ({code})"), format!("−{}", o.discount)));
    }
    rows.push((format!("Shipping ({})", o.shipping_label), o.shipping_price.to_string()));
    if !o.tax.included {
        for t in &o.tax.groups {
            rows.push((t.describe(), t.amount.to_string()));
        }
    }
    rows.push(("Total".into(), o.total.to_string()));
    if o.tax.included {
        for t in &o.tax.groups {
            rows.push((format!("Includes {}", t.describe()), t.amount.to_string()));
        }
    }
    rows
}

fn address_lines(a: &Address) -> String {
    [a.name.as_str(), a.line1.as_str(), a.line2.as_str(), &format!("{} {}", a.postal_code, a.city), a.country.as_str()]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mail for an order that moved into `o.status`; `order_url` is its
/// page with the link key (a guest has no other way in).
pub fn order(kind: MailKind, o: &OrderFacts, order_url: &str) -> Doc {
    let link = Some(("See your order".to_string(), order_url.to_string()));
    let reason = match &o.status {
        OrderStatus::Rejected { reason } | OrderStatus::Cancelled { reason } if !reason.trim().is_empty() => {
            Some(reason.trim().to_string())
        }
        _ => None,
    };
    match kind {
        MailKind::OrderConfirmed => Doc {
            subject: format!("Your {SHOP} order {} is confirmed", o.id.as_str()),
            paragraphs: vec![
                "Thank you for your order. We have your payment and the items are reserved for you.".into(),
                format!("It ships to: {}.", address_lines(&o.address)),
            ],
            table: order_table(o),
            link,
            after: vec![],
        },
        MailKind::OrderRejected => Doc {
            subject: format!("Your {SHOP} order {} could not be completed", o.id.as_str()),
            paragraphs: vec![
                format!(
                    "We could not complete your order: {}.",
                    reason.unwrap_or_else(|| "it could not be processed".into())
                ),
                format!("Nothing was charged: the hold of {} on your card has been released.", o.total),
            ],
            table: order_table(o),
            link,
            after: vec!["You are welcome to try again; your cart is where you left it.".into()],
        },
        MailKind::OrderCancelled => Doc {
            subject: format!("Your {SHOP} order {} was cancelled", o.id.as_str()),
            paragraphs: vec![
                match reason {
                    Some(r) => format!("Your order was cancelled: {r}."),
                    None => "Your order was cancelled.".into(),
                },
                format!("{} has been refunded to your card; your bank may take a few days to show it.", o.total),
            ],
            table: order_table(o),
            link,
            after: vec![],
        },
        MailKind::OrderRefunded
        | MailKind::PasswordReset
        | MailKind::EmailVerification
        | MailKind::BackInStock
        | MailKind::RefundIssued
        | MailKind::ReturnRequested
        | MailKind::ReturnApproved
        | MailKind::ReturnRefused => Doc {
            subject: format!("Your {SHOP} order {} was refunded", o.id.as_str()),
            paragraphs: vec![format!(
                "We refunded {} to your card; your bank may take a few days to show it.",
                o.total
            )],
            table: order_table(o),
            link,
            after: vec![],
        },
    }
}

pub fn password_reset(link: &str) -> Doc {
    Doc {
        subject: format!("Reset your {SHOP} password"),
        paragraphs: vec![format!("Someone asked to reset the password of your {SHOP} account.")],
        table: vec![],
        link: Some(("Set a new password".into(), link.to_string())),
        after: vec![
            "The link works once, for one hour.".into(),
            "If it was not you, ignore this mail: your password stays as it is.".into(),
        ],
    }
}

pub fn email_verification(link: &str) -> Doc {
    Doc {
        subject: format!("Confirm your e-mail address for {SHOP}"),
        paragraphs: vec![format!("Welcome to {SHOP}. Please confirm that this address is yours.")],
        table: vec![],
        link: Some(("Confirm my address".into(), link.to_string())),
        after: vec![
            "The link works for seven days.".into(),
            "If you did not create an account, ignore this mail.".into(),
        ],
    }
}

/// Some lines of an order (and maybe its shipping) refunded.
pub fn refund_issued(order_id: &str, amount: &str, lines: &[&str], shipping: bool, reason: &str, url: &str) -> Doc {
    let mut table: Vec<(String, String)> = lines.iter().map(|l| (l.to_string(), String::new())).collect();
    if shipping {
        table.push(("Shipping".into(), String::new()));
    }
    table.push(("Refunded".into(), amount.to_string()));
    Doc {
        subject: format!("{SHOP} refunded {amount} of order {order_id}"),
        paragraphs: vec![format!("We refunded {amount} to the card you paid with."), format!("Reason: {reason}")],
        table,
        link: Some(("See your order".into(), url.to_string())),
        after: vec!["Refunds usually reach your account within 5–10 business days.".into()],
    }
}

/// A return request received, approved or refused; `text` is the
/// shopper's reason (received) or the shop's note (decided).
pub fn return_update(kind: MailKind, order_id: &str, lines: &[&str], text: &str, url: &str) -> Doc {
    let (subject, first, after) = match kind {
        MailKind::ReturnApproved => (
            format!("Your return for {SHOP} order {order_id} is approved"),
            "We approved your return. Please send the items back; we refund them when they arrive.".to_string(),
            "The refund goes to the card you paid with.",
        ),
        MailKind::ReturnRefused => (
            format!("Your return for {SHOP} order {order_id} was not accepted"),
            "We could not accept this return.".to_string(),
            "Reply to this mail if you think this is a mistake.",
        ),
        _ => (
            format!("We received your return request for {SHOP} order {order_id}"),
            "We received your return request and will answer soon.".to_string(),
            "Please wait for our answer before sending anything back.",
        ),
    };
    let label = if kind == MailKind::ReturnRequested { "Your reason" } else { "Note from the shop" };
    let mut paragraphs = vec![first];
    if !text.is_empty() {
        paragraphs.push(format!("{label}: {text}"));
    }
    Doc {
        subject,
        paragraphs,
        table: lines.iter().map(|l| (l.to_string(), String::new())).collect(),
        link: Some(("See your order".into(), url.to_string())),
        after: vec![after.into()],
    }
}

/// One mail per alert: the variant is back; nothing more will be sent
/// about it unless the shopper asks again.
pub fn back_in_stock(title: &str, options: &str, link: &str) -> Doc {
    let what = if options.is_empty() { title.to_string() } else { format!("{title} ({options})") };
    Doc {
        subject: format!("Back in stock: {title}"),
        paragraphs: vec![format!("Good news: {what} is back in stock at {SHOP}.")],
        table: vec![],
        link: Some(("See it in the shop".into(), link.to_string())),
        after: vec![
            "Stock can go quickly; we do not hold it for you.".into(),
            "This is the only mail we send about it. Ask again on the product page if it sells out before you buy."
                .into(),
        ],
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Doc {
    pub fn text(&self) -> String {
        let mut out = String::new();
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        let width = self.table.iter().map(|(d, _)| d.chars().count()).max().unwrap_or(0);
        for (d, a) in &self.table {
            out.push_str(&format!("{d:<width$}  {a:>10}\n"));
        }
        if !self.table.is_empty() {
            out.push('\n');
        }
        if let Some((label, url)) = &self.link {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        for p in &self.after {
            out.push_str(p);
            out.push_str("\n\n");
        }
        out.push_str(&format!("— {SHOP}\n"));
        out
    }

    pub fn html(&self) -> String {
        let mut out = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family:sans-serif;line-height:1.5;color:#222;max-width:36em\">",
            escape(&self.subject)
        );
        for p in &self.paragraphs {
            out.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if !self.table.is_empty() {
            out.push_str("<table style=\"border-collapse:collapse;width:100%\">");
            for (d, a) in &self.table {
                out.push_str(&format!(
                    "<tr><td style=\"padding:4px 0\">{}</td><td style=\"text-align:right\">{}</td></tr>",
                    escape(d),
                    escape(a)
                ));
            }
            out.push_str("</table>");
        }
        if let Some((label, url)) = &self.link {
            out.push_str(&format!(
                "<p><a href=\"{}\" style=\"display:inline-block;padding:8px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px\">{}</a></p>\
                 <p style=\"font-size:small\">Or open this address: {}</p>",
                escape(url),
                escape(label),
                escape(url)
            ));
        }
        for p in &self.after {
            out.push_str(&format!("<p>{}</p>", escape(p)));
        }
        out.push_str(&format!("<p>— {SHOP}</p></body></html>"));
        out
    }

    pub fn to_mail(&self, to: &str) -> Mail {
        Mail { to: to.to_string(), subject: self.subject.clone(), text: self.text(), html: self.html() }
    }
}

#[cfg(test)]
mod tests;
