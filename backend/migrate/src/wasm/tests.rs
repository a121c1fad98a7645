use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

const ECHO: &str = include_str!("../../../../examples/migrations/echo.wat");
const RENAME: &str = include_str!("../../../../examples/migrations/rename_timeout.wat");

/// Bump allocator and the ABI's exports around a `migrate` body; `$ptr`, `$len` and
/// `$direction` are its parameters. `extra` goes into the module (data, globals, functions).
fn module(extra: &str, migrate_body: &str) -> String {
    format!(
        r#"(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $len)))
    (local.get $ptr))
  {extra}
  (func (export "migrate") (param $ptr i32) (param $len i32) (param $direction i32) (result i64)
    {migrate_body}))"#
    )
}

/// `migrate` returning the input unchanged.
const ECHO_BODY: &str = "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) \
                         (i64.extend_i32_u (local.get $len)))";

fn runtime() -> Arc<WasmRuntime> {
    WasmRuntime::new(WasmLimits::default()).expect("runtime")
}

fn runtime_with(limits: WasmLimits) -> Arc<WasmRuntime> {
    WasmRuntime::new(limits).expect("runtime")
}

/// A runtime that allocates instances on demand, as where the pool cannot be reserved.
fn on_demand(limits: WasmLimits) -> Arc<WasmRuntime> {
    let cache = Mutex::new(cache::Cache::new(limits.cache_entries));
    let shared = Arc::new(engine::Shared::build(limits, false).expect("engine"));
    Arc::new(WasmRuntime { shared, cache })
}

fn config() -> Value {
    json!({
        "service": "payments",
        "timeout": 30,
        "retries": {"max": 3, "backoff": "exponential", "timeout": 5},
        "upstreams": [
            {"name": "ledger", "url": "http://ledger:8080", "timeout": 2},
            {"name": "fx", "url": "http://fx:8080"}
        ],
        "notes": "\"timeout\": is only text here, as is \\\"timeout\\\":",
        "labels": {"team": "core", "tier": "1"},
        "flags": [true, false, null, 1.5, -2, "ünïcödé ✓"]
    })
}

fn assert_one_line(message: &str) {
    assert!(!message.contains('\n'), "not one line: {message:?}");
    assert!(
        !message.contains("backtrace"),
        "leaks a backtrace: {message:?}"
    );
}

#[test]
fn migration_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<WasmMigration>();
    check::<Arc<WasmMigration>>();
    check::<WasmRuntime>();
}

#[test]
fn rename_up_then_down_returns_the_original() {
    let rt = runtime();
    let rename = rt.load(RENAME.as_bytes()).expect("load");
    let doc = config();
    let up = rename.run(&doc, Direction::Up).expect("up");

    let mut expected = doc.clone();
    let object = expected.as_object_mut().expect("object");
    let timeout = object.remove("timeout").expect("timeout");
    object.insert("timeout_ms".into(), timeout);
    assert_eq!(up, expected);
    // Nested keys and string values are not touched.
    assert_eq!(up["retries"]["timeout"], json!(5));
    assert_eq!(up["upstreams"][0]["timeout"], json!(2));
    assert_eq!(up["notes"], doc["notes"]);

    let down = rename.run(&up, Direction::Down).expect("down");
    assert_eq!(down, doc);
}

