package io.paligemma.tokenizer;

/** One piece of a segmentation: its text (a span of the normalized input) and its id. */
record Segment(String piece, int id) {
}
