use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A staff member's roles; one person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Agent d'accueil.
    Reception,
    /// Gestionnaire.
    Claims,
    /// Médecin conseil: the only role that reads medical details.
    Medical,
    /// Administrateur.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reception, Role::Claims, Role::Medical, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Claims => "claims",
            Role::Medical => "medical",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Reception => "Agent d'accueil",
            Role::Claims => "Gestionnaire",
            Role::Medical => "Médecin conseil",
            Role::Admin => "Administrateur",
        }
    }

    /// Reads a role code, in English (`claims`) or French (`gestionnaire`).
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "reception" | "accueil" | "agent_accueil" => Some(Role::Reception),
            "claims" | "gestionnaire" => Some(Role::Claims),
            "medical" | "medecin" | "médecin" | "medecin_conseil" => Some(Role::Medical),
            "admin" | "administrateur" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What an operation needs. `Public` and `Authenticated` are for the session
/// operations; the rest are granted by roles in [`permissions_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// No session needed (login, first-start set-up).
    Public,
    /// Any logged-in staff member.
    Authenticated,
    /// A member logged in to the portal: his own family's data, decided from
    /// his session in the core; no staff role grants it.
    OwnSpace,
    MembersRead,
    MembersWrite,
    ReceptionWork,
    DossiersRead,
    DossiersProcess,
    /// The processors' figures on the home page (to take, mine, complete, overdue).
    DossiersOversee,
    /// Joining scanned pieces to a dossier (a complement sent by e-mail).
    ScansAttach,
    /// Marking the complement of an incomplete dossier received.
    ComplementsReceive,
    /// Reopening a rejected dossier.
    DossiersReopen,
    /// Applying the late rule to overdue originals (rejections, claw-backs).
    OverdueEnforce,
    ApprovalsRead,
    ApprovalsRegister,
    /// Who has a chronic illness, and for which act families: health data
    /// (law 09-08), for those who liquidate against it and the medical role.
    ChronicRead,
    MedicalReview,
    /// Reading medical details: diagnoses, notes, sealed pieces (law 09-08).
    MedicalRead,
    StatementsRead,
    StatementsProduce,
    /// Recording and validating a provider's bank account (four eyes).
    ProviderAccounts,
    StaffManage,
    AuditRead,
    SettingsManage,
}

/// The one table of which role grants what.
pub fn permissions_of(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::Reception => &[
            MembersRead,
            MembersWrite,
            ReceptionWork,
            DossiersRead,
            ScansAttach,
            ComplementsReceive,
            ApprovalsRead,
            ApprovalsRegister,
        ],
        Role::Claims => &[
            MembersRead,
            DossiersRead,
            DossiersProcess,
            DossiersOversee,
            ScansAttach,
            ComplementsReceive,
            OverdueEnforce,
            ApprovalsRead,
            ApprovalsRegister,
            ChronicRead,
            StatementsRead,
            StatementsProduce,
            ProviderAccounts,
        ],
        Role::Medical => &[MembersRead, DossiersRead, ApprovalsRead, ChronicRead, MedicalReview, MedicalRead],
        Role::Admin => &[
            MembersRead,
            MembersWrite,
            ReceptionWork,
            DossiersRead,
            DossiersOversee,
            DossiersReopen,
            OverdueEnforce,
            ApprovalsRead,
            StatementsRead,
            ProviderAccounts,
            StaffManage,
            AuditRead,
            SettingsManage,
        ],
    }
}

/// Does any of these roles grant `p`?
pub fn allows(roles: &[Role], p: Permission) -> bool {
    match p {
        Permission::Public => true,
        Permission::Authenticated => !roles.is_empty(),
        Permission::OwnSpace => false,
        _ => roles.iter().any(|r| permissions_of(*r).contains(&p)),
    }
}

/// The sections of the main window, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Adherents,
    Reception,
    Dossiers,
    Accords,
    Decomptes,
    Administration,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Adherents,
        Section::Reception,
        Section::Dossiers,
        Section::Accords,
        Section::Decomptes,
        Section::Administration,
    ];

    /// The permission that opens the section: a section is shown to whoever can use it.
    pub fn needs(self) -> Permission {
        match self {
            Section::Adherents => Permission::MembersRead,
            Section::Reception => Permission::ReceptionWork,
            Section::Dossiers => Permission::DossiersRead,
            Section::Accords => Permission::ApprovalsRead,
            Section::Decomptes => Permission::StatementsRead,
            Section::Administration => Permission::StaffManage,
        }
    }
}

pub fn sections_of(roles: &[Role]) -> Vec<Section> {
    Section::ALL.into_iter().filter(|s| allows(roles, s.needs())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_roles() {
        assert_eq!(sections_of(&[Role::Admin]).len(), 6);
        assert_eq!(sections_of(&[Role::Medical]), vec![Section::Adherents, Section::Dossiers, Section::Accords]);
        assert!(!sections_of(&[Role::Reception]).contains(&Section::Administration));
        assert!(sections_of(&[]).is_empty());
    }

    #[test]
    fn only_the_medical_role_reviews() {
        for r in Role::ALL {
            assert_eq!(allows(&[r], Permission::MedicalReview), r == Role::Medical, "{r:?}");
        }
    }

    #[test]
    fn roles_read_in_french_or_english() {
        assert_eq!(Role::parse("Gestionnaire"), Some(Role::Claims));
        assert_eq!(Role::parse("médecin"), Some(Role::Medical));
        assert_eq!(Role::parse("boss"), None);
    }
}
