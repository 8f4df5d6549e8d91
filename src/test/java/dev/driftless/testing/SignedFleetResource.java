package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real fleet that deploys only signed commits: one trusted SSH key (in an allowed-signers
 * file), one trusted OpenPGP key, and one SSH key nobody trusts. The fleet's first commit is
 * unsigned.
 */
public class SignedFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOKEN = "read-and-write-" + java.util.UUID.randomUUID();

    private static FleetFixture fixture;
    private static Path keys;

    public static FleetFixture fixture() {
        return fixture;
    }

    /** Where the keys are: {@code trusted}, {@code stranger} (SSH private keys) and {@code gnupg} (a GnuPG home). */
    public static Path keys() {
        return keys;
    }

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        keys = fixture.repo().resolveSibling("keys");
        sh(fixture.repo().getParent(), """
                mkdir -p keys/gnupg && chmod 700 keys/gnupg
                ssh-keygen -q -t ed25519 -N '' -C trusted -f keys/trusted
                ssh-keygen -q -t ed25519 -N '' -C stranger -f keys/stranger
                printf 'signer@example.org %s\\n' "$(cut -d' ' -f1,2 keys/trusted.pub)" > keys/allowed_signers
                export GNUPGHOME="$PWD/keys/gnupg"
                gpg --batch --quiet --passphrase '' --quick-gen-key 'Fleet Signer <pgp-signer@example.org>' ed25519 sign never
                gpg --batch --quiet --armor --export pgp-signer@example.org > keys/openpgp.asc
                """);
        Map<String, String> config = new HashMap<>(fixture.config());
        config.put("driftless.git.verify.allowed-signers-file", keys.resolve("allowed_signers").toString());
        config.put("driftless.git.verify.openpgp-keys-file", keys.resolve("openpgp.asc").toString());
        config.put("driftless.api.token", TOKEN);
        return config;
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
