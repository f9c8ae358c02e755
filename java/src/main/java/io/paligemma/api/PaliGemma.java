package io.paligemma.api;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.detect.OutputParser;
import io.paligemma.detect.ParseResult;
import io.paligemma.detect.VqVaeMaskDecoder;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.Sampler;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.ImageException;
import io.paligemma.image.RgbImage;
import io.paligemma.nn.Probe;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.PaliGemmaProcessor;
import io.paligemma.tokenizer.Tokenizer;
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
    private final PaliGemmaProcessor processor;
    private final ImageDecoder decoder;
    private final int capacity;
    private final ConcurrentLinkedQueue<PromptWorkspace> pool = new ConcurrentLinkedQueue<>();
    private final Object lifecycle = new Object();
    private int active;          // requests in flight, guarded by lifecycle
    /** Requests of this model the current thread is inside: close() from one of them would wait for itself. */
    private final ThreadLocal<int[]> inRequest = ThreadLocal.withInitial(() -> new int[1]);
    private volatile boolean closed;

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
    }

    /** Loads a Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer, preprocessor_config.json). */
    public static PaliGemma load(Path directory, Options options) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("model directory " + directory + " does not exist");
        }
        PaliGemmaConfig config = PaliGemmaConfig.read(directory);
        PaliGemmaProcessor processor = PaliGemmaProcessor.fromPretrained(directory, config);
        OpsProvider provider = OpsProvider.open(options.backend(), options.threads(), options.compute());
        try {
            var model = PaliGemmaForConditionalGeneration.load(directory, provider.ops(), options.quantization(), options.load());
            return new PaliGemma(directory, provider, model, processor, options);
        } catch (RuntimeException e) {
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
        processor.checkInputIds(ids);
        checkContext(ids.length, config.maxNewTokens());
        enter();
        PromptWorkspace ws = borrow();
        try {
            float[] pixels = processor.pixelValues(image);
            long t1 = System.nanoTime();
            TextStream stream = new TextStream(tokenizer().streamingDecoder(), config.stopStrings(), onText);
            try (Sequence seq = Sequence.forTokens(model, pixels, ids, config, listener(stream))) {
                new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
                DecodeStep.untilDone(model, List.of(seq), ws.decoder());
                return result(stream, seq, t1 - t0);
            }
        } finally {
            pool.add(ws);
            exit();
        }
    }

    /**
     * Answers several (picture, prompt) pairs together: each prompt side on its own, then every decode step
     * runs the next token of all unfinished answers as one forward, reading the weights once for the whole
     * batch (decode is memory-bound, so a batch of B costs little more than one answer). Results are those
     * of running the requests one by one.
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
            int[] one = promptIds(p);
            checkContext(one.length, config.maxNewTokens());
            ids.add(one);
        }
        enter();
        PromptWorkspace ws = borrow();
        List<Sequence> seqs = new ArrayList<>();
        try (DecoderWorkspace step = model.newDecoderWorkspace(Math.min(b, model.maxDecodeRows()), capacity, Math.min(b, model.maxDecodeRows()))) {
            List<float[]> pixels = new ArrayList<>();
            for (RgbImage image : images) {
                pixels.add(processor.pixelValues(image));
            }
            long t1 = System.nanoTime();
            TextStream[] streams = new TextStream[b];
            for (int i = 0; i < b; i++) {
                streams[i] = new TextStream(tokenizer().streamingDecoder(), config.stopStrings(), null);
                seqs.add(Sequence.forTokens(model, pixels.get(i), ids.get(i), config, listener(streams[i])));
            }
            for (Sequence seq : seqs) {
                new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            }
            DecodeStep.untilDone(model, seqs, step);
            List<Result> out = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                out.add(result(streams[i], seqs.get(i), t1 - t0));
            }
            return out;
        } finally {
            seqs.forEach(Sequence::close);
            pool.add(ws);
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
    private static Result result(TextStream stream, Sequence seq, long preprocess) {
        if (seq.failure() != null) {
            throw seq.failure();
        }
        String text = stream.finish();
        long vision = seq.featuresReadyNanos() - seq.promptStartedNanos();
        long prefill = seq.firstTokenNanos() - seq.featuresReadyNanos();
        long decode = seq.lastTokenNanos() - seq.firstTokenNanos();
        Timings t = new Timings(preprocess, vision, prefill, decode, seq.promptLength(), seq.produced());
        return new Result(text, seq.tokens(), stream.stopped() ? FinishReason.STOP : seq.finishReason(), t,
                seq.logprobs());
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
        enter();
        PromptWorkspace ws = borrow();
        GenerationConfig one = GenerationConfig.greedy(1);
        try (Sequence seq = new Sequence(model, processor.pixelValues(image), ids, ids.length, one, goal,
                new Sampler(one.sampling()), TokenListener.NONE)) {
            new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            return seq.output();
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

    private PromptWorkspace borrow() {
        PromptWorkspace ws = pool.poll();
        return ws != null ? ws : new PromptWorkspace(model, capacity, capacity, 1);
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
        List<PromptWorkspace> all = new ArrayList<>();
        for (PromptWorkspace ws; (ws = pool.poll()) != null; ) {
            all.add(ws);
        }
        all.forEach(PromptWorkspace::close);
        model.close();
        provider.close();
    }
}
