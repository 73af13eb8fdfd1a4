//! # ppr-core: the domain rules of the patent product registry
//!
//! Everything here is a pure function or a type whose constructor validates: the
//! identifiers (Unified Social Credit Codes, Chinese patent application numbers), the
//! GB/T 2260 regions and the scopes of regional offices, the product fields, money as
//! integer yuan, and the Asia/Shanghai business calendar; and the registration rules:
//! patent holdings and legal-status imports, the filing state machine and a filing's
//! content rules, registration numbers, working-day service levels, uploaded document
//! types, and the bigram text search that makes 2-character Chinese queries work.
//!
//! The crate does no I/O and reads no clock: callers pass "now" in. It builds for the
//! host and for `wasm32-unknown-unknown`, so the Worker, the site generator and the
//! browser form client all run the same rules.
//!
//! Types follow "parse, don't validate": once you hold a [`Uscc`] or a
//! [`PatentNumber`], it is valid, and its `Display` is the canonical form for storage.

#![forbid(unsafe_code)]

pub mod account;
pub mod calendar;
pub mod certificate;
pub mod commitment;
pub mod csv;
pub mod document;
pub mod field;
pub mod filing;
pub mod holding;
pub mod lookup;
pub mod methodology;
pub mod money;
pub mod objection;
pub mod open_data;
pub mod password;
pub mod patent;
pub mod product;
pub mod region;
pub mod regnum;
pub mod report;
pub mod round;
pub mod search;
mod serde_str;
pub mod status_import;
pub mod text;
pub mod uscc;
pub mod webhook;
pub mod workdays;

pub use account::{Email, FieldError, Phone, Role};
pub use calendar::DateWindow;
pub use field::ProductField;
pub use money::{Cny, MoneyError};
pub use patent::{PatentKind, PatentNumber, PatentNumberError, PatentType};
pub use region::{Province, RegionCode, RegionError, RegionScope};
pub use uscc::{Uscc, UsccError};
