//! The Worker's configuration: its bindings (`wrangler.toml`) and its variables, read
//! from the runtime's `Env` into one typed value, once per `Env` object
//! ([`Config::from_env`]). Nothing else reads the `Env`; a missing binding or a
//! malformed variable is named here, all of them at once, rather than failing
//! wherever it is first used.

use std::cell::{OnceCell, RefCell};
use std::fmt;

use ppr_core::webhook::RetrySchedule;
use worker::js_sys::{Array, Function, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Bucket, D1Database, Env, Fetcher, Queue};

/// The D1 database: all state.
pub const DB_BINDING: &str = "DB";
/// The R2 bucket of uploaded documents.
pub const DOCUMENTS_BINDING: &str = "DOCUMENTS";
/// The R2 bucket of the open-data files.
pub const OPEN_DATA_BINDING: &str = "OPEN_DATA";
/// The R2 bucket of the database's backups.
pub const BACKUPS_BINDING: &str = "BACKUPS";
/// The queue of identification rounds' chunks.
pub const ROUND_STEPS_BINDING: &str = "ROUND_STEPS";
/// The queue of webhook fan-outs and delivery attempts.
pub const WEBHOOKS_BINDING: &str = "WEBHOOKS";
/// The static site (for its 404 page).
pub const ASSETS_BINDING: &str = "ASSETS";

/// `allow` lets a request set the business clock with `x-ppr-now`: local development
/// and the tests only, never a deployment.
pub const DEV_CLOCK_VAR: &str = "PPR_DEV_CLOCK";
/// The webhook retry schedule as comma-separated seconds (`0,1,2`), for local
/// development and the tests; unset, the documented schedule applies.
pub const WEBHOOK_SCHEDULE_VAR: &str = "PPR_WEBHOOK_SCHEDULE";
/// `allow` lets webhook endpoints use `http://127.0.0.1`: local development and the
/// tests only, never a deployment.
pub const LOCAL_HTTP_VAR: &str = "PPR_WEBHOOK_ALLOW_LOCAL_HTTP";

/// `allow`: the rate limits trust a `CF-Connecting-IP` sent to a Worker on a loopback
/// host (the tests, which stand in for many clients). Unset, a local Worker counts
/// every client as one, since locally any client can set the header; behind
/// Cloudflare the edge sets it and it is always trusted. Local development only.
pub const TRUST_CLIENT_ADDRESS_VAR: &str = "PPR_TRUST_CLIENT_ADDRESS";
/// The DNS-over-HTTPS resolver that webhook endpoint names are checked with (a URL
/// answering `?name=…&type=A` with `application/dns-json`).
pub const DNS_RESOLVER_VAR: &str = "PPR_DNS_RESOLVER";

/// Products per step of the daily open-data run (default [`OPEN_DATA_CHUNK`]; the
/// tests use a small one to take many steps).
pub const OPEN_DATA_CHUNK_VAR: &str = "PPR_OPEN_DATA_CHUNK";

/// Products per step of the daily open-data run: about 1 MB of CSV, well inside one
/// invocation's memory and CPU.
pub const OPEN_DATA_CHUNK: i64 = 2_000;

/// Rows per chunk of the nightly backup (default [`BACKUP_CHUNK`]; the tests use a
/// small one, so a small registry takes many chunks and several runs).
pub const BACKUP_CHUNK_VAR: &str = "PPR_BACKUP_CHUNK_ROWS";

/// Rows per chunk of the nightly backup: a product row is about 1.2 KB, so a chunk is
/// about 2.4 MB before compression.
pub const BACKUP_CHUNK: i64 = 2_000;

/// Most chunks of the nightly backup one scheduled run copies (default
/// [`BACKUP_CHUNKS_PER_RUN`]; the tests use a few, so a backup takes several runs).
pub const BACKUP_CHUNKS_PER_RUN_VAR: &str = "PPR_BACKUP_CHUNKS_PER_RUN";

/// Most chunks one scheduled run copies: three queries each, inside the 1,000 an
/// invocation may make.
pub const BACKUP_CHUNKS_PER_RUN: i64 = 150;

/// The resolver when none is configured.
pub const DEFAULT_DNS_RESOLVER: &str = "https://cloudflare-dns.com/dns-query";

