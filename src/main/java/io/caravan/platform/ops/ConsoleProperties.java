package io.caravan.platform.ops;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The operations console at {@code /console} and the figures it shows ({@code caravan.ops.console.*}).
 *
 * @param window         how far back "recent" message counts reach in {@code GET /ops/flows}
 * @param sampleInterval how often the message counters are sampled for those recent counts; the window
 *                       is measured to the nearest sample
 * @param tokenTtl       lifetime of the bearer token a signed-in console session gets for the
 *                       {@code /ops} and {@code /rabbitmq} APIs ({@code GET /console/token})
 */
@ConfigurationProperties("caravan.ops.console")
public record ConsoleProperties(
        @DefaultValue("5m") Duration window,
        @DefaultValue("10s") Duration sampleInterval,
        @DefaultValue("10m") Duration tokenTtl) {

    public ConsoleProperties {
        if (window.isNegative() || window.isZero() || sampleInterval.isNegative() || sampleInterval.isZero()
                || sampleInterval.compareTo(window) > 0) {
            throw new IllegalArgumentException("caravan.ops.console: window and sample-interval must be positive, "
                    + "and sample-interval no longer than window");
        }
    }
}
