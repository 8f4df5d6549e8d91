package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.host.Actual;
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
                    String out = command.contains("switch-to-configuration") ? "driftless-switch: exited 0 | new:  | named:  | before: \n"
                            : "/nix/var/nix/profiles/system-2-link\n";
                    return new ProcessResult(argv, 0, out, "", false, Duration.ZERO);
                });
        transport.setProfile("/nix/store/bbb-host");
        transport.switchToGeneration(new Actual("/nix/store/aaa-host", 1));
        transport.rollbackProfile();
        transport.activate("/nix/store/bbb-host", "deploy-1");
        return sent;
    }

    @Test
    void aDeployUserChangesTheProfileOnlyThroughSudoWithoutAPrompt() throws Exception {
        List<String> sent = commandsOfEveryStep("deploy", true);
        assertEquals(4, sent.size());
        for (String command : sent.subList(0, 3)) {
            assertTrue(command.contains("sudo -n nix-env -p /nix/var/nix/profiles/system"), command);
            assertFalse(command.replace("sudo -n nix-env", "").contains("nix-env"), "no nix-env without sudo: " + command);
        }
        assertTrue(sent.get(3).contains("' 'yes' '/nix/var/nix/profiles' "), "the switch is started through sudo: " + sent.get(3));
    }

    @Test
    void rootNeverGoesThroughSudoEvenWhenAskedTo() throws Exception {
        for (String command : commandsOfEveryStep("root", true)) {
            assertFalse(command.contains("sudo -n nix-env"), command);
            assertFalse(command.contains("' 'yes' '"), command);
        }
    }
}
