//! `GET /healthz` and `GET /readyz`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub postgres: Option<bool>,
    pub redis: Option<bool>,
}
