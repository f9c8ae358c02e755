package io.paligemma.generate;

import io.paligemma.config.GemmaConfig;
import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.gemma.KvSegment;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.tensor.FloatMatrix;

/**
 * The prompt side of one sequence, in pieces ({@link Piece}) small enough to run between decode steps of
 * other sequences: the vision tower's embeddings, each of its encoder layers (the last with
 * post_layernorm), the projector (the image features), then the language model's inputs, each decoder
 * layer over the whole prompt, and the final norm + head, whose logits choose the first token. Splitting by layer, not by token, keeps every number
 * exactly what one forward gives: PaliGemma's prefix is bidirectional, so no prompt token's layer-k output
 * exists before every prompt token has passed layer k - 1.
 *
 * <p>Holds its {@link PromptWorkspace} from the first piece to the last: the residual streams of the picture
 * and the prompt stay there in between. Used by one thread at a time.
 */
public final class Prefill {

    /** The kinds of piece, in the order they run. */
    public enum Piece {
        /** pixel_values → patch and position embeddings. */
        EMBEDDINGS,
        /** One SigLIP encoder layer; the last one also applies post_layernorm. */
        ENCODER_LAYER,
        /** The projector and the / sqrt(H) scaling: the image features. */
        PROJECTOR,
        /** inputs_embeds (image rows replaced), scaled, with the RoPE tables and the mask. */
        INPUTS,
        /** One decoder layer over every prompt token. */
        DECODER_LAYER,
        /** Final norm and LM head; the first token is chosen. */
        HEAD
    }

    private final PaliGemmaForConditionalGeneration model;
    private final Sequence seq;
    private final PromptWorkspace ws;
    private final Probe probe;
    private final int logitRows;
    private final int visionPieces;   // embeddings, encoder layers, projector
    private final int textPieces;     // inputs, decoder layers, norm + head
    private int next;                 // the next piece: vision pieces first, then text pieces
    private KvSegment[] prompt;       // the prompt as one segment, from the inputs piece to the last

    /**
     * @param logitRows logits wanted for the prompt's last rows (1 to generate; all of them to check a prefill)
     */
    public Prefill(PaliGemmaForConditionalGeneration model, Sequence seq, PromptWorkspace ws, Probe probe, int logitRows) {
        if (seq.stage() != Sequence.Stage.VISION) {
            throw new IllegalStateException("a prefill starts with a new sequence, not one in stage " + seq.stage());
        }
        if (seq.promptLength() > ws.maxPrompt()) {
            throw new IllegalArgumentException("the prompt has " + seq.promptLength() + " tokens; this workspace takes at most "
                    + ws.maxPrompt());
        }
        if (logitRows < 1 || logitRows > seq.promptLength() || logitRows > ws.decoder.logitRows()) {
            throw new IllegalArgumentException(logitRows + " logit rows for a prompt of " + seq.promptLength()
                    + " tokens and a workspace of " + ws.decoder.logitRows());
        }
        this.model = model;
        this.seq = seq;
        this.ws = ws;
        this.probe = probe;
        this.logitRows = logitRows;
        this.visionPieces = visionPieces(model);
        this.textPieces = textPieces(model);
    }

    public Sequence sequence() {
        return seq;
    }

    /** Whether the prompt side is over: the first token is chosen (or the goal reached, or the sequence ended). */
    public boolean done() {
        return seq.finished() || next == visionPieces + textPieces;
    }

    /** Starts from image features computed before for the same picture: the vision pieces are skipped. */
    public void useFeatures(FloatMatrix cached) {
        if (next != 0) {
            throw new IllegalStateException("cached features can only replace the vision tower before it runs");
        }
        seq.promptStarted();
        ws.features.copyFrom(cached);
        next = visionPieces;
        seq.featuresReady(ws.features);
    }

    /** The picture's image features [N, H], once the vision pieces have run (or were replaced). */
    public FloatMatrix features() {
        if (next < visionPieces) {
            throw new IllegalStateException("the image features are not computed yet");
        }
        return ws.features;
    }

    /** The logits [1, V] the first token was chosen from, once the last piece has run. */
    public FloatMatrix lastLogits() {
        if (next < visionPieces + textPieces) {
            throw new IllegalStateException("the prefill has not finished");
        }
        return ws.decoder.logits().row(logitRows - 1);
    }

    /** The kind of the next piece (null when done). */
    public Piece next() {
        return done() ? null : kindOf(next, visionPieces, textPieces);
    }

    /** The kind of piece number {@code p} of a prefill with these many vision and text pieces. */
    private static Piece kindOf(int p, int visionPieces, int textPieces) {
        if (p == 0) {
            return Piece.EMBEDDINGS;
        } else if (p < visionPieces - 1) {
            return Piece.ENCODER_LAYER;
        } else if (p == visionPieces - 1) {
            return Piece.PROJECTOR;
        } else if (p == visionPieces) {
            return Piece.INPUTS;
        } else if (p < visionPieces + textPieces - 1) {
            return Piece.DECODER_LAYER;
        }
        return Piece.HEAD;
    }

    /** Runs every remaining piece. */
    public void runToEnd() {
        while (!done()) {
            runNext();
        }
    }

