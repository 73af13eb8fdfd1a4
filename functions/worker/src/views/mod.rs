//! The API's answers that more than one resource gives: a filing (the enterprise's
//! filings and the review queue), a round (its reads and its stages), a port, a page
//! of a listing.
//! A resource's other request and answer types live with its handlers.

pub mod filings;
pub mod page;
pub mod ports;
#[cfg(test)]
pub(crate) mod sorted;
