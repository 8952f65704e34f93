//! `guichet staff`: the staff's accounts from the command line (the first
//! administrator of a new site is made here); passwords are read on stdin.

use crate::args::StaffCommand;
use crate::output;
use crate::Backend;
use guichet_core::ApiError;
use serde_json::json;
use std::io::IsTerminal;
use std::process::ExitCode;

pub async fn run(desk: &Backend, cmd: StaffCommand) -> ExitCode {
    match cmd {
        StaffCommand::Add(a) => {
            let roles = match guichet_core::staff::validate::role_codes("role", &a.roles) {
                Ok(r) => r,
                Err(e) => return output::error(&e),
            };
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return output::error(&e),
            };
            let req = json!({ "username": a.username, "full_name": a.name, "roles": roles, "password": password });
            output::result(desk.call("staff_create", req).await)
        }
        StaffCommand::List => match desk.call("staff_list", json!({})).await {
            Ok(v) if output::json() => output::result(Ok(v)),
            Ok(v) => {
                say!("{:<20} {:<30} {:<28} ÉTAT", "IDENTIFIANT", "NOM", "RÔLES");
                for s in v["staff"].as_array().into_iter().flatten() {
                    let roles: Vec<&str> =
                        s["roles"].as_array().into_iter().flatten().filter_map(|r| r.as_str()).collect();
                    let state = match (s["active"].as_bool(), s["locked_until"].as_str()) {
                        (Some(false), _) => "désactivé".to_string(),
                        (_, Some(t)) => format!("verrouillé jusqu'à {t}"),
                        _ => "actif".to_string(),
                    };
                    say!(
                        "{:<20} {:<30} {:<28} {}",
                        s["username"].as_str().unwrap_or(""),
                        s["full_name"].as_str().unwrap_or(""),
                        roles.join(","),
                        state
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => output::error(&e),
        },
        StaffCommand::Disable { username } => {
            output::result(desk.call("staff_set_active", json!({ "username": username, "active": false })).await)
        }
        StaffCommand::Enable { username } => {
            output::result(desk.call("staff_set_active", json!({ "username": username, "active": true })).await)
        }
        StaffCommand::Unlock { username } => {
            output::result(desk.call("staff_unlock", json!({ "username": username })).await)
        }
    }
}

/// The first line of standard input (a prompt when it is a terminal).
pub fn read_password() -> Result<String, ApiError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Mot de passe (au moins 10 caractères) : ");
    }
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| ApiError::validation("password", format!("Lecture du mot de passe impossible : {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
