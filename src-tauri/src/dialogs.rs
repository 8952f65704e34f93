//! The native open and save dialogs, opened from Rust: the page asks for a
//! dialog and gets back a handle of the file chosen, never a path it could
//! have named itself.

use serde::Deserialize;
use std::path::PathBuf;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};

#[derive(Debug, Clone, Deserialize)]
pub struct Filter {
    pub name: String,
    pub extensions: Vec<String>,
}

/// What the page may ask of a dialog: its title, a proposed file name, filters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogOptions {
    pub title: Option<String>,
    /// A proposed file name (any folder part is dropped).
    pub default_path: Option<String>,
    pub filters: Option<Vec<Filter>>,
    pub multiple: Option<bool>,
    pub directory: Option<bool>,
}

fn builder<R: Runtime>(app: &AppHandle<R>, o: &DialogOptions) -> FileDialogBuilder<R> {
    let mut d = app.dialog().file();
    if let Some(t) = &o.title {
        d = d.set_title(t);
    }
    if let Some(name) = o.default_path.as_deref().and_then(|p| p.rsplit(['/', '\\']).next()).filter(|n| !n.is_empty()) {
        d = d.set_file_name(name);
    }
    for f in o.filters.iter().flatten() {
        let ext: Vec<&str> = f.extensions.iter().map(String::as_str).collect();
        d = d.add_filter(&f.name, &ext);
    }
    d
}

pub async fn save<R: Runtime>(app: &AppHandle<R>, o: DialogOptions) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app, &o).save_file(move |p| {
        let _ = tx.send(p);
    });
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}

pub async fn open<R: Runtime>(app: &AppHandle<R>, o: &DialogOptions) -> Option<Vec<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let d = builder(app, o);
    if o.directory.unwrap_or(false) {
        d.pick_folder(move |p| {
            let _ = tx.send(p.map(|p| vec![p]));
        });
    } else if o.multiple.unwrap_or(false) {
        d.pick_files(move |p| {
            let _ = tx.send(p);
        });
    } else {
        d.pick_file(move |p| {
            let _ = tx.send(p.map(|p| vec![p]));
        });
    }
    let picked = rx.await.ok().flatten()?;
    Some(picked.into_iter().filter_map(|p| p.into_path().ok()).collect())
}
