package dev.driftless.host.transport;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ssh options every connection uses: strict host key checking against the pinned
 * known_hosts file, no prompts, keepalives that notice a dead connection within seconds, and one
 * multiplexed master connection per host.
 */
public record SshOptions(Path knownHostsFile, Path privateKey, Path controlDir, Duration connectTimeout, Duration keepaliveInterval) {

    static final int CONTROL_PERSIST_SECONDS = 60;
    /**
     * Unanswered keepalives before ssh gives a connection up. A command sent over a master whose
     * connection died waits for the master, not for ConnectTimeout, so this bounds that wait.
     */
    static final int KEEPALIVES_MISSED = 2;

    public List<String> forSsh(HostTarget.Ssh target) {
        List<String> options = new ArrayList<>(common());
        options.addAll(List.of("-p", String.valueOf(target.port())));
        return options;
    }

    /**
     * For {@code NIX_SSHOPTS}, which Nix splits on spaces and passes to its own ssh. Nix's ssh
     * joins our master connection when there is one ({@code ControlMaster=no}) but never
     * starts one: a persisting master started from inside Nix would outlive it holding its pipes.
     */
    public List<String> forNix(HostTarget.Ssh target) {
        List<String> options = new ArrayList<>(security());
        options.addAll(List.of("-o", "ControlMaster=no", "-o", "ControlPath=" + controlDir + "/%C"));
        options.addAll(List.of("-p", String.valueOf(target.port())));
        return options;
    }

    /**
     * A connection of its own, never the master's: the master's connection can outlive a firewall
     * change that refuses new ones, so only this proves the host can still be reached.
     */
    public List<String> forNewConnection(HostTarget.Ssh target) {
        List<String> options = new ArrayList<>(security());
        options.addAll(List.of("-o", "ControlMaster=no", "-o", "ControlPath=none"));
        options.addAll(List.of("-p", String.valueOf(target.port())));
        return options;
    }

    private List<String> common() {
        List<String> options = new ArrayList<>(security());
        options.addAll(List.of(
                "-o", "ControlMaster=auto",
                "-o", "ControlPath=" + controlDir + "/%C",
                // How long an idle master outlives its last command: past a resync at the default
                // interval, yet short when a controller dies without ending its masters.
                "-o", "ControlPersist=" + CONTROL_PERSIST_SECONDS));
        return options;
    }

    private List<String> security() {
        List<String> options = new ArrayList<>(List.of(
                "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHostsFile,
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=" + Math.max(1, connectTimeout.toSeconds()),
                "-o", "ServerAliveInterval=" + Math.max(1, keepaliveInterval.toSeconds()),
                "-o", "ServerAliveCountMax=" + KEEPALIVES_MISSED));
        if (privateKey != null) {
            options.addAll(List.of("-o", "IdentitiesOnly=yes", "-i", privateKey.toString()));
        }
        return options;
    }

    /** The fingerprint of the key the host offers now, for an error message that names it. */
    public String offeredKey(HostTarget.Ssh target) {
        ProcessResult scan = ProcessRunner.run(List.of("sh", "-c",
                "ssh-keyscan -T 5 -t ed25519,ecdsa,rsa -p \"$1\" -- \"$2\" 2>/dev/null | ssh-keygen -lf - | head -n1", "sh",
                String.valueOf(target.port()), target.host()), Map.of(), Duration.ofSeconds(15));
        String line = scan.stdout().strip();
        if (line.isEmpty()) {
            return "the key it offers";
        }
        // "256 SHA256:abc... [198.18.0.11]:22 (ED25519)" -> "its ED25519 key SHA256:abc..."
        String[] parts = line.split("\\s+");
        String type = parts[parts.length - 1].replaceAll("[()]", "");
        return "its " + type + " key " + (parts.length > 1 ? parts[1] : line);
    }
}
