package io.paligemma.cli;

import io.paligemma.nativelib.NativeLoadException;
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

    /** Our exceptions carry a message meant for people; a programming error keeps its class name. */
    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return message(u.getCause());
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": no such file";
        }
        boolean bug = e instanceof NullPointerException || e instanceof ClassCastException
                || e instanceof IndexOutOfBoundsException || e instanceof ArithmeticException;
        return e.getMessage() == null || bug ? e.toString() : e.getMessage();
    }

    static int onBadUsage(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("paligemma " + cl.getCommandName() + ": " + e.getMessage() + " (see 'paligemma "
                + (cl.getParent() == null ? "" : cl.getCommandName() + " ") + "--help')");
        return BAD_INPUT;
    }
}
