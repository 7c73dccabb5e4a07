//! Loupe's language server: the only crate that knows LSP. Requests run on
//! snapshots of the analysis; edits cancel stale requests.

pub mod base;
pub mod convert;
#[cfg(feature = "fabric")]
pub mod data_diff;
pub mod handlers;
pub mod memory_client;
mod progress;
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
        .custom_method("loupe/compiled", handlers::custom::compiled)
        .custom_method("loupe/editPipeline", handlers::edit_pipeline::edit_pipeline)
        .custom_method("loupe/gemParts", handlers::edit_pipeline::gem_parts)
        .custom_method("loupe/impact", handlers::impact::impact)
        .custom_method("loupe/status", handlers::impact::status);
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
        // When the editor closes our stdin, runs in flight stop on their
        // fabrics: the server answers them and leaves.
        let stdin = EndOfInput {
            inner: tokio::io::stdin(),
            on_end: Some(handlers::cancel_every_run),
        };
        Server::new(stdin, tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    // The editor is gone: dropping the pending requests cancels their runs on
    // their fabrics; give that a bounded time, never hang on a stuck engine.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
}

/// A reader that calls `on_end` once when its input ends.
struct EndOfInput<R> {
    inner: R,
    on_end: Option<fn()>,
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for EndOfInput<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(())) = &poll {
            if buf.filled().len() == before && buf.remaining() > 0 {
                if let Some(on_end) = self.on_end.take() {
                    on_end();
                }
            }
        }
        poll
    }
}
