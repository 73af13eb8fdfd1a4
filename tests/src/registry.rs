//! Builders for the registration path: verified enterprises, patents, evidence,
//! complete filings and recorded products, each made through the API as a user
//! would, so a test can start at the step it is about.

use anyhow::{Context, Result, ensure};
use chrono::Datelike;
use ppr_core::calendar::business_date;
use ppr_core::patent::check_char;
use serde_json::{Value, json};

use crate::fixtures::{Enterprise, PASSWORD, unique};
use crate::{Session, TestWorker};

/// The smallest valid PDF-looking file the upload check accepts.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Today's year on the business calendar.
#[must_use]
pub fn this_year() -> i32 {
    business_date(chrono::Utc::now()).year()
}

/// A valid invention application number of 2015, unique in this process.
#[must_use]
pub fn patent_number() -> String {
    let digits = format!("20151{:07}", unique());
    format!("{digits}.{}", check_char(&digits))
}

/// A patent body for `number` (an invention of 2015).
#[must_use]
pub fn patent_body(number: &str) -> Value {
    json!({
        "number": number,
        "kind": "invention",
        "title": "一种电池管理方法",
        "application_date": "2015-03-02",
        "grant_date": "2017-06-20",
        "right_held": "owned",
    })
}

/// A verified enterprise and its session, with the reviewer session that verified it.
#[derive(Debug)]
pub struct Verified<'w> {
    /// The enterprise.
    pub enterprise: Enterprise,
    /// Its signed-in user.
    pub session: Session<'w>,
}

impl Verified<'_> {
    /// `/api/v1/enterprises/{uscc}` + `rest`.
    #[must_use]
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/enterprises/{}{rest}", self.enterprise.uscc)
    }

    /// Uploads a document of `purpose`; its id.
    ///
    /// # Errors
    ///
    /// The upload did not answer 201.
    pub fn upload(&self, purpose: &str) -> Result<i64> {
        upload(&self.session, &self.enterprise.uscc, purpose)
    }

    /// Registers a fresh valid patent; its number.
    ///
    /// # Errors
    ///
    /// Creation did not answer 201.
    pub fn add_patent(&self) -> Result<String> {
        let number = patent_number();
        let reply = self
            .session
            .post_json(&self.path("/patents"), &patent_body(&number))?;
        ensure!(
            reply.status == 201,
            "add patent: {} {}",
            reply.status,
            reply.body
        );
        Ok(number)
    }

    /// A complete filing content with one fresh patent and one evidence document.
    ///
    /// # Errors
    ///
    /// A step failed.
    pub fn complete_data(&self, name: &str) -> Result<Value> {
        let number = self.add_patent()?;
        let evidence = self.upload("evidence")?;
        Ok(filing_data(name, &[&number], evidence))
    }

    /// Creates a draft with `data`; the filing JSON.
    ///
    /// # Errors
    ///
    /// Creation did not answer 201.
    pub fn draft(&self, data: &Value) -> Result<Value> {
        let reply = self
            .session
            .post_json(&self.path("/filings"), &json!({ "data": data }))?;
        ensure!(
            reply.status == 201,
            "draft: {} {}",
            reply.status,
            reply.body
        );
        reply.json()
    }

    /// Revokes product `number` as its owner would: files a voluntary revocation,
    /// submits it, and has a fresh reviewer approve it.
    ///
    /// # Errors
    ///
    /// A step did not answer as it should.
    pub fn revoke(&self, number: &str) -> Result<()> {
        let reply = self.session.post_json(
            &self.path("/filings"),
            &json!({"kind": "revocation", "product": number, "reason": "产品已停产"}),
        )?;
        ensure!(reply.status == 201, "revocation: {}", reply.body);
        let id = reply.json()?["id"].as_i64().context("id")?;
        self.submit(id)?;
        let reply = self.session.worker().reviewer()?.post_json(
            &format!("/api/v1/filings/{id}/decision"),
            &json!({"decision": "approve"}),
        )?;
        ensure!(reply.status == 200, "approval: {}", reply.body);
        Ok(())
    }

    /// Submits filing `id`.
    ///
    /// # Errors
    ///
    /// Submission did not answer 200.
    pub fn submit(&self, id: i64) -> Result<Value> {
        let reply = self
            .session
            .post_json(&self.path(&format!("/filings/{id}/submit")), &json!({}))?;
        ensure!(
            reply.status == 200,
            "submit: {} {}",
            reply.status,
            reply.body
        );
        reply.json()
    }
}

