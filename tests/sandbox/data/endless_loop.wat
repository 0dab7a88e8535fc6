;; A guest that follows the revguard ABI but never returns from
;; revguard_check: the fuel budget derived from --timeout must stop it.
(module
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 4))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    (loop $forever
      (br $forever))
    (i64.const 0)))
