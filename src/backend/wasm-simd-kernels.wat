;; synthdiff's WebAssembly SIMD kernels: the readable source of the module that
;; src/backend/wasm-simd-kernels.ts assembles at run time and instantiates over the tfjs wasm backend's
;; heap (so the kernels read and write tensors where they live).
;;
;; test/wasm-kernels.test.ts assembles this file with wabt (wat2wasm) and requires the bytes to equal the
;; embedded module's, for both the plain and the shared (threaded) heap. Edit both together.
;; Every pointer argument is a byte offset into the heap; counts are elements (float32).

(module
  (type $adam_t (func (param i32 i32 i32 i32 i32 i32 f32 f32 f32 f32 f32 f32)))
  (type $ema_t (func (param i32 i32 i32 i32 f32 f32)))
  (type $matrix_t (func (param i32 i32 i32 i32)))
  (import "env" "memory" (memory $heap 0))  ;; the tfjs wasm backend's heap; the threaded build imports it as (memory 0 65536 shared)

  ;; adam(g, w, m, v, out, n, b1, c1, b2, c2, lr, eps): one Adam step over n float32 elements (byte offsets
  ;; into the heap). m ← b1·m + c1·g and v ← b2·v + c2·g² in place; out ← w − (m·lr)/(√v + eps).
  ;; A 4-lane loop up to n & ~3, then the same operations one element at a time, in the same order, so
  ;; every element is rounded alike wherever it falls.
  (func $adam (export "adam") (type $adam_t) (param $g i32) (param $w i32) (param $m i32) (param $v i32) (param $out i32) (param $n i32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $end4 i32) (local $endN i32) (local $b1_4 v128) (local $c1_4 v128) (local $b2_4 v128) (local $c2_4 v128) (local $lr_4 v128) (local $eps_4 v128) (local $g4 v128) (local $m4 v128) (local $v4 v128) (local $gs f32) (local $ms f32) (local $vs f32)
    local.get $n
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    local.set $end4
    local.get $n
    i32.const 2
    i32.shl
    local.set $endN
    local.get $b1
    f32x4.splat
    local.set $b1_4
    local.get $c1
    f32x4.splat
    local.set $c1_4
    local.get $b2
    f32x4.splat
    local.set $b2_4
    local.get $c2
    f32x4.splat
    local.set $c2_4
    local.get $lr
    f32x4.splat
    local.set $lr_4
    local.get $eps
    f32x4.splat
    local.set $eps_4
    block $B0
      loop $L1
        local.get $i
        local.get $end4
        i32.ge_u
        br_if $B0
        local.get $g
        local.get $i
        i32.add
        v128.load
        local.set $g4
        local.get $m
        local.get $i
        i32.add
        local.get $m
        local.get $i
        i32.add
        v128.load
        local.get $b1_4
        f32x4.mul
        local.get $g4
        local.get $c1_4
        f32x4.mul
        f32x4.add
        local.tee $m4
        v128.store
        local.get $v
        local.get $i
        i32.add
        local.get $v
        local.get $i
        i32.add
        v128.load
        local.get $b2_4
        f32x4.mul
        local.get $g4
        local.get $g4
        f32x4.mul
        local.get $c2_4
        f32x4.mul
        f32x4.add
        local.tee $v4
        v128.store
        local.get $out
        local.get $i
        i32.add
        local.get $w
        local.get $i
        i32.add
        v128.load
        local.get $m4
        local.get $lr_4
        f32x4.mul
        local.get $v4
        f32x4.sqrt
        local.get $eps_4
        f32x4.add
        f32x4.div
        f32x4.sub
        v128.store
        local.get $i
        i32.const 16
        i32.add
        local.set $i
        br $L1
      end
    end
    block $B2
      loop $L3
        local.get $i
        local.get $endN
        i32.ge_u
        br_if $B2
        local.get $g
        local.get $i
        i32.add
        f32.load
        local.set $gs
        local.get $m
        local.get $i
        i32.add
        local.get $m
        local.get $i
        i32.add
        f32.load
        local.get $b1
        f32.mul
        local.get $gs
        local.get $c1
        f32.mul
        f32.add
        local.tee $ms
        f32.store
        local.get $v
        local.get $i
        i32.add
        local.get $v
        local.get $i
        i32.add
        f32.load
        local.get $b2
        f32.mul
        local.get $gs
        local.get $gs
        f32.mul
        local.get $c2
        f32.mul
        f32.add
        local.tee $vs
        f32.store
        local.get $out
        local.get $i
        i32.add
        local.get $w
        local.get $i
        i32.add
        f32.load
        local.get $ms
        local.get $lr
        f32.mul
        local.get $vs
        f32.sqrt
        local.get $eps
        f32.add
        f32.div
        f32.sub
        f32.store
        local.get $i
        i32.const 4
        i32.add
        local.set $i
        br $L3
      end
    end)

  ;; ema(a, p, out, n, decay, c): out ← a·decay + p·c (EMA of the weights; with decay = c = 1 an addition).
  (func $ema (export "ema") (type $ema_t) (param $a i32) (param $p i32) (param $out i32) (param $n i32) (param $decay f32) (param $c f32)
    (local $i i32) (local $end4 i32) (local $endN i32) (local $decay4 v128) (local $c4 v128)
    local.get $n
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    local.set $end4
    local.get $n
    i32.const 2
    i32.shl
    local.set $endN
    local.get $decay
    f32x4.splat
    local.set $decay4
    local.get $c
    f32x4.splat
    local.set $c4
    block $B0
      loop $L1
        local.get $i
        local.get $end4
        i32.ge_u
        br_if $B0
        local.get $out
        local.get $i
        i32.add
        local.get $a
        local.get $i
        i32.add
        v128.load
        local.get $decay4
        f32x4.mul
        local.get $p
        local.get $i
        i32.add
        v128.load
        local.get $c4
        f32x4.mul
        f32x4.add
        v128.store
        local.get $i
        i32.const 16
        i32.add
        local.set $i
        br $L1
      end
    end
    block $B2
      loop $L3
        local.get $i
        local.get $endN
        i32.ge_u
        br_if $B2
        local.get $out
        local.get $i
        i32.add
        local.get $a
        local.get $i
        i32.add
        f32.load
        local.get $decay
        f32.mul
        local.get $p
        local.get $i
        i32.add
        f32.load
        local.get $c
        f32.mul
        f32.add
        f32.store
        local.get $i
        i32.const 4
        i32.add
        local.set $i
        br $L3
      end
    end)

  ;; transpose4(x, out, R, C): out[j·R + i] = x[i·C + j] for i < R & ~3, j < C & ~3, in 4×4 blocks
  ;; (four row loads, two rounds of lane shuffles, four stores). The caller handles the ragged edges.
  ;; CB / RB are the row strides of x and out in bytes.
  (func $transpose4 (export "transpose4") (type $matrix_t) (param $x i32) (param $out i32) (param $R i32) (param $C i32)
    (local $sRow i32) (local $dCol i32) (local $dEnd i32) (local $s i32) (local $d i32) (local $sEnd i32) (local $CB i32) (local $RB i32) (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    local.get $C
    i32.const 2
    i32.shl
    local.set $CB
    local.get $R
    i32.const 2
    i32.shl
    local.set $RB
    local.get $x
    local.set $sRow
    local.get $out
    local.set $dCol
    local.get $out
    local.get $R
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    i32.add
    local.set $dEnd
    block $B0
      loop $L1
        local.get $dCol
        local.get $dEnd
        i32.ge_u
        br_if $B0
        local.get $sRow
        local.set $s
        local.get $dCol
        local.set $d
        local.get $sRow
        local.get $C
        i32.const -4
        i32.and
        i32.const 2
        i32.shl
        i32.add
        local.set $sEnd
        block $B2
          loop $L3
            local.get $s
            local.get $sEnd
            i32.ge_u
            br_if $B2
            local.get $s
            v128.load
            local.set $r0
            local.get $s
            local.get $CB
            i32.const 1
            i32.mul
            i32.add
            v128.load
            local.set $r1
            local.get $s
            local.get $CB
            i32.const 2
            i32.mul
            i32.add
            v128.load
            local.set $r2
            local.get $s
            local.get $CB
            i32.const 3
            i32.mul
            i32.add
            v128.load
            local.set $r3
            local.get $r0
            local.get $r1
            i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            local.set $t0
            local.get $r0
            local.get $r1
            i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            local.set $t1
            local.get $r2
            local.get $r3
            i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            local.set $t2
            local.get $r2
            local.get $r3
            i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            local.set $t3
            local.get $d
            local.get $t0
            local.get $t2
            i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            v128.store
            local.get $d
            local.get $RB
            i32.const 1
            i32.mul
            i32.add
            local.get $t0
            local.get $t2
            i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
            v128.store
            local.get $d
            local.get $RB
            i32.const 2
            i32.mul
            i32.add
            local.get $t1
            local.get $t3
            i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            v128.store
            local.get $d
            local.get $RB
            i32.const 3
            i32.mul
            i32.add
            local.get $t1
            local.get $t3
            i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
            v128.store
            local.get $s
            i32.const 16
            i32.add
            local.set $s
            local.get $d
            local.get $RB
            i32.const 4
            i32.mul
            i32.add
            local.set $d
            br $L3
          end
        end
        local.get $sRow
        local.get $CB
        i32.const 4
        i32.mul
        i32.add
        local.set $sRow
        local.get $dCol
        i32.const 16
        i32.add
        local.set $dCol
        br $L1
      end
    end)

  ;; colsum(x, out, R, C): out[j] = Σ_i x[i·C + j], rows added in order (a dense layer's bias gradient).
  (func $colsum (export "colsum") (type $matrix_t) (param $x i32) (param $out i32) (param $R i32) (param $C i32)
    (local $j i32) (local $end4 i32) (local $endC i32) (local $row i32) (local $rowEnd i32) (local $zero v128)
    local.get $C
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    local.set $end4
    local.get $C
    i32.const 2
    i32.shl
    local.set $endC
    f32.const 0x0p+0 (;=0;)
    f32x4.splat
    local.set $zero
    i32.const 0
    local.set $j
    block $B0
      loop $L1
        local.get $j
        local.get $end4
        i32.ge_u
        br_if $B0
        local.get $out
        local.get $j
        i32.add
        local.get $zero
        v128.store
        local.get $j
        i32.const 16
        i32.add
        local.set $j
        br $L1
      end
    end
    block $B2
      loop $L3
        local.get $j
        local.get $endC
        i32.ge_u
        br_if $B2
        local.get $out
        local.get $j
        i32.add
        f32.const 0x0p+0 (;=0;)
        f32.store
        local.get $j
        i32.const 4
        i32.add
        local.set $j
        br $L3
      end
    end
    local.get $x
    local.set $row
    local.get $x
    local.get $R
    local.get $endC
    i32.mul
    i32.add
    local.set $rowEnd
    block $B4
      loop $L5
        local.get $row
        local.get $rowEnd
        i32.ge_u
        br_if $B4
        i32.const 0
        local.set $j
        block $B6
          loop $L7
            local.get $j
            local.get $end4
            i32.ge_u
            br_if $B6
            local.get $out
            local.get $j
            i32.add
            local.get $out
            local.get $j
            i32.add
            v128.load
            local.get $row
            local.get $j
            i32.add
            v128.load
            f32x4.add
            v128.store
            local.get $j
            i32.const 16
            i32.add
            local.set $j
            br $L7
          end
        end
        block $B8
          loop $L9
            local.get $j
            local.get $endC
            i32.ge_u
            br_if $B8
            local.get $out
            local.get $j
            i32.add
            local.get $out
            local.get $j
            i32.add
            f32.load
            local.get $row
            local.get $j
            i32.add
            f32.load
            f32.add
            f32.store
            local.get $j
            i32.const 4
            i32.add
            local.set $j
            br $L9
          end
        end
        local.get $row
        local.get $endC
        i32.add
        local.set $row
        br $L5
      end
    end)

  ;; relugrad(d, y, out, n): out = y > 0 ? d : 0 (a gradient taken back through a relu with output y).
  (func $relugrad (export "relugrad") (type $matrix_t) (param $d i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $endN i32) (local $zero v128)
    local.get $n
    i32.const -4
    i32.and
    i32.const 2
    i32.shl
    local.set $end4
    local.get $n
    i32.const 2
    i32.shl
    local.set $endN
    f32.const 0x0p+0 (;=0;)
    f32x4.splat
    local.set $zero
    block $B0
      loop $L1
        local.get $i
        local.get $end4
        i32.ge_u
        br_if $B0
        local.get $out
        local.get $i
        i32.add
        local.get $d
        local.get $i
        i32.add
        v128.load
        local.get $y
        local.get $i
        i32.add
        v128.load
        local.get $zero
        f32x4.gt
        v128.and
        v128.store
        local.get $i
        i32.const 16
        i32.add
        local.set $i
        br $L1
      end
    end
    block $B2
      loop $L3
        local.get $i
        local.get $endN
        i32.ge_u
        br_if $B2
        local.get $out
        local.get $i
        i32.add
        local.get $d
        local.get $i
        i32.add
        f32.load
        f32.const 0x0p+0 (;=0;)
        local.get $y
        local.get $i
        i32.add
        f32.load
        f32.const 0x0p+0 (;=0;)
        f32.gt
        select
        f32.store
        local.get $i
        i32.const 4
        i32.add
        local.set $i
        br $L3
      end
    end))
