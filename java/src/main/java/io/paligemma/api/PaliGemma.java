package io.paligemma.api;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.generate.BeamHypothesis;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.PaliGemmaProcessor;
import io.paligemma.scheduler.ImageKey;
import io.paligemma.scheduler.Outcome;
import io.paligemma.scheduler.QueueFullException;
import io.paligemma.scheduler.Request;
import io.paligemma.scheduler.RequestHandle;
import io.paligemma.scheduler.Scheduler;
import io.paligemma.scheduler.SchedulerStats;
import io.paligemma.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>One instance serves many threads at once: the weights are mapped once and shared, and every request,
 * from {@link #generate}, {@link #generateBatch}, {@link #submit} or the embedding calls, goes through the
 * model's one {@link Scheduler} (continuous batching: every decoding request advances in one batched
 * forward per step; new requests join between steps). Preprocessing runs on the calling thread. {@link
 * #close()} makes new requests fail, fails waiting and running ones at their next step with {@link
 * IllegalStateException}, waits for the scheduler, then unmaps the weights.
 */
public final class PaliGemma implements AutoCloseable {
    private static final AtomicLong LOADS = new AtomicLong();

    private final Path directory;
    private final OpsProvider provider;
    private final PaliGemmaForConditionalGeneration model;
    private final PaliGemmaProcessor processor;
    private final ImageDecoder decoder;
    private final int capacity;
    private final String identity;     // what makes this model's image features what they are
    private final Scheduler scheduler;
    private final Object lifecycle = new Object();
    private boolean closed;            // guarded by lifecycle

    private PaliGemma(Path directory, OpsProvider provider, PaliGemmaForConditionalGeneration model,
                      PaliGemmaProcessor processor, Options options) {
        this.directory = directory;
        this.provider = provider;
        this.model = model;
        this.processor = processor.withResizeMethod(options.resize());
        this.decoder = new ImageDecoder(options.maxImagePixels());
        int limit = model.config().textConfig().maxPositionEmbeddings();
        int wanted = options.maxContext() > 0 ? options.maxContext() : model.config().numImageTokens() + 512;
        if (wanted > limit) {
            throw new IllegalArgumentException("max context " + wanted + " exceeds max_position_embeddings " + limit);
        }
        this.capacity = wanted;
        // the image features of one load of one checkpoint with one set of weights and ops (a load number
        // too, so a cache shared across loads could never mix two of them)
        this.identity = directory.toAbsolutePath() + "|" + options.quantization() + "|" + options.backend() + "|"
                + options.compute() + "|" + LOADS.incrementAndGet();
        this.scheduler = new Scheduler(model, options.scheduler(), capacity, "model " + directory);
    }