/// Uploads a small PDF for `uscc` with `purpose`; its id.
///
/// # Errors
///
/// The upload did not answer 201.
pub fn upload(session: &Session<'_>, uscc: &str, purpose: &str) -> Result<i64> {
    let reply = session.post_raw(
        &format!("/api/v1/enterprises/{uscc}/documents?purpose={purpose}&filename=licence.pdf"),
        "application/pdf",
        PDF.to_vec(),
    )?;
    ensure!(
        reply.status == 201,
        "upload: {} {}",
        reply.status,
        reply.body
    );
    reply.json()?["id"].as_i64().context("document id")
}

/// A complete filing content.
#[must_use]
pub fn filing_data(name: &str, patents: &[&str], evidence: i64) -> Value {
    let share = 100 / i64::try_from(patents.len().max(1)).unwrap_or(1);
    json!({
        "name": name,
        "model": format!("M-{}", unique()),
        "field": "03",
        "description": "一种用于储能系统的电池管理产品。",
        "first_marketed_on": "2020-05-01",
        "manufacture_region": "350100",
        "patents": patents.iter().enumerate().map(|(i, n)| json!({"number": n, "core": i == 0, "contribution_pct": share})).collect::<Vec<_>>(),
        "economics": {"year": this_year() - 1, "sales": 5_000_000, "exports": 1_000_000, "profit": 800_000, "ip_investment": 200_000},
        "opt_in": false,
        "evidence": [evidence],
    })
}

impl TestWorker {
    /// Registers an enterprise in `area`, submits its verification and has a reviewer
    /// approve it.
    ///
    /// # Errors
    ///
    /// A step failed.
    pub fn verified_enterprise_in(&self, area: &str) -> Result<Verified<'_>> {
        let enterprise = self.register_enterprise_in(area)?;
        let session = self.sign_in(&enterprise.email, PASSWORD)?;
        let document = upload(&session, &enterprise.uscc, "verification")?;
        let reply = session.post_json(
            &format!("/api/v1/enterprises/{}/verifications", enterprise.uscc),
            &verification_body(document),
        )?;
        ensure!(
            reply.status == 201,
            "verification: {} {}",
            reply.status,
            reply.body
        );
        let id = reply.json()?["id"].as_i64().context("verification id")?;
        let reviewer = self.reviewer()?;
        let reply = reviewer.post_json(
            &format!("/api/v1/verifications/{id}/decision"),
            &json!({"decision": "approve"}),
        )?;
        ensure!(
            reply.status == 200,
            "approve verification: {} {}",
            reply.status,
            reply.body
        );
        Ok(Verified {
            enterprise,
            session,
        })
    }

    /// A verified enterprise in Fuzhou.
    ///
    /// # Errors
    ///
    /// A step failed.
    pub fn verified_enterprise(&self) -> Result<Verified<'_>> {
        self.verified_enterprise_in("350100")
    }

    /// A fresh reviewer's session.
    ///
    /// # Errors
    ///
    /// Creation or sign-in failed.
    pub fn reviewer(&self) -> Result<Session<'_>> {
        self.staff_session("reviewer", None)
    }

    /// Files, submits and has a reviewer approve a product of `verified`; its
    /// registration number.
    ///
    /// # Errors
    ///
    /// A step failed.
    pub fn recorded_product(&self, verified: &Verified<'_>, name: &str) -> Result<String> {
        self.record(verified, &verified.complete_data(name)?)
    }

    /// Files `data` as a product of `verified`, submits it and has a reviewer approve
    /// it; its registration number.
    ///
    /// # Errors
    ///
    /// A step failed.
    pub fn record(&self, verified: &Verified<'_>, data: &Value) -> Result<String> {
        let filing = verified.draft(data)?;
        let id = filing["id"].as_i64().context("filing id")?;
        verified.submit(id)?;
        let reply = self.reviewer()?.post_json(
            &format!("/api/v1/filings/{id}/decision"),
            &json!({"decision": "approve"}),
        )?;
        ensure!(
            reply.status == 200,
            "approve filing: {} {}",
            reply.status,
            reply.body
        );
        reply.json()?["product"]
            .as_str()
            .map(str::to_owned)
            .context("registration number")
    }
}

/// A verification body for document `document`.
#[must_use]
pub fn verification_body(document: i64) -> Value {
    json!({
        "legal_representative": "张三",
        "registered_address": "福建省福州市鼓楼区软件大道89号",
        "documents": [document],
        "commitment": {"version": ppr_core::commitment::COMMITMENT_VERSION, "accepted": true},
    })
}
