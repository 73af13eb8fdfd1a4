//! Password hashing: Argon2id at OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1),
//! stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so that the
//! parameters travel with each hash and can be raised later (see [`needs_rehash`]).
//!
//! Why Argon2id in wasm rather than PBKDF2 through WebCrypto: the Workers runtime caps
//! PBKDF2 at 100,000 iterations, a sixth of OWASP's 600,000 for PBKDF2-SHA256, while
//! Argon2id is memory-hard and runs at full strength in wasm. The caller supplies the
//! salt (16 random bytes): this crate reads no randomness.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB: 19 MiB (OWASP Password Storage Cheat Sheet, Argon2id minimum).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;

/// Passes over memory.
pub const ARGON2_ITERATIONS: u32 = 2;

/// Lanes; the Worker runs one thread.
pub const ARGON2_PARALLELISM: u32 = 1;

/// Salt length in bytes (128 bits).
pub const SALT_BYTES: usize = 16;

/// Hashing failed: only with parameters or a salt the library refuses, i.e. a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with `salt` into a PHC string.
///
/// # Errors
///
/// Only if the library refuses the parameters (a bug).
pub fn hash_password(password: &str, salt: &[u8; SALT_BYTES]) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| HashError(e.to_string()))?;
    let hash = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored`, with the parameters recorded in
/// it. A malformed `stored` matches nothing.
#[must_use]
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether `stored` was made with other parameters than today's, so that a successful
/// login should store a fresh hash.
#[must_use]
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() != ARGON2_MEMORY_KIB
        || params.t_cost() != ARGON2_ITERATIONS
        || params.p_cost() != ARGON2_PARALLELISM
}

/// A well-formed hash of no one's password, to verify against when an account does not
/// exist, so that a login takes as long for an unknown address as for a wrong password.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$Fxn4BqgG1TGQe2ZCd/9s61ihCI4jXhVuNmvSMH8bwfI";

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: [u8; SALT_BYTES] = [7; SALT_BYTES];

    #[test]
    fn hashes_verify_and_carry_their_parameters() {
        let stored = hash_password("correct horse battery", &SALT).expect("hash");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify_password("correct horse battery", &stored));
        assert!(!verify_password("correct horse batterY", &stored));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert!(!needs_rehash(&stored));
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=3,p=1$AAAAAAAAAAAAAAAAAAAAAA$Fxn4BqgG1TGQe2ZCd/9s61ihCI4jXhVuNmvSMH8bwfI"
        ));
    }

    #[test]
    fn dummy_hash_is_well_formed_and_current() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(!verify_password("", DUMMY_HASH));
    }
}
