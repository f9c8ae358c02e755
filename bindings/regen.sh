#!/usr/bin/env bash
# Regenerates bindings/src/main/java/io/paligemma/bindings/{pg_kernels_h,cblas_h}.java with jextract.
#
# Pinned: jextract 22 build 22-jextract+6-47 (linux-x64) from jdk.java.net, checked by SHA-256.
# Set JEXTRACT=/path/to/bin/jextract to use an already unpacked copy of that build instead.
# The generated files are committed; java/src/test/.../BindingsHeaderTest fails when they drift
# from native/include/pg_kernels.h or from the cblas.h shipped in the OpenBLAS jar.
#
# Library names use jextract's ":" form, so the lookups are SymbolLookup.libraryLookup("<soname>"):
# io.paligemma.nativelib.NativeLibraries dlopens the extracted files by absolute path first, and
# dlopen by soname then returns those already-loaded objects.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bindings/src/main/java"
PKG=io.paligemma.bindings

JEXTRACT_URL=https://download.java.net/java/early_access/jextract/22/6/openjdk-22-jextract+6-47_linux-x64_bin.tar.gz
JEXTRACT_SHA256=a6a42d5b5f4bff119455daadd1ccec9389b2554aea3342f391577843769cc7ec

OPENBLAS_VERSION=0.3.31-1.5.13
OPENBLAS_JAR="${HOME}/.m2/repository/org/bytedeco/openblas/${OPENBLAS_VERSION}/openblas-${OPENBLAS_VERSION}-linux-x86_64.jar"
OPENBLAS_INCLUDE=org/bytedeco/openblas/linux-x86_64/include

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -z "${JEXTRACT:-}" ]]; then
    CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/paligemma-ffm/jextract-22+6-47"
    if [[ ! -x "$CACHE/jextract-22/bin/jextract" ]]; then
        mkdir -p "$CACHE"
        curl -fsSL -o "$WORK/jextract.tar.gz" "$JEXTRACT_URL"
        echo "$JEXTRACT_SHA256  $WORK/jextract.tar.gz" | sha256sum -c -
        tar -xzf "$WORK/jextract.tar.gz" -C "$CACHE"
    fi
    JEXTRACT="$CACHE/jextract-22/bin/jextract"
fi

# ---- pg_kernels.h ---------------------------------------------------------------------------
"$JEXTRACT" \
    --output "$OUT" \
    --target-package "$PKG" \
    --header-class-name pg_kernels_h \
    --library :libpg_kernels.so \
    --include-constant PG_CPU_AVX512F \
    --include-constant PG_CPU_AVX512_BF16 \
    --include-constant PG_CPU_AMX_BF16 \
    --include-constant PG_CPU_F16C \
    --include-constant PG_CPU_AVX2 \
    --include-constant PG_CPU_AVX512_VNNI \
    --include-constant PG_CPU_AVX_VNNI \
    --include-constant PG_CPU_AMX_INT8 \
    --include-constant PG_ISA_SCALAR \
    --include-constant PG_ISA_AVX2 \
    --include-constant PG_ISA_AVX512 \
    --include-constant PG_FAMILY_SOFTMAX \
    --include-constant PG_FAMILY_ROPE \
    --include-constant PG_FAMILY_NORM \
    --include-constant PG_FAMILY_ACT \
    --include-constant PG_FAMILY_ELEMENTWISE \
    --include-constant PG_FAMILY_CONVERT \
    --include-constant PG_FAMILY_GEMM_HALF \
    --include-constant PG_FAMILY_GEMM_BF16_DP \
    --include-constant PG_FAMILY_ROOFLINE \
    --include-constant PG_FAMILY_GEMM_Q8 \
    --include-constant PG_FAMILY_COUNT \
    --include-constant PG_GEMM_PACKED_MIN_M \
    --include-constant PG_GEMM_STACK_BYTES \
    --include-constant PG_GEMM_AMX_STACK_BYTES \
    --include-constant PG_Q8_BLOCK \
    --include-constant PG_GEMM_Q8_PACKED_MIN_M \
    --include-function pg_build_info \
    --include-function pg_cpu_features \
    --include-function pg_amx_request \
    --include-function pg_isa_supported \
    --include-function pg_isa_cap \
    --include-function pg_isa_in_use \
    --include-function pg_kernel_path \
    --include-function pg_stack_headroom \
    --include-function pg_softmax_rows \
    --include-function pg_rope_rotate_half \
    --include-function pg_rms_norm \
    --include-function pg_layer_norm \
    --include-function pg_gelu_tanh \
    --include-function pg_geglu \
    --include-function pg_softcap \
    --include-function pg_add \
    --include-function pg_scale \
    --include-function pg_add_bias_rows \
    --include-function pg_bf16_to_f32 \
    --include-function pg_f16_to_f32 \
    --include-function pg_f32_to_bf16 \
    --include-function pg_gemm_bf16 \
    --include-function pg_gemm_f16 \
    --include-function pg_gemm_f32 \
    --include-function pg_quantize_q8 \
    --include-function pg_gemm_q8 \
    --include-function pg_gemm_q8_f32 \
    --include-function pg_dequantize_q8 \
    --include-function pg_gemm_bf16_amx \
    --include-function pg_gemm_bf16_dp \
    --include-function pg_roofline_fma_f32 \
    --include-function pg_roofline_dp_bf16 \
    --include-function pg_roofline_amx_bf16 \
    --include-function pg_roofline_dot_i8 \
    --include-function pg_roofline_amx_i8 \
    --include-function pg_read_bandwidth \
    "$ROOT/native/include/pg_kernels.h"

# ---- cblas.h from the OpenBLAS jar (only what the engine calls) ------------------------------
if [[ ! -f "$OPENBLAS_JAR" ]]; then
    echo "missing $OPENBLAS_JAR: run ./mvnw -q -B dependency:resolve first" >&2
    exit 1
fi
unzip -q -o "$OPENBLAS_JAR" "$OPENBLAS_INCLUDE/cblas.h" "$OPENBLAS_INCLUDE/openblas_config.h" -d "$WORK"

"$JEXTRACT" \
    --output "$OUT" \
    --target-package "$PKG" \
    --header-class-name cblas_h \
    --library :libopenblas.so.0 \
    -I "$WORK/$OPENBLAS_INCLUDE" \
    --include-function openblas_set_num_threads \
    --include-function openblas_get_num_threads \
    --include-function openblas_get_config \
    --include-function openblas_get_corename \
    --include-constant CblasRowMajor \
    --include-constant CblasNoTrans \
    --include-constant CblasTrans \
    --include-function cblas_sgemv \
    --include-function cblas_sgemm \
    "$WORK/$OPENBLAS_INCLUDE/cblas.h"

echo "regenerated $OUT/${PKG//.//}/pg_kernels_h.java and cblas_h.java"