#[test]
fn rename_without_the_key_is_identity_and_refuses_duplicates() {
    let rt = runtime();
    let rename = rt.load(RENAME.as_bytes()).expect("load");
    let plain = json!({"a": 1, "nested": {"timeout": 1}});
    assert_eq!(rename.run(&plain, Direction::Up).expect("up"), plain);
    assert_eq!(rename.run(&plain, Direction::Down).expect("down"), plain);
    let already = json!({"timeout_ms": 1});
    assert_eq!(rename.run(&already, Direction::Up).expect("up"), already);
    assert_eq!(
        rename.run(&json!([1, "x"]), Direction::Up).expect("array"),
        json!([1, "x"])
    );
    assert_eq!(
        rename.run(&json!("timeout"), Direction::Up).expect("str"),
        json!("timeout")
    );

    let both = json!({"timeout": 1, "timeout_ms": 2});
    for direction in [Direction::Up, Direction::Down] {
        match rename.run(&both, direction) {
            Err(WasmError::Failed(message)) => {
                assert!(message.contains("top-level keys"), "{message}")
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }
}

#[test]
fn echo_is_identity() {
    let rt = runtime();
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    for doc in [
        config(),
        json!(null),
        json!(0),
        json!("a \"quoted\" \\ string\n with ünïcödé"),
        json!([]),
        json!({}),
        json!({"deep": [[[[{"x": [1, 2, {"y": null}]}]]]]}),
    ] {
        assert_eq!(echo.run(&doc, Direction::Up).expect("up"), doc);
        assert_eq!(echo.run(&doc, Direction::Down).expect("down"), doc);
    }
}

#[test]
fn echo_handles_input_larger_than_its_initial_memory() {
    let rt = runtime();
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    let doc = json!({ "blob": "x".repeat(200_000) });
    assert_eq!(echo.run(&doc, Direction::Up).expect("run"), doc);
}

#[test]
fn binary_modules_load_too() {
    let rt = runtime();
    let binary = wat::parse_str(ECHO).expect("wat");
    let echo = rt.load(&binary).expect("load");
    assert_eq!(echo.run(&config(), Direction::Up).expect("run"), config());
    assert_eq!(echo.hash(), hex::encode(Sha256::digest(&binary)));
    let text = rt.load(ECHO.as_bytes()).expect("load text");
    assert_eq!(text.hash(), hex::encode(Sha256::digest(ECHO.as_bytes())));
    assert_ne!(echo.hash(), text.hash());
}

const LOOP_BODY: &str = "(loop $forever (br $forever)) (unreachable)";

#[test]
fn infinite_loop_hits_the_deadline() {
    let deadline = Duration::from_millis(50);
    let rt = runtime_with(WasmLimits {
        fuel: u64::MAX / 4,
        deadline,
        ..WasmLimits::default()
    });
    let spin = rt.load(module("", LOOP_BODY).as_bytes()).expect("load");
    let started = Instant::now();
    let result = spin.run(&json!({}), Direction::Up);
    let took = started.elapsed();
    assert!(matches!(result, Err(WasmError::Deadline)), "{result:?}");
    assert!(took >= deadline / 2, "fired early, after {took:?}");
    assert!(took < deadline * 10, "fired late, after {took:?}");
}

#[test]
fn deadline_fires_after_the_ticker_has_gone_idle() {
    let deadline = Duration::from_millis(50);
    let rt = runtime_with(WasmLimits {
        fuel: u64::MAX / 4,
        deadline,
        ..WasmLimits::default()
    });
    let spin = rt.load(module("", LOOP_BODY).as_bytes()).expect("load");
    for _ in 0..2 {
        // Longer than the ticker's idle period, so it parks and the call must wake it.
        std::thread::sleep(ticker::IDLE_AFTER + Duration::from_millis(100));
        let started = Instant::now();
        let result = spin.run(&json!({}), Direction::Up);
        assert!(matches!(result, Err(WasmError::Deadline)), "{result:?}");
        assert!(started.elapsed() < deadline * 10, "{:?}", started.elapsed());
    }
}

#[test]
fn infinite_loop_in_the_start_function_hits_the_deadline() {
    let rt = runtime_with(WasmLimits {
        fuel: u64::MAX / 4,
        deadline: Duration::from_millis(50),
        ..WasmLimits::default()
    });
    let spin = module(
        "(func $start (loop $forever (br $forever))) (start $start)",
        ECHO_BODY,
    );
    let spin = rt.load(spin.as_bytes()).expect("load");
    let result = spin.run(&json!({}), Direction::Up);
    assert!(matches!(result, Err(WasmError::Deadline)), "{result:?}");
}

#[test]
fn infinite_loop_with_little_fuel_runs_out_of_fuel() {
    let rt = runtime_with(WasmLimits {
        fuel: 100_000,
        deadline: Duration::from_secs(60),
        ..WasmLimits::default()
    });
    let spin = rt.load(module("", LOOP_BODY).as_bytes()).expect("load");
    let result = spin.run(&json!({}), Direction::Up);
    assert!(matches!(result, Err(WasmError::OutOfFuel)), "{result:?}");
    // The echo module needs far less than that for a small config.
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    assert_eq!(echo.run(&config(), Direction::Up).expect("run"), config());
}

#[test]
fn growing_memory_past_the_cap_is_a_memory_error() {
    let rt = runtime_with(WasmLimits {
        memory_bytes: 1 << 20,
        ..WasmLimits::default()
    });
    // Grows a page at a time, forever; the cap stops it.
    let grower = module(
        "",
        "(loop $more (drop (memory.grow (i32.const 1))) (br $more)) (unreachable)",
    );
    let grower = rt.load(grower.as_bytes()).expect("load");
    let result = grower.run(&json!({}), Direction::Up);
    assert!(matches!(result, Err(WasmError::Memory)), "{result:?}");
    // One big step past the cap, too.
    let leap = module("", "(drop (memory.grow (i32.const 1000))) (unreachable)");
    let leap = rt.load(leap.as_bytes()).expect("load");
    let result = leap.run(&json!({}), Direction::Up);
    assert!(matches!(result, Err(WasmError::Memory)), "{result:?}");
    // Within the cap is fine.
    let small = module(
        "",
        &format!("(drop (memory.grow (i32.const 8))) {ECHO_BODY}"),
    );
    let small = rt.load(small.as_bytes()).expect("load");
    assert_eq!(
        small.run(&json!([1]), Direction::Up).expect("run"),
        json!([1])
    );
}

#[test]
fn initial_memory_over_the_cap_is_refused_at_load() {
    let rt = runtime_with(WasmLimits {
        memory_bytes: 1 << 20,
        ..WasmLimits::default()
    });
    let big = module("", ECHO_BODY).replace(
        "(memory (export \"memory\") 1)",
        "(memory (export \"memory\") 17)",
    );
    let result = rt.load(big.as_bytes());
    assert!(
        matches!(result, Err(WasmError::Invalid(ref m)) if m.contains("limit")),
        "{result:?}"
    );
}

#[test]
fn table_growth_past_the_cap_traps() {
    let rt = runtime();
    let grower = module(
        "(table $t 0 funcref)",
        "(drop (table.grow $t (ref.null func) (i32.const 1000000))) (unreachable)",
    );
    let grower = rt.load(grower.as_bytes()).expect("load");
    match grower.run(&json!({}), Direction::Up) {
        Err(WasmError::Trap(message)) => assert!(message.contains("table"), "{message}"),
        other => panic!("expected a table trap, got {other:?}"),
    }
}

#[test]
fn imports_are_refused_at_load() {
    let rt = runtime();
    let cases = [
        (
            r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
            "wasi_snapshot_preview1.fd_write",
        ),
        (r#"(import "env" "f" (func))"#, "env.f"),
        (r#"(import "env" "table" (table 1 funcref))"#, "env.table"),
        (r#"(import "env" "g" (global i32))"#, "env.g"),
    ];
    for (import, name) in cases {
        // Imports come before every other field of a module.
        let text = module("", ECHO_BODY).replacen("(module", &format!("(module {import}"), 1);
        match rt.load(text.as_bytes()) {
            Err(WasmError::Imports(named)) => assert_eq!(named, name),
            other => panic!("{name}: expected Imports, got {other:?}"),
        }
    }
    let memory = r#"(module (import "env" "memory" (memory 1)) (import "env" "f" (func)))"#;
    match rt.load(memory.as_bytes()) {
        Err(WasmError::Imports(named)) => assert_eq!(named, "env.memory"),
        other => panic!("expected Imports, got {other:?}"),
    }
    assert_eq!(rt.cached_modules(), 0);
}

#[test]
fn missing_or_mistyped_exports_are_invalid() {
    let rt = runtime();
    let cases = [
        ("(module)", "memory"),
        (
            r#"(module (memory (export "memory") 1) (func (export "migrate") (param i32 i32 i32) (result i64) (i64.const 0)))"#,
            "alloc",
        ),
        (
            r#"(module (memory (export "memory") 1) (func (export "alloc") (param i32) (result i32) (i32.const 0)))"#,
            "migrate",
        ),
        (
            r#"(module (memory (export "memory") 1)
                 (func (export "alloc") (param i32) (result i32) (i32.const 0))
                 (func (export "migrate") (param i32 i32) (result i64) (i64.const 0)))"#,
            "migrate",
        ),
        (
            r#"(module (memory (export "memory") 1)
                 (func (export "alloc") (param i64) (result i32) (i32.const 0))
                 (func (export "migrate") (param i32 i32 i32) (result i64) (i64.const 0)))"#,
            "alloc",
        ),
        (
            r#"(module (memory (export "memory") 1)
                 (func (export "alloc") (param i32) (result i32) (i32.const 0))
                 (func (export "migrate") (param i32 i32 i32) (result i32) (i32.const 0)))"#,
            "migrate",
        ),
        (
            r#"(module (global (export "memory") i32 (i32.const 0))
                 (func (export "alloc") (param i32) (result i32) (i32.const 0))
                 (func (export "migrate") (param i32 i32 i32) (result i64) (i64.const 0)))"#,
            "memory",
        ),
    ];
    for (text, name) in cases {
        match rt.load(text.as_bytes()) {
            Err(WasmError::Invalid(message)) => {
                assert!(message.contains(name), "{name}: {message}");
                assert_one_line(&message);
            }
            other => panic!("{name}: expected Invalid, got {other:?}"),
        }
    }
}

#[test]
fn malformed_and_oversized_modules_are_invalid() {
    let rt = runtime_with(WasmLimits {
        module_bytes: 4096,
        ..WasmLimits::default()
    });
    for bytes in [
        &b"(module (func"[..],
        b"not a module at all",
        b"\0asm\x01\0\0\0\xff\xff",
        b"\xff\xfe\xfd",
        b"",
    ] {
        match rt.load(bytes) {
            Err(WasmError::Invalid(message)) => assert_one_line(&message),
            other => panic!("{bytes:?}: expected Invalid, got {other:?}"),
        }
    }
    let padded = format!("{}\n;; {}", ECHO, "x".repeat(4096));
    match rt.load(padded.as_bytes()) {
        Err(WasmError::Invalid(message)) => assert!(message.contains("limit is 4096"), "{message}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn oversized_input_is_refused() {
    let rt = runtime_with(WasmLimits {
        input_bytes: 1024,
        ..WasmLimits::default()
    });
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    let doc = json!({ "blob": "x".repeat(2000) });
    let size = serde_json::to_vec(&doc).expect("json").len();
    match echo.run(&doc, Direction::Up) {
        Err(WasmError::InputTooLarge { size: s, limit }) => {
            assert_eq!((s, limit), (size, 1024));
        }
        other => panic!("expected InputTooLarge, got {other:?}"),
    }
    let fits = json!({ "blob": "x".repeat(900) });
    assert_eq!(echo.run(&fits, Direction::Up).expect("run"), fits);
}

#[test]
fn unreachable_is_a_one_line_trap() {
    let rt = runtime();
    let trap = rt
        .load(module("", "(unreachable)").as_bytes())
        .expect("load");
    match trap.run(&json!({}), Direction::Up) {
        Err(WasmError::Trap(message)) => {
            assert!(message.contains("unreachable"), "{message}");
            assert_one_line(&message);
            let shown = WasmError::Trap(message).to_string();
            assert_one_line(&shown);
        }
        other => panic!("expected Trap, got {other:?}"),
    }
}

#[test]
fn other_traps_are_reported_as_traps() {
    let rt = runtime();
    let cases = [
        (
            "(drop (i32.div_u (i32.const 1) (i32.const 0))) (unreachable)",
            "divide by zero",
        ),
        (
            "(drop (i32.load (i32.const -4))) (unreachable)",
            "out of bounds",
        ),
    ];
    for (body, what) in cases {
        let trap = rt.load(module("", body).as_bytes()).expect("load");
        match trap.run(&json!({}), Direction::Up) {
            Err(WasmError::Trap(message)) => {
                assert!(message.contains(what), "{message}");
                assert_one_line(&message);
            }
            other => panic!("{what}: expected Trap, got {other:?}"),
        }
    }
    let recurse = module(
        "(func $deep (param i32) (result i32) (call $deep (i32.add (local.get 0) (i32.const 1))))",
        "(drop (call $deep (i32.const 0))) (unreachable)",
    );
    let recurse = rt.load(recurse.as_bytes()).expect("load");
    match recurse.run(&json!({}), Direction::Up) {
        Err(WasmError::Trap(message)) => {
            assert!(message.contains("stack"), "{message}");
            assert_one_line(&message);
        }
        other => panic!("expected a stack overflow trap, got {other:?}"),
    }
}

#[test]
fn bad_output_is_an_output_error() {
    let rt = runtime();
    let data = r#"(data (i32.const 16) "{not json") (data (i32.const 32) "\22\ff\22")"#;
    let cases = [
        // Past the end of the 64 KiB memory.
        ("(i64.const 0x0000_fff0_0000_0100)", "outside"),
        ("(i64.const 0x7fff_ffff_0000_0001)", "outside"),
        // An error message out of bounds.
        ("(i64.const 0x8000_ffff_0000_0100)", "error message"),
        // Not JSON, not UTF-8.
        ("(i64.const 0x0000_0010_0000_0009)", "not JSON"),
        ("(i64.const 0x0000_0020_0000_0003)", "not UTF-8"),
        // Empty.
        ("(i64.const 0x0000_0010_0000_0000)", "not JSON"),
    ];
    for (body, what) in cases {
        let bad = rt.load(module(data, body).as_bytes()).expect("load");
        match bad.run(&json!({"a": 1}), Direction::Up) {
            Err(WasmError::Output(message)) => {
                assert!(message.contains(what), "{what}: {message}");
                assert_one_line(&message);
            }
            other => panic!("{what}: expected Output, got {other:?}"),
        }
    }
}

#[test]
fn alloc_returning_out_of_bounds_is_an_output_error() {
    let rt = runtime();
    let text = r#"(module (memory (export "memory") 1)
        (func (export "alloc") (param i32) (result i32) (i32.const 65530))
        (func (export "migrate") (param i32 i32 i32) (result i64) (i64.const 0)))"#;
    let bad = rt.load(text.as_bytes()).expect("load");
    match bad.run(&json!({"a": "long enough"}), Direction::Up) {
        Err(WasmError::Output(message)) => assert!(message.contains("alloc"), "{message}"),
        other => panic!("expected Output, got {other:?}"),
    }
}

/// Up echoes; down reports that it is not supported (the ABI's error convention).
fn up_only() -> String {
    module(
        r#"(data (i32.const 16) "down migration is not supported\nby this module")"#,
        &format!(
            "(if (local.get $direction) (then (return (i64.const 0x8000_0010_0000_002e)))) {ECHO_BODY}"
        ),
    )
}

#[test]
fn a_module_without_down_says_so() {
    let rt = runtime();
    let up_only = rt.load(up_only().as_bytes()).expect("load");
    assert_eq!(up_only.run(&config(), Direction::Up).expect("up"), config());
    match up_only.run(&config(), Direction::Down) {
        Err(WasmError::Failed(message)) => {
            assert_eq!(message, "down migration is not supported by this module");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn each_call_gets_a_fresh_instance_even_after_a_trap() {
    let rt = runtime();
    // Counts calls in a global: a reused instance would see a non-zero count and fail. Down
    // traps.
    let counting = module(
        r#"(global $calls (mut i32) (i32.const 0))
           (data (i32.const 16) "instance reused")"#,
        &format!(
            "(if (global.get $calls) (then (return (i64.const 0x8000_0010_0000_000f))))
             (global.set $calls (i32.const 1))
             (if (local.get $direction) (then (unreachable)))
             {ECHO_BODY}"
        ),
    );
    let counting = rt.load(counting.as_bytes()).expect("load");
    let doc = json!({"n": 1});
    for _ in 0..3 {
        assert_eq!(counting.run(&doc, Direction::Up).expect("up"), doc);
        assert!(matches!(
            counting.run(&doc, Direction::Down),
            Err(WasmError::Trap(_))
        ));
    }
    // And after running out of fuel or memory.
    let spin = rt.load(module("", LOOP_BODY).as_bytes()).expect("load");
    let result = spin.run(&doc, Direction::Up);
    assert!(
        matches!(result, Err(WasmError::OutOfFuel | WasmError::Deadline)),
        "{result:?}"
    );
    assert_eq!(counting.run(&doc, Direction::Up).expect("up"), doc);
}

#[test]
fn memory_is_clean_on_every_call_even_when_slots_are_reused() {
    let rt = runtime();
    // Fails if the bytes it is about to dirty (in its first page and in a page it grows) are
    // not zero, then dirties them.
    let body = format!(
        r#"(drop (memory.grow (i32.const 1)))
           (if (i32.or (i32.load8_u (i32.const 60000)) (i32.load8_u (i32.const 70000)))
             (then (return (i64.const 0x8000_0010_0000_000c))))
           (i32.store8 (i32.const 60000) (i32.const 0xab))
           (i32.store8 (i32.const 70000) (i32.const 0xab))
           {ECHO_BODY}"#
    );
    let dirtier = module(r#"(data (i32.const 16) "dirty memory")"#, &body);
    let modules = [
        rt.load(dirtier.as_bytes()).expect("load"),
        rt.load(format!("{dirtier}\n;; another module").as_bytes())
            .expect("load"),
    ];
    let doc = json!({"a": 1});
    for i in 0..3 * engine::pool_slots() as usize {
        let result = modules[i % 2].run(&doc, Direction::Up);
        assert_eq!(result.expect("clean memory"), doc);
    }
}

#[test]
fn the_cache_returns_the_same_migration_for_the_same_bytes() {
    let rt = runtime();
    let first = rt.load(ECHO.as_bytes()).expect("load");
    let second = rt.load(ECHO.as_bytes()).expect("load");
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(rt.cached_modules(), 1);
    assert_eq!(first.hash(), hex::encode(Sha256::digest(ECHO.as_bytes())));
    let rename = rt.load(RENAME.as_bytes()).expect("load");
    assert!(!Arc::ptr_eq(&first, &rename));
    assert_eq!(rt.cached_modules(), 2);
}

#[test]
fn the_cache_evicts_the_least_recently_used_beyond_its_size() {
    let rt = runtime_with(WasmLimits {
        cache_entries: 2,
        ..WasmLimits::default()
    });
    // Distinct bytes, same behaviour.
    let variant = |n: u32| format!("{ECHO}\n;; variant {n}\n");
    let a = rt.load(variant(1).as_bytes()).expect("a");
    let b = rt.load(variant(2).as_bytes()).expect("b");
    // Use a, so b is the least recently used.
    assert!(Arc::ptr_eq(
        &a,
        &rt.load(variant(1).as_bytes()).expect("a again")
    ));
    let c = rt.load(variant(3).as_bytes()).expect("c");
    assert_eq!(rt.cached_modules(), 2);
    assert!(Arc::ptr_eq(
        &a,
        &rt.load(variant(1).as_bytes()).expect("a cached")
    ));
    assert!(Arc::ptr_eq(
        &c,
        &rt.load(variant(3).as_bytes()).expect("c cached")
    ));
    // b was evicted: loading it compiles a new one. The evicted one still works.
    let b_again = rt.load(variant(2).as_bytes()).expect("b again");
    assert!(!Arc::ptr_eq(&b, &b_again));
    assert_eq!(b.run(&json!(1), Direction::Up).expect("run"), json!(1));
    assert_eq!(rt.cached_modules(), 2);

    let uncached = runtime_with(WasmLimits {
        cache_entries: 0,
        ..WasmLimits::default()
    });
    let x = uncached.load(ECHO.as_bytes()).expect("x");
    let y = uncached.load(ECHO.as_bytes()).expect("y");
    assert!(!Arc::ptr_eq(&x, &y));
    assert_eq!(uncached.cached_modules(), 0);
}

#[test]
fn concurrent_runs_give_correct_results() {
    let rt = runtime();
    let rename = rt.load(RENAME.as_bytes()).expect("load");
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let rename = rename.clone();
            let echo = echo.clone();
            let rt = rt.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let doc = json!({"thread": t, "i": i, "timeout": i * 10, "x": {"timeout": t}});
                    let up = rename.run(&doc, Direction::Up).expect("up");
                    assert_eq!(up["timeout_ms"], json!(i * 10));
                    assert!(up.get("timeout").is_none());
                    assert_eq!(up["x"]["timeout"], json!(t));
                    assert_eq!(rename.run(&up, Direction::Down).expect("down"), doc);
                    assert_eq!(echo.run(&doc, Direction::Up).expect("echo"), doc);
                    // Loads from the cache race with the runs.
                    assert!(Arc::ptr_eq(&echo, &rt.load(ECHO.as_bytes()).expect("load")));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
}

#[test]
fn more_concurrent_calls_than_pool_slots_wait_their_turn() {
    let rt = runtime();
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    let threads = engine::pool_slots() as usize + 8;
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let echo = echo.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..5 {
                    let doc = json!({"t": t, "i": i});
                    assert_eq!(echo.run(&doc, Direction::Up).expect("run"), doc);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("thread");
    }
}

#[test]
fn runtimes_pool_instances_and_fall_back_to_allocating_on_demand() {
    // This machine can reserve the pool; a runtime under a tight address-space ulimit could
    // not, and would run as below.
    assert!(runtime().pooled());
    let limits = WasmLimits {
        fuel: u64::MAX / 4,
        deadline: Duration::from_millis(50),
        memory_bytes: 1 << 20,
        ..WasmLimits::default()
    };
    let rt = on_demand(limits);
    assert!(!rt.pooled());
    let rename = rt.load(RENAME.as_bytes()).expect("load");
    let up = rename.run(&config(), Direction::Up).expect("up");
    assert_eq!(rename.run(&up, Direction::Down).expect("down"), config());
    let spin = rt.load(module("", LOOP_BODY).as_bytes()).expect("load");
    assert!(matches!(
        spin.run(&json!(1), Direction::Up),
        Err(WasmError::Deadline)
    ));
    let grower = module("", "(drop (memory.grow (i32.const 100))) (unreachable)");
    let grower = rt.load(grower.as_bytes()).expect("load");
    assert!(matches!(
        grower.run(&json!(1), Direction::Up),
        Err(WasmError::Memory)
    ));
}

#[test]
fn the_ticker_stops_when_the_runtime_and_its_migrations_are_dropped() {
    let rt = runtime();
    let probe = rt.shared.ticker_probe();
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    drop(rt);
    // The migration still needs the ticker for its deadline.
    assert!(probe.upgrade().is_some());
    assert_eq!(echo.run(&json!(1), Direction::Up).expect("run"), json!(1));
    drop(echo);
    // Dropping the last owner joins the thread, which held the other reference.
    assert!(probe.upgrade().is_none());
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z\"\\\\:{}\\[\\], ü]{0,12}".prop_map(Value::String),
        Just(json!("\"timeout\":")),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("timeout".to_string()),
        Just("timeout_ms".to_string()),
        "[a-z_\"]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn rename_round_trips_arbitrary_configs(
        fields in prop::collection::btree_map(key(), json_value(), 0..6),
    ) {
        static RT: std::sync::OnceLock<Arc<WasmMigration>> = std::sync::OnceLock::new();
        let rename = RT.get_or_init(|| runtime().load(RENAME.as_bytes()).expect("load"));
        let doc = Value::Object(fields.clone().into_iter().collect());
        let up = rename.run(&doc, Direction::Up);
        if fields.contains_key("timeout") && fields.contains_key("timeout_ms") {
            prop_assert!(matches!(up, Err(WasmError::Failed(_))));
        } else {
            let up = up.expect("up");
            let mut expected = fields.clone();
            if let Some(v) = expected.remove("timeout") {
                expected.insert("timeout_ms".into(), v);
            }
            prop_assert_eq!(&up, &Value::Object(expected.into_iter().collect()));
            if !fields.contains_key("timeout_ms") {
                prop_assert_eq!(rename.run(&up, Direction::Down).expect("down"), doc);
            }
        }
    }

    #[test]
    fn echo_is_identity_for_arbitrary_documents(doc in json_value()) {
        static RT: std::sync::OnceLock<Arc<WasmMigration>> = std::sync::OnceLock::new();
        let echo = RT.get_or_init(|| runtime().load(ECHO.as_bytes()).expect("load"));
        prop_assert_eq!(echo.run(&doc, Direction::Up).expect("run"), doc);
    }
}

#[test]
fn oversized_output_is_refused_before_it_is_parsed() {
    let rt = runtime_with(WasmLimits {
        output_bytes: 1024,
        ..WasmLimits::default()
    });
    let echo = rt.load(ECHO.as_bytes()).expect("load");
    let doc = json!({ "blob": "x".repeat(2000) });
    let size = serde_json::to_vec(&doc).expect("json").len();
    match echo.run(&doc, Direction::Up) {
        Err(WasmError::OutputTooLarge { size: s, limit }) => {
            assert_eq!((s, limit), (size, 1024));
        }
        other => panic!("expected OutputTooLarge, got {other:?}"),
    }
    let fits = json!({ "blob": "x".repeat(900) });
    assert_eq!(echo.run(&fits, Direction::Up).expect("run"), fits);
}
