package dev.driftless.nix;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which paths of a closure still need Driftless's signature, told from what the store says of
 * them: a path is signed when one of its signatures verifies against the key's public half over
 * the path's fingerprint, as a host checks it. A signature seen to verify is remembered, so a
 * commit's closure costs a check only for its new paths; a closure with many paths not seen
 * before is left to {@code nix store sign}, which is faster at it than Java's Ed25519.
 */
final class Signatures {

    /** About 0.5 ms each here: more than this and one {@code nix store sign} (about 15 ms) is cheaper. */
    static final int VERIFY_AT_MOST = 24;
    private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int REMEMBERED = 50_000;

    private final String name;
    private final PublicKey key;
    /** Signatures seen to verify, the most recently used kept. */
    private final Map<String, Boolean> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** {@code publicKey}: {@code name:base64} of the 32-byte Ed25519 key, as {@code nix key convert-secret-to-public} prints it. */
    Signatures(String publicKey) {
        int colon = publicKey.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a Nix public key (name:base64)");
        }
        this.name = publicKey.substring(0, colon);
        byte[] raw = Base64.getDecoder().decode(publicKey.substring(colon + 1));
        if (raw.length != 32) {
            throw new IllegalArgumentException("not a Nix public key: " + raw.length + " bytes, not 32");
        }
        byte[] x509 = new byte[ED25519_X509_PREFIX.length + 32];
        System.arraycopy(ED25519_X509_PREFIX, 0, x509, 0, ED25519_X509_PREFIX.length);
        System.arraycopy(raw, 0, x509, ED25519_X509_PREFIX.length, 32);
        try {
            this.key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }

    /** The paths of {@code infos} that carry no valid signature by this key. */
    synchronized List<String> unsigned(Collection<StoreServe.PathInfo> infos) {
        List<StoreServe.PathInfo> unknown = new ArrayList<>();
        for (StoreServe.PathInfo info : infos) {
            if (info.sigs().stream().noneMatch(sig -> verified.get(sig) != null)) {
                unknown.add(info);
            }
        }
        if (unknown.stream().mapToLong(info -> ours(info).size()).sum() > VERIFY_AT_MOST) {
            return unknown.stream().map(StoreServe.PathInfo::path).toList();
        }
        List<String> unsigned = new ArrayList<>();
        for (StoreServe.PathInfo info : unknown) {
            String valid = ours(info).stream().filter(sig -> verifies(info, sig)).findFirst().orElse(null);
            if (valid == null) {
                unsigned.add(info.path());
            } else {
                verified.put(valid, Boolean.TRUE);
            }
        }
        return unsigned;
    }

    /**
     * Learns the signatures of {@code infos} after {@code nix store sign} signed all of them with
     * this key: where a path has one signature by this key's name, that is the one it made. A
     * path with more (a key replaced under the same name) is checked again the next time.
     */
    synchronized void signedAll(Collection<StoreServe.PathInfo> infos) {
        for (StoreServe.PathInfo info : infos) {
            List<String> ours = ours(info);
            if (ours.size() == 1) {
                verified.put(ours.get(0), Boolean.TRUE);
            }
        }
    }

    /** What a signature of a path signs, as Nix's {@code ValidPathInfo::fingerprint} writes it. */
    static String fingerprint(StoreServe.PathInfo info) {
        return "1;" + info.path() + ";" + info.narHash() + ";" + info.narSize() + ";"
                + String.join(",", info.references().stream().sorted().toList());
    }

    private List<String> ours(StoreServe.PathInfo info) {
        return info.sigs().stream().filter(sig -> sig.startsWith(name + ":")).toList();
    }

    private boolean verifies(StoreServe.PathInfo info, String sig) {
        try {
            byte[] signature = Base64.getDecoder().decode(sig.substring(name.length() + 1));
            Signature check = Signature.getInstance("Ed25519");
            check.initVerify(key);
            check.update(fingerprint(info).getBytes(StandardCharsets.UTF_8));
            return signature.length == 64 && check.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false; // not a signature this key made
        }
    }
}
