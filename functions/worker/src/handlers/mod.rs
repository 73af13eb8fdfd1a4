//! One module per resource. Each handler takes the request context and what it needs
//! (body, path parameters) and returns a [`crate::http::Reply`] or an
//! [`crate::error::ApiError`]; each resource decides who may do what in one
//! `authorize_*` function.

pub mod enterprises;
pub mod health;
pub mod openapi;
pub mod sessions;
pub mod staff;
pub mod validate;
