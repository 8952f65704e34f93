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
    let statements = app_role_statements(name, password)?;
    let mut tx = db.begin().await?;
    for s in &statements {
        sqlx::query(s).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What `grant_app_role` sends. The password is never in it: PostgreSQL is
/// given its SCRAM-SHA-256 verifier, made here, so that a statement log on
/// the database's machine does not keep it.
pub fn app_role_statements(name: &str, password: &str) -> ApiResult<Vec<String>> {
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
    // PostgreSQL prepares a non-ASCII password (SASLprep) before hashing it;
    // keeping to printable ASCII makes the verifier made here the one it expects.
    if !password.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "password",
            "Mot de passe du rôle : lettres, chiffres et signes ASCII, sans espace ni accent.",
        ));
    }
    let quoted = scram_verifier(password)?;
    Ok(vec![
        // Granted again (after a migration), the role is altered without
        // naming NOSUPERUSER, which only a superuser may write even when it
        // changes nothing; a superuser's role is refused instead.
        format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} LOGIN \
                PASSWORD '{quoted}' NOSUPERUSER NOCREATEDB NOCREATEROLE; \
                ELSIF (SELECT rolsuper FROM pg_roles WHERE rolname = '{name}') THEN \
                RAISE EXCEPTION 'the role {name} is a superuser'; \
                ELSE ALTER ROLE {name} LOGIN PASSWORD '{quoted}' NOCREATEDB NOCREATEROLE; END IF; END $$"
        ),
        format!("DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {name}', current_database()); END $$"),
        format!("GRANT USAGE ON SCHEMA public TO {name}"),
        // It makes no table, function or trigger of its own.
        format!("REVOKE CREATE ON SCHEMA public FROM {name}"),
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC".to_string(),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}"),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {name}"),
        // The journal: written and read, never rewritten.
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {name}"),
        // Nor through a year's partition of the journal; a year set apart is only read.
        format!(
            "DO $$ DECLARE t text; BEGIN \
                FOR t IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                    WHERE i.inhparent = 'audit_log'::regclass LOOP \
                    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM {name}', t); END LOOP; \
                FOR t IN SELECT unnest(ARRAY['audit_log_', 'dossiers_', 'care_lines_']) || year \
                    FROM archived_years LOOP \
                    PERFORM year_kept_read_only(t); END LOOP; \
            END $$"
        ),
        // Its head moves forward (the trigger checks how), never disappears.
        format!("REVOKE INSERT, DELETE, TRUNCATE ON audit_head FROM {name}"),
        // The schema's record belongs to `guichet migrate`.
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {name}"),
    ])
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802
/// and 7677, as libpq's `PQencryptPasswordConn` makes it): 4,096 rounds of
/// PBKDF2-HMAC-SHA-256 over a random salt, then the stored and server keys.
fn scram_verifier(password: &str) -> ApiResult<String> {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    const ROUNDS: u32 = 4096;
    let mac = |key: &[u8], parts: &[&[u8]]| -> ApiResult<[u8; 32]> {
        let mut m = Hmac::<Sha256>::new_from_slice(key).map_err(ApiError::internal)?;
        for p in parts {
            m.update(p);
        }
        Ok(m.finalize().into_bytes().into())
    };
    let mut salt = [0u8; 16];
    argon2::password_hash::rand_core::RngCore::fill_bytes(&mut argon2::password_hash::rand_core::OsRng, &mut salt);
    // PBKDF2 with one block: U1 = HMAC(P, salt ‖ 1), Ui = HMAC(P, Ui-1), their XOR.
    let mut u = mac(password.as_bytes(), &[&salt, &1u32.to_be_bytes()])?;
    let mut salted = u;
    for _ in 1..ROUNDS {
        u = mac(password.as_bytes(), &[&u])?;
        salted.iter_mut().zip(u).for_each(|(s, x)| *s ^= x);
    }
    let stored = Sha256::digest(mac(&salted, &[b"Client Key"])?);
    let server = mac(&salted, &[b"Server Key"])?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    Ok(format!("SCRAM-SHA-256${ROUNDS}:{}${}:{}", b64(&salt), b64(&stored), b64(&server)))
}

/// On PostgreSQL, refuses a superuser's role or the schema owner's unless
/// told otherwise: the server's role must not be able to change the schema
/// or rewrite the journal.
pub async fn check_server_role(db: &Db, allow_owner: bool) -> Result<(), String> {
    if db.backend() != Backend::Postgres || allow_owner {
        return Ok(());
    }
    let row: (bool, bool) = sqlx::query_as::<_, (bool, bool)>(
        "SELECT r.rolsuper, EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = \
            'audit_log' AND t.tableowner = current_user)
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(db.pool())
    .await
    .map_err(|e| e.to_string())?;
    match row {
        (true, _) => Err("Le serveur refuse de tourner avec un rôle superutilisateur : créez un rôle applicatif \
            (guichet db grant-app-role NOM) ou ajoutez --allow-owner."
            .into()),
        (_, true) => {
            Err("Le serveur refuse de tourner avec le rôle propriétaire du schéma : créez un rôle applicatif \
            (guichet db grant-app-role NOM) ou ajoutez --allow-owner."
                .into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_is_never_in_a_statement() {
        let password = "Role-Applicatif-2026";
        let statements = super::app_role_statements("guichet_app", password).unwrap();
        assert!(statements.iter().all(|s| !s.contains(password)), "{statements:?}");
        assert!(statements[0].contains("PASSWORD 'SCRAM-SHA-256$4096:"), "{}", statements[0]);
        assert!(statements.iter().any(|s| s == "REVOKE CREATE ON SCHEMA public FROM guichet_app"));
        let e = super::app_role_statements("guichet_app", "Rôle-applicatif-2026").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("password"));
    }
}
