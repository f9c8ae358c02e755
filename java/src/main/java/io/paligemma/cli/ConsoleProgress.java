package io.paligemma.cli;

import io.paligemma.bench.Progress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress of long steps as an ASCII bar on stderr (stdout stays for results). */
final class ConsoleProgress implements Progress {
    private ProgressBar bar;

    @Override
    public void begin(String task, long total) {
        end();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    @Override
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    @Override
    public void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
