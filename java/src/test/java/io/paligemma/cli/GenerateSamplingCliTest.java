package io.paligemma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** generate's --logprobs, --repetition-penalty and the beam-search flags. */
class GenerateSamplingCliTest {
    private static final String DEMO = "java/src/main/resources/demo";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void logprobsFollowTheTextAsOpenAiShapedJson() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", DEMO + "/checkpoint", "--image", DEMO + "/image.png", "--prompt",
                "caption en", "--max-tokens", "3", "--temperature", "0.8", "--top-k", "40", "--seed", "5", "--logprobs", "2",
                "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        JsonNode content = JSON.readTree(lines.get(lines.size() - 1)).path("logprobs").path("content");
        assertTrue(content.size() >= 1 && content.size() <= 3, r.out());
        for (JsonNode t : content) {
            assertTrue(t.path("token").isTextual() && t.path("token_id").isInt(), t.toString());
            assertTrue(t.path("logprob").asDouble() <= 0, t.toString());
            assertEquals(2, t.path("top_logprobs").size(), t.toString());
            assertTrue(t.path("top_logprobs").get(0).path("logprob").asDouble() >= t.path("top_logprobs").get(1).path("logprob").asDouble());
        }
    }

    @Test
    void batchLinesCarryOneLogprobPerToken() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", DEMO + "/checkpoint", "--image", DEMO + "/image.png", "--image",
                DEMO + "/image.png", "--prompt", "caption en", "--max-tokens", "4", "--repetition-penalty", "1.3",
                "--logprobs", "0", "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        for (String line : lines) {
            JsonNode j = JSON.readTree(line);
            JsonNode content = j.path("logprobs").path("content");
            assertEquals(j.path("tokens").size(), content.size(), line);
            for (int i = 0; i < content.size(); i++) {
                assertEquals(j.path("tokens").get(i).asInt(), content.get(i).path("token_id").asInt());
                assertEquals(0, content.get(i).path("top_logprobs").size());
            }
        }
    }

    @Test
    void beamsPrintTheBestTextThenEveryReturnedSequence() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", DEMO + "/checkpoint", "--image", DEMO + "/image.png", "--prompt",
                "caption en", "--max-tokens", "5", "--beams", "3", "--num-return", "2", "--length-penalty", "0.5",
                "--early-stopping", "never", "--no-repeat-ngram-size", "2", "--min-new-tokens", "2", "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        JsonNode sequences = JSON.readTree(lines.get(lines.size() - 1)).path("sequences");
        assertEquals(2, sequences.size(), r.out());
        assertEquals(sequences.get(0).path("text").asText(), lines.get(0));
        assertTrue(sequences.get(0).path("score").asDouble() >= sequences.get(1).path("score").asDouble(), r.out());
        for (JsonNode q : sequences) {
            assertTrue(q.path("tokens").size() >= 1 && q.path("tokens").size() <= 5, q.toString());
            assertTrue(q.path("score").asDouble() < 0, q.toString());
        }
        CliTest.Run batch = CliTest.run("generate", "--model", DEMO + "/checkpoint", "--image", DEMO + "/image.png", "--image",
                DEMO + "/image.png", "--prompt", "caption en", "--max-tokens", "3", "--beams", "2", "--threads", "1");
        assertEquals(0, batch.exit(), batch.err());
        for (String line : batch.out().strip().lines().toList()) {
            JsonNode j = JSON.readTree(line);
            assertEquals(1, j.path("sequences").size(), line);
            assertEquals(j.path("tokens"), j.path("sequences").get(0).path("tokens"), line);
        }
    }

    @Test
    void badBeamSettingsAreOneLineErrors() {
        String[][] cases = {
            {"number of beams", "--beams", "0"},
            {"returned sequences", "--beams", "2", "--num-return", "3"},
            {"early stopping", "--beams", "2", "--early-stopping", "maybe"},
            {"beam sample", "--beams", "2", "--temperature", "0.7"},
            {"stop strings", "--beams", "2", "--stop", "x"},
            {"log-probabilities", "--beams", "2", "--logprobs", "1"},
            {"n-gram", "--no-repeat-ngram-size", "-1"},
            {"min new tokens", "--min-new-tokens", "-1"},
            {"running sequences", "--beams", "4", "--max-running", "3"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", DEMO + "/checkpoint", "--image",
                    DEMO + "/image.png", "--prompt", "x", "--threads", "1"));
            args.addAll(List.of(c).subList(1, c.length));
            CliTest.Run r = CliTest.run(args.toArray(String[]::new));
            assertEquals(2, r.exit(), String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(c[0]), r.err());
        }
    }

    @Test
    void outOfRangeValuesAreOneLineErrors() {
        String[][] cases = {
            {"--logprobs", "--logprobs", "21"},
            {"--logprobs", "--logprobs", "-1"},
            {"repetition penalty", "--repetition-penalty", "0"},
            {"top-p", "--top-p", "1.5"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run("generate", "--model", DEMO + "/checkpoint", "--image", DEMO + "/image.png", "--prompt",
                    "x", "--temperature", "1", c[1], c[2]);
            assertEquals(2, r.exit(), String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(c[0]), r.err());
        }
    }
}
