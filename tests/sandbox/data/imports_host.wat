;; A guest that asks the host for a function. The sandbox links nothing, so
;; it must refuse the module before running any of it.
(module
  (import "env" "read_file" (func $read_file (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 4))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    (drop (call $read_file (local.get $ptr) (local.get $len)))
    (i64.const 0)))
