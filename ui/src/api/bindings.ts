// Generated from the Rust command layer (core/src/api). Do not edit by hand:
// GUICHET_WRITE_GENERATED=1 cargo test -p guichet-core generated

export type Act = { 
/**
 * `C`, `B`, `PSYMOT`…; for key letters, the letter itself.
 */
code: string, label: string, 
/**
 * Its group of care (`consultation`, `biologie`, `protheses_dentaires`…):
 * the key of [`RuleSet::groups`], of ceilings and of the groups a
 * chronic-illness declaration covers.
 */
family: string, pricing: Pricing, 
/**
 * Acts in series, prostheses, hospitalisation… (seed 002).
 */
needs_prior_approval: boolean, };

export type ActForm = { code: string, label: string, family: string, pricing: PricingForm, 
/**
 * In dirhams, for a unit price.
 */
unit_price: string, needs_prior_approval: boolean, 
/**
 * Where its unit price comes from.
 */
source: string, };

/**
 * The activation form.
 */
export type Activation = { matricule: string, cnie: string, code: string, password: string, };

/**
 * The journal's head as read at one moment, kept outside the database (beside
 * a backup, in a statement run's folder, or by `guichet audit anchor`): a
 * later verification proves the journal still holds that row with that hash,
 * so deleting the last rows and rewinding the head shows.
 */
export type Anchor = { 
/**
 * Place of the head's row in the main chain.
 */
seq: number, hash: string, 
/**
 * When it was read, UTC, RFC 3339.
 */
at: string, };

/**
 * `{code, message, field?}` as the window and the CLI receive it.
 */
export type ApiError = { code: ErrorCode, message: string, field?: string, };

/**
 * The complement of one of his incomplete requests.
 */
export type ApprovalComplementSent = { number: string, pieces: Array<ApprovalPiece>, };

/**
 * A piece of a request sent from his space: what it is, and the file.
 */
export type ApprovalPiece = { piece: Piece, file: Upload, };

/**
 * What a request sent became: its number and where it stands.
 */
export type ApprovalReceived = { number: string, status: string, };

/**
 * A request as the member fills it in.
 */
export type ApprovalSent = { kind: RequestKind, 
/**
 * The beneficiary's number in his space (1 = himself).
 */
beneficiary: number, 
/**
 * The care asked for, among [`care_choices`].
 */
act_code: string, sessions?: number, months?: number, 
/**
 * The partner provider a coverage is addressed to.
 */
provider_id?: number, prescriber: string, expected_from: string, expected_to: string, 
/**
 * As typed: `8 000,00`.
 */
quotation: string, pieces: Array<ApprovalPiece>, };

/**
 * The arrangement with the AMO fund from a date.
 */
export type Arrangement = { effective_from: string, 
/**
 * `CNOPS`.
 */
fund_name: string, 
/**
 * Who pays the member's AMO part: the fund itself (after the mutual's
 * transmission slip), or the mutual with its own part (recovering it
 * from the fund).
 */
amo_paid_by: Payer, };

/**
 * A row as the Administration screen shows it.
 */
export type AuditEntry = { id: number, 
/**
 * UTC, RFC 3339.
 */
at: string, actor: string, action: string, entity_type: string, entity_id: string | null, before: JsonValue | null, after: JsonValue | null, 
/**
 * The desk and its address, for a change made through the Guichet server.
 */
desk: string | null, remote_addr: string | null, };

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
 * The last row of the page before (the next page: the rows listed after it).
 */
before_id?: number, 
/**
 * At most this many rows (default 100, at most 500).
 */
limit?: number, 
/**
 * Leave out consultations (`….read`): a record's history of changes.
 */
changes_only?: boolean, 
/**
 * Read the years set apart too (`guichet db archive-year`): a closed
 * year's journal, no longer read by default.
 */
with_archives?: boolean, };

export type AuditListResponse = { entries: Array<AuditEntry>, 
/**
 * Pass as `before_id` for the next (older) page; absent on the last page.
 */
next_before_id: number | null, };

/**
 * The anchors to check along with the chain (read from anchor files by the caller).
 */
export type AuditVerifyRequest = { anchors: Array<Anchor>, };

export type BackupReport = { path: string, bytes: number, 
/**
 * `sqlite` or `postgres`.
 */
backend: string, };

export type BackupRequest = { 
/**
 * The file to write (replaced whole if it exists).
 */
path: string, };

export type BatchProgress = { done: number, total: number, };

export type BatchReport = { 
/**
 * Members paid in the period.
 */
members: number, written: number, 
/**
 * Already there from an earlier run.
 */
skipped: number, cancelled: boolean, 
/**
 * The index's file name.
 */
index: string, };

export type Beneficiary = { id: number, member_id: number, relation: Relation, last_name: string, first_name: string, birth_date: string | null, coverage_start: string | null, coverage_end: string | null, version: number, };

export type BeneficiaryAddRequest = { member_id: number, beneficiary: BeneficiaryInput, };

export type BeneficiaryCounts = { rows: number, created: number, unchanged: number, };

/**
 * A beneficiary's coverage as his member's page shows it.
 */
export type BeneficiaryCoverage = { beneficiary_id: number, covered: boolean, 
/**
 * « Couvert », « Couverte jusqu'au 01/06/2039 (21 ans ; au-delà, certificat de scolarité) »,
 * or the reason he is not.
 */
text: string, 
/**
 * His AMO fund when it is not the members' (`CNSS`, `aucune`), and the
 * fund's insured with his number when that is not the member.
 */
amo_fund: string | null, fund_insured_name: string | null, fund_insured_number: string | null, };

/**
 * A beneficiary as the form sends it.
 */
export type BeneficiaryInput = { relation: Relation, last_name: string, first_name: string, birth_date?: string | null, coverage_start?: string | null, coverage_end?: string | null, };

export type BeneficiaryUpdateRequest = { id: number, version: number, beneficiary: BeneficiaryInput, };

/**
 * The header of the portal's pages.
 */
export type Brand = { 
/**
 * The mutual's name, as on its letters.
 */
name: string, 
/**
 * Whether a logo is set (the operation `portal_logo`).
 */
logo: boolean, };

/**
 * One break of the chain, in French.
 */
export type Break = { 
/**
 * Place in the main chain where it was found (for a segment, its seal's;
 * for a row out of every chain, the place written just before it).
 */
seq: number, kind: BreakKind, message: string, };

/**
 * What a break is.
 */
export type BreakKind = "modified" | "deleted" | "reordered" | "truncated" | "unchained" | "unsealed" | "rewound";

/**
 * Care a member may ask an approval for: what the rule set in force says
 * needs one, and optics (the mutual's coverage of glasses).
 */
export type CareChoice = { code: string, label: string, };

/**
 * What the fund and the mutual pay of one group of care (decree 2-05-736:
 * ambulatory care 80 %, hospital 90 %, 100 % in a public hospital; drugs at
 * the rate of the fund's list, whatever `amo_rate` says).
 */
export type CareGroup = { label: string, 
/**
 * The fund's part of the base (100 % when the fund exempts the member
 * for a chronic illness linked to the group).
 */
amo_rate: number, 
/**
 * The mutual's share of what the member bears under the base (the
 * fund's *ticket modérateur*).
 */
member_share_rate: number, 
/**
 * The mutual's share of what was charged above the base.
 */
above_base_rate: number, };

/**
 * A care line as the processor types it.
 */
export type CareLineInput = { date: string, beneficiary_id: number, 
/**
 * `C`, `B 120`, `K 50`, `PSYMOT`…
 */
act: string, quantity: number, 
/**
 * As typed: `600`, `1 100,00`. Empty on a drug's line: its public
 * price × boxes.
 */
charged?: string, provider?: string | null, 
/**
 * A pharmacy line's drug: the 13-digit code of its vignette (the act is then `PHARMA`).
 */
drug_code?: string | null, 
/**
 * The price printed on the vignette, when typed: flagged if it is not the list's.
 */
vignette_price?: string | null, 
/**
 * The provider's invoice number (`VFA230187`): the lines of one invoice
 * share what a third party paid on it.
 */
invoice_number?: string | null, };

/**
 * A dossier's care lines and third-party payments, replaced whole.
 */
export type CareLinesSave = { dossier_id: number, version: number, lines: Array<CareLineInput>, 
/**
 * What the fund or the mutual already paid providers on these invoices.
 */
third_party?: Array<ThirdPartyInput>, 
/**
 * The same provider's invoice is on another dossier: record it anyway.
 */
confirm_duplicate_invoice?: boolean, };

/**
 * A ceiling of the mutual's own part (the fund's is never cut).
 */
export type Ceiling = { 
/**
 * The group of care it caps.
 */
group: string, 
/**
 * Centimes.
 */
amount: Centimes, 
/**
 * Over how many calendar years, the line's year and those before it
 * (1: each year; 2: glasses every two years), 1 to [`Ceiling::LONGEST`].
 */
years: number, scope: CeilingScope, };

export type CeilingForm = { 
/**
 * The group of care it caps.
 */
family: string, 
/**
 * In dirhams, of the mutual's part.
 */
amount: string, 
/**
 * Over how many years (`1`: each year; `2`: every two years).
 */
years: string, scope: CeilingScope, };

/**
 * Whom a ceiling counts: each beneficiary, or the member's whole family.
 */
export type CeilingScope = "beneficiary" | "family";

/**
 * Centimes of a dirham (`Centimes(110_000)` is 1 100,00 DH).
 */
export type Centimes = number;

/**
 * How the request came.
 */
export type Channel = "desk" | "email" | "employer" | "portal";

export type ChecklistItem = { code: string, label: string, required: boolean, present: boolean, };

/**
 * The processor's ticks: what the dossier contains and which documents are there.
 */
export type ChecklistUpdate = { id: number, version: number, contents: Contents, 
/**
 * Codes of the document types present.
 */
present: Array<string>, };

export type ChecklistView = { 
/**
 * Required documents first (rules of seed 002), then the other types.
 */
items: Array<ChecklistItem>, 
/**
 * Wording of the required documents still missing.
 */
missing: Array<string>, 
/**
 * The reason an "incomplete" would give the member, from what is missing.
 */
proposed_reason: string, };

export type CodeLetterRequest = { member_id: number, purpose: Purpose, name: string, };

export type CodeSendRequest = { member_id: number, purpose: Purpose, 
/**
 * `email` or `sms`: to the address or GSM on file.
 */
channel: SendChannel, };

export type CodeSent = { 
/**
 * Where it went, masked (`k…@example.ma`).
 */
sent_to: string, expires_at: string, };

