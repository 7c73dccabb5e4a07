//! One real Spark Connect server (scripts/spark-connect.sh) for a test
#![allow(dead_code)] // Each test binary that includes this module uses part of it.
//! binary, and a tiny harness that runs the binary's tests against it and
//! stops it afterwards, whatever the tests did. The server also stops by
//! itself when the test process dies (`--owner`).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct SparkServer {
    pub dir: PathBuf,
    pub port: u16,
    pub token: String,
    pub started_in: std::time::Duration,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/spark-connect.sh")
}

impl SparkServer {
    pub fn start(name: &str) -> SparkServer {
        let dir = std::env::temp_dir().join(format!("loupe-spark-{name}-{}", std::process::id()));
        let started = Instant::now();
        let status = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(&dir)
            .arg("--owner")
            .arg(std::process::id().to_string())
            .status()
            .expect("runs scripts/spark-connect.sh");
        assert!(status.success(), "the Spark Connect server did not start");
        let started_in = started.elapsed();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        SparkServer {
            port: read("port").trim().parse().unwrap(),
            token: read("token").trim().to_string(),
            dir,
            started_in,
        }
    }

    /// The connection string with the token (for tests only: it holds a secret).
    pub fn url(&self) -> String {
        format!("sc://127.0.0.1:{}/;token={}", self.port, self.token)
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_dir(&self.dir)
            .ok()?
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".pid"))
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .and_then(|t| t.trim().parse().ok())
    }

    /// CPU seconds the server has used (user + system).
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid().unwrap())).unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    /// Resident memory of the server, in MiB.
    pub fn rss_mib(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid().unwrap())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Ends the server at once (SIGKILL), as a crash would.
    pub fn kill(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }

    pub fn stop(&self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

impl Drop for SparkServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub type Test = (&'static str, fn(&SparkServer));

/// Runs `tests` in order (a name given on the command line filters them),
/// prints libtest's lines, stops the server, and exits non-zero on a failure.
pub fn run_tests(server_name: &str, tests: &[Test]) {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let chosen: Vec<&Test> = tests
        .iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", chosen.len());
    let started = Instant::now();
    let mut failed = Vec::new();
    if !chosen.is_empty() {
        let server = SparkServer::start(server_name);
        eprintln!(
            "Spark Connect started in {:.1} s (rss {:.0} MiB)",
            server.started_in.as_secs_f64(),
            server.rss_mib()
        );
        for (name, test) in &chosen {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| test(&server)));
            match outcome {
                Ok(()) => println!("test {name} ... ok"),
                Err(_) => {
                    println!("test {name} ... FAILED");
                    failed.push(*name);
                }
            }
        }
        drop(server);
    }
    // The projects the tests copied for this run (`loupe-spark-PID-…`).
    let mine = format!("loupe-spark-{}-", std::process::id());
    for entry in std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with(&mine) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let passed = chosen.len() - failed.len();
    if !failed.is_empty() {
        println!("\nfailures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        tests.len() - chosen.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
