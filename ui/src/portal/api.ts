// The portal's calls to the server: the command layer's operations of the
// members' space under /portail/api/{operation}. The session is a cookie the
// page never reads; every change carries the form token (CSRF) given at login.
import type { ApiError, Operations, PortalOperationName } from "../api/bindings";

export class Refused extends Error {
  readonly field: string | undefined;
  readonly code: string;
  constructor(e: ApiError) {
    super(e.message);
    this.field = e.field;
    this.code = e.code;
  }
}

let csrf = "";

export function setCsrf(token: string): void {
  csrf = token;
}

async function answer<T>(r: Response): Promise<T> {
  const body: unknown = await r.json().catch(() => null);
  if (!r.ok) {
    const e = body as ApiError | null;
    throw new Refused(
      e && typeof e.message === "string"
        ? e
        : { code: "unavailable", message: "Service indisponible : réessayez plus tard." },
    );
  }
  return body as T;
}

type Request<K extends PortalOperationName> = Operations[K]["request"];
type Answer<K extends PortalOperationName> = Operations[K]["response"];

/** Runs an operation of the members' space: its request and answer are the
 * command layer's generated types. */
export async function call<K extends PortalOperationName>(op: K, request: Request<K>): Promise<Answer<K>> {
  const r = await fetch(`/portail/api/${op}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-guichet-csrf": csrf },
    body: JSON.stringify(request),
  });
  return answer<Answer<K>>(r);
}

/** The address of a file of his space (a PDF, the logo): its operation,
 * which changes nothing, asked by GET with its request in the query. */
export function fileUrl<K extends PortalOperationName>(op: K, request: Request<K>): string {
  const query = new URLSearchParams(request as Record<string, string>).toString();
  return `/portail/api/${op}${query ? `?${query}` : ""}`;
}
