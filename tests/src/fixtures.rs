//! Builders for test data: valid identifiers made fresh for each test, and accounts
//! registered through the API, so that tests sharing a worker never collide.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Result, ensure};
use ppr_core::uscc::{org_code_check_char, uscc_check_char};
use serde_json::{Value, json};

use crate::{Session, TestWorker};

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A number no other fixture of this process has used.
pub fn unique() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A valid enterprise USCC registered in `area` (six digits), unique in this process.
#[must_use]
pub fn uscc_in(area: &str) -> String {
    let org = format!("{:08}", unique());
    let org_check = org_code_check_char(&org).unwrap_or('0');
    let first17 = format!("91{area}{org}{org_check}");
    let check = uscc_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// A valid USCC from Fuzhou (350100).
#[must_use]
pub fn uscc() -> String {
    uscc_in("350100")
}

/// The password every fixture account gets.
pub const PASSWORD: &str = "fixture password 123";

/// A registration body for `uscc`, with a fresh contact e-mail.
#[must_use]
pub fn enterprise_body(uscc: &str) -> Value {
    json!({
        "uscc": uscc,
        "name": format!("福州测试科技有限公司{}", unique()),
        "contact": {"name": "王工", "email": format!("ip{}@enterprise.test", unique()), "phone": "13800138000"},
        "password": PASSWORD,
    })
}

/// An enterprise registered through the API, with its login.
#[derive(Debug, Clone)]
pub struct Enterprise {
    /// Id.
    pub id: i64,
    /// USCC.
    pub uscc: String,
    /// Login e-mail.
    pub email: String,
}

impl TestWorker {
    /// Registers a fresh enterprise in `area`.
    ///
    /// # Errors
    ///
    /// The registration did not answer 201.
    pub fn register_enterprise_in(&self, area: &str) -> Result<Enterprise> {
        let body = enterprise_body(&uscc_in(area));
        let reply = self.post_json("/api/v1/enterprises", &body)?;
        ensure!(
            reply.status == 201,
            "register: {} {}",
            reply.status,
            reply.body
        );
        let json = reply.json()?;
        Ok(Enterprise {
            id: json["id"].as_i64().unwrap_or_default(),
            uscc: body["uscc"].as_str().unwrap_or_default().to_owned(),
            email: body["contact"]["email"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// Registers a fresh enterprise in Fuzhou.
    ///
    /// # Errors
    ///
    /// The registration did not answer 201.
    pub fn register_enterprise(&self) -> Result<Enterprise> {
        self.register_enterprise_in("350100")
    }

    /// Registers a fresh enterprise and signs in as it.
    ///
    /// # Errors
    ///
    /// Registration or sign-in failed.
    pub fn enterprise_session(&self) -> Result<(Enterprise, Session<'_>)> {
        let enterprise = self.register_enterprise()?;
        let session = self.sign_in(&enterprise.email, PASSWORD)?;
        Ok((enterprise, session))
    }

    /// Creates a staff account (as the national admin) and signs in as it.
    ///
    /// # Errors
    ///
    /// Creation or sign-in failed.
    pub fn staff_session(&self, role: &str, region_scope: Option<&str>) -> Result<Session<'_>> {
        let email = format!("{role}{}@staff.test", unique());
        let body = json!({"email": email, "display_name": "员工", "role": role, "region_scope": region_scope, "password": PASSWORD});
        let reply = self.admin()?.post_json("/api/v1/staff", &body)?;
        ensure!(
            reply.status == 201,
            "create staff: {} {}",
            reply.status,
            reply.body
        );
        self.sign_in(&email, PASSWORD)
    }
}
