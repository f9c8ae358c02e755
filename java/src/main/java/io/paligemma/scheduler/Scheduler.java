package io.paligemma.scheduler;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.KvCache;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.Sequence;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching for one loaded model: requests are submitted from any thread and run on the
 * scheduler's own thread, one step after another. A step
 * <ol>
 *   <li>admits waiting requests in arrival order while a sequence slot ({@code maxRunning}) and room in the
 *       KV-cache budget are free (a request's cache holds exactly its prompt and answer);</li>
 *   <li>runs one decode step for every decoding sequence together: one forward (each weight read once for
 *       all of them) per {@code Ops.maxDecodeRows()} sequences, each row attending to its own cache and
 *       choosing with its own seeded sampler; unless that step would make a prompt miss its first-token
 *       deadline ({@code promptDeadline}, see {@link PromptDeadlines}), when the decodes wait a step;</li>
 *   <li>spends the prompt budget ({@code prefillChunkTokens}) on the oldest unfinished prompt, piece by
 *       piece (a vision layer, a decoder layer over the whole prompt: see {@link Prefill}), then the next;
 *       with nothing decoding the budget does not apply;</li>
 *   <li>completes the requests that ended, freeing their caches.</li>
 * </ol>
 * So a new request waits at most one step to be admitted, a long prompt delays the running decodes by at
 * most one chunk per step until its first-token deadline needs whole steps, and a short answer's slot is
 * free the step after its last token. Every answer
 * is bit for bit the answer of the same request run alone: the prompt side runs alone, and a decode row
 * is computed as it would be alone (see {@link DecodeStep}).
 *
 * <p>Image features (keyed by the pixels and the model) and finished prefills (keyed by the picture and
 * every prompt id) are kept in LRU caches under byte budgets and reused exactly.
 *
 * <p>Token listeners run on the scheduler's thread: a slow one delays every sequence. Blocking on a
 * request's result from there, or closing the scheduler, is refused (it would wait for itself).
 */
public final class Scheduler implements AutoCloseable {
    private static final AtomicLong THREADS = new AtomicLong();

    private final PaliGemmaForConditionalGeneration model;
    private final SchedulerOptions options;
    private final String name;
    private final int maxContext;        // positions per sequence
    private final long kvBudget;         // bytes of KV caches of the running sequences together
    private final long chunkCost;        // multiply-adds of prompt work per step while sequences decode
    private final PromptDeadlines deadlines;
    private final Thread thread;

    private final Object lock = new Object();
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();   // guarded by lock
    private int slotsInUse;                                         // guarded by lock: admitted, not yet ended
    private boolean closed;                                         // guarded by lock
    private volatile boolean closing;                               // read between pieces of work

    // the scheduler thread's own state
    private final List<Running> running = new ArrayList<>();
    private final LruCache<ImageKey, CachedFeatures> features;
    private final LruCache<PrefixKey, CachedPrefix> prefixes;
    private Running prefilling;          // the sequence whose prompt side runs, with its Prefill
    private Prefill prefill;
    private boolean decodedThisStep;     // prompt pieces after a decode step run slower (PromptDeadlines)
    private PromptWorkspace promptWorkspace;
    private DecoderWorkspace decodeWorkspace;
    private volatile long kvBytes;

    // counters
    private final AtomicLong ids = new AtomicLong();
    private volatile long submitted;
    private volatile long rejected;
    private volatile long completed;
    private volatile long failed;
    private volatile long cancelled;
    private volatile long steps;
    private volatile long decodeSteps;
    private volatile long postponedDecodes;
    private volatile long decodeRows;
    private volatile long decodeNanos;
    private volatile long prefillNanos;
    private volatile long maxChunkNanos;

    /**
     * Starts the scheduler's thread.
     *
     * @param name       names the model in messages ("model DIR was closed during the request")
     * @param maxContext positions per sequence: prompt (image tokens included) + generated
     */
    public Scheduler(PaliGemmaForConditionalGeneration model, SchedulerOptions options, int maxContext, String name) {
        this.model = model;
        this.options = options;
        this.name = name;
        this.maxContext = maxContext;
        long full = KvCache.bytes(model.config().textConfig(), maxContext);
        this.kvBudget = options.kvCacheBytes() > 0 ? options.kvCacheBytes() : Math.multiplyExact(full, options.maxRunning());
        var text = model.config().textConfig();
        long perToken = Prefill.decoderLayerCost(text, 1) * text.numHiddenLayers();
        this.chunkCost = Math.multiplyExact(perToken, (long) options.prefillChunkTokens());
        this.deadlines = new PromptDeadlines(options.promptDeadline(), chunkCost);
        this.features = new LruCache<>(options.featureCacheBytes(), CachedFeatures::byteSize);
        this.prefixes = new LruCache<>(options.prefixCacheBytes(), CachedPrefix::byteSize);
        this.thread = new Thread(this::run, "paligemma-scheduler-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    public SchedulerOptions options() {
        return options;
    }

    /** Bytes the running sequences' KV caches may take together. */
    public long kvCacheBudget() {
        return kvBudget;
    }

    /** Whether the calling thread is the scheduler's (a token listener runs there). */
    public boolean onSchedulerThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Queues a request; returns at once. Refused with {@link QueueFullException} when more requests would
     * wait than {@code maxQueued}, with {@link IllegalArgumentException} when it can never run (its prompt
     * and answer exceed the context, or its KV cache the whole budget), with {@link IllegalStateException}
     * once the scheduler is closed.
     */
    public RequestHandle submit(Request request) {
        int context = Sequence.contextFor(request.promptLength(), request.generation(), request.goal());
        if (request.promptLength() > maxContext || context > maxContext) {
            throw new IllegalArgumentException("prompt (" + request.promptLength() + " tokens) + "
                    + request.generation().maxNewTokens() + " new tokens exceed the context of " + maxContext + " tokens");
        }
        int rows = request.goal() == Sequence.Goal.TOKENS ? request.generation().rows() : 1;
        if (rows > options.maxRunning() || rows > model.maxDecodeRows()) {
            throw new IllegalArgumentException(rows + " beams take " + rows + " of the running sequences' slots; the scheduler "
                    + "runs at most " + Math.min(options.maxRunning(), model.maxDecodeRows()) + " (SchedulerOptions.maxRunning, "
                    + "--max-running; and " + model.maxDecodeRows() + " rows per decode step)");
        }
        long need = Math.multiplyExact(KvCache.bytes(model.config().textConfig(), context), (long) rows);
        if (need > kvBudget) {
            throw new IllegalArgumentException("the request needs " + mib(need) + " MiB of KV cache; the budget for all "
                    + "running sequences is " + mib(kvBudget) + " MiB (SchedulerOptions.kvCacheBytes, --kv-cache-mb)");
        }
        RequestHandle handle = new RequestHandle(ids.incrementAndGet(), this::wake);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            queue.removeIf(w -> w.handle.result().isDone());
            int mustWait = queue.size() + 1 - Math.max(0, options.maxRunning() - slotsInUse);
            if (mustWait > options.maxQueued()) {
                rejected++;
                throw new QueueFullException(queue.size());
            }
            queue.add(new Waiting(request, handle, need, rows, System.nanoTime()));
            submitted++;
            lock.notifyAll();
        }
        return handle;
    }

    /** The counters now. */
    public SchedulerStats stats() {
        int q;
        int r;
        synchronized (lock) {
            q = queue.size();
            r = slotsInUse;
        }
        return new SchedulerStats(q, r, kvBytes, submitted, rejected, completed, failed, cancelled, steps, decodeSteps,
                postponedDecodes, decodeRows, decodeNanos, prefillNanos, maxChunkNanos, features.hits(), features.misses(), prefixes.hits(), prefixes.misses());
    }

    /**
     * Refuses new requests, fails waiting and running ones (at their next step) with an
     * {@link IllegalStateException}, waits for the scheduler's thread to end and frees its memory. Refused
     * from the scheduler's own thread (a token listener), where it would wait for itself.
     */
    @Override
    public void close() {
        if (onSchedulerThread()) {
            throw new IllegalStateException("close() called from inside a request of " + name + " (e.g. from its onText "
                    + "callback) would wait for that request forever: close the model after the request returns, or from "
                    + "another thread");
        }
        synchronized (lock) {
            closed = true;
            closing = true;
            lock.notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    // ---- the scheduler's thread

    private void run() {
        Throwable death = null;
        try {
            while (admit()) {
                step();
            }
        } catch (Throwable t) {
            death = t;
        } finally {
            shutdown(death);
        }
    }

    /** Waits for work, then admits what fits; false once closed. */
    private boolean admit() throws InterruptedException {
        List<Waiting> admitted = new ArrayList<>();
        synchronized (lock) {
            while (!closed && queue.isEmpty() && running.isEmpty()) {
                lock.wait();
            }
            if (closed) {
                return false;
            }
            long bytes = kvBytes;
            for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                if (w.handle.result().isDone()) {
                    it.remove();
                    cancelled++;
                    continue;
                }
                if (slotsInUse + w.rows > options.maxRunning() || bytes + w.kvBytes > kvBudget) {
                    break;                                  // first come, first served: nobody overtakes the head
                }
                it.remove();
                slotsInUse += w.rows;
                bytes += w.kvBytes;
                admitted.add(w);
            }
        }
        for (Waiting w : admitted) {
            Request r = w.request;
            try {
                int[] ids = r.inputIds();
                Sequence seq = new Sequence(model, r.pixels(), ids, ids.length, r.generation(), r.goal(),
                        Sequence.samplerFor(ids, r.generation(), model.config().eosTokenId()), r.listener());
                running.add(new Running(w, seq, Prefill.promptCost(model, ids.length)));
                kvBytes += seq.cacheBytes();
            } catch (RuntimeException | OutOfMemoryError e) {
                release(w.rows);
                fail(w.handle, e);
            }
        }
        return true;
    }

    private void step() {
        steps++;
        dropCancelled();
        decodedThisStep = false;
        if (deadlines.postponeDecode(System.nanoTime(), pendingPrompts())) {
            postponedDecodes++;
        } else {
            decode();
        }
        complete();
        prompts();
        complete();
    }

    /** Requests cancelled since the last step leave now. */
    private void dropCancelled() {
        for (Iterator<Running> it = running.iterator(); it.hasNext(); ) {
            Running r = it.next();
            if (r.waiting.handle.result().isDone()) {
                it.remove();
                if (r == prefilling) {
                    prefilling = null;
                    prefill = null;
                }
                cancelled++;
                end(r);
            }
        }
    }

    /** One decode step for every decoding sequence, in forwards of at most the exact decode rows. */
    private void decode() {
        List<Sequence> decoding = new ArrayList<>();
        for (Running r : running) {
            if (r.seq.stage() == Sequence.Stage.DECODE) {
                decoding.add(r.seq);
            }
        }
        if (decoding.isEmpty()) {
            return;
        }
        DecoderWorkspace act = decodeWorkspace();
        int most = DecodeStep.maxRows(model, act);
        long t0 = System.nanoTime();
        int rows = 0;
        for (List<Sequence> group : DecodeStep.groups(decoding, most)) {
            for (Sequence s : group) {
                rows += s.rows();
            }
            try {
                DecodeStep.run(model, group, act);
            } catch (RuntimeException e) {
                group.forEach(s -> s.fail(e));           // a step that failed fails every sequence in it
            }
        }
        long took = System.nanoTime() - t0;
        decodedThisStep = true;
        deadlines.decodeStep(took);
        decodeNanos += took;
        decodeSteps++;
        decodeRows += rows;
    }

    /** The prompt side of the oldest unfinished prompts, piece by piece, within the step's budget. */
    private void prompts() {
        long spent = 0;
        long t0 = System.nanoTime();
        boolean delaying = anyDecoding();       // this step's prompt work holds up their next token
        try {
            while (!closing) {
                if (prefill == null && !startNextPrompt()) {
                    return;
                }
                if (prefill == null) {
                    continue;                               // the prefix cache answered it whole
                }
                long cost = prefill.nextCost();
                if (spent > 0 && spent + cost > chunkCost && anyDecoding()) {
                    return;                                 // the decoding sequences' next token comes first
                }
                Prefill.Piece piece = prefill.next();
                long p0 = System.nanoTime();
                try {
                    prefill.runNext();
                    deadlines.promptWork(cost, System.nanoTime() - p0, decodedThisStep);
                } catch (RuntimeException e) {
                    prefilling.seq.fail(e);
                    prefill = null;
                    prefilling = null;
                    continue;
                }
                spent += cost;
                if (piece == Prefill.Piece.PROJECTOR && !prefilling.featuresReused) {
                    keepFeatures(prefilling, prefill);
                } else if (piece == Prefill.Piece.HEAD) {
                    keepPrefix(prefilling, prefill);
                }
                if (prefill.done()) {
                    prefill = null;
                    prefilling = null;
                }
            }
        } finally {
            long took = System.nanoTime() - t0;
            prefillNanos += took;
            if (delaying && spent > 0) {
                maxChunkNanos = Math.max(maxChunkNanos, took);
            }
        }
    }

    /** The prompts not yet through, in the order {@link #prompts} runs them: the one under way, then the others. */
    private List<PromptDeadlines.Pending> pendingPrompts() {
        List<PromptDeadlines.Pending> pending = new ArrayList<>();
        if (prefill != null) {
            pending.add(new PromptDeadlines.Pending(prefilling.promptCost, prefill.remainingCost(), prefilling.waiting.submitted));
        }
        for (Running r : running) {
            if (r != prefilling && r.seq.stage() == Sequence.Stage.VISION) {
                pending.add(new PromptDeadlines.Pending(r.promptCost, r.promptCost, r.waiting.submitted));
            }
        }
        return pending;
    }

    private boolean anyDecoding() {
        for (Running r : running) {
            if (r.seq.stage() == Sequence.Stage.DECODE) {
                return true;
            }
        }
        return false;
    }

    /** Starts the oldest sequence whose prompt has not run; false when there is none. */
    private boolean startNextPrompt() {
        Running next = null;
        for (Running r : running) {
            if (r.seq.stage() == Sequence.Stage.VISION) {
                next = r;
                break;
            }
        }
        if (next == null) {
            return false;
        }
        Request req = next.waiting.request;
        Sequence seq = next.seq;
        if (seq.goal() == Sequence.Goal.TOKENS && options.prefixCacheBytes() > 0) {
            CachedPrefix hit = prefixes.get(next.prefixKey());
            if (hit != null) {
                next.prefixReused = true;
                try {
                    seq.reusePrefix(hit.kv, hit.logits);
                } catch (RuntimeException e) {
                    seq.fail(e);
                }
                return true;
            }
        }
        prefilling = next;
        prefill = new Prefill(model, seq, promptWorkspace(), Probe.NONE, 1);
        if (options.featureCacheBytes() > 0) {
            CachedFeatures hit = features.get(req.image());
            if (hit != null) {
                next.featuresReused = true;
                prefill.useFeatures(hit.features);
                if (prefill.done()) {                       // image features were the whole answer
                    prefill = null;
                    prefilling = null;
                }
            }
        }
        return true;
    }

    private void keepFeatures(Running r, Prefill p) {
        if (features.accepts(CachedFeatures.bytes(p.features()))) {
            features.put(r.waiting.request.image(), new CachedFeatures(p.features()));
        }
    }

    private void keepPrefix(Running r, Prefill p) {
        Sequence seq = r.seq;
        if (seq.goal() != Sequence.Goal.TOKENS || seq.failure() != null || r.prefixReused) {
            return;
        }
        if (prefixes.accepts(CachedPrefix.bytes(model, seq.promptLength()))) {
            prefixes.put(r.prefixKey(), new CachedPrefix(model, seq.cache(), seq.promptLength(), p.lastLogits()));
        }
    }

    /** Completes the requests whose sequences ended and frees their caches. */
    private void complete() {
        for (Iterator<Running> it = running.iterator(); it.hasNext(); ) {
            Running r = it.next();
            if (!r.seq.finished()) {
                continue;
            }
            it.remove();
            end(r);
            Sequence s = r.seq;
            if (s.failure() != null) {
                fail(r.waiting.handle, s.failure());
                continue;
            }
            long started = s.promptStartedNanos();
            long features = s.featuresReadyNanos();
            long first = s.firstTokenNanos();
            Outcome o = new Outcome(s.tokens(), s.finishReason(), s.output(), s.promptLength(),
                    started - r.waiting.submitted, features - started, Math.max(0, first - features),
                    Math.max(0, s.lastTokenNanos() - first), r.featuresReused, r.prefixReused, s.logprobs(), s.hypotheses());
            if (!r.waiting.handle.result().isDone()) {
                completed++;                                // counted first: whoever sees the result sees the count
                r.waiting.handle.result().complete(o);
            }
        }
    }

    /** A running request leaves: its cache is freed and its slot given back. */
    private void end(Running r) {
        kvBytes -= r.seq.cacheBytes();
        r.seq.close();
        release(r.waiting.rows);
    }

    private void release(int rows) {
        synchronized (lock) {
            slotsInUse -= rows;
        }
    }

    private void fail(RequestHandle handle, Throwable e) {
        if (!handle.result().isDone()) {
            failed++;
            handle.result().completeExceptionally(e);
        }
    }

    private void shutdown(Throwable death) {
        RuntimeException error = death == null
                ? new IllegalStateException(name + " was closed during the request")
                : new IllegalStateException("the scheduler of " + name + " stopped: " + death, death);
        List<Waiting> left;
        synchronized (lock) {
            closed = true;
            closing = true;
            left = new ArrayList<>(queue);
            queue.clear();
        }
        for (Waiting w : left) {
            fail(w.handle, new IllegalStateException(name + " was closed before the request started"));
        }
        for (Running r : running) {
            end(r);
            fail(r.waiting.handle, error);
        }
        running.clear();
        prefill = null;
        prefilling = null;
        features.close();
        prefixes.close();
        if (promptWorkspace != null) {
            promptWorkspace.close();
        }
        if (decodeWorkspace != null) {
            decodeWorkspace.close();
        }
    }

    private PromptWorkspace promptWorkspace() {
        if (promptWorkspace == null) {
            promptWorkspace = new PromptWorkspace(model, maxContext, maxContext, 1);
        }
        return promptWorkspace;
    }

    private DecoderWorkspace decodeWorkspace() {
        if (decodeWorkspace == null) {
            int rows = Math.min(options.maxRunning(), model.maxDecodeRows());
            decodeWorkspace = model.newDecoderWorkspace(rows, maxContext, rows);
        }
        return decodeWorkspace;
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** A request in the queue. */
    private record Waiting(Request request, RequestHandle handle, long kvBytes, int rows, long submitted) {
    }

    /** An admitted request: its sequence, and what the caches gave it. */
    private static final class Running {
        final Waiting waiting;
        final Sequence seq;
        final long promptCost;           // multiply-adds of its whole prompt side, run alone
        boolean featuresReused;
        boolean prefixReused;

        Running(Waiting waiting, Sequence seq, long promptCost) {
            this.waiting = waiting;
            this.seq = seq;
            this.promptCost = promptCost;
        }

        PrefixKey prefixKey() {
            return new PrefixKey(waiting.request.image(), waiting.request.inputIds());
        }
    }
}
