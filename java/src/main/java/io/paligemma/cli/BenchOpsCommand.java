package io.paligemma.cli;

import io.paligemma.bench.OpsBench;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench-ops", mixinStandardHelpOptions = true,
        description = {"The foundation numbers: Ops.linear GFLOP/s at PaliGemma-3B shapes with f32 weights (native: OpenBLAS "
                + "sgemm, sgemv for M = 1) and bf16 weights (native: pg_gemm_bf16) on each backend, and the cost of one FFM "
                + "downcall (jextract handle vs Linker.Option.critical)."})
final class BenchOpsCommand implements Callable<Integer> {
    @Option(names = "--backends", paramLabel = "native,java", split = ",", defaultValue = "native,java",
            description = "backends to compare (default ${DEFAULT-VALUE})")
    List<String> backends;

    @Mixin
    IsaOption isa;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "compute threads (default: physical cores)")
    int threads;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "best of N timed calls per shape (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--calls", paramLabel = "N", defaultValue = "10000000",
            description = "downcalls per overhead run, 0 skips it (default ${DEFAULT-VALUE})")
    long calls;

    @Option(names = "--call-runs", paramLabel = "N", defaultValue = "5", description = "overhead runs, best counts (default ${DEFAULT-VALUE})")
    int callRuns;

    @Option(names = "--json", paramLabel = "FILE", description = "write the numbers as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        List<Backend> bs = backends.stream().map(Backend::parse).distinct().toList();
        int t = OpsProvider.threads(threads);
        Ranges.atLeast("--calls", calls, 0);
        Ranges.atLeast("--call-runs", callRuns, 1);
        OpsBench.Report r = OpsBench.run(bs, OpsBench.SHAPES, t, rounds, calls, callRuns, new ConsoleProgress());
        r.skipped().forEach(s -> System.err.println("bench-ops: skipped " + s));
        System.out.printf(Locale.ROOT, "%nload average %.2f at start, %.2f at end; other processes used %.2f cores meanwhile%n%n",
                r.loadStart()[0], r.loadEnd()[0], r.otherCores());
        System.out.println(r.table());
        if (json != null) {
            r.writeJson(json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
