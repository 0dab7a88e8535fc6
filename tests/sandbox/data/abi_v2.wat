;; A guest that speaks a future ABI version: the host must refuse to call it.
(module
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 2))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (param $ptr i32) (param $len i32) (result i64)
    (i64.const 0)))
