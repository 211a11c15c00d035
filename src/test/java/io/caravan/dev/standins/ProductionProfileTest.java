package io.caravan.dev.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.util.concurrent.TimeUnit;

import io.caravan.CaravanApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** The prod profile never starts a stand-in, even when asked to. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProductionProfileTest {

    @Test
    void prodRefusesStandInsBeforeAnythingStarts() {
        var app = new SpringApplicationBuilder(CaravanApplication.class).profiles("prod");

        // command-line arguments: above application.yaml's prod section, which says stand-ins: false
        assertThatThrownBy(() -> app.run("--caravan.dev.stand-ins=true",
                        "--caravan.dev.data-dir=target/stand-ins-prod-refused",
                        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/caravan",
                        "--spring.rabbitmq.port=1", "--spring.data.redis.port=1",
                        "--spring.neo4j.uri=bolt://127.0.0.1:1", "--camel.component.qdrant.port=1",
                        "--server.port=0").close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("caravan.dev.stand-ins=true is refused under the prod profile");
        assertThat(new File("target/stand-ins-prod-refused")).doesNotExist();
    }
}
