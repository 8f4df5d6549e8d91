package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlDirTest {

    @TempDir
    Path tmp;

    /** Records which directories' masters it was asked to end. */
    private final List<Path> ended = new CopyOnWriteArrayList<>();
    private final ControlDir.Masters masters = ended::add;

    @Test
    void eachStartGetsAFreshPrivateDirectoryOfItsOwnThatGoesWithItsMastersAtStop() throws IOException {
        Path base = tmp.resolve("control");
        ControlDir first = ControlDir.claim(base, masters);
        Path firstDir = first.path();
        assertEquals(base, firstDir.getParent());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(firstDir)));
        assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(firstDir.resolve(ControlDir.OWNER)));
        first.close();
        assertEquals(List.of(firstDir), ended, "its masters were ended");
        assertFalse(Files.exists(firstDir));

        try (ControlDir second = ControlDir.claim(base, masters)) {
            assertNotEquals(firstDir, second.path(), "a new start never reuses a directory");
        }
    }

    @Test
    void directoryOfAControllerThatIsGoneHasItsMastersEndedAndIsRemovedAtTheNextStart() throws IOException {
        Path base = Files.createDirectory(tmp.resolve("control"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path gone = Files.createDirectory(base.resolve("k3l9x0qa"));
        Files.writeString(gone.resolve(ControlDir.OWNER), "4242\n"); // nobody holds its lock: its controller was killed
        Path socket = gone.resolve("0123456789abcdef0123456789abcdef01234567");
        try (ServerSocketChannel listening = listen(socket); ControlDir next = ControlDir.claim(base, masters)) {
            assertEquals(List.of(gone), ended, "the gone controller's masters were ended");
            assertEquals(List.of(gone), next.swept());
            assertFalse(Files.exists(gone), "its directory and socket are removed");
            assertNotEquals(gone, next.path());
        }
    }

    @Test
    void directoryLeftHalfMadeByAControllerThatDiedMakingItIsRemoved() throws IOException {
        Path base = Files.createDirectory(tmp.resolve("control"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path halfMade = Files.createDirectory(base.resolve("aaaaaaaa"));
        try (ControlDir next = ControlDir.claim(base, masters)) {
            assertFalse(Files.exists(halfMade));
        }
    }

    @Test
    void directoryOfARunningControllerIsLeftAloneUntilThatControllerIsKilled() throws Exception {
        Path base = Files.createDirectory(tmp.resolve("control"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path running = Files.createDirectory(base.resolve("r7q2m4zz"));
        Path owner = Files.writeString(running.resolve(ControlDir.OWNER), "1\n");
        Process holder = holdLock(owner);
        try {
            try (ControlDir next = ControlDir.claim(base, masters)) {
                assertTrue(Files.exists(owner), "a running controller keeps its directory");
                assertEquals(List.of(), ended, "and its masters");
            }
            holder.destroyForcibly(); // SIGKILL: no clean-up of its own; the kernel drops its lock
            holder.waitFor(30, TimeUnit.SECONDS);
            try (ControlDir next = ControlDir.claim(base, masters)) {
                assertFalse(Files.exists(running), "the killed controller's directory is swept");
                assertTrue(ended.contains(running));
            }
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void controllerInTheSameProcessIsNeverSweptByAnother() {
        Path base = tmp.resolve("control");
        try (ControlDir first = ControlDir.claim(base, masters); ControlDir second = ControlDir.claim(base, masters)) {
            assertTrue(Files.exists(first.path().resolve(ControlDir.OWNER)));
            assertFalse(ended.contains(first.path()));
            assertNotEquals(first.path(), second.path());
        }
    }

    @Test
    void socketsThatAnEarlierVersionKeptInTheBaseAreEndedAndRemoved() throws IOException {
        Path base = Files.createDirectory(tmp.resolve("control"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = base.resolve("0123456789abcdef0123456789abcdef01234567");
        try (ServerSocketChannel listening = listen(socket); ControlDir next = ControlDir.claim(base, masters)) {
            assertEquals(List.of(base), ended);
            assertFalse(Files.exists(socket));
        }
    }

    @Test
    void baseOpenToGroupOrOthersIsRefused() throws IOException {
        for (String mode : List.of("rwxr-x---", "rwx---rwx", "rwx-w----")) {
            Path base = Files.createDirectory(tmp.resolve("control-" + mode.replace('-', '_')));
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString(mode));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ControlDir.claim(base, masters));
            assertTrue(e.getMessage().contains(base + " is open to group or others"), e.getMessage());
            try (var left = Files.list(base)) {
                assertEquals(0, left.count(), "nothing was made in it");
            }
        }
    }

    @Test
    void symbolicLinkAsBaseIsRefused() throws IOException {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path base = Files.createSymbolicLink(tmp.resolve("control"), elsewhere);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ControlDir.claim(base, masters));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void baseOfAnotherUserIsRefused() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a directory away; CI runs as root");
        Path base = Files.createDirectory(tmp.resolve("control"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(base, "unix:uid", 65534);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ControlDir.claim(base, masters));
        assertTrue(e.getMessage().contains("not to this user"), e.getMessage());
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    /** Another process that locks the file as a running controller does, and says so once it holds the lock. */
    private Process holdLock(Path file) throws IOException {
        Path source = Files.writeString(tmp.resolve("Hold.java"), """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class Hold {
                    public static void main(String[] args) throws Exception {
                        FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
                        channel.lock();
                        System.out.println("locked");
                        System.out.flush();
                        System.in.read();
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, source.toString(), file.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = assertTimeoutPreemptively(Duration.ofSeconds(120), out::readLine);
        assertEquals("locked", line);
        return process;
    }
}
