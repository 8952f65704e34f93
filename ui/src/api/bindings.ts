// Generated from the Rust command layer (core/src/api). Do not edit by hand:
// GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated

/**
 * `{code, message, field?}` as the window and the CLI receive it.
 */
export type ApiError = { code: ErrorCode, message: string, field?: string, };

/**
 * A row as the Administration screen shows it.
 */
export type AuditEntry = { id: number, 
/**
 * UTC, RFC 3339.
 */
at: string, actor: string, action: string, entity_type: string, entity_id: string | null, before: JsonValue | null, after: JsonValue | null, };

/**
 * Filters of the audit screen; all optional, newest first.
 */
export type AuditFilter = { 
/**
 * Exact staff username (or `système:…`).
 */
actor?: string, 
/**
 * Exact action, e.g. `staff.create`, `forbidden`.
 */
action?: string, entity_type?: string, entity_id?: string, 
/**
 * From this day (inclusive), `YYYY-MM-DD`.
 */
from?: string, 
/**
 * Up to this day (inclusive), `YYYY-MM-DD`.
 */
to?: string, 
/**
 * Rows older than this id (the next page).
 */
before_id?: number, 
/**
 * At most this many rows (default 100, at most 500).
 */
limit?: number, 
/**
 * Leave out consultations (`….read`): a record's history of changes.
 */
changes_only?: boolean, };

export type AuditListResponse = { entries: Array<AuditEntry>, 
/**
 * Pass as `before_id` for the next (older) page; absent on the last page.
 */
next_before_id: number | null, };

export type Beneficiary = { id: number, member_id: number, relation: Relation, last_name: string, first_name: string, birth_date: string | null, coverage_start: string | null, coverage_end: string | null, version: number, };

export type BeneficiaryAddRequest = { member_id: number, beneficiary: BeneficiaryInput, };

export type BeneficiaryCounts = { rows: number, created: number, unchanged: number, };

/**
 * A beneficiary as the form sends it.
 */
export type BeneficiaryInput = { relation: Relation, last_name: string, first_name: string, birth_date?: string | null, coverage_start?: string | null, coverage_end?: string | null, };

export type BeneficiaryUpdateRequest = { id: number, version: number, beneficiary: BeneficiaryInput, };

export type CreateAdminRequest = { username: string, full_name: string, password: string, };

/**
 * A column the import will read, as the screen shows it.
 */
export type DetectedColumn = { field: Field, 
/**
 * The header as written in the file.
 */
header: string, 
/**
 * `A`, `B`, … `AA`.
 */
letter: string, };

export type EmployerList = { employers: Array<string>, };

/**
 * A request with no parameters: `{}`.
 */
export type Empty = Record<string, never>;

/**
 * The small, closed set of error codes the window and scripts can branch on.
 */
export type ErrorCode = "validation" | "not_found" | "conflict" | "forbidden" | "unauthenticated" | "internal";

/**
 * What a column can hold.
 */
export type Field = "matricule" | "cnie" | "last_name" | "first_name" | "full_name" | "birth_date" | "employer" | "status" | "address" | "gsm" | "email" | "rib" | "affiliation_date" | "end_date" | "relation";

export type ImportPhase = "lecture" | "verification" | "ecriture" | "termine";

/**
 * Streamed to the window while the import runs.
 */
export type ImportProgress = { phase: ImportPhase, done: number, total: number, };

export type ImportReport = { 
/**
 * Non-blank data rows of the members sheet.
 */
rows: number, created: number, updated: number, unchanged: number, rejected: Array<RejectedRow>, dry_run: boolean, sheet: string, header_row: number, columns: Array<DetectedColumn>, 
/**
 * The optional beneficiaries sheet.
 */
beneficiaries: BeneficiaryCounts | null, };

/**
 * What the import screen and `guichet import-members` send.
 */
