// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the command-line tool: see `cli/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(e) = guichet_desktop::run() {
        eprintln!("Guichet n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
