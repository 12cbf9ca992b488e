//! Clinical documents: the sealed store (envelope encryption per document, the access rule
//! of the client), uploaded files with content sniffing, and downloads as original or PDF.
pub mod files;
pub mod store;
