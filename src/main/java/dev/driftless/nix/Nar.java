package dev.driftless.nix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * The NAR hash of a directory, as Nix computes it for a store path ({@code nix hash path}):
 * SHA-256 over the Nix archive serialization, in SRI form. Only what a NAR records counts: the
 * tree, file contents, the owner's execute bit and symlink targets, with entries ordered by
 * the bytes of their names.
 */
public final class Nar {

    private Nar() {
    }

    public static String sha256(Path root) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        string(digest, "nix-archive-1");
        node(digest, root);
        return "sha256-" + Base64.getEncoder().encodeToString(digest.digest());
    }

    private static void node(MessageDigest d, Path path) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        string(d, "(");
        string(d, "type");
        if (attributes.isSymbolicLink()) {
            string(d, "symlink");
            string(d, "target");
            string(d, Files.readSymbolicLink(path).toString());
        } else if (attributes.isRegularFile()) {
            string(d, "regular");
            if (attributes.permissions().contains(PosixFilePermission.OWNER_EXECUTE)) {
                string(d, "executable");
                string(d, "");
            }
            string(d, "contents");
            contents(d, path, attributes.size());
        } else if (attributes.isDirectory()) {
            string(d, "directory");
            for (Entry entry : entries(path)) {
                string(d, "entry");
                string(d, "(");
                string(d, "name");
                bytes(d, entry.name());
                string(d, "node");
                node(d, entry.path());
                string(d, ")");
            }
        } else {
            throw new IOException(path + " is neither a file, a directory nor a symlink: a store path cannot hold it");
        }
        string(d, ")");
    }

    private record Entry(byte[] name, Path path) {}

    /** A directory's entries in Nix's order: by the bytes of their names. */
    private static List<Entry> entries(Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            children.forEach(child -> entries.add(new Entry(child.getFileName().toString().getBytes(StandardCharsets.UTF_8), child)));
        }
        entries.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        return entries;
    }

    private static void contents(MessageDigest d, Path file, long size) throws IOException {
        length(d, size);
        byte[] buffer = new byte[65536];
        long read = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                d.update(buffer, 0, n);
                read += n;
            }
        }
        if (read != size) {
            throw new IOException(file + " changed while it was hashed");
        }
        pad(d, size);
    }

    private static void string(MessageDigest d, String s) {
        bytes(d, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(MessageDigest d, byte[] b) {
        length(d, b.length);
        d.update(b);
        pad(d, b.length);
    }

    private static void length(MessageDigest d, long n) {
        for (int i = 0; i < 8; i++) {
            d.update((byte) (n >>> (8 * i)));
        }
    }

    private static void pad(MessageDigest d, long n) {
        int padding = (int) ((8 - n % 8) % 8);
        for (int i = 0; i < padding; i++) {
            d.update((byte) 0);
        }
    }
}
