//! The shop's mails: what is sent, and when. Nothing is sent inside a
//! request or a worker step. Each mail is an outbox row written in the same
//! transaction as the event it tells about (an order's new status, a reset
//! token, a new account), so there is a mail exactly when the event
//! happened. The relay (`jobs::mail_relay`) sends it through the mail port
//! with retries. A failed send never blocks, undoes or repeats the order.
//! A mail may go twice only if the relay dies between the provider's
//! acceptance and its own record of it.

pub mod outbox;
pub mod templates;

use domain::order::OrderStatus;

/// Every kind of mail the shop sends (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    OrderConfirmed,
    OrderRejected,
    OrderCancelled,
    OrderRefunded,
    PasswordReset,
    EmailVerification,
    /// A variant someone asked about has stock again (`crate::stock_alerts`).
    BackInStock,
    /// Some lines of an order were refunded (`crate::orders::refunds`).
    RefundIssued,
    /// A shopper's return request: received, approved, refused
    /// (`crate::orders::returns`).
    ReturnRequested,
    ReturnApproved,
    ReturnRefused,
}

impl MailKind {
    pub const ALL: [Self; 11] = [
        Self::OrderConfirmed,
        Self::OrderRejected,
        Self::OrderCancelled,
        Self::OrderRefunded,
        Self::PasswordReset,
        Self::EmailVerification,
        Self::BackInStock,
        Self::RefundIssued,
        Self::ReturnRequested,
        Self::ReturnApproved,
        Self::ReturnRefused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderConfirmed => "order_confirmed",
            Self::OrderRejected => "order_rejected",
            Self::OrderCancelled => "order_cancelled",
            Self::OrderRefunded => "order_refunded",
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::BackInStock => "back_in_stock",
            Self::RefundIssued => "refund_issued",
            Self::ReturnRequested => "return_requested",
            Self::ReturnApproved => "return_approved",
            Self::ReturnRefused => "return_refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The mail an order's move into `status` sends, if any.
    pub fn for_order(status: &OrderStatus) -> Option<Self> {
        match status {
            OrderStatus::Confirmed => Some(Self::OrderConfirmed),
            OrderStatus::Rejected { .. } => Some(Self::OrderRejected),
            OrderStatus::Cancelled { .. } => Some(Self::OrderCancelled),
            OrderStatus::Refunded => Some(Self::OrderRefunded),
            OrderStatus::Pending | OrderStatus::Reserved => None,
        }
    }

    /// A mail about an order's new status (composed from the order itself).
    pub fn is_order(self) -> bool {
        matches!(self, Self::OrderConfirmed | Self::OrderRejected | Self::OrderCancelled | Self::OrderRefunded)
    }

    /// A mail about something done to an order (a refund, a return), its
    /// facts in the payload and a link to the order's page.
    pub fn is_order_event(self) -> bool {
        matches!(self, Self::RefundIssued | Self::ReturnRequested | Self::ReturnApproved | Self::ReturnRefused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for k in MailKind::ALL {
            assert_eq!(MailKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(MailKind::parse("order_shipped"), None);
    }

    #[test]
    fn only_decided_orders_send_mail() {
        assert_eq!(MailKind::for_order(&OrderStatus::Reserved), None);
        assert_eq!(MailKind::for_order(&OrderStatus::Pending), None);
        assert_eq!(MailKind::for_order(&OrderStatus::Confirmed), Some(MailKind::OrderConfirmed));
        assert_eq!(MailKind::for_order(&OrderStatus::Refunded), Some(MailKind::OrderRefunded));
    }
}
