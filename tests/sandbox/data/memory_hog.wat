;; A guest that grows its memory by 1 MiB at a time, forever. The memory cap
;; (--max-memory) must stop it with a trap; if memory.grow ever reported
;; failure (-1) instead, the guest returns an empty report, which the test
;; rejects.
(module
  (memory (export "memory") 1)
  (func (export "revguard_abi_version") (result i32) (i32.const 4))
  (func (export "revguard_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "revguard_dealloc") (param i32 i32))
  (func (export "revguard_check") (export "revguard_analyze") (param $ptr i32) (param $len i32) (result i64)
    (loop $grow
      (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1))
        (then (return (i64.const 0))))
      (br $grow))
    (i64.const 0)))
