//! Everything the CLI prints on standard output goes through here, so that it
//! behaves as a Unix tool: a closed pipe (`guichet … | head`) ends the command
//! quietly with exit 0 instead of a panic, and `--json` prints each result as
//! one compact JSON object per line.

use guichet_core::ApiError;
use serde::Serialize;
use std::fmt::Arguments;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

static JSON: OnceLock<bool> = OnceLock::new();

/// Set once from the global `--json` flag.
pub fn set_json(on: bool) {
    let _ = JSON.set(on);
}

/// Whether results are printed as JSON rather than as text for a person.
pub fn json() -> bool {
    JSON.get().copied().unwrap_or(false)
}

/// One line on standard output. The reader gone, there is no one left to tell
/// anything: the command stops here with success, as `cat` or `grep` do. What
/// it wrote to the database was committed before anything was printed.
pub fn line(text: Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// `println!` for the CLI: through [`line`].
macro_rules! say {
    ($($t:tt)*) => { $crate::output::line(format_args!($($t)*)) };
}

/// A value as JSON: one line under `--json`, indented for a person otherwise.
pub fn value<T: Serialize>(v: &T) {
    let text = if json() { serde_json::to_string(v) } else { serde_json::to_string_pretty(v) };
    line(format_args!("{}", text.unwrap_or_default()));
}

/// An operation's answer as JSON; its refusal as the error object, exit 1.
pub fn result<T: Serialize>(r: Result<T, ApiError>) -> ExitCode {
    match r {
        Ok(v) => {
            value(&v);
            ExitCode::SUCCESS
        }
        Err(e) => error(&e),
    }
}

/// A refusal, as the command layer's error object (`code`, `message`, `field`), exit 1.
pub fn error(e: &ApiError) -> ExitCode {
    value(e);
    ExitCode::from(1)
}
