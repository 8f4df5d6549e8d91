package dev.driftless.nix;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.config.DriftlessConfig;
import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/** {@link Nix} through the real {@code nix} command line. */
@ApplicationScoped
public class NixCli implements Nix {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(NixCli.class);

    /**
     * Each host's toplevel drvPath, also written to stderr by {@code builtins.trace} the moment it
     * is evaluated ({@link #FOUND}): the JSON on stdout comes only at the end.
     */
    static final String TOPLEVEL_DRVS = "cs: builtins.mapAttrs (n: c: let d = c.config.system.build.toplevel.drvPath; in "
            + "builtins.trace \"driftless-drv ${n} ${d}\" d) cs";
    /** How a traced drvPath shows on stderr: {@code trace: driftless-drv <host> <drvPath>}. */
    static final String FOUND = "trace: driftless-drv ";
    /** The expression that evaluates a commit: resources/dev/driftless/nix/evaluate.nix. */
    static final String EVALUATE = resource("evaluate.nix");

    private static String resource(String name) {
        try (java.io.InputStream in = NixCli.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) + "\n";
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing resource " + name, e);
        }
    }

    private final NixSettings settings;
    private final Duration timeout;
    private final Optional<String> cache;
    private final ObjectMapper json = new ObjectMapper();
    private final int evalProcesses;
    /** How large and how slow the last evaluation was: what chooses the processes of the next when none are configured. */
    private volatile EvalShares.Last lastEvaluation;
    /** drvPath to out path of what {@link #realise} built, the newest few thousand; its monitor guards {@link #realising} too. */
    private final Map<String, String> realised = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    };
    /** The derivations a realise is building now. */
    private final java.util.Set<String> realising = new java.util.HashSet<>();
    /** The nix that evaluates the next commit, started as the commit arrives ({@link #warmUp}). */
    private final EvalStarter evals;
    /** A nix-store --serve that stays running, for the store's answers without a nix started for each. */
    private final StoreServe store;
    /** Adds each commit's files to the store ahead of its evaluation, through {@link #store}. */
    private final SourceStore sources;
    /** Which built paths still need Driftless's signature. */
    private final Signatures signatures;
    /** Where the shares of one evaluation run; a thread only waits for its process. */
    private final java.util.concurrent.ExecutorService evaluators;

    NixCli(NixSettings settings, DriftlessConfig config) {
        this.settings = settings;
        this.evalProcesses = Math.max(0, config.nix().evalProcesses());
        this.evaluators = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "nix-eval");
            t.setDaemon(true);
            return t;
        });
        this.timeout = config.nix().timeout();
        this.cache = config.nix().cache();
        this.store = new StoreServe(settings::env, config.nix().timeout());
        this.sources = new SourceStore(store);
        this.signatures = new Signatures(settings.trustedKeys().get(0));
        this.evals = new EvalStarter(settings::evalEnv);
    }

    @Override
    public Optional<String> addSource(Path tree) {
        return sources.add(tree).map(SourceStore.Added::narHash);
    }

    @jakarta.annotation.PreDestroy
    void close() {
        store.close();
        evals.close();
    }

    @Override
    public Evaluation evaluate(String flakeRef, Progress progress) throws NixFailure {
        long start = System.nanoTime();
        Evaluation evaluation = evaluate(flakeRef, progress,
                EvalShares.processes(evalProcesses, Runtime.getRuntime().availableProcessors(), lastEvaluation));
        lastEvaluation = new EvalShares.Last(evaluation.drvPaths().size(), java.time.Duration.ofNanos(System.nanoTime() - start));
        return evaluation;
    }

    private Evaluation evaluate(String flakeRef, Progress progress, int processes) throws NixFailure {
        if (processes <= 1) {
            Whole whole = whole(flakeRef, TOPLEVEL_DRVS, progress);
            return new Evaluation(whole.drvs(), whole.inventory());
        }
        Whole names = whole(flakeRef, "builtins.mapAttrs (n: c: \"\")", Progress.NONE);
        List<List<String>> orders = EvalShares.orders(EvalShares.firstThenByName(names.drvs().keySet(), progress.first()), processes);
        SharedEvaluation.Result result = SharedEvaluation.run(orders,
                (index, order, found) -> evalNix(new Progress(List.of(), found), "eval", "--json", flakeRef + "#nixosConfigurations",
                        "--apply", EvalShares.apply(index, orders.size(), progress.first())),
                progress.found(), evaluators);
        for (SharedEvaluation.Share share : result.shares()) { // each process's time, per host, so a slow host shows
            int hosts = share.firstToKnow().size();
            LOG.infof("evaluated %d host(s) in one process in %d ms (%d ms a host)%s: %s", hosts, share.millis(),
                    share.millis() / Math.max(1, hosts), share.stopped() ? ", then stopped: every host was known" : "",
                    EvalShares.abbreviate(share.firstToKnow()));
        }
        Map<String, String> all = result.drvPaths();
        return new Evaluation(all, names.inventory());
    }

    /** One process's view of the whole flake: {@code select} applied to nixosConfigurations, and the hosts the flake declares. */
    private record Whole(Map<String, String> drvs, dev.driftless.inventory.DeclaredHosts inventory) {}

    /**
     * The flake is reached with {@code builtins.getFlake} on the pinned ref, which pure evaluation
     * allows, so that its other outputs ({@code driftless}, {@code deploy}, {@code colmena}) are
     * read in the same process as the configurations.
     */
    private Whole whole(String flakeRef, String select, Progress progress) throws NixFailure {
        String first = progress.first().stream().map(NixCli::nixString).collect(java.util.stream.Collectors.joining(" ", "[ ", " ]"));
        String expr = "(" + EVALUATE + ") (" + select + ") " + first + " (builtins.getFlake " + nixString(flakeRef) + ")";
        ProcessResult result = evals.eval(expr, timeout, line -> found(line, progress));
        if (!result.ok()) {
            throw new NixFailure(result.explain());
        }
        try {
            JsonNode root = json.readTree(result.stdout());
            Map<String, String> drvs = json.convertValue(root.get("drvs"), new TypeReference<Map<String, String>>() {});
            dev.driftless.inventory.DeclaredHosts inventory = json.convertValue(root.get("inventory"), dev.driftless.inventory.DeclaredHosts.class);
            return new Whole(drvs, inventory.withConfigurations(drvs.keySet()));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new NixFailure("nix eval printed something that is not the configurations and hosts of a flake: " + abbreviate(result.stdout()));
        }
    }

    /** A Nix string literal of {@code text}: nothing in it can end the string or interpolate. */
    static String nixString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("${", "\\${") + "\"";
    }

    /**
     * Builds and signs ahead of {@link #build}, which waits for a realise of the same derivations
     * to end (a second nix waiting on Nix's lock polls only every 5 s) and then takes their out
     * paths from here instead of starting more nix processes for them.
     */
    @Override
    public void realise(Collection<String> drvPaths) throws NixFailure {
        List<String> drvs = drvPaths.stream().distinct().sorted().toList();
        if (drvs.isEmpty()) {
            return;
        }
        synchronized (realised) {
            realising.addAll(drvs);
        }
        try {
            // At the lowest CPU priority: it is work done early, and must not slow an evaluation that keeps every core busy.
            List<String> command = new java.util.ArrayList<>(List.of("nice", "-n", "19", "nix", "build", "--json", "--no-link", "--keep-going"));
            command.addAll(settings.maxJobs());
            command.addAll(signAsBuilt());
            drvs.forEach(drv -> command.add(settings.derivationInstallable(drv)));
            ProcessResult built = ProcessRunner.run(command, settings.env(), timeout);
            if (!built.ok()) {
                throw new NixFailure(built.explain());
            }
            Map<String, String> outs = new java.util.HashMap<>(outPaths(built.stdout()));
            outs.keySet().retainAll(drvs);
            outs.values().removeIf(out -> !out.startsWith("/nix/store/"));
            sign(outs.values());
            synchronized (realised) {
                realised.putAll(outs);
            }
        } finally {
            synchronized (realised) {
                realising.removeAll(drvs);
                realised.notifyAll();
            }
        }
    }

    /** The out paths {@link #realise} built of {@code drvs}, once no realise of any of them is running. */
    private Map<String, String> builtAhead(List<String> drvs) {
        Map<String, String> found = new java.util.HashMap<>();
        synchronized (realised) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (drvs.stream().anyMatch(realising::contains) && System.nanoTime() < deadline) {
                    realised.wait(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drvs.forEach(drv -> {
                String out = realised.get(drv);
                if (out != null) {
                    found.put(drv, out);
                }
            });
        }
        return found;
    }

    /**
     * One {@code nix build --keep-going} for the whole batch, so Nix schedules the derivations the
     * hosts share once and builds the rest up to its {@code max-jobs}; then one {@code nix store
     * sign} and one cache copy for all of it. When the build fails, a dry run says which toplevels
     * are still unbuilt: those hosts failed, the others built.
     */
    @Override
    public Map<String, String> build(Map<String, String> drvPaths) throws NixFailure {
        if (drvPaths.isEmpty()) {
            return Map.of();
        }
        List<String> drvs = drvPaths.values().stream().distinct().sorted().toList();
        Map<String, String> ahead = builtAhead(drvs);
        // Built and signed ahead, and still in the store (a garbage collection may have taken it since: then built again).
        if (ahead.size() == drvs.size() && ahead.values().stream().allMatch(out -> Files.exists(Path.of(out), LinkOption.NOFOLLOW_LINKS))) {
            return share(outsByHost(drvPaths, ahead, ""));
        }
        List<String> command = new java.util.ArrayList<>(List.of("nix", "build", "--json", "--no-link", "--keep-going"));
        command.addAll(settings.maxJobs());
        command.addAll(signAsBuilt());
        drvs.forEach(drv -> command.add(settings.derivationInstallable(drv)));
        ProcessResult result = ProcessRunner.run(command, settings.env(), timeout);
        if (!result.ok()) {
            throw new Nix.BuildFailed(unbuilt(drvPaths), result.explain());
        }
        Map<String, String> outs = outsByHost(drvPaths, outPaths(result.stdout()), result.stdout());
        sign(outs.values());
        return share(outs);
    }

    private Map<String, String> outsByHost(Map<String, String> drvPaths, Map<String, String> outByDrv, String printed) throws NixFailure {
        Map<String, String> outs = new TreeMap<>();
        for (Map.Entry<String, String> host : drvPaths.entrySet()) {
            String out = outByDrv.get(host.getValue());
            if (out == null || !out.startsWith("/nix/store/")) {
                throw new Nix.BuildFailed(List.of(host.getKey()), "nix build of " + host.getValue() + " returned no out path: "
                        + abbreviate(printed));
            }
            outs.put(host.getKey(), out);
        }
        return outs;
    }

    /**
     * Nix signs what it builds with the key ({@code extra-secret-key-files}), so a commit's new paths
     * need no {@code nix store sign} afterwards. A store reached through a daemon that does not
     * take this setting from Driftless builds them unsigned, and {@link #sign} signs them. The
     * setting is a list split at spaces: a key file whose path has one is left to {@link #sign}.
     */
    private List<String> signAsBuilt() {
        String key = settings.signingKey().toString();
        // extra-: keys the operator's nix.conf names still sign too, as they did before Driftless's sign.
        return key.chars().anyMatch(Character::isWhitespace) ? List.of() : List.of("--option", "extra-secret-key-files", key);
    }

    /**
     * Signs the closures of {@code outs} with Driftless's key: hosts check it when they receive
     * them. When the running nix-store says every path of them already carries a signature by
     * the key (Nix signed what it built, and the rest was signed before), no nix is started.
     */
    private void sign(Collection<String> outs) throws NixFailure {
        if (outs.isEmpty()) {
            return;
        }
        List<String> paths = outs.stream().distinct().sorted().toList();
        try {
            if (signatures.unsigned(store.closureInfos(paths)).isEmpty()) {
                return;
            }
        } catch (java.io.IOException e) {
            LOG.debugf("cannot ask nix-store --serve for the signatures of %s (%s); signing them all", paths, e.getMessage());
        }
        List<String> sign = new java.util.ArrayList<>(List.of("store", "sign", "--recursive", "--key-file", settings.signingKey().toString()));
        sign.addAll(paths);
        nix(sign.toArray(String[]::new));
        try {
            signatures.signedAll(store.closureInfos(paths));
        } catch (java.io.IOException e) {
            LOG.debugf("cannot ask nix-store --serve for the signatures of %s (%s); they are checked again next time", paths, e.getMessage());
        }
    }

    /** Hands the closures to the cache, if one is set, for workers and controllers with stores of their own. */
    private Map<String, String> share(Map<String, String> outs) throws NixFailure {
        List<String> distinct = outs.values().stream().distinct().sorted().toList();
        if (cache.isPresent()) {
            List<String> copy = new java.util.ArrayList<>(List.of("copy", "--to", cache.get()));
            copy.addAll(distinct);
            nix(copy.toArray(String[]::new));
        }
        return outs;
    }

    /** {@code [{"drvPath": …, "outputs": {"out": …}}, …]}, as every Nix since 2.8 prints it, by drvPath. */
    private Map<String, String> outPaths(String stdout) throws NixFailure {
        Map<String, String> outs = new java.util.HashMap<>();
        try {
            for (JsonNode built : json.readTree(stdout)) {
                outs.put(built.path("drvPath").asText(""), built.path("outputs").path("out").asText(""));
            }
        } catch (IOException | RuntimeException e) {
            throw new NixFailure("nix build printed no JSON: " + abbreviate(stdout));
        }
        return outs;
    }

    /**
     * The hosts of a batch whose toplevel is not built, from a dry run that lists the derivations
     * still to build; every host of the batch when even that fails.
     */
    private List<String> unbuilt(Map<String, String> drvPaths) {
        List<String> command = new java.util.ArrayList<>(List.of("nix", "build", "--dry-run", "--no-link"));
        drvPaths.values().stream().distinct().sorted().forEach(drv -> command.add(settings.derivationInstallable(drv)));
        ProcessResult dry = ProcessRunner.run(command, settings.env(), timeout);
        java.util.Set<String> toBuild = new java.util.HashSet<>();
        for (String line : dry.stderr().split("\n")) {
            toBuild.add(line.strip());
        }
        List<String> failed = drvPaths.entrySet().stream().filter(e -> !dry.ok() || toBuild.contains(e.getValue()))
                .map(Map.Entry::getKey).sorted().toList();
        return failed.isEmpty() ? drvPaths.keySet().stream().sorted().toList() : failed;
    }

    @Override
    public void fetch(Collection<String> outPaths) throws NixFailure {
        if (cache.isEmpty() || outPaths.isEmpty()) {
            return; // one store: the worker built it where the controller deploys from
        }
        // The closure is signed with the fleet's key; this store accepts it on that signature alone.
        List<String> args = new java.util.ArrayList<>(List.of("copy"));
        settings.trustedKeys().forEach(key -> args.addAll(List.of("--extra-trusted-public-keys", key)));
        args.addAll(List.of("--from", cache.get()));
        outPaths.stream().distinct().sorted().forEach(args::add);
        nix(args.toArray(String[]::new));
    }

    /** Whether a nix started ahead waits for the next evaluation, for tests. */
    boolean spareWaiting() {
        return evals.waiting();
    }

    /**
     * Starts the nix that will evaluate the next commit, so that its start overlaps the writing
     * of the commit's files ({@link EvalStarter}).
     */
    @Override
    public void warmUp() {
        evals.warmUp();
    }

    private ProcessResult nix(String... args) throws NixFailure {
        return nix(settings.env(), null, args);
    }

    /** Runs an evaluating nix; the drvPaths it traces go to {@code progress} and stay out of the kept stderr. */
    private ProcessResult evalNix(Progress progress, String... args) throws NixFailure {
        return nix(settings.evalEnv(), progress, args);
    }

    /** Runs nix; with {@code progress}, the drvPaths an evaluation traces go to it and stay out of the kept stderr. */
    private ProcessResult nix(Map<String, String> env, Progress progress, String... args) throws NixFailure {
        List<String> command = new java.util.ArrayList<>(List.of("nix"));
        command.addAll(List.of(args));
        ProcessResult result = ProcessRunner.run(command, env, timeout, null, progress == null ? null : line -> found(line, progress));
        if (!result.ok()) {
            throw new NixFailure(result.explain());
        }
        return result;
    }

    /** Whether {@code line} is a traced drvPath; if it is, {@code progress} hears of it. */
    static boolean found(String line, Progress progress) {
        if (!line.startsWith(FOUND)) {
            return false;
        }
        String rest = line.substring(FOUND.length());
        int space = rest.lastIndexOf(' ');
        if (space > 0 && rest.startsWith("/nix/store/", space + 1)) {
            progress.found().accept(rest.substring(0, space), rest.substring(space + 1));
        }
        return true;
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
