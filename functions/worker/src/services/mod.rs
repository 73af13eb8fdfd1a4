//! The work that handlers, pages, the queue consumers and the scheduled job share,
//! between a request and the repository: loading a methodology, an enterprise's own
//! product and holdings, a round and its window, the port of a regional admin, the
//! settings with their defaults, what approving a filing records, and a prompted
//! revocation. Handlers call these; no handler calls another handler.

pub mod methodology;
pub mod ports;
pub mod products;
pub mod recording;
pub mod revocation;
pub mod rounds;
pub mod settings;
