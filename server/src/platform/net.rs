//! The caller's network, for throttling and the audit log: an IPv4 address, or the /64
//! prefix of an IPv6 address (one subscriber usually holds a whole /64, so counting per
//! address would let them rotate around a limit).
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

pub fn client_network(peer: Option<SocketAddr>, headers: &HeaderMap, trust_proxy: bool) -> String {
    let ip = if trust_proxy {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .or(peer.map(|p| p.ip()))
    } else {
        peer.map(|p| p.ip())
    };
    match ip {
        Some(ip) => network_of(ip),
        None => "unknown".into(),
    }
}

pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

pub fn user_agent(headers: &HeaderMap) -> String {
    headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_grouped_by_64() {
        let a = network_of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = network_of("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(network_of("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "9.9.9.9, 1.2.3.4".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(client_network(peer, &h, false), "127.0.0.1");
        assert_eq!(client_network(peer, &h, true), "1.2.3.4");
    }
}
