//! Background jobs, one file each: the order worker (and its loops), the
//! order reconciler, the recommendations schedule; the scheduled ones run
//! through `runner` (one shape: a step returning an outcome).

pub mod order_worker;
pub mod recommend_schedule;
pub mod reconcile;
pub mod runner;
