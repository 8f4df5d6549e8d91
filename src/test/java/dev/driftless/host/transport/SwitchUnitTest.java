package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The report a host gives of one switch, read line by line; and the programs themselves, run by a
 * real shell. Their systemd half is proven on hosts that boot systemd (SystemdFleetIT); this
 * machine has none, which is the other half: hosts without systemd get the direct call.
 */
class SwitchUnitTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
            "driftless-switch: exited 0 | new:  | named:  | before:  #EXITED#0#''#true",
            "driftless-switch: exited 4 | new: broken.service  | named: broken.service | before:  #EXITED#4#broken.service#false",
            "driftless-switch: exited 0 | new: late.service other.service | named:  | before: #EXITED#0#late.service other.service#false",
            "driftless-switch: exited 4 | new:  | named: cron-job.service | before: cron-job.service other.service #EXITED#4#''#true",
            "driftless-switch: exited 4 | new:  | named: cron-job.service, payments.service | before: cron-job.service #EXITED#4#''#false",
            "driftless-switch: exited 4 | new:  | named:  | before: cron-job.service #EXITED#4#''#false",
            "driftless-switch: exited 2 | new:  | named:  | before:  #EXITED#2#''#false",
            "driftless-switch: running #RUNNING#-1#''#false",
            "driftless-switch: busy #BUSY#-1#''#false",
            "driftless-switch: vanished #VANISHED#-1#''#false",
            "driftless-switch: exited  #VANISHED#-1#''#false",
            "driftless-switch: none #NONE#-1#''#false",
            "driftless-switch: ran-directly 0 #EXITED#0#''#true",
            "driftless-switch: ran-directly 1 #EXITED#1#''#false",
            "driftless-switch: not-started 1 #NOT_STARTED#1#''#false",
            "sh: 1: syntax error #NOT_STARTED#-1#''#false",
    })
    void theLastMarkerLineSaysHowTheSwitchEnded(String line, SwitchUnit.State state, int code, String failed, boolean succeeded) {
        SwitchUnit.Outcome o = SwitchUnit.parse("activating...\n" + line + "\n");
        assertEquals(state, o.state());
        assertEquals(code, o.exitCode());
        assertEquals(failed.isBlank() ? List.of() : List.of(failed.split(" ")), o.newlyFailed());
        assertEquals(succeeded, o.succeeded());
    }

    @Test
    void theSwitchsOutputBeforeTheMarkerIsKeptForTheMessage() {
        SwitchUnit.Outcome o = SwitchUnit.parse("starting broken.service\nwarning: the following units failed: broken.service\n"
                + "driftless-switch: exited 4 | new: broken.service | named: broken.service | before: \n");
        String why = SwitchUnit.explain("deploy-0123456789abcdef", "switch", o);
        assertTrue(why.startsWith("switch-to-configuration switch exited with 4 (units failed to start: broken.service); failed since the switch: broken.service"), why);
        assertTrue(why.contains("warning: the following units failed: broken.service"), why);
        assertTrue(why.contains("journalctl -u driftless-switch-deploy-0123456789abcdef"), why);
    }

    @Test
    void aRefusalBySudoNamesTheSudoersLinesTheHostNeeds() {
        SwitchUnit.Outcome o = SwitchUnit.parse("sudo: a password is required\ndriftless-switch: not-started 1\n");
        String why = SwitchUnit.explain("deploy-0123456789abcdef", "switch", o);
        assertTrue(why.contains("sudo refused") && why.contains("a password is required") && why.contains("sudoers"), why);
    }

    @ParameterizedTest
    @CsvSource({"Deploy-1", "deploy;rm", "'x y'", "-dash", "''"})
    void aRunIdIsNeverAnythingButLowerCaseLettersDigitsAndDashes(String id) {
        assertThrows(IllegalArgumentException.class, () -> SwitchUnit.unit(id));
    }

    @Test
    void everyProgramIsValidShell() {
        for (List<String> argv : List.of(SwitchUnit.start("deploy-1", "/nix/store/x", "switch", false, "/l"), SwitchUnit.query("deploy-1"))) {
            ProcessResult r = ProcessRunner.run(List.of("sh", "-n", "-c", argv.get(2)), Map.of(), Duration.ofSeconds(10));
            assertTrue(r.ok(), r.explain());
        }
        List<String> start = SwitchUnit.start("deploy-1", "/nix/store/x", "switch", false, "/l");
        ProcessResult unit = ProcessRunner.run(List.of("sh", "-n", "-c", start.get(start.size() - 1)), Map.of(), Duration.ofSeconds(10));
        assertTrue(unit.ok(), unit.explain());
    }

    /** A toplevel whose switch records each run in {@code runs} and exits with {@code code}. */
    private static Path toplevel(Path dir, int code) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("top/bin"));
        Path script = bin.resolve("switch-to-configuration");
        Files.writeString(script, "#!/bin/sh\necho \"$1\" >> " + dir.resolve("runs") + "\necho switching to $1\necho 'port 443 already in use' >&2\nexit " + code + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("top");
    }

    private static SwitchUnit.Outcome runWithoutSystemd(Path top, Path lock) {
        List<String> argv = new ArrayList<>(SwitchUnit.start("deploy-1", top.toString(), "switch", false, lock.toString()));
        ProcessResult r = ProcessRunner.run(argv, Map.of(), Duration.ofSeconds(30));
        assertTrue(r.ok(), r.explain());
        return SwitchUnit.parse(r.stdout());
    }

    @Test
    void withoutSystemdTheSwitchRunsDirectlyUnderTheLockAndReportsItsExitStatus(@TempDir Path dir) throws Exception {
        assertFalse(Files.isDirectory(Path.of("/run/systemd/system")), "this test needs a machine without systemd as init");
        SwitchUnit.Outcome ok = runWithoutSystemd(toplevel(dir.resolve("ok"), 0), dir.resolve("lock"));
        assertTrue(ok.succeeded(), ok.toString());
        assertTrue(ok.output().contains("switching to switch"), ok.output());
        assertEquals("switch\n", Files.readString(dir.resolve("ok/runs")));

        SwitchUnit.Outcome failed = runWithoutSystemd(toplevel(dir.resolve("bad"), 4), dir.resolve("lock"));
        assertEquals(SwitchUnit.State.EXITED, failed.state());
        assertEquals(4, failed.exitCode());
        assertTrue(SwitchUnit.explain("deploy-1", "switch", failed).contains("port 443 already in use"), "what the switch said on stderr is in the message");
        assertFalse(SwitchUnit.explain("deploy-1", "switch", failed).contains("journalctl"), "no unit to look up on a host without systemd");
    }

    @Test
    void withoutSystemdASwitchWhileAnotherStepHoldsTheLockIsBusyAndDoesNotRun(@TempDir Path dir) throws Exception {
        Path top = toplevel(dir, 0);
        Path lock = Files.createDirectories(dir.resolve("lock"));
        Process holder = new ProcessBuilder("flock", lock.toString(), "sleep", "60").start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    ProcessRunner.run(List.of("flock", "-n", lock.toString(), "true"), Map.of(), Duration.ofSeconds(5)).exitCode() != 0);
            SwitchUnit.Outcome busy = runWithoutSystemd(top, lock);
            assertEquals(SwitchUnit.State.BUSY, busy.state());
            assertFalse(Files.exists(dir.resolve("runs")), "the switch did not run");
        } finally {
            holder.destroyForcibly();
        }
    }
}
