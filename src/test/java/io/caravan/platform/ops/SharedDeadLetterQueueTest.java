package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.caravan.platform.broker.BrokerProperties.QueueSpec;
import io.caravan.platform.broker.DeadLetters;
import org.junit.jupiter.api.Test;

/** Where a dead letter goes back to when several work queues share its dead-letter queue (seed 002's events.dlq). */
class SharedDeadLetterQueueTest {

    static final QueueSpec NEO4J = spec("events.neo4j");
    static final QueueSpec QDRANT = spec("events.qdrant");

    @Test
    void caravansOwnHeaderDecides() {
        assertThat(DeadLetterReplay.originalQueue(Map.of(DeadLetters.H_ORIGINAL_QUEUE, "events.qdrant"), List.of(NEO4J, QDRANT)))
                .isEqualTo("events.qdrant");
    }

    @Test
    void aMessageTheBrokerDeadLetteredGoesBackToTheQueueItDiedOnLast() {
        Map<String, Object> expired = Map.of("x-death", List.of(
                Map.of("queue", "events.qdrant", "reason", "expired"), Map.of("queue", "events.neo4j.retry.1", "reason", "expired")));
        Map<String, Object> expiredWhileWaiting = Map.of("x-death", List.of(Map.of("queue", "events.neo4j.retry.2", "reason", "expired")));

        assertThat(DeadLetterReplay.originalQueue(expired, List.of(NEO4J, QDRANT))).isEqualTo("events.qdrant");
        assertThat(DeadLetterReplay.originalQueue(expiredWhileWaiting, List.of(NEO4J, QDRANT))).isEqualTo("events.neo4j");
    }

    @Test
    void withoutEitherOnlyADeadLetterQueueOfOneQueueKnowsWhereItCameFrom() {
        assertThat(DeadLetterReplay.originalQueue(Map.of(), List.of(NEO4J))).isEqualTo("events.neo4j");
        assertThat(DeadLetterReplay.originalQueue(Map.of(), List.of(NEO4J, QDRANT))).isNull();
    }

    private static QueueSpec spec(String name) {
        return new QueueSpec(name, "events.dlq", Map.of(), 1, 10, List.of(Duration.ofSeconds(5), Duration.ofSeconds(30)), List.of());
    }
}
