package io.paligemma.ops;

import io.paligemma.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Times every call of an {@link Ops}, by op and, for {@code linear}, by weight shape and dtype: where a
 * backend spends its time ({@code paligemma profile}). A dynamic proxy, so every op of the interface is
 * covered without a wrapper per method; it boxes arguments, which costs far less than any op it times.
 */
public final class ProfilingOps {
    private final Map<String, LongAdder[]> totals = new ConcurrentHashMap<>();
    private final Ops ops;

    public ProfilingOps(Ops inner) {
        this.ops = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (proxy, method, args) -> {
            long start = System.nanoTime();
            try {
                return method.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (args != null) {
                    LongAdder[] t = totals.computeIfAbsent(key(method.getName(), args),
                            k -> new LongAdder[] {new LongAdder(), new LongAdder()});
                    t[0].add(System.nanoTime() - start);
                    t[1].increment();
                }
            }
        });
    }

    /** The timed ops: pass these to the model instead of the backend's. */
    public Ops ops() {
        return ops;
    }

    private static String key(String method, Object[] args) {
        if (method.equals("linear")) {
            Tensor w = (Tensor) args[3];
            int m = (Integer) args[1];
            return "linear " + w.dtype() + " [" + w.dim(0) + ", " + w.dim(1) + "]" + (m == 1 ? " m=1" : " m>1");
        }
        return method;
    }

    /** Nanoseconds and calls per op, largest total first. */
    public Map<String, long[]> snapshot() {
        Map<String, long[]> out = new LinkedHashMap<>();
        totals.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0].sum(), a.getValue()[0].sum()))
                .forEach(e -> out.put(e.getKey(), new long[] {e.getValue()[0].sum(), e.getValue()[1].sum()}));
        return out;
    }

    public void reset() {
        totals.clear();
    }
}
