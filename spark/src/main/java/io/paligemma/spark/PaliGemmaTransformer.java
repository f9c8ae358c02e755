package io.paligemma.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * PaliGemma as a Spark ML {@link Transformer}: appends to each row the model's answer about its picture.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("s3a://bucket/pictures/");
 * Dataset<Row> captions = new PaliGemmaTransformer()
 *         .setModelPath("/mnt/models/paligemma-3b-mix-224")
 *         .setPrompt("caption en")
 *         .transform(images);
 * }</pre>
 *
 * <p>The image column holds either the file's bytes ({@code binaryFile}'s {@code content}, the default) or,
 * when it is a string column, a path or URI that Hadoop can open. The prompt is one for all rows
 * ({@link #setPrompt}), or one per row ({@link #setPromptCol}); without either, the task's own prompt
 * ({@code caption en}, {@code ocr}). Added columns: the answer, the generated token count, the stage
 * timings (a struct, milliseconds), the error (null when the row went well, else the reason, with the
 * other results null) and, for the detect and segment tasks, the objects (label, box in pixels, loc and
 * seg codes, the mask as PNG and run lengths when {@link #setMaskDecoderPath} is set) and parse problems.
 *
 * <p>Saved and loaded like any Spark ML stage ({@code write().save(path)}, {@link #load}; inside a
 * {@code Pipeline} too): the params only, the checkpoint stays where {@code modelPath} says.
 *
 * <p>Each partition runs in a task that leases the executor's one model for its {@link ModelSpec} (loaded
 * by the first task, mapped once, kept until the executor ends: {@link ExecutorModels}), and feeds its
 * rows to that model's scheduler, where the rows of all the executor's tasks decode together.
 */
public final class PaliGemmaTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;

    // the model (together: the executor's ModelSpec)
    private final Param<String> modelPath;
    private final Param<String> backend;
    private final IntParam computeThreads;
    private final Param<String> weights;
    private final Param<String> compute;
    private final Param<String> load;
    private final IntParam maxContext;
    private final IntParam batchSize;

    // the rows
    private final Param<String> task;
    private final Param<String> prompt;
    private final Param<String> promptCol;
    private final Param<String> imageCol;
    private final Param<String> nameCol;
    private final IntParam maxTokens;
    private final DoubleParam temperature;
    private final IntParam topK;
    private final DoubleParam topP;
    private final LongParam seed;
    private final BooleanParam failFast;
    private final Param<String> maskDecoderPath;

    // the outputs
    private final Param<String> outputCol;
    private final Param<String> tokensCol;
    private final Param<String> timingsCol;
    private final Param<String> errorCol;
    private final Param<String> objectsCol;
    private final Param<String> problemsCol;

    /** The timings struct: where each row's time went. */
    public static final StructType TIMINGS = new StructType(new StructField[] {
        DataTypes.createStructField("preprocess_ms", DataTypes.DoubleType, false),
        DataTypes.createStructField("queued_ms", DataTypes.DoubleType, false),
        DataTypes.createStructField("vision_ms", DataTypes.DoubleType, false),
        DataTypes.createStructField("prefill_ms", DataTypes.DoubleType, false),
        DataTypes.createStructField("decode_ms", DataTypes.DoubleType, false),
        DataTypes.createStructField("prompt_tokens", DataTypes.IntegerType, false)});

    public PaliGemmaTransformer() {
        this(Identifiable.randomUID("paligemma"));
    }

    public PaliGemmaTransformer(String uid) {
        this.uid = uid;
        // the params name their owner by uid, so they are made once it is known
        modelPath = new Param<>(uid, "modelPath",
                "checkpoint directory as the executors see it (shared storage, or the alias of a --archives entry)");
        backend = new Param<>(uid, "backend", "native (OpenBLAS + C kernels) or java");
        computeThreads = new IntParam(uid, "computeThreads",
                "compute threads of the executor's model, shared by all its tasks (0: the machine's physical cores)");
        weights = new Param<>(uid, "weights", "stored (as in the checkpoint) or int8");
        compute = new Param<>(uid, "compute", "f32 or bf16 arithmetic for bf16 weights");
        load = new Param<>(uid, "load", "mmap (shared page cache) or copy");
        maxContext = new IntParam(uid, "maxContext", "tokens per sequence (0: image tokens + 512)");
        batchSize = new IntParam(uid, "batchSize",
                "sequences the executor's model decodes together, and rows each task keeps in flight");
        task = new Param<>(uid, "task", "caption, answer, ocr, detect or segment");
        prompt = new Param<>(uid, "prompt", "the prompt for every row, e.g. 'caption en'");
        promptCol = new Param<>(uid, "promptCol", "a string column with one prompt per row");
        imageCol = new Param<>(uid, "imageCol",
                "the picture: a binary column (the file's bytes, as binaryFile's content) or a string column (path or URI)");
        nameCol = new Param<>(uid, "nameCol",
                "a string column naming the row in error messages (binaryFile's path); '' = none");
        maxTokens = new IntParam(uid, "maxTokens", "most tokens to generate per row");
        temperature = new DoubleParam(uid, "temperature", "0: greedy; > 0: sampling");
        topK = new IntParam(uid, "topK", "sampling: keep the k best tokens (0: off)");
        topP = new DoubleParam(uid, "topP", "sampling: nucleus mass (1: off)");
        seed = new LongParam(uid, "seed", "sampling: the random stream");
        failFast = new BooleanParam(uid, "failFast", "a bad row fails the job instead of giving an error row");
        maskDecoderPath = new Param<>(uid, "maskDecoderPath",
                "segment: VQ-VAE weights (vae-oid.npz or .safetensors) as the executors see them; '' = codes only, no masks");
        outputCol = new Param<>(uid, "outputCol", "the answer's text");
        tokensCol = new Param<>(uid, "tokensCol", "generated tokens");
        timingsCol = new Param<>(uid, "timingsCol", "stage timings in milliseconds");
        errorCol = new Param<>(uid, "errorCol", "null, or why the row has no answer");
        objectsCol = new Param<>(uid, "objectsCol", "detect / segment: the objects");
        problemsCol = new Param<>(uid, "problemsCol", "detect / segment: parse problems");
        setDefault(backend, "native");
        setDefault(computeThreads, (Object) 0);
        setDefault(weights, "stored");
        setDefault(compute, "f32");
        setDefault(load, "mmap");
        setDefault(maxContext, (Object) 0);
        setDefault(batchSize, (Object) 8);
        setDefault(task, "caption");
        setDefault(imageCol, "content");
        setDefault(nameCol, "");
        setDefault(maxTokens, (Object) 32);
        setDefault(temperature, (Object) 0.0);
        setDefault(topK, (Object) 0);
        setDefault(topP, (Object) 1.0);
        setDefault(seed, (Object) 0L);
        setDefault(failFast, (Object) false);
        setDefault(maskDecoderPath, "");
        setDefault(outputCol, "answer");
        setDefault(tokensCol, "tokens");
        setDefault(timingsCol, "timings");
        setDefault(errorCol, "error");
        setDefault(objectsCol, "objects");
        setDefault(problemsCol, "problems");
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public PaliGemmaTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a transformer saved by {@code write().save(path)} (alone or inside a saved Pipeline): its params. */
    public static MLReader<PaliGemmaTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static PaliGemmaTransformer load(String path) {
        return read().load(path);
    }

    // ---- params: getters (Spark finds params through these) and setters

    public Param<String> modelPath() { return modelPath; }
    public Param<String> backend() { return backend; }
    public IntParam computeThreads() { return computeThreads; }
    public Param<String> weights() { return weights; }
    public Param<String> compute() { return compute; }
    public Param<String> load() { return load; }
    public IntParam maxContext() { return maxContext; }
    public IntParam batchSize() { return batchSize; }
    public Param<String> task() { return task; }
    public Param<String> prompt() { return prompt; }
    public Param<String> promptCol() { return promptCol; }
    public Param<String> imageCol() { return imageCol; }
    public Param<String> nameCol() { return nameCol; }
    public IntParam maxTokens() { return maxTokens; }
    public DoubleParam temperature() { return temperature; }
    public IntParam topK() { return topK; }
    public DoubleParam topP() { return topP; }
    public LongParam seed() { return seed; }
    public BooleanParam failFast() { return failFast; }
    public Param<String> maskDecoderPath() { return maskDecoderPath; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> tokensCol() { return tokensCol; }
    public Param<String> timingsCol() { return timingsCol; }
    public Param<String> errorCol() { return errorCol; }
    public Param<String> objectsCol() { return objectsCol; }
    public Param<String> problemsCol() { return problemsCol; }

    public PaliGemmaTransformer setModelPath(String v) { set(modelPath, v); return this; }
    public PaliGemmaTransformer setBackend(String v) { set(backend, v); return this; }
    public PaliGemmaTransformer setComputeThreads(int v) { set(computeThreads, (Object) v); return this; }
    public PaliGemmaTransformer setWeights(String v) { set(weights, v); return this; }
    public PaliGemmaTransformer setCompute(String v) { set(compute, v); return this; }
    public PaliGemmaTransformer setLoad(String v) { set(load, v); return this; }
    public PaliGemmaTransformer setMaxContext(int v) { set(maxContext, (Object) v); return this; }
    public PaliGemmaTransformer setBatchSize(int v) { set(batchSize, (Object) v); return this; }
    public PaliGemmaTransformer setTask(String v) { set(task, v); return this; }
    public PaliGemmaTransformer setPrompt(String v) { set(prompt, v); return this; }
    public PaliGemmaTransformer setPromptCol(String v) { set(promptCol, v); return this; }
    public PaliGemmaTransformer setImageCol(String v) { set(imageCol, v); return this; }
    public PaliGemmaTransformer setNameCol(String v) { set(nameCol, v); return this; }
    public PaliGemmaTransformer setMaxTokens(int v) { set(maxTokens, (Object) v); return this; }
    public PaliGemmaTransformer setTemperature(double v) { set(temperature, (Object) v); return this; }
    public PaliGemmaTransformer setTopK(int v) { set(topK, (Object) v); return this; }
    public PaliGemmaTransformer setTopP(double v) { set(topP, (Object) v); return this; }
    public PaliGemmaTransformer setSeed(long v) { set(seed, (Object) v); return this; }
    public PaliGemmaTransformer setFailFast(boolean v) { set(failFast, (Object) v); return this; }
    public PaliGemmaTransformer setMaskDecoderPath(String v) { set(maskDecoderPath, v); return this; }
    public PaliGemmaTransformer setOutputCol(String v) { set(outputCol, v); return this; }
    public PaliGemmaTransformer setTokensCol(String v) { set(tokensCol, v); return this; }
    public PaliGemmaTransformer setTimingsCol(String v) { set(timingsCol, v); return this; }
    public PaliGemmaTransformer setErrorCol(String v) { set(errorCol, v); return this; }
    public PaliGemmaTransformer setObjectsCol(String v) { set(objectsCol, v); return this; }
    public PaliGemmaTransformer setProblemsCol(String v) { set(problemsCol, v); return this; }

    private <T> T value(Param<?> p) {
        @SuppressWarnings("unchecked")
        T v = (T) getOrDefault(p);
        return v;
    }

    /** The model this transformer's tasks lease on the executors. */
    public ModelSpec modelSpec() {
        if (!isDefined(modelPath)) {
            throw new IllegalArgumentException("modelPath is not set: the checkpoint directory as the executors see it");
        }
        return new ModelSpec(value(modelPath), value(backend), this.<Integer>value(computeThreads), value(weights),
                value(compute), value(load), this.<Integer>value(maxContext), this.<Integer>value(batchSize));
    }

    // ---- schema and transform

    @Override
    public StructType transformSchema(StructType schema) {
        Task t = Task.parse(value(task));
        checkInputs(schema, t);
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        List<String> added = new ArrayList<>(List.of(value(outputCol), value(tokensCol), value(timingsCol), value(errorCol)));
        fields.add(DataTypes.createStructField(value(outputCol), DataTypes.StringType, true));
        fields.add(DataTypes.createStructField(value(tokensCol), DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField(value(timingsCol), TIMINGS, true));
        fields.add(DataTypes.createStructField(value(errorCol), DataTypes.StringType, true));
        if (t.givesObjects()) {
            added.add(value(objectsCol));
            added.add(value(problemsCol));
            fields.add(DataTypes.createStructField(value(objectsCol), ObjectColumns.OBJECTS, true));
            fields.add(DataTypes.createStructField(value(problemsCol), ObjectColumns.PROBLEMS, true));
        }
        for (String name : added) {
            if (Arrays.asList(schema.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("the output column '" + name + "' already exists in the input "
                        + "(rename it with the matching set...Col)");
            }
            if (added.indexOf(name) != added.lastIndexOf(name)) {
                throw new IllegalArgumentException("two output columns are both named '" + name + "'");
            }
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    private void checkInputs(StructType schema, Task t) {
        DataType image = column(schema, value(imageCol), "imageCol").dataType();
        if (!(image instanceof BinaryType) && !(image instanceof StringType)) {
            throw new IllegalArgumentException("imageCol '" + value(imageCol) + "' is " + image.simpleString()
                    + ": it must be binary (the image file's bytes) or string (a path or URI)");
        }
        if (isSet(prompt) && isSet(promptCol)) {
            throw new IllegalArgumentException("set prompt or promptCol, not both");
        }
        if (isSet(promptCol)) {
            requireString(schema, value(promptCol), "promptCol");
        } else if (!isSet(prompt) && t.defaultPrompt() == null) {
            throw new IllegalArgumentException("the " + t.id() + " task needs a prompt (setPrompt or setPromptCol), e.g. "
                    + switch (t) {
                        case ANSWER -> "'answer en what is in the picture?'";
                        case DETECT -> "'detect cat ; dog'";
                        default -> "'segment cat'";
                    });
        }
        if (!this.<String>value(nameCol).isEmpty()) {
            requireString(schema, value(nameCol), "nameCol");
        }
    }

    private static StructField column(StructType schema, String name, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(param + " '" + name + "' is not a column of the input (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        return schema.apply(name);
    }

    private static void requireString(StructType schema, String name, String param) {
        DataType type = column(schema, name, param).dataType();
        if (!(type instanceof StringType)) {
            throw new IllegalArgumentException(param + " '" + name + "' is " + type.simpleString() + ", not string");
        }
    }

    /** The partition job fixed from the params and the input's schema. */
    RowJob rowJob(StructType schema) {
        Task t = Task.parse(value(task));
        checkInputs(schema, t);
        int image = schema.fieldIndex(value(imageCol));
        boolean isPath = schema.apply(image).dataType() instanceof StringType;
        String name = value(nameCol);
        String fixed = isSet(promptCol) ? null : isSet(prompt) ? value(prompt) : t.defaultPrompt();
        String masks = value(maskDecoderPath);
        ModelSpec spec = modelSpec();
        int batch = spec.batchSize();
        return new RowJob(spec, t, image, isPath, name.isEmpty() ? -1 : schema.fieldIndex(name), fixed,
                isSet(promptCol) ? schema.fieldIndex(value(promptCol)) : -1, this.<Integer>value(maxTokens),
                this.<Double>value(temperature), this.<Integer>value(topK), this.<Double>value(topP),
                this.<Long>value(seed), batch, this.<Boolean>value(failFast), masks.isEmpty() ? null : masks);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        StructType out = transformSchema(df.schema());
        RowJob job = rowJob(df.schema());
        return df.mapPartitions((MapPartitionsFunction<Row, Row>) job::run, Encoders.row(out));
    }
}
