//! What an operator reads: one structured log line (JSON, which Workers Logs indexes
//! field by field) per request, queue batch and scheduled run, with its request id,
//! route, status, duration, the D1 statements it sent and its error code.
//!
//! A request's id is Cloudflare's `cf-ray` where there is one (so the line meets the
//! edge's own logs), else a random one; the answer echoes it in `x-request-id` and
//! an error page shows it, so a person can quote it.
//!
//! The statements and the error are counted while the event's future is polled
//! ([`Trace::run`]): an instance serves several events at once on one thread, and
//! only the one being polled can be sending a statement.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use serde::Serialize;

/// What one event did, filled in while it runs.
#[derive(Debug)]
pub struct Trace {
    id: String,
    kind: &'static str,
    method: String,
    route: RefCell<String>,
    started_ms: f64,
    d1_statements: Cell<u32>,
    error: RefCell<Option<&'static str>>,
}

thread_local! {
    /// The event being polled.
    static CURRENT: RefCell<Option<Rc<Trace>>> = const { RefCell::new(None) };
}

/// The log line.
#[derive(Debug, Serialize)]
struct Line<'a> {
    kind: &'static str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    method: &'a str,
    route: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<usize>,
    duration_ms: f64,
    d1_statements: u32,
    error: Option<&'static str>,
}

impl Trace {
    /// A request's trace: `ray` is its `cf-ray` header, if any.
    #[must_use]
    pub fn request(method: &str, route: &str, ray: Option<&str>, now_ms: f64) -> Rc<Self> {
        let id = ray
            .filter(|r| {
                (8..=64).contains(&r.len())
                    && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .map_or_else(random_id, str::to_owned);
        Self::new(id, "request", method, route, now_ms)
    }

    /// A queue batch's or a scheduled run's trace (`kind` `queue` or `scheduled`).
    #[must_use]
    pub fn event(kind: &'static str, route: &str, now_ms: f64) -> Rc<Self> {
        Self::new(random_id(), kind, "", route, now_ms)
    }

    fn new(id: String, kind: &'static str, method: &str, route: &str, now_ms: f64) -> Rc<Self> {
        Rc::new(Self {
            id,
            kind,
            method: method.to_owned(),
            route: RefCell::new(route.to_owned()),
            started_ms: now_ms,
            d1_statements: Cell::new(0),
            error: RefCell::new(None),
        })
    }

    /// The id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs `work` as this event: while it is polled, statements and errors count
    /// here.
    pub async fn run<T>(self: &Rc<Self>, work: impl Future<Output = T>) -> T {
        Scoped {
            trace: Rc::clone(self),
            work: Box::pin(work),
        }
        .await
    }

    /// The line for this event, ended at `now_ms` with `status` (a request's) or
    /// `messages` (a batch's).
    #[must_use]
    pub fn line(&self, status: Option<u16>, messages: Option<usize>, now_ms: f64) -> String {
        let route = self.route.borrow();
        let line = Line {
            kind: self.kind,
            request_id: &self.id,
            method: &self.method,
            route: &route,
            status,
            messages,
            duration_ms: (now_ms - self.started_ms).max(0.0),
            d1_statements: self.d1_statements.get(),
            error: *self.error.borrow(),
        };
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// A future that makes its trace the current one while it is polled.
struct Scoped<F: ?Sized> {
    trace: Rc<Trace>,
    work: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let outer = CURRENT.with(|c| c.replace(Some(Rc::clone(&this.trace))));
        let polled = this.work.as_mut().poll(cx);
        CURRENT.with(|c| *c.borrow_mut() = outer);
        polled
    }
}

/// Runs `f` on the current event's trace, if there is one.
fn with_current(f: impl FnOnce(&Trace)) {
    CURRENT.with(|c| {
        if let Some(trace) = c.borrow().as_deref() {
            f(trace);
        }
    });
}

/// One more D1 statement sent by the current event.
pub fn count_statement() {
    with_current(|t| t.d1_statements.set(t.d1_statements.get().saturating_add(1)));
}

/// The current event failed with `code` (the last one noted is logged).
pub fn note_error(code: &'static str) {
    with_current(|t| *t.error.borrow_mut() = Some(code));
}

/// The route the current request resolved to (an operation's path template).
pub fn note_route(route: &str) {
    with_current(|t| route.clone_into(&mut t.route.borrow_mut()));
}

/// The current event's id.
#[must_use]
pub fn current_id() -> Option<String> {
    CURRENT.with(|c| c.borrow().as_ref().map(|t| t.id.clone()))
}

thread_local! {
    /// The state of the ids' generator (xorshift64*), seeded once per instance from
    /// the platform's randomness: ids must not repeat, not be unguessable.
    static NEXT_ID: Cell<u64> = Cell::new({
        let mut seed = [0_u8; 8];
        let _ = getrandom::getrandom(&mut seed);
        u64::from_le_bytes(seed) | 1
    });
}

/// A fresh id: 16 hexadecimal digits.
fn random_id() -> String {
    let n = NEXT_ID.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    });
    format!("{n:016x}")
}

/// Writes a line to the Worker's log (Workers Logs; `wrangler dev`'s console).
pub fn write(line: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_once<F: Future>(f: F) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut f = Box::pin(f);
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        }
    }

    #[test]
    fn a_line_counts_only_what_its_own_event_did() {
        let a = Trace::request("GET", "/products/", Some("8d2f3e4a5b6c7d8e-SJC"), 1000.0);
        let b = Trace::event("queue", "ppr-webhooks", 1000.0);
        poll_once(a.run(async {
            count_statement();
            count_statement();
            note_route("/api/v1/products/{number}");
            note_error("product_not_found");
        }));
        poll_once(b.run(async { count_statement() }));
        count_statement();
        let line: serde_json::Value =
            serde_json::from_str(&a.line(Some(404), None, 1012.5)).expect("json");
        assert_eq!(line["request_id"], "8d2f3e4a5b6c7d8e-SJC");
        assert_eq!(line["route"], "/api/v1/products/{number}");
        assert_eq!(line["status"], 404);
        assert_eq!(line["duration_ms"], 12.5);
        assert_eq!(line["d1_statements"], 2);
        assert_eq!(line["error"], "product_not_found");
        let line: serde_json::Value =
            serde_json::from_str(&b.line(None, Some(3), 1001.0)).expect("json");
        assert_eq!(line["d1_statements"], 1);
        assert_eq!(line["messages"], 3);
        assert!(line.get("method").is_none());
    }

    #[test]
    fn a_ray_that_is_not_one_gets_a_fresh_id() {
        let id = Trace::request("GET", "/", Some("<script>"), 0.0)
            .id()
            .to_owned();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(Trace::request("GET", "/", None, 0.0).id(), id);
    }
}
