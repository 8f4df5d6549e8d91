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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@link CommitVerifier} through {@code git verify-commit} on the mirror: SSH signatures against
 * the configured allowed-signers file (git runs {@code ssh-keygen -Y verify}), OpenPGP signatures
 * against a keyring of its own that holds only the configured keys. Off, allowing every commit,
 * until one of the two is configured.
 *
 * <p>Nothing of the service user's own setup takes part: every git and gpg that verification
 * runs has a HOME and a GnuPG home of Driftless's own under the data directory, and reads no
 * global or system git configuration. A commit signed with a kind of key Driftless has no keys
 * for is refused, and the refusal names the setting that would give it some.
 */
@ApplicationScoped
public class GitSignatures implements CommitVerifier {

    private static final Logger LOG = Logger.getLogger(GitSignatures.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SSH_SETTING = "driftless.git.verify.allowed-signers-file";
    private static final String OPENPGP_SETTING = "driftless.git.verify.openpgp-keys-file";

    /** What a commit's {@code gpgsig} header holds, by its armor. */
    enum Kind {
        NONE, SSH, OPENPGP, OTHER;

        static Kind of(String rawCommit) {
            for (String line : rawCommit.split("\n", -1)) {
                if (line.isEmpty()) {
                    return NONE; // the headers end here, and the message follows
                }
                if (line.startsWith("gpgsig ") || line.startsWith("gpgsig-sha256 ")) {
                    String armor = line.substring(line.indexOf(' ') + 1).strip();
                    return armor.equals("-----BEGIN SSH SIGNATURE-----") ? SSH
                            : armor.equals("-----BEGIN PGP SIGNATURE-----") ? OPENPGP : OTHER;
                }
            }
            return NONE;
        }
    }

    private final GitMirror mirror;
    private final Optional<String> allowedSigners;
    private final boolean openpgp;
    /** HOME, GNUPGHOME and the signers file for every verification; null while verification is off. */
    private final Isolation isolation;

    private record Isolation(Path home, Path gnupgHome, String signersFile) {

        /**
         * The environment of every git and gpg run: no global or system git configuration, no
         * config passed down through the environment, and homes that hold only what Driftless put there.
         */
        Map<String, String> env() {
            return Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString(),
                    "GNUPGHOME", gnupgHome.toString(), "GIT_CONFIG_GLOBAL", "/dev/null", "GIT_CONFIG_NOSYSTEM", "1",
                    "GIT_CONFIG_COUNT", "0", "GIT_CONFIG_PARAMETERS", "");
        }
    }

    GitSignatures(GitMirror mirror, DriftlessConfig config) {
        this.mirror = mirror;
        this.allowedSigners = config.git().verify().allowedSignersFile().map(f -> Path.of(f).toAbsolutePath().toString());
        Optional<String> openpgpKeys = config.git().verify().openpgpKeysFile();
        this.openpgp = openpgpKeys.isPresent();
        if (allowedSigners.isEmpty() && !openpgp) {
            this.isolation = null;
            return;
        }
        Path base = Path.of(config.dataDir(), "verify");
        Path home = freshPrivateDirectory(base.resolve("home"));
        Path gnupgHome = freshPrivateDirectory(base.resolve("gnupg"));
        // With no SSH signers configured, git gets an empty list, so that no SSH signature passes.
        String signers = allowedSigners.orElseGet(() -> emptyFile(base.resolve("no-ssh-signers")).toString());
        this.isolation = new Isolation(home, gnupgHome, signers);
        openpgpKeys.ifPresent(keys -> importKeys(Path.of(keys), isolation));
        LOG.infof("only commits signed by %s are deployed", describe());
    }

    public boolean enabled() {
        return isolation != null;
    }

    @Override
    public Optional<String> refusal(String sha) {
        if (!enabled()) {
            return Optional.empty();
        }
        ProcessResult raw = git("cat-file", "commit", sha);
        Kind kind = raw.ok() ? Kind.of(raw.stdout()) : Kind.NONE;
        Optional<String> why = switch (kind) {
            case NONE -> Optional.of(raw.ok() ? "it is not signed" : "git cannot read it (" + oneLine(raw.explain()) + ")");
            case SSH -> allowedSigners.isPresent() ? verify(sha)
                    : Optional.of("it carries an SSH signature, and no SSH key is trusted: to deploy SSH-signed commits, add the signer's "
                            + "public key to an allowed-signers file and set " + SSH_SETTING + " to it");
            case OPENPGP -> openpgp ? verify(sha)
                    : Optional.of("it carries an OpenPGP signature, and no OpenPGP key is trusted: to deploy OpenPGP-signed commits, export "
                            + "the signer's public key (gpg --export --armor) to a file and set " + OPENPGP_SETTING + " to it");
            case OTHER -> Optional.of("it carries a kind of signature Driftless does not check (only SSH and OpenPGP)");
        };
        return why.map(reason -> "commit " + sha.substring(0, Math.min(12, sha.length())) + " is not deployed: " + reason
                + "; only commits signed by " + describe() + " are. Sign the commit (git commit -S) with a trusted key and push again.");
    }

    /** Empty when git accepts the signature with only the configured keys to go by. */
    private Optional<String> verify(String sha) {
        ProcessResult result = git("verify-commit", sha);
        if (result.ok()) {
            return Optional.empty();
        }
        String said = (result.stderr() + result.stdout()).strip();
        return Optional.of("its signature is not from a trusted key (" + oneLine(said) + ")");
    }

    /** git on the mirror, isolated, with the allowed signers given explicitly rather than found in some configuration. */
    private ProcessResult git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "--git-dir=" + mirror.directory(),
                "-c", "gpg.ssh.allowedSignersFile=" + isolation.signersFile()));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, isolation.env(), TIMEOUT);
    }

    private String describe() {
        List<String> keys = new ArrayList<>();
        allowedSigners.ifPresent(f -> keys.add("the SSH keys in " + f));
        if (openpgp) {
            keys.add("the OpenPGP keys in " + OPENPGP_SETTING);
        }
        return String.join(" or ", keys);
    }

    /** The configured public keys, and nothing else, into the GnuPG home of our own. */
    private static void importKeys(Path keys, Isolation isolation) {
        ProcessResult imported = ProcessRunner.run(List.of("gpg", "--batch", "--quiet", "--import", keys.toAbsolutePath().toString()),
                isolation.env(), TIMEOUT);
        if (!imported.ok()) {
            throw new IllegalStateException("cannot import " + OPENPGP_SETTING + " " + keys + ": " + imported.explain()
                    + "; install gnupg and give ASCII-armored public keys (gpg --export --armor)");
        }
    }

    /** An empty directory only this user may read, made anew at each start so that nothing from before lingers. */
    private static Path freshPrivateDirectory(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (var old = Files.walk(dir)) {
                    old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir.getParent());
            return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir + " for commit verification", e);
        }
    }

    private static Path emptyFile(Path file) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + file + " for commit verification", e);
        }
    }

    /** What git and its signing tool said, on one line: for SSH that ends with "No principal matched". */
    private static String oneLine(String text) {
        String joined = String.join("; ", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return joined.length() > 400 ? joined.substring(0, 399) + "…" : joined;
    }
}
