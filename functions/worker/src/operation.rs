//! How a resource declares its operations: once, in its handler module, as a list of
//! [`Operation`]s (method, path, handler, the query parameters it takes, who may call
//! it). The route table ([`crate::routes`]) is the union of those lists; the dispatch
//! runs the matched operation's handler; a unit test holds every declaration against
//! the OpenAPI document (operation id, method, path, query parameters, roles).
//!
//! ```ignore
//! pub const OPERATIONS: &[Operation] = &[
//!     operation!(GET "/api/v1/enterprises/{uscc}/patents", list_patents(ctx), Roles::EnterpriseRead),
//!     operation!(POST "/api/v1/enterprises/{uscc}/patents", create_patent(ctx, body), Roles::EnterpriseWrite),
//! ];
//! ```

use futures_util::future::LocalBoxFuture;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::http::Reply;

/// An HTTP method an operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET` (and `HEAD`).
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// As written on the wire, upper case.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// Who may call an operation. The handler enforces it (in `authz`); the declaration
/// says it, the OpenAPI document states it as `x-roles`, and the authorisation matrix
/// test checks the handler's answers against it for every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roles {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// The enterprise's own users; reviewers and national admins; regional admins whose
    /// region holds the enterprise.
    EnterpriseRead,
    /// The enterprise's own users.
    EnterpriseWrite,
    /// Reviewers and national admins.
    Reviewers,
    /// Every staff role: reviewers, regional admins (their region) and national admins.
    Staff,
    /// National admins.
    NationalAdmins,
    /// The regional admins of a port, signed in or with the port's API token.
    Port,
    /// The regional admins of a port, signed in: API tokens are issued and revoked by
    /// a person, never with a token.
    PortSignedIn,
}

impl Roles {
    /// The value of `x-roles` in the OpenAPI document.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::SignedIn => "signed_in",
            Self::EnterpriseRead => "enterprise_read",
            Self::EnterpriseWrite => "enterprise_write",
            Self::Reviewers => "reviewers",
            Self::Staff => "staff",
            Self::NationalAdmins => "national_admins",
            Self::Port => "port",
            Self::PortSignedIn => "port_signed_in",
        }
    }
}

/// A handler: reads what it needs from the request's context, answers a [`Reply`].
pub type Handler = for<'a> fn(&'a Ctx<'a>) -> LocalBoxFuture<'a, Result<Reply, ApiError>>;

/// One operation of the API.
#[derive(Clone, Copy)]
pub struct Operation {
    /// The handler's name, which is the OpenAPI `operationId`.
    pub id: &'static str,
    /// The method.
    pub method: Method,
    /// The path template, as in the OpenAPI document (`{name}` matches one segment).
    pub path: &'static str,
    /// The query parameters it takes; any other is refused (422 `unknown_parameter`).
    pub query: &'static [&'static str],
    /// Who may call it.
    pub roles: Roles,
    /// The handler.
    pub run: Handler,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.method.as_str(), self.path, self.id)
    }
}

/// Declares an [`Operation`]:
/// `operation!(METHOD "path", handler(ctx), Roles::…)`, with `handler(ctx, body)` for
/// a handler that takes the request's JSON body (read within the body limit first),
/// and `query: ["name", …]` last for the query parameters it takes. The handler's name
/// becomes the operation id.
macro_rules! operation {
    ($method:ident $path:literal, $handler:ident($($arg:ident),+), $roles:expr $(, query: [$($q:literal),* $(,)?])? $(,)?) => {
        $crate::operation::Operation {
            id: stringify!($handler),
            method: $crate::operation::operation!(@method $method),
            path: $path,
            query: &[$($($q),*)?],
            roles: $roles,
            run: $crate::operation::operation!(@run $handler($($arg),+)),
        }
    };
    (@method GET) => { $crate::operation::Method::Get };
    (@method POST) => { $crate::operation::Method::Post };
    (@method PUT) => { $crate::operation::Method::Put };
    (@method DELETE) => { $crate::operation::Method::Delete };
    (@run $handler:ident(ctx)) => { |ctx| Box::pin($handler(ctx)) };
    (@run $handler:ident(ctx, body)) => {
        |ctx| Box::pin(async move { $handler(ctx, &ctx.body().await?).await })
    };
}
pub(crate) use operation;
