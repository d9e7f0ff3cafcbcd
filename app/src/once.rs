//! A page's data loaded once per render. Leptos's SSR calls a Suspense
//! child's closure more than once: a dry run (tachys `dry_resolve`) calls
//! it, polls the new `Suspend` once and drops it, then the render calls it
//! again. A load written inside the closure therefore started two or three
//! times per page, and each dropped start abandoned the shared catalog
//! read it led (at 100,000 products every cold category was read from the
//! store three times, concurrently). Made with `Once::new` in the
//! component body and awaited inside the closure, the load runs once and
//! every run of the closure gets its result.

use futures::future::{BoxFuture, FutureExt, Shared};
use std::future::Future;

pub struct Once<T: Clone>(Shared<BoxFuture<'static, T>>);

impl<T: Clone> Clone for Once<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Clone + Send + Sync + 'static> Once<T> {
    /// Nothing runs until the first `get` is polled.
    pub fn new(load: impl Future<Output = T> + Send + 'static) -> Self {
        Self(load.boxed().shared())
    }

    /// The load's result: the first poll starts it, later ones share it.
    pub fn get(&self) -> impl Future<Output = T> + Send + 'static {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::Once;
    use futures::FutureExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_load_polled_then_dropped_then_awaited_again_runs_once() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let once = Once::new(async move {
            counted.fetch_add(1, Ordering::SeqCst);
            rx.await.unwrap_or(0)
        });
        // The dry run: polled once, still pending, dropped.
        assert!(once.get().now_or_never().is_none());
        tx.send(7).unwrap();
        assert_eq!(futures::executor::block_on(once.get()), 7);
        assert_eq!(futures::executor::block_on(once.get()), 7);
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the load ran once for three polls");
    }
}
