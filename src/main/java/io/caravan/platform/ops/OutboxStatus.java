package io.caravan.platform.ops;

import java.time.Duration;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.caravan.platform.broker.Outbox;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code GET /ops/outbox}: how many accepted messages wait in the PostgreSQL outbox for the broker, and
 * how long the oldest has waited; the same figures as the {@code outbox} health component
 * ({@link OutboxHealthIndicator}), as an admin API the console reads. Bean {@code outboxStatus}.
 */
@Component("outboxStatus")
public class OutboxStatus {

    /**
     * @param depth             messages waiting
     * @param oldestAgeSeconds  how long the oldest has waited (0 when none waits)
     * @param alertAfterSeconds {@code caravan.outbox.alert-after}: beyond it health says DOWN
     * @param status            {@code UP}, or {@code DOWN} when the oldest has waited too long
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record State(long depth, long oldestAgeSeconds, long alertAfterSeconds, String status) { }

    private final Outbox outbox;
    private final Duration alertAfter;

    public OutboxStatus(Outbox outbox, @Value("${caravan.outbox.alert-after:5m}") Duration alertAfter) {
        this.outbox = outbox;
        this.alertAfter = alertAfter;
    }

    public State state() {
        long depth = outbox.depth();
        Duration oldest = outbox.oldestAge();
        return new State(depth, oldest.toSeconds(), alertAfter.toSeconds(), oldest.compareTo(alertAfter) > 0 ? "DOWN" : "UP");
    }
}
