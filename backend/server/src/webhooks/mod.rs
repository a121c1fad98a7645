//! Notifications out of the service: webhook endpoints' secrets at rest ([`keyring`]), an HTTP
//! client that reaches public addresses only ([`client`]), Slack's message format ([`slack`]) and
//! the dispatcher that delivers the outbox's events ([`dispatcher`]).

pub mod client;
pub mod dispatcher;
pub mod keyring;
pub mod slack;

use std::net::IpAddr;
use versiqii_core::egress::Refused;

/// Why the service will not send to a host.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EgressError {
    #[error("{ip} is {reason}: deliveries go to public addresses only")]
    Refused { ip: IpAddr, reason: Refused },
    #[error("{name} does not resolve: {why}")]
    Unresolvable { name: String, why: String },
}
