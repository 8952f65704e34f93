// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the command-line tool: see `cli/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // WebKitGTK's DMA-BUF renderer keeps GPU-shareable buffers in the web
    // process (about 95 MB measured, 197 → 102 MB, under Xvfb): a desk of
    // forms and tables draws the same without it. Set before any thread
    // starts; a machine that sets it already keeps its own choice.
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    if let Err(e) = guichet_desktop::run() {
        eprintln!("Guichet n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
