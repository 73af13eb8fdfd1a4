//! Tests of the endpoint URL rules: what is accepted, in what normal form, and what is refused.

use super::*;

#[test]
fn endpoint_urls_accepted_in_normal_form() {
    let accept = |input: &str, local: bool| {
        let endpoint = check_endpoint_url(input, local).unwrap_or_else(|e| panic!("{input}: {e}"));
        // The normal form is a fixed point.
        assert_eq!(
            check_endpoint_url(endpoint.as_str(), local).as_ref(),
            Ok(&endpoint),
            "{input}"
        );
        assert_eq!(endpoint.to_string(), endpoint.as_str());
        endpoint
    };
    let already_normal = [
        "https://hooks.example.com/ppr",
        "https://example.com:8443/hook",
        "https://xn--fiqs8s.xn--fiqs8s/h",
        "https://a-b.c0.example/x?y=%20",
        "https://1.2.3.example.com/",
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]:8443/h",
        "https://[::ffff:8.8.8.8]/",
    ];
    for input in already_normal {
        assert_eq!(accept(input, false).as_str(), input);
    }
    // (input, allow local http, normal form)
    let normalised = [
        (
            "  HTTPS://Hooks.Example.COM/Ppr?a=1  ",
            false,
            "https://hooks.example.com/Ppr?a=1",
        ),
        ("https://example.com", false, "https://example.com/"),
        ("https://example.com?x=1", false, "https://example.com/?x=1"),
        ("https://example.com.:443/", false, "https://example.com/"),
        (
            "https://[2606:4700:4700:0:0:0:0:1111]/",
            false,
            "https://[2606:4700:4700::1111]/",
        ),
        (
            "http://127.0.0.1:8787/hook",
            true,
            "http://127.0.0.1:8787/hook",
        ),
        ("HTTP://127.0.0.1:80", true, "http://127.0.0.1/"),
        ("https://127.0.0.1:9443/", true, "https://127.0.0.1:9443/"),
    ];
    for (input, local, want) in normalised {
        assert_eq!(accept(input, local).as_str(), want, "{input}");
    }
    let hosts = [
        ("https://Hooks.Example.com./x", "hooks.example.com"),
        ("https://8.8.8.8:444/", "8.8.8.8"),
        ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111"),
    ];
    for (input, host) in hosts {
        assert_eq!(accept(input, false).host(), host, "{input}");
    }
}

