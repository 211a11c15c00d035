package io.caravan.platform.broker;

import java.util.Date;
import java.util.Map;
import java.util.TreeSet;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteTemplateDefinition;
import org.springframework.stereotype.Component;

/**
 * The route template {@code durable-consumer}: one shape for every queue a flow consumes. It takes a
 * message from a durable queue, keeps the original for dead-lettering, validates it against a JSON
 * Schema, checks it as every ingress does ({@code platform/rest/StrictJson}: one document that every sink can
 * store, else poison), parses it and hands it to the flow's sink. The container acks only after the sink returned,
 * i.e. after the store committed. Failures follow {@link ConsumerFailurePolicy}.
 *
 * <p>A flow declares a consumer in a few lines:
 * <pre>
 * - templatedRoute:
 *     routeTemplateRef: durable-consumer
 *     routeId: chat-history.consume
 *     parameters:
 *       - {name: queue,  value: chat-history}
 *       - {name: schema, value: schemas/chat-interaction.json}
 *       - {name: sink,   value: direct:chat-history.store}
 *       - {name: worker, value: chat-history}
 * </pre>
 * Parameters: {@code queue} (Caravan's key of the queue, {@code caravan.broker.queues.<key>}: the template
 * takes the broker's name, the concurrency and the prefetch from there, so that they are said once), {@code schema}
 * (classpath JSON Schema), {@code sink} (endpoint, usually {@code direct:<flow>.store}), {@code worker} (the
 * worker type this consumer belongs to: it starts when {@code caravan.workers} selects the type, see
 * {@link WorkerSelection}), {@code onDeadLetter} (an endpoint told about each message of this queue that was
 * dead-lettered, after it was parked; {@code none} by default), {@code batchSink} (an endpoint that stores a
 * {@code List<}{@link ConsumedMessage}{@code >} in one transaction; the consumer then takes its messages in batches of
 * the queue's {@code batch-size}, see {@link ConsumerBatches}; {@code none} by default). Each stored message counts in
 * {@code caravan.messages.stored{queue}}.
 *
 * <p>The sink gets the parsed message as its body and, so that no flow reads the transport's headers, the
 * message's identity as exchange properties: {@value #MESSAGE_ID} (the AMQP message id, else a name-based UUID
 * of the raw bytes, so a redelivery gets the same one; see {@link ConsumedMessages}) and {@value #MESSAGE_TIME}
 * (the AMQP timestamp, else the time it was received, a {@link Date}). A message's own {@code id} or
 * {@code timestamp} field, where its schema has one, wins over these.
 */
@Component
public class DurableConsumerTemplate extends RouteBuilder {

    public static final String ID = "durable-consumer";
    /** Exchange property for the sink: the message's id as the transport tells it, never null. */
    public static final String MESSAGE_ID = "caravanMessageId";
    /** Exchange property for the sink: the message's time as the transport tells it ({@link Date}), never null. */
    public static final String MESSAGE_TIME = "caravanMessageTime";

    private final BrokerProperties broker;
    private final ConsumerBatches batches;

    // the queue's settings come from the one place the topology is declared, not from each flow's YAML
    public DurableConsumerTemplate(BrokerProperties broker, ConsumerBatches batches) {
        this.broker = broker;
        this.batches = batches;
    }

    @Override
    public void configure() {
        // the derived parameters must be in place before Camel resolves the template's placeholders: a converter
        // sees the parameters then (a template's configure() callback runs too late for them)
        getCamelContext().getCamelContextExtension().getContextPlugin(Model.class)
                .addRouteTemplateDefinitionConverter(ID, (template, parameters) -> {
                    queueSettings(parameters);
                    return RouteTemplateDefinition.Converter.DEFAULT_CONVERTER.apply(template, parameters);
                });
        routeTemplate(ID)
                .templateParameter("queue")
                .templateParameter("schema")
                .templateParameter("sink")
                .templateParameter("worker")
                .templateParameter("onDeadLetter", "none")
                .templateParameter("batchSink", "none")
                .from("spring-rabbitmq:default?queues={{queueName}}&autoDeclare=false"
                        + "&concurrentConsumers={{concurrency}}&prefetchCount={{prefetch}}")
                    .routeConfigurationId(ConsumerFailurePolicy.ID)
                    .autoStartup("{{autoStartup}}")
                    .setProperty(DeadLetters.ON_DEAD_LETTER, constant("{{onDeadLetter}}"))
                    .bean("deadLetters", "remember(${exchange}, '{{queueName}}')")
                    .process(DurableConsumerTemplate::resolveIdentity)
                    .to("json-validator:{{schema}}")
                    .bean("strictJson", "requireStorable")
                    .unmarshal().json()
                    .filter(method(ConsumerBatches.BEAN, "deliverNow"))
                        .to("{{sink}}")
                        .bean("messageCounters", "stored('{{queueName}}')")
                    .end();
    }

    /** The derived parameters of one consumer: its queue's broker name, concurrency and prefetch, and whether it starts. */
    private void queueSettings(Map<String, Object> parameters) {
        String key = String.valueOf(parameters.get("queue"));
        BrokerProperties.QueueSpec queue = broker.queues().get(key);
        if (queue == null) {
            throw new IllegalArgumentException("durable-consumer: no queue '" + key + "' in caravan.broker.queues (known: "
                    + new TreeSet<>(broker.queues().keySet()) + ")");
        }
        parameters.put("queueName", queue.name());
        parameters.put("concurrency", String.valueOf(queue.concurrency()));
        parameters.put("prefetch", String.valueOf(queue.prefetch()));
        Object batchSink = parameters.get("batchSink");
        if (batchSink != null && !"none".equals(batchSink) && queue.batchSize() > 1) {
            batches.register(queue.name(), String.valueOf(batchSink), queue.batchSize(), queue.batchWait());
        } else {
            batches.unregister(queue.name()); // a reloaded flow that no longer names a batch sink
        }
        String worker = String.valueOf(parameters.get("worker"));
        parameters.put("autoStartup", getCamelContext().resolvePropertyPlaceholders(
                "{{" + WorkerSelection.FUNCTION + ":" + worker + "}}"));
    }

    /** The message's id and time for the sink, resolved from the transport once, here. */
    private static void resolveIdentity(Exchange exchange) {
        var in = exchange.getMessage();
        Object timestamp = in.getHeader(SpringRabbitMQConstants.TIMESTAMP);
        exchange.setProperty(MESSAGE_ID, ConsumedMessages.id(null, in.getHeader(SpringRabbitMQConstants.MESSAGE_ID, String.class),
                exchange.getProperty(DeadLetters.ORIGINAL, DeadLetters.OriginalMessage.class).body()));
        exchange.setProperty(MESSAGE_TIME, timestamp instanceof Date date ? date : new Date(exchange.getClock().getCreated()));
    }
}
