package dev.driftless.secret;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Tells {@link Redaction} the configured secrets before anything else starts, so that they are
 * masked wherever they turn up; and says so when the Git URL carries credentials, which belong in
 * {@code driftless.git.token-file}.
 */
@ApplicationScoped
class KnownSecrets {

    private static final Logger LOG = Logger.getLogger(KnownSecrets.class);

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, DriftlessConfig config) {
        String url = config.git().url();
        Redaction.registerUrl(url);
        config.nix().cache().ifPresent(Redaction::registerUrl);
        config.git().tokenFile().ifPresent(KnownSecrets::registerTokenFile);
        if (!Redaction.secretsIn(url).isEmpty()) {
            LOG.warnf("driftless.git.url carries credentials (%s). Driftless masks them in what it shows, but a URL is copied to "
                    + "more places than a file is read: put the token in a file, set driftless.git.token-file to it (and "
                    + "driftless.git.username if the Git host wants a particular user name) and take it out of the URL. "
                    + "The file is read at each fetch, so the token can rotate without a restart.", Redaction.redact(url));
        }
    }

    /** Read at start as well as at each fetch, so that the token is masked from the first line on. */
    private static void registerTokenFile(String file) {
        try {
            Redaction.register(Files.readString(Path.of(file)));
        } catch (IOException e) {
            // The first fetch reports an unreadable token file, with what to do about it.
        }
    }
}
