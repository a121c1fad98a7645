//! Request and response bodies of the `/v1` API, one module per resource.