#[test]
fn endpoint_urls_refused_by_rule() {
    let long = format!("https://example.com/{}", "a".repeat(URL_MAX_LENGTH));
    // (input, allow local http, code)
    let cases = [
        ("", false, "empty"),
        ("   ", false, "empty"),
        (&long, false, "too_long"),
        ("https://example.com/a b", false, "characters"),
        ("https://例子.中国/", false, "characters"),
        ("https://127.0.0.1\\@example.com/", false, "characters"),
        ("https://example.com/{x}", false, "characters"),
        ("http://example.com/", false, "scheme"),
        ("http://example.com/", true, "scheme"),
        ("http://localhost:8787/", true, "scheme"),
        ("http://127.0.0.2/", true, "scheme"),
        ("http://127.0.0.1/", false, "scheme"),
        ("ftp://example.com/", false, "scheme"),
        ("example.com/hook", false, "scheme"),
        ("//example.com/hook", false, "scheme"),
        ("https:example.com", false, "scheme"),
        ("https://user:pass@example.com/", false, "userinfo"),
        ("https://example.com@127.0.0.1/", false, "userinfo"),
        ("https://@example.com/", false, "userinfo"),
        ("https://example.com/hook#frag", false, "fragment"),
        ("https:///hook", false, "host"),
        ("https://:443/", false, "host"),
        ("https://./", false, "host"),
        ("https://exa_mple.com/", false, "host"),
        ("https://-bad.example.com/", false, "host"),
        ("https://a..example.com/", false, "host"),
        ("https://%31%32%37.0.0.1/", false, "host"),
        ("https://::1/", false, "host"),
        ("https://2001:db8::1/", false, "host"),
        ("https://[::1/", false, "host"),
        ("https://[fe80::1%25eth0]/", false, "host"),
        ("https://[example.com]/", false, "host"),
        ("https://[2606:4700::1111]x/", false, "host"),
        ("https://example.com:/", false, "port"),
        ("https://example.com:0/", false, "port"),
        ("https://example.com:65536/", false, "port"),
        ("https://example.com:8o/", false, "port"),
        ("https://example.com:-1/", false, "port"),
        ("https://localhost/", false, "local_name"),
        ("https://LOCALHOST./", false, "local_name"),
        ("https://api.localhost/", false, "local_name"),
        ("https://printer.local/", false, "local_name"),
        ("https://db.internal/", false, "local_name"),
        ("https://nas.lan/", false, "local_name"),
        ("https://router.home.arpa/", false, "local_name"),
        ("https://home.arpa/", false, "local_name"),
        ("https://wiki.intranet/", false, "local_name"),
        ("https://box.localdomain/", false, "local_name"),
        ("https://intranet/", false, "local_name"),
        ("https://metadata/", false, "local_name"),
        ("https://localhost/", true, "local_name"),
        // Numbers that browsers and resolvers read as 127.0.0.1.
        ("https://2130706433/", false, "numeric_host"),
        ("https://0x7f000001/", false, "numeric_host"),
        ("https://0X7F000001/", false, "numeric_host"),
        ("https://127.1/", false, "numeric_host"),
        ("https://127.0.1/", false, "numeric_host"),
        ("https://0177.0.0.1/", false, "numeric_host"),
        ("https://0x7f.0.0.1/", false, "numeric_host"),
        ("https://127.000.000.001/", false, "numeric_host"),
        ("https://1.2.3.4.5/", false, "numeric_host"),
        ("https://example.123/", false, "numeric_host"),
        ("https://example.0x1/", false, "numeric_host"),
        ("https://8.8.8.08/", false, "numeric_host"),
        ("https://256.1.1.1/", false, "numeric_host"),
        ("http://2130706433/", true, "numeric_host"),
        // IPv4 ranges.
        ("https://127.0.0.1/", false, "private_address"),
        ("https://127.255.1.1/", false, "private_address"),
        ("https://10.1.2.3/", false, "private_address"),
        ("https://172.16.0.1/", false, "private_address"),
        ("https://172.31.255.255/", false, "private_address"),
        ("https://192.168.1.1/", false, "private_address"),
        (
            "https://169.254.169.254/latest/meta-data/",
            false,
            "private_address",
        ),
        ("https://100.64.0.1/", false, "private_address"),
        ("https://100.127.255.255/", false, "private_address"),
        ("https://0.0.0.0/", false, "private_address"),
        ("https://0.1.2.3/", false, "private_address"),
        ("https://224.0.0.1/", false, "private_address"),
        ("https://239.255.255.250/", false, "private_address"),
        ("https://240.0.0.1/", false, "private_address"),
        ("https://255.255.255.255/", false, "private_address"),
        ("https://192.0.2.1/", false, "private_address"),
        ("https://127.0.0.2/", true, "private_address"),
        // IPv6 ranges, and IPv6 forms of refused IPv4 addresses.
        ("https://[::1]/", false, "private_address"),
        ("https://[::]/", false, "private_address"),
        ("https://[0:0:0:0:0:0:0:1]:8443/", false, "private_address"),
        ("https://[fe80::1]/", false, "private_address"),
        ("https://[febf::1]/", false, "private_address"),
        ("https://[fc00::1]/", false, "private_address"),
        ("https://[fd12:3456::1]/", false, "private_address"),
        ("https://[ff02::1]/", false, "private_address"),
        ("https://[2001:db8::1]/", false, "private_address"),
        ("https://[::ffff:127.0.0.1]/", false, "private_address"),
        ("https://[::ffff:7f00:1]/", false, "private_address"),
        ("https://[::ffff:10.0.0.1]/", false, "private_address"),
        (
            "https://[::ffff:169.254.169.254]/",
            false,
            "private_address",
        ),
        ("https://[::127.0.0.1]/", false, "private_address"),
        ("https://[64:ff9b::10.0.0.1]/", false, "private_address"),
        ("https://[2002:c0a8:0101::1]/", false, "private_address"),
        ("https://[::1]/", true, "private_address"),
    ];
    for (input, local, want) in cases {
        let err = check_endpoint_url(input, local).expect_err(input);
        assert_eq!(err.code(), want, "{input} (local http {local}): {err}");
    }
}

#[test]
fn url_boundaries() {
    // Ranges end where they should.
    for (input, ok) in [
        ("https://172.15.255.255/", true),
        ("https://172.32.0.0/", true),
        ("https://100.63.255.255/", true),
        ("https://100.128.0.0/", true),
        ("https://169.253.255.255/", true),
        ("https://223.255.255.255/", true),
        ("https://11.0.0.0/", true),
        ("https://[fec0::1]/", false),
        ("https://[fbff::1]/", true),
        ("https://[fe00::1]/", true),
        ("https://[2002:0808:0808::1]/", true),
        ("https://[64:ff9b::8.8.8.8]/", true),
        ("https://example.com:1/", true),
        ("https://example.com:65535/", true),
    ] {
        assert_eq!(check_endpoint_url(input, false).is_ok(), ok, "{input}");
    }
    let at_limit = format!("https://example.com/{}", "a".repeat(URL_MAX_LENGTH - 20));
    assert_eq!(at_limit.len(), URL_MAX_LENGTH);
    assert!(check_endpoint_url(&at_limit, false).is_ok());
}

