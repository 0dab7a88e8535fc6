;; A guest whose revguard_analyze traps when any input byte is BEL (0x07)
;; and otherwise answers every file with empty facts ("RGF2", the count, one
;; empty run per file). Proves that a batch that traps is narrowed down to
;; the one file that makes the guest trap on its own. Inputs must stay
;; below 30 KiB (one page of memory; the input sits at 1024, the output at
;; 32768).
(module
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 4))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32)
    (local $count i32)
    (local $out i32)
    (block $scanned
      (loop $scan
        (br_if $scanned (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.eq (i32.load8_u (i32.add (local.get $ptr) (local.get $i))) (i32.const 7))
          (then unreachable))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    ;; The request: "RGA3", major, minor, the safety settings' length (u32,
    ;; LE; the tests send none, so it is the 4-byte "absent"), then the file
    ;; count (u32, LE).
    (local.set $count (i32.load (i32.add (local.get $ptr) (i32.const 10))))
    (local.set $out (i32.const 32768))
    (i32.store (local.get $out) (i32.const 0x32464752))
    (i32.store (i32.add (local.get $out) (i32.const 4)) (local.get $count))
    (local.set $i (i32.const 0))
    (block $written
      (loop $write
        (br_if $written (i32.ge_u (local.get $i) (local.get $count)))
        (i32.store
          (i32.add (local.get $out) (i32.add (i32.const 8) (i32.mul (local.get $i) (i32.const 4))))
          (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $write)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.add (i32.const 8) (i32.mul (local.get $count) (i32.const 4)))))))
