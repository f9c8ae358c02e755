/**
 * Tokenizers for PaliGemma checkpoints, in pure Java.
 *
 * <ul>
 *   <li>{@link io.paligemma.tokenizer.SentencePieceTokenizer}: a sentencepiece {@code tokenizer.model}
 *       (ModelProto read by field number), encoding/decoding exactly as Google's sentencepiece 0.1.97:
 *       precompiled-charsmap normalization, BPE (score-ordered merges) and unigram (Viterbi) segmentation,
 *       user-defined symbols, byte fallback, unknown-run merging, denormalization.</li>
 *   <li>{@link io.paligemma.tokenizer.HuggingFaceTokenizer}: a {@code tokenizer.json} (BPE or Unigram model
 *       with the normalizers, pre-tokenizers and decoders sentencepiece-style vocabularies use), as the
 *       tokenizers library encodes.</li>
 *   <li>{@link io.paligemma.tokenizer.Tokenizers#forCheckpoint}: either of them for a checkpoint folder, plus
 *       the added tokens its config files declare ({@code <image>}, {@code <locNNNN>}, {@code <segNNN>}).</li>
 *   <li>{@link io.paligemma.tokenizer.StreamingDecoder}: decode ids one at a time during generation.</li>
 *   <li>{@link io.paligemma.tokenizer.TokenizerConformance}: checks against a {@code tokenizer_cases.json}.</li>
 * </ul>
 */
package io.paligemma.tokenizer;
