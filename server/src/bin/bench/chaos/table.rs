//! The chaos suite's one markdown table (what was tried, what the stores
//! say, which faults ran), followed by short notes that explain any
//! non-zero defect, so a failed run says why without opening the logs.

use super::audit::Report;
use super::faults::Counts;
use super::refunds::Asked;
use super::shoppers::{Traffic, CARDS};
use std::time::Duration;

fn flag(n: usize) -> String {
    if n == 0 {
        "0".into()
    } else {
        format!("**{n}** ✘")
    }
}

impl Report {
    /// Print the table and notes; returns the number of defects.
    pub fn print(&self, t: &Traffic, m: &Asked, f: &Counts, procs: &[(String, u64, u64, u64)], run: Duration) -> usize {
        let duplicated = self.dup_carts + self.orders_without_checkout + t.told_two_ids;
        let defects = [
            self.lost.len(),
            duplicated,
            self.oversold.len(),
            self.leaked.len(),
            self.undercharged + self.overcharged,
            self.unvoided_rejected + self.orphan_auths,
            self.dlq_unexpected,
            self.code_uses.len(),
            self.mispriced.len(),
            self.refunds.defects(),
        ];
        let total: usize = defects.iter().sum();
        let others: Vec<String> = self.other.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let killed: u64 = procs.iter().map(|p| p.2).sum();
        let unplanned: u64 = procs.iter().map(|p| p.3).sum();
        let mut rows: Vec<(String, String)> = vec![
            ("orders attempted (shoppers)".into(), t.attempted.to_string()),
            (
                "accepted (client ∪ `checkouts` rows)".into(),
                format!(
                    "{} (client {}, checkouts {})",
                    self.accepted,
                    t.accepted.len(),
                    self.checkouts_rows.map(|n| n.to_string()).unwrap_or("-".into())
                ),
            ),
            ("confirmed".into(), self.confirmed.to_string()),
            ("rejected".into(), {
                let base = format!("{} ({} sold out)", self.rejected, self.rejected_sold_out);
                if others.is_empty() {
                    base
                } else {
                    format!("{base} (+ {})", others.join(", "))
                }
            }),
            (
                "not accepted: declined / refused / empty cart / gave up / invalid".into(),
                format!("{} / {} / {} / {} / {}", t.declined, t.refused, t.empty_cart, t.gave_up, t.invalid),
            ),
            ("checkout retries with the same key".into(), t.retries.to_string()),
            ("lost".into(), flag(defects[0])),
            ("duplicated".into(), flag(defects[1])),
            ("oversold SKUs".into(), flag(defects[2])),
            ("leaked SKUs (stock taken ≠ sold − restocked)".into(), flag(defects[3])),
            (
                "charge mismatches (under / over)".into(),
                format!("{} ({} / {})", flag(defects[4]), self.undercharged, self.overcharged),
            ),
            (
                "unvoided (rejected / orphan holds)".into(),
                format!("{} ({} / {})", flag(defects[5]), self.unvoided_rejected, self.orphan_auths),
            ),
            ("unexpected dead letters".into(), flag(defects[6])),
            (
                "discount code: uses taken ≠ confirmed orders with it".into(),
                format!(
                    "{} ({} carts took it, {} confirmed with it)",
                    flag(defects[7]),
                    t.with_code,
                    self.code_confirmed
                ),
            ),
            ("mispriced (total ≠ lines − discount + shipping + tax, or tax ≠ its rate)".into(), flag(defects[8])),
            ("merchant's line-refund forms (sent twice at once)".into(), {
                let answers: Vec<String> = m.answers.iter().map(|(k, v)| format!("{v} × {k}")).collect();
                format!("{} ({}); answers: {}", m.forms, m.double_clicks, answers.join(", "))
            }),
            (
                "line refunds: unfinished / two from one form / ≠ provider / over the capture".into(),
                format!(
                    "{} ({} / {} / {} / {}; {} finished for {} minor units, {} units restocked)",
                    flag(defects[9]),
                    self.refunds.unfinished.len(),
                    self.refunds.unkeyed.len(),
                    self.refunds.mismatched.len(),
                    self.refunds.over_refunded.len(),
                    self.refunds.finished,
                    self.refunds.amount,
                    self.refunds.restocked.values().sum::<i64>()
                ),
            ),
        ];
        for (name, n) in f.rows() {
            rows.push((format!("fault: {name}"), n.to_string()));
        }
        rows.push(("poisoned messages sent / in DLQ".into(), format!("{} / {}", f.poison_sent, self.dlq_poison)));
        rows.push(("process restarts: planned kills / unplanned exits".into(), format!("{killed} / {unplanned}")));
        rows.push(("drain".into(), format!("{:.0} s, {}", self.drain.as_secs_f64(), self.drained)));
        rows.push(("run time".into(), format!("{:.0} s", run.as_secs_f64())));

        println!("\n| chaos run | value |\n|---|---|");
        for (k, v) in &rows {
            println!("| {k} | {v} |");
        }
        println!();
        let cards: Vec<String> =
            CARDS.iter().map(|(n, what, share)| format!("{} {what} {:.0}%", &n[12..], share * 100.0)).collect();
        println!("cards: {}", cards.join(", "));
        println!("scarce stock: {}", self.scarce.join("; "));
        if self.orders_without_checkout > 0 || self.dup_carts > 0 || t.told_two_ids > 0 {
            println!(
                "duplicated: {} carts with more than one order, {} orders without a `checkouts` row, {} shoppers told two ids",
                self.dup_carts, self.orders_without_checkout, t.told_two_ids
            );
        }
        if !self.charge_detail.is_empty() {
            let d: Vec<String> = self.charge_detail.iter().map(|(k, v)| format!("{v} × {k}")).collect();
            println!("charge mismatches: {}", d.join(", "));
        }
        for (label, list) in [
            ("lost", &self.lost),
            ("oversold", &self.oversold),
            ("leaked", &self.leaked),
            ("code uses", &self.code_uses),
            ("mispriced", &self.mispriced),
            ("refunds unfinished", &self.refunds.unfinished),
            ("refunds no form's key stands for", &self.refunds.unkeyed),
            ("refunds ≠ provider", &self.refunds.mismatched),
            ("refunds over the capture", &self.refunds.over_refunded),
        ] {
            if !list.is_empty() {
                let shown: Vec<&str> = list.iter().take(6).map(String::as_str).collect();
                println!("{label}: {}{}", shown.join("; "), if list.len() > 6 { "; …" } else { "" });
            }
        }
        for (m, n) in t.messages.iter().take(8) {
            println!("shoppers: {n} × {m}");
        }
        for p in procs.iter().filter(|p| p.3 > 0) {
            println!("process {}: started {} times, {} exits not caused by the suite (see its log)", p.0, p.1, p.3);
        }
        for n in self.notes.iter().chain(f.notes.iter()).chain(m.notes.iter()) {
            println!("note: {n}");
        }
        total
    }
}
