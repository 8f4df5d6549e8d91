package dev.driftless.host.transport;

import dev.driftless.exec.ProcessRunner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Ends ssh master connections: first politely through each socket ({@code ssh -O exit}), then
 * with SIGTERM for any ssh whose command line still names the directory, which catches a master
 * whose socket is already gone or that does not answer on it.
 */
final class SshMasters implements ControlDir.Masters {

    private static final Logger LOG = Logger.getLogger(SshMasters.class);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    @Override
    public void end(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                    // -F /dev/null: no user configuration; -O talks to the master only and connects nowhere.
                    ProcessRunner.run(List.of("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-S", entry.toString(), "-O", "exit",
                            "--", "driftless"), Map.of(), EXIT_WAIT);
                }
            }
        } catch (IOException e) {
            LOG.debugf("cannot list ssh control directory %s: %s", dir, e.getMessage());
        }
        String mark = "ControlPath=" + dir + "/%C";
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().command().map(c -> c.endsWith("/ssh")).orElse(false))
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(mark)).orElse(false))
                .forEach(p -> {
                    LOG.debugf("ending ssh process %d that still uses %s", p.pid(), dir);
                    p.destroy();
                });
    }
}
