//! The `loupe` command: the language server and the CLI.

mod allocator;
mod cli;

use std::process::ExitCode;

use clap::Parser;

// Rendering and analysis allocate many small values on every core; glibc's
// allocator spent a fifth of a cold check in malloc and free.
#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    keep_freed_memory(args.is_server());
    // Deep user input (nested SQL, Jinja) recurses: give the work a large
    // stack, reserved but only touched as it is used.
    std::thread::Builder::new()
        .name("loupe".into())
        .stack_size(loupe_lsp::WORKER_STACK_BYTES)
        .spawn(move || cli::run(args))
        .expect("start the main thread")
        .join()
        .unwrap_or(ExitCode::from(101))
}

/// A command keeps the memory it freed until it exits: mimalloc hands
/// freed memory back to the kernel after a delay, and memory reused after
/// that is faulted in and zeroed again (a cold check of 10,000 models on a
/// busy machine: 3,600 page faults instead of 750, 0.7 s more system
/// time). The server keeps mimalloc's default and gives idle memory back.
fn keep_freed_memory(server: bool) {
    if server {
        return;
    }
    // mimalloc's `mi_option_purge_delay` (milliseconds; -1: never purge).
    const PURGE_DELAY: std::ffi::c_int = 15;
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: sets a plain option value, before any other thread runs.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}
