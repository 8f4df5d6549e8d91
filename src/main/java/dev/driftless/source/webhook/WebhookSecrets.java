package dev.driftless.source.webhook;

import dev.driftless.config.DriftlessConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Each provider's secret, from config or a file, read once; never logged or returned. */
@ApplicationScoped
public class WebhookSecrets {

    private final Map<WebhookProvider, String> secrets = new EnumMap<>(WebhookProvider.class);

    WebhookSecrets(DriftlessConfig config) {
        put(WebhookProvider.GITHUB, config.webhook().github());
        put(WebhookProvider.GITEA, config.webhook().gitea());
        put(WebhookProvider.GITLAB, config.webhook().gitlab());
        put(WebhookProvider.GENERIC, config.webhook().generic());
    }

    Optional<String> of(WebhookProvider provider) {
        return Optional.ofNullable(secrets.get(provider));
    }

    private void put(WebhookProvider provider, Optional<DriftlessConfig.WebhookSecret> configured) {
        configured.flatMap(c -> c.secret().or(() -> c.secretFile().map(WebhookSecrets::read)))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .ifPresent(s -> secrets.put(provider, s));
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            // The path is not secret; the content is.
            throw new UncheckedIOException("cannot read webhook secret file " + file + ": " + e.getClass().getSimpleName(), e);
        }
    }
}