export type Collection = { id: number, urn_id: number, urn_name: string, site: string, pickup_date: string, 
/**
 * The agent who opened it.
 */
agent: string, opened_at: string, closed_at: string | null, 
/**
 * Dossiers recorded (fixed at closing).
 */
dossier_count: number, 
/**
 * Centimes claimed in total (fixed at closing).
 */
total_claimed: Centimes, version: number, };

export type CollectionDetail = { collection: Collection, 
/**
 * In the order recorded.
 */
dossiers: Array<Dossier>, };

export type CollectionListRequest = { limit?: number, };

export type CollectionOpenRequest = { urn_id: number, 
/**
 * Day the urn was emptied; today when absent.
 */
pickup_date?: string | null, };

export type ComplementRequest = { id: number, version: number, files: Array<FileInput>, };

/**
 * The complement of one of his incomplete dossiers.
 */
export type ComplementSent = { form_number: string, files: Array<Upload>, };

/**
 * What the complements' expiry did.
 */
export type ComplementsExpired = { 
/**
 * Incomplete dossiers rejected: their complement did not come in time.
 */
dossiers_rejected: number, 
/**
 * Incomplete approval and coverage requests closed as refused.
 */
requests_closed: number, };

/**
 * The fund's confirmation: the date and reference of its payment, and
 * either the whole slip or the return file's rows (form number, amount).
 */
export type Confirmation = { id: number, paid_on: string, reference: string, 
/**
 * The fund's return file (`.csv`, `.xlsx`): a column of form numbers and
 * one of amounts. Absent: the whole slip is confirmed.
 */
file?: FileData | null, };

export type ConnectionChange = { 
/**
 * Where this desk worked (`ce poste seul`, `serveur https://…`).
 */
from: string, 
/**
 * Where it works from now.
 */
to: string, 
/**
 * The desk's name.
 */
desk: string, };

/**
 * What the dossier contains, as reception or the processor records it.
 */
export type Contents = { accident: boolean, pharmacy: boolean, 
/**
 * Some drugs were sold without a sticker (their invoice is then due).
 */
drugs_without_stickers: boolean, 
/**
 * Biology or radiology.
 */
lab_or_imaging: boolean, optics: boolean, 
/**
 * Physiotherapy, rehabilitation, speech therapy and other acts in series.
 */
sessions: boolean, 
/**
 * Dental care of any kind (the invoice is always due).
 */
dental: boolean, 
/**
 * Dental prostheses or root-canal treatment.
 */
dental_prosthesis: boolean, 
/**
 * Orthodontics (ODF).
 */
orthodontics: boolean, 
/**
 * Long-term or chronic illness (ALD/ALC).
 */
chronic: boolean, };

/**
 * The ages of the statutes, from a date.
 */
export type CoverageRule = { effective_from: string, child_age: number, student_age: number, };

/**
 * What a fund coverage counts.
 */
export type CoverageUnit = "months" | "sessions";

export type CreateAdminRequest = { username: string, full_name: string, password: string, };

export type DeadlineRule = { effective_from: string, validity_months: number, 
/**
 * After the end of validity, for an original following a scan.
 */
original_grace_months: number, late_effect: LateEffect, 
/**
 * Days an incomplete dossier waits for its complement before it is
 * rejected (the rule in force on the day it is marked incomplete).
 */
complement_days: number, 
/**
 * The same for an incomplete approval or coverage request.
 */
approval_complement_days: number, };

export type DeathInput = { member_id: number, deceased_on: string, };

export type DecideRequest = { id: number, version: number, decision: Decision, };

export type Decision = { "type": "grant", grants: Array<GrantInput>, conditions?: string | null, medical_note?: string | null, } | { "type": "incomplete", reason: string, missing: Array<string>, medical_note?: string | null, } | { "type": "refuse", reason: string, 
/**
 * How to appeal; the usual wording when absent.
 */
appeal?: string | null, medical_note?: string | null, };

export type Declaration = { id: number, beneficiary_id: number, 
/**
 * `None` for every role but the medical one: they see that it exists, not what it is.
 */
condition: string | null, 
/**
 * The fund's exemption number: `None` for every role but the medical one.
 */
exemption_number: string | null, confidential: boolean, families: Array<string>, start_date: string, end_date: string, };

export type DeclarationInput = { beneficiary_id: number, 
/**
 * The condition (medical, read by the medical role only).
 */
condition: string, 
/**
 * Act families it covers (`reeducation`, `pharmacie`, …).
 */
families: Array<string>, start_date: string, 
/**
 * The fund's exemption number, as its decision states it.
 */
exemption_number?: string | null, };

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

export type DisabilityInput = { beneficiary_id: number, 
/**
 * The date of the certificate; `None` withdraws the flag.
 */
since?: string | null, 
/**
 * The certificate's reference (its number, who issued it).
 */
certificate: string, };

/**
 * A document type of the checklist.
 */
export type DocumentType = { code: string, 
/**
 * As the member reads it ("la facture").
 */
label: string, 
/**
 * Carries a rule of the claim form (seed 002); cannot be deactivated.
 */
builtin: boolean, active: boolean, version: number, };

export type DocumentTypeInput = { code?: string | null, version?: number, label: string, active?: boolean, };

/**
 * A dossier with the names the screens show beside its ids.
 */
export type Dossier = { id: number, form_number: string, member_id: number, matricule: string, 
/**
 * "LAST First" of the member.
 */
member_name: string, beneficiary_id: number, beneficiary_name: string, relation: Relation, kind: Kind, first_act_date: string, 
/**
 * Centimes.
 */
total_claimed: Centimes, pieces: number, status: Status, 
/**
 * The status in the member's words.
 */
status_label: string, 
/**
 * Catalogue code of the reason, when incomplete or rejected.
 */
reason_code: string | null, 
/**
 * The reason exactly as the member reads it.
 */
reason: string | null, assigned_to: number | null, assigned_name: string | null, urn_id: number | null, urn_name: string | null, collection_id: number | null, 
/**
 * When the scan came by e-mail, if it did.
 */
scanned_on: string | null, 
/**
 * When the paper original came out of an urn.
 */
original_received_on: string | null, validity_end: string, original_deadline: string, 
/**
 * Original received after its deadline ("hors délai").
 */
late: boolean, contents: Contents, 
/**
 * Codes of the documents the processor ticked as present.
 */
present: Array<string>, 
/**
 * Why the dossier was declared complete with documents missing.
 */
checklist_override: string | null, 
/**
 * Centimes paid on it (statements issue), for claw-backs.
 */
paid_amount: Centimes | null, 
/**
 * Day the dossier was first recorded.
 */
received_on: string, 
/**
 * Centimes reimbursed in total by the liquidation (before claw-backs).
 */
total_reimbursed: Centimes | null, payment_reference: string | null, 
/**
 * When incomplete: the last day for its complement, after which it is rejected.
 */
complement_due: string | null, paid_on: string | null, statement_number: string | null, version: number, };

/**
 * What the caller may do on the dossier now. The core decides it from the
 * workflow and the permissions of the operations; the window only shows it.
 */
export type DossierActions = { moves: Array<MoveOption>, 
/**
 * Tick what it contains and the documents present.
 */
tick_checklist: boolean, 
/**
 * Type or correct its care lines and the fund's coverages.
 */
edit_care_lines: boolean, liquidate: boolean, 
/**
 * Liquidated: the next payment batch pays it (for those who make batches).
 */
pay: boolean, 
/**
 * Its care lines are shown (being typed, or liquidated).
 */
show_care_lines: boolean, 
/**
 * Read and write the nature of the illness and the medical notes.
 */
read_medical: boolean, 
/**
 * Check the vignettes of the original paper against its pharmacy lines.
 */
check_original: boolean, };

/**
 * The fields reception records for each dossier.
 */
export type DossierInput = { 
/**
 * The claim form number, typed or scanned (`M21-0050533`).
 */
form_number: string, matricule: string, beneficiary_id: number, kind: Kind, first_act_date: string, 
/**
 * As typed: `2100`, `2 100,00`.
 */
total_claimed: string, pieces: number, 
/**
 * What the dossier contains (decides the checklist); the processor can change it.
 */
contents?: Contents, 
/**
 * Record it even though a similar dossier exists (same member,
 * beneficiary, first-act date and total).
 */
confirm_duplicate?: boolean, 
/**
 * From an urn (`dossier_record`): the open collection it is recorded in.
 */
collection_id?: number, 
/**
 * As a scan (`dossier_record_scan`): the day the e-mail came (today when absent).
 */
scanned_on?: string | null, 
/**
 * As a scan: the scanned files (PDF, JPG, PNG, at most 20 MB each).
 */
files?: Array<FileData>, };

/**
 * The medical side of a dossier, written by the medical advisor.
 */
export type DossierMedical = { dossier_id: number, 
/**
 * Nature of the illness (from the doctor's part of the form), diagnosis.
 */
nature: string, notes?: string, };

/**
 * The dossier page.
 */
export type DossierPage = { dossier: Dossier, checklist: ChecklistView, scans: Array<ScanInfo>, 
/**
 * What the caller may do on it now.
 */
can: DossierActions, 
/**
 * What the member's portal shows of it.
 */
member_view: MemberDossierView, history: Array<AuditEntry>, 
/**
 * The dossier has medical content or sealed pieces (every role sees that much).
 */
confidential: boolean, 
/**
 * The nature of the illness and notes: for the medical role only.
 */
medical: DossierMedical | null, 
/**
 * The total declared on the form, when the lines typed do not add up to it.
 */
declared_difference: string | null, };

/**
 * A dossier the member sent, and where its receipt was sent.
 */
export type DossierReceived = { dossier: MemberDossierView, receipt_sent_to: string | null, };

/**
 * A dossier by id or by form number (what a scanner types).
 */
export type DossierRef = { id?: number, form_number?: string | null, };

/**
 * A new dossier's scans, as the member sends them (FAQ: « envoyer la copie
 * scannée de votre dossier »); the paper original follows by an urn.
 */
export type DossierSent = { form_number: string, 
/**
 * The beneficiary's number in his space (1 = himself).
 */
beneficiary: number, kind: Kind, first_act_date: string, 
/**
 * As typed: `2100`, `2 100,00`.
 */
total_claimed: string, files: Array<Upload>, };

export type DrugDifference = { 
/**
 * `ajouté`, `retiré`, `modifié`.
 */
kind: string, code: string, name: string, 
/**
 * `PPV 98,00 → 108,00 ; taux 70 % → 0 %`
 */
detail: string, };

