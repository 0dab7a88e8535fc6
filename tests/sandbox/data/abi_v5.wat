;; A guest that speaks a future ABI version (5): the host must refuse to call it.
(module
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 5))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    (i64.const 0)))
