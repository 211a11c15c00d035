package io.caravan.platform.ops;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import io.caravan.platform.broker.BrokerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.stereotype.Component;

/**
 * Gauge {@code caravan.dlq.depth{queue, dead_letter_queue}}: messages in each Caravan dead-letter queue; {@code queue}
 * names the work queue it serves (comma-separated when several share it). The depths are
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
        // one gauge per dead-letter queue, so a queue shared by several work queues is not counted twice
        Map<String, java.util.SortedSet<String>> served = new java.util.TreeMap<>();
        for (BrokerProperties.QueueSpec queue : broker.queues().values()) {
            served.computeIfAbsent(queue.deadLetterQueue(), d -> new java.util.TreeSet<>()).add(queue.name());
        }
        served.forEach((dlq, workQueues) -> Gauge.builder("caravan.dlq.depth", depths, d -> d.getOrDefault(dlq, 0L).doubleValue())
                .tag("queue", String.join(",", workQueues))
                .tag("dead_letter_queue", dlq)
                .description("messages waiting in a dead-letter queue; queue names the work queue(s) it serves")
                .register(meters));
    }

    /** Reads every dead-letter queue's depth from the broker (passive declare). */
    public void refresh() {
        for (String dlq : broker.queues().values().stream().map(BrokerProperties.QueueSpec::deadLetterQueue).distinct().toList()) {
            QueueInformation info = admin.getQueueInfo(dlq);
            if (info != null) {
                depths.put(dlq, (long) info.getMessageCount());
            }
        }
    }
}
