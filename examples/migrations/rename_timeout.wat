;; Renames the top-level key `timeout` to `timeout_ms` (up) and back (down).
;;
;; A byte-level JSON transformer following Versiqii's WASM migration ABI (docs/wasm-abi.md).
;; The host hands over compact JSON (serde_json's serialisation: no whitespace outside
;; strings, keys never written with escapes they don't need), so the key appears as the exact
;; token `"timeout":`. The scan tracks string state (with backslash escapes) and nesting depth,
;; and only rewrites the token at depth 1, i.e. a key of the top-level object (a string
;; followed by `:` is always a key). Nested `timeout` keys and string values that merely
;; contain the text are left alone. If the document has both keys the migration fails
;; instead of producing a duplicate key; with only the target key it is left as it is.
(module
  (memory (export "memory") 1)

  (data (i32.const 0) "\"timeout\":")          ;; 10 bytes
  (data (i32.const 16) "\"timeout_ms\":")      ;; 13 bytes
  (data (i32.const 64) "unknown direction")     ;; 17 bytes
  (data (i32.const 128) "both \"timeout\" and \"timeout_ms\" are top-level keys") ;; 50 bytes

  ;; Bump allocator. Every call gets a fresh instance, so nothing is ever freed.
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $ptr i32)
    (local $pages i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $len)))
    (local.set $pages
      (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.lt_s (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const 0))
          (then unreachable))))
    (local.get $ptr))

  ;; 1 if the `klen` bytes at `k` start the `avail` bytes at `p`, else 0.
  (func $starts_with (param $p i32) (param $avail i32) (param $k i32) (param $klen i32)
    (result i32)
    (local $j i32)
    (if (i32.lt_u (local.get $avail) (local.get $klen)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $klen)))
        (if (i32.ne
              (i32.load8_u (i32.add (local.get $p) (local.get $j)))
              (i32.load8_u (i32.add (local.get $k) (local.get $j))))
          (then (return (i32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  (func (export "migrate") (param $ptr i32) (param $len i32) (param $direction i32) (result i64)
    (local $from i32) (local $from_len i32)
    (local $to i32) (local $to_len i32)
    (local $out i32)
    (local $i i32) (local $o i32)
    (local $c i32)
    (local $depth i32)
    (local $in_string i32)
    (local $escaped i32)
    (local $found_from i32)
    (local $found_to i32)

    (if (i32.eqz (local.get $direction))
      (then
        (local.set $from (i32.const 0)) (local.set $from_len (i32.const 10))
        (local.set $to (i32.const 16)) (local.set $to_len (i32.const 13)))
      (else
        (if (i32.ne (local.get $direction) (i32.const 1))
          (then (return (i64.const 0x8000_0040_0000_0011))))   ;; "unknown direction"
        (local.set $from (i32.const 16)) (local.set $from_len (i32.const 13))
        (local.set $to (i32.const 0)) (local.set $to_len (i32.const 10))))

    ;; Each renamed key grows by at most 3 bytes and takes at least 10, so twice the input
    ;; (plus a little) always fits the output.
    (local.set $out
      (call $alloc (i32.add (i32.shl (local.get $len) (i32.const 1)) (i32.const 16))))

    (block $end
      (loop $scan
        (br_if $end (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))

        (block $copy
          ;; Inside a string: only watch for its end.
          (if (local.get $in_string)
            (then
              (if (local.get $escaped)
                (then (local.set $escaped (i32.const 0)))
                (else
                  (if (i32.eq (local.get $c) (i32.const 92))          ;; backslash
                    (then (local.set $escaped (i32.const 1)))
                    (else
                      (if (i32.eq (local.get $c) (i32.const 34))      ;; "
                        (then (local.set $in_string (i32.const 0))))))))
              (br $copy)))

          ;; A string starts. At depth 1, is it one of our keys?
          (if (i32.eq (local.get $c) (i32.const 34))
            (then
              (if (i32.eq (local.get $depth) (i32.const 1))
                (then
                  (if (call $starts_with
                        (i32.add (local.get $ptr) (local.get $i))
                        (i32.sub (local.get $len) (local.get $i))
                        (local.get $from) (local.get $from_len))
                    (then
                      ;; Write the new token (quotes and colon included) and skip the old one.
                      (local.set $found_from (i32.const 1))
                      (memory.copy
                        (i32.add (local.get $out) (local.get $o))
                        (local.get $to) (local.get $to_len))
                      (local.set $o (i32.add (local.get $o) (local.get $to_len)))
                      (local.set $i (i32.add (local.get $i) (local.get $from_len)))
                      (br $scan)))
                  (if (call $starts_with
                        (i32.add (local.get $ptr) (local.get $i))
                        (i32.sub (local.get $len) (local.get $i))
                        (local.get $to) (local.get $to_len))
                    (then (local.set $found_to (i32.const 1))))))
              (local.set $in_string (i32.const 1))
              (br $copy)))

          ;; { and [ open a level, } and ] close one.
          (if (i32.or (i32.eq (local.get $c) (i32.const 123)) (i32.eq (local.get $c) (i32.const 91)))
            (then (local.set $depth (i32.add (local.get $depth) (i32.const 1)))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 125)) (i32.eq (local.get $c) (i32.const 93)))
            (then (local.set $depth (i32.sub (local.get $depth) (i32.const 1))))))

        ;; Copy the byte through.
        (i32.store8 (i32.add (local.get $out) (local.get $o)) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))

    ;; Renaming onto a key that exists would leave two keys of one name.
    (if (i32.and (local.get $found_from) (local.get $found_to))
      (then (return (i64.const 0x8000_0080_0000_0032))))  ;; both keys present

    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $o))))
)
