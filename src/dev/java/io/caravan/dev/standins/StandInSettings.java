package io.caravan.dev.standins;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The embedded stand-ins of the default run ({@code caravan.dev.*}). Bound by {@link StandIns} before
 * the application context exists, so these are plain properties, not a bean.
 *
 * @param standIns whether a dependency that does not answer at its configured address is started
 *                 in-process instead (true in the default profile; refused under {@code prod})
 * @param dataDir  where the stand-ins keep their data, one directory per service; delete it to start empty
 */
@ConfigurationProperties("caravan.dev")
public record StandInSettings(
        @DefaultValue("false") boolean standIns,
        @DefaultValue("./.caravan-data") Path dataDir) {
}
