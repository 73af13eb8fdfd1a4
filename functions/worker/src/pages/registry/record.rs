//! One record's page: a product (its address is what an enterprise prints on its
//! packaging, so it answers from the moment the number is issued), an enterprise
//! with its products, and a patent with the recorded products that use it.

use ppr_core::regnum::RegistrationNumber;
use ppr_core::{PatentNumber, Uscc};
use serde::Serialize;
use worker::Response;

use super::{Out, Shown};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::public_tags;
use crate::repo::Reads;
use crate::repo::public;
use crate::views::public::{PublicProductOut, RegionOut, detail_out, outs, public_out};

/// `products/{number}/`.
///
/// # Errors
///
/// The database failed.
pub async fn product(out: &Out<'_>, config: &Config, raw: &str) -> Result<Response, ApiError> {
    let Ok(number) = RegistrationNumber::parse(raw) else {
        return out.not_found(&format!("products/{}/", plain(raw)), raw);
    };
    let number = number.to_string();
    let path = format!("products/{number}/");
    let Some(detail) = public::by_number(&Reads::replica(&config.db), &number).await? else {
        return out.not_found(&path, &number);
    };
    let tags = vec![
        public_tags::product(&number),
        public_tags::enterprise(&detail.product.uscc),
    ];
    #[derive(Serialize)]
    struct Shows {
        p: PublicProductOut,
    }
    out.answer(Shown {
        template: "product.html",
        status: 200,
        path: &path,
        data: Shows {
            p: detail_out(detail),
        },
        tags,
        qr: true,
    })
}

/// `enterprises/{uscc}/`.
///
/// # Errors
///
/// The database failed.
pub async fn enterprise(out: &Out<'_>, config: &Config, raw: &str) -> Result<Response, ApiError> {
    let Ok(uscc) = Uscc::parse(raw) else {
        return out.not_found(&format!("enterprises/{}/", plain(raw)), raw);
    };
    let path = format!("enterprises/{}/", uscc.as_str());
    let db = Reads::replica(&config.db);
    let Some(found) = public::enterprise(&db, uscc.as_str()).await? else {
        return out.not_found(&path, uscc.as_str());
    };
    let products = outs(public::of_enterprise(&db, found.id).await?);
    #[derive(Serialize)]
    struct Enterprise {
        uscc: String,
        name: String,
        region: RegionOut,
        products: Vec<PublicProductOut>,
    }
    #[derive(Serialize)]
    struct Shows {
        e: Enterprise,
    }
    let tags = vec![public_tags::enterprise(&found.uscc)];
    out.answer(Shown {
        template: "enterprise.html",
        status: 200,
        path: &path,
        data: Shows {
            e: Enterprise {
                region: RegionOut::of(&found.region_code),
                uscc: found.uscc,
                name: found.name,
                products,
            },
        },
        tags,
        qr: false,
    })
}

/// `patents/{number}/`: the recorded products that use a patent (virtual patent
/// marking). An unknown but well-formed number is a page saying no recorded product
/// uses it; a malformed one is the 404 page.
///
/// # Errors
///
/// The database failed.
pub async fn patent(out: &Out<'_>, config: &Config, raw: &str) -> Result<Response, ApiError> {
    let Ok(number) = raw.parse::<PatentNumber>() else {
        return out.not_found(&format!("patents/{}/", plain(raw)), raw);
    };
    let canonical = number.to_string();
    let path = format!("patents/{canonical}/");
    let rows = public::using_patent(&Reads::replica(&config.db), &canonical).await?;
    #[derive(Serialize)]
    struct Use {
        product: PublicProductOut,
        core: bool,
        title: String,
    }
    let title = rows.first().map(|r| r.title.clone()).unwrap_or_default();
    let uses: Vec<Use> = rows
        .into_iter()
        .map(|r| Use {
            core: r.is_core == 1,
            title: r.title.clone(),
            product: public_out(r.product),
        })
        .collect();
    #[derive(Serialize)]
    struct Shows {
        number: String,
        kind: &'static str,
        pct: bool,
        title: String,
        uses: Vec<Use>,
    }
    out.answer(Shown {
        template: "patent.html",
        status: 200,
        path: &path,
        data: Shows {
            kind: number.patent_type().kind().code(),
            pct: number.patent_type().is_pct(),
            number: canonical,
            title,
            uses,
        },
        tags: vec![public_tags::LISTINGS.to_owned()],
        qr: false,
    })
}

/// `raw` with only the characters an identifier has, for the address of a page that
/// says it is not found.
fn plain(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .take(40)
        .collect()
}
