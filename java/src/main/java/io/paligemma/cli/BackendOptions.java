package io.paligemma.cli;

import io.paligemma.ops.Backend;
import io.paligemma.ops.Compute;
import io.paligemma.ops.OpsProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --backend, --threads, --compute and --isa, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "native|java", defaultValue = "native",
            description = "op implementation: native (OpenBLAS + C kernels) or java (Vector API). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "compute threads for OpenBLAS, the kernels and Java (default: physical cores).")
    int threads;

    @Option(names = "--compute", paramLabel = "f32|bf16", defaultValue = "f32",
            description = "arithmetic of bf16-weight products: f32 (default, matches Hugging Face float32) or bf16 "
                    + "(native backend, opt-in: bf16 activations on AMX / AVX512-BF16 for prefill and vision; faster, less exact)")
    String compute;

    @Mixin
    IsaOption isa;

    OpsProvider open() {
        return OpsProvider.open(Backend.parse(backend), threads, Compute.parse(compute));
    }
}
