//! Which URLs deliveries go to ([`check_endpoint_url`]): `https` to a public host, so
//! that a registered endpoint cannot point the Worker at a private network.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest endpoint URL accepted, as browsers and most servers handle it.
pub const URL_MAX_LENGTH: usize = 2_000;

/// The only host plain `http` may name, and only with local development allowed.
pub const LOCAL_HTTP_HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing was given.
    #[error("enter the endpoint's URL, such as https://hooks.example.com/ppr")]
    Empty,
    /// Longer than [`URL_MAX_LENGTH`].
    #[error(
        "the URL is {len} characters long; use one of at most {max}",
        max = URL_MAX_LENGTH
    )]
    TooLong {
        /// The URL's length in bytes.
        len: usize,
    },
    /// Spaces, control or non-ASCII characters, or characters that must be encoded.
    #[error(
        "the URL contains spaces, non-ASCII letters or characters such as \\ < > {{ }} | ^ \
         that must be percent-encoded; write an internationalised domain in its xn-- form"
    )]
    Characters,
    /// Not `https://`.
    #[error(
        "the endpoint URL must start with https://; plain http and other schemes are not \
         used"
    )]
    Scheme,
    /// A user name or password before the host.
    #[error(
        "remove the user name and password (the part before @) from the URL; deliveries \
         are authenticated by their signature"
    )]
    Userinfo,
    /// A `#fragment`, which is never sent to the server.
    #[error("remove the #fragment from the URL; it is never sent to the server")]
    Fragment,
    /// No host, or one that is not a valid name or address.
    #[error(
        "{host:?} is not a valid host; give a domain name such as hooks.example.com \
         (an IPv6 address goes in brackets)"
    )]
    Host {
        /// The host as given.
        host: String,
    },
    /// A host written as a number in a form other than a plain dotted quad.
    #[error(
        "{host:?} reads as an IP address written in an unusual form; use a domain name, \
         or an IPv4 address as four plain decimal numbers"
    )]
    NumericHost {
        /// The host as given.
        host: String,
    },
    /// An IP address in a private, loopback, link-local or reserved range.
    #[error(
        "{host} is a {range} address, which deliveries do not go to; use the endpoint's \
         public domain name"
    )]
    PrivateAddress {
        /// The address.
        host: String,
        /// The range it falls in.
        range: &'static str,
    },
    /// A local or intranet name, or a single label, that public DNS does not resolve.
    #[error(
        "{host:?} is a local or intranet name; use the endpoint's public domain name, \
         such as hooks.example.com"
    )]
    LocalName {
        /// The host, normalised.
        host: String,
    },
    /// A name that public DNS does not resolve to any address.
    #[error(
        "{host:?} does not resolve to an address; check the name, or register it in \
         public DNS first"
    )]
    Unresolved {
        /// The name.
        host: String,
    },
    /// A port outside 1..=65535.
    #[error("{port:?} is not a port number; give 1 to 65535, or leave it out for 443")]
    Port {
        /// The port as given.
        port: String,
    },
}

impl UrlError {
    /// A stable machine-readable code for the rule that failed.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLong { .. } => "too_long",
            Self::Characters => "characters",
            Self::Scheme => "scheme",
            Self::Userinfo => "userinfo",
            Self::Fragment => "fragment",
            Self::Host { .. } => "host",
            Self::NumericHost { .. } => "numeric_host",
            Self::PrivateAddress { .. } => "private_address",
            Self::LocalName { .. } => "local_name",
            Self::Unresolved { .. } => "unresolved",
            Self::Port { .. } => "port",
        }
    }
}

/// An endpoint URL that passed [`check_endpoint_url`], in normal form: scheme and host
/// in lower case, the host's trailing dot and the default port dropped, and an empty
/// path written `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointUrl {
    url: String,
    host: String,
}

impl EndpointUrl {
    /// The normalised URL, to store and to call.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host: a lower-case domain name, a dotted quad, or an IPv6 address without
    /// brackets.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the host is a name, whose addresses must be resolved and checked with
    /// [`check_resolved`] before anything is sent to it (an address literal was checked
    /// already).
    #[must_use]
    pub fn is_name(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_err()
    }
}

