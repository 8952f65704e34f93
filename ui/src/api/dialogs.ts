// Native open and save dialogs, opened by the Rust side. The page never
// names a path: it gets an opaque handle for the file the person chose
// (`fichier:7/decompte.pdf`; the part after the slash is the file's name,
// for display), which the Rust side turns back into the path when an
// operation is called. A path typed into a request by the page is refused.
import { invoke } from "@tauri-apps/api/core";
import { ApiFailure } from "./client";
import type { ApiError } from "./bindings";

export interface DialogFilter {
  name: string;
  extensions: string[];
}

export interface SaveOptions {
  title?: string;
  defaultPath?: string;
  filters?: DialogFilter[];
}

export interface OpenOptions {
  title?: string;
  filters?: DialogFilter[];
  multiple?: boolean;
  directory?: boolean;
}

async function pick<T>(command: string, options: object): Promise<T> {
  try {
    return await invoke<T>(command, { options });
  } catch (e) {
    throw new ApiFailure(e as ApiError);
  }
}

/** The file to write, as a handle; null when the person cancels. */
export function save(options: SaveOptions): Promise<string | null> {
  return pick<string | null>("pick_save", options);
}

/** The file(s) or folder to read or write into, as handles; null when cancelled. */
export function open(options: OpenOptions): Promise<string | string[] | null> {
  return pick<string | string[] | null>("pick_open", options);
}
