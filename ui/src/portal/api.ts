// The portal's calls to the server (/portail/api/…): the session is a
// cookie the page never reads; every change carries the form token (CSRF)
// given at login.
import type { ApiError } from "../api/bindings";

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

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(`/portail/api/${path}`, { credentials: "same-origin" }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(`/portail/api/${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-guichet-csrf": csrf },
    body: JSON.stringify(body),
  });
  return answer<T>(r);
}
