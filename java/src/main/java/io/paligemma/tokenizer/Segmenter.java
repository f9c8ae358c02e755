package io.paligemma.tokenizer;

import java.util.List;

/** The model part of a tokenizer: splits normalized text into pieces of its vocabulary (or unknown spans). */
interface Segmenter {

    List<Segment> segment(String normalized);
}