    /** Loads a Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer, preprocessor_config.json). */
    public static PaliGemma load(Path directory, Options options) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("model directory " + directory + " does not exist");
        }
        PaliGemmaConfig config = PaliGemmaConfig.read(directory);
        PaliGemmaProcessor processor = PaliGemmaProcessor.fromPretrained(directory, config);
        OpsProvider provider = OpsProvider.open(options.backend(), options.threads(), options.compute());
        PaliGemmaForConditionalGeneration model = null;
        try {
            model = PaliGemmaForConditionalGeneration.load(directory, provider.ops(), options.quantization(), options.load());
            return new PaliGemma(directory, provider, model, processor, options);
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            provider.close();
            throw e;
        }
    }

    public PaliGemmaConfig config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return processor.tokenizer();
    }

    /** Tokens per sequence: prompt (image tokens included) + generated. */
    public int maxContext() {
        return capacity;
    }

    /** The scheduler's counters: queue depth, running sequences, cache hits, decode time. */
    public SchedulerStats stats() {
        return scheduler.stats();
    }

    /** Reads an image file and generates; see {@link #generate(RgbImage, String, GenerationConfig, Consumer)}. */
    public Result generate(Path image, String prompt, GenerationConfig config) throws ImageException {
        return generate(decoder.read(image), prompt, config, null);
    }

    public Result generate(RgbImage image, String prompt, GenerationConfig config) {
        return generate(image, prompt, config, null);
    }

    /**
     * Answers a prompt about a picture and waits for the answer. {@code onText} (may be null) receives the
     * answer's text as it is produced, in pieces that never split a character, on the scheduler's thread.
     */
    public Result generate(RgbImage image, String prompt, GenerationConfig config, Consumer<String> onText) {
        return submit(image, prompt, config, onText).await();
    }

    /**
     * Like {@link #generate(RgbImage, String, GenerationConfig, Consumer)} for a prompt that is already
     * token ids in the processor's layout ({@code <image>×N, <bos>, text ids, "\n"}).
     */
    public Result generate(RgbImage image, int[] promptIds, GenerationConfig config, Consumer<String> onText) {
        return submit(image, promptIds, config, onText).await();
    }

    /**
     * Submits a request and returns at once: the picture is preprocessed and the prompt tokenized on this
     * thread, then the request waits for the scheduler. Throws {@link QueueFullException} when the wait queue
     * is full, {@link IllegalArgumentException} for a request that can never run.
     */
    public Generation submit(RgbImage image, String prompt, GenerationConfig config, Consumer<String> onText) {
        long t0 = System.nanoTime();
        return submit(image, promptIds(prompt), config, onText, t0);
    }

    /** {@link #submit(RgbImage, String, GenerationConfig, Consumer)} for a prompt given as ids. */
    public Generation submit(RgbImage image, int[] promptIds, GenerationConfig config, Consumer<String> onText) {
        return submit(image, promptIds.clone(), config, onText, System.nanoTime());
    }

    private Generation submit(RgbImage image, int[] ids, GenerationConfig config, Consumer<String> onText, long t0) {
        processor.checkInputIds(ids);
        checkContext(ids.length, config.maxNewTokens());
        checkUsable();
        float[] pixels = processor.pixelValues(image);
        ImageKey key = ImageKey.of(identity, pixels);
        long preprocess = System.nanoTime() - t0;
        TextStream stream = new TextStream(tokenizer().streamingDecoder(), config.stopStrings(), onText);
        RequestHandle handle = scheduler.submit(new Request(pixels, key, ids, config, Sequence.Goal.TOKENS, stream::accept));
        return new Generation(handle, handle.result().thenApply(o -> result(tokenizer(), stream, o, preprocess)), this);
    }

    /**
     * Answers several (picture, prompt) pairs: submits them all, then waits for every answer, in order. They
     * run side by side in the scheduler (one read of the weights per decode step for all of them, beside any
     * other requests); each answer equals the same request run alone.
     */
    public List<Result> generateBatch(List<RgbImage> images, List<String> prompts, GenerationConfig config) {
        int b = images.size();
        if (b < 1 || prompts.size() != b) {
            throw new IllegalArgumentException("a batch needs as many prompts as pictures (" + b + " pictures, "
                    + prompts.size() + " prompts)");
        }
        List<Generation> submitted = new ArrayList<>();
        try {
            for (int i = 0; i < b; i++) {
                submitted.add(submit(images.get(i), prompts.get(i), config, null));
            }
            List<Result> out = new ArrayList<>();
            for (Generation g : submitted) {
                out.add(g.await());
            }
            return out;
        } catch (RuntimeException | Error e) {
            submitted.forEach(Generation::cancel);
            throw e;
        }
    }

    /** The answer of one request: its text (flushed), ids, why it ended and the time of each stage. */
    private static Result result(Tokenizer tokenizer, TextStream stream, Outcome o, long preprocess) {
        String text = stream.finish();
        Timings t = new Timings(preprocess, o.queuedNanos(), o.visionNanos(), o.prefillNanos(), o.decodeNanos(),
                o.promptTokens(), o.tokens().length);
        FinishReason reason = stream.stopped() ? FinishReason.STOP : o.finishReason();
        if (o.hypotheses().isEmpty()) {
            return new Result(text, o.tokens(), reason, t, o.logprobs());
        }
        List<GeneratedSequence> sequences = new ArrayList<>();
        for (int i = 0; i < o.hypotheses().size(); i++) {
            BeamHypothesis h = o.hypotheses().get(i);
            FinishReason own = h.endedWithEos() ? FinishReason.EOS : FinishReason.MAX_TOKENS;
            sequences.add(i == 0 ? new GeneratedSequence(text, o.tokens(), reason, h.sequenceScore())
                    : new GeneratedSequence(tokenizer.decode(h.tokens()), h.tokens(), own, h.sequenceScore()));
        }
        return new Result(text, o.tokens(), reason, t, o.logprobs(), sequences);
    }

    /** The prompt and the new tokens must fit the context before anything runs. */
    private void checkContext(int promptLength, int maxNewTokens) {
        if ((long) promptLength + maxNewTokens - 1 > capacity) {
            throw new IllegalArgumentException("prompt (" + promptLength + " tokens) + " + maxNewTokens
                    + " new tokens exceed the context of " + capacity + " tokens");
        }
    }

    /**
     * The projected image features [N, H] (what the language model sees), for embedding use.
     */
    public float[] imageFeatures(RgbImage image) {
        return embedding(image, promptIds(""), Sequence.Goal.IMAGE_FEATURES);
    }

    /**
     * The language model's final-norm hidden states [L, H] for the prompt with this picture (row-major),
     * L = {@link #promptIds(String)}.length: the usual sequence embedding for retrieval or probing.
     */
    public float[] lastHiddenStates(RgbImage image, String prompt) {
        return embedding(image, promptIds(prompt), Sequence.Goal.HIDDEN_STATES);
    }

    private float[] embedding(RgbImage image, int[] ids, Sequence.Goal goal) {
        checkUsable();
        float[] pixels = processor.pixelValues(image);
        RequestHandle handle = scheduler.submit(new Request(pixels, ImageKey.of(identity, pixels), ids,
                GenerationConfig.greedy(1), goal, TokenListener.NONE));
        checkNotOnSchedulerThread("waiting for a request");
        return Generation.join(handle.result()).output();
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
        int[] ids = processor.inputIds(prompt);
        if (ids.length >= capacity) {
            int n = model.config().numImageTokens();
            throw new IllegalArgumentException("the prompt takes " + ids.length + " tokens (" + n + " image tokens + "
                    + (ids.length - n) + " text tokens); the context holds " + capacity
                    + " (raise the context: --max-context on the command line, Options.maxContext in the API; up to "
                    + "max_position_embeddings)");
        }
        return ids;
    }

    /** Refuses a new request once closed, or when the checkpoint changed on disk (reading it would crash the JVM). */
    private void checkUsable() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("model " + directory + " is closed");
            }
        }
        model.weights().checkpoint().checkUnchanged();
    }

    /** Blocking calls made from a token callback would wait for the thread that runs them: refused. */
    void checkNotOnSchedulerThread(String what) {
        if (scheduler.onSchedulerThread()) {
            throw new IllegalStateException(what + " from inside a request of model " + directory + " (its onText "
                    + "callback runs on the model's scheduler thread) would wait for itself: submit() and return instead");
        }
    }

    /**
     * Fails new requests, fails waiting and running ones at their next step, waits for the scheduler, then
     * unmaps. Called from inside a request of this model (its onText callback, say) it would wait for its own
     * caller forever, so it is refused there with an {@link IllegalStateException}, which ends that request;
     * close the model after the request returns, or from another thread.
     */
    @Override
    public void close() {
        if (scheduler.onSchedulerThread()) {
            throw new IllegalStateException("close() called from inside a request of model " + directory
                    + " (e.g. from its onText callback) would wait for that request forever: close the model after "
                    + "the request returns, or from another thread");
        }
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.close();
        model.close();
        provider.close();
    }
}
