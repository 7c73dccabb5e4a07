//! `loupe check`: diagnostics like a compiler prints them, or as JSON.

use std::path::Path;
use std::process::ExitCode;

use super::Format;

pub fn run(path: &Path, format: Format, catalog: Option<&Path>, dialect: Option<&str>) -> Result<ExitCode, String> {
    let _ = (path, format, catalog, dialect);
    Err("not yet".into())
}
