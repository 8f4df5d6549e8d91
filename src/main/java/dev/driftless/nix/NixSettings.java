package dev.driftless.nix;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * How Driftless calls {@code nix}: the environment every call gets, the version found, and
 * the key that signs what we build. The key is generated once under the data directory unless
 * the user names one, so copies to hosts never have to skip signature checks.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE + 1) // after KnownSecrets: a probe's error may quote NIX_CONFIG
@ApplicationScoped
public class NixSettings {

    private static final Logger LOG = Logger.getLogger(NixSettings.class);
    private static final Duration QUICK = Duration.ofSeconds(30);
    /** Longer than a failed start-up takes to exit. */
    private static final Duration EXIT_WAIT = Duration.ofMinutes(2);

    private final Map<String, String> env;
    static final String EVAL_GC_FREE_SPACE_DIVISOR = "2";
    /** The version found, once the sandbox probe (if any) passed. */
    private final CompletableFuture<int[]> checked;
    private final Path signingKey;
    private final List<String> trustedKeys;

    NixSettings(DriftlessConfig config) {
        List<String> options = config.nix().options().orElse(List.of());
        this.env = Map.of("NIX_CONFIG", nixConfig(System.getenv("NIX_CONFIG"), options));
        // `nix --version` and the probe build run while the rest of the start-up does (about 150 ms of
        // processes); every nix call waits for their verdict in env(), and the start-up fails on it in verified().
        CompletableFuture<ProcessResult> probe = config.role().works()
                ? sandboxProbe(options, config.nix().allowUnsandboxed(), Path.of(config.dataDir()))
                : CompletableFuture.completedFuture(null);
        this.checked = inBackground("nix-version", () -> detectVersion(env)).thenCombine(probe, (found, probed) -> {
            if (probed != null) {
                requireSandbox(probed);
            }
            return found;
        });
        if (!config.role().controls() && config.ssh().privateKeyFile().isPresent()) {
            LOG.warn("this worker has driftless.ssh.private-key-file, the key that logs in to hosts; workers never deploy, so"
                    + " remove it here (for ssh:// repositories give workers driftless.git.ssh-key-file, a read-only deploy key)");
        }
        this.signingKey = config.nix().signingKeyFile().map(Path::of)
                .orElseGet(() -> ensureKey(Path.of(config.dataDir(), "keys", "signing-key.sec"), env));
        List<String> keys = new ArrayList<>();
        keys.add(publicKey(signingKey));
        config.nix().trustedPublicKeys().ifPresent(keys::addAll);
        this.trustedKeys = List.copyOf(keys);
    }

