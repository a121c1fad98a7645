# `make dev` runs the whole service locally; `make test` runs every check CI runs.
.PHONY: dev test openapi fmt bench

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

# Regenerates spec/openapi.json from the code (make test fails when it differs).
openapi:
	cargo run -q -p versiqii-server -- openapi > spec/openapi.json

fmt:
	cargo fmt --all

# Every crate's benchmarks: versiqii-core validate, graph, drift; versiqii-migrate lens, wasm;
# versiqii-server auth (one alone: cargo bench -p versiqii-core --bench graph).
bench:
	cargo bench --workspace
