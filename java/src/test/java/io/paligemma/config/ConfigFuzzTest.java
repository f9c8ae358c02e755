package io.paligemma.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma.fuzz.Clear;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes config.json: it either describes a model whose sizes the engine can allocate from (every size
 * positive, image tokens countable in an int, the numbers a forward pass divides by or exponentiates
 * finite and in range), or reading it fails with a {@link ConfigException} whose one-line message names
 * the file. Seeds: {@code ConfigFuzzTestInputs/config}, the fixtures' and two published configs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigFuzzTest {

    private static final Path FILE = Clear.scratchDirectory("pg-fuzz-config-").resolve("config.json");

    @FuzzTest
    void config(byte[] input) {
        Clear.write(FILE, input);
        PaliGemmaConfig c;
        try {
            c = PaliGemmaConfig.read(FILE);
        } catch (ConfigException e) {
            Clear.message(e, FILE.toString());
            return;
        }
        SiglipVisionConfig v = c.visionConfig();
        GemmaConfig t = c.textConfig();
        check(c.numImageTokens() > 0 && v.headDim() > 0, "image tokens / vision head size: " + c);
        check(Double.isFinite(v.layerNormEps()) && v.layerNormEps() >= 0, "vision layer_norm_eps: " + c);
        check(Double.isFinite(t.rmsNormEps()) && t.rmsNormEps() >= 0, "rms_norm_eps: " + c);
        check(Double.isFinite(t.ropeTheta()) && t.ropeTheta() > 0, "rope_theta: " + c);
        check(t.groupSize() > 0 && c.imageTokenIndex() < t.vocabSize(), "groups / image token: " + c);
        if (t.isGemma2()) {
            GemmaConfig.Gemma2 g = t.gemma2();
            check(Double.isFinite(g.queryPreAttnScalar()) && g.queryPreAttnScalar() > 0, "query_pre_attn_scalar: " + c);
            check(Double.isNaN(g.attnLogitSoftcapping()) || softcap(g.attnLogitSoftcapping()), "attn softcap: " + c);
            check(Double.isNaN(g.finalLogitSoftcapping()) || softcap(g.finalLogitSoftcapping()), "final softcap: " + c);
        }
    }

    private static boolean softcap(double cap) {
        return cap > 0 && Double.isFinite(cap);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("config accepted with " + what);
        }
    }
}