export type DrugFindRequest = { 
/**
 * Digits: the start of a code; else words of the name or DCI.
 */
query: string, 
/**
 * The day whose version is read (today when absent).
 */
day?: string | null, };

/**
 * Streamed while the import runs.
 */
export type DrugImportProgress = { 
/**
 * `lecture`, `comparaison`.
 */
phase: string, };

/**
 * What an import did, or would do (dry run), against the version in force
 * on its date.
 */
export type DrugImportReport = { effective_from: string, file_name: string, drugs: number, 
/**
 * The version it was compared with (in force on its date), if any.
 */
compared_with: string | null, added: number, removed: number, changed: number, 
/**
 * Drugs kept without a reference price, or at 0 %: never reimbursed.
 */
without_base: number, not_reimbursable: number, 
/**
 * The first differences, for the administrator to read.
 */
differences: Array<DrugDifference>, 
/**
 * The file holds exactly the version in force: nothing was saved.
 */
identical: boolean, saved: boolean, };

export type DrugImportRequest = { 
/**
 * The list the fund publishes (`.csv`, `.xlsx`).
 */
file: FileData, 
/**
 * The day this version takes effect.
 */
effective_from: string, 
/**
 * Report what would change; write nothing.
 */
dry_run?: boolean, };

/**
 * One version of the list.
 */
export type DrugListVersion = { id: number, effective_from: string, file_name: string, drugs: number, created_at: string, created_by: string, };

/**
 * What the search answers: the version it read and the drugs found.
 */
export type DrugSearch = { version: DrugListVersion | null, drugs: Array<FoundDrug>, };

export type EmployerList = { employers: Array<string>, };

/**
 * A request with no parameters: `{}`.
 */
export type Empty = Record<string, never>;

/**
 * The small, closed set of error codes the window and scripts can branch on.
 */
export type ErrorCode = "validation" | "not_found" | "conflict" | "forbidden" | "unauthenticated" | "too_many_requests" | "unavailable" | "internal";

/**
 * A granted act ending soon: renewal is asked a month ahead.
 */
export type Expiring = { request_id: number, number: string, kind_label: string, matricule: string, member_name: string, beneficiary_name: string, provider_name: string | null, grant: Grant, };

/**
 * A fund coverage ending soon, with its member: the desk reminds him to
 * ask the fund for its renewal.
 */
export type ExpiringCoverage = { matricule: string, member_name: string, coverage: FundCoverage, };

/**
 * A declaration ending soon, with who it concerns (the condition for the medical role only).
 */
export type ExpiringDeclaration = { declaration: Declaration, matricule: string, member_name: string, beneficiary_name: string, };

export type ExpiringRequest = { 
/**
 * Ending within this many days (30 when absent: renewal is asked a month ahead, `RENEWAL_NOTICE_DAYS`).
 */
days?: number, };

/**
 * What a column can hold.
 */
export type Field = "matricule" | "cnie" | "last_name" | "first_name" | "full_name" | "birth_date" | "employer" | "status" | "address" | "gsm" | "email" | "rib" | "affiliation_date" | "end_date" | "relation" | "suspended_from" | "suspended_to" | "suspension_reason";

/**
 * A file an operation gives back (a statement, a list, a member's PDF, the
 * mutual's logo): its bytes travel as base64 in JSON, encoded and decoded
 * here only.
 */
export type FileData = { 
/**
 * The name to save it under.
 */
name: string, media_type: string, content: string, };

/**
 * A piece given at registration or as a complement: a file on disk.
 */
export type FileInput = { file: FileData, piece: Piece, 
/**
 * Handed in a sealed envelope (pli confidentiel).
 */
confidential?: boolean, };

/**
 * A file of one record the user asked for: the record, and the file's name
 * (where it goes is the caller's, [`crate::api::edge`]).
 */
export type FileRequest = { id: number, name: string, };

/**
 * A drug found, with the label the statements print.
 */
export type FoundDrug = { label: string, 
/**
 * The box's 13-digit code (`6118000032779`).
 */
code: string, name: string, dci: string | null, dosage: string | null, dosage_unit: string | null, form: string | null, presentation: string | null, 
/**
 * Public price (PPV), centimes.
 */
ppv: Centimes | null, 
/**
 * Hospital price (PH), centimes.
 */
ph: Centimes | null, 
/**
 * Reference price (PRIX_BR), the base of reimbursement, centimes.
 */
prix_br: Centimes | null, 
/**
 * `P` princeps, `G` generic.
 */
princeps: string | null, 
/**
 * The fund's rate in basis points (7000 = 70 %); 0: not reimbursable.
 */
rate: number | null, };

export type FundActForm = { 
/**
 * The fund's act code (`IMP2`).
 */
code: string, 
/**
 * The acts it covers, separated by commas or spaces (`PSYMOT, ORTHO`).
 */
acts: string, };

export type FundCoverage = { id: number, number: string, fund_act: string, member_id: number, beneficiary_id: number, beneficiary_name: string, provider: string, unit: CoverageUnit, quantity: number, 
/**
 * Months or sessions already used by liquidated lines.
 */
used: number, valid_from: string, valid_to: string, tariff: Centimes, fund_share: Centimes, member_share: Centimes, 
/**
 * The acts of the rule set this coverage covers.
 */
acts: Array<string>, insured_name: string | null, insured_number: string | null, };

/**
 * A fund coverage as the desk types it from the fund's letter.
 */
export type FundCoverageInput = { 
/**
 * The fund's number (`76372825`).
 */
number: string, 
/**
 * The fund's act code (`IMP2`).
 */
fund_act: string, beneficiary_id: number, provider: string, unit: CoverageUnit, quantity: number, valid_from: string, valid_to: string, 
/**
 * Per month or per session, as typed (`800`, `700,00`).
 */
tariff: string, fund_share: string, member_share: string, 
/**
 * The fund's insured and his registration number, as the letter states
 * them (the other parent, when the child is covered through him).
 */
insured_name?: string | null, insured_number?: string | null, };

/**
 * A beneficiary's AMO fund, and the fund's insured where that is not the member.
 */
export type FundInput = { beneficiary_id: number, 
/**
 * `CNOPS`, `CNSS`, `aucune`; empty: the members' fund.
 */
amo_fund: string, insured_name: string, insured_number: string, };

export type FundSlip = { id: number, 
/**
 * `BORD-202303-00001`.
 */
reference: string, fund_name: string, period_from: string, period_to: string, dossier_count: number, total_base: Centimes, 
/**
 * The AMO parts the fund owes on these dossiers.
 */
total_amo: Centimes, 
/**
 * Negative lines: AMO parts of dossiers clawed back after the fund paid them.
 */
return_count: number, total_returned: Centimes, 
/**
 * What the fund owes on the slip: `total_amo - total_returned` (negative: it is owed).
 */
net: Centimes, 
/**
 * Lines the fund confirmed (a dossier's part paid, a return acknowledged).
 */
confirmed_count: number, confirmed_on: string | null, };

/**
 * A granted act with what it has left.
 */
export type Grant = { id: number, act_code: string, unit: Unit, granted: number, used: number, left: number, valid_from: string, valid_to: string, 
/**
 * Per unit (a session, a month), centimes; the two shares make the tariff.
 */
tariff: Centimes, mutual_share: Centimes, member_share: Centimes, };

/**
 * An act granted, as the medical advisor types it.
 */
export type GrantInput = { act_code: string, unit: Unit, 
/**
 * Sessions or months granted.
 */
quantity?: number, 
/**
 * For an amount: as typed, `1 500,00`.
 */
amount?: string | null, valid_from: string, valid_to: string, 
/**
 * Per session or month (or for the whole amount): the two shares make it.
 */
tariff: string, mutual_share: string, member_share: string, };

/**
 * The rates of one group of care, in percent as typed (`80`, `72,5`).
 */
export type GroupForm = { 
/**
 * The key the acts name (`consultation`, `protheses_dentaires`).
 */
code: string, label: string, 
/**
 * The fund's share of the base.
 */
amo_rate: string, 
/**
 * The mutual's share of what the member bears under the base.
 */
member_share: string, 
/**
 * The mutual's share of what is charged above the base.
 */
above_base: string, 
/**
 * Where its AMO rate comes from (`Décret 2-05-736, art. 1er, 1°`).
 */
source: string, };

export type Home = { tiles: Array<Tile>, 
/**
 * What the administrator has to do (« 12 actes sans tarif : B, AMI, … »).
 */
reminders: Array<string>, 
/**
 * The last 12 weeks, oldest first.
 */
weeks: Array<Week>, };

export type IdRequest = { id: number, };

export type ImportPhase = "lecture" | "verification" | "ecriture" | "termine";

/**
 * Streamed to the window while the import runs.
 */
export type ImportProgress = { phase: ImportPhase, done: number, total: number, };

export type ImportReport = { 
/**
 * Non-blank data rows of the members sheet.
 */
rows: number, created: number, updated: number, unchanged: number, 
/**
 * Registered members whose RIB differs in the file: each is now a
 * pending update request (their RIB is left as it was).
 */
rib_requests: number, rejected: Array<RejectedRow>, dry_run: boolean, sheet: string, header_row: number, columns: Array<DetectedColumn>, 
/**
 * The optional beneficiaries sheet.
 */
beneficiaries: BeneficiaryCounts | null, 
/**
 * Periods of suspended rights the file reports, new or changed.
 */
suspensions: number, };

/**
 * What the import screen and `guichet import-members` send.
 */
export type ImportRequest = { 
/**
 * The file to read (`.xlsx`, `.xls`, `.ods`, `.csv`).
 */
file: FileData, 
/**
 * Field code → header text or column letter, where the guess is wrong.
 */
mapping?: { [key in string]?: string }, 
/**
 * Report only; write nothing.
 */
dry_run?: boolean, };

/**
 * A provider's invoice with its liquidation and, once paid, its payment.
 */
export type Invoice = { id: number, provider_id: number, provider_name: string, invoice_number: string, invoice_date: string, approval_number: string, member_id: number, matricule: string, member_name: string, beneficiary_name: string, 
/**
 * The fund that owes the AMO part the mutual advanced.
 */
fund_name: string, total_charged: Centimes, total_amo: Centimes, total_complementary: Centimes, 
/**
 * What the mutual pays the provider.
 */
mutual_pays: Centimes, total_remainder: Centimes, lines: Array<InvoiceLine>, batch_reference: string | null, payment_reference: string | null, paid_on: string | null, created_at: string, created_by: string, };

/**
 * Which invoices to list: one provider's, one member's, those of a
 * payment batch, or (none given) those waiting to be paid.
 */
export type InvoiceFilter = { provider_id?: number, member_id?: number, batch_id?: number, };

