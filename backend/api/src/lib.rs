//! The API's wire contract, shared by the server, the CLI and the tests: request and response
//! bodies, RFC 9457 problems with their closed table of error codes, and the typed events that
//! the outbox stores and webhooks deliver. Serde only, so a client pulls in nothing heavy.

pub mod audit;
pub mod error;
pub mod events;
pub mod ids;
pub mod ops;
pub mod reference;
pub mod v1;

pub use audit::AuditAction;
pub use error::{ErrorCode, FieldError, Problem, ViolationView};
pub use events::Event;
