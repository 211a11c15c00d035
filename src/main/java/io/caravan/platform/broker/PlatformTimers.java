package io.caravan.platform.broker;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Platform timers: {@code outbox.relay} looks for waiting outbox messages every
 * {@code caravan.outbox.relay-interval} ms and, when it finds some, relays until none is left (no tick
 * between batches, see {@link Outbox#relay()}); {@code ops.dead-letter-depths} refreshes the DLQ depth gauges.
 */
@Component
public class PlatformTimers extends RouteBuilder {

    @Override
    public void configure() {
        from("timer:outbox-relay?period={{caravan.outbox.relay-interval:1000}}&delay=1000")
                .routeId("outbox.relay")
                .bean("outbox", "relay");

        from("timer:dead-letter-depths?period={{caravan.metrics.dlq-depth-interval:15000}}&delay=2000")
                .routeId("ops.dead-letter-depths")
                .bean("deadLetterDepths", "refresh");
    }
}