/// Everything the Worker takes from its environment.
pub struct Config {
    /// All state.
    pub db: D1Database,
    /// Uploaded documents.
    pub documents: Bucket,
    /// The open-data files (public).
    pub open_data: Bucket,
    /// The database's backups (private).
    pub backups: Bucket,
    /// One message per chunk of a round's work.
    pub round_steps: Queue,
    /// Webhook fan-outs and attempts.
    pub webhooks: Queue,
    /// The static site.
    pub assets: Fetcher,
    /// Whether `x-ppr-now` may set a request's business clock.
    pub dev_clock: bool,
    /// The webhook retry schedule.
    pub webhook_schedule: RetrySchedule,
    /// Whether webhook endpoints may use `http://127.0.0.1`.
    pub allow_local_http: bool,
    /// Whether a loopback Worker trusts `CF-Connecting-IP` ([`TRUST_CLIENT_ADDRESS_VAR`]).
    pub trust_client_address: bool,
    /// The DNS-over-HTTPS resolver.
    pub dns_resolver: String,
    /// The Worker's own edge cache, where the runtime offers one to purge.
    pub edge_cache: EdgeCache,
    /// Products per step of the daily open-data run.
    pub open_data_chunk: i64,
    /// Rows per chunk of the nightly backup.
    pub backup_chunk: i64,
    /// Most chunks of the backup one scheduled run copies.
    pub backup_chunks_per_run: i64,
}

/// The Worker's edge cache (Workers Caching, `[cache]` in `wrangler.toml`) as the
/// runtime hands it to an invocation (`ctx.cache`): what a change purges the public
/// pages and answers from, by their `Cache-Tag`s. Where the runtime has none (locally,
/// or with caching off) nothing is purged and the pages' `max-age` bounds how stale
/// they can be.
#[derive(Clone, Default)]
pub struct EdgeCache(Option<JsValue>);

impl fmt::Debug for EdgeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EdgeCache").field(&self.0.is_some()).finish()
    }
}

impl EdgeCache {
    /// The cache of an invocation's context, if the runtime gives it one that purges.
    #[must_use]
    pub fn of(ctx: &JsValue) -> Self {
        let cache = Reflect::get(ctx, &JsValue::from_str("cache"))
            .ok()
            .filter(JsValue::is_object);
        let purges = cache.as_ref().is_some_and(|c| {
            Reflect::get(c, &JsValue::from_str("purge")).is_ok_and(|f| f.is_function())
        });
        Self(cache.filter(|_| purges))
    }

    /// Whether a purge reaches a cache.
    #[must_use]
    pub fn purges(&self) -> bool {
        self.0.is_some()
    }

    /// Purges every cached response carrying any of `tags`.
    ///
    /// # Errors
    ///
    /// The runtime refused the purge (its message).
    pub async fn purge(&self, tags: &[String]) -> Result<(), String> {
        let Some(cache) = &self.0 else {
            return Ok(());
        };
        if tags.is_empty() {
            return Ok(());
        }
        let text = |e: JsValue| format!("{e:?}");
        let purge: Function = Reflect::get(cache, &JsValue::from_str("purge"))
            .map_err(text)?
            .dyn_into()
            .map_err(text)?;
        let list = Array::new();
        for tag in tags {
            list.push(&JsValue::from_str(tag));
        }
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("tags"), &list).map_err(text)?;
        let promise = purge.call1(cache, &options).map_err(text)?;
        if let Ok(promise) = promise.dyn_into::<Promise>() {
            JsFuture::from(promise).await.map_err(text)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bindings are runtime handles with nothing to show.
        f.debug_struct("Config")
            .field("dev_clock", &self.dev_clock)
            .field("webhook_schedule", &self.webhook_schedule)
            .field("allow_local_http", &self.allow_local_http)
            .field("trust_client_address", &self.trust_client_address)
            .field("dns_resolver", &self.dns_resolver)
            .finish_non_exhaustive()
    }
}

/// What is wrong with the environment: every missing binding and malformed variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Worker's environment is incomplete: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One line per problem, naming the binding or variable.
    pub problems: Vec<String>,
}