/**
 * An invoice as the claims desk types it from the provider's paper.
 */
export type InvoiceInput = { provider_id: number, 
/**
 * The approval's number (`PEC-2026-000042`, `AP-2026-000043`).
 */
approval_number: string, invoice_number: string, invoice_date: string, lines: Array<InvoiceLineInput>, };

/**
 * A liquidated invoice line.
 */
export type InvoiceLine = { date: string, act_code: string, quantity: number, charged: Centimes, base: Centimes, 
/**
 * Per ten thousand (8000 = 80 %).
 */
rate: number, amo: Centimes, complementary: Centimes, 
/**
 * What the member keeps to pay the provider.
 */
remainder: Centimes, explanation: Array<string>, };

export type InvoiceLineInput = { date: string, act_code: string, 
/**
 * Sessions, months or units (1 when absent).
 */
quantity: number, 
/**
 * What the provider charged for the line, as typed (`2 000,00`).
 */
charged: string, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

export type KeyValueForm = { letter: string, 
/**
 * In dirhams, as typed (`80`, `1,10`); empty while the letter has no
 * price yet (its acts are listed as without a tariff).
 */
value: string, 
/**
 * Where the value comes from (`Arrêté 1961-06, grille n° 1`).
 */
source: string, };

/**
 * Kind of care, as ticked on the claim form.
 */
export type Kind = "maladie" | "dentaire" | "optique" | "autres";

/**
 * What happens to an original received after its deadline.
 */
export type LateEffect = "reject" | "flag_only";

export type LiquidateRequest = { id: number, version: number, };

/**
 * The result of liquidating a dossier.
 */
export type LiquidationView = { lines: Array<StoredLine>, total_charged: Centimes, 
/**
 * Already paid to providers by the fund or the mutual.
 */
total_paid_by_others: Centimes, 
/**
 * The AMO parts, whoever receives them.
 */
total_amo: Centimes, total_complementary: Centimes, 
/**
 * What the member is reimbursed (AMO due to him + complementary).
 */
total_reimbursed: Centimes, 
/**
 * The member's remaining charge.
 */
total_remainder: Centimes, 
/**
 * The AMO fund's name and what it pays the member itself.
 */
fund_name: string, fund_pays: Centimes, 
/**
 * Claw-backs deducted now (centimes).
 */
clawback_deducted: Centimes, 
/**
 * What the mutual transfers to the member.
 */
net_paid: Centimes, version: number, };

/**
 * How long a desk may stay idle before it locks.
 */
export type LockSettings = { 
/**
 * Minutes, 1 to 240 (a value of 0 stored before still reads as never).
 */
idle_lock_minutes: number, };

/**
 * A desk just locked: what its lock screen says.
 */
export type Locked = { message: string, };

export type LoginRequest = { username: string, password: string, };

export type LogoInfo = { present: boolean, 
/**
 * Pixels.
 */
width: number, height: number, };

export type LogoRequest = { 
/**
 * A PNG file; none: the logo is taken off.
 */
file?: FileData | null, };

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
 * A dossier as the member's portal shows it, in the portal's words.
 */
export type MemberDossierView = { form_number: string, kind: string, beneficiary: string, received_on: string, status: string, tone: Tone, 
/**
 * Why it is incomplete or rejected, as the member reads it.
 */
reason: string | null, 
/**
 * The documents to send, when incomplete.
 */
missing: Array<string>, 
/**
 * How to send a complement, when incomplete, and by which day.
 */
how_to_complete: string | null, 
/**
 * When incomplete: the last day for the complement (`15/01/2027`).
 */
complement_due: string | null, 
/**
 * A dossier sent as a scan whose paper original has not come yet:
 * `Original attendu avant le 05/03/2023`.
 */
original_expected: string | null, };

export type MemberIdRequest = { member_id: number, };

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
export type MemberPage = { member: Member, beneficiaries: Array<Beneficiary>, 
/**
 * Each beneficiary's coverage today and its end; suspensions; death.
 */
rights: MemberRights, history: Array<AuditEntry>, };

export type MemberRef = { id?: number, matricule?: string, };

/**
 * What decides a family's coverage today, as the member's page shows it.
 */
export type MemberRights = { deceased_on: string | null, suspensions: Array<Suspension>, 
/**
 * Each beneficiary's coverage today and its end.
 */
coverage: Array<BeneficiaryCoverage>, };

export type MemberRightsRequest = { member_id: number, };

export type MemberStatementRequest = { matricule: string, from: string, to: string, name: string, };

export type MemberStatus = "actif" | "pensionne" | "autre";

export type MemberUpdateRequest = { id: number, version: number, member: MemberInput, };

/**
 * A move a staff member asks for.
 */
export type Move = "take" | "mark_complete" | "mark_incomplete" | "reject" | "complement_received" | "reopen";

/**
 * A move the caller may make, with its button's words.
 */
export type MoveOption = { move: Move, label: string, };

/**
 * A move asked by a staff member.
 */
export type MoveRequest = { id: number, 
/**
 * The version read; another desk's change in between gives `conflict`.
 */
version: number, move: Move, 
/**
 * Catalogue reason (incomplete, rejected).
 */
reason_code?: string | null, 
/**
 * Free text the member reads, alone or after the catalogue reason; for a
 * reopening, why.
 */
reason_text?: string | null, 
/**
 * Complement received: what came. Complete with documents missing: why.
 */
note?: string | null, };

/**
 * The mutual's name and address, printed on its documents, and the law
 * 09-08 notice printed at the end of its statements.
 */
export type MutualSettings = { mutual_name: string, mutual_address: string, 
/**
 * Absent when saving: unchanged.
 */
privacy_notice?: string | null, 
/**
 * Days a member has to contest a refusal, printed on refusal letters
 * (1 to 365; absent when saving: unchanged).
 */
appeal_days?: number | null, };

export type NameRequest = { 
/**
 * The file's name; where it goes is the caller's ([`crate::api::edge`]).
 */
name: string, };

/**
 * A new account as the form sends it.
 */
export type NewStaff = { username: string, full_name: string, roles: Array<Role>, password: string, };

/**
 * No request.
 */
export type Nothing = Record<string, never>;

/**
 * The vignettes scanned on the original paper, against the lines saved.
 */
export type OriginalCheck = { dossier_id: number, 
/**
 * Each vignette's code, as the scanner typed it (a code twice: two boxes).
 */
codes: Array<string>, };

export type OriginalChecked = { 
/**
 * The original carries the same drugs and boxes as the lines.
 */
matches: boolean, 
/**
 * One sentence per difference: `6118000032779 : 2 boîtes saisies, 1 vignette sur l'original.`
 */
differences: Array<string>, };

/**
 * What recording did.
 */
export type Outcome = "created" | "original_received";

export type OverdueApplied = { 
/**
 * Dossiers newly flagged "hors délai".
 */
flagged: number, rejected: number, clawbacks: number, 
/**
 * Centimes clawed back from members by this run: what the mutual paid them.
 */
clawed_back: Centimes, 
/**
 * AMO parts already sent to the fund, now owed back to it on the next slip.
 */
returned_to_fund: Centimes, };

/**
 * A scanned dossier whose original is overdue.
 */
export type OverdueOriginal = { dossier: Dossier, days_late: number, 
/**
 * Centimes clawed back from the member, if it was paid.
 */
clawback: Centimes | null, };

/**
 * A partner provider as the member's page lists it (« Centres conventionnés »).
 */
export type Partner = { 
/**
 * What a coverage request from his space names.
 */
id: number, name: string, 
/**
 * What it does (« Institut médico-pédagogique », « Laboratoire »…).
 */
kind: string, city: string, address: string, };

export type PartnerSearch = { search: string, };

export type PasswordChangeRequest = { current_password: string, new_password: string, };

export type PayRequest = { 
/**
 * The liquidated dossiers to pay; all of them when empty.
 */
dossier_ids?: Array<number>, 
/**
 * Today when absent.
 */
pay_date?: string | null, };

/**
 * The AMO fund or the mutual: who pays the member's AMO part, or who paid a
 * provider directly.
 */
export type Payer = "fonds" | "mutuelle";

export type PaymentBatch = { id: number, reference: string, pay_date: string, dossier_count: number, 
/**
 * Transfers: one per member paid something.
 */
transfer_count: number, 
/**
 * Centimes.
 */
total: Centimes, };

export type PaymentReturnRequest = { payment_reference: string, 
/**
 * As the bank's notice gives it: `compte clôturé`, `RIB erroné`.
 */
reason: string, 
/**
 * Today when absent.
 */
returned_on?: string | null, };

export type PaymentReturned = { 
/**
 * Dossiers put back to pay.
 */
dossiers: number, };

export type PaymentStatementRequest = { 
/**
 * The transfer's reference (`VIR-20230310-00001/0001`).
 */
payment_reference: string, name: string, };

/**
 * What an operation needs. `Public` and `Authenticated` are for the session
 * operations; the rest are granted by roles in [`permissions_of`].
 */
export type Permission = "public" | "authenticated" | "own_space" | "members_read" | "members_write" | "reception_work" | "dossiers_read" | "dossiers_process" | "dossiers_oversee" | "scans_attach" | "complements_receive" | "dossiers_reopen" | "overdue_enforce" | "approvals_read" | "approvals_register" | "chronic_read" | "medical_review" | "medical_read" | "statements_read" | "statements_produce" | "provider_accounts" | "staff_manage" | "audit_read" | "settings_manage";

/**
 * Pieces of a request. The copy of the ID card and of the badge are required.
 */
export type Piece = "cnie" | "badge" | "prescription" | "quotation" | "medical_report" | "other";

/**
 * A piece joined to a change request: what it is, and the file.
 */
export type PieceUpload = { piece: UpdatePiece, file: Upload, };

export type PortalApproval = { number: string, kind: string, beneficiary: string, received_on: string, status: string, tone: Tone, reason: string | null, missing: Array<string>, 
/**
 * When incomplete: the last day for the complement.
 */
complement_due: string | null, 
/**
 * What was granted: `IMP2 : 10 mois du 01/09/2022 au 30/06/2023, reste 9 mois`.
 */
granted: Array<string>, 
/**
 * A letter exists once decided (approval, coverage, refusal, pieces).
 */
letter_available: boolean, 
/**
 * A grant ending within a month: when, and that renewal is asked now.
 */
renew: string | null, };

export type PortalBeneficiary = { 
/**
 * 1 = the member himself, as on the desk's forms.
 */
number: number, name: string, relation: string, birth_date: string | null, 
/**
 * In the words of the desk's page, from the one rule of who is covered (`members::coverage`):
 * `Couvert(e) jusqu'au 05/07/2037 (21 ans ; au-delà, certificat de scolarité)`, or why not.
 */
coverage: string, };

export type PortalDossier = { 
/**
 * `1 100,00 DH`.
 */
claimed: string, 
/**
 * Once paid: what was paid and when.
 */
paid: string | null, 
/**
 * Once liquidated: each part, who pays it and when (`Part AMO : 64,00 DH,
 * versée par CNOPS le 05/04/2023`), what others paid the provider, the
 * remaining charge, a transfer the bank returned.
 */
parts: Array<string>, form_number: string, kind: string, beneficiary: string, received_on: string, status: string, tone: Tone, 
/**
 * Why it is incomplete or rejected, as the member reads it.
 */
reason: string | null, 
/**
 * The documents to send, when incomplete.
 */
missing: Array<string>, 
/**
 * How to send a complement, when incomplete, and by which day.
 */
how_to_complete: string | null, 
/**
 * When incomplete: the last day for the complement (`15/01/2027`).
 */
complement_due: string | null, 
/**
 * A dossier sent as a scan whose paper original has not come yet:
 * `Original attendu avant le 05/03/2023`.
 */
original_expected: string | null, };

export type PortalForgotRequest = { identifier: string, };

/**
 * A coverage the AMO fund issued (its letter entered at the desk).
 */
export type PortalFundCoverage = { 
/**
 * `Prise en charge de la caisse AMO n° 76372825 (IMP2, ANAIS)`.
 */
title: string, beneficiary: string, 
/**
 * `10 mois du 01/09/2022 au 30/06/2023, 9 utilisés`.
 */
detail: string, renew: string | null, };

export type PortalIdentity = { matricule: string, name: string, birth_date: string | null, employer: string | null, status: string, address: string | null, gsm: string | null, email: string | null, 
/**
 * Only the last four digits: what the portal shows and the desk may read aloud.
 */
rib: string, };

export type PortalLoginRequest = { 
/**
 * His matricule or his e-mail address.
 */
identifier: string, password: string, };

/**
 * The number of one of his dossiers, statements, letters or requests.
 */
export type PortalNumber = { number: string, };

/**
 * The form token of the session just opened (its token goes in a cookie the page never reads).
 */
export type PortalOpened = { csrf: string, };

export type PortalPeriod = { from: string, to: string, };

export type PortalStatement = { number: string, form_number: string, paid_on: string, amount: string, payment_reference: string | null, 
/**
 * Who paid him what, in his words: « La mutuelle vous a versé 16,00 DH »,
 * and « CNOPS vous verse 64,00 DH » when the fund pays its part itself.
 */
paid_by: Array<string>, };

export type PortalUpdate = { 
/**
 * The request's number, on its receipt.
 */
number: number, kind: string, summary: string, received_on: string, status: string, tone: Tone, reason: string | null, };

export type PortalView = { identity: PortalIdentity, beneficiaries: Array<PortalBeneficiary>, dossiers: Array<PortalDossier>, statements: Array<PortalStatement>, approvals: Array<PortalApproval>, 
/**
 * The fund's coverages, latest first.
 */
fund_coverages: Array<PortalFundCoverage>, 
/**
 * Invoices of his providers the mutual paid (or will pay) directly, latest first.
 */
direct_payments: Array<string>, 
/**
 * The care he may ask an approval for (« Déposer une demande »).
 */
approval_care: Array<CareChoice>, 
/**
 * His update requests, newest first: pending, validated, and refused
 * ones with their reason (the guides' « historique de vos demandes »).
 */
updates: Array<PortalUpdate>, };

/**
 * Who is logged in, and his session's form token (a page reloaded asks it).
 */
export type PortalWho = { csrf: string, matricule: string, };

/**
 * How an act's reference amount is found.
 */
export type Pricing = { "type": "key_letter" } | { "type": "reference", unit_price: Centimes | null, } | { "type": "agreement" } | { "type": "drug" };

/**
 * How an act is priced, in the editor's words.
 */
export type PricingForm = "key_letter" | "unit_price" | "unpriced" | "agreement" | "drug";

/**
 * A pharmacy line the scans propose.
 */
export type ProposedLine = { drug_code: string, boxes: number, 
/**
 * The drug's name and presentation, or `None` when the list does not have it.
 */
label: string | null, 
/**
 * The pages (across the dossier's scans, from 1) its vignettes stand on.
 */
pages: Array<number>, };

export type Provider = { id: number, name: string, 
/**
 * Clinique, laboratoire, centre de rééducation, institut…
 */
kind: string, city: string, address: string, 
/**
 * Reference of the agreement (convention) with the mutual.
 */
agreement: string, active: boolean, version: number, };

export type ProviderBatch = { id: number, 
/**
 * `PRE-20230220-00001`.
 */
reference: string, pay_date: string, invoice_count: number, 
/**
 * One per provider paid something.
 */
transfer_count: number, total: Centimes, };

/**
 * A provider to create (no id) or change (id and version).
 */
export type ProviderInput = { id?: number, version?: number, name: string, kind: string, city?: string, address?: string, agreement?: string, active?: boolean, };

export type ProviderListRequest = { 
/**
 * Include providers no longer partners (administration screen).
 */
all?: boolean, };

export type ProviderPayRequest = { 
/**
 * The invoices to pay; every one waiting when empty.
 */
invoice_ids?: Array<number>, 
/**
 * Today when absent.
 */
pay_date?: string | null, };

/**
 * What a code is for.
 */
export type Purpose = "activation" | "reset";

export type QueueExport = { filter: QueueFilter, 
/**
 * The file's name; where it goes is the caller's.
 */
name: string, };

export type QueueFilter = { status?: Status | null, urn_id?: number, kind?: Kind | null, 
/**
 * Only the dossiers assigned to the caller.
 */
mine?: boolean, 
/**
 * Only dossiers past their validity end and not yet decided.
 */
overdue?: boolean, 
/**
 * 0-based page of 50.
 */
page?: number, };

export type QueuePage = { rows: Array<Dossier>, 
/**
 * More rows after this page.
 */
more: boolean, page: number, 
/**
 * Per status, under the other filters.
 */
counts: Array<StatusCount>, };

export type ReadsRequest = { from?: string, to?: string, };

/**
 * A reason of the catalogue.
 */
export type Reason = { code: string, 
/**
 * As the member reads it.
 */
label: string, active: boolean, version: number, };

/**
 * A reason to create (no code) or change (code and version).
 */
export type ReasonInput = { code?: string | null, version?: number, label: string, active?: boolean, };

export type ReasonListRequest = { all?: boolean, };

export type Recorded = { outcome: Outcome, dossier: Dossier, 
/**
 * One French sentence for the reception desk's status line.
 */
message: string, };

export type RejectedExportRequest = { rejected: Array<RejectedRow>, 
/**
 * The `.xlsx` file's name; where it goes is the caller's.
 */
name: string, };

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

export type ReleveRequest = { batch_id: number, provider_id: number, name: string, };

/**
 * A request with its decision, as the caller may read it.
 */
export type Request = { id: number, number: string, kind: RequestKind, kind_label: string, member_id: number, matricule: string, member_name: string, beneficiary_id: number, beneficiary_name: string, provider_id: number | null, provider_name: string | null, prescriber: string, sent_by: SentBy, expected_from: string, expected_to: string, quotation: Centimes, acts: Array<RequestedAct>, status: RequestStatus, 
/**
 * The status in the member's words.
 */
status_label: string, received_on: string, 
/**
 * Since registration or the last complement (the medical queue's order).
 */
waiting_since: string, decided_at: string | null, decided_by: string | null, 
/**
 * Why incomplete or refused, as the member reads it.
 */
reason: string | null, missing: Array<string>, 
/**
 * When incomplete: the last day for the complement, after which the
 * request is closed as refused.
 */
complement_due: string | null, appeal: string | null, conditions: string | null, grants: Array<Grant>, files: Array<RequestFile>, 
/**
 * Medical information sent with the request (diagnosis…): medical role only.
 */
medical_info: string | null, 
/**
 * The advisor's notes: medical role only.
 */
medical_note: string | null, 
/**
 * There is medical content the caller is not shown.
 */
confidential: boolean, version: number, };

/**
 * A stored piece, without its content.
 */
export type RequestFile = { id: number, piece: Piece, 
/**
 * A sealed envelope: the medical role opens it; others see that it exists.
 */
confidential: boolean, file_name: string, media_type: string, size: number, sha256: string, };

export type RequestFileContent = { info: RequestFile, 
/**
 * Base64 of the file, for display in the window.
 */
base64: string, };

export type RequestFilter = { status?: RequestStatus, member_id?: number, };

export type RequestInput = { kind: RequestKind, beneficiary_id: number, acts: Array<RequestedAct>, 
/**
 * Required for a coverage: the partner provider paid directly.
 */
provider_id?: number, prescriber: string, sent_by: SentBy, expected_from: string, expected_to: string, 
/**
 * As typed: `8 000,00`.
 */
quotation: string, 
/**
 * Medical information sent with it (read by the medical role only).
 */
medical_info?: string | null, files: Array<FileInput>, 
/**
 * Day it reached the mutual; today when absent.
 */
received_on?: string | null, };

/**
 * Prior approval (before the care) or coverage (the mutual pays the provider).
 */
export type RequestKind = "prior_approval" | "coverage";

/**
 * A row of the lists and of the medical queue (no medical content ever).
 */
export type RequestRow = { id: number, number: string, kind: RequestKind, kind_label: string, matricule: string, member_name: string, beneficiary_name: string, provider_name: string | null, status: RequestStatus, status_label: string, received_on: string, 
/**
 * Whole days since registration or the last complement.
 */
waiting_days: number, confidential: boolean, };

/**
 * Where a request stands. Waiting and incomplete requests are undecided; a
 * granted or refused one is final (a new request is made to renew or appeal).
 */
export type RequestStatus = "en_attente" | "incomplet" | "accorde" | "refuse";

/**
 * An act asked for.
 */
export type RequestedAct = { 
/**
 * `IMP2`, `PSYMOT`, `ORTHO`, `K 50`…
 */
act_code: string, label: string, 
/**
 * Coefficient or quantity (1 when absent).
 */
quantity: number, sessions?: number, months?: number, };

/**
 * The form to choose a new password with a code.
 */
export type Reset = { matricule: string, code: string, password: string, };

export type RestoreReport = { 
/**
 * The database restored into, without its password.
 */
database: string, members: number, dossiers: number, audit_rows: number, 
/**
 * The restored journal's hash chain is whole.
 */
journal_intact: boolean, };

export type RestoredCopy = { report: RestoreReport, 
/**
 * The new database the desk may switch to (`database_configure`).
 */
url: string, };

export type ReviewStatus = "en_attente" | "valide" | "refuse";

export type RibDecideRequest = { id: number, version: number, decision: RibDecision, };

export type RibDecision = { "type": "validate" } | { "type": "refuse", reason: string, };

/**
 * A request to change a provider's account, as the desk lists it.
 */
export type RibRequest = { id: number, provider_id: number, provider_name: string, 
/**
 * The new RIB, printed in its groups.
 */
rib: string, 
/**
 * The account in force, masked.
 */
current: string, status: ReviewStatus, reason: string | null, certificate: string, created_at: string, created_by: string, decided_at: string | null, decided_by: string | null, version: number, };

export type RibRequestInput = { provider_id: number, rib: string, 
/**
 * The bank certificate (attestation de RIB): PDF, JPG or PNG.
 */
file: FileData, };

/**
 * A staff member's roles; one person may hold several.
 */
export type Role = "reception" | "claims" | "medical" | "admin";

export type RuleSet = { effective_from: string, 
/**
 * Centimes per coefficient unit, per key letter.
 */
key_values: Record<string, number>, acts: Array<Act>, 
/**
 * Per group of care (an act's `family`): the fund's rate and the mutual's rule.
 */
groups: Record<string, CareGroup>, 
/**
 * The most the mutual pays of a group, per beneficiary or per family,
 * each year or every N years (optics every 2 years).
 */
ceilings: Array<Ceiling>, 
/**
 * The AMO fund's act codes and the acts of this set they cover (`IMP2`
 * covers `PSYMOT` and `ORTHO`): the lines of a period covered by one of
 * the fund's coverages find it through this map.
 */
fund_acts: Record<string, Array<string>>, 
/**
 * Where each value comes from, per key letter or act code (`C`: « Arrêté
 * 1961-06 du 4 août 2006, grille n° 1 »), and per group (`groupe:consultation`).
 */
sources: Record<string, string>, };

export type RuleSetForm = { effective_from: string, key_values: Array<KeyValueForm>, acts: Array<ActForm>, groups: Array<GroupForm>, ceilings: Array<CeilingForm>, fund_acts: Array<FundActForm>, };

export type RuleSetFormRequest = { 
/**
 * The set in force on this day; the latest when absent.
 */
on?: string | null, };

export type RuleSetPreview = { rules: RuleSet, 
/**
 * How it differs from the set in force on its date, one sentence each.
 */
differences: Array<string>, };

/**
 * What the portal says once a door's form is done.
 */
export type Said = { message: string, };

/**
 * What the caller is told once the file is written.
 */
export type Saved = { 
/**
 * Where it was written, on the caller's machine.
 */
path: string, bytes: number, };

export type ScanContent = { info: ScanInfo, 
/**
 * Base64 of the file, for display in the window.
 */
base64: string, };

/**
 * A stored scan, without its content.
 */
export type ScanInfo = { id: number, file_name: string, media_type: string, size: number, sha256: string, created_at: string, created_by: string, 
/**
 * Handed in a sealed envelope (pli confidentiel): the medical role only opens it.
 */
confidential: boolean, };

export type ScansAdd = { id: number, files: Array<FileData>, 
/**
 * Handed in a sealed envelope (pli confidentiel): opened by the medical role only.
 */
confidential?: boolean, };

export type SchoolingInput = { beneficiary_id: number, 
/**
 * `2039-2040`.
 */
school_year: string, school: string, };

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
 * How a code reaches the member.
 */
export type SendChannel = "letter" | "email" | "sms";

export type SentBy = "member" | "provider";

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
 * The database in use, without its password (through the Guichet
 * server: `serveur Guichet`, its location stays on the server).
 */
database: string, 
/**
 * The version of Guichet that answers (through a server: the server's).
 */
version: string, 
/**
 * The database's schema version (its last migration).
 */
schema: number, };

