import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load for bench/quorum-cluster.sh: N POST /chat requests from C threads, as user U with a bearer token.
 * Prints "accepted=<n> outbox=<n> refused=<n> answered_ms=<ms>". Usage: java ChatLoad.java URL TOKEN USER N C
 */
public class ChatLoad {
    public static void main(String[] args) throws Exception {
        String url = args[0], token = args[1], user = args[2];
        int n = Integer.parseInt(args[3]), threads = Integer.parseInt(args[4]);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicInteger next = new AtomicInteger(), accepted = new AtomicInteger(), outbox = new AtomicInteger(), refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/chat"))
                                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":\"" + user + "\",\"message\":\"bench " + i + "\"}"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            accepted.incrementAndGet();
                            if ("outbox".equals(response.headers().firstValue("Caravan-Accepted-Via").orElse(""))) {
                                outbox.incrementAndGet();
                            }
                        } else {
                            refused.incrementAndGet();
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.MINUTES);
        System.out.printf("accepted=%d outbox=%d refused=%d answered_ms=%d%n", accepted.get(), outbox.get(), refused.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
