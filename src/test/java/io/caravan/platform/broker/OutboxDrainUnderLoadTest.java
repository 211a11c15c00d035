package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.RealServices;
import io.caravan.support.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The outbox drains faster than a steady load fills it: {@code POST /chat} at about 250 messages per
 * second from ten users; part-way the broker is cut (TCP proxy) and every request goes to the outbox;
 * once it is back the relay must empty the outbox while the load goes on, so that the requests after
 * that reach the broker directly again. The relay interval is the default (1 s): a relay that moved one
 * batch per tick could never catch up with this load. Every message is stored once, in each user's order.
 */
@DirtiesContext
class OutboxDrainUnderLoadTest extends CaravanTest {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDrainUnderLoadTest.class);
    static final TcpProxy PROXY = TcpProxy.to(RealServices.rabbitHost(), RealServices.rabbitPort());
    static final String QUEUE = "chat_history.drain-test";

    static final int USERS = 10;
    static final int PER_USER = 300;
    /** Per user 25 a second: 250 a second in all. */
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(40);
    static final int CUT_AT = 600;
    static final int RESTORE_AT = 1600;

    @DynamicPropertySource
    static void brokerThroughTheProxy(DynamicPropertyRegistry registry) {
        registry.add("spring.rabbitmq.host", () -> "127.0.0.1");
        registry.add("spring.rabbitmq.port", PROXY::port);
        registry.add("spring.rabbitmq.connection-timeout", () -> "2s");
        registry.add("caravan.broker.queues.chat-history.name", () -> QUEUE);
        registry.add("caravan.broker.queues.chat-history.prefetch", () -> "100");
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    /** One answered request: its place in the whole run and where the message went. */
    record Sent(int order, String user, int n, String id, String via) { }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aBacklogBuiltWhileTheBrokerWasDownDrainsWhileTheLoadGoesOn() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        AtomicInteger order = new AtomicInteger();
        AtomicInteger cutAtOrder = new AtomicInteger(-1);
        AtomicInteger restoredAtOrder = new AtomicInteger(-1);
        List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
        ExecutorService users = Executors.newFixedThreadPool(USERS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            String user = "drain-" + run + "-" + u;
            done.add(users.submit(() -> {
                Http http = new Http(port);
                for (int n = 0; n < PER_USER; n++) {
                    LockSupport.parkNanos(start + n * INTERVAL_NANOS - System.nanoTime());
                    var response = http.postJson("/chat", Map.of("user_id", user, "message", "#" + n));
                    assertThat(response.status()).as(response.text()).isEqualTo(200);
                    int place = order.incrementAndGet();
                    sent.add(new Sent(place, user, n, response.json().get("interaction_id").asText(),
                            response.header("Caravan-Accepted-Via")));
                    if (place == CUT_AT && cutAtOrder.compareAndSet(-1, place)) {
                        PROXY.cut();
                    } else if (place == RESTORE_AT && restoredAtOrder.compareAndSet(-1, place)) {
                        PROXY.restore();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(200, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        users.shutdown();
        int total = USERS * PER_USER;
        LOG.info("Offered {} messages in {} s: {} msg/s", total, String.format("%.1f", seconds),
                String.format("%.0f", total / seconds));

        List<Sent> byOrder = sent.stream().sorted((a, b) -> Integer.compare(a.order(), b.order())).toList();
        long viaOutbox = byOrder.stream().filter(s -> DurablePublisher.VIA_OUTBOX.equals(s.via())).count();
        int lastViaOutbox = byOrder.stream().filter(s -> DurablePublisher.VIA_OUTBOX.equals(s.via()))
                .mapToInt(Sent::order).max().orElse(0);
        LOG.info("{} accepted into the outbox; the last one was request {} of {} (broker back after request {})",
                viaOutbox, lastViaOutbox, total, RESTORE_AT);
        assertThat(viaOutbox).as("requests while the broker was cut went to the outbox").isGreaterThanOrEqualTo(500);
        assertThat(total - lastViaOutbox)
                .as("the outbox drained while the load went on: the requests after that reached the broker directly")
                .isGreaterThanOrEqualTo(300);
        assertThat(byOrder.stream().filter(s -> s.order() > lastViaOutbox))
                .allMatch(s -> DurablePublisher.VIA_BROKER.equals(s.via()));

        List<String> ids = byOrder.stream().map(Sent::id).toList();
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ANY (?)", Integer.class,
                        (Object) ids.toArray(String[]::new))).isEqualTo(total));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox WHERE message_id = ANY (?)", Integer.class,
                (Object) ids.toArray(String[]::new))).isZero();
        for (int u = 0; u < USERS; u++) {
            String user = "drain-" + run + "-" + u;
            List<String> stored = jdbc.queryForList("SELECT user_input FROM chat_history WHERE user_id = ? ORDER BY stored_at",
                    String.class, user);
            List<String> expected = new ArrayList<>();
            for (int n = 0; n < PER_USER; n++) {
                expected.add("#" + n);
            }
            assertThat(stored).as("stored once each, in the order %s sent them", user).containsExactlyElementsOf(expected);
        }
    }
}