/**
 * A period's AMO parts to one fund (named when several are owed).
 */
export type SlipRequest = { from: string, to: string, fund_name?: string | null, };

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
 * After an administrator's reset: the holder chooses his own password
 * before anything else.
 */
must_change_password: boolean, 
/**
 * Optimistic-lock counter: an update names the version it read.
 */
version: number, };

export type StaffRef = { id?: number, username?: string, };

/**
 * A change of an account waiting for a second administrator.
 */
export type StaffRequest = { id: number, staff_id: number, username: string, 
/**
 * `roles` or `password_reset`.
 */
kind: string, 
/**
 * In the administrators' words: « Rôles : Gestionnaire, Médecin conseil ».
 */
summary: string, status: ReviewStatus, created_at: string, created_by: string, decided_at: string | null, decided_by: string | null, };

export type StaffRequestDecision = { id: number, 
/**
 * True validates (the change is applied), false refuses.
 */
approve: boolean, };

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

export type StatementBatchRequest = { from: string, to: string, 
/**
 * Names of the files an earlier run already wrote, their members
 * skipped: an interrupted run goes on where it stopped.
 */
existing?: Array<string>, };

export type Status = "recu" | "en_cours" | "incomplet" | "complet" | "rejete" | "liquide" | "paye";

export type StatusCount = { status: Status, label: string, count: number, };

