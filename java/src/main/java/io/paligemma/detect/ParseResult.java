package io.paligemma.detect;

import java.util.List;

/** The well-formed objects of an answer, in order, and every problem found in it, in order. */
public record ParseResult(int imageWidth, int imageHeight, List<DetectedObject> objects, List<ParseProblem> problems) {

    public ParseResult {
        objects = List.copyOf(objects);
        problems = List.copyOf(problems);
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }
}
