package io.caravan.platform.ops;

import java.time.Duration;

import io.caravan.platform.broker.Outbox;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code outbox} component of {@code /actuator/health}: how many accepted messages wait for the
 * broker and for how long. DOWN when the oldest has waited longer than {@code caravan.outbox.alert-after}.
 */
@Component
public class OutboxHealthIndicator extends AbstractHealthIndicator {

    private final Outbox outbox;
    private final Duration alertAfter;

    public OutboxHealthIndicator(Outbox outbox, @Value("${caravan.outbox.alert-after:5m}") Duration alertAfter) {
        super("Outbox health check failed");
        this.outbox = outbox;
        this.alertAfter = alertAfter;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        long depth = outbox.depth();
        Duration oldest = outbox.oldestAge();
        builder.status(oldest.compareTo(alertAfter) > 0 ? "DOWN" : "UP")
                .withDetail("depth", depth)
                .withDetail("oldestAgeSeconds", oldest.toSeconds())
                .withDetail("alertAfterSeconds", alertAfter.toSeconds());
    }
}
