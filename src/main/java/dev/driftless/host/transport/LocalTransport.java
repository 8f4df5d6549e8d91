package dev.driftless.host.transport;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import dev.driftless.host.Goal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host that is a directory on this machine, with its own store under {@code root}. With root
 * {@code /} it is the machine Driftless runs on. Switch scripts learn the root from
 * {@code DRIFTLESS_HOST_ROOT}, the convention DESIGN.md describes.
 */
public class LocalTransport implements HostTransport {

    static final String PROFILE = "nix/var/nix/profiles/system";
    private static final Pattern GENERATION_LINK = Pattern.compile("system-(\\d+)-link");

    private final Path root;
    private final boolean machineRoot;
    private final Map<String, String> nixEnv;
    private final List<String> trustedKeys;
    private final Duration timeout;
    private final LocalWork work;

    public LocalTransport(Path root, Map<String, String> nixEnv, List<String> trustedKeys, Duration timeout) {
        this(root, nixEnv, trustedKeys, timeout, LocalWork.perCore());
    }

    /** {@code work}: shared by every local host of the process, so their steps together use each core once. */
    public LocalTransport(Path root, Map<String, String> nixEnv, List<String> trustedKeys, Duration timeout, LocalWork work) {
        this.work = work;
        this.root = root.toAbsolutePath().normalize();
        this.machineRoot = this.root.getParent() == null;
        this.nixEnv = nixEnv;
        this.trustedKeys = trustedKeys;
        this.timeout = timeout;
    }

    @Override
    public Actual observe() throws HostUnreachable {
        if (!Files.isDirectory(root)) {
            throw new HostUnreachable("host root " + root + " does not exist");
        }
        String path = resolveInsideRoot(root.resolve("run/current-system"));
        String booted = resolveInsideRoot(root.resolve("run/booted-system"));
        boolean reboot = booted != null && path != null
                && Boot.PARTS.stream().anyMatch(part -> !java.util.Objects.equals(part(booted, part), part(path, part)));
        return new Actual(path, generation(), new Boot(booted, resolveInsideRoot(root.resolve(PROFILE)), reboot));
    }

    /** The deep checks run by this machine's shell against the host's directory ({@code local:/}: this machine). */
    @Override
    public java.util.List<dev.driftless.host.drift.Finding> inspect(java.util.Set<dev.driftless.host.drift.DriftCheck> checks)
            throws HostUnreachable {
        if (!Files.isDirectory(root)) {
            throw new HostUnreachable("host root " + root + " does not exist");
        }
        if (!machineRoot && !Files.isDirectory(root.resolve("etc/static"))) {
            // Nothing a directory host without a NixOS /etc could answer: no process for it at every resync.
            return dev.driftless.host.drift.Inspection.findings("#etc\nnone\n#units\nnone\n#store\nnone\n#profiles\nnone\n#end\n", checks);
        }
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c", dev.driftless.host.drift.Inspection.script(root.toString(), checks)), Map.of(), timeout);
        return dev.driftless.host.drift.Inspection.findings(result.ok() ? result.stdout() : "", checks);
    }

