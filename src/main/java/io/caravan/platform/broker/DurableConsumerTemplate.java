package io.caravan.platform.broker;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The route template {@code durable-consumer}: one shape for every queue a flow consumes. It takes a
 * message from a durable queue, keeps the original for dead-lettering, validates it against a JSON
 * Schema, checks it as every ingress does ({@code platform/rest/StrictJson}: one document that every sink can
 * store, else poison), parses it and hands it to the flow's sink. The container acks only after the sink returned,
 * i.e. after the store committed. Failures follow {@link ConsumerFailurePolicy}.
 *
 * <p>Parameters: {@code queue} (broker name), {@code schema} (classpath JSON Schema), {@code sink}
 * (endpoint, usually {@code direct:<flow>.store}), {@code concurrency}, {@code prefetch},
 * {@code autoStartup} (default {@code true}; flows pass {@code {{worker:<type>}}}, see
 * {@link WorkerSelection}), {@code onDeadLetter} (an endpoint told about each message of this queue
 * that was dead-lettered, after it was parked; {@code none} by default). Each stored message counts
 * in {@code caravan.messages.stored{queue}}.
 */
@Component
public class DurableConsumerTemplate extends RouteBuilder {

    public static final String ID = "durable-consumer";

    @Override
    public void configure() {
        routeTemplate(ID)
                .templateParameter("queue")
                .templateParameter("schema")
                .templateParameter("sink")
                .templateParameter("concurrency", "1")
                .templateParameter("prefetch", "10")
                .templateParameter("autoStartup", "true")
                .templateParameter("onDeadLetter", "none")
                .from("spring-rabbitmq:default?queues={{queue}}&autoDeclare=false"
                        + "&concurrentConsumers={{concurrency}}&prefetchCount={{prefetch}}")
                    .routeConfigurationId(ConsumerFailurePolicy.ID)
                    .autoStartup("{{autoStartup}}")
                    .setProperty(DeadLetters.ON_DEAD_LETTER, constant("{{onDeadLetter}}"))
                    .bean("deadLetters", "remember(${exchange}, '{{queue}}')")
                    .to("json-validator:{{schema}}")
                    .bean("strictJson", "requireStorable")
                    .unmarshal().json()
                    .to("{{sink}}")
                    .to("micrometer:counter:caravan.messages.stored?tags.queue={{queue}}");
    }
}
