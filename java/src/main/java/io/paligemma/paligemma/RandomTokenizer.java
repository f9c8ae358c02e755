package io.paligemma.paligemma;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.tokenizer.SentencePieceModelWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenizer of a random checkpoint: a synthetic Gemma-like sentencepiece BPE model with exactly
 * {@code text_config.vocab_size} pieces, laid out like PaliGemma's tokenizer where code and prompts depend on it.
 *
 * <pre>
 * 0 &lt;pad&gt;, 1 &lt;eos&gt;, 2 &lt;bos&gt; (control), 3 &lt;unk&gt;
 * 4 &lt;mask&gt;, 5 &lt;2mass&gt;, 6 [@BOS@], 7–105 &lt;unused0&gt;–&lt;unused98&gt;, 106 &lt;start_of_turn&gt;, 107 &lt;end_of_turn&gt;
 * 108 "\n", 109–138 "\n"×2–31, 139–168 "▁"×2–31, 169–216 HTML tags, 217–472 &lt;0x00&gt;–&lt;0xFF&gt;
 * 473 …           ordinary pieces: characters, "▁"+word and word for common English words, then generated
 *                 syllable words; every prefix of a piece is a piece, so BPE reaches each word whole
 * locStart …      &lt;loc0000&gt;…, then &lt;seg000&gt;…, ending right below image_token_index
 * image_token_index  &lt;image&gt;
 * … vocab_size−1  &lt;unused99&gt;…
 * </pre>
 *
 * With PaliGemma's sizes (vocab 257216, image 257152) the loc tokens are 256000–257023 and the seg tokens
 * 257024–257151, as in the published tokenizer (Gemma's 256000 pieces, then 1024 loc and 128 seg tokens;
 * {@code <image>} = 257152). A vocabulary with less than 2 × 1152 ids between 473 and the image token gives half
 * of them to loc and seg tokens (8:1, the first ones of each kind) and half to ordinary pieces.
 * Ids 0–3, 106–108, the loc/seg ids and {@code <image>} are the published ones; the rest of 4–472 follows Gemma's
 * vocabulary as far as known (no code depends on it). Placeholders, HTML tags, loc, seg, {@code <image>} and
 * {@code <unusedN>} are user-defined pieces (cut out of the text whole); "\n" and the whitespace runs are normal.
 */
public final class RandomTokenizer {
    public static final int NEWLINE_ID = 108;
    public static final int FIRST_BYTE_ID = 217;
    /** Ids below this are Gemma's fixed pieces. */
    public static final int FIRST_ORDINARY_ID = 473;
    public static final int LOC_TOKENS = 1024;
    public static final int SEG_TOKENS = 128;
    /** Single characters: U+2581 (space) and printable ASCII; the fewest ordinary pieces a layout keeps. */
    private static final String CHARACTERS = "\u2581abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            + ".,!?;:'\"-()[]{}<>/\\|@#$%^&*_+=~`";
    private static final String[] HTML_TAGS = {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "strong", "em", "b", "i", "u", "s", "sub", "sup", "code"};
    /** PaliGemma's task words first (prompts of small vocabularies stay short), then frequent English words. */
    private static final String[] WORDS = ("""
            caption en describe answer question detect segment ocr de fr es ja zh
            a the of and to in is on with for at by from an as are this that it its be was were there here what
            which who where when how why not no yes or but if then than so do does did has have had can could will
            would should may might one two three four five six seven eight nine ten many some all any each other
            more most few several only also very just up down out over under left right top bottom front back side
            near next behind above below between inside outside into onto around through man woman person people
            child boy girl baby cat dog bird horse cow sheep elephant bear zebra giraffe animal car bus truck train
            bike bicycle motorcycle boat plane airplane street road sign light traffic building house room wall window
            door floor table chair bed couch sofa desk kitchen bathroom toilet sink food plate bowl cup glass bottle
            pizza cake sandwich fruit apple banana orange water sky cloud tree grass field flower plant mountain beach
            sea ocean river snow city park sitting standing walking running playing holding eating looking wearing
            riding lying flying parked shows image picture photo view background foreground color red blue green
            yellow white black brown gray grey pink purple large small big little long short tall old young new open
            closed full empty group pair number text word letter line box area object thing something
            center middle corner edge part game ball player team sport tennis baseball soccer frisbee skateboard
            surfboard kite umbrella bag phone computer laptop screen book clock vase scissors teddy hat shirt jacket
            dress shoes hand head face hair eyes day night time year way world life
            """).trim().split("\\s+");
    private static final String CONSONANTS = "bcdfghjklmnprstvwz";
    private static final String VOWELS = "aeiou";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RandomTokenizer() {
    }

    /** Where the loc and seg tokens go in a vocabulary of this size with this image token. */
    public record Layout(int vocabSize, int imageTokenIndex, int locStart, int locCount, int segStart, int segCount) {
    }

