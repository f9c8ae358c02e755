package io.paligemma.ops;

import java.util.stream.Stream;

/**
 * The Ops implementations every conformance test runs against. Each backend appears with one and
 * with two threads, so the splitting of work across threads is exercised too.
 */
public final class OpsUnderTest {

    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);

    private OpsUnderTest() {
    }

    public static Stream<Ops> implementations() {
        return Stream.of(new JavaOps(ONE), new JavaOps(TWO), new NativeOps(ONE), new NativeOps(TWO));
    }
}
