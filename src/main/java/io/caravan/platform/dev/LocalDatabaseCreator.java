package io.caravan.platform.dev;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Dev convenience ({@code caravan.dev.create-database=true}, off in prod): creates the configured
 * PostgreSQL database if the server exists but the database does not, before the DataSource and
 * Flyway start. It connects to the server's {@code postgres} maintenance database with the same
 * credentials.
 */
@Component
@ConditionalOnProperty(name = "caravan.dev.create-database", havingValue = "true")
public class LocalDatabaseCreator implements BeanFactoryPostProcessor, EnvironmentAware {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDatabaseCreator.class);
    private static final Pattern JDBC_URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([A-Za-z0-9_]+)(\\?.*)?$");

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
        String url = environment.getProperty("spring.datasource.url", "");
        Matcher m = JDBC_URL.matcher(url);
        if (!m.matches() || "postgres".equals(m.group(2))) {
            return;
        }
        String database = m.group(2);
        String maintenanceUrl = m.group(1) + "postgres" + (m.group(3) == null ? "" : m.group(3));
        String user = environment.getProperty("spring.datasource.username");
        String password = environment.getProperty("spring.datasource.password");
        try (Connection c = DriverManager.getConnection(maintenanceUrl, user, password);
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, database);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = c.createStatement()) {
                // the name matched [A-Za-z0-9_]+ above; CREATE DATABASE takes no bind parameters
                create.execute("CREATE DATABASE \"" + database + "\"");
            }
            LOG.info("Created PostgreSQL database '{}' (caravan.dev.create-database=true)", database);
        } catch (SQLException e) {
            if ("42P04".equals(e.getSQLState())) {
                return; // created concurrently by another instance
            }
            LOG.warn("Could not check or create PostgreSQL database '{}' at {}: {}", database, maintenanceUrl, e.getMessage());
        }
    }
}
