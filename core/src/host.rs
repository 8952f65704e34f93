//! This machine's name, for the journal (which desk did it) and the server's
//! self-signed certificate: one place that knows where each system keeps it.

/// The host name, or `None` when the system does not say.
pub fn name() -> Option<String> {
    #[cfg(unix)]
    let name = std::fs::read_to_string("/etc/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok());
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").ok();
    name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())
}