/**
 * A status with the words the desk and the member read.
 */
export type StatusOption = { status: Status, label: string, };

/**
 * A stored care line with, once liquidated, its figures.
 */
export type StoredLine = { id: number, date: string, beneficiary_id: number, act: string, quantity: number, charged: Centimes, provider: string | null, invoice_number: string | null, 
/**
 * What the act is called (`Psychomotricité (séance)`), from the rules of its date.
 */
label: string, 
/**
 * Already paid to the provider by the fund, by the mutual (centimes).
 */
paid_by_fund: Centimes, paid_by_mutual: Centimes, 
/**
 * The fund's coverage that priced the line.
 */
coverage_number: string | null, accepted: boolean | null, base: Centimes | null, 
/**
 * The fund's rate on the base, basis points.
 */
rate: number | null, 
/**
 * The fund exempted the member from his part (chronic illness): shown
 * « exonéré (ALD) », never the illness.
 */
exempted: boolean, amo: Centimes | null, complementary: Centimes | null, 
/**
 * The AMO part due to the member (the AMO part less what the fund paid the provider).
 */
amo_to_member: Centimes | null, reimbursed: Centimes | null, remainder: Centimes | null, 
/**
 * Why it was rejected, as the member reads it.
 */
reason: string | null, 
/**
 * How each figure was reached.
 */
explanation: Array<string>, 
/**
 * A pharmacy line's drug code, and the version of the list that priced it once liquidated.
 */
drug_code: string | null, vignette_price: Centimes | null, 
/**
 * What the processor should look at before liquidating (a code absent
 * from the list, a vignette at another price…).
 */
warnings: Array<string>, };

/**
 * A period of suspended rights; `end` open while it lasts.
 */
export type Suspension = { id: number, start: string, end: string | null, reason: SuspensionReason, reason_label: string, };

export type SuspensionInput = { member_id: number, start_date: string, 
/**
 * Open while it lasts.
 */
end_date?: string | null, reason: SuspensionReason, };

/**
 * Why a member's rights are suspended.
 */
export type SuspensionReason = "cotisations_impayees" | "disponibilite" | "fin_emploi";

/**
 * What a third party already paid the provider on one invoice, as typed.
 */
export type ThirdPartyInput = { invoice_number: string, 
/**
 * The AMO fund under its coverage, or the mutual under its own.
 */
payer: Payer, 
/**
 * As typed: `700`, `700,00`.
 */
amount: string, 
/**
 * The coverage under which it was paid (`76372825`).
 */
reference?: string | null, };

export type ThirdPartyPayment = { invoice_number: string, payer: Payer, amount: Centimes, reference: string | null, };

export type Tile = { key: string, label: string, count: number, };

export type Tone = "done" | "waiting" | "to_do" | "refused";

/**
 * What a grant counts: sessions, months, or an amount (centimes).
 */
export type Unit = "sessions" | "months" | "amount";

export type UnlockRequest = { password: string, };

/**
 * The acts of the set in force on a day that have no price yet: the
 * administrator types them from the mutual's schedule.
 */
export type Unpriced = { effective_from: string | null, acts: Array<UnpricedAct>, 
/**
 * « 12 actes sans tarif : B, AMI, … » ; `None` when every act has one.
 */
summary: string | null, };

export type UnpricedAct = { code: string, label: string, };

export type UpdateAttachRequest = { id: number, version: number, files: Array<UpdateFileInput>, };

/**
 * What the member asks to change.
 */
export type UpdateChange = { "kind": "email", email: string, } | { "kind": "gsm", gsm: string, } | { "kind": "address", address: string, } | { "kind": "rib", rib: string, } | { "kind": "beneficiary_add", beneficiary: BeneficiaryInput, } | { "kind": "beneficiary_end", beneficiary_id: number, end_date: string, };

export type UpdateDecideRequest = { id: number, version: number, decision: UpdateDecision, };

export type UpdateDecision = { "type": "validate" } | { "type": "refuse", reason: string, };

export type UpdateFile = { id: number, piece: UpdatePiece, file_name: string, media_type: string, size: number, sha256: string, };

export type UpdateFileInput = { file: FileData, piece: UpdatePiece, };

export type UpdateFilter = { 
/**
 * One member's requests (all statuses, newest first); otherwise the pending ones, oldest first.
 */
member_id?: number, };

export type UpdatePiece = "bank_certificate" | "birth_certificate" | "marriage_certificate" | "cnie" | "badge" | "other";

/**
 * A change request recorded, and where its receipt was sent.
 */
export type UpdateReceived = { update: PortalUpdate, 
/**
 * `k…@example.ma`: where the acknowledgement went (none on a site
 * without a sender, or a member without an e-mail or GSM on file).
 */
receipt_sent_to: string | null, };

export type UpdateRequest = { id: number, member_id: number, matricule: string, member_name: string, change: UpdateChange, kind_label: string, summary: string, channel: Channel, status: ReviewStatus, status_label: string, 
/**
 * Why it was refused.
 */
reason: string | null, files: Array<UpdateFile>, created_at: string, created_by: string, decided_at: string | null, decided_by: string | null, version: number, };

export type UpdateRequestInput = { member_id: number, change: UpdateChange, channel: Channel, files?: Array<UpdateFileInput>, };

/**
 * A change the member asks for, with its pieces.
 */
