//! The `loupe` command: the language server and the CLI.

mod cli;

use std::process::ExitCode;

use clap::Parser;

// Rendering and analysis allocate many small values on every core; glibc's
// allocator spent a fifth of a cold check in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
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
