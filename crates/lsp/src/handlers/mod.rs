//! One file per LSP method; each turns plain engine answers into LSP.

#[cfg(feature = "fabric")]
pub mod catalog;
pub mod code_action;
pub mod code_lens;
pub mod completion;
pub mod custom;
pub mod definition;
pub mod document_symbol;
#[cfg(feature = "fabric")]
pub mod execute_command;
pub mod folding_range;
pub mod hover;
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
