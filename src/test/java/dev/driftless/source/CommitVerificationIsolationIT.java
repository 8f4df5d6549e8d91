package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Commit verification trusts only the keys in Driftless's configuration, never the service
 * user's own: the packaged controller runs with a HOME whose GnuPG keyring and git configuration
 * would accept the commit, and refuses it all the same, saying which key file to configure.
 */
class CommitVerificationIsolationIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void anOpenPgpSignedCommitIsRefusedWithOnlySshSignersConfiguredThoughTheUsersKeyringHasItsKey() {
        try (FleetFixture fleet = new FleetFixture(List.of("web1"))) {
            Path base = fleet.repo().getParent();
            // The service user's own keyring holds the signing key, trusted ultimately as gpg does for a key made there.
            sh(base, """
                    mkdir -p home/.gnupg keys && chmod 700 home/.gnupg
                    GNUPGHOME="$PWD/home/.gnupg" gpg --batch --quiet --passphrase '' --quick-gen-key 'Service User <svc@example.org>' ed25519 sign never
                    ssh-keygen -q -t ed25519 -N '' -C trusted -f keys/trusted
                    printf 'signer@example.org %s\\n' "$(cut -d' ' -f1,2 keys/trusted.pub)" > keys/allowed_signers
                    """);
            String signed = sh(fleet.repo(), """
                    export GNUPGHOME="$1"
                    printf '{ motd = "openpgp-signed"; }\\n' > hosts/web1.nix && git add -A
                    git -c user.signingkey=svc@example.org commit -S -q -m 'web1: signed with the user key' && git rev-parse HEAD
                    """, base.resolve("home/.gnupg").toString());
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.git.verify.allowed-signers-file", base.resolve("keys/allowed_signers").toString());
            Map<String, String> env = Map.of("HOME", base.resolve("home").toString(), "GNUPGHOME", base.resolve("home/.gnupg").toString());
            try (DriftlessProcess app = DriftlessProcess.start(config, "verification-isolated-openpgp", env)) {
                assertRefused(app, signed, "driftless.git.verify.openpgp-keys-file");
            } finally {
                sh(base, "GNUPGHOME=\"$PWD/home/.gnupg\" gpgconf --kill gpg-agent || true");
            }
        }
    }

    @Test
    void anSshSignedCommitIsRefusedWithOnlyOpenPgpKeysConfiguredThoughTheUsersGitConfigTrustsItsKey() {
        try (FleetFixture fleet = new FleetFixture(List.of("web1"))) {
            Path base = fleet.repo().getParent();
            // The service user's global git configuration names an allowed-signers file that trusts the key.
            sh(base, """
                    mkdir -p home keys/gnupg && chmod 700 keys/gnupg
                    ssh-keygen -q -t ed25519 -N '' -C user -f home/id_ed25519
                    printf 'svc@example.org %s\\n' "$(cut -d' ' -f1,2 home/id_ed25519.pub)" > home/allowed_signers
                    printf '[gpg "ssh"]\\n\\tallowedSignersFile = %s\\n' "$PWD/home/allowed_signers" > home/.gitconfig
                    export GNUPGHOME="$PWD/keys/gnupg"
                    gpg --batch --quiet --passphrase '' --quick-gen-key 'Fleet Signer <pgp-signer@example.org>' ed25519 sign never
                    gpg --batch --quiet --armor --export pgp-signer@example.org > keys/openpgp.asc
                    gpgconf --kill gpg-agent || true
                    """);
            String signed = sh(fleet.repo(), """
                    printf '{ motd = "ssh-signed"; }\\n' > hosts/web1.nix && git add -A
                    git -c gpg.format=ssh -c user.signingkey="$1" commit -S -q -m 'web1: signed with the user key' && git rev-parse HEAD
                    """, base.resolve("home/id_ed25519").toString());
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.git.verify.openpgp-keys-file", base.resolve("keys/openpgp.asc").toString());
            Map<String, String> env = Map.of("HOME", base.resolve("home").toString(), "GIT_CONFIG_GLOBAL", base.resolve("home/.gitconfig").toString());
            try (DriftlessProcess app = DriftlessProcess.start(config, "verification-isolated-ssh", env)) {
                assertRefused(app, signed, "driftless.git.verify.allowed-signers-file");
            }
        }
    }

    @Test
    void aStrangersSshSignatureIsRefusedThoughTheUsersGitConfigSwapsTheProgramThatChecksIt() {
        try (FleetFixture fleet = new FleetFixture(List.of("web1"))) {
            Path base = fleet.repo().getParent();
            // The service user's git configuration runs a program that calls every SSH signature good.
            sh(base, """
                    mkdir -p home keys
                    ssh-keygen -q -t ed25519 -N '' -C trusted -f keys/trusted
                    ssh-keygen -q -t ed25519 -N '' -C stranger -f keys/stranger
                    printf 'signer@example.org %s\\n' "$(cut -d' ' -f1,2 keys/trusted.pub)" > keys/allowed_signers
                    cat > home/always-good <<'EOF'
                    #!/bin/sh
                    echo 'Good "git" signature for signer@example.org with ED25519 key SHA256:x'
                    EOF
                    chmod +x home/always-good
                    printf '[gpg "ssh"]\\n\\tprogram = %s\\n' "$PWD/home/always-good" > home/.gitconfig
                    """);
            String signed = sh(fleet.repo(), """
                    printf '{ motd = "stranger"; }\\n' > hosts/web1.nix && git add -A
                    git -c gpg.format=ssh -c user.signingkey="$1" commit -S -q -m 'web1: signed by a stranger' && git rev-parse HEAD
                    """, base.resolve("keys/stranger").toString());
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.git.verify.allowed-signers-file", base.resolve("keys/allowed_signers").toString());
            Map<String, String> env = Map.of("HOME", base.resolve("home").toString(), "GIT_CONFIG_GLOBAL", base.resolve("home/.gitconfig").toString());
            try (DriftlessProcess app = DriftlessProcess.start(config, "verification-isolated-program", env)) {
                assertRefused(app, signed, "No principal matched");
            }
        }
    }

    /** Waits for the head to be decided on, either way, so that on a controller that accepts it the test fails at once. */
    private static void assertRefused(DriftlessProcess app, String sha, String why) {
        String status = "find { it.sha == '" + sha + "' }.status";
        await().atMost(WAIT).until(() -> {
            String now = app.api().get("/api/v1/commits").then().extract().path(status);
            return now != null && !now.equals("observed");
        });
        String decided = app.api().get("/api/v1/commits").then().extract().path(status);
        assertEquals("refused", decided, "only the service user's own setup accepts the head's signature, yet it is not refused:\n" + app.log());
        app.api().get("/api/v1/commits").then()
                .body("find { it.sha == '" + sha + "' }.error", containsString(why));
        app.api().get("/api/v1/hosts/web1").then().body("desired", nullValue());
    }
}
