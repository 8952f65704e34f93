// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as the command-line tool: see `cli/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t`.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    /// mimalloc's own setter (the `mimalloc` crate exposes it only with its
    /// `extended` feature, which brings a crate more).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

fn main() {
    // The allocator's arenas are advised as huge pages: with the kernel's
    // transparent huge pages on (Debian's `madvise` mode is enough), a desk
    // that holds a few MB of objects keeps 2 MB pages mostly empty — 20 MB
    // of its 66 MB of private memory measured at the first screen. A desk is
    // no database server: small pages. Checked at each page fault, so it
    // holds for what the allocator reserved before `main`.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and
    // changes a flag of this process; its result is ignored (an old kernel
    // without it keeps huge pages, as before).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // The allocator gives a freed page back to the kernel at once, not 10 ms
    // later: a delayed purge runs only when the same thread allocates again,
    // and a desk's threads go idle after each call, so what the login and
    // the first screens freed stayed counted (the desk's process: 127 → 104
    // MB PSS after login, measured by the installation test).
    // SAFETY: `mi_option_set` only stores an integer option of the allocator
    // linked above (mimalloc 3's `mi_option_purge_delay` is option 15).
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
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
