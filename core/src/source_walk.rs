//! The core's own sources, read by the tests that keep a rule in one place
//! (a status written by its lifecycle only, spelled in its enum only).

/// Every `.rs` file of `core/src`, with its path from there.
pub(crate) fn core_sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    sources(&root, &root, &mut files);
    assert!(files.len() > 50, "the sources were found");
    files
}

/// Every `.rs` file under `dir`, with its path from `core/src`.
fn sources(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
}
