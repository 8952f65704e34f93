//! Ctrl-C and SIGTERM: `serve` stops serving, and a long command (an import,
//! a statement run, a verification) stops cleanly — its transaction rolled
//! back, the database closed, exit 130 as shells expect after SIGINT.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Resolves at the first Ctrl-C or SIGTERM.
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What a command says when it was stopped: the operation's future is dropped,
/// so its transaction is never committed (files already written whole, as a
/// statement run's, stay; a new run skips them).
pub fn interrupted() -> ExitCode {
    INTERRUPTED.store(true, Ordering::SeqCst);
    eprintln!(
        "Interrompu : l'opération en cours est annulée, rien de ce qu'elle n'avait pas terminé n'est enregistré."
    );
    ExitCode::from(130)
}

/// Whether the command was interrupted: `main` then exits without waiting for
/// a file being parsed on a worker thread, whose result no one will read.
pub fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
