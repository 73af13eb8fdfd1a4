//! One page of a listing paged by id: its items and the cursor of the next page.

use serde::Serialize;

/// A page as answered: `{"items": […], "next_cursor": …}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The page's items, in the listing's order.
    pub items: Vec<T>,
    /// The id to pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `rows`, which the query cut at `limit`, each turned into its
    /// answer; `id` is the cursor column.
    pub fn cut<R>(rows: Vec<R>, limit: i64, id: impl Fn(&R) -> i64) -> Self
    where
        T: From<R>,
    {
        let next_cursor = next_cursor(&rows, limit, id);
        Self {
            items: rows.into_iter().map(T::from).collect(),
            next_cursor,
        }
    }
}

/// The cursor after `rows`: the last row's id when the page is full (a full page may
/// have a next one, perhaps empty), none when it is short (the listing ended).
pub fn next_cursor<R>(rows: &[R], limit: i64, id: impl Fn(&R) -> i64) -> Option<String> {
    (i64::try_from(rows.len()).unwrap_or(0) == limit)
        .then(|| rows.last().map(|r| id(r).to_string()))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_names_the_next() {
        assert_eq!(next_cursor(&[3, 5], 2, |r| *r), Some("5".to_owned()));
        assert_eq!(next_cursor(&[3], 2, |r| *r), None);
        assert_eq!(next_cursor::<i64>(&[], 0, |r| *r), None);
    }

    #[test]
    fn serialises_items_then_cursor() {
        let page: Page<i64> = Page::cut(vec![1, 2], 2, |r| *r);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"items":[1,2],"next_cursor":"2"}"#
        );
    }
}
