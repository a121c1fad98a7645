//! `POST /` parses the JSON body into a `serde_json::Value` and answers it back: what any JSON
//! endpoint pays before doing its own work, the baseline of `POST /v1/validate`.
//!
//!     versiqii-loadtest-echo PORT [WORKERS]

use actix_web::{post, web, App, HttpResponse, HttpServer};

#[post("/")]
async fn echo(body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18080);
    // versiqii-server's `http.workers` default.
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    // The same runtime as versiqii-server's `serve`: an actix System, HttpServer workers.
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                // versiqii-server's `http.max_body_bytes` default.
                .app_data(web::JsonConfig::default().limit(1_048_576))
                .service(echo)
        })
        .workers(workers.max(1))
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
