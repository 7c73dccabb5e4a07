//! What the benchmarks share: the skeleton of a generated project and percentiles.

use std::path::Path;
use std::time::Duration;

/// A fresh project at `root` with a seed `raw_events` of `rows` rows; row `i`
/// has user `user_of(i)` and amount `amount_of(i)`.
pub fn write_events_project(
    root: &Path,
    rows: usize,
    user_of: impl Fn(usize) -> usize,
    amount_of: impl Fn(usize) -> usize,
) {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::create_dir_all(root.join("seeds")).unwrap();
    std::fs::write(
        root.join("dbt_project.yml"),
        "name: bench\nprofile: bench\n",
    )
    .unwrap();
    let mut csv = String::from("id,user_id,amount,kind,created_at\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "{i},{},{}.5,k{},2024-01-0{} 10:00:00\n",
            user_of(i),
            amount_of(i),
            i % 3,
            1 + i % 9
        ));
    }
    std::fs::write(root.join("seeds/raw_events.csv"), csv).unwrap();
}

/// p50 and p95 in milliseconds.
pub fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() as f64 - 1.0) * q).round() as usize]);
    (at(0.5), at(0.95))
}
