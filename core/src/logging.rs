//! Logging for both shells: a daily file in the log folder plus stderr.
//! Nothing logged carries a password or a medical detail: operations log names
//! and ids, never request bodies.

use std::path::Path;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Flushes the log file when dropped.
pub type Guard = tracing_appender::non_blocking::WorkerGuard;

/// Keep the returned guard alive for the whole run: it flushes the file on exit.
/// `default_level` applies unless `GUICHET_LOG` says otherwise (e.g. `debug`).
pub fn init(log_dir: Option<&Path>, file_prefix: &str, default_level: &str) -> Option<Guard> {
    let filter = || {
        EnvFilter::try_from_env("GUICHET_LOG").unwrap_or_else(|_| EnvFilter::new(format!("{default_level},sqlx=warn")))
    };
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false).with_filter(filter());
    match log_dir.and_then(|d| std::fs::create_dir_all(d).ok().map(|_| d)) {
        Some(dir) => {
            let appender = tracing_appender::rolling::daily(dir, file_prefix);
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .fmt_fields(PlainFields::default())
                .with_filter(filter());
            let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            None
        }
    }
}

/// The span fields of the file layer. A span's fields are formatted once per
/// formatter type and kept: with the stderr layer's type the file got its
/// colour codes (`operation{\x1b[3mname…`). A type of its own formats them
/// again, without colour.
#[derive(Default)]
struct PlainFields(fmt::format::DefaultFields);

impl<'w> fmt::FormatFields<'w> for PlainFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        writer: fmt::format::Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}
