//! Which client a request is from, for per-client limits: the peer's address, or behind a
//! configured proxy the right-most `X-Forwarded-For` entry that is not a trusted proxy. Anyone
//! else's `X-Forwarded-For` is ignored, so a client cannot name itself someone else (or a new
//! someone on every request). An IPv6 client counts per /64, the block one host is given.

use actix_web::HttpRequest;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = text.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32, self.prefix)
                    == masked(u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
    let keep = u32::from(prefix).min(width);
    if keep == 0 {
        0
    } else {
        bits >> (width - keep)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`http.trusted_proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn parse(entries: &[String]) -> anyhow::Result<Self> {
        entries
            .iter()
            .map(|e| {
                Cidr::parse(e.trim()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "http.trusted_proxies (VERSIQII_TRUSTED_PROXIES): `{e}` is not an IP \
                         address or CIDR range"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address as limits count it.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        // Right to left: each trusted proxy appended the address it heard from.
        let mut client = peer;
        if let Some(chain) = forwarded_for {
            for hop in chain.rsplit(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => {
                        client = ip;
                        if !self.trusts(ip) {
                            break;
                        }
                    }
                    // Garbage from further out than our proxies: stop at what they vouched for.
                    Err(_) => break,
                }
            }
        }
        Some(client)
    }

    /// The rate-limit key of a request's client: its address, an IPv6 address by its /64.
    pub fn key(&self, req: &HttpRequest) -> String {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        match self.client(req.peer_addr().map(|a| a.ip()), forwarded) {
            Some(ip) => bucket(ip),
            None => "unknown".to_owned(),
        }
    }
}

/// An IPv4 address as it is; an IPv6 address by its /64 (one host's allocation); an
/// IPv4-mapped IPv6 address as the IPv4 one.
pub fn bucket(ip: IpAddr) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let p = proxies(&["10.0.0.0/8", "fd00::1"]);
        // Not a proxy: its header is ignored.
        assert_eq!(
            p.client(Some(ip("203.0.113.9")), Some("1.2.3.4")),
            Some(ip("203.0.113.9"))
        );
        // A proxy: the right-most untrusted entry, whatever the client put further left.
        assert_eq!(
            p.client(
                Some(ip("10.1.2.3")),
                Some("6.6.6.6, 198.51.100.7, 10.9.9.9")
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            p.client(Some(ip("fd00::1")), Some("2001:db8::5")),
            Some(ip("2001:db8::5"))
        );
        // A proxy without the header, or with garbage: the last address it vouched for.
        assert_eq!(p.client(Some(ip("10.1.2.3")), None), Some(ip("10.1.2.3")));
        assert_eq!(
            p.client(Some(ip("10.1.2.3")), Some("not-an-ip, 10.9.9.9")),
            Some(ip("10.9.9.9"))
        );
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.internal".into()]).is_err());
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            bucket(ip("2001:db8:1:2:ffff::9")),
            bucket(ip("2001:db8:1:2::1"))
        );
        assert_ne!(bucket(ip("2001:db8:1:3::1")), bucket(ip("2001:db8:1:2::1")));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(bucket(ip("192.0.2.1")), "192.0.2.1");
    }

    proptest! {
        #[test]
        fn no_header_makes_an_untrusted_peer_anyone_else(peer: [u8; 4], header in ".{0,80}") {
            let p = proxies(&["10.0.0.0/8"]);
            let peer = IpAddr::from(peer);
            prop_assume!(!p.trusts(peer));
            prop_assert_eq!(p.client(Some(peer), Some(&header)), Some(peer));
        }
    }
}
