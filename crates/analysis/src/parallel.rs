//! Pure work over many items on all cores, for the steps every analysis of a
//! project waits for (its index, its Jinja environment).

use crate::host::ANALYSIS_STACK_BYTES;

/// Threads for work over a project's files: one per core, at most 8.
pub(crate) fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8))
}

/// `work` on each of `items`, the results in order: on up to one thread per
/// core, each given a run of at least `min_run` items (on the calling thread
/// when there are fewer). A panic in a thread is raised again here.
pub(crate) fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    min_run: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = worker_threads().min(items.len() / min_run.max(1)).max(1);
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let runs: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|run| {
                std::thread::Builder::new()
                    .stack_size(ANALYSIS_STACK_BYTES)
                    .spawn_scoped(scope, move || run.iter().map(work).collect::<Vec<R>>())
                    .expect("start an analysis thread")
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| {
                run.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::map_in_parallel;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(
            map_in_parallel(&items, 10, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_in_parallel(&items[..3], 10, |i| i + 1), [1, 2, 3]);
        assert!(map_in_parallel(&[] as &[usize], 10, |i| *i).is_empty());
    }

    #[test]
    fn a_panic_in_a_thread_reaches_the_caller() {
        let items: Vec<usize> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            map_in_parallel(&items, 1, |&i| if i == 77 { panic!("item 77") } else { i })
        });
        let panic = caught.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"item 77"));
    }
}
