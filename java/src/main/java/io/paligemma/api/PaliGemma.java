package io.paligemma.api;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.GenerationResult;
import io.paligemma.generate.Generator;
import io.paligemma.generate.TokenListener;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import io.paligemma.image.SiglipImageProcessor;
import io.paligemma.nn.Probe;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.siglip.VisionWorkspace;
import io.paligemma.tokenizer.Tokenizer;
import io.paligemma.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A loaded PaliGemma checkpoint: the library's entry point.
 *
 * <pre>{@code
 * try (PaliGemma model = PaliGemma.load(Path.of("paligemma-3b-mix-224"), Options.defaults())) {
 *     Result r = model.generate(Path.of("cat.jpg"), "caption en", GenerationConfig.greedy(32));
 *     System.out.println(r.text());
 * }
 * }</pre>
 *
 * <p>One instance serves many threads at once: the weights are mapped once and shared, every request
 * runs in its own workspace (activations and KV cache), reused from a pool. {@link #close()} makes
 * new requests fail, stops running ones at their next step with {@link IllegalStateException}, waits
 * for them, then unmaps the weights.
 */
public final class PaliGemma implements AutoCloseable {
    private final Path directory;
    private final OpsProvider provider;
    private final PaliGemmaForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final SiglipImageProcessor processor;
    private final ImageDecoder decoder;
    private final Generator generator;
    private final int capacity;
    private final ConcurrentLinkedQueue<RequestWorkspace> pool = new ConcurrentLinkedQueue<>();
    private final Object lifecycle = new Object();
    private int active;          // requests in flight, guarded by lifecycle
    /** Requests of this model the current thread is inside: close() from one of them would wait for itself. */
    private final ThreadLocal<int[]> inRequest = ThreadLocal.withInitial(() -> new int[1]);
    private volatile boolean closed;

    private PaliGemma(Path directory, OpsProvider provider, PaliGemmaForConditionalGeneration model, Tokenizer tokenizer,
                      SiglipImageProcessor processor, Options options) {
        this.directory = directory;
        this.provider = provider;
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor.withResizeMethod(options.resize());
        this.decoder = new ImageDecoder(options.maxImagePixels());
        this.generator = new Generator(model);
        int limit = model.config().textConfig().maxPositionEmbeddings();
        int wanted = options.maxContext() > 0 ? options.maxContext() : model.config().numImageTokens() + 512;
        if (wanted > limit) {
            throw new IllegalArgumentException("max context " + wanted + " exceeds max_position_embeddings " + limit);
        }
        this.capacity = wanted;
    }

    /** Loads a Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer, preprocessor_config.json). */
    public static PaliGemma load(Path directory, Options options) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("model directory " + directory + " does not exist");
        }
        Tokenizer tokenizer = Tokenizers.forCheckpoint(directory);
        SiglipImageProcessor processor;
        try {
            processor = Files.isRegularFile(directory.resolve(SiglipImageProcessor.CONFIG_FILE))
                    ? SiglipImageProcessor.fromPretrained(directory) : SiglipImageProcessor.defaults();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OpsProvider provider = OpsProvider.open(options.backend(), options.threads(), options.compute());
        try {
            var model = PaliGemmaForConditionalGeneration.load(directory, provider.ops(), options.quantization(), options.load());
            return new PaliGemma(directory, provider, model, tokenizer, processor, options);
        } catch (RuntimeException e) {
            provider.close();
            throw e;
        }
    }

    public PaliGemmaConfig config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Tokens per sequence: prompt (image tokens included) + generated. */
    public int maxContext() {
        return capacity;
    }

    /** Reads an image file and generates; see {@link #generate(RgbImage, String, GenerationConfig, Consumer)}. */
    public Result generate(Path image, String prompt, GenerationConfig config) throws ImageException {
        return generate(decoder.read(image), prompt, config, null);
    }

    public Result generate(RgbImage image, String prompt, GenerationConfig config) {
        return generate(image, prompt, config, null);
    }

    /**
     * Answers a prompt about a picture. {@code onText} (may be null) receives the answer's text as it is
     * produced, in pieces that never split a character.
     */
    public Result generate(RgbImage image, String prompt, GenerationConfig config, Consumer<String> onText) {
        long t0 = System.nanoTime();
        int[] ids = promptIds(prompt);
        return generate(image, ids, config, onText, t0);
    }

    /**
     * Like {@link #generate(RgbImage, String, GenerationConfig, Consumer)} for a prompt that is already
     * token ids in the processor's layout ({@code <image>×N, <bos>, text ids, "\n"}).
     */
    public Result generate(RgbImage image, int[] promptIds, GenerationConfig config, Consumer<String> onText) {
        return generate(image, promptIds.clone(), config, onText, System.nanoTime());
    }

    private Result generate(RgbImage image, int[] ids, GenerationConfig config, Consumer<String> onText, long t0) {
        long images = java.util.Arrays.stream(ids).filter(id -> id == model.config().imageTokenIndex()).count();
        if (images != model.config().numImageTokens()) {
            throw new IllegalArgumentException("the prompt has " + images + " image tokens; this model takes exactly "
                    + model.config().numImageTokens());
        }
        enter();
        RequestWorkspace ws = borrow();
        try {
            Generator.checkContext(ids.length, config.maxNewTokens(), ws.decoder);
            processor.preprocess(image, ws.pixels, 0);
            long t1 = System.nanoTime();
            model.imageFeatures(ws.pixels, 1, ws.vision, ws.features, Probe.NONE);
            long t2 = System.nanoTime();
            TextStream stream = new TextStream(tokenizer.streamingDecoder(), config.stopStrings(), onText);
            GenerationResult g = generator.generate(ids, ws.features, config, ws.decoder, listener(stream));
            return result(stream, g, ids.length, t1 - t0, t2 - t1);
        } finally {
            pool.add(ws);
            exit();
        }
    }

    /**
     * Answers several (picture, prompt) pairs together: one vision pass for all pictures, each prompt
     * prefilled on its own, then every decode step runs the next token of all unfinished answers as one
     * forward, reading the weights once for the whole batch (decode is memory-bound, so a batch of B
     * costs little more than one answer). Results are those of running the requests one by one.
     */
    public List<Result> generateBatch(List<RgbImage> images, List<String> prompts, GenerationConfig config) {
        int b = images.size();
        if (b < 1 || prompts.size() != b) {
            throw new IllegalArgumentException("a batch needs as many prompts as pictures (" + b + " pictures, "
                    + prompts.size() + " prompts)");
        }
        long t0 = System.nanoTime();
        List<int[]> ids = new ArrayList<>();
        for (String p : prompts) {
            ids.add(promptIds(p));
        }
        var c = model.config();
        int n = c.numImageTokens();
        int s = c.visionConfig().imageSize();
        long pixelFloats = (long) c.visionConfig().numChannels() * s * s;
        enter();
        RequestWorkspace[] seqs = new RequestWorkspace[b];
        try (VisionWorkspace vision = model.newVisionWorkspace(b);
             DecoderWorkspace step = DecoderWorkspace.forBatch(c.textConfig(), b, capacity);
             Arena arena = Arena.ofShared()) {
            MemorySegment pixels = arena.allocate(b * pixelFloats * Float.BYTES, 64);
            MemorySegment features = arena.allocate((long) b * n * c.projectionDim() * Float.BYTES, 64);
            for (int i = 0; i < b; i++) {
                processor.preprocess(images.get(i), pixels, i * pixelFloats * Float.BYTES);
                seqs[i] = borrow();
            }
            long t1 = System.nanoTime();
            model.imageFeatures(pixels, b, vision, features, Probe.NONE);                 // all pictures in one pass
            long t2 = System.nanoTime();
            TextStream[] streams = new TextStream[b];
            TokenListener[] listeners = new TokenListener[b];
            DecoderWorkspace[] decoders = new DecoderWorkspace[b];
            int[] featureRows = new int[b];
            for (int i = 0; i < b; i++) {
                streams[i] = new TextStream(tokenizer.streamingDecoder(), config.stopStrings(), null);
                listeners[i] = listener(streams[i]);
                decoders[i] = seqs[i].decoder;
                featureRows[i] = i * n;
            }
            GenerationResult[] g = generator.generateBatch(ids, features, featureRows, config, decoders, step, listeners);
            List<Result> out = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                out.add(result(streams[i], g[i], ids.get(i).length, t1 - t0, t2 - t1));
            }
            return out;
        } finally {
            for (RequestWorkspace ws : seqs) {
                if (ws != null) {
                    pool.add(ws);
                }
            }
            exit();
        }
    }

    /** Feeds generated ids to the text stream; fails the request at its next token once the model is closed. */
    private TokenListener listener(TextStream stream) {
        return id -> {
            checkOpen();
            return stream.accept(id);
        };
    }

    /** The answer of one sequence: its text (flushed), ids, why it ended and the time of each stage. */
    private static Result result(TextStream stream, GenerationResult g, int promptTokens, long preprocess, long vision) {
        String text = stream.finish();
        Timings t = new Timings(preprocess, vision, g.prefillNanos(), g.decodeNanos(), promptTokens, g.tokens().length);
        return new Result(text, g.tokens(), stream.stopped() ? FinishReason.STOP : g.finishReason(), t, g.logprobs());
    }

    /**
     * The projected image features [N, H] (what the language model sees), for embedding use.
     */
    public float[] imageFeatures(RgbImage image) {
        enter();
        RequestWorkspace ws = borrow();
        try {
            processor.preprocess(image, ws.pixels, 0);
            model.imageFeatures(ws.pixels, 1, ws.vision, ws.features, Probe.NONE);
            int n = model.config().numImageTokens() * model.config().projectionDim();
            return ws.features.asSlice(0, (long) n * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            pool.add(ws);
            exit();
        }
    }

    /**
     * The language model's final-norm hidden states [L, H] for the prompt with this picture (row-major),
     * L = {@link #promptIds(String)}.length: the usual sequence embedding for retrieval or probing.
     */
    public float[] lastHiddenStates(RgbImage image, String prompt) {
        enter();
        RequestWorkspace ws = borrow();
        try {
            int[] ids = promptIds(prompt);
            processor.preprocess(image, ws.pixels, 0);
            model.imageFeatures(ws.pixels, 1, ws.vision, ws.features, Probe.NONE);
            model.embed(ids, 0, ids.length, ws.features, 0, ws.decoder);
            model.languageModel().forward(ws.decoder, 0, ids.length, ids.length, 1, Probe.NONE);
            long n = (long) ids.length * model.config().textConfig().hiddenSize();
            return ws.decoder.lastHiddenStates().asSlice(0, n * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            pool.add(ws);
            exit();
        }
    }

    /**
     * Runs {@code detect a ; b} and parses the answer into boxes in this picture's pixel coordinates
     * (y0, x0, y1, x1; big_vision's /1023 convention, see {@link io.paligemma.detect.Box}).
     * Malformed parts of the answer are listed in {@link ParseResult#problems()}, never guessed.
     */
    public ParseResult detect(RgbImage image, List<String> objects, int maxNewTokens) {
        Result r = generate(image, Prompts.detect(objects), GenerationConfig.greedy(maxNewTokens));
        return OutputParser.parseDetections(r.text(), image.width(), image.height());
    }

    /**
     * Runs {@code segment x}; with {@code maskDecoder} (big_vision's VQ-VAE, {@link VqVaeMaskDecoder#load}) the
     * masks are decoded too, otherwise objects carry box and codes only.
     */
    public ParseResult segment(RgbImage image, String object, VqVaeMaskDecoder maskDecoder, int maxNewTokens) {
        Result r = generate(image, Prompts.segment(object), GenerationConfig.greedy(maxNewTokens));
        ParseResult parsed = OutputParser.parseSegmentations(r.text(), image.width(), image.height());
        return maskDecoder == null ? parsed : maskDecoder.decodeAll(parsed);
    }

    /** The processor's layout: {@code <image>×N, <bos>, tokens(prompt + "\n")}. */
    public int[] promptIds(String prompt) {
        int n = model.config().numImageTokens();
        int[] text = tokenizer.encode(prompt + "\n");
        int[] ids = new int[n + 1 + text.length];
        java.util.Arrays.fill(ids, 0, n, model.config().imageTokenIndex());
        ids[n] = model.config().bosTokenId();
        System.arraycopy(text, 0, ids, n + 1, text.length);
        if (ids.length >= capacity) {
            throw new IllegalArgumentException("the prompt takes " + ids.length + " tokens (" + n + " image tokens + "
                    + (text.length + 1) + " text tokens); the context holds " + capacity
                    + " (raise the context: --max-context on the command line, Options.maxContext in the API; up to "
                    + "max_position_embeddings)");
        }
        return ids;
    }

    private RequestWorkspace borrow() {
        RequestWorkspace ws = pool.poll();
        if (ws != null) {
            return ws;
        }
        var c = model.config();
        int s = c.visionConfig().imageSize();
        return new RequestWorkspace(model.newVisionWorkspace(1), model.newDecoderWorkspace(capacity, capacity, 1),
                (long) c.visionConfig().numChannels() * s * s, (long) c.numImageTokens() * c.projectionDim());
    }

    private void enter() {
        // a checkpoint rewritten under its mapping would crash the JVM on the first read: refuse instead
        model.weights().checkpoint().checkUnchanged();
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("model " + directory + " is closed");
            }
            active++;
        }
        inRequest.get()[0]++;
    }

    private void exit() {
        inRequest.get()[0]--;
        synchronized (lifecycle) {
            active--;
            lifecycle.notifyAll();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + directory + " was closed during the request");
        }
    }

    /**
     * Fails new requests, stops running ones at their next step, waits for them, then unmaps. Called from
     * inside a request of this model (its onText callback, say) it would wait for its own caller forever,
     * so it is refused there with an {@link IllegalStateException}, which ends that request; close the
     * model after the request returns, or from another thread.
     */
    @Override
    public void close() {
        if (inRequest.get()[0] > 0) {
            throw new IllegalStateException("close() called from inside a request of model " + directory
                    + " (e.g. from its onText callback) would wait for that request forever: close the model after "
                    + "the request returns, or from another thread");
        }
        synchronized (lifecycle) {
            if (closed && active == 0 && pool.isEmpty()) {
                return;
            }
            closed = true;
            boolean interrupted = false;
            while (active > 0) {
                try {
                    lifecycle.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        List<RequestWorkspace> all = new ArrayList<>();
        for (RequestWorkspace ws; (ws = pool.poll()) != null; ) {
            all.add(ws);
        }
        all.forEach(RequestWorkspace::close);
        model.close();
        provider.close();
    }
}
