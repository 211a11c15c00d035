package io.caravan.platform.ops;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Caravan's own logging ({@code caravan.logging.*}). Messages are logged one by one at DEBUG only (the route
 * ids and {@code io.caravan} loggers); at INFO an operator sees a summary per queue instead.
 *
 * @param summaryInterval how often {@link MessageSummaryLog} logs, per queue, the messages accepted, stored,
 *                        retried and dead-lettered since its last line; nothing is logged for an interval in
 *                        which nothing happened; {@code 0} turns the summary off
 */
@ConfigurationProperties("caravan.logging")
public record LoggingProperties(@DefaultValue("60s") Duration summaryInterval) {

    public LoggingProperties {
        if (summaryInterval.isNegative()) {
            throw new IllegalArgumentException("caravan.logging.summary-interval must not be negative");
        }
    }
}
