//! Loupe's language server: the only crate that knows LSP. Requests run on
//! snapshots of the analysis; edits cancel stale requests.

pub mod convert;
pub mod handlers;
pub mod memory_client;
#[cfg(feature = "fabric")]
pub mod run;
pub mod server;

use tower_lsp_server::{ClientSocket, LspService, Server};

use server::Backend;

/// The service with the standard methods and Loupe's `loupe/*` methods.
pub fn service() -> (LspService<Backend>, ClientSocket) {
    let builder = LspService::build(Backend::new)
        .custom_method("loupe/schema", handlers::custom::schema)
        .custom_method("loupe/lineage", handlers::custom::lineage)
        .custom_method("loupe/graph", handlers::custom::graph)
        .custom_method("loupe/compiled", handlers::custom::compiled);
    #[cfg(feature = "fabric")]
    let builder = builder
        .custom_method("loupe/runGem", handlers::run_gem::run_gem)
        .custom_method("loupe/describeGem", handlers::run_gem::describe_gem)
        .custom_method("loupe/fabrics", handlers::run_gem::fabrics)
        .custom_method("loupe/selectFabric", handlers::run_gem::select_fabric)
        .custom_method("loupe/refreshCatalog", handlers::catalog::refresh_catalog);
    builder.finish()
}

/// Serves LSP over stdin/stdout until the client exits.
pub use loupe_analysis::host::ANALYSIS_STACK_BYTES as WORKER_STACK_BYTES;

pub fn run_stdio() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(WORKER_STACK_BYTES)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
}
