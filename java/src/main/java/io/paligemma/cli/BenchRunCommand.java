package io.paligemma.cli;

import io.paligemma.bench.ForkedRun;
import io.paligemma.bench.ModelBench;
import io.paligemma.bench.StageResult;
import io.paligemma.bench.Workload;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The child side of {@code bench}: one (checkpoint, backend) run, its results as JSON for the parent. */
@Command(name = ForkedRun.COMMAND, hidden = true, mixinStandardHelpOptions = true,
        description = "One bench configuration in this JVM, for `bench` (which starts one JVM per configuration).")
final class BenchRunCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR")
    Path model;

    @Option(names = "--backend", required = true, paramLabel = "native|java")
    String backend;

    @Option(names = "--threads", required = true, paramLabel = "N")
    int threads;

    @Option(names = "--decode-tokens", required = true, paramLabel = "N")
    int decodeTokens;

    @Option(names = "--warmup", required = true, paramLabel = "N")
    int warmup;

    @Option(names = "--repeat", required = true, paramLabel = "N")
    int repeat;

    @Option(names = "--read-now-bytes", required = true, paramLabel = "BYTES")
    long readNowBytes;

    @Option(names = "--image", paramLabel = "FILE")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "FILE.json")
    Path out;

    @Override
    public Integer call() throws Exception {
        RgbImage picture = image == null ? Workload.syntheticImage(640, 480) : new ImageDecoder().read(image);
        Workload work = Workload.of(PaliGemmaConfig.read(model), decodeTokens, picture);
        List<StageResult> results = ModelBench.run(model, Backend.parse(backend), threads, work, warmup, repeat, readNowBytes,
                new ConsoleProgress());
        Files.writeString(out, ForkedRun.write(results));
        return 0;
    }
}
