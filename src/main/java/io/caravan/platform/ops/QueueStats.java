package io.caravan.platform.ops;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /rabbitmq/queues/{name}}: one Caravan queue. What the source cannot tell is null: a passive
 * declare knows neither unacknowledged messages nor rates.
 *
 * @param role                   what the queue is for
 * @param workQueue              the work queue it belongs to (itself for a work queue); null for a dead-letter queue
 *                               that several work queues share
 * @param workQueues             every work queue it belongs to (several for a shared dead-letter queue)
 * @param messagesReady          messages waiting to be delivered
 * @param messagesUnacknowledged messages delivered to a consumer and not yet acknowledged
 * @param consumers              consumers on the queue, from every application
 * @param publishRate            messages published to the queue per second
 * @param deliverRate            messages delivered to consumers (or fetched with {@code basic.get}) per second
 * @param source                 {@code management-api} or {@code passive-declare}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record QueueStats(String name, Role role, String workQueue, java.util.List<String> workQueues, Long messagesReady, Long messagesUnacknowledged,
                         Integer consumers, Double publishRate, Double deliverRate, String source) {

    /** What a Caravan queue is for; in JSON {@code work}, {@code dead-letter}, {@code retry}. */
    public enum Role {
        WORK, DEAD_LETTER, RETRY;

        @JsonValue
        String json() {
            return name().toLowerCase().replace('_', '-');
        }
    }
}
