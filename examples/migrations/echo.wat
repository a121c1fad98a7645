;; Identity migration: returns the input document unchanged, up and down.
;;
;; The smallest module that follows Versiqii's WASM migration ABI (docs/wasm-abi.md):
;; it exports `memory`, `alloc` and `migrate`, imports nothing, and hands the input bytes
;; straight back as the output.
(module
  (memory (export "memory") 1)

  ;; "unknown direction": the message returned for a direction other than 0 or 1.
  (data (i32.const 16) "unknown direction")

  ;; Bump allocator. Every call gets a fresh instance, so nothing is ever freed.
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $ptr i32)
    (local $pages i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $len)))
    ;; Pages needed to hold everything up to the new heap end, rounded up.
    (local.set $pages
      (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        ;; memory.grow past the host's cap traps; -1 can only mean the module's own maximum.
        (if (i32.lt_s (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const 0))
          (then unreachable))))
    (local.get $ptr))

  ;; migrate(ptr, len, direction) -> (ptr << 32) | len, or bit 63 set with the location of an
  ;; error message.
  (func (export "migrate") (param $ptr i32) (param $len i32) (param $direction i32) (result i64)
    (if (i32.gt_u (local.get $direction) (i32.const 1))
      (then
        ;; error flag | 16 << 32 | 17
        (return (i64.const 0x8000_0010_0000_0011))))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))
)
