// What the logged-in person may do, as the core says: the window asks
// can(session, permission) and never reasons from role names. The core
// checks every call again whatever the window shows.
import type { Permission, SessionInfo } from "./api/bindings";

export function can(session: SessionInfo, p: Permission): boolean {
  return session.permissions.includes(p);
}
