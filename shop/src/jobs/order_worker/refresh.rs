//! Why: every settled order changes its products' stock, and refreshing a
//! product's listing entries and cached copies costs a read and a write of
//! several items. Under load one worker settles hundreds of orders a second
//! over a few products, so each product is refreshed at most once per
//! `WINDOW` and changes in between wait for the next refresh: listings trail
//! the stock items (the truth, which reservations read) by at most about
//! `WINDOW`. The worker's loop flushes what waits on a tick and whenever the
//! queue is empty.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest a listing waits behind its stock while the worker runs.
pub const WINDOW: Duration = Duration::from_millis(250);

/// Products whose listings wait for a refresh, and when the last one ran.
#[derive(Debug, Default)]
pub struct PendingRefresh {
    inner: Mutex<(BTreeSet<String>, Option<Instant>)>,
}

impl PendingRefresh {
    /// Note `products` as changed; returns every product waiting when a
    /// refresh is due now (the caller refreshes them), else nothing.
    pub fn changed<'a>(&self, products: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.0.extend(products.into_iter().map(String::from));
        let due = guard.1.is_none_or(|at| at.elapsed() >= WINDOW);
        if due {
            Self::take(&mut guard)
        } else {
            Vec::new()
        }
    }

    /// Everything waiting, whatever the window (idle queue, tick, stop).
    pub fn take_all(&self) -> Vec<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Self::take(&mut guard)
    }

    fn take(guard: &mut (BTreeSet<String>, Option<Instant>)) -> Vec<String> {
        if guard.0.is_empty() {
            return Vec::new();
        }
        guard.1 = Some(Instant::now());
        std::mem::take(&mut guard.0).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_change_refreshes_at_once_and_later_ones_wait_for_the_window() {
        let pending = PendingRefresh::default();
        assert_eq!(pending.changed(["p1", "p2"]), ["p1", "p2"]);
        assert!(pending.changed(["p2", "p3"]).is_empty(), "inside the window: they wait");
        assert_eq!(pending.take_all(), ["p2", "p3"], "a flush takes each once");
        assert!(pending.take_all().is_empty());
        std::thread::sleep(WINDOW);
        assert_eq!(pending.changed(["p4"]), ["p4"], "after the window: at once again");
    }
}
