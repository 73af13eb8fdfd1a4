//! Staff accounts: `POST /api/v1/staff`, national admins only, and the first national
//! admin created by `scripts/create-admin` (the harness makes it that way).

use anyhow::{Result, ensure};
use ppr_tests::TestWorker;
use ppr_tests::fixtures::{PASSWORD, unique};
use serde_json::json;

use crate::support::{Case, assert_error, assert_field};

pub const CASES: &[Case] = &[
    (
        "staff::admin_from_the_command_line_signs_in",
        admin_from_the_command_line_signs_in,
    ),
    (
        "staff::admin_creates_each_staff_role",
        admin_creates_each_staff_role,
    ),
    (
        "staff::only_national_admins_create_staff",
        only_national_admins_create_staff,
    ),
    (
        "staff::region_scope_goes_with_regional_admins_only",
        region_scope_goes_with_regional_admins_only,
    ),
    ("staff::staff_email_is_unique", staff_email_is_unique),
];

const STAFF: &str = "/api/v1/staff";

fn staff_body(role: &str, scope: Option<&str>) -> serde_json::Value {
    json!({"email": format!("s{}@staff.test", unique()), "display_name": "审查员", "role": role, "region_scope": scope, "password": PASSWORD})
}

fn admin_from_the_command_line_signs_in(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    ensure!(
        admin.signed_in["user"]["role"] == "national_admin",
        "{}",
        admin.signed_in
    );
    Ok(())
}

fn admin_creates_each_staff_role(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    for (role, scope, stored) in [
        ("reviewer", None, None),
        ("national_admin", None, None),
        ("regional_admin", Some("370000"), Some("370000")),
        ("regional_admin", Some("３７０２００"), Some("370200")),
        ("regional_admin", Some("XPCC"), Some("xpcc")),
    ] {
        let reply = admin.post_json(STAFF, &staff_body(role, scope))?;
        ensure!(
            reply.status == 201,
            "{role}: {} {}",
            reply.status,
            reply.body
        );
        let json = reply.json()?;
        ensure!(
            json["role"] == role && json["region_scope"] == json!(stored),
            "{json}"
        );
    }
    let regional = worker.staff_session("regional_admin", Some("440300"))?;
    ensure!(
        regional.signed_in["user"]["region_scope"] == "440300",
        "{}",
        regional.signed_in
    );
    Ok(())
}

fn only_national_admins_create_staff(worker: &TestWorker) -> Result<()> {
    let body = staff_body("reviewer", None);
    assert_error(&worker.post_json(STAFF, &body)?, 401, "unauthenticated")?;
    let (_, enterprise) = worker.enterprise_session()?;
    assert_error(
        &enterprise.post_json(STAFF, &body)?,
        403,
        "not_national_admin",
    )?;
    let reviewer = worker.staff_session("reviewer", None)?;
    assert_error(
        &reviewer.post_json(STAFF, &body)?,
        403,
        "not_national_admin",
    )?;
    let regional = worker.staff_session("regional_admin", Some("350000"))?;
    assert_error(
        &regional.post_json(STAFF, &body)?,
        403,
        "not_national_admin",
    )?;
    let admin = worker.admin()?;
    assert_error(
        &admin.send("POST", STAFF, Some(&body), false)?,
        403,
        "csrf_failed",
    )?;
    Ok(())
}

fn region_scope_goes_with_regional_admins_only(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    let error = assert_error(
        &admin.post_json(STAFF, &staff_body("regional_admin", None))?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "region_scope", "required")?;
    let error = assert_error(
        &admin.post_json(STAFF, &staff_body("reviewer", Some("370000")))?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "region_scope", "not_allowed")?;
    let error = assert_error(
        &admin.post_json(STAFF, &staff_body("regional_admin", Some("370211")))?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "region_scope", "not_prefecture")?;
    let error = assert_error(
        &admin.post_json(STAFF, &staff_body("enterprise", None))?,
        422,
        "validation_failed",
    )?;
    assert_field(&error, "role", "invalid_role")?;
    Ok(())
}

fn staff_email_is_unique(worker: &TestWorker) -> Result<()> {
    let admin = worker.admin()?;
    let body = staff_body("reviewer", None);
    ensure!(admin.post_json(STAFF, &body)?.status == 201);
    let error = assert_error(&admin.post_json(STAFF, &body)?, 409, "email_registered")?;
    assert_field(&error, "email", "email_registered")?;
    Ok(())
}
