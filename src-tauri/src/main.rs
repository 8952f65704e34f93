// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = guichet_desktop::run() {
        eprintln!("Guichet n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