export type UpdateSent = { change: UpdateChange, pieces: Array<PieceUpload>, };

/**
 * A file the member's page sends: its name and its content in base64.
 */
export type Upload = { name: string, base64: string, 
/**
 * A medical piece (a report, results, a prescription he would keep to
 * the doctor): sealed as soon as it arrives, opened by the medical
 * advisor only, as a sealed envelope handed in at the desk.
 */
confidential: boolean, };

export type Urn = { id: number, name: string, 
/**
 * Where it stands (head-office reception, airport, …).
 */
site: string, active: boolean, version: number, };

/**
 * An urn to create (no id) or change (id and version).
 */
export type UrnInput = { id?: number, version?: number, name: string, site: string, active?: boolean, };

export type UrnListRequest = { 
/**
 * Include deactivated urns (administration screen).
 */
all?: boolean, };

export type UseRequest = { grant_id: number, date: string, 
/**
 * Sessions or months used; for an amount, centimes as typed (`700,00`).
 */
used: string, 
/**
 * The provider's invoice reference.
 */
note?: string | null, };

export type UseResult = { 
/**
 * What the grant has left.
 */
left: number, };

export type Verification = { rows_checked: number, 
/**
 * Rows written before the journal chained every row (not covered).
 */
unchained: number, 
/**
 * Anchors given and checked against the journal.
 */
anchors_checked: number, intact: boolean, breaks: Array<Break>, };

export type VersionedId = { id: number, version: number, };

export type VignetteProposal = { lines: Array<ProposedLine>, 
/**
 * `5 vignettes lues ; 1 code absent du référentiel : 6118000099999 ; page 2 illisible.`
 */
summary: string, pages: number, 
/**
 * The scanned files read (their ids), sealed ones left aside.
 */
files: Array<number>, };

export type Week = { 
/**
 * Monday of the week.
 */
start: string, received: number, 
/**
 * Declared complete or rejected that week.
 */
processed: number, };

/** A request as the window sends it: each file named by the handle of a file chosen in a dialog, which the desk reads and sends as its bytes. */
export type Chosen<T> = T extends FileData
  ? string
  : T extends Array<infer U>
    ? Array<Chosen<U>>
    : T extends object
      ? { [K in keyof T]: Chosen<T[K]> }
      : T;

/** Every operation of the command layer: its request and its response. */
export interface Operations {
  setup_status: { request: Empty; response: SetupState };
  setup_create_admin: { request: CreateAdminRequest; response: SessionInfo };
  session_login: { request: LoginRequest; response: SessionInfo };
  session_current: { request: Empty; response: SessionInfo };
  session_logout: { request: Empty; response: Empty };
  session_unlock: { request: UnlockRequest; response: SessionInfo };
  session_lock: { request: Empty; response: Locked };
  lock_settings_get: { request: Empty; response: LockSettings };
  lock_settings_save: { request: LockSettings; response: LockSettings };
  desk_connection_changed: { request: ConnectionChange; response: Empty };
  password_change: { request: PasswordChangeRequest; response: Empty };
  staff_list: { request: Empty; response: StaffListResponse };
  staff_create: { request: NewStaff; response: StaffMember };
  staff_update: { request: StaffUpdateRequest; response: StaffMember };
  staff_set_active: { request: StaffSetActiveRequest; response: StaffMember };
  staff_unlock: { request: StaffRef; response: StaffMember };
  staff_reset_password: { request: StaffResetPasswordRequest; response: StaffMember };
  staff_request_list: { request: Empty; response: Array<StaffRequest> };
  staff_request_decide: { request: StaffRequestDecision; response: StaffRequest };
  backup_create: { request: BackupRequest; response: BackupReport };
  backup_restore: { request: BackupRequest; response: RestoredCopy };
  audit_list: { request: AuditFilter; response: AuditListResponse };
  audit_verify: { request: AuditVerifyRequest; response: Verification };
  audit_anchor: { request: Empty; response: Anchor };
  member_search: { request: SearchRequest; response: SearchResult };
  member_recent: { request: Empty; response: Array<Member> };
  member_get: { request: MemberRef; response: MemberPage };
  member_create: { request: MemberInput; response: Member };
  member_rights: { request: MemberRightsRequest; response: MemberRights };
  member_death_record: { request: DeathInput; response: MemberRights };
  member_suspension_add: { request: SuspensionInput; response: MemberRights };
  beneficiary_disability_set: { request: DisabilityInput; response: MemberRights };
  schooling_certificate_add: { request: SchoolingInput; response: MemberRights };
  beneficiary_fund_set: { request: FundInput; response: MemberRights };
  coverage_rule_list: { request: Empty; response: Array<CoverageRule> };
  coverage_rule_add: { request: CoverageRule; response: Array<CoverageRule> };
  member_update: { request: MemberUpdateRequest; response: Member };
  beneficiary_add: { request: BeneficiaryAddRequest; response: Beneficiary };
  beneficiary_update: { request: BeneficiaryUpdateRequest; response: Beneficiary };
  employer_list: { request: Empty; response: EmployerList };
  member_import: { request: Chosen<ImportRequest>; response: ImportReport };
  member_import_rejected_export: { request: Omit<RejectedExportRequest, "name"> & { path: string }; response: Saved };
  member_update_record: { request: Chosen<UpdateRequestInput>; response: UpdateRequest };
  member_update_list: { request: UpdateFilter; response: Array<UpdateRequest> };
  member_update_decide: { request: UpdateDecideRequest; response: UpdateRequest };
  member_update_attach: { request: Chosen<UpdateAttachRequest>; response: UpdateRequest };
  member_update_file_save: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  member_update_receipt: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  member_view: { request: MemberRef; response: PortalView };
  portal_code_letter: { request: Omit<CodeLetterRequest, "name"> & { path: string }; response: Saved };
  portal_code_send: { request: CodeSendRequest; response: CodeSent };
  portal_activate: { request: Activation; response: Said };
  portal_login: { request: PortalLoginRequest; response: PortalOpened };
  portal_logout: { request: Nothing; response: Said };
  portal_forgot: { request: PortalForgotRequest; response: Said };
  portal_reset: { request: Reset; response: Said };
  portal_session: { request: Nothing; response: PortalWho };
  portal_brand: { request: Nothing; response: Brand };
  portal_logo: { request: Nothing; response: FileData };
  portal_view: { request: Nothing; response: PortalView };
  portal_partners: { request: PartnerSearch; response: Array<Partner> };
  portal_dossier_send: { request: DossierSent; response: DossierReceived };
  portal_complement_send: { request: ComplementSent; response: MemberDossierView };
  portal_approval_send: { request: ApprovalSent; response: ApprovalReceived };
  portal_approval_complement_send: { request: ApprovalComplementSent; response: ApprovalReceived };
  portal_update_send: { request: UpdateSent; response: UpdateReceived };
  portal_statement_pdf: { request: PortalNumber; response: FileData };
  portal_letter_pdf: { request: PortalNumber; response: FileData };
  portal_payment_pdf: { request: PortalNumber; response: FileData };
  portal_period_pdf: { request: PortalPeriod; response: FileData };
  portal_dossier_receipt: { request: PortalNumber; response: FileData };
  portal_approval_receipt: { request: PortalNumber; response: FileData };
  portal_update_receipt: { request: PortalNumber; response: FileData };
  urn_list: { request: UrnListRequest; response: Array<Urn> };
  urn_save: { request: UrnInput; response: Urn };
  collection_open: { request: CollectionOpenRequest; response: Collection };
  collection_list: { request: CollectionListRequest; response: Array<Collection> };
  collection_get: { request: IdRequest; response: CollectionDetail };
  collection_close: { request: VersionedId; response: Collection };
  collection_slip: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  dossier_record: { request: Chosen<DossierInput>; response: Recorded };
  dossier_record_scan: { request: Chosen<DossierInput>; response: Recorded };
  dossier_get: { request: DossierRef; response: DossierPage };
  dossier_statuses: { request: Empty; response: Array<StatusOption> };
  dossier_move: { request: MoveRequest; response: Dossier };
  dossier_checklist: { request: ChecklistUpdate; response: Dossier };
  dossier_scans_add: { request: Chosen<ScansAdd>; response: Array<ScanInfo> };
  dossier_scan_get: { request: IdRequest; response: ScanContent };
  dossier_scan_save: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  dossier_queue: { request: QueueFilter; response: QueuePage };
  dossier_queue_export: { request: Omit<QueueExport, "name"> & { path: string }; response: Saved };
  overdue_originals: { request: Empty; response: Array<OverdueOriginal> };
  overdue_originals_export: { request: Omit<NameRequest, "name"> & { path: string }; response: Saved };
  overdue_originals_apply: { request: Empty; response: OverdueApplied };
  complements_overdue_apply: { request: Empty; response: ComplementsExpired };
  dossier_receipt: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  dossier_member_view: { request: DossierRef; response: MemberDossierView };
  home: { request: Empty; response: Home };
  reason_list: { request: ReasonListRequest; response: Array<Reason> };
  reason_save: { request: ReasonInput; response: Reason };
  document_type_list: { request: Empty; response: Array<DocumentType> };
  document_type_save: { request: DocumentTypeInput; response: DocumentType };
  deadline_rule_list: { request: Empty; response: Array<DeadlineRule> };
  deadline_rule_add: { request: DeadlineRule; response: Array<DeadlineRule> };
  dossier_medical_save: { request: DossierMedical; response: DossierMedical };
  rule_set_list: { request: Empty; response: Array<RuleSet> };
  rule_set_add: { request: RuleSet; response: Array<RuleSet> };
  rule_set_form: { request: RuleSetFormRequest; response: RuleSetForm };
  rule_set_preview: { request: RuleSetForm; response: RuleSetPreview };
  rule_set_save: { request: RuleSetForm; response: Array<RuleSet> };
  rule_set_unpriced: { request: Empty; response: Unpriced };
  amo_arrangement_list: { request: Empty; response: Array<Arrangement> };
  amo_arrangement_add: { request: Arrangement; response: Array<Arrangement> };
  fund_coverage_add: { request: FundCoverageInput; response: FundCoverage };
  fund_coverage_list: { request: MemberIdRequest; response: Array<FundCoverage> };
  fund_coverages_expiring: { request: ExpiringRequest; response: Array<ExpiringCoverage> };
  care_lines_save: { request: CareLinesSave; response: Array<StoredLine> };
  care_lines_get: { request: IdRequest; response: Array<StoredLine> };
  third_party_payments_get: { request: IdRequest; response: Array<ThirdPartyPayment> };
  dossier_liquidate: { request: LiquidateRequest; response: LiquidationView };
  drug_list_versions: { request: Empty; response: Array<DrugListVersion> };
  drug_import: { request: Chosen<DrugImportRequest>; response: DrugImportReport };
  drug_find: { request: DrugFindRequest; response: DrugSearch };
  dossier_vignettes_read: { request: IdRequest; response: VignetteProposal };
  dossier_original_check: { request: OriginalCheck; response: OriginalChecked };
  payment_batch_create: { request: PayRequest; response: PaymentBatch };
  payment_batch_export: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  statement_dossier: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  statement_member: { request: Omit<MemberStatementRequest, "name"> & { path: string }; response: Saved };
  statement_payment: { request: Omit<PaymentStatementRequest, "name"> & { path: string }; response: Saved };
  statement_batch: { request: Omit<StatementBatchRequest, "existing"> & { folder: string }; response: BatchReport };
  payment_return: { request: PaymentReturnRequest; response: PaymentReturned };
  fund_slip_create: { request: SlipRequest; response: FundSlip };
  fund_slip_list: { request: Empty; response: Array<FundSlip> };
  fund_slip_export: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  fund_slip_confirm: { request: Chosen<Confirmation>; response: FundSlip };
  settings_get: { request: Empty; response: MutualSettings };
  settings_save: { request: MutualSettings; response: MutualSettings };
  logo_get: { request: Empty; response: LogoInfo };
  logo_set: { request: Chosen<LogoRequest>; response: LogoInfo };
  provider_list: { request: ProviderListRequest; response: Array<Provider> };
  provider_rib_request: { request: Chosen<RibRequestInput>; response: RibRequest };
  provider_rib_request_list: { request: Empty; response: Array<RibRequest> };
  provider_rib_decide: { request: RibDecideRequest; response: RibRequest };
  provider_rib_certificate_save: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  provider_invoice_record: { request: InvoiceInput; response: Invoice };
  provider_invoice_list: { request: InvoiceFilter; response: Array<Invoice> };
  provider_batch_create: { request: ProviderPayRequest; response: ProviderBatch };
  provider_batch_list: { request: Empty; response: Array<ProviderBatch> };
  provider_batch_export: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  provider_statement: { request: Omit<ReleveRequest, "name"> & { path: string }; response: Saved };
  provider_save: { request: ProviderInput; response: Provider };
  approval_register: { request: Chosen<RequestInput>; response: Request };
  approval_list: { request: RequestFilter; response: Array<RequestRow> };
  approval_get: { request: IdRequest; response: Request };
  approval_complement: { request: Chosen<ComplementRequest>; response: Request };
  approval_decide: { request: DecideRequest; response: Request };
  approval_letter: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  approval_receipt: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  approval_file_get: { request: IdRequest; response: RequestFileContent };
  approval_file_save: { request: Omit<FileRequest, "name"> & { path: string }; response: Saved };
  approval_use: { request: UseRequest; response: UseResult };
  approvals_expiring: { request: ExpiringRequest; response: Array<Expiring> };
  approvals_of_member: { request: IdRequest; response: Array<Request> };
  chronic_declare: { request: DeclarationInput; response: Declaration };
  chronic_list: { request: IdRequest; response: Array<Declaration> };
  chronic_expiring: { request: ExpiringRequest; response: Array<ExpiringDeclaration> };
  medical_reads: { request: ReadsRequest; response: Array<AuditEntry> };
}

