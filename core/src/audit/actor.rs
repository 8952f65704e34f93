//! Who a journal row names: a staff member, the command line's system
//! account, a member on the portal, a process; and the desk a call came from
//! through the server, set around each call as a task-local value.

/// Who did it: a logged-in staff member, or the command line run by a system
/// administrator (bootstrap, batch jobs); and from which desk, when the call
/// came through the Guichet server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: Option<i64>,
    pub name: String,
    pub origin: Option<Origin>,
}

/// The desk a call came from through the server: its name and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub desk: String,
    pub remote_addr: String,
}

impl Origin {
    /// The call came from the server's own machine (a loopback address).
    pub fn on_this_machine(&self) -> bool {
        self.remote_addr.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

tokio::task_local! {
    /// Set by the server around each call it runs (`ORIGIN.scope`): every
    /// actor made during the call, and so every journal row it writes, names
    /// the desk. Unset in the desk alone and the CLI on a database.
    pub static ORIGIN: Origin;
}

impl Actor {
    fn new(staff_id: Option<i64>, name: String) -> Actor {
        Actor { staff_id, name, origin: ORIGIN.try_with(Origin::clone).ok() }
    }
    pub fn staff(id: i64, username: &str) -> Actor {
        Actor::new(Some(id), username.to_string())
    }
    /// The CLI run without `--user`, named after the operating-system account.
    pub fn system(os_user: &str) -> Actor {
        Actor::new(None, format!("système:{os_user}"))
    }
    /// Someone not identified (a failed login with an unknown username).
    pub fn anonymous() -> Actor {
        Actor::new(None, "anonyme".to_string())
    }
    /// A member on the portal, named by his matricule (`adhérent:13059`).
    pub fn member(matricule: &str) -> Actor {
        Actor::new(None, format!("adhérent:{matricule}"))
    }
    /// A named process rather than a person ("premier-démarrage").
    pub fn process(name: &str) -> Actor {
        Actor::new(None, name.to_string())
    }
}
