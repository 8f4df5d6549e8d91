package dev.driftless.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Derives {@code driftless-role.controls} and {@code driftless-role.works} from
 * {@code driftless.role}, so that the Kafka profile can enable each consumer channel only in the
 * processes of its role: a controller must not join the workers' group and take their jobs.
 * {@code driftless-role.instance} names this process uniquely, for consumer groups of its own
 * and for telling its own records from other controllers'.
 */
public class RoleConfigSourceFactory implements ConfigSourceFactory {

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue value = context.getValue("driftless.role");
        String role = value == null || value.getValue() == null ? "all" : value.getValue().trim().toLowerCase(Locale.ROOT);
        boolean controls = !role.equals("worker");
        boolean works = !role.equals("controller");
        return List.of(new MapBackedConfigSource("driftless-role", Map.of(
                "driftless-role.controls", String.valueOf(controls),
                "driftless-role.works", String.valueOf(works),
                "driftless-role.instance", UUID.randomUUID().toString()), 50) {});
    }
}
