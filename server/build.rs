//! Embeds the members' portal (built by `npm run build` in `ui/` into
//! `ui/dist-portail`) in the binary: a table of its files, read at compile
//! time. Without a build the table is empty and the server says so at
//! `/portail`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../ui/dist-portail");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut found = vec![];
    files(&root, &mut found);
    found.sort();
    let mut table = String::from("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for f in &found {
        let name = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let path = f.canonicalize().unwrap();
        writeln!(table, "    ({name:?}, include_bytes!({:?})),", path.to_string_lossy()).unwrap();
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("portal_assets.rs");
    std::fs::write(out, table).unwrap();
}
