package io.caravan.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The broker topology Caravan owns, as data ({@code caravan.broker.*}).
 *
 * @param confirmTimeout   how long a publish waits for the broker's confirm before it counts as failed
 * @param immediateRetries in-process retries of a transient failure before the retry ladder takes over
 * @param exchanges        the exchanges Caravan declares, by Caravan's key for them
 * @param queues           the consumed queues by Caravan's key for them (e.g. {@code chat-history})
 */
@ConfigurationProperties("caravan.broker")
public record BrokerProperties(
        @DefaultValue("5s") Duration confirmTimeout,
        @DefaultValue("1") int immediateRetries,
        Map<String, ExchangeSpec> exchanges,
        Map<String, QueueSpec> queues) {

    public BrokerProperties {
        exchanges = exchanges == null ? Map.of() : Map.copyOf(exchanges);
        queues = queues == null ? Map.of() : Map.copyOf(queues);
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
     */
    public record QueueSpec(
            String name,
            String deadLetterQueue,
            Map<String, Object> arguments,
            @DefaultValue("1") int concurrency,
            @DefaultValue("10") int prefetch,
            List<Duration> retryDelays,
            List<BindingSpec> bindings) {

        public QueueSpec {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("caravan.broker.queues.*.name must be set");
            }
            deadLetterQueue = deadLetterQueue == null || deadLetterQueue.isBlank() ? name + ".dlq" : deadLetterQueue;
            arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
            retryDelays = retryDelays == null ? List.of() : List.copyOf(retryDelays);
            bindings = bindings == null ? List.of() : List.copyOf(bindings);
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
