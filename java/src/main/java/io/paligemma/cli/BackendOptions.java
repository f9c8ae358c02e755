package io.paligemma.cli;

import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --backend, --threads and --isa, shared by every command that computes. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "native|java", defaultValue = "native",
            description = "op implementation: native (OpenBLAS + C kernels) or java (Vector API). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "compute threads for OpenBLAS, the kernels and Java (default: physical cores).")
    int threads;

    @Mixin
    IsaOption isa;

    OpsProvider open() {
        return OpsProvider.open(Backend.parse(backend), threads);
    }
}
