package io.paligemma.nn;

import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model's view of a checkpoint: matrices stay memory-mapped views in their stored dtype; small
 * vectors (norm weights, biases, position embeddings) are handed out as float32, converted once into
 * memory this object owns when the checkpoint stores them as BF16/F16.
 *
 * <p>Keys are asked for in the naming of transformers 4.47 ({@code language_model.model.*},
 * {@code vision_tower.*}, {@code multi_modal_projector.*}); checkpoints saved by newer transformers
 * ({@code model.language_model.*}, {@code lm_head.weight}) are mapped here, in one place, the way
 * transformers maps them on load.
 */
public final class Weights implements AutoCloseable {

    /** transformers' key mapping for PaliGemma checkpoints saved after the 2025 refactor. */
    private static final List<String[]> RENAMES = List.of(
            new String[] {"language_model.model.", "model.language_model."},
            new String[] {"language_model.lm_head.", "lm_head."},
            new String[] {"vision_tower.", "model.vision_tower."},
            new String[] {"multi_modal_projector.", "model.multi_modal_projector."});

    /** Suffix of the F16 scale tensor that sits beside each I8 matrix of an int8 checkpoint ({@code quantize}). */
    public static final String Q8_SCALE_SUFFIX = ".q8_scale";

    private final Checkpoint checkpoint;        // null when recording
    private final List<TensorSpec> recorded;    // non-null when recording
    private final Quantization quantization;
    private final Arena converted = Arena.ofShared();
    private final Map<String, String> matrixKeys = new ConcurrentHashMap<>(); // stored name -> key asked for
    private long convertedBytes;

    public Weights(Checkpoint checkpoint) {
        this(checkpoint, Quantization.NONE);
    }

    /** Weights whose selected float matrices are quantized to int8 as they are first asked for. */
    public Weights(Checkpoint checkpoint, Quantization quantization) {
        this.checkpoint = checkpoint;
        this.recorded = null;
        this.quantization = quantization;
    }

    private Weights() {
        this.checkpoint = null;
        this.recorded = new ArrayList<>();
        this.quantization = Quantization.NONE;
    }

    /**
     * A stand-in that backs no memory: building a model on it records every tensor the modules ask for
     * (key, shape in checkpoint layout) in order, which is how {@code make-random} writes checkpoints
     * without a second list of keys. The views it hands out must never be read.
     */
    public static Weights recorder() {
        return new Weights();
    }

    /** The tensors asked for so far (recorder only), as F32 specs in the order the model asked. */
    public List<TensorSpec> recordedSpecs() {
        if (recorded == null) {
            throw new IllegalStateException("not a recorder");
        }
        return List.copyOf(recorded);
    }

