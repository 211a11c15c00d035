package io.caravan.broker;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** Route {@code outbox.relay}: every {@code caravan.outbox.relay-interval} hands waiting outbox messages to the broker. */
@Component
public class OutboxRelayRoute extends RouteBuilder {

    @Override
    public void configure() {
        from("timer:outbox-relay?period={{caravan.outbox.relay-interval:1000}}&delay=1000")
                .routeId("outbox.relay")
                .bean("outbox", "relay");
    }
}
