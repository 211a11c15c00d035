import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fixed-rate load for bench/throughput.sh: POST /chat at RATE requests/s for SECONDS, as USER with a bearer token,
 * open loop (a request is sent when it is due, whether or not earlier ones have been answered; at most MAX_IN_FLIGHT
 * outstanding, beyond that a due request counts as "dropped"). Latency is measured from the time a request was DUE,
 * not sent, so a loader that falls behind does not hide the server's queueing (no coordinated omission).
 * Prints one line: "RESULT sent=… ok=… failed=… dropped=… unanswered=… achieved_rps=… p50_ms=… p99_ms=… max_ms=…"; the
 * percentiles are over every request that was due, one not answered with 200 counting as infinite ("inf").
 * Usage: java FixedRate.java URL TOKEN USER RATE SECONDS
 */
public class FixedRate {
    private static final int MAX_IN_FLIGHT = 4000;

    public static void main(String[] args) throws Exception {
        String url = args[0], token = args[1], user = args[2];
        int rate = Integer.parseInt(args[3]), seconds = Integer.parseInt(args[4]);
        int total = rate * seconds;
        ExecutorService callbacks = Executors.newFixedThreadPool(2);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder template = HttpRequest.newBuilder(URI.create(url + "/chat"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30));
        String body = "{\"user_id\":\"" + user + "\",\"message\":\"Hello there, how are you?\"}";
        long[] latencies = new long[total];
        AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger(), inFlight = new AtomicInteger(), recorded = new AtomicInteger();
        AtomicLong lastAnswer = new AtomicLong();
        int sent = 0, dropped = 0;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 200_000));
            }
            if (inFlight.get() >= MAX_IN_FLIGHT) {
                dropped++;
                continue;
            }
            inFlight.incrementAndGet();
            sent++;
            http.sendAsync(template.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, error) -> {
                        long now = System.nanoTime();
                        if (error == null && response.statusCode() == 200) {
                            ok.incrementAndGet();
                            latencies[recorded.getAndIncrement()] = now - due;
                            lastAnswer.accumulateAndGet(now, Math::max);
                        } else {
                            failed.incrementAndGet();
                        }
                        inFlight.decrementAndGet();
                    });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        int n = recorded.get(), due = sent + dropped;
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        long elapsed = Math.max(lastAnswer.get() - start, TimeUnit.SECONDS.toNanos(seconds));
        // percentiles over every request that was due: one not answered with 200 counts as slower than all others
        System.out.printf("RESULT sent=%d ok=%d failed=%d dropped=%d unanswered=%d achieved_rps=%.1f p50_ms=%s p99_ms=%s max_ms=%s%n",
                sent, ok.get(), failed.get(), dropped, inFlight.get(), ok.get() * 1e9 / elapsed,
                percentile(sorted, due, 50), percentile(sorted, due, 99), n < due ? "inf" : percentile(sorted, due, 100));
        System.exit(0);
    }

    private static String percentile(long[] sorted, int due, double p) {
        int index = (int) Math.ceil(p / 100 * due) - 1;
        return due == 0 || index >= sorted.length ? "inf" : String.format("%.2f", sorted[Math.max(0, index)] / 1e6);
    }
}
