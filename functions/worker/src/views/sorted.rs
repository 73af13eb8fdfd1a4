//! A test of the answers that have always been written with their keys in
//! alphabetical order (built as `serde_json::Value`, which sorts them, before they
//! had types): their types declare the fields in that order, so clients see the same
//! bytes. This check holds them to it.

use serde::Serialize;

/// Fails unless `value` serialises with the keys of every object, at every level, in
/// alphabetical order, as it would through a `serde_json::Value`.
pub(crate) fn assert_sorted<T: Serialize>(value: &T) {
    let direct = serde_json::to_string(value).unwrap();
    let through_value = serde_json::to_value(value).unwrap().to_string();
    assert_eq!(direct, through_value, "fields out of alphabetical order");
}