/// Checks the addresses an endpoint's name resolved to, by the rules an address
/// literal meets: one refused address refuses the endpoint (a name that answers with
/// a private address among public ones is still a way in), and so does no address.
///
/// # Errors
///
/// [`UrlError::PrivateAddress`] naming the name and the address, or
/// [`UrlError::Unresolved`].
pub fn check_resolved(name: &str, addresses: &[std::net::IpAddr]) -> Result<(), UrlError> {
    if addresses.is_empty() {
        return Err(UrlError::Unresolved {
            host: name.to_owned(),
        });
    }
    for address in addresses {
        let host = match address {
            std::net::IpAddr::V4(v4) => Host::V4(*v4),
            std::net::IpAddr::V6(v6) => Host::V6(*v6),
        };
        if let Err(UrlError::PrivateAddress { range, .. }) = check_host_is_public(&host) {
            return Err(UrlError::PrivateAddress {
                host: format!("{name} (resolving to {address})"),
                range,
            });
        }
    }
    Ok(())
}

/// The addresses in a DNS-over-HTTPS JSON answer (`application/dns-json`, as served
/// by public resolvers: `{"Status": 0, "Answer": [{"type": 1, "data": "…"}]}`): its A
/// and AAAA records; CNAMEs and anything unreadable are skipped.
#[must_use]
pub fn addresses_in_dns_json(body: &str) -> Vec<std::net::IpAddr> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    value
        .get("Answer")
        .and_then(serde_json::Value::as_array)
        .map(|answers| {
            answers
                .iter()
                .filter(|a| {
                    matches!(
                        a.get("type").and_then(serde_json::Value::as_u64),
                        Some(1 | 28)
                    )
                })
                .filter_map(|a| a.get("data")?.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// Domain suffixes that name private networks (RFC 6761, 6762, 8375, ICANN's `.internal`,
/// and common intranet habits). A host equal to one, or ending in `.` and one, is refused.
const LOCAL_SUFFIXES: [&str; 7] = [
    "localhost",
    "local",
    "internal",
    "lan",
    "home.arpa",
    "intranet",
    "localdomain",
];

/// IPv4 ranges never called: (network, prefix length, name). The first match names it.
const REFUSED_V4: [([u8; 4], u32, &str); 15] = [
    ([0, 0, 0, 0], 8, "\"this network\" (0.0.0.0/8)"),
    ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
    ([100, 64, 0, 0], 10, "carrier-grade NAT (100.64.0.0/10)"),
    ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
    ([169, 254, 0, 0], 16, "link-local (169.254.0.0/16)"),
    ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
    ([192, 0, 0, 0], 24, "IETF protocol (192.0.0.0/24)"),
    ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
    ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
    ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
    ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
    ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
    ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
    ([255, 255, 255, 255], 32, "broadcast (255.255.255.255)"),
    ([240, 0, 0, 0], 4, "reserved (240.0.0.0/4)"),
];

/// IPv6 ranges never called, as for [`REFUSED_V4`]: every block of IANA's IPv6
/// Special-Purpose Address Registry that is not globally reachable or can lead to an
/// internal address, and the deprecated site-local block. Ranges that embed an IPv4
/// address the network delivers to are judged by that address instead (see
/// [`embedded_v4`]); the translation prefixes that are local to a network (SIIT's
/// IPv4-translated addresses, the local-use NAT64 prefix) are refused whole, since only
/// that network knows where they lead.
const REFUSED_V6: [(u128, u32, &str); 15] = [
    (0, 128, "unspecified (::)"),
    (1, 128, "loopback (::1)"),
    (0, 96, "IPv4-compatible (::/96, deprecated)"),
    (
        0x0064_ff9b_0001 << 80,
        48,
        "local-use IPv4/IPv6 translation (64:ff9b:1::/48)",
    ),
    (0x0100 << 112, 64, "discard-only (100::/64)"),
    (
        0x0100_0000_0000_0001 << 64,
        64,
        "dummy prefix (100:0:0:1::/64)",
    ),
    (
        0x2001 << 112,
        23,
        "IETF protocol assignments, Teredo among them (2001::/23)",
    ),
    (0x2001_0db8 << 96, 32, "documentation (2001:db8::/32)"),
    (0x3fff << 112, 20, "documentation (3fff::/20)"),
    (0x5f00 << 112, 16, "segment routing (5f00::/16)"),
    (0xfc00 << 112, 7, "unique local (fc00::/7)"),
    (0xfe80 << 112, 10, "link-local (fe80::/10)"),
    (0xfec0 << 112, 10, "site-local (fec0::/10, deprecated)"),
    (0xff00 << 112, 8, "multicast (ff00::/8)"),
    (0xffff << 48, 96, "IPv4-translated (::ffff:0:0:0/96)"),
];

/// Checks an endpoint URL before it is stored, so that deliveries only ever go over
/// `https` to a public host: no private, loopback or link-local address, no intranet
/// name, no number that a resolver would read as one. (Names are checked as written; the
/// Worker's `fetch` runs on Cloudflare's network, which does not reach private ranges.)
///
/// With `allow_local_http`, a setting for local development only, `http://127.0.0.1`
/// (any port, and only that host; `https://127.0.0.1` too) is accepted, so a fake
/// receiver on the developer's machine can be the endpoint. `localhost` stays refused.
///
/// # Errors
///
/// A [`UrlError`] naming the first rule the URL breaks.
pub fn check_endpoint_url(url: &str, allow_local_http: bool) -> Result<EndpointUrl, UrlError> {
    let text = url.trim();
    if text.is_empty() {
        return Err(UrlError::Empty);
    }
    if text.len() > URL_MAX_LENGTH {
        return Err(UrlError::TooLong { len: text.len() });
    }
    if !text.bytes().all(is_url_byte) {
        return Err(UrlError::Characters);
    }
    let (scheme, rest) = text.split_once("://").ok_or(UrlError::Scheme)?;
    let secure = scheme.eq_ignore_ascii_case("https");
    let plain_http = allow_local_http && scheme.eq_ignore_ascii_case("http");
    if !(secure || plain_http) {
        return Err(UrlError::Scheme);
    }
    if rest.contains('#') {
        return Err(UrlError::Fragment);
    }
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(UrlError::Userinfo);
    }
    let (host_text, port_text) = split_host_port(authority)?;
    let port = port_text.map(parse_port).transpose()?;
    let host = parse_host(host_text)?;

    let local_dev = allow_local_http && host == Host::V4(LOCAL_HTTP_HOST);
    if !secure && !local_dev {
        return Err(UrlError::Scheme);
    }
    if !local_dev {
        check_host_is_public(&host)?;
    }

    let default_port = if secure { 443 } else { 80 };
    let port = port
        .filter(|p| *p != default_port)
        .map_or_else(String::new, |p| format!(":{p}"));
    let path = match path {
        "" => "/".to_owned(),
        query if query.starts_with('?') => format!("/{query}"),
        path => path.to_owned(),
    };
    let scheme = if secure { "https" } else { "http" };
    let (host, in_url) = match host {
        Host::V4(address) => (address.to_string(), address.to_string()),
        Host::V6(address) => (address.to_string(), format!("[{address}]")),
        Host::Name(name) => (name.clone(), name),
    };
    Ok(EndpointUrl {
        url: format!("{scheme}://{in_url}{port}{path}"),
        host,
    })
}

/// Printable ASCII, less the characters that must be percent-encoded (and `\`, which
/// browsers read as `/`).
fn is_url_byte(byte: u8) -> bool {
    byte.is_ascii_graphic()
        && !matches!(
            byte,
            b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
        )
}

/// Splits `host[:port]` or `[v6][:port]`; the host may come back empty.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    let invalid = || UrlError::Host {
        host: authority.to_owned(),
    };
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or_else(invalid)?;
        let (host, after) = authority.split_at_checked(close + 1).ok_or_else(invalid)?;
        return match after {
            "" => Ok((host, None)),
            _ => after
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or_else(invalid),
        };
    }
    match authority.split_once(':') {
        // A second colon: an IPv6 address without its brackets.
        Some((_, port)) if port.contains(':') => Err(invalid()),
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((authority, None)),
    }
}

