package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;

class StoreFailuresTest {

    @Test
    void neo4jOrQdrantOutOfReachIsUnavailableWhereverItIsWrapped() {
        assertThat(StoreFailures.isUnavailable(new ServiceUnavailableException("connection refused"))).isTrue();
        assertThat(StoreFailures.isUnavailable(new RuntimeCamelException(new SessionExpiredException("gone")))).isTrue();
        assertThat(StoreFailures.isUnavailable(new IllegalStateException(Status.UNAVAILABLE.asRuntimeException()))).isTrue();
        assertThat(StoreFailures.isUnavailable(Status.DEADLINE_EXCEEDED.asRuntimeException())).isTrue();
    }

    @Test
    void aRefusalIsNot() {
        assertThat(StoreFailures.isUnavailable(new ClientException("syntax error"))).isFalse();
        assertThat(StoreFailures.isUnavailable(Status.INVALID_ARGUMENT.asRuntimeException())).isFalse();
        assertThat(StoreFailures.isUnavailable(new RuntimeCamelException(Status.NOT_FOUND.asRuntimeException()))).isFalse();
        assertThat(StoreFailures.isUnavailable(new IllegalArgumentException("bad"))).isFalse();
        assertThat(StoreFailures.isUnavailable(null)).isFalse();
    }
}