impl Clone for Config {
    fn clone(&self) -> Self {
        Self {
            // `D1Database` is a handle with no `Clone` of its own.
            db: JsValue::from(self.db.as_ref()).unchecked_into(),
            documents: self.documents.clone(),
            open_data: self.open_data.clone(),
            backups: self.backups.clone(),
            round_steps: self.round_steps.clone(),
            webhooks: self.webhooks.clone(),
            assets: self.assets.clone(),
            dev_clock: self.dev_clock,
            webhook_schedule: self.webhook_schedule.clone(),
            allow_local_http: self.allow_local_http,
            trust_client_address: self.trust_client_address,
            dns_resolver: self.dns_resolver.clone(),
            edge_cache: self.edge_cache.clone(),
            open_data_chunk: self.open_data_chunk,
            backup_chunk: self.backup_chunk,
            backup_chunks_per_run: self.backup_chunks_per_run,
        }
    }
}

thread_local! {
    /// The configuration last read, with the `Env` object it was read from.
    static LAST: RefCell<Option<(JsValue, Config)>> = const { RefCell::new(None) };
}

impl Config {
    /// Reads the bindings and variables. The runtime hands an instance the same `Env`
    /// object for every event, so what was read from that very object is reused
    /// (reading six bindings again cost a few per cent of a public lookup's time).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming every binding that is missing and every variable that
    /// does not parse.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let env_object: &JsValue = env.as_ref();
        let cached = LAST.with(|last| {
            last.borrow()
                .as_ref()
                .filter(|(read_from, _)| read_from == env_object)
                .map(|(_, config)| config.clone())
        });
        if let Some(config) = cached {
            return Ok(config);
        }
        let config = Self::read(env)?;
        LAST.with(|last| *last.borrow_mut() = Some((env_object.clone(), config.clone())));
        Ok(config)
    }

    /// Reads the bindings and variables from `env`.
    fn read(env: &Env) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let mut need = |name: &str, found: Option<()>| {
            if found.is_none() {
                problems.push(format!("binding {name} is missing"));
            }
        };
        let db = env.d1(DB_BINDING).ok();
        need(DB_BINDING, db.as_ref().map(|_| ()));
        let documents = env.bucket(DOCUMENTS_BINDING).ok();
        need(DOCUMENTS_BINDING, documents.as_ref().map(|_| ()));
        let open_data = env.bucket(OPEN_DATA_BINDING).ok();
        need(OPEN_DATA_BINDING, open_data.as_ref().map(|_| ()));
        let backups = env.bucket(BACKUPS_BINDING).ok();
        need(BACKUPS_BINDING, backups.as_ref().map(|_| ()));
        let round_steps = env.queue(ROUND_STEPS_BINDING).ok();
        need(ROUND_STEPS_BINDING, round_steps.as_ref().map(|_| ()));
        let webhooks = env.queue(WEBHOOKS_BINDING).ok();
        need(WEBHOOKS_BINDING, webhooks.as_ref().map(|_| ()));
        let assets = env.assets(ASSETS_BINDING).ok();
        need(ASSETS_BINDING, assets.as_ref().map(|_| ()));

        // The variables are the same for every request an instance serves: they are
        // read and parsed once.
        let vars = VARS.with(|vars| {
            vars.get_or_init(|| Vars::parse(&|name| env.var(name).ok().map(|v| v.to_string())))
                .clone()
        });
        problems.extend(vars.as_ref().err().cloned().unwrap_or_default());

        match (
            db,
            documents,
            open_data,
            backups,
            round_steps,
            webhooks,
            assets,
            vars,
        ) {
            (
                Some(db),
                Some(documents),
                Some(open_data),
                Some(backups),
                Some(round_steps),
                Some(webhooks),
                Some(assets),
                Ok(v),
            ) if problems.is_empty() => Ok(Self {
                db,
                documents,
                open_data,
                backups,
                round_steps,
                webhooks,
                assets,
                dev_clock: v.dev_clock,
                webhook_schedule: v.webhook_schedule,
                allow_local_http: v.allow_local_http,
                trust_client_address: v.trust_client_address,
                dns_resolver: v.dns_resolver,
                edge_cache: EdgeCache::default(),
                open_data_chunk: v.open_data_chunk,
                backup_chunk: v.backup_chunk,
                backup_chunks_per_run: v.backup_chunks_per_run,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

thread_local! {
    static VARS: OnceCell<Result<Vars, Vec<String>>> = const { OnceCell::new() };
}

/// The variables, parsed (apart from the bindings, so they are tested on the host).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Vars {
    dev_clock: bool,
    webhook_schedule: RetrySchedule,
    allow_local_http: bool,
    trust_client_address: bool,
    dns_resolver: String,
    open_data_chunk: i64,
    backup_chunk: i64,
    backup_chunks_per_run: i64,
}

impl Vars {
    /// The variables `var` gives (`None`: unset).
    fn parse(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut switch = |name: &str| match var(name).as_deref() {
            None | Some("") => false,
            Some("allow") => true,
            Some(other) => {
                problems.push(format!(
                    "variable {name} is {other:?}; it is `allow` or unset"
                ));
                false
            }
        };
        let dev_clock = switch(DEV_CLOCK_VAR);
        let allow_local_http = switch(LOCAL_HTTP_VAR);
        let trust_client_address = switch(TRUST_CLIENT_ADDRESS_VAR);
        let webhook_schedule = match var(WEBHOOK_SCHEDULE_VAR) {
            None => RetrySchedule::default(),
            Some(text) => RetrySchedule::parse(&text).unwrap_or_else(|e| {
                problems.push(format!("variable {WEBHOOK_SCHEDULE_VAR}: {e}"));
                RetrySchedule::default()
            }),
        };
        let dns_resolver = match var(DNS_RESOLVER_VAR) {
            None => DEFAULT_DNS_RESOLVER.to_owned(),
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => url,
            Some(other) => {
                problems.push(format!(
                    "variable {DNS_RESOLVER_VAR} is {other:?}; it is an http(s) URL"
                ));
                DEFAULT_DNS_RESOLVER.to_owned()
            }
        };
        let mut count = |name: &str, default: i64| match var(name) {
            None => default,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "variable {name} is {text:?}; it is a number from 1 to 10000"
                    ));
                    default
                }
            },
        };
        let open_data_chunk = count(OPEN_DATA_CHUNK_VAR, OPEN_DATA_CHUNK);
        let backup_chunk = count(BACKUP_CHUNK_VAR, BACKUP_CHUNK);
        let backup_chunks_per_run =
            count(BACKUP_CHUNKS_PER_RUN_VAR, BACKUP_CHUNKS_PER_RUN).min(BACKUP_CHUNKS_PER_RUN);
        if problems.is_empty() {
            Ok(Self {
                dev_clock,
                webhook_schedule,
                allow_local_http,
                trust_client_address,
                dns_resolver,
                open_data_chunk,
                backup_chunk,
                backup_chunks_per_run,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Result<Vars, Vec<String>> {
        let lookup = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Vars::parse(&lookup)
    }

    #[test]
    fn unset_variables_take_the_production_defaults() {
        let v = vars(&[]).expect("defaults");
        assert!(!v.dev_clock && !v.allow_local_http && !v.trust_client_address);
        assert_eq!(v.webhook_schedule, RetrySchedule::default());
        assert_eq!(v.dns_resolver, DEFAULT_DNS_RESOLVER);
    }

    #[test]
    fn set_variables_are_read() {
        let v = vars(&[
            (DEV_CLOCK_VAR, "allow"),
            (LOCAL_HTTP_VAR, "allow"),
            (TRUST_CLIENT_ADDRESS_VAR, "allow"),
            (WEBHOOK_SCHEDULE_VAR, "0,1,2"),
            (DNS_RESOLVER_VAR, "http://127.0.0.1:5353/dns-query"),
        ])
        .expect("valid");
        assert!(v.dev_clock && v.allow_local_http && v.trust_client_address);
        assert_eq!(v.webhook_schedule.attempts(), 3);
        assert_eq!(v.dns_resolver, "http://127.0.0.1:5353/dns-query");
    }

    #[test]
    fn every_malformed_variable_is_named() {
        let problems = vars(&[
            (DEV_CLOCK_VAR, "yes"),
            (WEBHOOK_SCHEDULE_VAR, "soon"),
            (DNS_RESOLVER_VAR, "8.8.8.8"),
        ])
        .expect_err("malformed");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains(DEV_CLOCK_VAR)));
        assert!(problems.iter().any(|p| p.contains(WEBHOOK_SCHEDULE_VAR)));
        assert!(problems.iter().any(|p| p.contains(DNS_RESOLVER_VAR)));
    }
}
