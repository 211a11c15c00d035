package io.caravan.platform.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The broker topology Caravan owns, as data ({@code caravan.broker.*}).
 *
 * @param confirmTimeout   how long a publish waits for the broker's confirm before it counts as failed
 * @param immediateRetries in-process retries of a transient failure before the retry ladder takes over
 * @param queueType        the type of every queue whose {@code type} is not set: {@code classic} (one node holds it)
 *                         or {@code quorum} (replicated over a cluster; docs/rabbitmq-cluster.md)
 * @param deliveryLimit    quorum queues only: a message handed out this many times without being settled (its
 *                         consumer died holding it) is dead-lettered to the queue's dead-letter queue, so that it
 *                         cannot take its consumers down forever ({@code x-delivery-limit}; a queue's own
 *                         {@code arguments.x-delivery-limit} wins)
 * @param exchanges        the exchanges Caravan declares, by Caravan's key for them
 * @param queues           the consumed queues by Caravan's key for them (e.g. {@code chat-history})
 */
@ConfigurationProperties("caravan.broker")
public record BrokerProperties(
        @DefaultValue("5s") Duration confirmTimeout,
        @DefaultValue("1") int immediateRetries,
        @DefaultValue("classic") QueueType queueType,
        @DefaultValue("20") int deliveryLimit,
        Map<String, ExchangeSpec> exchanges,
        Map<String, QueueSpec> queues) {

    @ConstructorBinding
    public BrokerProperties {
        queueType = queueType == null ? QueueType.CLASSIC : queueType;
        exchanges = exchanges == null ? Map.of() : Map.copyOf(exchanges);
        // a queue without its own type takes the default, so that everyone downstream reads one answer
        QueueType fallback = queueType;
        queues = queues == null ? Map.of() : queues.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                Map.Entry::getKey, q -> q.getValue().type() == null ? q.getValue().withType(fallback) : q.getValue()));
    }

    /** Every queue of its own type or classic, quorum queues dead-lettered after 20 deliveries (tests, tools). */
    public BrokerProperties(Duration confirmTimeout, int immediateRetries, Map<String, ExchangeSpec> exchanges,
                            Map<String, QueueSpec> queues) {
        this(confirmTimeout, immediateRetries, QueueType.CLASSIC, 20, exchanges, queues);
    }

    /**
     * The RabbitMQ queue types Caravan declares. A queue's type is fixed when it is created: changing it
     * means moving the messages to a new queue (docs/rabbitmq-cluster.md).
     */
    public enum QueueType {
        /** One node holds the queue; it is gone while that node is down, lost with its disk. */
        CLASSIC,
        /** Replicated over the cluster (Raft); confirmed once a majority of nodes has the message. */
        QUORUM;

        /** The value of {@code x-queue-type}. */
        public String argument() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A durable exchange.
     *
     * @param name the exchange's name on the broker
     * @param type {@code direct}, {@code topic}, {@code fanout} or {@code headers}
     */
    public record ExchangeSpec(String name, @DefaultValue("direct") String type) {

        public ExchangeSpec {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("caravan.broker.exchanges.*.name must be set");
            }
        }
    }

    /**
     * A binding of a queue to an exchange.
     *
     * @param exchange   the exchange's broker name
     * @param routingKey the routing key or pattern ({@code chat.message.*}, {@code #}); empty for fanout
     */
    public record BindingSpec(String exchange, @DefaultValue("") String routingKey) { }

    /**
     * One durable work queue and its dead-letter queue.
     *
     * @param name            the queue's name on the broker
     * @param deadLetterQueue where messages that cannot be stored are parked; {@code <name>.dlq} if unset
     * @param arguments       extra queue arguments ({@code x-message-ttl}, {@code x-max-length}, ...)
     * @param concurrency     consumers on this queue in one Caravan instance
     * @param prefetch        unacknowledged messages one consumer may hold
     * @param retryDelays     the retry ladder: after the n-th transient failure a message waits
     *                        {@code retryDelays[n-1]} in the broker-held queue {@code <name>.retry.<n>},
     *                        then comes back; after the last step it is dead-lettered
     * @param bindings        the exchanges (and routing keys) this queue is bound to
     * @param type            {@code classic} or {@code quorum} for the queue, its retry queues and its dead-letter
     *                        queue; {@code caravan.broker.queue-type} if unset
     * @param batchSize       a consumer whose flow has a batch sink stores up to this many delivered messages in one
     *                        transaction (acked after its commit); 1 stores each message alone
     * @param batchWait       how long such a consumer waits for a batch to fill before it stores what it has, so a lone
     *                        message is not kept waiting
     */
    public record QueueSpec(
            String name,
            String deadLetterQueue,
            Map<String, Object> arguments,
            @DefaultValue("1") int concurrency,
            @DefaultValue("10") int prefetch,
            List<Duration> retryDelays,
            List<BindingSpec> bindings,
            QueueType type,
            @DefaultValue("100") int batchSize,
            @DefaultValue("5ms") Duration batchWait) {

        @ConstructorBinding
        public QueueSpec {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("caravan.broker.queues.*.name must be set");
            }
            deadLetterQueue = deadLetterQueue == null || deadLetterQueue.isBlank() ? name + ".dlq" : deadLetterQueue;
            arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
            retryDelays = retryDelays == null ? List.of() : List.copyOf(retryDelays);
            bindings = bindings == null ? List.of() : List.copyOf(bindings);
            if (batchSize < 1) {
                throw new IllegalArgumentException("caravan.broker.queues." + name + ".batch-size must be at least 1");
            }
            batchWait = batchWait == null ? Duration.ofMillis(5) : batchWait;
        }

        /** A queue of the default type ({@code caravan.broker.queue-type}). */
        public QueueSpec(String name, String deadLetterQueue, Map<String, Object> arguments, int concurrency, int prefetch,
                         List<Duration> retryDelays, List<BindingSpec> bindings) {
            this(name, deadLetterQueue, arguments, concurrency, prefetch, retryDelays, bindings, null, 100, Duration.ofMillis(5));
        }

        /** This queue with {@code type}. */
        public QueueSpec withType(QueueType type) {
            return new QueueSpec(name, deadLetterQueue, arguments, concurrency, prefetch, retryDelays, bindings, type,
                    batchSize, batchWait);
        }

        /** Whether the queue is replicated over the cluster. */
        public boolean quorum() {
            return type == QueueType.QUORUM;
        }

        /** The retry queue of ladder step {@code step} (1-based). */
        public String retryQueue(int step) {
            return name + ".retry." + step;
        }

        /** Every retry queue of the ladder, step 1 first. */
        public List<String> retryQueues() {
            List<String> names = new ArrayList<>();
            for (int step = 1; step <= retryDelays.size(); step++) {
                names.add(retryQueue(step));
            }
            return names;
        }
    }

    /** The spec of the queue with this broker name, if Caravan owns it. */
    public Optional<QueueSpec> byQueueName(String queueName) {
        return queues.values().stream().filter(q -> q.name().equals(queueName)).findFirst();
    }
}
