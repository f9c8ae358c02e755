package io.paligemma.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code paligemma} command line: wiring only, no model math. */
@Command(name = "paligemma", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "CPU inference for PaliGemma 1 and 2 on the Java FFM API (OpenBLAS + C kernels, or pure Java).",
        subcommands = {DemoCommand.class, InfoCommand.class, InspectCommand.class, GenerateCommand.class,
                DetectCommand.Detect.class, DetectCommand.Segment.class, ParseCommand.class, ConformanceCommand.class,
                MakeRandomCommand.class, QuantizeCommand.class, ServeCommand.class, LoadtestCommand.class, AccuracyCommand.class, BenchCommand.class, BenchRunCommand.class, BenchOpsCommand.class, ProfileCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 checks failed, 2 bad usage or input, 3 environment problem (JDK, native libraries)."})
public final class Main implements java.util.concurrent.Callable<Integer> {

    public static void main(String[] args) {
        // one short line per log record (the backend choice is logged once per engine)
        System.setProperty("java.util.logging.SimpleFormatter.format", "[%4$s] %5$s%6$s%n");
        System.exit(run(args));
    }

    /** Runs the CLI without exiting (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler(Errors::onBadUsage);
        return cl.execute(args);
    }

    /** With no command: the demo on the bundled checkpoint, then where to go next. */
    @picocli.CommandLine.Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        DemoCommand demo = new DemoCommand();
        demo.backend = backend;
        return demo.call();
    }
}
