package io.paligemma.cli;

import io.paligemma.paligemma.RandomCheckpoint;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.safetensors.SafetensorsWriter;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.Tensor;
import io.paligemma.tokenizer.SentencePieceTokenizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.paligemma.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Rebuilds the demo checkpoint bundled in java/src/main/resources/demo/: a tiny PaliGemma 2 (224 px, 256
 * image tokens) with random weights and the fixtures' Gemma-like SentencePiece tokenizer, so the demo
 * runs text in → text out. Run from the project root:
 * {@code java -cp target/classes:target/test-classes:... io.paligemma.cli.MakeDemoCheckpoint}.
 */
public final class MakeDemoCheckpoint {
    static final String CONFIG = """
            {
              "architectures": ["PaliGemmaForConditionalGeneration"],
              "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0,
              "image_token_index": 6,
              "model_type": "paligemma",
              "projection_dim": 96,
              "text_config": {
                "model_type": "gemma2", "hidden_size": 96, "intermediate_size": 256, "num_hidden_layers": 4,
                "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "query_pre_attn_scalar": 32,
                "sliding_window": 128, "vocab_size": 2000, "hidden_activation": "gelu_pytorch_tanh"
              },
              "vision_config": {
                "model_type": "siglip_vision_model", "hidden_size": 96, "intermediate_size": 256, "num_hidden_layers": 3,
                "num_attention_heads": 4, "image_size": 224, "patch_size": 14, "vision_use_head": false
              }
            }
            """;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "java/src/main/resources/demo/checkpoint");
        Path fixtures = Path.of(args.length > 1 ? args[1] : "java/src/test/resources/fixtures");
        Path raw = Files.createTempDirectory("demo-raw");
        RandomCheckpoint.writeWithoutTokenizer(CONFIG, DType.BF16, raw, 2024, b -> { });
        Path tokenizer = fixtures.resolve("tokenizer/gemma_like_bpe_bytefallback.model");
        SentencePieceTokenizer spm = SentencePieceTokenizer.load(tokenizer);
        Files.createDirectories(out);
        for (String f : new String[] {"config.json", "generation_config.json", "preprocessor_config.json"}) {
            Files.copy(raw.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        // Cosmetics for the demo only: with random weights the tied head picks byte-fallback pieces as often as
        // words, which decode to U+FFFD. Shrinking the embedding rows of every non-NORMAL piece makes their
        // logits small, so the (still meaningless) answer is readable words.
        try (SafetensorsFile in = SafetensorsFile.open(raw.resolve("model.safetensors"));
             Arena arena = Arena.ofConfined()) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String name : in.names()) {
                Tensor t = in.tensor(name);
                specs.add(new TensorSpec(name, t.dtype(), t.shape()));
            }
            try (SafetensorsWriter w = new SafetensorsWriter(out.resolve("model.safetensors"), Map.of("format", "pt"), specs)) {
                for (String name : in.names()) {
                    Tensor t = in.tensor(name);
                    MemorySegment data = arena.allocate(t.data().byteSize()).copyFrom(t.data());
                    if (name.endsWith("embed_tokens.weight")) {
                        int h = (int) t.dim(1);
                        for (int id = 0; id < t.dim(0); id++) {
                            if (id < spm.vocabSize() && !spm.pieceType(id).equals("NORMAL")) {
                                for (int j = 0; j < h; j++) {
                                    long at = (long) id * h + j;
                                    float v = Float.intBitsToFloat((data.getAtIndex(ValueLayout.JAVA_SHORT, at) & 0xffff) << 16);
                                    data.setAtIndex(ValueLayout.JAVA_SHORT, at,
                                            (short) (Float.floatToRawIntBits(v * 0.125f) >>> 16));
                                }
                            }
                        }
                    }
                    w.write(name, data);
                }
            }
        }
        Files.copy(tokenizer, out.resolve("tokenizer.model"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fixtures.resolve("paligemma-tiny/image.png"), out.resolveSibling("image.png"),
                StandardCopyOption.REPLACE_EXISTING);
    }
}
