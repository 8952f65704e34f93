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

function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const err = e as ApiError;
    // The core locked this desk after inactivity: the window asks for the password.
    if (err.field === "session_locked") window.dispatchEvent(new CustomEvent("guichet:locked", { detail: err.message }));
    return err;
  }
  return { code: "internal", message: `Erreur inattendue de l'application : ${String(e)}` };
}

export async function call<K extends OperationName>(
  operation: K,
  request: Operations[K]["request"],
): Promise<Operations[K]["response"]> {
  try {
    return await invoke<Operations[K]["response"]>("call", { operation, request });
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
  choice: "environment" | "settings" | "default";
  database: string;
  error: string | null;
}

export async function databaseStatus(): Promise<DatabaseStatus> {
  return invoke<DatabaseStatus>("database_status");
}

export async function databaseConfigure(url: string): Promise<DatabaseStatus> {
  try {
    return await invoke<DatabaseStatus>("database_configure", { url });
  } catch (e) {
    throw new ApiFailure(asApiError(e));
  }
}
