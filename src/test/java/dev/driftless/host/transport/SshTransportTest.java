package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.host.Actual;
import dev.driftless.host.Goal;
import java.util.ArrayList;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SshTransportTest {

    @Test
    void destinationAndCommandComeAfterDoubleDashSoSshNeverReadsThemAsOptions() {
        SshOptions options = new SshOptions(Path.of("/known_hosts"), null, Path.of("/control"), Duration.ofSeconds(3), Duration.ofSeconds(2));
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), options, Map.of(), Duration.ofMinutes(1));
        List<String> argv = transport.argv("readlink -f /run/current-system");
        int end = argv.indexOf("--");
        assertEquals(List.of("--", "root@web1", "readlink -f /run/current-system"), argv.subList(end, argv.size()));
        assertEquals(-1, argv.subList(0, end).indexOf("root@web1"), "the destination appears only after --: " + argv);
    }

    private static final SshOptions OPTIONS = new SshOptions(Path.of("/known_hosts"), null, Path.of("/control"), Duration.ofSeconds(3),
            Duration.ofSeconds(2));

    /** Every step that changes the system, as sent to a host; the host answers each as a NixOS host would. */
    private static List<String> commandsOfEveryStep(String user, boolean sudo) throws Exception {
        List<String> sent = new ArrayList<>();
        SshTransport transport = new SshTransport(new HostTarget.Ssh(user, "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), sudo,
                (argv, env, limit) -> {
                    String command = argv.get(argv.size() - 1);
                    sent.add(command);
                    String out = command.contains("driftless-guard") ? "driftless-guard: armed\n"
                            : command.contains("switch-to-configuration") ? "driftless-switch: exited 0 | new:  | named:  | before: \n"
                            : "/nix/var/nix/profiles/system-2-link\n";
                    return new ProcessResult(argv, 0, out, "", false, Duration.ZERO);
                });
        transport.setProfile("/nix/store/bbb-host");
        transport.switchToGeneration(new Actual("/nix/store/aaa-host", 1));
        transport.rollbackProfile();
        transport.activate("/nix/store/bbb-host", Goal.SWITCH, "deploy-1");
        transport.arm("deploy-1", new Actual("/nix/store/aaa-host", 1), Duration.ofSeconds(30), Goal.SWITCH);
        transport.disarm("deploy-1");
        return sent;
    }

    @Test
    void aDeployUserChangesTheProfileOnlyThroughSudoWithoutAPrompt() throws Exception {
        List<String> sent = commandsOfEveryStep("deploy", true);
        assertEquals(6, sent.size());
        for (String command : sent.subList(0, 3)) {
            assertTrue(command.contains("sudo -n nix-env -p /nix/var/nix/profiles/system"), command);
            assertFalse(command.replace("sudo -n nix-env", "").contains("nix-env"), "no nix-env without sudo: " + command);
        }
        assertTrue(sent.get(3).contains("' 'yes' '/nix/var/nix' "), "the switch is started through sudo: " + sent.get(3));
        assertTrue(sent.get(4).contains("'/nix/var/nix' 'yes' "), "the guard is armed through sudo: " + sent.get(4));
        assertTrue(sent.get(5).contains("'driftless-switch-deploy-1-guard' 'yes' "), "the guard is settled through sudo: " + sent.get(5));
    }

    @Test
    void aStepCutShortByTheStopSaysSoNotThatItTimedOut() {
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> {
                    Thread.currentThread().interrupt(); // as ProcessRunner leaves it when the stop interrupted its wait
                    return new ProcessResult(argv, -1, "", "", true, Duration.ZERO);
                });
        try {
            HostBusy busy = assertThrows(HostBusy.class, () -> transport.setProfile("/nix/store/bbb-host"));
            assertTrue(busy.getMessage().contains("our ssh was stopped, as Driftless is stopping"), busy.getMessage());
            assertFalse(busy.getMessage().contains("driftless.deploy.timeout"), busy.getMessage());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aStepThatOutlivesTheDeployTimeoutSaysSo() {
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> new ProcessResult(argv, -1, "", "", true, Duration.ZERO));
        HostBusy busy = assertThrows(HostBusy.class, () -> transport.setProfile("/nix/store/bbb-host"));
        assertTrue(busy.getMessage().contains("outlived driftless.deploy.timeout (60 s)"), busy.getMessage());
    }

    @Test
    void rootNeverGoesThroughSudoEvenWhenAskedTo() throws Exception {
        for (String command : commandsOfEveryStep("root", true)) {
            assertFalse(command.contains("sudo -n nix-env"), command);
            assertFalse(command.contains("' 'yes' '"), command);
        }
    }

    @Test
    void aConfirmationTravelsOverANewConnectionNeverTheMasters() throws Exception {
        List<List<String>> sent = new ArrayList<>();
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> {
                    sent.add(argv);
                    return new ProcessResult(argv, 0, "driftless-guard: disarmed\n", "", false, Duration.ZERO);
                });
        assertEquals(SwitchGuard.Kind.DISARMED, transport.confirm("deploy-1", Duration.ofSeconds(30)).kind());
        assertEquals(1, sent.size());
        assertTrue(sent.get(0).contains("ControlPath=none") && sent.get(0).contains("ControlMaster=no"), sent.get(0).toString());
        assertFalse(sent.get(0).contains("ControlMaster=auto"), sent.get(0).toString());
    }

    @Test
    void aConfirmationNoNewConnectionCarriesIsTriedUntilItsTimeIsUpThenTheHostIsUnreachable() {
        List<List<String>> sent = new ArrayList<>();
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> {
                    sent.add(argv);
                    return new ProcessResult(argv, 255, "", "ssh: connect to host web1 port 22: Connection timed out", false, Duration.ZERO);
                });
        HostUnreachable e = assertThrows(HostUnreachable.class, () -> transport.confirm("deploy-1", Duration.ofMillis(1500)));
        assertTrue(sent.size() >= 2, "tried again: " + sent.size());
        assertTrue(e.getMessage().contains("no new SSH connection") && e.getMessage().contains("Connection timed out"), e.getMessage());
    }

    /** Runs the observation script with its three links under {@code root} instead of /nix/var/nix and /run. */
    private static Actual observeUnder(Path root) {
        String script = SshTransport.OBSERVE.replaceFirst("^[^\n]*\n",
                "p=" + root + "/profiles/system b=" + root + "/booted c=" + root + "/current\n");
        ProcessResult result = dev.driftless.exec.ProcessRunner.run(List.of("sh", "-c", script), Map.of(), Duration.ofSeconds(20));
        assertEquals(0, result.exitCode(), result.stderr());
        return SshTransport.observation(result.stdout());
    }

    private static void link(Path link, String target) throws java.io.IOException {
        java.nio.file.Files.createDirectories(link.getParent());
        java.nio.file.Files.deleteIfExists(link);
        java.nio.file.Files.createSymbolicLink(link, Path.of(target));
    }

    @Test
    void oneObservationReadsTheRunningSystemTheProfileAndWhatWasBooted(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        String now = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-nixos-system";
        link(root.resolve("current"), now);
        link(root.resolve("profiles/system-7-link"), now);
        link(root.resolve("profiles/system"), "system-7-link");
        link(root.resolve("booted"), now);
        Actual same = observeUnder(root);
        assertEquals(new Actual(now, 7), same);
        assertEquals(now, same.boot().booted());
        assertEquals(now, same.boot().bootDefault());
        assertFalse(same.boot().rebootRequired(), "booted what it runs");

        // Booted an older generation whose kernel differs: a reboot is due.
        link(root.resolve("booted"), "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system");
        assertTrue(observeUnder(root).boot().rebootRequired());

        // No booted-system (a container, say) and no profile yet: nothing to compare, generation 0.
        java.nio.file.Files.delete(root.resolve("booted"));
        java.nio.file.Files.delete(root.resolve("profiles/system"));
        Actual bare = observeUnder(root);
        assertEquals(new Actual(now, 0), bare);
        assertEquals(null, bare.boot().booted());
        assertEquals(null, bare.boot().bootDefault());
        assertFalse(bare.boot().rebootRequired());

        // Nothing runs: no path, yet the answer still reads.
        java.nio.file.Files.delete(root.resolve("current"));
        assertEquals(null, observeUnder(root).path());
    }

    /**
     * The observation session answers while it can; when it does not, a command of its own reads
     * the host (and says why it cannot), and the session is tried again only once a command reached
     * the host, so an unreachable host costs one connection attempt a run, not two.
     */
    @Test
    void observationsFallBackFromTheSessionToACommandAndBackOnceTheHostAnswers() throws Exception {
        String answer = "system-4-link\n/nix/store/aaa-host\n/nix/store/aaa-host\n/run/booted-system\n";
        List<Boolean> sessionAnswers = new ArrayList<>(List.of(false, true, false));
        int[] sessionRuns = {0};
        SshSession.Shell session = new SshSession.Shell() {
            @Override
            public java.util.Optional<String> run(String script, Duration limit) {
                sessionRuns[0]++;
                return sessionAnswers.isEmpty() || !sessionAnswers.remove(0) ? java.util.Optional.empty() : java.util.Optional.of(answer);
            }

            @Override
            public void close() {}
        };
        List<Integer> exits = new ArrayList<>(List.of(0, 255, 255, 0));
        List<String> commands = new ArrayList<>();
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> {
                    if (argv.contains("-O")) {
                        return new ProcessResult(argv, 0, "", "", false, Duration.ZERO); // ending the master after a failure
                    }
                    commands.add(argv.get(argv.size() - 1));
                    int exit = exits.remove(0);
                    return new ProcessResult(argv, exit, exit == 0 ? answer : "", exit == 0 ? "" : "ssh: connect to host web1 port 22: Connection refused",
                            false, Duration.ZERO);
                }, session);

        assertEquals(new Actual("/nix/store/aaa-host", 4), transport.observe(), "read by a command when the session did not answer");
        assertEquals(new Actual("/nix/store/aaa-host", 4), transport.observe(), "the session answers again");
        assertEquals(1, commands.size());
        HostUnreachable down = assertThrows(HostUnreachable.class, transport::observe);
        assertTrue(down.getMessage().contains("Connection refused"), down.getMessage());
        assertThrows(HostUnreachable.class, transport::observe);
        assertEquals(3, sessionRuns[0], "not tried while the host does not answer a command");
        assertEquals(new Actual("/nix/store/aaa-host", 4), transport.observe());
        assertEquals(4, commands.size());
        assertEquals(SshTransport.OBSERVE, commands.get(0));
    }

    /** One call answers both: the same observation and the same findings as the two calls apart, on a real shell. */
    @Test
    void aLookAnswersTheObservationAndTheDeepChecksInOneCallAsTheyAreAnsweredApart() throws Exception {
        List<String> scripts = new ArrayList<>();
        SshSession.Shell localShell = new SshSession.Shell() {
            @Override
            public java.util.Optional<String> run(String script, Duration limit) {
                scripts.add(script);
                ProcessResult r = dev.driftless.exec.ProcessRunner.run(List.of("sh", "-c", script), Map.of(), limit);
                return java.util.Optional.of(r.stdout());
            }

            @Override
            public void close() {}
        };
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), OPTIONS, Map.of(), Duration.ofMinutes(1), false,
                (argv, env, limit) -> { throw new AssertionError("the session answers"); }, localShell);
        var checks = java.util.EnumSet.of(dev.driftless.host.drift.DriftCheck.ETC, dev.driftless.host.drift.DriftCheck.UNITS,
                dev.driftless.host.drift.DriftCheck.PROFILES);
        Look look = transport.look(checks);
        assertEquals(1, scripts.size(), "one round trip");
        assertEquals(transport.observe(), look.actual());
        assertEquals(transport.inspect(checks), look.findings());
        assertEquals(List.of(dev.driftless.host.drift.DriftCheck.ETC, dev.driftless.host.drift.DriftCheck.UNITS,
                dev.driftless.host.drift.DriftCheck.PROFILES), look.findings().stream().map(dev.driftless.host.drift.Finding::check).toList());
        assertEquals(null, transport.look(java.util.Set.of()).findings(), "nothing asked: the observation alone");
    }
}
