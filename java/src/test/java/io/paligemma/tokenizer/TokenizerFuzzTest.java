package io.paligemma.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma.fuzz.Clear;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the tokenizer files of a checkpoint: a SentencePiece {@code .model} (protobuf, pieces, trainer and
 * normalizer specs, the precompiled charsmap), a Hugging Face {@code tokenizer.json}, and
 * {@code tokenizer_config.json} beside a real model (added and special tokens). Whatever loads must then
 * encode a prompt-like text into ids inside its vocabulary and decode them, all at once and streamed; what
 * does not load fails with a {@link TokenizerException} whose one-line message names the file.
 * Seeds: {@code TokenizerFuzzTestInputs/<target>} ({@link io.paligemma.fuzz.SeedCorpus}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TokenizerFuzzTest {

    private static final Path DIR = Clear.scratchDirectory("pg-fuzz-tokenizer-");
    private static final Path JSON = DIR.resolve("json").resolve("tokenizer.json");
    private static final Path WITH_CONFIG = DIR.resolve("config");
    private static final String TEXT = "<image><bos>caption en\nA  cat, 12 345 wörter: 東京 🙂 a\u0301 <unk>\t\u0000end";

    static {
        try {
            Files.createDirectories(JSON.getParent());
            Files.createDirectories(WITH_CONFIG);
            Files.copy(Fixtures.tokenizerDir().resolve("gemma_like_bpe_bytefallback.model"),
                    WITH_CONFIG.resolve("tokenizer.model"), StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest
    void sentencePiece(byte[] input) {
        String name = "fuzz.model";
        try {
            use(SentencePieceTokenizer.fromBytes(input, name));
        } catch (TokenizerException e) {
            Clear.message(e, name);
        }
    }

    @FuzzTest
    void tokenizerJson(byte[] input) {
        Clear.write(JSON, input);
        try {
            use(HuggingFaceTokenizer.load(JSON));
        } catch (TokenizerException e) {
            Clear.message(e, JSON.toString());
        }
    }

    @FuzzTest
    void tokenizerConfig(byte[] input) {
        Clear.write(WITH_CONFIG.resolve("tokenizer_config.json"), input);
        try {
            use(Tokenizers.forCheckpoint(WITH_CONFIG));
        } catch (TokenizerException e) {
            Clear.message(e, WITH_CONFIG.toString());
        }
    }

    private static void use(Tokenizer t) {
        int[] ids = t.encode(TEXT);
        for (int id : ids) {
            if (id < 0 || id >= t.vocabSize()) {
                throw new AssertionError("id " + id + " outside the vocabulary of " + t.vocabSize());
            }
        }
        String all = t.decode(ids);
        StreamingDecoder stream = t.streamingDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(stream.next(id));
        }
        streamed.append(stream.flush());
        if (!streamed.toString().equals(all)) {
            throw new AssertionError("streamed decode '" + streamed + "' differs from decode '" + all + "'");
        }
    }
}
