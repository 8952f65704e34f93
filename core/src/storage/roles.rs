//! The PostgreSQL role a Guichet server runs with: it reads and writes the
//! application's tables but cannot change the schema (it owns nothing), only
//! adds to and reads the journal (no UPDATE, DELETE or TRUNCATE on
//! `audit_log`), and cannot touch the migrations' record. `guichet db
//! grant-app-role NAME` runs this with the owner's role, after each
//! `guichet migrate` too (the default privileges cover tables made later).

use super::{Backend, Db};
use crate::error::{ApiError, ApiResult};

/// Creates the role (or sets its password) and grants it what a server needs.
pub async fn grant_app_role(db: &Db, name: &str, password: &str) -> ApiResult<()> {
    if db.backend() != Backend::Postgres {
        return Err(ApiError::validation(
            "database",
            "Un rôle applicatif n'existe que sur PostgreSQL ; une base SQLite reste sur la machine du serveur.",
        ));
    }
    let ok = !name.is_empty()
        && name.len() <= 50
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(ApiError::validation(
            "name",
            "Nom du rôle : lettres minuscules, chiffres et _ (exemple : guichet_app).",
        ));
    }
    if password.chars().count() < 12 {
        return Err(ApiError::validation("password", "Mot de passe du rôle : au moins 12 caractères."));
    }
    let quoted = password.replace('\'', "''");
    let statements = [
        format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} LOGIN \
                PASSWORD '{quoted}' NOSUPERUSER NOCREATEDB NOCREATEROLE; ELSE ALTER ROLE {name} LOGIN PASSWORD \
                '{quoted}' NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$"
        ),
        format!("DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {name}', current_database()); END $$"),
        format!("GRANT USAGE ON SCHEMA public TO {name}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {name}"),
        // The journal: written and read, never rewritten.
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {name}"),
        // Its head moves forward (the trigger checks how), never disappears.
        format!("REVOKE INSERT, DELETE, TRUNCATE ON audit_head FROM {name}"),
        // The schema's record belongs to `guichet migrate`.
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {name}"),
    ];
    let mut tx = db.begin().await?;
    for s in &statements {
        sqlx::query(s).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
