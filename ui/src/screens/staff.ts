// Staff accounts: create, roles, disable, unlock, reset password.
import { ApiFailure, call } from "../api/client";
import type { Role, SessionInfo, StaffMember, StaffRequest } from "../api/bindings";
import { field, formError, h, onSubmit, localTime, mount, statusLine, value } from "../dom";
import { grid } from "../widgets";

const ROLES: [Role, string][] = [
  ["reception", "Agent d'accueil"],
  ["claims", "Gestionnaire"],
  ["medical", "Médecin conseil"],
  ["admin", "Administrateur"],
];

function roleBoxes(selected: Role[]): HTMLFieldSetElement {
  return h(
    "fieldset",
    { class: "roles" },
    h("legend", {}, "Rôles"),
    ...ROLES.map(([r, label]) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "role", value: r, checked: selected.includes(r) }),
        label,
      ),
    ),
    h("small", { class: "field-error", "data-error-for": "roles" }),
  );
}

function checkedRoles(form: HTMLFormElement): Role[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>("input[name=role]:checked")).map((i) => i.value as Role);
}

function state(s: StaffMember): string {
  if (!s.active) return "Désactivé";
  if (s.locked_until && new Date(s.locked_until) > new Date()) return `Verrouillé jusqu'à ${localTime(s.locked_until)}`;
  return "Actif";
}

export async function staffPanel(panel: HTMLElement, session: SessionInfo): Promise<void> {
  const list = h("div", { id: "staff-list" });
  const editor = h("div", { id: "staff-editor" });
  const requests = h("div", { id: "staff-requests" });
  const status = statusLine("staff-status");
  /** Draws the accounts and the changes waiting; the latter are returned. */
  const reload = async (): Promise<StaffRequest[]> => {
    try {
      const { staff } = await call("staff_list", {});
      mount(list, table(staff));
      const pending = await call("staff_request_list", {});
      mount(requests, pendingTable(pending));
      return pending;
    } catch (e) {
      mount(list, h("p", { class: "form-error" }, e instanceof ApiFailure ? e.message : String(e)));
      return [];
    }
  };

  // The medical role granted and a medical advisor's reset wait for a
  // second administrator: the core decides which, the panel shows them here.
  const pendingTable = (list: StaffRequest[]): HTMLElement | null =>
    list.length === 0
      ? null
      : h(
          "div",
          { class: "card" },
          h("h3", {}, "Changements à valider par un second administrateur"),
          grid(
            "staff-requests-table",
            ["Compte", "Changement", "Demandé par", "Le", ""],
            list.map((r) =>
              h(
                "tr",
                { "data-request": String(r.id) },
                h("td", {}, r.username),
                h("td", {}, r.summary),
                h("td", {}, r.created_by),
                h("td", {}, localTime(r.created_at)),
                h(
                  "td",
                  { class: "actions" },
                  h("button", { type: "button", class: "validate", onclick: () => void decide(r, true) }, "Valider"),
                  h("button", { type: "button", class: "refuse", onclick: () => void decide(r, false) }, "Refuser"),
                ),
              ),
            ),
          ),
        );

  const decide = async (r: StaffRequest, approve: boolean): Promise<void> => {
    try {
      await call("staff_request_decide", { id: r.id, approve });
      status.textContent = `${r.username} : ${approve ? "changement validé et appliqué" : "changement refusé"}.`;
    } catch (e) {
      status.textContent = e instanceof ApiFailure ? e.message : String(e);
    }
    await reload();
  };

  /** After a change: said as done, or as waiting when the core kept it for a second administrator. */
  const saidAfter = async (username: string): Promise<void> => {
    const waiting = (await reload()).some((r) => r.username === username && r.created_by === session.staff.username);
    status.textContent = waiting
      ? `${username} : demande enregistrée ; un second administrateur doit la valider.`
      : `${username} : enregistré.`;
  };

  const act = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      await reload();
    } catch (e) {
      window.alert(e instanceof ApiFailure ? e.message : String(e));
      await reload();
    }
  };

  const table = (staff: StaffMember[]): HTMLTableElement =>
    grid(
      null,
      ["Identifiant", "Nom", "Rôles", "État", ""],
      staff.map((s) =>
        h(
          "tr",
          { "data-username": s.username },
          h("td", {}, s.username),
          h("td", {}, s.full_name),
          h("td", {}, s.roles.map((r) => ROLES.find(([k]) => k === r)?.[1] ?? r).join(", ")),
          h("td", { class: "state" }, state(s)),
          h(
            "td",
            { class: "actions" },
            h("button", { type: "button", onclick: () => editForm(s) }, "Modifier"),
            s.id === session.staff.id
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    onclick: () =>
                      void act(() => call("staff_set_active", { id: s.id, version: s.version, active: !s.active })),
                  },
                  s.active ? "Désactiver" : "Réactiver",
                ),
            s.locked_until
              ? h(
                  "button",
                  { type: "button", onclick: () => void act(() => call("staff_unlock", { id: s.id })) },
                  "Déverrouiller",
                )
              : null,
            h("button", { type: "button", onclick: () => resetForm(s) }, "Nouveau mot de passe"),
          ),
        ),
      ),
    );

  const closeEditor = (): void => mount(editor);

  // A form in the editor: its fields, an error line, its button and
  // "Annuler"; what it does once sent, then the editor closes.
  const editorForm = (
    id: string,
    title: string,
    fields: Node[],
    submit: string,
    action: (form: HTMLFormElement) => Promise<void>,
  ): void => {
    const form = h(
      "form",
      { id, class: "card inline", novalidate: true },
      h("h3", {}, title),
      ...fields,
      formError(),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, submit),
        h("button", { type: "button", onclick: closeEditor }, "Annuler"),
      ),
    );
    onSubmit(form, async () => {
      await action(form);
      closeEditor();
    });
    mount(editor, form);
    form.querySelector("input")?.focus();
  };
  const password = (name: string): HTMLElement =>
    field("Mot de passe provisoire (au moins 10 caractères)", name, {
      type: "password",
      autocomplete: "new-password",
    });

  const createForm = (): void =>
    editorForm(
      "staff-create",
      "Nouveau compte",
      [
        field("Identifiant", "username", { autofocus: true }),
        field("Nom complet", "full_name"),
        roleBoxes([]),
        password("password"),
      ],
      "Créer",
      async (form) => {
        await call("staff_create", {
          username: value(form, "username"),
          full_name: value(form, "full_name"),
          roles: checkedRoles(form),
          password: value(form, "password"),
        });
        await reload();
      },
    );

  const editForm = (s: StaffMember): void =>
    editorForm(
      "staff-edit",
      `Modifier ${s.username}`,
      [field("Nom complet", "full_name", { value: s.full_name }), roleBoxes(s.roles)],
      "Enregistrer",
      async (form) => {
        await call("staff_update", {
          id: s.id,
          version: s.version,
          full_name: value(form, "full_name"),
          roles: checkedRoles(form),
        });
        await saidAfter(s.username);
      },
    );

  const resetForm = (s: StaffMember): void =>
    editorForm(
      "staff-reset",
      `Nouveau mot de passe pour ${s.username}`,
      [password("new_password")],
      "Enregistrer",
      async (form) => {
        await call("staff_reset_password", { id: s.id, new_password: value(form, "new_password") });
        await saidAfter(s.username);
      },
    );

  mount(
    panel,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", id: "staff-new", class: "primary", onclick: createForm }, "Nouveau compte"),
    ),
    status,
    editor,
    requests,
    list,
  );
  await reload();
}
