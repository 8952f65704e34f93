//! The list of operations, and the two files generated from it: the TypeScript
//! types of the window (`ui/src/api/bindings.ts`) and `docs/COMMANDS.md`. A test
//! fails when either committed file differs from what the Rust types give;
//! `GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated` rewrites them.

use super::Operation;
use crate::auth::Permission;
use std::collections::BTreeMap;
use ts_rs::{TypeVisitor, TS};

/// What is known of one operation without running it.
pub struct OpInfo {
    pub name: &'static str,
    pub permission: Permission,
    pub summary: &'static str,
    /// The request's fields that name files.
    pub files: &'static [super::files::FileField],
    /// It streams its progress ([`super::Operation::STREAMS`]).
    pub streams: bool,
    /// Whose screen calls it ([`super::Operation::SPACE`]).
    pub space: super::Space,
    /// It changes nothing ([`super::Operation::READ_ONLY`]).
    pub read_only: bool,
    /// Its attempts are counted ([`super::Operation::DOOR`]).
    pub door: Option<super::Door>,
    /// It logs a staff member in ([`super::Operation::OPENS_SESSION`]).
    pub opens_session: bool,
    /// Its refusal through the server ([`super::Operation::LOCAL_ONLY`]).
    pub local_only: Option<&'static str>,
    pub request: String,
    pub response: String,
    pub request_inline: String,
    pub response_inline: String,
    collect: fn(&mut Declarations),
}

impl OpInfo {
    /// Its answer is a file ([`super::files::FileData`]): a portal's
    /// operation is served as the file itself (a desk's is saved by
    /// [`super::edge`]).
    pub fn answers_file(&self) -> bool {
        self.response == <super::files::FileData as TS>::name()
    }

    /// It answers one file the caller saves ([`super::edge`]): a desk or the
    /// CLI sends `path` (where it goes) instead of `name`, and is answered
    /// [`super::edge::Saved`].
    pub fn saves_file(&self) -> bool {
        self.files.iter().any(|f| f.dir == super::files::FileDir::Out)
    }

    /// It draws files for a folder of the caller's (the statement run): a
    /// desk or the CLI sends `folder` instead of `existing`, and
    /// [`super::edge`] writes the files into it as they come.
    pub fn fills_folder(&self) -> bool {
        self.files.iter().any(|f| f.dir == super::files::FileDir::OutFolder)
    }

    /// It reads files the caller sends: a desk or the CLI names each by its
    /// path (the window by a dialog's handle) where the request holds a
    /// [`super::files::FileData`], and [`super::edge`] sends its bytes.
    pub fn reads_files(&self) -> bool {
        self.files.iter().any(|f| f.dir == super::files::FileDir::In)
    }

    pub fn of<O: Operation>() -> OpInfo {
        OpInfo {
            name: O::NAME,
            permission: O::PERMISSION,
            summary: O::SUMMARY,
            files: O::FILES,
            streams: O::STREAMS,
            space: O::SPACE,
            read_only: O::READ_ONLY,
            door: O::DOOR,
            opens_session: O::OPENS_SESSION,
            local_only: O::LOCAL_ONLY,
            request: O::Request::name(),
            response: O::Response::name(),
            request_inline: O::Request::inline(),
            response_inline: O::Response::inline(),
            collect: |d| {
                d.visit::<O::Request>();
                d.visit::<O::Response>();
            },
        }
    }
}

/// The TypeScript declarations reached from a set of types, by name; the
/// Rust types whose TypeScript name another type already took (`clashes`:
/// the window would read one with the other's shape).
#[derive(Default)]
struct Declarations(BTreeMap<String, String>, std::collections::HashSet<&'static str>, Vec<String>);

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only our own (derived) types have a declaration; built-ins have no
        // output path, but a `Vec<T>` or `Option<T>` leads to ours.
        if T::output_path().is_none() {
            if self.1.insert(std::any::type_name::<T>()) {
                T::visit_generics(self);
                T::visit_dependencies(self);
            }
            return;
        }
        let name = T::ident();
        if let Some(known) = self.0.get(&name) {
            if !known.ends_with(&T::decl()) {
                self.2.push(format!("{name} ({})", std::any::type_name::<T>()));
            }
            return;
        }
        let docs = T::docs().map(|d| format!("{}\n", d.trim_end())).unwrap_or_default();
        self.0.insert(name, format!("{docs}export {}", T::decl()));
        T::visit_dependencies(self);
    }
}