#[test]
fn url_messages_say_what_to_do() {
    let message = |input: &str| {
        check_endpoint_url(input, false)
            .expect_err(input)
            .to_string()
    };
    assert!(message("http://example.com/").contains("https://"));
    assert!(message("https://10.0.0.1/").contains("private (10.0.0.0/8)"));
    assert!(message("https://u@example.com/").contains("remove"));
    assert!(message("https://db.internal/").contains("public domain name"));
}

#[test]
fn resolved_addresses_are_checked_like_literals() {
    let ip = |text: &str| {
        text.parse::<std::net::IpAddr>()
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    };
    assert_eq!(
        check_resolved("hooks.example.com", &[ip("8.8.8.8")]),
        Ok(())
    );
    assert_eq!(
        check_resolved("hooks.example.com", &[ip("2606:4700:4700::1111")]),
        Ok(())
    );
    for bad in [
        "10.1.2.3",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:192.168.0.1",
    ] {
        let refused = check_resolved("hooks.example.com", &[ip("8.8.8.8"), ip(bad)]);
        assert!(
            matches!(&refused, Err(UrlError::PrivateAddress { host, .. }) if host.contains(bad)),
            "{bad}: {refused:?}"
        );
    }
    assert_eq!(
        check_resolved("nowhere.example.com", &[]).map_err(|e| e.code()),
        Err("unresolved")
    );
}

#[test]
fn dns_json_answers_give_their_addresses() {
    let body = r#"{"Status":0,"Answer":[
        {"name":"hooks.example.com","type":5,"TTL":60,"data":"edge.example.net."},
        {"name":"edge.example.net","type":1,"TTL":60,"data":"93.184.216.34"},
        {"name":"edge.example.net","type":28,"TTL":60,"data":"2606:2800:220:1::1"},
        {"name":"edge.example.net","type":1,"TTL":60,"data":"not an address"}]}"#;
    let found = addresses_in_dns_json(body);
    assert_eq!(found.len(), 2);
    assert!(addresses_in_dns_json(r#"{"Status":3}"#).is_empty());
    assert!(addresses_in_dns_json("<html>").is_empty());
}

#[test]
fn names_need_resolving_literals_do_not() {
    let name = check_endpoint_url("https://hooks.example.com/x", false).map(|u| u.is_name());
    assert_eq!(name, Ok(true));
    let literal = check_endpoint_url("https://8.8.8.8/x", false).map(|u| u.is_name());
    assert_eq!(literal, Ok(false));
    let v6 = check_endpoint_url("https://[2606:4700:4700::1111]/x", false).map(|u| u.is_name());
    assert_eq!(v6, Ok(false));
}

/// Each refused range, one address inside it (its middle), refused and named.
#[test]
fn every_refused_range_is_refused_by_name() {
    for (network, len, range) in super::REFUSED_V4 {
        let first = u32::from_be_bytes(network);
        let inside = Ipv4Addr::from_bits(if len < 32 {
            first | (1 << (31 - len))
        } else {
            first
        });
        let url = format!("https://{inside}/hook");
        assert_eq!(
            check_endpoint_url(&url, false),
            Err(UrlError::PrivateAddress {
                host: inside.to_string(),
                range,
            }),
            "{url}"
        );
    }
    for (network, len, range) in super::REFUSED_V6 {
        let inside = Ipv6Addr::from_bits(if len < 128 {
            network | (1 << (127 - len))
        } else {
            network
        });
        let url = format!("https://[{inside}]/hook");
        assert_eq!(
            check_endpoint_url(&url, false),
            Err(UrlError::PrivateAddress {
                host: format!("[{inside}]"),
                range,
            }),
            "{url}"
        );
    }
}

/// The addresses an outside security test got through, each refused.
#[test]
fn special_purpose_ipv6_that_reaches_inside_is_refused() {
    for (url, range) in [
        (
            "https://[64:ff9b:1::7f00:1]/",
            "local-use IPv4/IPv6 translation (64:ff9b:1::/48)",
        ),
        (
            "https://[::ffff:0:7f00:1]/",
            "IPv4-translated (::ffff:0:0:0/96)",
        ),
        (
            "https://[2001::7f00:1]/",
            "IETF protocol assignments, Teredo among them (2001::/23)",
        ),
        (
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "IETF protocol assignments, Teredo among them (2001::/23)",
        ),
        ("https://[64:ff9b::7f00:1]/", "loopback (127.0.0.0/8)"),
    ] {
        assert!(
            matches!(check_endpoint_url(url, false), Err(UrlError::PrivateAddress { range: r, .. }) if r == range),
            "{url}: {:?}",
            check_endpoint_url(url, false)
        );
    }
    // Public addresses around them stay open.
    for url in [
        "https://[2606:4700:4700::1111]/",
        "https://[2001:200::1]/",
        "https://[64:ff9b::808:808]/",
    ] {
        assert!(check_endpoint_url(url, false).is_ok(), "{url}");
    }
}
