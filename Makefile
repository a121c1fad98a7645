# `make dev` runs the whole service locally; `make test` runs every check CI runs.
.PHONY: dev test openapi docs fmt bench

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

# Regenerates spec/openapi.json from the code (make test fails when it differs).
openapi:
	cargo run -q -p versiqii-server -- openapi > spec/openapi.json
	cargo run -q -p versiqii-server -- ops-openapi > spec/ops-openapi.json

# Regenerates the documents made from the wire crate's tables (make test fails when they differ).
docs:
	cargo run -q -p versiqii-server -- errors-doc > docs/errors.md
	cargo run -q -p versiqii-server -- events-doc > docs/events.md
	cargo run -q -p versiqii-server -- events-json > spec/events.json

fmt:
	cargo fmt --all

# Every crate's benchmarks: versiqii-core validate, graph, drift; versiqii-migrate lens, wasm;
# versiqii-server auth (one alone: cargo bench -p versiqii-core --bench graph).
bench:
	cargo bench --workspace