fn declarations() -> Declarations {
    let mut d = Declarations::default();
    d.visit::<crate::error::ApiError>();
    d.visit::<crate::auth::Role>();
    d.visit::<crate::auth::Section>();
    // Streamed by member_import through the window's progress channel.
    d.visit::<crate::members::import::ImportProgress>();
    // Streamed by statement_batch.
    d.visit::<crate::statements::batch::BatchProgress>();
    // Streamed by drug_import.
    d.visit::<crate::api::ops::drugs::DrugImportProgress>();
    // A rule set's groups, typed as a map.
    d.visit::<crate::liquidation::rules::CareGroup>();
    // What a desk is answered once it saved an operation's file.
    d.visit::<super::edge::Saved>();
    for op in super::ops::all() {
        (op.collect)(&mut d);
    }
    d
}

const HEADER: &str = "// Generated from the Rust command layer (core/src/api). Do not edit by hand:\n\
// GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated\n";

/// `ui/src/api/bindings.ts`.
pub fn typescript() -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for decl in declarations().0.values() {
        out.push_str(decl);
        out.push_str("\n\n");
    }
    out.push_str(
        "/** A request as the window sends it: each file named by the handle of a file chosen in a dialog, which \
        the desk reads and sends as its bytes. */\nexport type Chosen<T> = T extends FileData\n  ? string\n  : T \
        extends Array<infer U>\n    ? Array<Chosen<U>>\n    : T extends object\n      ? { [K in keyof T]: \
        Chosen<T[K]> }\n      : T;\n\n",
    );
    out.push_str(
        "/** Every operation of the command layer: its request and its response. */\nexport interface Operations {\n",
    );
    for op in super::ops::all() {
        // As the window sends it: where to save, not the file's name; the
        // handles of the files chosen, not their bytes.
        let request = if op.saves_file() {
            format!("Omit<{}, \"name\"> & {{ path: string }}", op.request)
        } else if op.fills_folder() {
            format!("Omit<{}, \"existing\"> & {{ folder: string }}", op.request)
        } else if op.reads_files() {
            format!("Chosen<{}>", op.request)
        } else {
            op.request.clone()
        };
        let response = if op.saves_file() { "Saved".to_string() } else { op.response.clone() };
        out.push_str(&format!("  {}: {{ request: {request}; response: {response} }};\n", op.name));
    }
    out.push_str("}\n\nexport type OperationName = keyof Operations;\n\n");
    let portal: Vec<String> = super::ops::all()
        .iter()
        .filter(|o| o.space == super::Space::Portal)
        .map(|o| format!("\n  | \"{}\"", o.name))
        .collect();
    out.push_str("/** The operations of the members' portal (served under /portail/api). */\n");
    out.push_str(&format!("export type PortalOperationName ={};\n\n", portal.concat()));
    out.push_str("/** The permission each operation needs (checked in the core, shown here for the window). */\n");
    out.push_str("export const OPERATION_PERMISSIONS: Record<OperationName, Permission> = {\n");
    for op in super::ops::all() {
        out.push_str(&format!(
            "  {}: \"{}\",\n",
            op.name,
            serde_json::to_value(op.permission).unwrap_or_default().as_str().unwrap_or("")
        ));
    }
    out.push_str("};\n");
    out
}

