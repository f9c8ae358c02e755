package io.paligemma.cli;

import io.paligemma.paligemma.RandomCheckpoint;
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
        RandomCheckpoint.write(CONFIG, DType.BF16, out, 2024, b -> { });
        Files.copy(fixtures.resolve("tokenizer/gemma_like_bpe_bytefallback.model"), out.resolve("tokenizer.model"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fixtures.resolve("paligemma-tiny/image.png"), out.resolveSibling("image.png"),
                StandardCopyOption.REPLACE_EXISTING);
    }
}
