package io.caravan;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Caravan: REST and RabbitMQ in; declarative Camel flows from {@code routes/*.yaml}; stores out. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CaravanApplication {

    public static void main(String[] args) {
        SpringApplication.run(CaravanApplication.class, args);
    }
}