    /** The start-up ends here, after the other beans started: it fails if nix is missing or too old, or builds are not sandboxed. */
    void verified(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) StartupEvent start) {
        int[] found = version();
        LOG.infof("nix %d.%d found; closures are signed with %s", found[0], found[1], trustedKeys.get(0).split(":")[0]);
    }

    /** The Nix version, once it is known and builds are proven sandboxed; throws what the check found otherwise. */
    private int[] version() {
        try {
            return checked.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * The environment of every nix call; no call runs before nix was found and builds were proven
     * sandboxed. When they were not, the start-up fails on it ({@link #verified}) and the process
     * exits: a job that asked meanwhile (the first evaluation of the branch) waits for that exit
     * instead of failing, so that no commit is marked failed for what is this machine's fault.
     */
    public Map<String, String> env() {
        usableVersion();
        return env;
    }

    /**
     * The environment of an evaluation: {@link #env}, with Nix's garbage collector told to grow
     * its heap until half of it is free after a collection rather than a third (Boehm GC's
     * {@code GC_FREE_SPACE_DIVISOR}, 3 by default). Evaluating a host allocates far more than it
     * keeps, and in {@code bench/eval-spread.sh} this ran each process about 15 % faster for
     * about 12 % more memory. Set {@code GC_FREE_SPACE_DIVISOR} in Driftless's environment to
     * choose otherwise; it is then passed on as it is.
     */
    public Map<String, String> evalEnv() {
        return evalEnv(env(), System.getenv("GC_FREE_SPACE_DIVISOR"));
    }

    /** {@code env} for an evaluation, given the divisor in Driftless's own environment ({@code null} when it has none). */
    static Map<String, String> evalEnv(Map<String, String> env, String inherited) {
        if (inherited != null) {
            return env; // inherited by the process as it is
        }
        Map<String, String> eval = new java.util.HashMap<>(env);
        eval.put("GC_FREE_SPACE_DIVISOR", EVAL_GC_FREE_SPACE_DIVISOR);
        return Map.copyOf(eval);
    }

    /** The version for a job: like {@link #env}, it waits for a failing start-up's exit rather than fail the job's commit. */
    private int[] usableVersion() {
        try {
            return checked.join();
        } catch (CompletionException e) {
            awaitExit();
            throw new IllegalStateException("nix cannot be used here; see the start-up's error", e);
        }
    }

    private static void awaitExit() {
        try {
            Thread.sleep(EXIT_WAIT.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // the shutdown stopping this job
        }
    }

    /**
     * Nix's {@code max-jobs} for a batch build: {@code auto} (one job per core, as NixOS sets it)
     * unless the operator chose one in {@code driftless.nix.options} or {@code NIX_CONFIG}. Nix's
     * own default of 1 would build a batch's hosts one after another.
     */
    public List<String> maxJobs() {
        return env.get("NIX_CONFIG").contains("max-jobs") ? List.of() : List.of("--max-jobs", "auto");
    }

    public Path signingKey() {
        return signingKey;
    }

    /** Public keys a host accepts a closure from. */
    public List<String> trustedKeys() {
        return trustedKeys;
    }

    /** The installable that builds every output of a store derivation, on old and new Nix alike. */
    public String derivationInstallable(String drvPath) {
        // Nix 2.13 reinterpreted a bare .drv argument as the file itself; "^*" means its outputs.
        int[] version = usableVersion();
        boolean caretSyntax = version[0] > 2 || (version[0] == 2 && version[1] >= 13);
        return caretSyntax ? drvPath + "^*" : drvPath;
    }

    /**
     * The inherited {@code NIX_CONFIG}, then flakes switched on and the sandbox settings (which
     * beat a {@code sandbox = false} in nix.conf or the environment), then the user's options.
     */
    static String nixConfig(String inherited, List<String> options) {
        StringBuilder config = new StringBuilder();
        if (inherited != null && !inherited.isBlank()) {
            config.append(inherited.strip()).append('\n');
        }
        config.append("extra-experimental-features = nix-command flakes");
        BuildSandbox.SETTINGS.forEach(setting -> config.append('\n').append(setting));
        options.forEach(option -> config.append('\n').append(option.strip()));
        return config.toString();
    }

    /**
     * A process that builds commits refuses to start unless builds are sandboxed, proven by a
     * probe build, or the operator opted out knowingly. The check runs here, before any job can
     * reach {@link NixCli}. Returns the running probe, or a null result when none is needed.
     */
    private CompletableFuture<ProcessResult> sandboxProbe(List<String> options, boolean allowUnsandboxed, Path dataDir) {
        if (allowUnsandboxed) {
            LOG.warnf("builds may run without Nix's sandbox (%s): a commit can read this process's keys and tokens",
                    BuildSandbox.OPT_OUT);
            return CompletableFuture.completedFuture(null);
        }
        BuildSandbox.weakening(options).ifPresent(option -> {
            throw new IllegalStateException("driftless.nix.options sets `" + option + "`, which lets a commit's builds run outside"
                    + " Nix's sandbox and read this process's keys and tokens; remove it, or set " + BuildSandbox.OPT_OUT
                    + " to build unsandboxed knowingly");
        });
        String probe = BuildSandbox.probeExpression(dataDir.toAbsolutePath().toString(), java.util.UUID.randomUUID().toString());
        List<String> command = List.of("nix", "build", "--impure", "--no-link", "--json", "--expr", probe);
        return inBackground("nix-sandbox-probe", () -> ProcessRunner.run(command, env, QUICK));
    }

    private static <T> CompletableFuture<T> inBackground(String name, java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        });
    }

    private static void requireSandbox(ProcessResult result) {
        BuildSandbox.Outcome outcome = BuildSandbox.judge(result);
        switch (outcome.verdict()) {
            case ISOLATED -> LOG.infof("builds are sandboxed: %s", outcome.detail());
            case EXPOSED -> throw new IllegalStateException("Nix's sandbox does not isolate builds here: " + outcome.detail()
                    + " (is the store served by a daemon that ignores this process's sandbox setting?); fix the sandbox, or set "
                    + BuildSandbox.OPT_OUT + " to build unsandboxed knowingly");
            case BROKEN -> throw new IllegalStateException("Nix's sandbox does not work on this machine (" + outcome.detail()
                    + "); builds would fail. Enable user namespaces or run as root, or set " + BuildSandbox.OPT_OUT
                    + " to build unsandboxed knowingly");
        }
    }

    private static int[] detectVersion(Map<String, String> env) {
        ProcessResult result = ProcessRunner.run(List.of("nix", "--version"), env, QUICK);
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)").matcher(result.stdout());
        if (!result.ok() || !m.find()) {
            throw new IllegalStateException("cannot run `nix --version` (" + result.explain()
                    + "); install Nix 2.8 or newer, for example `apt-get install nix-bin`");
        }
        int[] found = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
        if (found[0] < 2 || (found[0] == 2 && found[1] < 8)) {
            throw new IllegalStateException("Nix " + found[0] + "." + found[1] + " is too old; Driftless needs 2.8 or newer");
        }
        return found;
    }

    private Path ensureKey(Path file, Map<String, String> env) {
        if (Files.exists(file)) {
            return file;
        }
        String name = "driftless-" + hostname() + "-1";
        ProcessResult result = ProcessRunner.run(List.of("nix", "key", "generate-secret", "--key-name", name), env, QUICK);
        if (!result.ok()) {
            version(); // a missing or old nix says so, with what to install
            throw new IllegalStateException("cannot generate a signing key: " + result.explain());
        }
        try {
            Files.createDirectories(file.getParent());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, result.stdout());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write signing key " + file, e);
        }
        LOG.infof("generated signing key %s at %s; add its public key to your hosts' trusted-public-keys", name, file);
        return file;
    }

    /**
     * The public half of a Nix secret key file ({@code name:base64}): the key is libsodium's 64
     * bytes, seed then public key, so this is what {@code nix key convert-secret-to-public} prints,
     * without a process. The file's content never appears in an error.
     */
    static String publicKey(Path secret) {
        String text;
        try {
            text = Files.readString(secret).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read signing key " + secret + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), e);
        }
        int colon = text.indexOf(':');
        byte[] key = null;
        if (colon > 0) {
            try {
                key = Base64.getDecoder().decode(text.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                key = null;
            }
        }
        if (key == null || key.length != 64) {
            throw new IllegalStateException("cannot read signing key " + secret + ": it is not a Nix secret key (name:base64 of"
                    + " 64 bytes, as `nix key generate-secret` writes)");
        }
        return text.substring(0, colon) + ":" + Base64.getEncoder().encodeToString(Arrays.copyOfRange(key, 32, 64));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "-");
        } catch (IOException e) {
            return "controller";
        }
    }
}
