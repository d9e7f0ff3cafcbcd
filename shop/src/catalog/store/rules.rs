//! The shop's shipping zones and tax setting (`domain::rules::ShopRules`)
//! as one item of the catalog table, versioned: the admin's save names the
//! version it started from, so two merchants' edits never silently undo
//! each other. A shop that never saved any has the default rules (one zone
//! everywhere, standard and express, no tax), version 0.

use super::CatalogStore;
use domain::rules::ShopRules;
use ports::kv::{Condition, Item, Value, Write};
use ports::{PortError, PortResult};

const PK: &str = "SHOP";
const SK: &str = "RULES";

#[derive(Debug, thiserror::Error)]
pub enum RulesSaveError {
    #[error(
        "the shipping and tax settings were changed by someone else since you opened them; reload to see the change"
    )]
    Changed,
    #[error(transparent)]
    Port(#[from] PortError),
}

impl CatalogStore {
    /// The rules and their version (0: never saved, the defaults).
    pub async fn rules(&self) -> PortResult<(ShopRules, i64)> {
        let Some(item) = self.table.get(PK, SK).await? else { return Ok((ShopRules::default(), 0)) };
        let rules: ShopRules = serde_json::from_str(item.s("body").unwrap_or_default())
            .map_err(|e| PortError::Invalid(format!("stored shipping and tax settings are not valid: {e}")))?;
        Ok((rules, item.n("version").unwrap_or(0)))
    }

    /// Replace the rules if nobody saved since `version`; the new version.
    pub async fn save_rules(&self, rules: &ShopRules, version: i64) -> Result<i64, RulesSaveError> {
        let body = serde_json::to_string(rules).map_err(|e| PortError::Invalid(e.to_string()))?;
        let item = Item::new(PK, SK).with("body", Value::S(body)).with("version", Value::N(version + 1));
        let condition = if version == 0 { Condition::NotExists } else { Condition::Equals("version".into(), version) };
        match self.table.transact(vec![Write::Put { item, condition }]).await {
            Err(PortError::ConditionFailed { .. }) => Err(RulesSaveError::Changed),
            other => other.map(|_| version + 1).map_err(Into::into),
        }
    }
}
