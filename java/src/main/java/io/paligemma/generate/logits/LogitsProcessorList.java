package io.paligemma.generate.logits;

import java.util.List;

/** HF {@code LogitsProcessorList}: processors applied one after the other, in list order. */
public final class LogitsProcessorList {
    private final List<LogitsProcessor> processors;

    public LogitsProcessorList(List<LogitsProcessor> processors) {
        this.processors = List.copyOf(processors);
    }

    public void process(int[] inputIds, int length, float[] scores) {
        for (LogitsProcessor p : processors) {
            p.process(inputIds, length, scores);                           // scores = processor(input_ids, scores)
        }
    }

    public List<LogitsProcessor> processors() {
        return processors;
    }

    /** The HF class names in order, e.g. [TemperatureLogitsWarper, TopKLogitsWarper]. */
    public List<String> names() {
        return processors.stream().map(LogitsProcessor::name).toList();
    }

    public boolean isEmpty() {
        return processors.isEmpty();
    }

    @Override
    public String toString() {
        return processors.toString();
    }
}
