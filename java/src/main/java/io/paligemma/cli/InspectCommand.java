package io.paligemma.cli;

import io.paligemma.safetensors.Inspect;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the tensors (name, dtype, shape, bytes) of a .safetensors file or a checkpoint directory "
                + "(single file or sharded). A corrupt file is reported with the reason and exit code 2; --check scans the "
                + "values for NaN and infinity (exit code 1 when found).")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "a .safetensors file or a checkpoint directory")
    Path path;

    @Option(names = "--check", description = "also scan every float tensor for NaN and infinity; exit 1 when any holds one")
    boolean check;

    @Override
    public Integer call() {
        System.out.print(Inspect.describe(path));
        if (!check) {
            return 0;
        }
        Inspect.Check c = Inspect.check(path);
        c.problems().forEach(p -> System.out.println("non-finite: " + p));
        System.out.println("checked " + c.tensorsScanned() + " float tensors: " + (c.problems().isEmpty() ? "all values finite"
                : c.problems().size() + " hold NaN or infinity"));
        return c.problems().isEmpty() ? 0 : Errors.CHECKS_FAILED;
    }
}
