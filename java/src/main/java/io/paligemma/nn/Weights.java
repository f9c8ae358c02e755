package io.paligemma.nn;

import io.paligemma.safetensors.Checkpoint;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

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

    private final Checkpoint checkpoint;        // null when recording
    private final List<TensorSpec> recorded;    // non-null when recording
    private final Arena converted = Arena.ofShared();
    private long convertedBytes;

    public Weights(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        this.recorded = null;
    }

    private Weights() {
        this.checkpoint = null;
        this.recorded = new ArrayList<>();
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
        if (!t.dtype().isWeightFloat()) {
            throw new IllegalArgumentException("tensor " + key + " is " + t.dtype() + ", expected F32, BF16 or F16");
        }
        if (t.elementCount() != rows * cols || t.dim(0) != rows) {
            throw new IllegalArgumentException("tensor " + key + " has shape " + Arrays.toString(t.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        return t.rank() == 2 ? t : new Tensor(t.name(), t.dtype(), new long[] {rows, cols}, t.data());
    }

    /** A float32 vector or table of {@code count} elements (shape checked by element count). */
    public MemorySegment vector(String key, long count) {
        return vector(key, new long[] {count});
    }

    /** A float32 table stored with shape {@code stored}, element count checked. */
    public MemorySegment vector(String key, long[] stored) {
        long count = 1;
        for (long d : stored) {
            count *= d;
        }
        Tensor t = recorded != null ? record(key, stored) : tensor(key);
        if (t.elementCount() != count) {
            throw new IllegalArgumentException("tensor " + key + " has shape " + Arrays.toString(t.shape())
                    + " (" + t.elementCount() + " elements), expected " + count);
        }
        return switch (t.dtype()) {
            case F32 -> t.data();
            case BF16, F16 -> toF32(t);
            default -> throw new IllegalArgumentException("tensor " + key + " is " + t.dtype() + ", expected a float type");
        };
    }

    private MemorySegment toF32(Tensor t) {
        long n = t.elementCount();
        MemorySegment out = converted.allocate(n * Float.BYTES, 64);
        convertedBytes += n * Float.BYTES;
        MemorySegment in = t.data();
        boolean bf16 = t.dtype() == DType.BF16;
        for (long i = 0; i < n; i++) {
            short bits = in.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
            float f = bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : Float.float16ToFloat(bits);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, f);
        }
        return out;
    }

    /** Bytes of float32 copies made for small BF16/F16 vectors. */
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
