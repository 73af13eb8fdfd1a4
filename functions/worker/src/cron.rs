//! The scheduled job (hourly): revokes products whose prompted revocation deadline
//! has passed, each in its own batch with its typed transaction, as the system; and
//! sends again the message of any identification round step that stopped making
//! progress (see [`crate::round_work`]). Idempotent: a product revoked once is not
//! found again, a chunk message sent twice runs once; a run that stops half-way leaves
//! the rest for the next run.

use worker::Env;

use crate::clock;
use crate::error::ApiError;
use crate::handlers::products::revoke_prompted;
use crate::repo::audit::Actor;
use crate::repo::{DB_BINDING, products};
use crate::round_work;

/// Most products revoked per run: each is one small batch, well inside the CPU and
/// subrequest limits of a scheduled invocation; the rest waits an hour.
const MAX_PER_RUN: i64 = 200;

/// Runs the jobs; failures are logged, never thrown (a failed run retries next hour).
pub async fn run(env: &Env) {
    // `internal_cause` has logged the causes already.
    let _ = revoke_due(env).await;
    if let Ok(db) = env.d1(DB_BINDING) {
        let _ = round_work::resend_stalled(env, &db).await;
    }
}

async fn revoke_due(env: &Env) -> Result<usize, ApiError> {
    let db = env
        .d1(DB_BINDING)
        .map_err(|e| ApiError::internal_cause("D1 binding", &e))?;
    let now = clock::stamp(clock::now());
    let due = products::due_revocations(&db, &now, MAX_PER_RUN).await?;
    let mut revoked = 0;
    for product in &due {
        let actor = Actor {
            user_id: None,
            role: "system",
        };
        match revoke_prompted(
            &db,
            product,
            actor,
            "prompted revocation deadline passed",
            &now,
        )
        .await
        {
            Ok(()) => revoked += 1,
            Err(err) if err.status == 409 => {}
            Err(err) => return Err(err),
        }
    }
    Ok(revoked)
}
