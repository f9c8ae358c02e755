package io.paligemma.bench;

/** Where long steps report how far they are (a console bar in the CLI, nothing in tests). */
public interface Progress {
    Progress NONE = new Progress() {
        @Override
        public void begin(String task, long total) {
        }

        @Override
        public void step() {
        }

        @Override
        public void end() {
        }
    };

    /** A task of {@code total} steps starts. */
    void begin(String task, long total);

    /** One step of the current task is done. */
    void step();

    /** The current task is over (also after a failure). */
    void end();
}
