// Words the core sends once a session (the statuses of a dossier), so that
// the window never types them again.
import { call } from "./api/client";
import type { StatusOption } from "./api/bindings";

let statuses: Promise<StatusOption[]> | null = null;

/** The dossier statuses in the workflow's order, with their words. */
export function dossierStatuses(): Promise<StatusOption[]> {
  statuses ??= call("dossier_statuses", {}).catch((e: unknown) => {
    statuses = null;
    throw e;
  });
  return statuses;
}