    private Tensor record(String key, long[] shape) {
        recorded.add(new TensorSpec(key, DType.F32, shape));
        long bytes = DType.F32.size;
        for (long d : shape) {
            bytes *= d;
        }
        return new Tensor(key, DType.F32, shape, MemorySegment.NULL.reinterpret(bytes));
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The stored tensor for a 4.47-style key, under either naming. */
    public Optional<Tensor> find(String key) {
        if (recorded != null) {
            return Optional.empty(); // optional tensors (lm_head) are left out of generated checkpoints
        }
        Optional<Tensor> t = checkpoint.find(key);
        if (t.isPresent()) {
            return t;
        }
        for (String[] r : RENAMES) {
            if (key.startsWith(r[0])) {
                return checkpoint.find(r[1] + key.substring(r[0].length()));
            }
        }
        return Optional.empty();
    }

    public Tensor tensor(String key) {
        return find(key).orElseThrow(() -> new IllegalArgumentException("checkpoint " + checkpoint.directory()
                + " has no tensor \"" + key + "\"" + renamedHint(key)));
    }

    private static String renamedHint(String key) {
        for (String[] r : RENAMES) {
            if (key.startsWith(r[0])) {
                return " (nor \"" + r[1] + key.substring(r[0].length()) + "\")";
            }
        }
        return "";
    }

    /** A weight matrix [rows, cols]. */
    public Tensor matrix(String key, long rows, long cols) {
        return matrix(key, rows, cols, new long[] {rows, cols});
    }

    /** A weight stored with shape {@code stored} (e.g. a Conv2d kernel [D, C, p, p]) viewed as [rows, cols]. */
    public Tensor matrix(String key, long rows, long cols, long[] stored) {
        Tensor t = recorded != null ? record(key, stored) : tensor(key);
        if (t.dtype() != DType.I8 && !t.dtype().isWeightFloat()) {
            throw new IllegalArgumentException(where() + "tensor " + key + " is " + t.dtype()
                    + ", expected F32, BF16, F16 or I8 (int8)");
        }
        if (!Arrays.equals(t.shape(), stored)) {
            throw new IllegalArgumentException(where() + "tensor " + key + " has shape " + Arrays.toString(t.shape())
                    + ", config.json gives " + Arrays.toString(stored));
        }
        Tensor m = new Tensor(t.name(), t.dtype(), new long[] {rows, cols}, aligned(t.data(), t.dtype().size));
        matrixKeys.put(t.name(), key);
        if (m.dtype() == DType.I8) {
            return storedQ8(key, m);
        }
        if (quantization.selects(key)) {
            Tensor q = quantize(m, converted);
            convertedBytes += q.data().byteSize() + q.scales().byteSize();
            return q;
        }
        return m;
    }

    /**
     * The stored names of the tensors asked for as matrices so far, each with the key (transformers 4.47
     * naming) it was asked by: what {@code quantize} converts.
     */
    public Map<String, String> matrixKeys() {
        return Map.copyOf(matrixKeys);
    }

    /** An I8 matrix of an int8 checkpoint with its F16 scales beside it: a Q8_0 view of the mapping (no copy). */
    private Tensor storedQ8(String key, Tensor q) {
        String scaleKey = key + Q8_SCALE_SUFFIX;
        Tensor s = find(scaleKey).orElseThrow(() -> new IllegalArgumentException("tensor " + key
                + " is I8 but the checkpoint has no \"" + scaleKey + "\" (the F16 scales of an int8 checkpoint)"));
        long[] want = {q.dim(0), Q8.blocks(q.dim(1))};
        if (s.dtype() != DType.F16 || !Arrays.equals(s.shape(), want)) {
            throw new IllegalArgumentException("tensor " + scaleKey + " is " + s.dtype() + Arrays.toString(s.shape())
                    + ", expected F16" + Arrays.toString(want) + " (one scale per block of " + Q8.BLOCK + ")");
        }
        return new Tensor(q.name(), DType.Q8_0, q.shape(), q.data(), aligned(s.data(), 2));
    }

    /**
     * The data itself when it starts at a multiple of its element size, else a copy that does. The format lets
     * a tensor start at any byte; the kernels read whole elements (Checks refuses misaligned ones), so a
     * checkpoint whose writer did not align its tensors costs a copy of those, once.
     */
    private MemorySegment aligned(MemorySegment data, int elementBytes) {
        if (data.address() % elementBytes == 0) {
            return data;
        }
        MemorySegment copy = converted.allocate(data.byteSize(), 64);
        convertedBytes += data.byteSize();
        return copy.copyFrom(data);
    }

    /** A float matrix [rows, cols] quantized to Q8_0 in memory of {@code arena}, rows in parallel. */
    public static Tensor quantize(Tensor w, Arena arena) {
        int rows = Math.toIntExact(w.dim(0));
        int cols = Math.toIntExact(w.dim(1));
        long blocks = Q8.blocks((long) cols);
        MemorySegment q = arena.allocate((long) rows * cols, 64);
        MemorySegment s = arena.allocate((long) rows * blocks * 2, 64);
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            float[] row = new float[cols];
            readRow(w, r, row);
            Q8.quantizeRow(row, cols, q, (long) r * cols, s, r * blocks * 2);
        });
        return new Tensor(w.name(), DType.Q8_0, w.shape(), q, s);
    }

    /** Row r of a float matrix, widened to float32 (exact). */
    private static void readRow(Tensor w, int r, float[] out) {
        long base = (long) r * out.length;
        for (int p = 0; p < out.length; p++) {
            out[p] = w.floatAt(base + p);
        }
    }


    /** A float32 vector of {@code count} elements. */
    public MemorySegment vector(String key, long count) {
        return vector(key, new long[] {count});
    }

    /**
     * A float32 table stored with shape {@code stored}, exactly: a tensor of the right size but another shape
     * (a [48, 2] bias for a [96] one) is a different checkpoint, not one to guess at.
     */
    public MemorySegment vector(String key, long[] stored) {
        Tensor t = recorded != null ? record(key, stored) : tensor(key);
        if (!Arrays.equals(t.shape(), stored)) {
            throw new IllegalArgumentException(where() + "tensor " + key + " has shape " + Arrays.toString(t.shape())
                    + ", config.json gives " + Arrays.toString(stored));
        }
        return switch (t.dtype()) {
            case F32 -> aligned(t.data(), Float.BYTES);
            case BF16, F16 -> toF32(t);
            default -> throw new IllegalArgumentException(where() + "tensor " + key + " is " + t.dtype()
                    + ", expected a float type");
        };
    }

    /** "DIR: ", the checkpoint errors are about; empty when recording. */
    private String where() {
        return checkpoint == null ? "" : checkpoint.directory() + ": ";
    }

    private MemorySegment toF32(Tensor t) {
        long n = t.elementCount();
        MemorySegment out = converted.allocate(n * Float.BYTES, 64);
        convertedBytes += n * Float.BYTES;
        for (long i = 0; i < n; i++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, t.floatAt(i));
        }
        return out;
    }

    /** Bytes of copies this object made: float32 vectors from BF16/F16, matrices quantized at load. */
    public long convertedBytes() {
        return convertedBytes;
    }

    /** Closes the converted copies and the mapped checkpoint. */
    @Override
    public void close() {
        converted.close();
        if (checkpoint != null) {
            checkpoint.close();
        }
    }
}
