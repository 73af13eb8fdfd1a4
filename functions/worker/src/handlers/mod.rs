//! One module per resource. Each handler takes the request context and what it needs
//! (body, path parameters) and returns a [`crate::http::Reply`] or an
//! [`crate::error::ApiError`]; each resource decides who may do what in one
//! `authorize_*` function.

pub mod documents;
pub mod enterprises;
pub mod evaluations;
pub mod filings;
pub mod health;
pub mod methodologies;
pub mod objections;
pub mod openapi;
pub mod patents;
pub mod port_applications;
pub mod port_data;
pub mod port_reports;
pub mod ports;
pub mod products;
pub mod public;
pub mod review;
pub mod round_stages;
pub mod rounds;
pub mod sessions;
pub mod settings;
pub mod staff;
pub mod transactions;
pub mod validate;
pub mod verifications;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
