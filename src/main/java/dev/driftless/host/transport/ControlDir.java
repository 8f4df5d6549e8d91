package dev.driftless.host.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory of one controller's ssh control sockets, and what it leaves when it stops.
 *
 * <p>Each start of a controller gets its own directory, mode 0700, under a base directory that
 * must be ours and closed to everyone else: a socket there is a logged-in session to a host, and
 * whoever can reach or replace one speaks to the host as us. A new controller therefore never
 * joins a connection it did not make. Each directory holds an {@code .owner} file that its
 * controller keeps locked while it runs; the kernel drops the lock when the process ends, however
 * it ends, so a directory whose lock can be taken belongs to a controller that is gone. The next
 * start ends that controller's masters and removes its directory, and a clean stop does the same
 * for its own.
 */
final class ControlDir implements AutoCloseable {

    /** Ends the ssh master connections (and any client still on them) whose ControlPath is {@code <dir>/%C}. */
    interface Masters {
        void end(Path dir);
    }

    static final String OWNER = ".owner";
    private static final String SWEEP_LOCK = ".lock";
    /** Eight characters of [a-z0-9]: ~41 bits, so guessing or colliding with another start's name is hopeless. */
    private static final int NAME_LENGTH = 8;
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Directories claimed by this JVM. Their owner files are never opened by a sweep here: closing
     * any descriptor of a file drops every lock this process holds on it.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel owner;
    private final FileLock lock;
    private final Masters masters;
    private final List<Path> swept;

    private ControlDir(Path path, FileChannel owner, FileLock lock, Masters masters, List<Path> swept) {
        this.path = path;
        this.owner = owner;
        this.lock = lock;
        this.masters = masters;
        this.swept = swept;
    }

    /** The length a base directory may have so that {@code <base>/<name>/%C} plus ssh's temporary suffix fits a Unix socket path. */
    static int maxBaseLength() {
        // sun_path holds 108 bytes with the NUL; keep a margin as ssh does. %C is 40 hex digits and
        // ssh binds "<path>.<16 random characters>" first, then renames it.
        return 104 - (1 + NAME_LENGTH) - (1 + 40 + 17);
    }

    /**
     * Checks {@code base} (made 0700 if missing), ends the masters of controllers that are gone and
     * removes their directories, and makes this start's own directory.
     *
     * @throws IllegalStateException when base is not a directory of ours closed to group and others
     */
    static ControlDir claim(Path base, Masters masters) {
        try {
            Files.createDirectories(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            refuseUnlessPrivate(base);
            try (FileChannel sweepFile = FileChannel.open(base.resolve(SWEEP_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock sweeping = sweepFile.lock()) {
                // Held while sweeping and creating, so that no sweep takes a directory whose owner has not locked it yet.
                List<Path> swept = sweep(base, masters);
                Path dir = create(base);
                FileChannel owner = FileChannel.open(dir.resolve(OWNER), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                FileLock lock = owner.lock();
                owner.write(StandardCharsets.UTF_8.encode(ProcessHandle.current().pid() + "\n"));
                HELD.add(dir);
                return new ControlDir(dir, owner, lock, masters, swept);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up a directory for ssh control sockets under " + base + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** Directories of controllers that were gone, found and removed when this one was claimed. */
    List<Path> swept() {
        return swept;
    }

    /** Ends this controller's masters and removes its directory. */
    @Override
    public void close() {
        try {
            masters.end(path);
            deleteContents(path);
            lock.release();
            owner.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove ssh control directory " + path + ": " + e.getMessage(), e);
        } finally {
            HELD.remove(path);
        }
    }

    private static void refuseUnlessPrivate(Path base) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(base, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String fix = "; make it a directory of this user with mode 700, or point driftless.ssh.control-dir elsewhere";
        if (!attributes.isDirectory()) {
            throw new IllegalStateException("ssh control directory " + base + " is not a directory (a symbolic link?)" + fix);
        }
        int uid = (Integer) Files.getAttribute(base, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (uid != currentUid()) {
            throw new IllegalStateException("ssh control directory " + base + " belongs to " + attributes.owner().getName()
                    + ", not to this user: whoever owns it can reach the sessions kept there" + fix);
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(attributes.permissions());
        open.retainAll(OTHERS);
        if (!open.isEmpty()) {
            throw new IllegalStateException("ssh control directory " + base + " is open to group or others ("
                    + PosixFilePermissions.toString(attributes.permissions()) + "): they could reach or replace the sessions kept there" + fix);
        }
    }

    /** Ends what controllers that are gone left in base, and removes it. */
    private static List<Path> sweep(Path base, Masters masters) throws IOException {
        List<Path> swept = new ArrayList<>();
        boolean looseSockets = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
            for (Path entry : entries) {
                BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isOther()) {
                    looseSockets = true; // sockets of a version that kept them directly in base
                } else if (attributes.isDirectory() && !HELD.contains(entry) && ownerIsGone(entry)) {
                    masters.end(entry);
                    deleteContents(entry);
                    Files.deleteIfExists(entry);
                    swept.add(entry);
                }
            }
        }
        if (looseSockets) {
            masters.end(base);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
                for (Path entry : entries) {
                    if (Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                        Files.deleteIfExists(entry);
                    }
                }
            }
            swept.add(base);
        }
        return swept;
    }

    /**
     * True when no process holds the directory's owner lock. A directory without an owner file is
     * gone too: directories are made and locked under the sweep lock, so it was never finished.
     */
    private static boolean ownerIsGone(Path dir) throws IOException {
        Path file = dir.resolve(OWNER);
        if (Files.isSymbolicLink(file)) {
            return true;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (NoSuchFileException e) {
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    private static Path create(Path base) throws IOException {
        var mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        while (true) {
            try {
                return Files.createDirectory(base.resolve(randomName()), mode);
            } catch (FileAlreadyExistsException taken) {
                // Another name, then: never a directory someone else made.
            }
        }
    }

    private static String randomName() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder name = new StringBuilder(NAME_LENGTH);
        for (int i = 0; i < NAME_LENGTH; i++) {
            name.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return name.toString();
    }

    /** Removes what is in dir, without following symbolic links out of it. */
    private static void deleteContents(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (!d.equals(dir)) {
                    Files.deleteIfExists(d);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** This process's effective user id, which the kernel gives every file it creates. */
    static int currentUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[2]);
            }
        }
        throw new IOException("/proc/self/status has no Uid line");
    }
}
