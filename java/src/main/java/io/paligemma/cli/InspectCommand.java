package io.paligemma.cli;

import io.paligemma.safetensors.Inspect;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the tensors (name, dtype, shape, bytes) of a .safetensors file or a checkpoint directory "
                + "(single file or sharded). A corrupt file is reported with the reason and exit code 2.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "a .safetensors file or a checkpoint directory")
    Path path;

    @Override
    public Integer call() {
        System.out.print(Inspect.describe(path));
        return 0;
    }
}
