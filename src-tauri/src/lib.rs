//! The desktop shell: a Tauri window over the command layer. It holds one
//! [`Desk`](guichet_core::api::Desk) (the logged-in caller) and forwards each
//! call to it; all rules live in `guichet-core`.

mod commands;
mod database;
mod dialogs;

pub use database::{DatabaseChoice, DesktopState};

use tauri::{Manager, Runtime};

/// Registers the state and the commands. Tests pass `tauri::test::mock_builder()`.
pub fn app<R: Runtime>(builder: tauri::Builder<R>, state: DesktopState) -> tauri::Builder<R> {
    with_commands(builder).manage(state)
}

fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.plugin(tauri_plugin_dialog::init()).invoke_handler(tauri::generate_handler![
        commands::call,
        commands::call_streamed,
        commands::stop_streamed,
        commands::database_status,
        commands::server_probe,
        commands::server_configure,
        commands::local_configure,
        commands::pick_save,
        commands::pick_open,
    ])
}

/// Starts the real application.
pub fn run() -> Result<(), tauri::Error> {
    let context = tauri::generate_context!("../tauri.conf.json");
    with_commands(tauri::Builder::default())
        .setup(|app| {
            let paths = app.path();
            let log_dir = paths.app_log_dir().ok();
            let guard = guichet_core::logging::init(log_dir.as_deref(), "guichet.log", "info");
            let data_dir = paths.app_data_dir()?;
            let config_dir = paths.app_config_dir()?;
            let state = tauri::async_runtime::block_on(DesktopState::start(&data_dir, &config_dir, log_dir.as_deref()));
            app.manage(state);
            // The embedded database is backed up once a day (checked every hour), the last 14 kept.
            let handle = app.handle().clone();
            let folder = data_dir.join("sauvegardes");
            tauri::async_runtime::spawn(async move {
                loop {
                    handle.state::<DesktopState>().daily_backup(&folder).await;
                    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                }
            });
            app.manage(LogGuard(std::sync::Mutex::new(guard)));
            Ok(())
        })
        .run(context)
}

/// Keeps the log file writer alive as long as the app.
struct LogGuard(#[allow(dead_code)] std::sync::Mutex<Option<guichet_core::logging::Guard>>);
