//! One module per resource. Each handler takes what it needs (body, env, clock) and
//! returns a [`crate::http::Reply`] or an [`crate::error::ApiError`].

pub mod health;
pub mod openapi;
pub mod validate;