export type ImportRequest = { 
/**
 * The file to read (`.xlsx`, `.xls`, `.ods`, `.csv`).
 */
path: string, 
/**
 * Field code → header text or column letter, where the guess is wrong.
 */
mapping?: { [key in string]?: string }, 
/**
 * Report only; write nothing.
 */
dry_run?: boolean, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

export type LoginRequest = { username: string, password: string, };

/**
 * A member as every screen reads him.
 */
export type Member = { id: number, matricule: string, cnie: string | null, last_name: string, first_name: string, birth_date: string | null, employer: string | null, status: MemberStatus, address: string | null, 
/**
 * `+212XXXXXXXXX`.
 */
gsm: string | null, email: string | null, 
/**
 * 24 digits, no spaces.
 */
rib: string | null, affiliation_date: string | null, 
/**
 * Set when the member left; he stays readable.
 */
end_date: string | null, version: number, };

/**
 * The member form. Empty optional fields are `null` or absent.
 */
export type MemberInput = { matricule: string, cnie?: string | null, last_name: string, first_name: string, birth_date?: string | null, 
/**
 * Employer name; a new name is added to the list of employers.
 */
employer?: string | null, status?: MemberStatus | null, address?: string | null, gsm?: string | null, email?: string | null, rib?: string | null, affiliation_date?: string | null, end_date?: string | null, };

/**
 * The member page: identity, beneficiaries, and the history of every change.
 */
export type MemberPage = { member: Member, beneficiaries: Array<Beneficiary>, history: Array<AuditEntry>, };

export type MemberRef = { id?: number, matricule?: string, };

export type MemberStatus = "actif" | "pensionne" | "autre";

export type MemberUpdateRequest = { id: number, version: number, member: MemberInput, };

/**
 * A new account as the form sends it.
 */
export type NewStaff = { username: string, full_name: string, roles: Array<Role>, password: string, };

export type PasswordChangeRequest = { current_password: string, new_password: string, };

/**
 * What an operation needs. `Public` and `Authenticated` are for the session
 * operations; the rest are granted by roles in [`permissions_of`].
 */
export type Permission = "public" | "authenticated" | "members_read" | "members_write" | "reception_work" | "dossiers_read" | "dossiers_process" | "approvals_read" | "approvals_register" | "medical_review" | "statements_read" | "statements_produce" | "staff_manage" | "audit_read" | "settings_manage";

export type RejectedExportRequest = { rejected: Array<RejectedRow>, 
/**
 * Where to write the `.xlsx` (chosen in the save dialog).
 */
path: string, };

export type RejectedRow = { 
/**
 * The sheet the row is on.
 */
sheet: string, 
/**
 * The spreadsheet's own row number.
 */
row: number, 
/**
 * The header of the column at fault (prefixed by the sheet for beneficiaries).
 */
column: string, message: string, };

export type Relation = "lui_meme" | "conjoint" | "enfant";

/**
 * A staff member's roles; one person may hold several.
 */
export type Role = "reception" | "claims" | "medical" | "admin";

export type SearchRequest = { 
/**
 * A matricule, a CNIE, or words of a name.
 */
query: string, };

export type SearchResult = { members: Array<Member>, 
/**
 * More members match than the page holds: type more letters.
 */
more: boolean, };

/**
 * The sections of the main window, in menu order.
 */
export type Section = "adherents" | "reception" | "dossiers" | "accords" | "decomptes" | "administration";

/**
 * The logged-in staff member and what the window should offer him.
 */
export type SessionInfo = { staff: StaffMember, 
/**
 * French labels of the roles, for the header.
 */
role_labels: Array<string>, 
/**
 * The sections of the main window this staff member may open, in order.
 */
sections: Array<Section>, permissions: Array<Permission>, };

export type SetupState = { 
/**
 * True when no active administrator exists: the window offers to create one.
 */
needs_admin: boolean, 
/**
 * `sqlite` or `postgres`.
 */
backend: string, 
/**
 * The database in use, without its password.
 */
database: string, };

export type StaffListResponse = { staff: Array<StaffMember>, };

/**
 * A staff account as every screen sees it (never the password hash).
 */
export type StaffMember = { id: number, username: string, full_name: string, roles: Array<Role>, active: boolean, 
/**
 * Wrong passwords since the last successful login.
 */
failed_attempts: number, 
/**
 * Set while the account is locked (UTC, RFC 3339).
 */
locked_until: string | null, 
/**
 * Optimistic-lock counter: an update names the version it read.
 */
version: number, };

export type StaffRef = { id?: number, username?: string, };

export type StaffResetPasswordRequest = { id: number, new_password: string, };

export type StaffSetActiveRequest = { 
/**
 * The account, by id…
 */
id?: number, 
/**
 * …or by username.
 */
username?: string, version?: number, active: boolean, };

export type StaffUpdateRequest = { id: number, 
/**
 * The version read; a different current version answers `conflict`.
 */
version: number, full_name: string, roles: Array<Role>, };

/** Every operation of the command layer: its request and its response. */
export interface Operations {
  setup_status: { request: Empty; response: SetupState };
  setup_create_admin: { request: CreateAdminRequest; response: SessionInfo };
  session_login: { request: LoginRequest; response: SessionInfo };
  session_current: { request: Empty; response: SessionInfo };
  session_logout: { request: Empty; response: Empty };
  password_change: { request: PasswordChangeRequest; response: Empty };
  staff_list: { request: Empty; response: StaffListResponse };
  staff_create: { request: NewStaff; response: StaffMember };
  staff_update: { request: StaffUpdateRequest; response: StaffMember };
  staff_set_active: { request: StaffSetActiveRequest; response: StaffMember };
  staff_unlock: { request: StaffRef; response: StaffMember };
  staff_reset_password: { request: StaffResetPasswordRequest; response: StaffMember };
  audit_list: { request: AuditFilter; response: AuditListResponse };
  member_search: { request: SearchRequest; response: SearchResult };
  member_get: { request: MemberRef; response: MemberPage };
  member_create: { request: MemberInput; response: Member };
  member_update: { request: MemberUpdateRequest; response: Member };
  beneficiary_add: { request: BeneficiaryAddRequest; response: Beneficiary };
  beneficiary_update: { request: BeneficiaryUpdateRequest; response: Beneficiary };
  employer_list: { request: Empty; response: EmployerList };
  member_import: { request: ImportRequest; response: ImportReport };
  member_import_rejected_export: { request: RejectedExportRequest; response: Empty };
}

export type OperationName = keyof Operations;

/** The permission each operation needs (checked in the core, shown here for the window). */
export const OPERATION_PERMISSIONS: Record<OperationName, Permission> = {
  setup_status: "public",
  setup_create_admin: "public",
  session_login: "public",
  session_current: "authenticated",
  session_logout: "authenticated",
  password_change: "authenticated",
  staff_list: "staff_manage",
  staff_create: "staff_manage",
  staff_update: "staff_manage",
  staff_set_active: "staff_manage",
  staff_unlock: "staff_manage",
  staff_reset_password: "staff_manage",
  audit_list: "audit_read",
  member_search: "members_read",
  member_get: "members_read",
  member_create: "members_write",
  member_update: "members_write",
  beneficiary_add: "members_write",
  beneficiary_update: "members_write",
  employer_list: "members_read",
  member_import: "members_write",
  member_import_rejected_export: "members_write",
};
