//! The API's answers that more than one resource gives: a filing (the enterprise's
//! filings and the review queue), a port (its own read and its application's
//! approval), a page of a listing, a product's public record (the API, the registry's
//! pages and the open-data files). A resource's other request and answer types live
//! with its handlers; a round as answered is assembled, with its steps' progress, by
//! `services::rounds`.

pub mod filings;
pub mod page;
pub mod ports;
pub mod public;
#[cfg(test)]
pub(crate) mod sorted;
