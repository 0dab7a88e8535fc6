;; A guest that "panics" the way a Rust guest does with panic=abort: it stores
;; a message for revguard_last_panic, then executes `unreachable`. The host
;; must report the message.
(module
  (memory (export "memory") 1)
  (data (i32.const 2048) "panicked at core/src/graph.rs:7:9:\nindex out of bounds")
  (func (export "revguard_abi_version") (result i32) (i32.const 4))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    unreachable)
  (func (export "revguard_last_panic") (result i64)
    ;; 2048 << 32 | 54
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 54))))