export type OperationName = keyof Operations;

/** The operations of the members' portal (served under /portail/api). */
export type PortalOperationName =
  | "portal_activate"
  | "portal_login"
  | "portal_logout"
  | "portal_forgot"
  | "portal_reset"
  | "portal_session"
  | "portal_brand"
  | "portal_logo"
  | "portal_view"
  | "portal_partners"
  | "portal_dossier_send"
  | "portal_complement_send"
  | "portal_approval_send"
  | "portal_approval_complement_send"
  | "portal_update_send"
  | "portal_statement_pdf"
  | "portal_letter_pdf"
  | "portal_payment_pdf"
  | "portal_period_pdf"
  | "portal_dossier_receipt"
  | "portal_approval_receipt"
  | "portal_update_receipt";

/** The permission each operation needs (checked in the core, shown here for the window). */
export const OPERATION_PERMISSIONS: Record<OperationName, Permission> = {
  setup_status: "public",
  setup_create_admin: "public",
  session_login: "public",
  session_current: "authenticated",
  session_logout: "public",
  session_unlock: "public",
  session_lock: "public",
  lock_settings_get: "authenticated",
  lock_settings_save: "settings_manage",
  desk_connection_changed: "settings_manage",
  password_change: "authenticated",
  staff_list: "staff_manage",
  staff_create: "staff_manage",
  staff_update: "staff_manage",
  staff_set_active: "staff_manage",
  staff_unlock: "staff_manage",
  staff_reset_password: "staff_manage",
  staff_request_list: "staff_manage",
  staff_request_decide: "staff_manage",
  backup_create: "settings_manage",
  backup_restore: "settings_manage",
  audit_list: "audit_read",
  audit_verify: "audit_read",
  audit_anchor: "audit_read",
  member_search: "members_read",
  member_recent: "members_read",
  member_get: "members_read",
  member_create: "members_write",
  member_rights: "members_read",
  member_death_record: "settings_manage",
  member_suspension_add: "settings_manage",
  beneficiary_disability_set: "members_write",
  schooling_certificate_add: "members_write",
  beneficiary_fund_set: "members_write",
  coverage_rule_list: "authenticated",
  coverage_rule_add: "settings_manage",
  member_update: "members_write",
  beneficiary_add: "members_write",
  beneficiary_update: "members_write",
  employer_list: "members_read",
  member_import: "members_write",
  member_import_rejected_export: "members_write",
  member_update_record: "members_write",
  member_update_list: "members_read",
  member_update_decide: "members_write",
  member_update_attach: "members_write",
  member_update_file_save: "members_read",
  member_update_receipt: "members_read",
  member_view: "members_read",
  portal_code_letter: "members_write",
  portal_code_send: "members_write",
  portal_activate: "public",
  portal_login: "public",
  portal_logout: "own_space",
  portal_forgot: "public",
  portal_reset: "public",
  portal_session: "own_space",
  portal_brand: "public",
  portal_logo: "public",
  portal_view: "own_space",
  portal_partners: "own_space",
  portal_dossier_send: "own_space",
  portal_complement_send: "own_space",
  portal_approval_send: "own_space",
  portal_approval_complement_send: "own_space",
  portal_update_send: "own_space",
  portal_statement_pdf: "own_space",
  portal_letter_pdf: "own_space",
  portal_payment_pdf: "own_space",
  portal_period_pdf: "own_space",
  portal_dossier_receipt: "own_space",
  portal_approval_receipt: "own_space",
  portal_update_receipt: "own_space",
  urn_list: "authenticated",
  urn_save: "settings_manage",
  collection_open: "reception_work",
  collection_list: "reception_work",
  collection_get: "reception_work",
  collection_close: "reception_work",
  collection_slip: "reception_work",
  dossier_record: "reception_work",
  dossier_record_scan: "reception_work",
  dossier_get: "dossiers_read",
  dossier_statuses: "authenticated",
  dossier_move: "dossiers_read",
  dossier_checklist: "dossiers_process",
  dossier_scans_add: "scans_attach",
  dossier_scan_get: "dossiers_read",
  dossier_scan_save: "dossiers_read",
  dossier_queue: "dossiers_read",
  dossier_queue_export: "dossiers_read",
  overdue_originals: "dossiers_read",
  overdue_originals_export: "dossiers_read",
  overdue_originals_apply: "overdue_enforce",
  complements_overdue_apply: "overdue_enforce",
  dossier_receipt: "dossiers_read",
  dossier_member_view: "dossiers_read",
  home: "authenticated",
  reason_list: "authenticated",
  reason_save: "settings_manage",
  document_type_list: "authenticated",
  document_type_save: "settings_manage",
  deadline_rule_list: "authenticated",
  deadline_rule_add: "settings_manage",
  dossier_medical_save: "medical_review",
  rule_set_list: "authenticated",
  rule_set_add: "settings_manage",
  rule_set_form: "authenticated",
  rule_set_preview: "settings_manage",
  rule_set_save: "settings_manage",
  rule_set_unpriced: "authenticated",
  amo_arrangement_list: "authenticated",
  amo_arrangement_add: "settings_manage",
  fund_coverage_add: "dossiers_process",
  fund_coverage_list: "dossiers_read",
  fund_coverages_expiring: "approvals_read",
  care_lines_save: "dossiers_process",
  care_lines_get: "dossiers_read",
  third_party_payments_get: "dossiers_read",
  dossier_liquidate: "dossiers_process",
  drug_list_versions: "authenticated",
  drug_import: "settings_manage",
  drug_find: "authenticated",
  dossier_vignettes_read: "dossiers_process",
  dossier_original_check: "dossiers_process",
  payment_batch_create: "statements_produce",
  payment_batch_export: "statements_produce",
  statement_dossier: "statements_read",
  statement_member: "statements_read",
  statement_payment: "statements_read",
  statement_batch: "statements_produce",
  payment_return: "statements_produce",
  fund_slip_create: "statements_produce",
  fund_slip_list: "statements_read",
  fund_slip_export: "statements_produce",
  fund_slip_confirm: "statements_produce",
  settings_get: "authenticated",
  settings_save: "settings_manage",
  logo_get: "authenticated",
  logo_set: "settings_manage",
  provider_list: "authenticated",
  provider_rib_request: "provider_accounts",
  provider_rib_request_list: "provider_accounts",
  provider_rib_decide: "provider_accounts",
  provider_rib_certificate_save: "provider_accounts",
  provider_invoice_record: "dossiers_process",
  provider_invoice_list: "dossiers_read",
  provider_batch_create: "statements_produce",
  provider_batch_list: "statements_read",
  provider_batch_export: "statements_produce",
  provider_statement: "statements_read",
  provider_save: "settings_manage",
  approval_register: "approvals_register",
  approval_list: "approvals_read",
  approval_get: "approvals_read",
  approval_complement: "approvals_register",
  approval_decide: "medical_review",
  approval_letter: "approvals_read",
  approval_receipt: "approvals_read",
  approval_file_get: "approvals_read",
  approval_file_save: "approvals_read",
  approval_use: "dossiers_process",
  approvals_expiring: "approvals_read",
  approvals_of_member: "approvals_read",
  chronic_declare: "medical_review",
  chronic_list: "chronic_read",
  chronic_expiring: "chronic_read",
  medical_reads: "medical_review",
};
