//! The Tauri commands: each one line handing over to the core.

use crate::database::{DatabaseStatus, DesktopState};
use crate::dialogs::DialogOptions;
use guichet_core::ApiError;
use tauri::ipc::Channel;
use tauri::State;
use tauri::{AppHandle, Runtime};

/// Runs any command-layer operation (`docs/COMMANDS.md`) as this window's caller.
#[tauri::command]
pub async fn call(
    state: State<'_, DesktopState>,
    operation: String,
    request: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    state.call(&operation, request).await
}

/// Runs a long operation (an import, a statement run), streaming its progress.
#[tauri::command]
pub async fn call_streamed(
    state: State<'_, DesktopState>,
    operation: String,
    request: serde_json::Value,
    on_progress: Channel<serde_json::Value>,
) -> Result<serde_json::Value, ApiError> {
    state.call_streamed(&operation, request, move |p| drop(on_progress.send(p))).await
}

/// Asks the running long operation to stop (the statement run stops between two files).
#[tauri::command]
pub fn stop_streamed(state: State<'_, DesktopState>) {
    state.stop_streamed()
}

/// Which database this window uses, and why it could not be opened if so.
#[tauri::command]
pub async fn database_status(state: State<'_, DesktopState>) -> Result<DatabaseStatus, ApiError> {
    Ok(state.status().await)
}

/// Reaches a Guichet server for the first time: its certificate's fingerprint to compare.
#[tauri::command]
pub async fn server_probe(state: State<'_, DesktopState>, url: String) -> Result<guichet_client::Probe, ApiError> {
    state.server_probe(&url).await
}

/// Works through this server from now on (an administrator, or a desk not yet set up), remembered.
#[tauri::command]
pub async fn server_configure(
    state: State<'_, DesktopState>,
    url: String,
    fingerprint: Option<String>,
) -> Result<DatabaseStatus, ApiError> {
    state.server_configure(&url, fingerprint).await
}

/// Back to working alone on this desk's own database, or on the backup it just restored.
#[tauri::command]
pub async fn local_configure(
    state: State<'_, DesktopState>,
    restored: Option<bool>,
) -> Result<DatabaseStatus, ApiError> {
    state.local_configure(restored.unwrap_or(false)).await
}

/// Opens the native save dialog; the file chosen, as a handle (none: cancelled).
#[tauri::command]
pub async fn pick_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DesktopState>,
    options: DialogOptions,
) -> Result<Option<String>, ApiError> {
    Ok(crate::dialogs::save(&app, options).await.map(|p| state.remember(p)))
}

/// Opens the native open dialog (one file, several, or a folder); handles (none: cancelled).
#[tauri::command]
pub async fn pick_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DesktopState>,
    options: DialogOptions,
) -> Result<serde_json::Value, ApiError> {
    let picked = crate::dialogs::open(&app, &options).await;
    Ok(match picked {
        None => serde_json::Value::Null,
        Some(paths) if options.multiple.unwrap_or(false) => {
            serde_json::json!(paths.into_iter().map(|p| state.remember(p)).collect::<Vec<_>>())
        }
        Some(mut paths) => match paths.pop() {
            Some(p) => serde_json::Value::String(state.remember(p)),
            None => serde_json::Value::Null,
        },
    })
}
