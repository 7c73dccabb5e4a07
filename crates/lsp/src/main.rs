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
    small_pages_only();
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

/// No transparent huge pages for Loupe's memory. mimalloc asks for them on
/// all it maps, and each thread's first small allocation then faults in and
/// zeroes a whole 2 MiB page: a cold `lineage --all` of 1,000 models
/// touched 72 MB instead of 53, and where the kernel must first gather free
/// memory into huge pages (a machine that was idle, or a VM whose host took
/// its free memory back) it ran 0.17 s instead of 0.10; a cold check of
/// 10,000 models ran 0.96-0.98 s without them, 1.05-1.31 s with.
fn small_pages_only() {
    // SAFETY: sets a flag of this process; no memory is touched.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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
