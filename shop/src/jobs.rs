//! Background jobs, one file each: the order worker (and its loops), the
//! order reconciler, the recommendations schedule, the static copy, the mail
//! relay; all run
//! through `runner` (one shape: a step returning an outcome, at a pace).

pub mod mail_relay;
pub mod order_worker;
pub mod recommend_schedule;
pub mod reconcile;
pub mod runner;
pub mod static_copy;