fn parse_port(text: &str) -> Result<u16, UrlError> {
    let refused = || UrlError::Port {
        port: text.to_owned(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    text.parse::<u16>()
        .ok()
        .filter(|port| *port != 0)
        .ok_or_else(refused)
}

/// A parsed host.
#[derive(Debug, PartialEq, Eq)]
enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    /// A lower-case domain name without a trailing dot.
    Name(String),
}

/// Reads the host: a bracketed IPv6 address, a canonical dotted quad, or a domain name
/// of letters, digits and hyphens. A name whose last label is a number (`2130706433`,
/// `0x7f000001`, `127.1`, `0177.0.0.1`) is an address to browsers and resolvers, so it
/// must be a canonical dotted quad or it is refused.
fn parse_host(text: &str) -> Result<Host, UrlError> {
    let invalid = || UrlError::Host {
        host: text.to_owned(),
    };
    if let Some(inside) = text.strip_prefix('[') {
        let address = inside.strip_suffix(']').ok_or_else(invalid)?;
        return address.parse().map(Host::V6).map_err(|_| invalid());
    }
    let lower = text.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    let labels_valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !labels_valid {
        return Err(invalid());
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    if is_numeric_label(last) {
        return match name.parse::<Ipv4Addr>() {
            Ok(address) if address.to_string() == name => Ok(Host::V4(address)),
            _ => Err(UrlError::NumericHost {
                host: text.to_owned(),
            }),
        };
    }
    Ok(Host::Name(name.to_owned()))
}

/// Decimal digits, or `0x` and hex digits: a label an IPv4 parser reads as a number.
fn is_numeric_label(label: &str) -> bool {
    let hex = label
        .strip_prefix("0x")
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || label.bytes().all(|b| b.is_ascii_digit())
}

fn check_host_is_public(host: &Host) -> Result<(), UrlError> {
    match host {
        Host::V4(address) => match refused_v4(*address) {
            Some(range) => Err(UrlError::PrivateAddress {
                host: address.to_string(),
                range,
            }),
            None => Ok(()),
        },
        Host::V6(address) => {
            let range = match embedded_v4(*address) {
                Some(v4) => refused_v4(v4),
                None => REFUSED_V6
                    .iter()
                    .find(|(network, len, _)| in_prefix(address.to_bits(), *network, *len, 128))
                    .map(|(_, _, range)| *range),
            };
            match range {
                Some(range) => Err(UrlError::PrivateAddress {
                    host: format!("[{address}]"),
                    range,
                }),
                None => Ok(()),
            }
        }
        Host::Name(name) => {
            let local = !name.contains('.')
                || LOCAL_SUFFIXES.iter().any(|suffix| {
                    name == suffix
                        || name
                            .strip_suffix(suffix)
                            .is_some_and(|rest| rest.ends_with('.'))
                });
            if local {
                Err(UrlError::LocalName { host: name.clone() })
            } else {
                Ok(())
            }
        }
    }
}

/// The refused range an IPv4 address falls in, if any.
fn refused_v4(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u128::from(address.to_bits());
    REFUSED_V4
        .iter()
        .find(|(network, len, _)| {
            in_prefix(bits, u128::from(u32::from_be_bytes(*network)), *len, 32)
        })
        .map(|(_, _, range)| *range)
}

/// The IPv4 address an IPv6 address stands for, where the network would deliver to it:
/// IPv4-mapped (`::ffff:a.b.c.d`), NAT64's well-known prefix (`64:ff9b::a.b.c.d`) and
/// 6to4 (`2002:AABB:CCDD::`).
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = address.to_bits();
    let low32 = || Ipv4Addr::from_bits((bits & u128::from(u32::MAX)) as u32);
    if in_prefix(bits, 0xffff << 32, 96, 128) || in_prefix(bits, 0x64_ff9b << 96, 96, 128) {
        Some(low32())
    } else if in_prefix(bits, 0x2002 << 112, 16, 128) {
        Some(Ipv4Addr::from_bits(
            ((bits >> 80) & u128::from(u32::MAX)) as u32,
        ))
    } else {
        None
    }
}

/// Whether the top `len` of `width` bits of `bits` equal those of `network`.
fn in_prefix(bits: u128, network: u128, len: u32, width: u32) -> bool {
    let shift = width.saturating_sub(len);
    bits.checked_shr(shift).unwrap_or(0) == network.checked_shr(shift).unwrap_or(0)
}

#[cfg(test)]
#[path = "endpoint_url_tests.rs"]
mod tests;