/// `docs/COMMANDS.md`.
pub fn commands_markdown() -> String {
    let perm =
        |p: Permission| serde_json::to_value(p).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let mut md = String::from(
        "# Operations of the command layer\n\n\
<!-- Generated from core/src/api by `GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated`; a test fails \
    when it is stale. -->\n\n\
Every user action is one operation. The desktop window calls them through the Tauri command `call`; \
administrators and scripts call them with\n\n\
```sh\nGUICHET_PASSWORD=… guichet --database URL --user USERNAME call OPERATION '{JSON request}'\n```\n\n\
which prints the JSON response (exit code 0) or the JSON error (exit code 1). Every error is\n\
`{\"code\": …, \"message\": …, \"field\"?: …}` with `code` one of `validation`, `not_found`, `conflict`,\n\
`forbidden`, `unauthenticated`, `internal`; the message is French and meant for the user; `field` names the\n\
request field at fault for validation errors. A refused call (`forbidden`) is written to the audit journal.\n\n\
Types are given in TypeScript notation (the same declarations as `ui/src/api/bindings.ts`); `number` fields\n\
holding ids and amounts are integers (amounts in centimes), dates are `YYYY-MM-DD`, times UTC RFC 3339.\n\n\
| operation | permission | what it does |\n| --- | --- | --- |\n",
    );
    for op in super::ops::all() {
        md.push_str(&format!("| [`{0}`](#{0}) | `{1}` | {2} |\n", op.name, perm(op.permission), op.summary));
    }
    for op in super::ops::all() {
        md.push_str(&format!(
            "\n## {}\n\n{}\n\nPermission: `{}`.\n\nRequest `{}`:\n\n```ts\n{}\n```\n\nResponse \
                `{}`:\n\n```ts\n{}\n```\n",
            op.name,
            op.summary,
            perm(op.permission),
            op.request,
            op.request_inline,
            op.response,
            op.response_inline
        ));
        if op.reads_files() {
            md.push_str(
                "\nFrom a desk or the CLI, give each file (`FileData`) as its path: it is read there and sent as its \
                bytes.\n",
            );
        }
        if op.saves_file() {
            md.push_str(
                "\nFrom a desk or the CLI, give `path` (where the file is saved) instead of `name`; the answer is \
                then `Saved` (`{ path, bytes }`): the file's bytes never leave the operation's answer otherwise.\n",
            );
        }
        if op.fills_folder() {
            md.push_str(
                "\nFrom a desk or the CLI, give `folder` instead of `existing`: the files already there are skipped, \
                and each file, sent with the progress, is written there as it comes.\n",
            );
        }
    }
    md.push_str("\n## Types\n\n```ts\n");
    for decl in declarations().0.values() {
        md.push_str(decl);
        md.push_str("\n\n");
    }
    md.push_str("```\n");
    md
}

#[cfg(test)]
mod generated {
    use std::path::PathBuf;

    fn check(rel: &str, expected: String) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
        if std::env::var_os("GUICHET_WRITE_GENERATED").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "{rel} is stale: run `GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated` and commit the result"
        );
    }

    #[test]
    fn no_two_types_share_a_typescript_name() {
        assert_eq!(super::declarations().2, Vec::<String>::new());
    }

    #[test]
    fn typescript_bindings_are_current() {
        check("ui/src/api/bindings.ts", super::typescript());
    }

    #[test]
    fn commands_doc_is_current() {
        check("docs/COMMANDS.md", super::commands_markdown());
    }

    /// A request with a field named like a path declares it, so that the
    /// server and its clients move the file's bytes instead; an operation
    /// that answers a file names none: it asks for the file's `name`, and
    /// the path where it goes stays with the caller (`api::edge`).
    #[test]
    fn every_path_field_is_declared() {
        let pathy = ["path", "folder", "file", "files"];
        for op in crate::api::ops::all() {
            // A member's files come as their bytes: no path is his to name.
            if op.space == crate::api::Space::Portal {
                assert!(op.files.is_empty(), "{}: a portal's operation names a path", op.name);
                continue;
            }
            let inline = &op.request_inline;
            let named = pathy.iter().any(|f| inline.contains(&format!("{f}: ")) || inline.contains(&format!("{f}?: ")));
            if op.reads_files() {
                // Its files are bytes (`FileData`, or pieces `{ file: FileData, piece }`), never paths.
                let bytes = inline.contains("FileData") || inline.contains("FileInput");
                assert!(bytes && !inline.contains("path"), "{}: request {inline}", op.name);
            }
            if op.fills_folder() {
                assert!(!named && inline.contains("existing"), "{}: request {inline} names a path", op.name);
                assert!(op.streams, "{}: its files come with its progress", op.name);
                continue;
            }
            if op.saves_file() {
                assert!(!named && inline.contains("name: "), "{}: request {inline} names a path", op.name);
                assert_eq!(op.files, [crate::api::files::output("/path")], "{}", op.name);
                assert_eq!(op.response, "FileData", "{}: answers {}", op.name, op.response);
                continue;
            }
            assert_eq!(named, !op.files.is_empty(), "{}: request {inline} declares {:?}", op.name, op.files);
            for f in op.files {
                let top = f.pointer.trim_start_matches('/').split('/').next().unwrap_or("");
                assert!(pathy.contains(&top), "{}: {}", op.name, f.pointer);
            }
        }
    }

    #[test]
    fn every_operation_name_is_unique_and_snake_case() {
        let ops = crate::api::ops::all();
        let mut names: Vec<_> = ops.iter().map(|o| o.name).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ops.len());
    }
}
