//! Where the service may send a request of its own (webhook deliveries): only to public unicast
//! addresses. Names are resolved by the caller, which then checks every address here and connects
//! only to those that pass, so a name cannot point inside (or change its answer between a check and
//! the connection). Literal hosts are read the way `inet_aton` reads them (`0x7f.1` is 127.0.0.1),
//! since that is how a resolver or HTTP client would read them too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the service may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EgressPolicy {
    /// Loopback targets too (`127.0.0.0/8`, `::1`): for local receivers in development and tests,
    /// never in production. Nothing else private is ever allowed.
    pub allow_loopback: bool,
}

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    SharedCgnat,
    Multicast,
    Reserved,
    Documentation,
    UniqueLocal,
    /// An IPv6 form that carries an IPv4 address (mapped, compatible, NAT64, 6to4) whose IPv4 part
    /// is refused, or a tunnel form whose real endpoint cannot be known (Teredo).
    Embedded,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::Unspecified => "an unspecified address",
            Refused::Loopback => "a loopback address",
            Refused::Private => "a private address",
            Refused::LinkLocal => "a link-local address (cloud metadata lives there)",
            Refused::SharedCgnat => "a carrier-grade NAT address",
            Refused::Multicast => "a multicast or broadcast address",
            Refused::Reserved => "a reserved address",
            Refused::Documentation => "a documentation address",
            Refused::UniqueLocal => "a unique-local or site-local IPv6 address",
            Refused::Embedded => "an IPv6 address carrying a refused IPv4 address",
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EgressPolicy {
    /// `Ok` when the service may connect to `ip`, or why not.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        match classify(ip) {
            None => Ok(()),
            Some(Refused::Loopback) if self.allow_loopback => Ok(()),
            Some(refused) => Err(refused),
        }
    }
}

fn classify(ip: IpAddr) -> Option<Refused> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn classify_v4(ip: Ipv4Addr) -> Option<Refused> {
    use Refused::*;
    let table: &[([u8; 4], u32, Refused)] = &[
        ([0, 0, 0, 0], 8, Unspecified),
        ([127, 0, 0, 0], 8, Loopback),
        ([10, 0, 0, 0], 8, Private),
        ([172, 16, 0, 0], 12, Private),
        ([192, 168, 0, 0], 16, Private),
        ([169, 254, 0, 0], 16, LinkLocal),
        ([100, 64, 0, 0], 10, SharedCgnat),
        ([192, 0, 0, 0], 24, Reserved),
        ([192, 0, 2, 0], 24, Documentation),
        ([198, 51, 100, 0], 24, Documentation),
        ([203, 0, 113, 0], 24, Documentation),
        ([198, 18, 0, 0], 15, Reserved),
        ([192, 88, 99, 0], 24, Reserved),
        ([224, 0, 0, 0], 4, Multicast),
        ([240, 0, 0, 0], 4, Reserved),
    ];
    table
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, why)| *why)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Refused> {
    use Refused::*;
    let s = ip.segments();
    let embedded = |v4: Ipv4Addr| classify_v4(v4).map(|_| Embedded);
    let low_v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if ip.is_unspecified() {
        return Some(Unspecified);
    }
    if ip.is_loopback() {
        return Some(Loopback);
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 address decides,
    // and a public one is still refused as compatible forms have no business on the wire.
    if s[..5] == [0; 5] && s[5] == 0xffff {
        return embedded(low_v4).or(None);
    }
    if s[..6] == [0; 6] {
        return Some(Embedded);
    }
    // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48).
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return embedded(low_v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        return Some(Embedded);
    }
    // 6to4 (2002::/16): the IPv4 address is in the next 32 bits.
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return embedded(v4);
    }
    // Teredo (2001::/32): a tunnel whose endpoint cannot be checked.
    if s[0] == 0x2001 && s[1] == 0 {
        return Some(Embedded);
    }
    if s[0] == 0x2001 && s[1] == 0x0db8 {
        return Some(Documentation);
    }
    match s[0] {
        x if x & 0xfe00 == 0xfc00 => Some(UniqueLocal),
        x if x & 0xffc0 == 0xfe80 => Some(LinkLocal),
        x if x & 0xffc0 == 0xfec0 => Some(UniqueLocal),
        x if x & 0xff00 == 0xff00 => Some(Multicast),
        // Discard-only (100::/64).
        0x0100 if s[1..4] == [0, 0, 0] => Some(Reserved),
        _ => None,
    }
}

/// A host that is an address written literally, read as resolvers and HTTP clients read it:
/// `[v6]`, dotted IPv4, and `inet_aton`'s other forms (one to four parts, each decimal, octal
/// with a leading `0`, or hex with `0x`: `0x7f.1`, `2130706433`, `0177.0.0.1`). `None` for a name.
pub fn literal_ip(host: &str) -> Option<IpAddr> {
    let host = host.trim_end_matches('.');
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(v6));
    }
    inet_aton(host).map(IpAddr::V4)
}

