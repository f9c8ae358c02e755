package io.paligemma.api;

import io.paligemma.tokenizer.StreamingDecoder;
import java.util.List;
import java.util.function.Consumer;

/**
 * Generated ids → text for a listener, with stop strings: text is passed on only once no stop string
 * can still begin inside it, so a listener never sees text that a later stop string would cut.
 */
final class TextStream {
    private final StreamingDecoder decoder;
    private final List<String> stops;
    private final Consumer<String> listener; // may be null
    private final int holdBack;              // longest stop string - 1
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    TextStream(StreamingDecoder decoder, List<String> stops, Consumer<String> listener) {
        this.decoder = decoder;
        this.stops = stops;
        this.listener = listener;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** @return false when a stop string appeared (the text is cut before it) */
    boolean accept(int id) {
        text.append(decoder.next(id));
        int cut = firstStop();
        if (cut >= 0) {
            text.setLength(cut);
            emit(cut);
            stopped = true;
            return false;
        }
        emit(Math.max(emitted, text.length() - holdBack));
        return true;
    }

    /** The whole answer; flushes what the decoder and the hold-back kept. */
    String finish() {
        if (!stopped) {
            text.append(decoder.flush());
            int cut = firstStop();
            if (cut >= 0) {
                text.setLength(cut);
                stopped = true;
            }
        }
        emit(text.length());
        return text.toString();
    }

    boolean stopped() {
        return stopped;
    }

    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int i = text.indexOf(s, Math.max(0, emitted - s.length()));
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    private void emit(int upTo) {
        // never split a surrogate pair between two callbacks
        if (upTo > emitted && upTo < text.length() && Character.isHighSurrogate(text.charAt(upTo - 1))) {
            upTo--;
        }
        if (upTo > emitted) {
            if (listener != null) {
                listener.accept(text.substring(emitted, upTo));
            }
            emitted = upTo;
        }
    }
}
