package dev.driftless.nix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Nix archive (NAR) of a file tree, byte for byte what {@code nix-store --dump} writes: the
 * form in which a tree enters the store, and what its content hash is taken over. Strings are
 * written as their length (8 bytes, little-endian) and bytes padded with zeros to 8; a directory
 * lists its entries in byte order of their names; of a file's mode only "executable" counts.
 */
final class Nar {

    /** A tree Driftless does not write as a NAR itself: Nix adds it to the store its own way. */
    static final class Unsupported extends IOException {
        Unsupported(String message) {
            super(message);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    private final long limit;

    private Nar(long limit) {
        this.limit = limit;
    }

    /**
     * The NAR of {@code root}, at most {@code limit} bytes. Names and link targets must be ASCII:
     * a name Java decoded from bytes in another encoding would be written as other bytes than
     * Nix would read, and the store would hold another tree than the one on disk.
     */
    static byte[] of(Path root, long limit) throws IOException {
        Nar nar = new Nar(limit);
        nar.string("nix-archive-1");
        nar.node(root);
        return nar.out.toByteArray();
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void node(Path path) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        string("(");
        string("type");
        if (attributes.isSymbolicLink()) {
            string("symlink");
            string("target");
            string(ascii(Files.readSymbolicLink(path).toString()));
        } else if (attributes.isDirectory()) {
            string("directory");
            for (String name : entries(path)) {
                string("entry");
                string("(");
                string("name");
                string(name);
                string("node");
                node(path.resolve(name));
                string(")");
            }
        } else if (attributes.isRegularFile()) {
            string("regular");
            if (attributes.permissions().contains(PosixFilePermission.OWNER_EXECUTE)) {
                string("executable");
                string("");
            }
            string("contents");
            if (out.size() + attributes.size() > limit) {
                throw new Unsupported("the tree is larger than " + limit + " bytes");
            }
            bytes(Files.readAllBytes(path));
        } else {
            throw new Unsupported(path + " is not a file, directory or symbolic link");
        }
        string(")");
    }

    /** The names in a directory in byte order, as Nix sorts them; for ASCII names that is Java's string order. */
    private static List<String> entries(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path child : list.toList()) {
                names.add(ascii(child.getFileName().toString()));
            }
        }
        names.sort(null);
        return names;
    }

    private static String ascii(String text) throws Unsupported {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7e || text.charAt(i) < 0x20) {
                throw new Unsupported("a name or link target is not printable ASCII: " + text);
            }
        }
        return text;
    }

    private void string(String s) throws IOException {
        bytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private void bytes(byte[] b) throws IOException {
        if (out.size() + b.length + 16L > limit) {
            throw new Unsupported("the tree is larger than " + limit + " bytes");
        }
        long n = b.length;
        for (int i = 0; i < 8; i++) {
            out.write((int) (n >>> (8 * i)) & 0xff);
        }
        out.write(b);
        out.write(new byte[(int) ((8 - n % 8) % 8)]);
    }

    /** Nix's base-32 (no e, o, u, t), as in store paths and {@code fixed:r:sha256:} content addresses. */
    static String base32(byte[] hash) {
        final String chars = "0123456789abcdfghijklmnpqrsvwxyz";
        int length = (hash.length * 8 - 1) / 5 + 1;
        StringBuilder s = new StringBuilder(length);
        for (int n = length - 1; n >= 0; n--) {
            int b = n * 5;
            int i = b / 8;
            int j = b % 8;
            int c = ((hash[i] & 0xff) >> j) | (i >= hash.length - 1 ? 0 : (hash[i + 1] & 0xff) << (8 - j));
            s.append(chars.charAt(c & 0x1f));
        }
        return s.toString();
    }

    /** The store path Nix gives a tree it adds as {@code name} by content (recursive, SHA-256), with no references. */
    static String storePath(String storeDir, String name, byte[] narSha256) {
        String fingerprint = "source:sha256:" + java.util.HexFormat.of().formatHex(narSha256) + ":" + storeDir + ":" + name;
        byte[] full = sha256(fingerprint.getBytes(StandardCharsets.UTF_8));
        byte[] compressed = new byte[20];
        for (int i = 0; i < full.length; i++) {
            compressed[i % 20] ^= full[i];
        }
        return storeDir + "/" + base32(compressed) + "-" + name;
    }

    /** The SRI form of a SHA-256, as a flake reference's {@code narHash} wants it. */
    static String sri(byte[] sha256) {
        return "sha256-" + java.util.Base64.getEncoder().encodeToString(sha256);
    }
}
