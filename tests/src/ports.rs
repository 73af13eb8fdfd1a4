//! Regional management ports for the tests: an application approved in one call, and
//! the port's API token as a client.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::fixtures::{PASSWORD, unique};
use crate::{Reply, TestWorker};

/// A port's API token, for requests as the port's system makes them.
#[derive(Debug)]
pub struct Port<'w> {
    /// The worker.
    pub worker: &'w TestWorker,
    /// `ppr_…`.
    pub token: String,
    /// The account's e-mail.
    pub email: String,
    /// The office's name.
    pub office: String,
}

impl Port<'_> {
    /// A request with the token.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply> {
        let auth = format!("Bearer {}", self.token);
        let bytes = body.map(Value::to_string).unwrap_or_default().into_bytes();
        self.worker.request(
            method,
            path,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            bytes,
        )
    }

    /// The registration numbers the port lists (`GET /api/v1/port/products?{query}`).
    ///
    /// # Errors
    ///
    /// Transport failures or an answer without items.
    pub fn product_numbers(&self, query: &str) -> Result<Vec<String>> {
        let page = self
            .get(&format!("/api/v1/port/products?{query}"))?
            .json()?;
        Ok(page["items"]
            .as_array()
            .context("items")?
            .iter()
            .filter_map(|p| p["registration_number"].as_str().map(str::to_owned))
            .collect())
    }

    /// `POST /api/v1/port/webhooks/{endpoint}/{action}` (`pause`, `test`, …).
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn endpoint_action(&self, endpoint: i64, action: &str) -> Result<Reply> {
        self.send(
            "POST",
            &format!("/api/v1/port/webhooks/{endpoint}/{action}"),
            None,
        )
    }

    /// `GET path` with the token.
    ///
    /// # Errors
    ///
    /// Transport failures.
    pub fn get(&self, path: &str) -> Result<Reply> {
        self.send("GET", path, None)
    }
}

/// A valid application for a port over `scope`, with a fresh office and account.
#[must_use]
pub fn application(scope: &str) -> Value {
    let n = unique();
    json!({
        "office_name": format!("测试知识产权局 {n}"),
        "region_scope": scope,
        "contacts": [{"name": "王五", "title": "处长", "phone": "13800138000", "email": format!("wang{n}@ip.test")}],
        "account_email": format!("port{n}@ip.test"),
        "password": PASSWORD,
    })
}

/// Applies for a port over `scope` and has the national admin approve it, at
/// `instant` if given (the port's opening date).
///
/// # Errors
///
/// The application or the approval was refused.
pub fn open_port<'w>(
    worker: &'w TestWorker,
    scope: &str,
    instant: Option<&str>,
) -> Result<Port<'w>> {
    let body = application(scope);
    let reply = worker.post_json("/api/v1/port-applications", &body)?;
    ensure!(
        reply.status == 201,
        "apply: {} {}",
        reply.status,
        reply.body
    );
    let id = reply.json()?["id"].as_i64().context("id")?;
    let admin = worker.admin()?;
    let admin = match instant {
        Some(at) => admin.at(at),
        None => admin,
    };
    let reply = admin.post_json(
        &format!("/api/v1/port-applications/{id}/decision"),
        &json!({"decision": "approve"}),
    )?;
    ensure!(
        reply.status == 200,
        "approve: {} {}",
        reply.status,
        reply.body
    );
    let decided = reply.json()?;
    crate::remember_secret(decided["token"].as_str().unwrap_or_default());
    Ok(Port {
        worker,
        token: decided["token"].as_str().context("token")?.to_owned(),
        email: body["account_email"].as_str().context("email")?.to_owned(),
        office: body["office_name"].as_str().context("office")?.to_owned(),
    })
}
