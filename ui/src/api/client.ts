// The one door to the Rust command layer: `call(operation, request)`, typed by
// the bindings generated from Rust (bindings.ts).
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ApiError, OperationName, Operations } from "./bindings";

/** A refused or failed operation, carrying the core's French message. */
export class ApiFailure extends Error {
  readonly error: ApiError;
  constructor(error: ApiError) {
    super(error.message);
    this.error = error;
  }
  get field(): string | undefined {
    return this.error.field;
  }
}

/** Where an action was refused because the session ended (the window over the screen explains). */
export const RELOGIN_HERE = "Non enregistré : reconnectez-vous dans la fenêtre ouverte, puis renvoyez.";

/** Where an action failed because the server did not answer (the alert above explains). */
export const UNAVAILABLE_HERE = "Non fait : le serveur ne répond pas (voir l'alerte en haut de la fenêtre).";

function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const err = e as ApiError;
    // The core locked this desk after inactivity: the window asks for the password.
    if (err.field === "session_locked")
      window.dispatchEvent(new CustomEvent("guichet:locked", { detail: err.message }));
    // An administrator reset this account's password: the window asks for a new one.
    if (err.field === "password_change_required") window.dispatchEvent(new CustomEvent("guichet:password-change"));
    // The server ended this desk's session: the window asks to log in again, keeping the screen.
    // The window over the screen says why; the form behind only that it is not saved yet.
    if (err.field === "session_expired") {
      window.dispatchEvent(new CustomEvent("guichet:expired", { detail: err.message }));
      return { ...err, message: RELOGIN_HERE };
    }
    // The server does not answer: the window says it once, as an alert at its top; where the
    // agent acted, a short line says that nothing was done.
    if (err.code === "unavailable") {
      window.dispatchEvent(new CustomEvent("guichet:unavailable", { detail: err.message }));
      return { ...err, message: UNAVAILABLE_HERE };
    }
    return err;
  }
  return { code: "internal", message: `Erreur inattendue de l'application : ${String(e)}` };
}

export async function call<K extends OperationName>(
  operation: K,
  request: Operations[K]["request"],
): Promise<Operations[K]["response"]> {
  try {
    const answer = await invoke<Operations[K]["response"]>("call", { operation, request });
    window.dispatchEvent(new CustomEvent("guichet:available"));
    return answer;
  } catch (e) {
    throw new ApiFailure(asApiError(e));
  }
}

/** A long operation whose progress values arrive through a channel as it runs. */
export async function callStreamed<K extends OperationName, P>(
  operation: K,
  request: Operations[K]["request"],
  onProgress: (p: P) => void,
): Promise<Operations[K]["response"]> {
  const channel = new Channel<P>();
  channel.onmessage = onProgress;
  try {
    return await invoke<Operations[K]["response"]>("call_streamed", { operation, request, onProgress: channel });
  } catch (e) {
    throw new ApiFailure(asApiError(e));
  }
}

/** Asks the running long operation to stop at its next step. */
export async function stopStreamed(): Promise<void> {
  await invoke("stop_streamed");
}

export interface DatabaseStatus {
  choice: "environment" | "server" | "default";
  /** The SQLite file, or `serveur https://…`. */
  database: string;
  error: string | null;
  /** The pinned fingerprint of the server's certificate. */
  fingerprint: string | null;
  /** This desk's version, data folder and log folder (« À propos »). */
  version: string;
  data_dir: string;
  log_dir: string | null;
}

export interface ServerProbe {
  url: string;
  /** Null: the system's authorities vouch for the certificate. */
  fingerprint: string | null;
  application: string;
  schema: number | null;
}

export async function databaseStatus(): Promise<DatabaseStatus> {
  return invoke<DatabaseStatus>("database_status");
}

async function desk<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new ApiFailure(asApiError(e));
  }
}

export const serverProbe = (url: string): Promise<ServerProbe> => desk("server_probe", { url });
export const serverConfigure = (url: string, fingerprint: string | null): Promise<DatabaseStatus> =>
  desk("server_configure", { url, fingerprint });
/** Back to this desk's own database, or (`restored`) to the backup just restored on it. */
export const localConfigure = (restored = false): Promise<DatabaseStatus> => desk("local_configure", { restored });