    @Override
    public java.util.Optional<HostWatch> watch(Runnable changed) {
        try {
            return java.util.Optional.ofNullable(FileWatches.shared().watch(
                    List.of(root.resolve("run"), root.resolve(PROFILE).getParent()), java.util.Set.of("current-system", "system"), changed));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** Where {@code part} of the toplevel {@code system} leads, or the part itself when it is a file. */
    private String part(String system, String part) {
        Path in = (machineRoot ? Path.of(system) : root.resolve(system.substring(1))).resolve(part);
        String target = resolveInsideRoot(in);
        return target != null ? target : Files.exists(in) ? system + "/" + part : null;
    }

    @Override
    public void awaitIdle() throws HostUnreachable {
        try {
            run("wait for the deploy lock", locked(List.of("true")), nixEnv);
        } catch (StepFailed e) {
            throw new HostUnreachable(root + ": " + e.getMessage());
        }
    }

    @Override
    public void copy(String path) throws StepFailed, HostUnreachable {
        if (machineRoot) {
            return; // Built here, so already in this store.
        }
        List<String> command = new ArrayList<>(List.of("nix", "copy"));
        for (String key : trustedKeys) {
            command.addAll(List.of("--extra-trusted-public-keys", key));
        }
        command.addAll(List.of("--to", "local?root=" + root, path));
        nixStep("copy", command);
    }

    @Override
    public int setProfile(String path) throws StepFailed, HostUnreachable {
        nixStep("set profile", locked(profileCommand("--set", path)));
        return generation();
    }

    @Override
    public String rollbackProfile() throws StepFailed, HostUnreachable {
        nixStep("roll back profile", locked(profileCommand("--rollback")));
        return resolveInsideRoot(root.resolve(PROFILE));
    }

    @Override
    public void switchToGeneration(Actual generation) throws StepFailed, HostUnreachable {
        if (generation.generation() <= 0) {
            nixStep("set profile", locked(profileCommand("--set", generation.path())));
            return;
        }
        String step = "return to generation " + generation.generation();
        Path link = root.resolve(PROFILE + "-" + generation.generation() + "-link");
        if (!generation.path().equals(resolveInsideRoot(link))) {
            throw new StepFailed(step, "generation " + generation.generation() + " (" + generation.path() + ") is gone from the system profile");
        }
        nixStep(step, locked(profileCommand("--switch-generation", String.valueOf(generation.generation()))));
    }

    /**
     * A directory host has no init of its own, so its switch runs directly, under its deploy lock,
     * and ends with this process; {@code runId} only matters where a switch can outlive its caller.
     */
    @Override
    public void activate(String path, Goal goal, String runId) throws StepFailed, HostUnreachable {
        Map<String, String> env = new HashMap<>(nixEnv);
        if (!machineRoot) {
            env.put("DRIFTLESS_HOST_ROOT", root.toString());
        }
        String script = (machineRoot ? path : root + path) + "/bin/switch-to-configuration";
        run("activation", locked(List.of(script, goal.action())), env);
    }

    @Override
    public java.util.Optional<String> switchInhibited(String path) {
        String current = resolveInsideRoot(root.resolve("run/current-system"));
        if (current == null) {
            return java.util.Optional.empty();
        }
        Path now = (machineRoot ? Path.of(current) : root.resolve(current.substring(1))).resolve("switch-inhibitors");
        Path next = (machineRoot ? Path.of(path) : root.resolve(path.substring(1))).resolve("switch-inhibitors");
        try {
            if (!Files.isRegularFile(now) || !Files.isRegularFile(next) || Files.mismatch(now, next) < 0) {
                return java.util.Optional.empty();
            }
            return SwitchInhibitors.parse("inhibited\n" + String.join("\n", SwitchInhibitors.changed(Files.readAllLines(now), Files.readAllLines(next))));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public java.util.Optional<SwitchUnit.Outcome> lastSwitch(String runId) {
        return java.util.Optional.empty();
    }

    @Override
    public void checkHealth(String command, Duration limit) throws StepFailed {
        Map<String, String> env = new HashMap<>(nixEnv);
        if (!machineRoot) {
            env.put("DRIFTLESS_HOST_ROOT", root.toString());
        }
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c", command), env, limit);
        if (!result.ok()) {
            throw new StepFailed("health check `" + command + "`", result.explain());
        }
    }

    /** This process is on the host: no connection to lose, so no guard to keep and nothing to confirm. */
    @Override
    public SwitchGuard.State arm(String runId, Actual before, Duration within, Goal goal) {
        return new SwitchGuard.State(SwitchGuard.Kind.UNSUPPORTED, -1, "");
    }

    @Override
    public SwitchGuard.State confirm(String runId, Duration within) {
        return new SwitchGuard.State(SwitchGuard.Kind.UNSUPPORTED, -1, "");
    }

    @Override
    public SwitchGuard.State disarm(String runId) {
        return new SwitchGuard.State(SwitchGuard.Kind.UNSUPPORTED, -1, "");
    }

    @Override
    public SwitchGuard.State awaitGuard(String runId, Duration within) {
        return new SwitchGuard.State(SwitchGuard.Kind.NONE, -1, "");
    }

    /** Under the host's deploy lock, so that no two steps that change the host run at once. */
    private List<String> locked(List<String> command) {
        List<String> argv = new ArrayList<>(List.of("flock", "-E", String.valueOf(SshTransport.LOCKED), "-w", "5",
                root.resolve(SshTransport.LOCK.substring(1)).toString()));
        argv.addAll(command);
        return argv;
    }

    private List<String> profileCommand(String... args) {
        List<String> command = new ArrayList<>(List.of("nix-env"));
        if (!machineRoot) {
            command.addAll(List.of("--store", "local?root=" + root));
        }
        command.addAll(List.of("-p", root.resolve(PROFILE).toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** A nix command on this machine's stores: it waits for one of {@link LocalWork}'s slots. */
    private void nixStep(String step, List<String> command) throws StepFailed, HostUnreachable {
        try (LocalWork.Slot slot = work.enter().orElseThrow(() -> new HostBusy(step + " did not start: Driftless is stopping"))) {
            run(step, command, nixEnv);
        }
    }

    private void run(String step, List<String> command, Map<String, String> env) throws StepFailed, HostUnreachable {
        if (!Files.isDirectory(root)) {
            throw new HostUnreachable("host root " + root + " does not exist");
        }
        try {
            Files.createDirectories(root.resolve(PROFILE).getParent());
            Files.createDirectories(root.resolve("run"));
        } catch (IOException e) {
            throw new StepFailed(step, "cannot create " + root.resolve(PROFILE).getParent() + ": " + e.getMessage());
        }
        ProcessResult result = ProcessRunner.run(command, env, timeout);
        if (result.timedOut() && Thread.currentThread().isInterrupted()) {
            throw new HostBusy(step + " was stopped: Driftless is stopping; the next start observes what it left");
        }
        if (result.timedOut()) {
            throw new HostBusy(step + " outlived driftless.deploy.timeout (" + timeout.toSeconds() + " s) and was stopped");
        }
        if (result.exitCode() == SshTransport.LOCKED && "flock".equals(command.get(0))) {
            throw new HostBusy("another deploy step still runs on " + root + " (it holds the lock on " + root.resolve(SshTransport.LOCK.substring(1)) + "); waiting for it to end");
        }
        if (!result.ok()) {
            throw new StepFailed(step, result.explain());
        }
    }

    private int generation() {
        try {
            Path profile = root.resolve(PROFILE);
            if (!Files.isSymbolicLink(profile)) {
                return 0;
            }
            Matcher m = GENERATION_LINK.matcher(Files.readSymbolicLink(profile).getFileName().toString());
            return m.matches() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Follows symlinks as the host would see them: absolute targets are read under {@code root}. */
    private String resolveInsideRoot(Path link) {
        Path current = link;
        for (int hop = 0; hop < 16; hop++) {
            if (!Files.isSymbolicLink(current)) {
                return null;
            }
            Path target;
            try {
                target = Files.readSymbolicLink(current);
            } catch (IOException e) {
                return null;
            }
            Path absolute = target.isAbsolute() ? target : current.getParent().resolve(target).normalize();
            String inHost = absolute.startsWith(root) && !machineRoot ? "/" + root.relativize(absolute) : absolute.toString();
            if (inHost.startsWith("/nix/store/")) {
                return storePathOf(inHost);
            }
            current = machineRoot ? Path.of(inHost) : root.resolve(inHost.substring(1));
        }
        return null;
    }

    private static String storePathOf(String path) {
        int end = path.indexOf('/', "/nix/store/".length());
        return end < 0 ? path : path.substring(0, end);
    }
}
