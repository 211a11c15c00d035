package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.caravan.CaravanApplication;
import io.caravan.support.Http;
import io.caravan.support.RabbitCluster;
import io.caravan.support.RealServices;
import io.caravan.support.TestNeo4j;
import io.caravan.support.TestQdrant;
import io.caravan.support.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Caravan on a three-node RabbitMQ cluster with quorum queues (support/RabbitCluster: the machine's
 * rabbitmq-server on ports of its own, never its node on 5672). Two Caravan instances share chat_history
 * while a stream of confirmed AMQP publishes and POST /chat requests runs; the node that leads the queue
 * is killed with kill -9 in the middle of it, later another node is stopped for a while and rejoins. Every
 * accepted message is stored exactly once, within a bounded time after the stream, and none is dead-lettered.
 * The failover time (last confirm before the kill to the first after it) and the counts are logged at INFO
 * ({@code [quorum-cluster]} lines).
 *
 * <p>Part of {@code ./mvnw verify}; tagged {@code cluster} so that it can be run alone
 * ({@code ./mvnw test -Dgroups=cluster}). Every step is bounded by a hard timeout: start-up 5 minutes (three
 * nodes and two Caravans took 1.5-4.5 minutes on the shared two-core test machine under load), each test 3.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QuorumClusterTest {

    static final Logger LOG = LoggerFactory.getLogger(QuorumClusterTest.class);
    static final String QUEUE = "chat_history";
    static final String DLQ = QUEUE + ".dlq";
    /** Every accepted message is stored within this time after the stream ends (a refused one retried in time). */
    static final Duration STORED_WITHIN = Duration.ofSeconds(60);

    static RabbitCluster cluster;
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    static JdbcTemplate jdbc;

    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a class's @Timeout leaves lifecycle methods out
    static void aClusterAndTwoCaravans() throws Exception {
        long began = System.nanoTime();
        RealServices.requireReachable();
        cluster = RabbitCluster.start(Path.of("target", "rabbit-cluster").toAbsolutePath(), 3);
        long clusterUp = System.nanoTime();
        try {
            first = caravan("caravan-cluster-a");
            second = caravan("caravan-cluster-b");
        } catch (Exception | Error e) {
            stopEverything();
            throw e;
        }
        jdbc = first.getBean(JdbcTemplate.class);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(consumers(QUEUE)).isEqualTo(2));
        LOG.info("[quorum-cluster] cluster of {} up in {} s, two Caravans on it in {} s more", cluster.addresses(),
                seconds(clusterUp - began), seconds(System.nanoTime() - clusterUp));
    }

    @AfterAll
    static void stopEverything() {
        // Caravan first, while the broker still answers; then every process the cluster started, by pid
        try {
            for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] {second, first}) {
                if (context != null) {
                    context.close();
                }
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Order(1)
    void theLeaderOfTheWorkQueueIsKilledMidStreamAndEveryAcceptedMessageIsStoredOnce() throws Exception {
        long began = System.nanoTime();
        int leader = cluster.leaderOf(QUEUE, 1);
        String user = "cluster-kill-" + UUID.randomUUID();

        Stream stream = new Stream(user, 3000);
        stream.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> stream.confirmed.get() >= 1000);
        long killedAt = System.nanoTime();
        cluster.kill(leader);
        stream.awaitDone(Duration.ofSeconds(90));

        long lastBefore = stream.confirmTimes.stream().filter(t -> t < killedAt).mapToLong(Long::longValue).max().orElseThrow();
        long firstAfter = stream.confirmTimes.stream().filter(t -> t > killedAt).mapToLong(Long::longValue).min().orElseThrow();
        long httpLastBefore = stream.viaBrokerTimes.stream().filter(t -> t < killedAt).mapToLong(Long::longValue).max().orElse(killedAt);
        long httpFirstAfter = stream.viaBrokerTimes.stream().filter(t -> t > killedAt).mapToLong(Long::longValue).min().orElse(killedAt);
        int newLeader = cluster.leaderOf(QUEUE, leader == 1 ? 2 : 1);
        LOG.info("[quorum-cluster] killed {} (leader of {}) after {} confirms; new leader {}; failover "
                        + "(last confirm before the kill -> first after): AMQP publisher {} ms, Caravan's POST /chat {} ms; "
                        + "publisher reconnects {}; HTTP accepted {} (via outbox {}, refused {})",
                cluster.node(leader), QUEUE, stream.confirmedAtKill(killedAt), cluster.node(newLeader),
                TimeUnit.NANOSECONDS.toMillis(firstAfter - lastBefore), TimeUnit.NANOSECONDS.toMillis(httpFirstAfter - httpLastBefore),
                stream.reconnects.get(), stream.httpAccepted.size(), stream.viaOutbox.get(), stream.httpRefused.get());
        assertThat(newLeader).isNotEqualTo(leader);
        stream.assertEveryAcceptedMessageStoredOnce();
        LOG.info("[quorum-cluster] leader kill: accepted {}, lost 0, duplicated 0, dead-lettered 0 (stream and storage {} s)",
                stream.amqpMessages + stream.httpAccepted.size(), seconds(System.nanoTime() - began));

        cluster.startNode(leader); // back for the next test: it rejoins on its own data
        cluster.awaitAmqp(leader);
    }

    @Test
    @Order(2)
    void aNodeStoppedForAWhileRejoinsAndServesTheQuorumWhenAnotherDies() throws Exception {
        long began = System.nanoTime();
        int leader = cluster.leaderOf(QUEUE, 1);
        int stopped = leader == 3 ? 2 : 3;
        int killed = 6 - leader - stopped; // the third one
        String user = "cluster-rejoin-" + UUID.randomUUID();

        cluster.stop(stopped);
        Stream whileDown = new Stream(user, 500);
        whileDown.start();
        whileDown.awaitDone(Duration.ofSeconds(60));
        cluster.startNode(stopped);
        cluster.awaitAmqp(stopped);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(cluster.runningNodes(leader)).contains(cluster.node(stopped)));

        // the rejoined node now has to be part of every majority
        cluster.kill(killed);
        Stream afterRejoin = new Stream(user + "-after", 500);
        afterRejoin.start();
        afterRejoin.awaitDone(Duration.ofSeconds(60));

        LOG.info("[quorum-cluster] {} stopped for {} confirmed messages, rejoined; then {} killed: {} more confirmed",
                cluster.node(stopped), whileDown.confirmed.get(), cluster.node(killed), afterRejoin.confirmed.get());
        whileDown.assertEveryAcceptedMessageStoredOnce();
        afterRejoin.assertEveryAcceptedMessageStoredOnce();
        LOG.info("[quorum-cluster] stop, rejoin and second kill: accepted {}, lost 0, duplicated 0, dead-lettered 0 ({} s)",
                whileDown.amqpMessages + whileDown.httpAccepted.size() + afterRejoin.amqpMessages + afterRejoin.httpAccepted.size(),
                seconds(System.nanoTime() - began));
    }

    /**
     * A stream of {@code amqpMessages} confirmed AMQP publishes to chat_history (a seed client's way in;
     * re-published until confirmed, with the same id) and, meanwhile, POST /chat to both Caravans.
     */
    final class Stream {
        final String user;
        final int amqpMessages;
        final AtomicInteger confirmed = new AtomicInteger();
        final AtomicInteger reconnects = new AtomicInteger();
        final AtomicInteger viaOutbox = new AtomicInteger();
        final AtomicInteger httpRefused = new AtomicInteger();
        final ConcurrentLinkedQueue<Long> confirmTimes = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> httpAccepted = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> viaBrokerTimes = new ConcurrentLinkedQueue<>();
        final List<String> amqpIds = new ArrayList<>();
        final AtomicBoolean publishing = new AtomicBoolean(true);
        CompletableFuture<Void> amqp;
        CompletableFuture<Void> http;

        Stream(String user, int amqpMessages) {
            this.user = user;
            this.amqpMessages = amqpMessages;
            for (int i = 0; i < amqpMessages; i++) {
                amqpIds.add(user + "-amqp-" + i);
            }
        }

        void start() {
            amqp = CompletableFuture.runAsync(this::publishAll);
            amqp.whenComplete((v, e) -> publishing.set(false));
            // one client per Caravan instance
            http = CompletableFuture.allOf(CompletableFuture.runAsync(() -> postWhilePublishing(first)),
                    CompletableFuture.runAsync(() -> postWhilePublishing(second)));
        }

        void awaitDone(Duration within) throws Exception {
            CompletableFuture.allOf(amqp, http).get(within.toMillis(), TimeUnit.MILLISECONDS);
        }

        int confirmedAtKill(long killedAt) {
            return (int) confirmTimes.stream().filter(t -> t < killedAt).count() * BATCH;
        }

        /** Publishes per confirm round trip (a confirm from a quorum queue costs an fsync on two nodes). */
        static final int BATCH = 25;

        private void publishAll() {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setAutomaticRecoveryEnabled(false); // a dead node: this loop connects to another
            factory.setConnectionTimeout(5000);
            List<Address> addresses = List.of(Address.parseAddresses(cluster.addresses()));
            Connection connection = null;
            Channel channel = null;
            int next = 0;
            while (next < amqpMessages) {
                try {
                    if (channel == null) {
                        connection = factory.newConnection(addresses, "caravan-cluster-test-publisher");
                        channel = connection.createChannel();
                        channel.confirmSelect();
                    }
                    int end = Math.min(next + BATCH, amqpMessages);
                    for (int i = next; i < end; i++) {
                        String id = amqpIds.get(i);
                        channel.basicPublish("", QUEUE, new AMQP.BasicProperties.Builder().contentType("application/json")
                                .deliveryMode(2).messageId(id).build(), body(id, i));
                    }
                    channel.waitForConfirmsOrDie(30_000);
                    confirmTimes.add(System.nanoTime());
                    confirmed.addAndGet(end - next);
                    next = end;
                } catch (Exception e) {
                    // not confirmed: the same batch again (same ids) on a connection to a live node
                    reconnects.incrementAndGet();
                    closeQuietly(connection);
                    connection = null;
                    channel = null;
                }
            }
            closeQuietly(connection);
        }

        private void postWhilePublishing(ConfigurableApplicationContext caravan) {
            Http http = new Http(port(caravan));
            for (int i = 0; publishing.get() || i < 50; i++) {
                var response = http.postJson("/chat", Map.of("user_id", user, "message", "request " + i + " to " + port(caravan)));
                if (response.status() == 200) {
                    httpAccepted.add(response.json().get("interaction_id").asText());
                    if ("outbox".equals(response.header("Caravan-Accepted-Via"))) {
                        viaOutbox.incrementAndGet();
                    } else {
                        viaBrokerTimes.add(System.nanoTime());
                    }
                } else {
                    httpRefused.incrementAndGet();
                }
            }
        }

        private byte[] body(String id, int i) {
            try {
                return json.writeValueAsString(Map.of("id", id, "user_id", user, "user_input", "message " + i,
                        "bot_response", "stored once")).getBytes(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void assertEveryAcceptedMessageStoredOnce() throws Exception {
            assertThat(confirmed.get()).isEqualTo(amqpMessages);
            Set<String> accepted = new HashSet<>(amqpIds);
            accepted.addAll(httpAccepted);
            assertThat(accepted).hasSize(amqpMessages + httpAccepted.size());
            await().atMost(STORED_WITHIN).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                List<String> stored = jdbc.queryForList("SELECT id FROM chat_history WHERE user_id = ?", String.class, user);
                assertThat(stored).as("rows of " + user).hasSize(accepted.size());
                assertThat(new HashSet<>(stored)).isEqualTo(accepted);
            });
            // every message has its own text: the same one stored under two ids would be a duplicate too
            assertThat(jdbc.queryForObject("SELECT count(*) - count(DISTINCT user_input) FROM chat_history WHERE user_id = ?",
                    Long.class, user)).as("duplicated").isZero();
            assertThat(depth(DLQ)).as("dead letters").isZero();
        }
    }

    // ------------------------------------------------------------------ helpers

    static ConfigurableApplicationContext caravan(String name) {
        String[] args = {
                "--server.port=0",
                // a database of their own: the outbox is relayed by whichever instance holds its lock, and the test
                // contexts cached in this JVM are connected to another broker (the machine's), which must not relay
                // (or be handed) the cluster's messages
                "--spring.datasource.url=" + System.getenv().getOrDefault("TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/caravan_test") + "_cluster",
                "--caravan.dev.create-database=true",
                "--caravan.dev.stand-ins=false",
                "--camel.main.routes-reload-enabled=false",
                "--caravan.security.jwt.secret=" + Tokens.SECRET,
                "--caravan.security.dev-tokens=false",
                "--caravan.security.console.username=console-admin",
                "--caravan.security.console.password=console-password-for-tests",
                "--spring.neo4j.uri=" + TestNeo4j.boltUri(),
                "--camel.component.qdrant.host=" + TestQdrant.host(),
                "--camel.component.qdrant.port=" + TestQdrant.port(),
                // the cluster, all of Caravan's queues quorum queues, only chat-history's consumers running
                "--spring.rabbitmq.addresses=" + cluster.addresses(),
                "--spring.rabbitmq.virtual-host=/",
                "--caravan.broker.queue-type=quorum",
                "--caravan.workers=chat-history",
                "--caravan.broker.management.url=http://127.0.0.1:1",
                // a second application in this JVM: its own names for JMX
                "--camel.main.name=" + name,
                "--spring.jmx.unique-names=true",
                "--spring.application.admin.enabled=false"};
        return new SpringApplicationBuilder(CaravanApplication.class).run(args);
    }

    static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static ConnectionFactory probeFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    static long depth(String queue) throws Exception {
        try (Connection connection = probeFactory().newConnection(List.of(Address.parseAddresses(cluster.addresses())), "caravan-cluster-probe")) {
            return connection.createChannel().queueDeclarePassive(queue).getMessageCount();
        }
    }

    static int consumers(String queue) throws Exception {
        try (Connection connection = probeFactory().newConnection(List.of(Address.parseAddresses(cluster.addresses())), "caravan-cluster-probe")) {
            return connection.createChannel().queueDeclarePassive(queue).getConsumerCount();
        }
    }

    static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.abort(2000);
            } catch (RuntimeException e) {
                // already gone with its node
            }
        }
    }
}
