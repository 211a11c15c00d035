package io.caravan.platform.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.ValidationException;
import org.apache.camel.model.errorhandler.SpringTransactionErrorHandlerDefinition;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

/**
 * What happens when a consumed message fails, written once and applied to every consuming route by
 * {@code routeConfigurationId: consumer-failures}. One owner per failure class:
 *
 * <ul>
 *   <li>Poison (not JSON, empty, schema violation: Camel's {@link ValidationException}, {@link PoisonMessageException}, a value no sink can store,
 *       and a store's refusal of a value: {@link DataIntegrityViolationException}, i.e. bad encoding,
 *       out of range, a check or not-null violation, which no retry can change): dead-lettered at once,
 *       no retry of any kind.</li>
 *   <li>Anything else is transient (store down, timeout). Camel retries it in-process
 *       {@code caravan.broker.immediate-retries} times (default 1, after 100 ms: rides out a dropped
 *       pooled connection without a trip through the broker); then the {@link RetryLadder} owns it.
 *       The listener container does not retry at all ({@code maximum-retry-attempts: 1}), so the
 *       counts never multiply.</li>
 * </ul>
 * Both branches mark the exchange handled, so the container acks the delivery once the retry or
 * dead-letter copy is confirmed by the broker. If that publish fails (broker gone), the exception
 * escapes, the container rejects with requeue ({@code reject-and-dont-requeue: false}) and the
 * message stays on its queue: nothing is lost.
 */
@Component
public class ConsumerFailurePolicy extends RouteConfigurationBuilder {

    public static final String ID = "consumer-failures";
    /**
     * For a flow's batch sink ({@link ConsumerBatches}): no redelivery, no logging, the failure goes back to the
     * consumer, which stores each message of the batch alone under {@value #ID} (and says so in one line).
     */
    public static final String BATCH_SINK = "batch-sink-failures";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(ValidationException.class, JsonProcessingException.class, PoisonMessageException.class,
                        DataIntegrityViolationException.class)
                    .handled(true)
                    .maximumRedeliveries(0)
                    .bean("deadLetters", "park(${exchange}, 'POISON')")
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .maximumRedeliveries("{{caravan.broker.immediate-retries:1}}")
                    .redeliveryDelay(100)
                    .logRetryAttempted(true)
                    .retryAttemptedLogLevel(org.apache.camel.LoggingLevel.INFO)
                    .bean("retryLadder", "retryOrPark")
                .end();
        // a batch sink is transacted: Spring's transaction error handler, rolled back quietly, nothing redelivered
        var quietRollback = new SpringTransactionErrorHandlerDefinition();
        quietRollback.setRollbackLoggingLevel("DEBUG");
        quietRollback.logExhausted(false).logStackTrace(false).retriesExhaustedLogLevel(org.apache.camel.LoggingLevel.DEBUG)
                .maximumRedeliveries(0);
        routeConfiguration(BATCH_SINK).errorHandler(quietRollback);
    }
}
