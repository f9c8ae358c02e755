package io.paligemma.cli;

import io.paligemma.ops.KernelIsa;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * --isa: caps the C kernels' instruction set for the whole process, through the property
 * ({@code paligemma.isa}) that NativeOps reads when it opens and that forked bench runs inherit. A bad
 * name is a usage error from the converter; a level this CPU lacks is an error when the backend opens.
 */
final class IsaOption {
    @Option(names = "--isa", paramLabel = "scalar|avx2|avx512", converter = IsaConverter.class,
            description = "instruction set of the native kernels, at most (default: the best this CPU has); "
                    + "for comparing paths on one machine.")
    void isa(KernelIsa isa) {
        System.setProperty("paligemma.isa", isa.id());
    }

    static final class IsaConverter implements CommandLine.ITypeConverter<KernelIsa> {
        @Override
        public KernelIsa convert(String value) {
            try {
                return KernelIsa.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
