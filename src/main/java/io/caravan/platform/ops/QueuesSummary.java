package io.caravan.platform.ops;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /rabbitmq/queues}: every work queue Caravan owns, by key, with its dead-letter queue and
 * its retry queues.
 *
 * @param source {@code management-api} or {@code passive-declare}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record QueuesSummary(String source, List<WorkQueue> queues) {

    /**
     * A work queue (its key under {@code caravan.broker.queues}) with its dead-letter and retry queues, step 1 first.
     * Unacknowledged messages and rates (messages per second) come from the management API only; null otherwise.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record WorkQueue(String key, String name, boolean exists, Long messagesReady, Integer consumers,
                            Long messagesUnacknowledged, Double publishRate, Double deliverRate,
                            QueueDepth deadLetterQueue, List<QueueDepth> retryQueues) { }

    /** One queue's depth; {@code exists} false (and no counts) when the broker does not have it; rates as in {@link WorkQueue}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record QueueDepth(String name, boolean exists, Long messagesReady, Integer consumers,
                             Long messagesUnacknowledged, Double publishRate, Double deliverRate) { }
}
