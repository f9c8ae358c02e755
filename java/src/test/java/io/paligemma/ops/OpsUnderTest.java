package io.paligemma.ops;

import io.paligemma.bindings.pg_kernels_h;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Ops implementations every conformance test runs against. Each backend appears with one and
 * with two threads, so the splitting of work across threads is exercised too; the native backend also
 * once per instruction-set level below the best this CPU has (scalar always), so every C path the CPU
 * supports is checked here, not only the one its dispatchers pick.
 */
public final class OpsUnderTest {

    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);

    private OpsUnderTest() {
    }

    public static Stream<Ops> implementations() {
        List<Ops> all = new ArrayList<>(List.of(new JavaOps(ONE), new JavaOps(TWO), new NativeOps(ONE), new NativeOps(TWO)));
        for (KernelIsa isa : KernelIsa.values()) {
            if (isa.compareTo(KernelIsa.supported()) < 0) {
                all.add(capped(new NativeOps(TWO), isa));
            }
        }
        return all.stream();
    }

    /**
     * ops with the kernels capped at isa for the length of each call (the cap is process-wide; the tests
     * of one class run one at a time). Its name says the level, so a failure names the path.
     */
    public static Ops capped(Ops ops, KernelIsa isa) {
        return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (proxy, method, args) -> {
            if (method.getName().equals("name")) {
                return ops.name() + "@" + isa.id();
            }
            if (method.getName().equals("toString")) {
                return ops + "@" + isa.id();
            }
            KernelIsa.cap(isa);
            try {
                return method.invoke(ops, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                pg_kernels_h.pg_isa_cap(-1);
            }
        });
    }
}
