package io.caravan.ops;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import io.caravan.broker.BrokerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.stereotype.Component;

/**
 * Gauge {@code caravan.dlq.depth{queue}}: messages in each Caravan dead-letter queue. The depths are
 * read from the broker by route {@code ops.dead-letter-depths} on a timer, not on every scrape, so a
 * slow or absent broker never slows {@code /actuator/prometheus} down.
 */
@Component("deadLetterDepths")
public class DeadLetterDepths {

    private final AmqpAdmin admin;
    private final BrokerProperties broker;
    private final Map<String, Long> depths = new ConcurrentHashMap<>();

    public DeadLetterDepths(AmqpAdmin admin, BrokerProperties broker, MeterRegistry meters) {
        this.admin = admin;
        this.broker = broker;
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            String dlq = queue.deadLetterQueue();
            Gauge.builder("caravan.dlq.depth", depths, d -> d.getOrDefault(dlq, 0L).doubleValue())
                    .tag("queue", queue.name())
                    .description("messages waiting in the queue's dead-letter queue")
                    .register(meters);
        }
    }

    /** Reads every dead-letter queue's depth from the broker (passive declare). */
    public void refresh() {
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            QueueInformation info = admin.getQueueInfo(queue.deadLetterQueue());
            if (info != null) {
                depths.put(queue.deadLetterQueue(), (long) info.getMessageCount());
            }
        }
    }
}
