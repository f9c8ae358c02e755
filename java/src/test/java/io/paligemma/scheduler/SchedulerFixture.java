package io.paligemma.scheduler;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.paligemma.PaliGemmaProcessor;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A fixture checkpoint loaded for scheduler tests: its two pictures, its prompt, and prompts of other
 * lengths made of ordinary ids in the processor's layout.
 */
final class SchedulerFixture implements AutoCloseable {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    final OpsProvider provider;
    final PaliGemmaForConditionalGeneration model;
    final float[][] pictures;   // pixel_values of image.png and image2.png
    final int[] prompt;         // the case's input_ids
    final String name;

    SchedulerFixture(String name, Backend backend) {
        this.name = name;
        Path dir = FIXTURES.resolve(name);
        provider = OpsProvider.open(backend, 1);
        try {
            model = PaliGemmaForConditionalGeneration.load(dir.resolve("checkpoint"), provider.ops());
            var processor = new PaliGemmaProcessor(model.config(), PaliGemmaProcessor.imageProcessor(dir.resolve("checkpoint")), null);
            ImageDecoder decoder = new ImageDecoder();
            RgbImage a = decoder.read(dir.resolve("image.png"));
            RgbImage b = decoder.read(dir.resolve("image2.png"));
            pictures = new float[][] {processor.pixelValues(a), processor.pixelValues(b)};
            try (SafetensorsFile e = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
                prompt = Arrays.stream(e.tensor("input_ids").data().toArray(ValueLayout.JAVA_LONG)).mapToInt(Math::toIntExact)
                        .toArray();
            }
        } catch (IOException e) {
            provider.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            provider.close();
            throw e;
        }
    }

    /** A prompt of {@code textTokens} ordinary ids after the image tokens and bos, ending in "\n" (108). */
    int[] prompt(int textTokens, long seed) {
        var c = model.config();
        int n = c.numImageTokens();
        int[] ids = new int[n + 1 + textTokens];
        Arrays.fill(ids, 0, n, c.imageTokenIndex());
        ids[n] = c.bosTokenId();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < textTokens; i++) {
            ids[n + 1 + i] = i == textTokens - 1 ? 108 : 3 + rnd.nextInt(Math.min(c.imageTokenIndex(), 1000) - 3);
        }
        return ids;
    }

    Request request(int picture, int[] ids, GenerationConfig generation, TokenListener listener) {
        return new Request(pictures[picture], ImageKey.of(name, pictures[picture]), ids, generation, Sequence.Goal.TOKENS, listener);
    }

    Scheduler scheduler(SchedulerOptions options, int maxContext) {
        return new Scheduler(model, options, maxContext, "fixture " + name);
    }

    @Override
    public void close() {
        model.close();
        provider.close();
    }
}
