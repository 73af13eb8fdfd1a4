//! # ppr-admin: operator commands
//!
//! - `ppr-admin national-admin-sql EMAIL NAME` prints SQL creating a national admin
//!   with the password in `PPR_ADMIN_PASSWORD` (or read from standard input), hashed
//!   with the core's Argon2id. `scripts/create-admin` applies it with
//!   `wrangler d1 execute`.
//! - `ppr-admin synthetic-products N [ROUND]` prints SQL loading N synthetic recorded
//!   products with the figures of the year before round ROUND (default: the current
//!   year), opted in to it (see [`synthetic`]), for the demo data of `scripts/dev`,
//!   the benchmarks and the identification tests.
//! - `ppr-admin restore-sql ROOT ID` prints SQL restoring backup ID, downloaded under
//!   ROOT, into a freshly migrated database (see [`restore`]); `scripts/restore-backup`
//!   downloads it and applies the SQL.

mod restore;
mod synthetic;

use std::io::Read;

use anyhow::{Context, Result, bail};
use ppr_core::Email;
use ppr_core::account::{check_password_policy, required_text};
use ppr_core::password::{SALT_BYTES, hash_password};

/// A SQL string literal: single quotes doubled. Every value is validated first, and
/// none may hold control characters.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn national_admin_sql(email: &str, name: &str, password: &str) -> Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {e}"))?;
    let name = required_text(name, 50).map_err(|e| anyhow::anyhow!("name: {e}"))?;
    check_password_policy(password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let mut salt = [0u8; SALT_BYTES];
    getrandom::getrandom(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hash = hash_password(password, &salt)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let after = serde_json::json!({"email": email.as_str(), "role": "national_admin"}).to_string();
    Ok(format!(
        "INSERT INTO users (email, password_hash, role, display_name, created_at)\n  \
         VALUES ({email}, {hash}, 'national_admin', {name}, {now});\n\
         INSERT INTO audit_log (at, actor_role, action, entity_type, entity_id, after)\n  \
         VALUES ({now}, 'system', 'staff.create', 'user', {email}, {after});\n",
        email = literal(email.as_str()),
        hash = literal(&hash),
        name = literal(&name),
        now = literal(&now),
        after = literal(&after),
    ))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, count, rest @ ..] = args.as_slice()
        && command == "synthetic-products"
        && rest.len() <= 1
    {
        let count: usize = count.parse().context("N must be a number of products")?;
        let round = match rest.first() {
            Some(year) => year.parse().context("ROUND must be a year")?,
            None => ppr_core::calendar::business_year(chrono::Utc::now()),
        };
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        return synthetic::write_sql(count, round, &mut out);
    }
    if let [command, root, id] = args.as_slice()
        && command == "restore-sql"
    {
        let id: i64 = id.parse().context("ID must be a backup's number")?;
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        return restore::write_sql(std::path::Path::new(root), id, &mut out);
    }
    if let [command, count] = args.as_slice()
        && command == "identities"
    {
        let count: usize = count.parse().context("N must be a number of enterprises")?;
        for (uscc, patents) in synthetic::identities(count, 3, "350100") {
            println!("{uscc}\t{}", patents.join(","));
        }
        return Ok(());
    }
    let [command, email, name] = args.as_slice() else {
        bail!(
            "usage: ppr-admin national-admin-sql EMAIL NAME   (password in PPR_ADMIN_PASSWORD or on stdin)\n       ppr-admin synthetic-products N [ROUND]\n       ppr-admin identities N   (USCC and 3 patent numbers per line, for benchmarks)\n       ppr-admin restore-sql ROOT ID   (backup ID downloaded under ROOT)"
        );
    };
    if command != "national-admin-sql" {
        bail!("unknown command {command:?}; the one command is national-admin-sql");
    }
    let password = match std::env::var("PPR_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("read the password")?;
            password.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    print!("{}", national_admin_sql(email, name, &password)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_and_values_checked() {
        let sql = national_admin_sql("ops@example.cn", "O'Brien 王", "correct horse battery")
            .expect("sql");
        assert!(sql.contains("'O''Brien 王'"), "{sql}");
        assert!(sql.contains("'$argon2id$v=19$m=19456,t=2,p=1$"), "{sql}");
        assert!(national_admin_sql("not an email", "A", "correct horse battery").is_err());
        assert!(national_admin_sql("ops@example.cn", "A", "short").is_err());
    }
}
