//! The integrity commitment (诚信承诺书) an enterprise accepts with its real-name
//! verification. The text is versioned: a verification records the version accepted
//! and when, and a new version means new acceptances.

/// The current version.
pub const COMMITMENT_VERSION: &str = "2026-01";

/// The current text, in Chinese (the binding version).
pub const COMMITMENT_TEXT_ZH: &str = "本单位承诺：所提交的主体信息、专利信息、产品信息和经济数据真实、准确、完整，\
所备案产品实施了所列专利，相关专利权属清晰、无争议；如有变化将及时更新；\
如有虚假，自愿承担由此产生的一切责任，并接受平台撤销备案等处理。";

/// The current text, in English (for information).
pub const COMMITMENT_TEXT_EN: &str = "We commit that the entity, patent, product and economic \
data we submit are true, accurate and complete; that the products we file implement the \
patents listed, whose ownership is clear and undisputed; that we will update the data when \
it changes; and that, should any of it be false, we accept full responsibility and the \
platform's measures, including revocation of the filings.";
