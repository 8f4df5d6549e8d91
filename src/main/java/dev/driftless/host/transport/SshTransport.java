package dev.driftless.host.transport;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import dev.driftless.host.Goal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host reached with the system's {@code ssh} and Nix's {@code ssh-ng://} store, the way
 * {@code nixos-rebuild --target-host} reaches it. Host keys are checked strictly against the
 * pinned known_hosts file; one multiplexed connection per host makes repeated resyncs cheap.
 */
public class SshTransport implements HostTransport {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SshTransport.class);

    private static final String PROFILE = "/nix/var/nix/profiles/system";
    private static final Pattern GENERATION_LINK = Pattern.compile("system-(\\d+)-link");
    /** ssh's own exit code when it could not connect or authenticate. */
    private static final int SSH_FAILED = 255;
    /**
     * The deploy lock: {@code flock} on Nix's state directory, which exists wherever nix-daemon
     * runs (its socket lives under it, while {@code profiles} appears only at the daemon's first
     * client) and which every user can open, so a deploy user reached through sudo takes the same
     * lock as root. A lock is released when its holder dies, so a reboot or a killed step never
     * leaves it held.
     */
    static final String LOCK = "/nix/var/nix";
    /** What {@code flock -E} exits with when another step holds the lock. */
    static final int LOCKED = 75;
    private static final int LOCK_WAIT_SECONDS = 5;
    /** {@code ssh -O exit} only talks to the local master. */
    private static final Duration MASTER_EXIT_WAIT = Duration.ofSeconds(5);
    /** How long a confirmation may take once its connection is up. */
    private static final Duration CONFIRM_ANSWER = Duration.ofSeconds(30);

    private final HostTarget.Ssh target;
    private final SshOptions options;
    private final Map<String, String> nixEnv;
    private final Duration timeout;
    /** Run the steps that change the system through {@code sudo -n}: the SSH user is not root. */
    private final boolean sudo;

    public SshTransport(HostTarget.Ssh target, SshOptions options, Map<String, String> nixEnv, Duration timeout) {
        this(target, options, nixEnv, timeout, false);
    }

    public SshTransport(HostTarget.Ssh target, SshOptions options, Map<String, String> nixEnv, Duration timeout, boolean sudo) {
        this(target, options, nixEnv, timeout, sudo, ProcessRunner::run, null);
    }

    /** How a command runs here: the system's processes, or a recorder in a unit test. */
    interface Runner {
        ProcessResult run(List<String> argv, Map<String, String> env, Duration limit);
    }

    private final Runner runner;

    SshTransport(HostTarget.Ssh target, SshOptions options, Map<String, String> nixEnv, Duration timeout, boolean sudo, Runner runner) {
        this(target, options, nixEnv, timeout, sudo, runner, SshSession.NONE);
    }

    /** {@code session}: the host's long-lived observation shell; null for one over its master connection. */
    SshTransport(HostTarget.Ssh target, SshOptions options, Map<String, String> nixEnv, Duration timeout, boolean sudo, Runner runner,
            SshSession.Shell session) {
        this.runner = runner;
        this.target = target;
        this.options = options;
        this.nixEnv = nixEnv;
        this.timeout = timeout;
        this.sudo = sudo && !"root".equals(target.user());
        this.session = session != null ? session : SshSession.over(argv("sh"));
    }

    /** Observations go through it while it answers; after it did not, through commands of their own until one reached the host. */
    private final SshSession.Shell session;
    private volatile boolean sessionFailed;

    /**
     * One call, two programs: the profile's generation, then the running system, what the profile
     * points at (the next boot's), what was booted, and the boot-time parts of booted and running
     * side by side. {@code readlink -m} prints one line per argument, present or not, so every
     * answer has the same shape.
     */
    static final String OBSERVE = "p=" + PROFILE + " b=/run/booted-system c=/run/current-system\n"
            + "readlink $p || echo\n"
            + "readlink -m $c $p $b" + Boot.PARTS.stream().map(part -> " $b/" + part + " $c/" + part).collect(java.util.stream.Collectors.joining())
            + "\n";

    @Override
    public Actual observe() throws HostUnreachable {
        return observation(read("observe", OBSERVE));
    }

    @Override
    public Look look(java.util.Set<dev.driftless.host.drift.DriftCheck> checks) throws HostUnreachable {
        if (checks.isEmpty()) {
            return new Look(observe(), null);
        }
        String out = read("observe", OBSERVE + "echo '" + LOOKED + "'\n" + dev.driftless.host.drift.Inspection.script("", checks));
        int at = out.indexOf(LOOKED + "\n");
        if (at < 0) {
            return new Look(observation(out), null); // cut short: the checks are asked again on their own
        }
        return new Look(observation(out.substring(0, at)),
                dev.driftless.host.drift.Inspection.findings(out.substring(at + LOOKED.length() + 1), checks));
    }

    /** Ends the observation's lines in a {@link #look}; no link target or check section reads so. */
    private static final String LOOKED = "#observed";

    @Override
    public java.util.List<dev.driftless.host.drift.Finding> inspect(java.util.Set<dev.driftless.host.drift.DriftCheck> checks)
            throws HostUnreachable {
        return dev.driftless.host.drift.Inspection.findings(read("inspect", dev.driftless.host.drift.Inspection.script("", checks)), checks);
    }

    @Override
    public java.util.Optional<HostWatch> watch(Runnable changed) {
        // Joins the master the last observation used; never starts one of its own (ControlMaster=no).
        List<String> argv = new ArrayList<>(List.of("ssh"));
        argv.addAll(options.forNix(target));
        argv.addAll(List.of("--", target.destination(), SshWatch.LOOP));
        return java.util.Optional.ofNullable(SshWatch.start(argv, changed));
    }

    /** What {@link #OBSERVE} printed, read. */
    static Actual observation(String out) {
        String[] lines = out.split("\n", -1);
        Matcher m = GENERATION_LINK.matcher(lines.length > 0 ? lines[0].strip() : "");
        String path = store(lines, 1);
        String booted = store(lines, 3);
        boolean reboot = false;
        for (int i = 0; booted != null && i < Boot.PARTS.size(); i++) {
            reboot |= !java.util.Objects.equals(inStore(lines, 4 + 2 * i), inStore(lines, 5 + 2 * i));
        }
        return new Actual(path, m.matches() ? Integer.parseInt(m.group(1)) : 0, new Boot(booted, store(lines, 2), reboot));
    }

    /** The store path a line names (the toplevel, for a path inside it), or null. */
    private static String store(String[] lines, int at) {
        String line = inStore(lines, at);
        return line == null ? null : storePathOf(line);
    }

    private static String inStore(String[] lines, int at) {
        String line = lines.length > at ? lines[at].strip() : "";
        return line.startsWith("/nix/store/") ? line : null;
    }

    @Override
    public void awaitIdle() throws HostUnreachable {
        try {
            locked("wait for the deploy lock", "true");
        } catch (StepFailed e) {
            throw new HostUnreachable(describe() + ": " + e.getMessage());
        }
    }

    @Override
    public void copy(String path) throws HostUnreachable, StepFailed {
        Map<String, String> env = new HashMap<>(nixEnv);
        env.put("NIX_SSHOPTS", String.join(" ", options.forNix(target)));
        ProcessResult result = runner.run(List.of("nix", "copy", "--to", "ssh-ng://" + target.authority(), path), env, timeout);
        if (result.ok()) {
            return;
        }
        String why = result.explain();
        if (why.contains("lacks a valid signature")) {
            throw new StepFailed("copy", why + "; add Driftless's public key to the host's nix.settings.trusted-public-keys");
        }
        if (looksUnreachable(result)) {
            dropConnection();
            throw new HostUnreachable(describe() + ": " + why);
        }
        throw new StepFailed("copy", why);
    }

    @Override
    public int setProfile(String path) throws HostUnreachable, StepFailed {
        String link = locked("set profile", nixEnvCommand() + " -p " + PROFILE + " --set " + quote(path) + " && readlink " + PROFILE);
        Matcher m = GENERATION_LINK.matcher(link.strip());
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    @Override
    public String rollbackProfile() throws HostUnreachable, StepFailed {
        return locked("roll back profile", nixEnvCommand() + " -p " + PROFILE + " --rollback >/dev/null && readlink -f " + PROFILE).strip();
    }

    @Override
    public void switchToGeneration(Actual generation) throws HostUnreachable, StepFailed {
        String expected = quote(generation.path());
        if (generation.generation() <= 0) {
            locked("set profile", nixEnvCommand() + " -p " + PROFILE + " --set " + expected);
            return;
        }
        String link = PROFILE + "-" + generation.generation() + "-link";
        locked("return to generation " + generation.generation(), "[ \"$(readlink -f " + link + ")\" = " + expected + " ] || { echo "
                + quote("generation " + generation.generation() + " (" + generation.path() + ") is gone from the system profile")
                + " >&2; exit 3; }; " + nixEnvCommand() + " -p " + PROFILE + " --switch-generation " + generation.generation());
    }

    @Override
    public void activate(String path, Goal goal, String runId) throws HostUnreachable, StepFailed {
        String command = shell(SwitchUnit.start(runId, path, goal.action(), sudo, LOCK));
        SwitchUnit.Outcome outcome = SwitchUnit.parse(step("activation", command, timeout.plusSeconds(LOCK_WAIT_SECONDS)));
        if (outcome.state() == SwitchUnit.State.BUSY) {
            throw new HostBusy("another deploy step still runs on " + describe() + " (it holds the lock on " + LOCK + "); waiting for it to end");
        }
        if (!outcome.succeeded()) {
            throw new StepFailed("activation", SwitchUnit.explain(runId, goal.action(), outcome));
        }
        if (outcome.onlyFailedBeforeFailedAgain()) {
            LOG.warnf("%s: the switch to %s exited 4, but only units that were failed before it failed again (%s); counted as a good switch",
                    describe(), path, String.join(", ", outcome.named()));
        }
    }

    @Override
    public Optional<String> switchInhibited(String path) throws HostUnreachable {
        String out = read("switch inhibitors", "c=/run/current-system/switch-inhibitors n=" + quote(path + "/switch-inhibitors")
                + "; if [ -f \"$c\" ] && [ -f \"$n\" ] && ! cmp -s \"$c\" \"$n\"; then echo inhibited;"
                + " diff \"$c\" \"$n\" | sed -n 's/^[<>] //p' | head -n 6; fi; true");
        return SwitchInhibitors.parse(out);
    }

    @Override
    public Optional<SwitchUnit.Outcome> lastSwitch(String runId) throws HostUnreachable {
        String command = shell(SwitchUnit.query(runId));
        SwitchUnit.Outcome outcome = SwitchUnit.parse(remote("switch status", command, timeout));
        return outcome.state() == SwitchUnit.State.NONE ? Optional.empty() : Optional.of(outcome);
    }

    @Override
    public SwitchGuard.State arm(String runId, Actual before, Duration within, Goal goal) throws HostUnreachable, StepFailed {
        String command = shell(SwitchGuard.arm(runId, before.path(), before.generation(), within, sudo, LOCK, goal == Goal.TEST));
        SwitchGuard.State state = SwitchGuard.parse(step("arm the switch's guard", command, timeout));
        if (state.kind() == SwitchGuard.Kind.NOT_ARMED) {
            throw new StepFailed("arm the switch's guard", SwitchGuard.explain(state));
        }
        return state;
    }

    /**
     * Over new connections only, one a second until {@code within} has passed: a confirmation
     * carried by the master connection would prove nothing about the next connection.
     */
    @Override
    public SwitchGuard.State confirm(String runId, Duration within) throws HostUnreachable, StepFailed {
        String command = shell(SwitchGuard.settle(runId, sudo));
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<String> argv = new ArrayList<>(List.of("ssh"));
            argv.addAll(options.forNewConnection(target));
            argv.addAll(List.of("--", target.destination(), command));
            ProcessResult result = runner.run(argv, Map.of(), options.connectTimeout().plus(CONFIRM_ANSWER));
            if (result.exitCode() != SSH_FAILED && !result.timedOut()) {
                return settled("confirm the deployment", result);
            }
            if (System.nanoTime() - deadline > 0) {
                String why = result.timedOut() ? "no answer" : lastLine(result.stderr().isBlank() ? "ssh exited with 255" : result.stderr());
                throw new HostUnreachable(describe() + ": no new SSH connection reached the host within " + within.toSeconds()
                        + " s of its switch (" + why + ")");
            }
            pause(Duration.ofSeconds(1));
        }
    }

    @Override
    public SwitchGuard.State disarm(String runId) throws HostUnreachable, StepFailed {
        ProcessResult result = ssh(shell(SwitchGuard.settle(runId, sudo)), timeout);
        if (result.exitCode() == SSH_FAILED) {
            throw new HostUnreachable(unreachableMessage(result));
        }
        return settled("disarm the switch's guard", result);
    }

    private SwitchGuard.State settled(String step, ProcessResult result) throws StepFailed {
        SwitchGuard.State state = SwitchGuard.parse(result.stdout());
        if (state.kind() == SwitchGuard.Kind.NOT_ARMED) {
            String out = (result.stdout() + "\n" + result.stderr()).strip();
            throw new StepFailed(step, out.contains("sudo:") ? sudoRefused(out) : result.explain());
        }
        return state;
    }

    @Override
    public SwitchGuard.State awaitGuard(String runId, Duration within) throws HostUnreachable {
        String command = shell(SwitchGuard.query(runId));
        long deadline = System.nanoTime() + within.toNanos();
        SwitchGuard.State last = null;
        HostUnreachable lost = null;
        while (true) {
            try {
                last = SwitchGuard.parse(remote("guard status", command, timeout));
                lost = null;
                if (last.kind() != SwitchGuard.Kind.ARMED && last.kind() != SwitchGuard.Kind.FIRING) {
                    return last;
                }
            } catch (HostUnreachable e) {
                lost = e;
            }
            if (System.nanoTime() - deadline > 0) {
                if (last == null) {
                    throw lost;
                }
                return last;
            }
            pause(Duration.ofSeconds(1));
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String shell(List<String> argv) {
        return String.join(" ", argv.stream().map(SshTransport::quote).toList());
    }

    /** {@code nix-env}, through {@code sudo -n} for a deploy user: never a prompt, a clear refusal instead. */
    private String nixEnvCommand() {
        return sudo ? "sudo -n nix-env" : "nix-env";
    }

    @Override
    public void checkHealth(String command, Duration limit) throws HostUnreachable, StepFailed {
        String step = "health check `" + command + "`";
        ProcessResult result = ssh(command, limit);
        if (result.exitCode() == SSH_FAILED) {
            throw new HostUnreachable(unreachableMessage(result));
        }
        if (!result.ok()) {
            throw new StepFailed(step, result.timedOut() ? "no answer within " + limit.toSeconds() + " s"
                    : result.stderr().isBlank() ? "exited with " + result.exitCode() : result.explain());
        }
    }

    /**
     * Runs a step that changes the host under the host's deploy lock, so that no two run there at
     * once: killing our ssh on a timeout does not stop the command on the host, and the next
     * attempt must not start a second switch beside it.
     */
    private String locked(String step, String command) throws HostUnreachable, StepFailed {
        String argv = "{ [ -e " + LOCK + " ] || mkdir -p " + LOCK + " 2>/dev/null; }; flock -E " + LOCKED + " -w " + LOCK_WAIT_SECONDS + " "
                + LOCK + " sh -c " + quote(command);
        return step(step, argv, timeout.plusSeconds(LOCK_WAIT_SECONDS));
    }

    /** Runs a deploy step; a failing command is the step's failure, a failing connection is not. */
    private String step(String step, String command, Duration limit) throws HostUnreachable, StepFailed {
        ProcessResult result = ssh(command, limit);
        if (result.exitCode() == SSH_FAILED) {
            throw new HostUnreachable(unreachableMessage(result));
        }
        if (result.timedOut() && Thread.currentThread().isInterrupted()) {
            throw new HostBusy(step + " on " + describe() + ": our ssh was stopped, as Driftless is stopping; the step may still run on"
                    + " the host, which stays locked until it ends, and the next start observes what it left");
        }
        if (result.timedOut()) {
            throw new HostBusy(step + " on " + describe() + " outlived driftless.deploy.timeout (" + timeout.toSeconds()
                    + " s); it may still run on the host, which stays locked until it ends");
        }
        if (result.exitCode() == LOCKED) {
            throw new HostBusy("another deploy step still runs on " + describe() + " (it holds " + LOCK + "); waiting for it to end");
        }
        if (!result.ok() && sudo && result.stderr().contains("sudo:")) {
            throw new StepFailed(step, sudoRefused(result.stderr()));
        }
        if (!result.ok()) {
            // ssh relays the remote exit code; "ssh exited with 1" would blame the wrong program.
            throw new StepFailed(step, result.stderr().isBlank() && !result.timedOut() ? "exited with " + result.exitCode() : result.explain());
        }
        return result.stdout();
    }

    private String sudoRefused(String output) {
        return "sudo refused it for " + target.user() + " on " + describe() + " (" + lastLine(output)
                + "); the user needs the sudoers lines for Driftless (README, Non-root deploys)";
    }

    /**
     * A read-only script, through the host's session when it answers; else as a command of its
     * own, which says why the host cannot be read.
     */
    private String read(String what, String script) throws HostUnreachable {
        if (!sessionFailed) {
            Optional<String> answer = session.run(script, timeout);
            if (answer.isPresent()) {
                return answer.get();
            }
            sessionFailed = true;
        }
        String out = remote(what, script, timeout);
        sessionFailed = false;
        return out;
    }

    @Override
    public void close() {
        session.close();
    }

    private String remote(String what, String command, Duration limit) throws HostUnreachable {
        ProcessResult result = ssh(command, limit);
        if (!result.ok()) {
            throw new HostUnreachable(result.exitCode() == SSH_FAILED ? unreachableMessage(result) : what + " failed: " + result.explain());
        }
        return result.stdout();
    }

    private ProcessResult ssh(String command, Duration limit) {
        ProcessResult result = runner.run(argv(command), Map.of(), limit);
        if (result.exitCode() == SSH_FAILED) {
            dropConnection();
        }
        return result;
    }

    /**
     * Ends the host's master connection after ssh failed, so that the next command connects
     * afresh instead of queueing on a master whose connection may be dead but not yet given up.
     * Nothing else of this host runs over it then: one reconciliation per host at a time.
     */
    private void dropConnection() {
        session.close();
        List<String> argv = new ArrayList<>(List.of("ssh"));
        argv.addAll(options.forSsh(target));
        argv.addAll(List.of("-O", "exit", "--", target.destination()));
        runner.run(argv, Map.of(), MASTER_EXIT_WAIT);
    }

    /**
     * {@code --} ends ssh's options before the destination, and ssh reads no option after it, so
     * neither the destination nor the command can ever be taken as one. The target's syntax already
     * keeps a leading '-' out; this holds even if that check were ever loosened.
     */
    List<String> argv(String command) {
        List<String> argv = new ArrayList<>(List.of("ssh"));
        argv.addAll(options.forSsh(target));
        argv.addAll(List.of("--", target.destination(), command));
        return argv;
    }

    private String unreachableMessage(ProcessResult result) {
        String why = result.stderr().strip();
        if (why.contains("Host key verification failed") || why.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")) {
            return describe() + ": host key verification failed: " + options.offeredKey(target) + " is not the key pinned for it in "
                    + options.knownHostsFile() + "; if the host was reinstalled, verify the new key and replace its entry";
        }
        return describe() + ": " + (why.isEmpty() ? "ssh exited with " + result.exitCode() : lastLine(why));
    }

    private String describe() {
        return target.authority() + ":" + target.port();
    }

    private static boolean looksUnreachable(ProcessResult result) {
        String err = result.stderr();
        return result.timedOut() || err.contains("Connection refused") || err.contains("Connection timed out")
                || err.contains("No route to host") || err.contains("Host key verification failed")
                || err.contains("Permission denied") || err.contains("Connection closed") || err.contains("unexpected end-of-file");
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1].strip();
    }

    private static String storePathOf(String path) {
        int end = path.indexOf('/', "/nix/store/".length());
        return end < 0 ? path : path.substring(0, end);
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