    /** Runs the next piece. */
    public void runNext() {
        Piece kind = next();
        if (kind == null) {
            throw new IllegalStateException("the prefill is over");
        }
        seq.promptStarted();
        var tower = model.visionTower();
        var lm = model.languageModel();
        int p = next++;
        switch (kind) {
            case EMBEDDINGS -> {
                ws.vision.pixels().reshape(1, seq.pixels().length).copyFrom(seq.pixels()); // pixel_values [1, 3, S, S]
                tower.embeddings(ws.vision, 1, probe);                                // self.embeddings(pixel_values)
            }
            case ENCODER_LAYER -> tower.encoderLayers(ws.vision, 1, p - 1, p, probe);  // encoder_layer(hidden_states)
            case PROJECTOR -> {
                model.projectImageFeatures(ws.vision, 1, ws.features, probe);         // get_image_features
                seq.featuresReady(ws.features);
            }
            case INPUTS -> {
                int l = seq.promptLength();
                model.embed(seq.inputIds(), 0, l, ws.features, 0, ws.decoder);       // inputs_embeds with the image rows
                probe.record("lm_inputs_embeds", ws.decoder.inputs().data(), l, model.config().textConfig().hiddenSize());
                prompt = new KvSegment[] {KvSegment.next(seq.cache(), l, seq.prefixLength())};
                lm.prepare(ws.decoder, prompt, probe);
            }
            case DECODER_LAYER -> {
                int layer = p - visionPieces - 1;
                lm.layers(ws.decoder, prompt, layer, layer + 1, probe);
            }
            case HEAD -> {
                lm.finish(ws.decoder, prompt, logitRows, probe);
                if (seq.goal() == Sequence.Goal.HIDDEN_STATES) {
                    seq.hiddenStates(ws.decoder.lastHiddenStates().rows(0, seq.promptLength()));
                } else {
                    seq.accept(lastLogits());                                         // the first token
                }
            }
        }
        if (p == visionPieces - 2) {
            tower.postLayernorm(ws.vision, 1, probe);                                 // last_hidden_state = self.post_layernorm(...)
        }
    }

    /** Multiply-adds of the next piece (0 when done): how a scheduler fits pieces into a step's budget. */
    public long nextCost() {
        Piece kind = next();
        return kind == null ? 0 : cost(model, kind, seq.promptLength(), logitRows);
    }

    /** Multiply-adds of every piece not yet run (0 when done): how a scheduler plans the time a prompt needs. */
    public long remainingCost() {
        return done() ? 0 : costFrom(model, next, seq.promptLength(), logitRows);
    }

    /** Multiply-adds of a whole prompt side (vision tower included) of {@code promptLength} tokens, one logit row. */
    public static long promptCost(PaliGemmaForConditionalGeneration model, int promptLength) {
        return costFrom(model, 0, promptLength, 1);
    }

    /** Multiply-adds of pieces {@code from} to the last of a prefill of {@code promptLength} tokens. */
    private static long costFrom(PaliGemmaForConditionalGeneration model, int from, long promptLength, int logitRows) {
        int vision = visionPieces(model);
        int text = textPieces(model);
        long sum = 0;
        for (int p = from; p < vision + text; p++) {
            sum += cost(model, kindOf(p, vision, text), promptLength, logitRows);
        }
        return sum;
    }

    /** Embeddings, one piece per encoder layer, projector. */
    private static int visionPieces(PaliGemmaForConditionalGeneration model) {
        return model.visionTower().numLayers() + 2;
    }

    /** Inputs, one piece per decoder layer, norm + head. */
    private static int textPieces(PaliGemmaForConditionalGeneration model) {
        return model.languageModel().numLayers() + 2;
    }

    private static long cost(PaliGemmaForConditionalGeneration model, Piece kind, long l, int logitRows) {
        SiglipVisionConfig v = model.config().visionConfig();
        GemmaConfig t = model.config().textConfig();
        long n = v.numPatches();
        long d = v.hiddenSize();
        return switch (kind) {
            case EMBEDDINGS -> n * v.numChannels() * v.patchSize() * v.patchSize() * d;
            case ENCODER_LAYER -> visionLayerCost(v);
            case PROJECTOR -> n * d * model.config().projectionDim();
            case INPUTS -> l * t.hiddenSize();
            case DECODER_LAYER -> decoderLayerCost(t, l);
            case HEAD -> (long) logitRows * t.vocabSize() * t.hiddenSize();
        };
    }

    /** Multiply-adds of one SigLIP encoder layer over one picture: projections, MLP, attention products. */
    static long visionLayerCost(SiglipVisionConfig v) {
        long n = v.numPatches();
        long d = v.hiddenSize();
        return n * (4 * d * d + 2 * d * v.intermediateSize()) + 2 * n * n * d;
    }

    /** Multiply-adds of one decoder layer over {@code rows} tokens that attend to as many keys. */
    public static long decoderLayerCost(GemmaConfig t, long rows) {
        long h = t.hiddenSize();
        long qd = (long) t.numAttentionHeads() * t.headDim();
        long kvd = (long) t.numKeyValueHeads() * t.headDim();
        return rows * (2 * h * qd + 2 * h * kvd + 3 * h * t.intermediateSize()) + 2 * rows * rows * qd;
    }
}
