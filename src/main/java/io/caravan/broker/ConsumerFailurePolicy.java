package io.caravan.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.component.jsonvalidator.JsonValidationException;
import org.springframework.stereotype.Component;

/**
 * What happens when a consumed message fails, written once and applied to every consuming route by
 * {@code routeConfigurationId: consumer-failures}.
 *
 * <ul>
 *   <li>Poison (not JSON, schema violation, {@link PoisonMessageException}): dead-lettered at once,
 *       no redelivery; the container then acks it, so the queue keeps flowing.</li>
 *   <li>Anything else is treated as transient (store down, timeout): two quick in-process redeliveries
 *       ride out a blip, then the message is dead-lettered with its reason, to be replayed.</li>
 * </ul>
 * If parking itself fails (broker gone), the exception escapes, the listener container rejects with
 * requeue ({@code reject-and-dont-requeue: false}) and the message stays on its queue: nothing is lost.
 */
@Component
public class ConsumerFailurePolicy extends RouteConfigurationBuilder {

    public static final String ID = "consumer-failures";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(JsonValidationException.class, JsonProcessingException.class,
                        PoisonMessageException.class)
                    .handled(true)
                    .maximumRedeliveries(0)
                    .bean("deadLetters", "park(${exchange}, 'POISON')")
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .maximumRedeliveries(2)
                    .redeliveryDelay(200)
                    .backOffMultiplier(2)
                    .useExponentialBackOff()
                    .logRetryAttempted(true)
                    .bean("deadLetters", "park(${exchange}, 'TRANSIENT')")
                .end();
    }
}
