//! One file per LSP method; each turns plain engine answers into LSP.

#[cfg(feature = "fabric")]
pub mod catalog;
pub mod code_action;
pub mod code_action_resolve;
pub mod code_lens;
pub mod completion;
pub mod custom;
pub mod definition;
pub mod document_symbol;
pub mod edit_pipeline;
#[cfg(feature = "fabric")]
pub mod execute_command;
pub mod folding_range;
pub mod hover;
pub mod impact;
pub mod inlay_hint;
pub mod references;
pub mod rename;
#[cfg(feature = "fabric")]
pub mod run_gem;
pub mod signature_help;
pub mod workspace_symbol;

use loupe_analysis::db::SourceFile;
use loupe_analysis::host::AnalysisHost;
use tower_lsp_server::ls_types::{Position, Uri};

/// The project file behind a URI and the byte offset of a position in it.
pub fn locate(host: &AnalysisHost, uri: &Uri, position: Position) -> Option<(SourceFile, usize)> {
    let path = uri.to_file_path()?;
    let file = host.file(&path)?;
    let offset = crate::convert::offset(file.text(host.db()), position);
    Some((file, offset))
}

/// The fabric a request names, else the one chosen with `loupe/selectFabric`
/// (`None`: the project's default).
#[cfg(feature = "fabric")]
pub(crate) fn chosen_fabric(
    backend: &crate::server::Backend,
    asked: Option<String>,
) -> Option<String> {
    asked.or_else(|| backend.state.lock().unwrap().selected_fabric.clone())
}

/// Stops a run when the request that started it goes away (a cancelled
/// request drops its future); after the run ends it changes nothing. While
/// it lives, the run is one of those `cancel_every_run` stops.
#[cfg(feature = "fabric")]
pub(crate) struct CancelOnDrop {
    control: loupe_fabric::RunControl,
    id: u64,
}

#[cfg(feature = "fabric")]
static ACTIVE_RUNS: std::sync::Mutex<Vec<(u64, loupe_fabric::RunControl)>> =
    std::sync::Mutex::new(Vec::new());

#[cfg(feature = "fabric")]
impl CancelOnDrop {
    pub(crate) fn new(control: loupe_fabric::RunControl) -> CancelOnDrop {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ACTIVE_RUNS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, control.clone()));
        CancelOnDrop { control, id }
    }
}

#[cfg(feature = "fabric")]
impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.control.cancel();
        ACTIVE_RUNS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _)| *id != self.id);
    }
}

/// Cancels every run in flight (the editor went away).
pub fn cancel_every_run() {
    #[cfg(feature = "fabric")]
    for (_, control) in ACTIVE_RUNS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        control.cancel();
    }
}

/// Runs blocking fabric work off the async runtime; a cancelled request stops it.
#[cfg(feature = "fabric")]
pub(crate) async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce(&loupe_fabric::RunControl) -> T + Send + 'static,
) -> tower_lsp_server::jsonrpc::Result<T> {
    let control = loupe_fabric::RunControl::default();
    let _cancel_on_drop = CancelOnDrop::new(control.clone());
    tokio::task::spawn_blocking(move || work(&control))
        .await
        .map_err(|_| tower_lsp_server::jsonrpc::Error::internal_error())
}