fn inet_aton(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        numbers.push(number(part)?);
    }
    let (last, head) = numbers.split_last()?;
    let mut value: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        if *n > 0xff {
            return None;
        }
        value |= n << (24 - 8 * i);
    }
    let room = 32 - 8 * head.len() as u32;
    if room < 64 && *last >= (1u64 << room) {
        return None;
    }
    value |= last;
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn number(part: &str) -> Option<u64> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        // "0x" alone reads as 0, as inet_aton reads it.
        return (radix == 16).then_some(0);
    }
    if digits.len() > 11 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STRICT: EgressPolicy = EgressPolicy {
        allow_loopback: false,
    };

    fn refused(host: &str) -> Option<Refused> {
        let ip = literal_ip(host).unwrap_or_else(|| panic!("{host} is not read as an address"));
        STRICT.check(ip).err()
    }

    #[test]
    fn the_addresses_an_attacker_tries_are_refused() {
        for (host, why) in [
            ("169.254.169.254", Refused::LinkLocal),
            ("[::ffff:127.0.0.1]", Refused::Embedded),
            ("[::ffff:169.254.169.254]", Refused::Embedded),
            ("0x7f.1", Refused::Loopback),
            ("2130706433", Refused::Loopback),
            ("0177.0.0.1", Refused::Loopback),
            ("127.1", Refused::Loopback),
            ("0", Refused::Unspecified),
            ("10.0.0.1", Refused::Private),
            ("172.31.255.255", Refused::Private),
            ("192.168.1.1", Refused::Private),
            ("100.64.0.1", Refused::SharedCgnat),
            ("224.0.0.1", Refused::Multicast),
            ("255.255.255.255", Refused::Reserved),
            ("[::1]", Refused::Loopback),
            ("[::]", Refused::Unspecified),
            ("[fd00:ec2::254]", Refused::UniqueLocal),
            ("[fe80::1]", Refused::LinkLocal),
            ("[ff02::1]", Refused::Multicast),
            ("[64:ff9b::a00:1]", Refused::Embedded),
            ("[2002:a00:1::]", Refused::Embedded),
            ("[2001::1]", Refused::Embedded),
            ("[::127.0.0.1]", Refused::Embedded),
            ("192.0.2.1", Refused::Documentation),
        ] {
            assert_eq!(refused(host), Some(why), "{host}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for host in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "[2606:4700::1111]",
            "[::ffff:8.8.8.8]",
            "[64:ff9b::808:808]",
            "[2002:808:808::]",
        ] {
            assert_eq!(refused(host), None, "{host}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_asked_and_nothing_else_private() {
        let local = EgressPolicy {
            allow_loopback: true,
        };
        for host in ["127.0.0.1", "[::1]", "0x7f.1"] {
            let ip = literal_ip(host).unwrap();
            assert_eq!(local.check(ip), Ok(()), "{host}");
            assert!(STRICT.check(ip).is_err(), "{host}");
        }
        for host in [
            "10.0.0.1",
            "169.254.169.254",
            "[::ffff:127.0.0.1]",
            "[fd00::1]",
        ] {
            assert!(local.check(literal_ip(host).unwrap()).is_err(), "{host}");
        }
    }

    #[test]
    fn names_are_not_addresses() {
        for host in [
            "example.com",
            "hooks.slack.com",
            "0x7g.1",
            "1.2.3.4.5",
            "256.1.1.1",
            "",
        ] {
            assert_eq!(literal_ip(host), None, "{host}");
        }
    }

    proptest! {
        /// Every refused IPv4 address is refused in every IPv6 form that carries it.
        #[test]
        fn refused_v4_stays_refused_inside_v6(raw in any::<u32>()) {
            let v4 = Ipv4Addr::from(raw);
            if classify_v4(v4).is_some() {
                let o = v4.octets();
                let mapped = v4.to_ipv6_mapped();
                let nat64 = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0,
                    u16::from_be_bytes([o[0], o[1]]), u16::from_be_bytes([o[2], o[3]]));
                let six_to_four = Ipv6Addr::new(0x2002, u16::from_be_bytes([o[0], o[1]]),
                    u16::from_be_bytes([o[2], o[3]]), 0, 0, 0, 0, 1);
                for ip in [mapped, nat64, six_to_four] {
                    prop_assert!(STRICT.check(IpAddr::V6(ip)).is_err(), "{ip} for {v4}");
                }
            }
        }

        /// Dotted decimal and the 32-bit integer form read as the same address.
        #[test]
        fn every_inet_aton_form_reads_the_same(raw in any::<u32>()) {
            let v4 = Ipv4Addr::from(raw);
            prop_assert_eq!(literal_ip(&v4.to_string()), Some(IpAddr::V4(v4)));
            prop_assert_eq!(literal_ip(&raw.to_string()), Some(IpAddr::V4(v4)));
            prop_assert_eq!(literal_ip(&format!("0x{raw:x}")), Some(IpAddr::V4(v4)));
            let o = v4.octets();
            let two = format!("{}.{}", o[0], (u32::from(o[1]) << 16) | (u32::from(o[2]) << 8) | u32::from(o[3]));
            prop_assert_eq!(literal_ip(&two), Some(IpAddr::V4(v4)));
        }
    }
}
