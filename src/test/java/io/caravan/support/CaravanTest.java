package io.caravan.support;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the tests that run the whole of Caravan on a random port against the real RabbitMQ,
 * PostgreSQL and Redis, an in-process Neo4j and the in-process Qdrant-protocol test server. Subclasses with the same configuration share one
 * running application.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // their own database (created on first use), so tests never touch the dev run's rows
        "spring.datasource.url=${TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/caravan_test}",
        "caravan.dev.create-database=true",
        // each cached test context keeps a pool; idle ones must not add up to PostgreSQL's 100 connections
        "spring.datasource.hikari.minimum-idle=1",
        "spring.datasource.hikari.idle-timeout=10000",
        // the real services only (RealServices); StandInsTest runs Caravan on the embedded ones
        "caravan.dev.stand-ins=false",
        // live reload is tested on a copy of routes/ (FlowReloadTest); here the files stay put
        "camel.main.routes-reload-enabled=false",
        // security as in production: a configured key (support.Tokens mints with it), a console login
        "caravan.security.jwt.secret=" + Tokens.SECRET,
        "caravan.security.dev-tokens=false",
        "caravan.security.console.username=console-admin",
        "caravan.security.console.password=console-password-for-tests"
})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class CaravanTest {

    @DynamicPropertySource
    static void realServices(DynamicPropertyRegistry registry) {
        RealServices.requireReachable();
        // through the variables application.yaml reads, so that a subclass can still set
        // spring.neo4j.uri or camel.component.qdrant.* itself (its registrations run before these)
        registry.add("NEO4J_URI", TestNeo4j::boltUri);
        registry.add("QDRANT_HOST", TestQdrant::host);
        registry.add("QDRANT_GRPC_PORT", TestQdrant::port);
    }
}