    /**
     * The layout for a config, or {@link IllegalArgumentException} when the image token leaves too little room
     * below it (it must be at least {@code 473 + 2 × 95}: Gemma's fixed pieces, then at least the single characters).
     */
    public static Layout layout(int vocabSize, int imageTokenIndex) {
        int minimum = FIRST_ORDINARY_ID + 2 * CHARACTERS.length();
        if (imageTokenIndex < minimum || imageTokenIndex >= vocabSize) {
            throw new IllegalArgumentException("image_token_index " + imageTokenIndex + " with vocab_size " + vocabSize
                    + " leaves no room for a Gemma-like vocabulary: ids 0-" + (FIRST_ORDINARY_ID - 1)
                    + " are Gemma's fixed pieces, so the image token must be in " + minimum + ".." + (vocabSize - 1));
        }
        int room = imageTokenIndex - FIRST_ORDINARY_ID;
        int special = Math.min(LOC_TOKENS + SEG_TOKENS, room / 2);
        int loc = special == LOC_TOKENS + SEG_TOKENS ? LOC_TOKENS : special * LOC_TOKENS / (LOC_TOKENS + SEG_TOKENS);
        int locStart = imageTokenIndex - special;
        return new Layout(vocabSize, imageTokenIndex, locStart, loc, locStart + loc, special - loc);
    }

    /** The tokenizer.model bytes for a layout. */
    public static byte[] modelProto(Layout layout) {
        SentencePieceModelWriter w = SentencePieceModelWriter.gemmaBpe(layout.vocabSize());
        w.addUserDefined("<mask>");
        w.addUserDefined("<2mass>");
        w.addUserDefined("[@BOS@]");
        int unused = 0;
        while (w.size() < 106) {
            w.addUserDefined("<unused" + unused++ + ">");
        }
        w.addUserDefined("<start_of_turn>");
        w.addUserDefined("<end_of_turn>");
        w.addNormal("\n", 0f);
        for (int n = 2; n <= 31; n++) {
            w.addNormal("\n".repeat(n), 0f);
        }
        for (int n = 2; n <= 31; n++) {
            w.addNormal("\u2581".repeat(n), 0f);
        }
        for (String tag : HTML_TAGS) {
            w.addUserDefined("<" + tag + ">");
            w.addUserDefined("</" + tag + ">");
        }
        w.addBytePieces();
        new OrdinaryPieces(w, layout.locStart()).fill();
        for (int i = 0; i < layout.locCount(); i++) {
            w.addUserDefined(String.format("<loc%04d>", i));
        }
        for (int i = 0; i < layout.segCount(); i++) {
            w.addUserDefined(String.format("<seg%03d>", i));
        }
        w.addUserDefined("<image>");
        while (w.size() < layout.vocabSize()) {
            w.addUserDefined("<unused" + unused++ + ">");
        }
        return w.toByteArray();
    }

    /**
     * Writes tokenizer.model, tokenizer_config.json and special_tokens_map.json (the special tokens and
     * {@code <image>} as an additional special token, as PaliGemma checkpoints declare them) into {@code dir}.
     */
    public static void write(PaliGemmaConfig config, Path dir) throws IOException {
        byte[] model = modelProto(layout(config.textConfig().vocabSize(), config.imageTokenIndex()));
        Files.write(dir.resolve("tokenizer.model"), model);
        ObjectNode special = JSON.createObjectNode();
        special.putArray("additional_special_tokens").add("<image>");
        special.put("bos_token", "<bos>").put("eos_token", "<eos>").put("pad_token", "<pad>").put("unk_token", "<unk>");
        Files.writeString(dir.resolve("special_tokens_map.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(special));
        ObjectNode cfg = special.deepCopy();
        cfg.put("tokenizer_class", "GemmaTokenizer").put("processor_class", "PaliGemmaProcessor")
                .put("clean_up_tokenization_spaces", false);
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
    }

    /** Ordinary pieces in order of falling score, each after all its prefixes, up to an end id. */
    private static final class OrdinaryPieces {
        private final SentencePieceModelWriter w;
        private final int end;
        private float score = 0f;

        OrdinaryPieces(SentencePieceModelWriter w, int end) {
            this.w = w;
            this.end = end;
        }

        void fill() {
            for (int i = 0; i < CHARACTERS.length() && !full(); i++) {
                add(CHARACTERS.substring(i, i + 1));
            }
            for (String word : WORDS) {
                addWord(word);
            }
            for (String word : WORDS) {
                addWord(Character.toUpperCase(word.charAt(0)) + word.substring(1));
            }
            // syllable words (consonant + vowel): all of one and two syllables, then three-syllable ones in a
            // scrambled order (a stride coprime to their count) so no starting letter crowds the rest out
            int syllables = CONSONANTS.length() * VOWELS.length();
            for (int i = 0; i < syllables; i++) {
                addWord(syllable(i));
            }
            for (int i = 0; i < syllables * syllables; i++) {
                addWord(syllable(i / syllables) + syllable(i % syllables));
            }
            long count = (long) syllables * syllables * syllables;
            for (long i = 0; i < count && !full(); i++) {
                int n = (int) (i * 7919 % count);
                addWord(syllable(n / (syllables * syllables)) + syllable(n / syllables % syllables) + syllable(n % syllables));
            }
            if (!full()) {
                throw new IllegalStateException("ran out of generated pieces at id " + w.size());
            }
        }

        private static String syllable(int i) {
            return "" + CONSONANTS.charAt(i / VOWELS.length()) + VOWELS.charAt(i % VOWELS.length());
        }

        /** The word after a space ("▁word"), then at the start of a text ("word"). */
        private void addWord(String word) {
            addWithPrefixes("\u2581" + word);
            addWithPrefixes(word);
        }

        private void addWithPrefixes(String piece) {
            for (int n = 1; n <= piece.length() && !full(); n++) {
                add(piece.substring(0, n));
            }
        }

        private void add(String piece) {
            if (!full() && !w.contains(piece)) {
                w.addNormal(piece, score);
                score -= 1f;
            }
        }

        private boolean full() {
            return w.size() >= end;
        }
    }
}
