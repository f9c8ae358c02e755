package io.paligemma.cli;

import io.paligemma.config.ConfigException;
import io.paligemma.nativelib.NativeLoadException;
import io.paligemma.safetensors.SafetensorsException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns exceptions into one readable line and a documented exit code; a stack trace only with PALIGEMMA_DEBUG=1. */
final class Errors implements IExecutionExceptionHandler {
    static final int CHECKS_FAILED = 1;
    static final int BAD_INPUT = 2;
    static final int ENVIRONMENT = 3;

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
        if (System.getenv("PALIGEMMA_DEBUG") != null) {
            e.printStackTrace();
        }
        cl.getErr().println("paligemma " + cl.getCommandName() + ": " + message(e));
        return e instanceof NativeLoadException ? ENVIRONMENT : BAD_INPUT;
    }

    static String message(Throwable e) {
        if (e instanceof SafetensorsException || e instanceof ConfigException || e instanceof NativeLoadException
                || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return u.getCause().toString();
        }
        return e.toString();
    }

    static int onBadUsage(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("paligemma " + cl.getCommandName() + ": " + e.getMessage());
        cl.getErr().println("Try 'paligemma " + (cl.getParent() == null ? "" : cl.getCommandName() + " ") + "--help'.");
        return BAD_INPUT;
    }
}
