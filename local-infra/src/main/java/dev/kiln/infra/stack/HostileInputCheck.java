package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.fail;

import dev.kiln.infra.images.PngClaims;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./kiln test}'s check that hostile input costs the inference service nothing, against the real process:
 * 32 concurrent predict requests each carrying a PNG of a few hundred bytes whose header claims 40000x40000
 * pixels, and 32 Open Inference Protocol requests declaring a billion images, all answered 400 without a Java
 * name in the answer, while the process's resident memory grows by less than 50 MB.
 */
public final class HostileInputCheck {

    private static final int CONCURRENT = 32;
    private static final int ROUNDS = 3;
    private static final long MAX_GROWTH_KB = 50 * 1024;

    private HostileInputCheck() {
    }

    /** args: INFERENCE_URL INFERENCE_PID MODEL (a model the service serves) */
    public static void main(String[] args) throws Exception {
        String inference = args[0];
        long pid = Long.parseLong(args[1]);
        String model = args[2];
        System.out.println("Hostile input against the inference service (model " + model + "):");
        HttpRequest bomb = StackHttp.request(inference + "/api/v1/models/" + model + "/predict")
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PngClaims.headerBomb())).build();
        HttpRequest huge = StackHttp.request(inference + "/v2/models/" + model + "/infer")
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\","
                        + " \"shape\": [1000000000, 1, 28, 28], \"data\": [0.0]}]}")).build();
        // One round first, so that thread pools and compiled code are in place before the measurement.
        refusedAll(bomb);
        refusedAll(huge);
        long before = PredictLoadCheck.residentKb(pid);
        for (int round = 0; round < ROUNDS; round++) {
            refusedAll(bomb);
            refusedAll(huge);
        }
        long after = PredictLoadCheck.residentKb(pid);
        long growth = after - before;
        System.out.printf("   %d rounds of %d concurrent header-bomb PNGs (%d bytes claiming 40000x40000) and %d OIP"
                + " requests declaring 10^9 images: all 400; resident memory %d -> %d MB (%+d MB)%n", ROUNDS,
                CONCURRENT, PngClaims.headerBomb().length, CONCURRENT, before / 1024, after / 1024, growth / 1024);
        if (growth > MAX_GROWTH_KB) {
            fail("the inference process grew by " + growth / 1024 + " MB under hostile input (limit "
                    + MAX_GROWTH_KB / 1024 + " MB)");
        }
    }

    /** Sends the request {@value #CONCURRENT} times at once; each must be a 400 that names no Java class. */
    private static void refusedAll(HttpRequest request) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(CONCURRENT);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                answers.add(senders.submit(() -> StackHttp.exchange(request)));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                if (response.statusCode() != 400 || response.body().contains("java.")) {
                    fail(request.uri() + " answered " + response.statusCode() + ": " + response.body());
                }
            }
        } finally {
            senders.shutdownNow();
        }
    }
}
