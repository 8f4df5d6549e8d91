package dev.driftless.source;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@link CommitVerifier} through {@code git verify-commit} on the mirror: SSH signatures against
 * an allowed-signers file (git runs {@code ssh-keygen -Y verify}), OpenPGP signatures against a
 * keyring of its own that holds only the configured keys. Off, allowing every commit, until
 * one of the two is configured.
 */
@ApplicationScoped
public class GitSignatures implements CommitVerifier {

    private static final Logger LOG = Logger.getLogger(GitSignatures.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final GitMirror mirror;
    private final Optional<String> allowedSigners;
    private final Path gnupgHome;

    GitSignatures(GitMirror mirror, DriftlessConfig config) {
        this.mirror = mirror;
        this.allowedSigners = config.git().verify().allowedSignersFile().map(f -> Path.of(f).toAbsolutePath().toString());
        this.gnupgHome = config.git().verify().openpgpKeysFile().map(keys -> keyring(Path.of(config.dataDir(), "gnupg"), Path.of(keys)))
                .orElse(null);
        if (enabled()) {
            LOG.infof("only commits signed by %s are deployed", describe());
        }
    }

    public boolean enabled() {
        return allowedSigners.isPresent() || gnupgHome != null;
    }

    @Override
    public Optional<String> refusal(String sha) {
        if (!enabled()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of("git", "--git-dir=" + mirror.directory()));
        allowedSigners.ifPresent(f -> command.addAll(List.of("-c", "gpg.ssh.allowedSignersFile=" + f)));
        command.addAll(List.of("verify-commit", sha));
        Map<String, String> env = new HashMap<>();
        if (gnupgHome != null) {
            env.put("GNUPGHOME", gnupgHome.toString());
        }
        ProcessResult result = ProcessRunner.run(command, env, TIMEOUT);
        if (result.ok()) {
            return Optional.empty();
        }
        String said = (result.stderr() + result.stdout()).strip();
        String why = said.contains("no signature found") || said.isEmpty()
                ? "it is not signed"
                : "its signature is not from a trusted key (" + oneLine(said) + ")";
        return Optional.of("commit " + sha.substring(0, Math.min(12, sha.length())) + " is not deployed: " + why
                + "; only commits signed by " + describe() + " are. Sign the commit (git commit -S) with a trusted key and push again.");
    }

    private String describe() {
        List<String> keys = new ArrayList<>();
        allowedSigners.ifPresent(f -> keys.add("the SSH keys in " + f));
        if (gnupgHome != null) {
            keys.add("the OpenPGP keys in driftless.git.verify.openpgp-keys-file");
        }
        return String.join(" or ", keys);
    }

    /** A GnuPG home of our own, holding exactly the configured public keys. */
    private static Path keyring(Path home, Path keys) {
        try {
            if (Files.exists(home)) {
                try (var old = Files.walk(home)) {
                    old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(home.getParent());
            Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the OpenPGP keyring " + home, e);
        }
        ProcessResult imported = ProcessRunner.run(List.of("gpg", "--batch", "--quiet", "--import", keys.toAbsolutePath().toString()),
                Map.of("GNUPGHOME", home.toString()), TIMEOUT);
        if (!imported.ok()) {
            throw new IllegalStateException("cannot import driftless.git.verify.openpgp-keys-file " + keys + ": " + imported.explain()
                    + "; install gnupg and give ASCII-armored public keys (gpg --export --armor)");
        }
        return home;
    }

    /** What git and its signing tool said, on one line: for SSH that ends with "No principal matched". */
    private static String oneLine(String text) {
        String joined = String.join("; ", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return joined.length() > 400 ? joined.substring(0, 399) + "…" : joined;
    }
}
