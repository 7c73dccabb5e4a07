//! Work-done progress (`$/progress`) for work an editor should show: the
//! whole-project check of a large project. Begun only once the work has run
//! for a while, so the short passes after each keystroke never flash in the
//! editor's status bar.

use std::time::Duration;

use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{ProgressToken, WorkDoneProgressCreateParams};
use tower_lsp_server::Client;

/// How long work runs before it is reported.
pub const REPORT_AFTER: Duration = Duration::from_secs(1);

/// How long the editor may take to accept a progress token.
const CREATE_TIMEOUT: Duration = Duration::from_secs(5);

/// Progress reported to the editor; it ends when this is dropped, however
/// the work ended (done, cancelled by an edit, failed).
pub struct Reported {
    ended: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Reported {
    /// Asks the editor for `token` (`window/workDoneProgress/create`), then
    /// reports `title` with `message`, off the caller's path: an editor slow
    /// to answer never holds the work up.
    pub fn begin(client: &Client, token: String, title: String, message: String) -> Reported {
        let (ended, when_ended) = tokio::sync::oneshot::channel::<()>();
        let client = client.clone();
        tokio::spawn(async move {
            let token = ProgressToken::String(token);
            let create =
                client.send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                    token: token.clone(),
                });
            if !matches!(
                tokio::time::timeout(CREATE_TIMEOUT, create).await,
                Ok(Ok(()))
            ) {
                return;
            }
            let progress = client
                .progress(token, title)
                .with_message(message)
                .begin()
                .await;
            // Sent or dropped, the work is over.
            let _ = when_ended.await;
            progress.finish().await;
        });
        Reported { ended: Some(ended) }
    }
}

impl Drop for Reported {
    fn drop(&mut self) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send(());
        }
    }
}
