package io.paligemma.server;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.cli.BundledDemo;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.scheduler.SchedulerOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** The bundled demo checkpoint loaded (one compute thread) and served on a free loopback port. */
final class DemoServer implements AutoCloseable {
    final BundledDemo demo;
    final PaliGemma model;
    final PaliGemmaServer server;
    final RgbImage picture;
    final String imageDataUri;

    DemoServer(SchedulerOptions scheduler, ServerConfig config) throws Exception {
        demo = new BundledDemo();
        int threads = Integer.getInteger("paligemma.threads", 1);
        model = PaliGemma.load(demo.checkpoint, Options.defaults().withThreads(threads).withScheduler(scheduler));
        server = new PaliGemmaServer(config, null).start();
        server.ready(model);
        picture = new ImageDecoder().read(demo.image);
        imageDataUri = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(demo.image));
    }

    static ServerConfig config() {
        return ServerConfig.defaults("paligemma-demo").withPort(0);
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    Path image() {
        return demo.image;
    }

    @Override
    public void close() {
        server.close();
        model.close();
        try {
            demo.close();
        } catch (IOException ignored) {
            // a temporary directory left behind is not a test failure
        }
    }
}
