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
    public Map<String, String> evaluate(String flakeRef) throws NixFailure {
        long start = System.nanoTime();
        Map<String, String> drvs = evaluate(flakeRef, EvalShares.processes(evalProcesses, Runtime.getRuntime().availableProcessors(), lastEvaluation));
        lastEvaluation = new EvalShares.Last(drvs.size(), java.time.Duration.ofNanos(System.nanoTime() - start));
        return drvs;
    }

    private Map<String, String> evaluate(String flakeRef, int processes) throws NixFailure {
        if (processes <= 1) {
            return drvPaths(nix("eval", "--json", flakeRef + "#nixosConfigurations", "--apply", TOPLEVEL_DRVS));
        }
        List<String> names = names(flakeRef);
        List<List<String>> shares = EvalShares.deal(names, processes);
        List<java.util.concurrent.CompletableFuture<Map<String, String>>> running = new java.util.ArrayList<>();
        for (List<String> share : shares) {
            running.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> evaluateShare(flakeRef, share), evaluators));
        }
        Map<String, String> all = new TreeMap<>();
        for (java.util.concurrent.CompletableFuture<Map<String, String>> share : running) {
            try {
                all.putAll(share.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof Evaluation failed ? failed.failure : new NixFailure(String.valueOf(e.getCause()));
            }
        }
        return all;
    }

    /** The hosts of the commit, without evaluating any of them. */
    private List<String> names(String flakeRef) throws NixFailure {
        ProcessResult result = nix("eval", "--json", flakeRef + "#nixosConfigurations", "--apply", "builtins.attrNames");
        try {
            return List.of(json.readValue(result.stdout(), String[].class));
        } catch (IOException e) {
            throw new NixFailure("nix eval printed something that is not a list of host names: " + abbreviate(result.stdout()));
        }
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
            throw new Evaluation(e);
        }
    }

    /** A share's failure, carried out of its thread. */
    private static final class Evaluation extends RuntimeException {
        private final NixFailure failure;

        Evaluation(NixFailure failure) {
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
