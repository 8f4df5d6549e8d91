package dev.driftless.nix;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.config.DriftlessConfig;
import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
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

    static final String TOPLEVEL_DRVS = "cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs";
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
    }

    @Override
    public Evaluation evaluate(String flakeRef) throws NixFailure {
        long start = System.nanoTime();
        Evaluation evaluation = evaluate(flakeRef, EvalShares.processes(evalProcesses, Runtime.getRuntime().availableProcessors(), lastEvaluation));
        lastEvaluation = new EvalShares.Last(evaluation.drvPaths().size(), java.time.Duration.ofNanos(System.nanoTime() - start));
        return evaluation;
    }

    private Evaluation evaluate(String flakeRef, int processes) throws NixFailure {
        if (processes <= 1) {
            Whole whole = whole(flakeRef, TOPLEVEL_DRVS);
            return new Evaluation(whole.drvs(), whole.inventory());
        }
        Whole names = whole(flakeRef, "builtins.mapAttrs (n: c: \"\")");
        List<List<String>> shares = EvalShares.deal(List.copyOf(new java.util.TreeSet<>(names.drvs().keySet())), processes);
        List<java.util.concurrent.CompletableFuture<Map<String, String>>> running = new java.util.ArrayList<>();
        for (List<String> share : shares) {
            running.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> evaluateShare(flakeRef, share), evaluators));
        }
        Map<String, String> all = new TreeMap<>();
        for (java.util.concurrent.CompletableFuture<Map<String, String>> share : running) {
            try {
                all.putAll(share.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof ShareFailed failed ? failed.failure : new NixFailure(String.valueOf(e.getCause()));
            }
        }
        return new Evaluation(all, names.inventory());
    }

    /** One process's view of the whole flake: {@code select} applied to nixosConfigurations, and the hosts the flake declares. */
    private record Whole(Map<String, String> drvs, dev.driftless.inventory.DeclaredHosts inventory) {}

    /**
     * The flake is reached with {@code builtins.getFlake} on the pinned ref, which pure evaluation
     * allows, so that its other outputs ({@code driftless}, {@code deploy}, {@code colmena}) are
     * read in the same process as the configurations.
     */
    private Whole whole(String flakeRef, String select) throws NixFailure {
        String expr = "(" + EVALUATE + ") (" + select + ") (builtins.getFlake " + nixString(flakeRef) + ")";
        ProcessResult result = nix("eval", "--json", "--expr", expr);
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

    /** One process's share of the hosts; each share's time is logged, per host, so a slow host shows. */
    private Map<String, String> evaluateShare(String flakeRef, List<String> share) {
        long start = System.nanoTime();
        try {
            Map<String, String> drvs = drvPaths(nix("eval", "--json", flakeRef + "#nixosConfigurations", "--apply", EvalShares.apply(share)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            LOG.infof("evaluated %d host(s) in one process in %d ms (%d ms a host): %s", share.size(), ms, ms / Math.max(1, share.size()),
                    EvalShares.abbreviate(share));
            return drvs;
        } catch (NixFailure e) {
            throw new ShareFailed(e);
        }
    }

    /** A share's failure, carried out of its thread. */
    private static final class ShareFailed extends RuntimeException {
        private final NixFailure failure;

        ShareFailed(NixFailure failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    private Map<String, String> drvPaths(ProcessResult result) throws NixFailure {
        try {
            return json.readValue(result.stdout(), new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new NixFailure("nix eval printed something that is not a map of drvPaths: " + abbreviate(result.stdout()));
        }
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
        List<String> command = new java.util.ArrayList<>(List.of("nix", "build", "--json", "--no-link", "--keep-going"));
        command.addAll(settings.maxJobs());
        drvs.forEach(drv -> command.add(settings.derivationInstallable(drv)));
        ProcessResult result = ProcessRunner.run(command, settings.env(), timeout);
        if (!result.ok()) {
            throw new Nix.BuildFailed(unbuilt(drvPaths), result.explain());
        }
        Map<String, String> outByDrv = outPaths(result.stdout());
        Map<String, String> outs = new TreeMap<>();
        for (Map.Entry<String, String> host : drvPaths.entrySet()) {
            String out = outByDrv.get(host.getValue());
            if (out == null || !out.startsWith("/nix/store/")) {
                throw new Nix.BuildFailed(List.of(host.getKey()), "nix build of " + host.getValue() + " returned no out path: "
                        + abbreviate(result.stdout()));
            }
            outs.put(host.getKey(), out);
        }
        List<String> distinct = outs.values().stream().distinct().sorted().toList();
        List<String> sign = new java.util.ArrayList<>(List.of("store", "sign", "--recursive", "--key-file", settings.signingKey().toString()));
        sign.addAll(distinct);
        nix(sign.toArray(String[]::new));
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

    private ProcessResult nix(String... args) throws NixFailure {
        List<String> command = new java.util.ArrayList<>(List.of("nix"));
        command.addAll(List.of(args));
        ProcessResult result = ProcessRunner.run(command, settings.env(), timeout);
        if (!result.ok()) {
            throw new NixFailure(result.explain());
        }
        return result;
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
