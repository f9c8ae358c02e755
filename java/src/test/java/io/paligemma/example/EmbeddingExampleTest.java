package io.paligemma.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's library example, verbatim, in a package of its own: it compiles against the public API
 * only and runs on the checkpoint bundled for the demo.
 */
class EmbeddingExampleTest {
    static final Path DEMO = Path.of("java/src/main/resources/demo");

    @Test
    void readmeExampleRuns() throws Exception {
        Path checkpoint = DEMO.resolve("checkpoint");
        Path photo = DEMO.resolve("image.png");
        StringBuilder streamed = new StringBuilder();

        // --- README example begins
        try (PaliGemma model = PaliGemma.load(checkpoint, Options.defaults().withThreads(1))) {
            RgbImage image = new ImageDecoder().read(photo);
            Result r = model.generate(image, "caption en", GenerationConfig.greedy(16), streamed::append);
            System.out.println(r.text() + "  [" + r.finishReason() + ", " + r.timings() + "]");
            // --- README example ends

            assertTrue(r.tokenIds().length >= 1 && r.tokenIds().length <= 16);
            assertEquals(r.text(), streamed.toString(), "streamed pieces add up to the answer");
            assertEquals(model.tokenizer().decode(r.tokenIds()), r.text());
            assertTrue(r.timings().visionNanos() > 0 && r.timings().prefillNanos() > 0);
        }
    }
}
