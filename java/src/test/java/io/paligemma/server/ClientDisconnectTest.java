package io.paligemma.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.scheduler.SchedulerOptions;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that leave, and clients that stay, over raw loopback sockets against the real server and the bundled
 * demo checkpoint. Each request waits in the scheduler's queue behind a {@link SchedulerStall}, so it is surely
 * still running when its client leaves and nothing depends on how fast the machine is: a client that closes,
 * resets or half-closes its connection must be noticed while the scheduler is still held (without any write
 * to it), its request dropped by the scheduler once released and counted as {@code cancelled}; clients that
 * wait, keep their connection alive or pipeline their next request must get every answer.
 */
class ClientDisconnectTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longer than two of the server's polls of a waiting client (one a second). */
    private static final long WAIT_MILLIS = 2_500;
    private static DemoServer demo;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        demo = new DemoServer(SchedulerOptions.defaults().withMaxRunning(1).withMaxQueued(1), DemoServer.config());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    @Test
    void aNonStreamedChatWhoseClientClosesIsCancelled() throws Exception {
        ObjectNode req = ChatCompletionsApiTest.chat("caption en", demo.imageDataUri, 200);
        assertCancelled("/v1/chat/completions", req, Socket::close);
    }

    @Test
    void aDetectWhoseClientResetsIsCancelled() throws Exception {
        ObjectNode req = JSON.createObjectNode().put("image", demo.imageDataUri).put("max_tokens", 100);
        req.putArray("objects").add("cat");
        assertCancelled("/v1/detect", req, s -> {
            s.setSoLinger(true, 0);                         // close with a reset instead of a FIN
            s.close();
        });
    }

    /**
     * A client that shuts down its sending side is taken as gone (without writing to it, nothing tells it from
     * one that closed): it reads a 499 and the end of the connection.
     */
    @Test
    void aSegmentWhoseClientHalfClosesIsCancelled() throws Exception {
        ObjectNode req = JSON.createObjectNode().put("image", demo.imageDataUri).put("object", "cat").put("max_tokens", 100);
        assertCancelled("/v1/segment", req, s -> {
            s.shutdownOutput();
            s.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            Reply r = read(in);
            assertEquals(499, r.status, r.body);
            assertEquals("client_closed", JSON.readTree(r.body).get("error").get("code").asText());
            assertEquals(-1, in.read(), "then the connection ends");
        });
    }

    private interface Leave {
        void leave(Socket s) throws IOException;
    }

    private static void assertCancelled(String path, ObjectNode req, Leave leave) throws Exception {
        long cancelledBefore = demo.model.stats().cancelled();
        double outcomeBefore = cancelledOutcomes(path);
        try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
            Socket s = new Socket("127.0.0.1", demo.server.port());
            try {
                write(s, post(path, req));
                held.awaitQueued(1);
                leave.leave(s);
            } finally {
                s.close();
            }
            // noticed while the scheduler is still held: the request did not run to its end, and nothing was
            // written to the client (a non-streamed request has nothing to write before its answer)
            awaitTrue(() -> demo.server.inFlight() == 0, "the server did not notice the client of " + path + " leaving");
            held.check();
        }
        // released: the scheduler drops the cancelled request instead of running it, and the slot is free
        awaitTrue(() -> demo.model.stats().cancelled() > cancelledBefore, "the scheduler cancelled the request");
        assertEquals(0, demo.model.stats().queued());
        assertEquals(0, demo.model.stats().running());
        awaitTrue(() -> cancelledOutcomes(path) == outcomeBefore + 1, "/metrics counts the request as cancelled");
        HttpResponse<String> next = http.send(HttpRequest.newBuilder(demo.url("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(ChatCompletionsApiTest.chat("caption en", demo.imageDataUri, 4)
                        .toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, next.statusCode(), next.body());
    }

    @Test
    void aKeepAliveClientThatWaitsGetsBothAnswers() throws Exception {
        long cancelledBefore = demo.model.stats().cancelled();
        try (Socket s = new Socket("127.0.0.1", demo.server.port())) {
            s.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
                write(s, post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption en", demo.imageDataUri, 8)));
                held.awaitQueued(1);
                Thread.sleep(WAIT_MILLIS);                 // the server polls the waiting client meanwhile
                assertEquals(1, demo.server.inFlight(), "a client that waits is not cancelled");
            }
            assertAnswer("caption en", 8, read(in));
            write(s, post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption es", demo.imageDataUri, 8)));
            assertAnswer("caption es", 8, read(in));
        }
        assertEquals(cancelledBefore, demo.model.stats().cancelled());
    }

    @Test
    void twoRequestsWrittenAtOnceGetBothAnswers() throws Exception {
        long cancelledBefore = demo.model.stats().cancelled();
        try (Socket s = new Socket("127.0.0.1", demo.server.port())) {
            s.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
                write(s, concat(post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption en", demo.imageDataUri, 8)),
                        post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption es", demo.imageDataUri, 8))));
                held.awaitQueued(1);
                Thread.sleep(WAIT_MILLIS);
            }
            assertAnswer("caption en", 8, read(in));
            assertAnswer("caption es", 8, read(in));
        }
        assertEquals(cancelledBefore, demo.model.stats().cancelled());
    }

    /**
     * The next request arrives while the first waits: its bytes sit unread in the socket, which the server's
     * poll sees as readable. That is not a client gone, and they must reach Jetty intact.
     */
    @Test
    void aPipelinedRequestArrivingWhileTheFirstWaitsGetsItsAnswer() throws Exception {
        long cancelledBefore = demo.model.stats().cancelled();
        try (Socket s = new Socket("127.0.0.1", demo.server.port())) {
            s.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            ObjectNode detect = JSON.createObjectNode().put("image", demo.imageDataUri).put("max_tokens", 8);
            detect.putArray("objects").add("cat");
            try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
                write(s, post("/v1/detect", detect));
                held.awaitQueued(1);
                write(s, post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption es", demo.imageDataUri, 8)));
                Thread.sleep(WAIT_MILLIS);
                assertEquals(1, demo.server.inFlight(), "the first request is still waiting, not cancelled");
            }
            Reply first = read(in);
            assertEquals(200, first.status, first.body);
            String answer = demo.model.generate(demo.picture, "detect cat", GenerationConfig.greedy(8)).text();
            assertEquals(answer, JSON.readTree(first.body).get("answer").asText());
            assertAnswer("caption es", 8, read(in));
        }
        assertEquals(cancelledBefore, demo.model.stats().cancelled());
    }

    @Test
    void aClientThatLeavesMidStreamCancelsItsRequest() throws Exception {
        long cancelledBefore = demo.model.stats().cancelled();
        try (SchedulerStall held = new SchedulerStall(demo.model, demo.picture)) {
            held.check();
            try (Socket s = new Socket("127.0.0.1", demo.server.port())) {
                write(s, post("/v1/chat/completions", ChatCompletionsApiTest.chat("caption en", demo.imageDataUri, 200)
                        .put("stream", true)));
                InputStream in = new BufferedInputStream(s.getInputStream());
                while (!line(in).startsWith("data: ")) {
                    // up to the first chunk (the role): then leave
                }
                held.awaitQueued(1);
            }
            // while the scheduler is still held, the server notices at its next write (a ping each second),
            // cancels the request and ends the exchange
            awaitTrue(() -> demo.server.inFlight() == 0, "the server did not notice the client leaving");
        }
        // released: the scheduler drops the cancelled request instead of running it
        awaitTrue(() -> demo.model.stats().cancelled() > cancelledBefore, "the scheduler cancelled the request");
        assertEquals(0, demo.model.stats().queued());
        assertEquals(0, demo.model.stats().running());
    }

    // ---- a raw HTTP/1.1 client: requests written as bytes, answers read by Content-Length

    private record Reply(int status, String body) {
    }

    private static byte[] post(String path, ObjectNode json) {
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        return concat(head, body);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void write(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static Reply read(InputStream in) throws IOException {
        String status = line(in);
        assertTrue(status.startsWith("HTTP/1.1 "), status);
        long length = -1;
        for (String h; !(h = line(in)).isEmpty(); ) {
            if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(h.substring(15).strip());
            }
        }
        assertTrue(length >= 0, "a Content-Length answer");
        byte[] body = in.readNBytes((int) length);
        assertEquals(length, body.length, "the whole body");
        return new Reply(Integer.parseInt(status.substring(9, 12)), new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            assertTrue(c >= 0, "the connection ended mid-answer");
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII).stripTrailing();
    }

    /** A 200 whose text is the library's greedy answer to the same prompt. */
    private static void assertAnswer(String prompt, int maxTokens, Reply r) throws IOException {
        assertEquals(200, r.status, r.body);
        String expected = demo.model.generate(demo.picture, prompt, GenerationConfig.greedy(maxTokens)).text();
        JsonNode choice = JSON.readTree(r.body).get("choices").get(0);
        assertEquals(expected, choice.get("message").get("content").asText());
    }

    private static double cancelledOutcomes(String endpoint) throws Exception {
        String prefix = "paligemma_requests_total{endpoint=\"" + endpoint + "\",outcome=\"cancelled\"} ";
        String text = http.send(HttpRequest.newBuilder(demo.url("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }
}
