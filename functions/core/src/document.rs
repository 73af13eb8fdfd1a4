//! Uploaded documents: which types are accepted, how big, and whether the bytes are
//! what the declared type says.
//!
//! Reviewers open these files, so the platform accepts only formats that carry no
//! active content in a browser and checks each file's leading bytes against its
//! declared type: a renamed executable or HTML page is refused, whatever its name.

use serde::{Deserialize, Serialize};

/// Largest document: 10 MiB, enough for a scanned multi-page contract, small enough
/// to upload over a slow line and to keep a Worker request well inside its memory.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Longest file name kept.
pub const MAX_FILENAME_CHARS: usize = 200;

/// The accepted document types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentType {
    /// `application/pdf`.
    Pdf,
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
}

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentPurpose {
    /// Real-name verification (business licence, authorisation letter).
    Verification,
    /// Evidence of a product filing (invoices, licence contracts, test reports).
    Evidence,
}

impl DocumentPurpose {
    /// The stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Verification => "verification",
            Self::Evidence => "evidence",
        }
    }

    /// The purpose for a code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Verification, Self::Evidence]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not one of the accepted types.
    #[error("{0:?} is not accepted; upload a PDF, PNG or JPEG file")]
    UnsupportedType(String),
    /// The bytes are not what the type says.
    #[error("the file is not a valid {0}: its first bytes do not match the type")]
    ContentMismatch(&'static str),
    /// Nothing uploaded.
    #[error("the file is empty")]
    Empty,
    /// Too big.
    #[error("the file is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
}

impl DocumentError {
    /// A stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedType(_) => "unsupported_type",
            Self::ContentMismatch(_) => "content_mismatch",
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
        }
    }
}

impl DocumentType {
    /// The type for a `Content-Type` value (parameters ignored).
    ///
    /// # Errors
    ///
    /// Not PDF, PNG or JPEG.
    pub fn from_media_type(value: &str) -> Result<Self, DocumentError> {
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/pdf" => Ok(Self::Pdf),
            "image/png" => Ok(Self::Png),
            "image/jpeg" | "image/jpg" => Ok(Self::Jpeg),
            _ => Err(DocumentError::UnsupportedType(value.to_owned())),
        }
    }

    /// The canonical media type.
    #[must_use]
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    fn magic(self) -> &'static [u8] {
        match self {
            Self::Pdf => b"%PDF-",
            Self::Png => b"\x89PNG\r\n\x1a\n",
            Self::Jpeg => b"\xFF\xD8\xFF",
        }
    }

    /// Checks an upload's size and leading bytes against this type.
    ///
    /// # Errors
    ///
    /// Empty, over [`MAX_DOCUMENT_BYTES`], or bytes of another kind.
    pub fn check(self, bytes: &[u8]) -> Result<(), DocumentError> {
        if bytes.is_empty() {
            return Err(DocumentError::Empty);
        }
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(DocumentError::TooLarge { size: bytes.len() });
        }
        if bytes.starts_with(self.magic()) {
            Ok(())
        } else {
            Err(DocumentError::ContentMismatch(self.media_type()))
        }
    }
}

/// A file name safe to store and to show: the last path component, control
/// characters and quotes removed, at most [`MAX_FILENAME_CHARS`] characters, and
/// `document` when nothing is left.
#[must_use]
pub fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\''))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "document".to_owned()
    } else {
        cleaned
    }
}

/// A file name where only ASCII may go (the plain `filename` of a
/// `Content-Disposition` header): letters, digits and `.` kept, every other character
/// `_`.
#[must_use]
pub fn ascii_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_keep_letters_digits_and_dots() {
        assert_eq!(ascii_filename("发票 2026.pdf"), "___2026.pdf");
        assert_eq!(ascii_filename("a\"b.png"), "a_b.png");
    }

    #[test]
    fn types_and_contents() {
        let pdf = DocumentType::from_media_type("application/PDF; charset=binary").expect("pdf");
        assert_eq!(pdf, DocumentType::Pdf);
        assert!(pdf.check(b"%PDF-1.7\n...").is_ok());
        assert_eq!(
            pdf.check(b"<html>").map_err(|e| e.code()),
            Err("content_mismatch")
        );
        assert_eq!(pdf.check(b"").map_err(|e| e.code()), Err("empty"));
        let png = DocumentType::from_media_type("image/png").expect("png");
        assert!(png.check(b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(
            DocumentType::from_media_type("image/jpeg")
                .expect("jpeg")
                .check(b"\xFF\xD8\xFF\xE0")
                .is_ok()
        );
        for refused in ["text/html", "image/svg+xml", "application/octet-stream", ""] {
            assert_eq!(
                DocumentType::from_media_type(refused).map_err(|e| e.code()),
                Err("unsupported_type")
            );
        }
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(pdf.check(&big).map_err(|e| e.code()), Err("too_large"));
    }

    #[test]
    fn file_names() {
        assert_eq!(clean_filename("C:\\docs\\营业执照.pdf"), "营业执照.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b\n.pdf"), "ab.pdf");
        assert_eq!(clean_filename(".."), "document");
        assert_eq!(clean_filename(""), "document");
        assert_eq!(clean_filename(&"x".repeat(300)).len(), MAX_FILENAME_CHARS);
    }
}
