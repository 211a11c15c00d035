package io.caravan.platform.ops;

import io.caravan.platform.rest.JsonAnswer;
import io.caravan.platform.rest.RestErrorPolicy;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.springframework.stereotype.Component;

/**
 * The REST face of {@link QueueOperations}, seed 002's paths, all under {@code /rabbitmq}:
 * <pre>
 *   GET  /rabbitmq/health               broker reachable, version, each Caravan queue exists (503 if not)
 *   GET  /rabbitmq/queues               every work queue: depth, consumers, its DLQ's and retry queues' depths
 *   GET  /rabbitmq/queues/{name}        one Caravan queue: ready, unacked, consumers, publish/deliver rates
 *   POST /rabbitmq/queues/{name}/purge  empties one Caravan queue; answers how many messages it removed
 * </pre>
 * Only Caravan's own queues are shown or purged; any other name is 404. Reading needs the user or admin
 * role; purge, the only write under {@code /rabbitmq/**}, needs admin ({@code SecurityConfiguration}
 * protects {@code POST /rabbitmq/queues/{name}/purge}). Failures answer problem+json
 * ({@link RestErrorPolicy}); an unreachable broker is 503.
 */
@Component
public class QueueOperationsRoutes extends RouteBuilder {

    private static final String JSON = "application/json";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String NOT_CARAVANS = "not a Caravan queue, or missing on the broker";
    private static final String BROKER_UNREACHABLE = "broker unreachable";

    @Override
    public void configure() {
        rest("/rabbitmq").description("RabbitMQ operations on Caravan's queues (purge: admin only)")
                .get("/health").id("ops.get-health")
                    .description("Broker reachable, its version, and whether each Caravan queue exists")
                    .produces(JSON)
                    .responseMessage().code(200).message("broker reachable, every Caravan queue exists")
                        .responseModel(BrokerHealth.class).endResponseMessage()
                    .responseMessage().code(503).message("broker unreachable or a Caravan queue missing").contentType(PROBLEM_JSON).endResponseMessage()
                    .to("direct:ops.health")
                .get("/queues").id("ops.get-queues")
                    .description("Every work queue: depth and consumers, its dead-letter queue's and retry queues' depths")
                    .produces(JSON)
                    .responseMessage().code(200).message("the summary").responseModel(QueuesSummary.class).endResponseMessage()
                    .responseMessage().code(503).message(BROKER_UNREACHABLE).contentType(PROBLEM_JSON).endResponseMessage()
                    .to("direct:ops.queues")
                .get("/queues/{name}").id("ops.get-queue")
                    .description("One Caravan queue: messages ready and unacknowledged, consumers, publish and deliver rates per second")
                    .produces(JSON)
                    .param().name("name").type(RestParamType.path).required(true)
                        .description("a work queue, its dead-letter queue or one of its retry queues").endParam()
                    .responseMessage().code(200).message("the queue's statistics").responseModel(QueueStats.class).endResponseMessage()
                    .responseMessage().code(404).message(NOT_CARAVANS).contentType(PROBLEM_JSON).endResponseMessage()
                    .responseMessage().code(503).message(BROKER_UNREACHABLE).contentType(PROBLEM_JSON).endResponseMessage()
                    .to("direct:ops.queue")
                .post("/queues/{name}/purge").id("ops.post-purge")
                    .description("Remove every ready message from a Caravan queue (admin only)")
                    .produces(JSON)
                    .param().name("name").type(RestParamType.path).required(true)
                        .description("a work queue, its dead-letter queue or one of its retry queues").endParam()
                    .responseMessage().code(200).message("how many messages were removed").responseModel(PurgeResult.class).endResponseMessage()
                    .responseMessage().code(404).message(NOT_CARAVANS).contentType(PROBLEM_JSON).endResponseMessage()
                    .responseMessage().code(503).message(BROKER_UNREACHABLE).contentType(PROBLEM_JSON).endResponseMessage()
                    .to("direct:ops.purge");

        from("direct:ops.health").routeId("ops.health").routeConfigurationId(RestErrorPolicy.ID)
                .bean("queueOperations", "health")
                .to(JsonAnswer.URI);
        from("direct:ops.queues").routeId("ops.queues").routeConfigurationId(RestErrorPolicy.ID)
                .bean("queueOperations", "summary")
                .to(JsonAnswer.URI);
        from("direct:ops.queue").routeId("ops.queue").routeConfigurationId(RestErrorPolicy.ID)
                .bean("queueOperations", "queue(${header.name})")
                .to(JsonAnswer.URI);
        from("direct:ops.purge").routeId("ops.purge").routeConfigurationId(RestErrorPolicy.ID)
                .bean("queueOperations", "purge(${header.name})")
                .to(JsonAnswer.URI);
    }
}
