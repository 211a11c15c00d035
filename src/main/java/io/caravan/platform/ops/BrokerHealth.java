package io.caravan.platform.ops;

import java.util.Map;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /rabbitmq/health} when the broker is healthy for Caravan.
 *
 * @param status        {@code UP}
 * @param reachable     the broker answered over AMQP
 * @param version       the RabbitMQ version the broker announces
 * @param managementApi whether the management API answers (else queue statistics come from passive declares)
 * @param queues        every Caravan queue by name: whether it exists on the broker
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BrokerHealth(String status, boolean reachable, String version, boolean managementApi,
                           Map<String, Boolean> queues) { }
