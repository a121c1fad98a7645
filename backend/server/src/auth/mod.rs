//! Who is calling (a JWT or an API key), and what they may do (Casbin). Handlers get tenant data
//! only through [`Authorized`], which exists only after both checks passed.

pub mod authorized;
pub mod budget;
pub mod failed_auth;
pub mod fair_share;
pub mod jwt;
pub mod key_cache;
pub mod passwords;
pub mod perm;
pub mod person;
pub mod rbac;
pub mod secrets;
pub mod suspended;

pub use authorized::{Authorized, Principal, PrincipalKind};
pub use person::Person;
