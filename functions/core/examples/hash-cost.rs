//! Prints how long one Argon2id password hash takes natively at the platform's
//! parameters (the cost of a login or registration, before wasm overhead).
//! Run: `cargo run --release -p ppr-core --example hash-cost`

use std::time::Instant;

fn main() {
    let salt = [42u8; ppr_core::password::SALT_BYTES];
    let runs = 10;
    let started = Instant::now();
    for _ in 0..runs {
        let _ = ppr_core::password::hash_password("correct horse battery", &salt);
    }
    let per_hash = started.elapsed() / runs;
    println!("argon2id m=19 MiB t=2 p=1: {per_hash:?} per hash (native, mean of {runs})");
}
