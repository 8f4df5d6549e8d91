package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which paths still need our signature, from what the store says of them; keys made here, no nix. */
class SignaturesTest {

    private static final KeyPair KEY = generate();
    private static final KeyPair OTHER = generate();

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code name:base64} of the raw key, as nix prints a public key: the last 32 bytes of Java's X.509 form. */
    private static String nixPublic(String name, KeyPair key) {
        byte[] x509 = key.getPublic().getEncoded();
        return name + ":" + Base64.getEncoder().encodeToString(Arrays.copyOfRange(x509, x509.length - 32, x509.length));
    }

    private static String sign(String name, KeyPair key, StoreServe.PathInfo info) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(Signatures.fingerprint(info).getBytes(StandardCharsets.UTF_8));
        return name + ":" + Base64.getEncoder().encodeToString(s.sign());
    }

    private static StoreServe.PathInfo path(String name, List<String> sigs) {
        return new StoreServe.PathInfo("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-" + name,
                "sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s", 120,
                List.of("/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-dep", "/nix/store/9999999999999999999999999999999a-lib"), "", sigs);
    }

    private static StoreServe.PathInfo signedBy(String keyName, KeyPair key, String name) throws Exception {
        StoreServe.PathInfo bare = path(name, List.of());
        return path(name, List.of("cache.example.org-1:" + Base64.getEncoder().encodeToString(new byte[64]), sign(keyName, key, bare)));
    }

    @Test
    void aPathSignedByTheKeyNeedsNothing() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        assertEquals(List.of(), signatures.unsigned(List.of(signedBy("driftless-a-1", KEY, "top"), signedBy("driftless-a-1", KEY, "etc"))));
    }

    @Test
    void aPathWithNoSignatureOrOnlyOthersNeedsOurs() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        StoreServe.PathInfo unsigned = path("bare", List.of());
        StoreServe.PathInfo others = signedBy("cache.example.org-1", OTHER, "cached");
        assertEquals(List.of(unsigned.path(), others.path()), signatures.unsigned(List.of(unsigned, others)));
    }

    @Test
    void aSignatureUnderTheKeysNameByAnotherKeyDoesNotCount() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        StoreServe.PathInfo replacedKey = signedBy("driftless-a-1", OTHER, "top");
        assertEquals(List.of(replacedKey.path()), signatures.unsigned(List.of(replacedKey)));
    }

    @Test
    void aSignatureOfAnotherFingerprintDoesNotCount() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        StoreServe.PathInfo signed = signedBy("driftless-a-1", KEY, "top");
        StoreServe.PathInfo rebuilt = new StoreServe.PathInfo(signed.path(), signed.narHash(), signed.narSize() + 1,
                signed.references(), "", signed.sigs());
        assertEquals(List.of(rebuilt.path()), signatures.unsigned(List.of(rebuilt)));
    }

    @Test
    void moreUnknownSignaturesThanAreWorthCheckingAreLeftToNix() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        List<StoreServe.PathInfo> many = new java.util.ArrayList<>();
        for (int i = 0; i <= Signatures.VERIFY_AT_MOST; i++) {
            many.add(signedBy("driftless-a-1", KEY, "p" + i));
        }
        assertEquals(many.size(), signatures.unsigned(many).size(), "all of them to nix store sign, none checked here");
        signatures.signedAll(many); // what nix store sign's answer teaches
        assertEquals(List.of(), signatures.unsigned(many));
    }

    @Test
    void aSignatureSeenToVerifyIsNotCheckedAgain() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        List<StoreServe.PathInfo> few = List.of(signedBy("driftless-a-1", KEY, "top"));
        assertEquals(List.of(), signatures.unsigned(few));
        List<StoreServe.PathInfo> many = new java.util.ArrayList<>(few);
        for (int i = 0; i < Signatures.VERIFY_AT_MOST; i++) {
            many.add(signedBy("driftless-a-1", KEY, "p" + i));
        }
        assertEquals(List.of(), signatures.unsigned(many), "one remembered, the others within what is checked here");
    }

    @Test
    void afterNixSignedAllAPathWithTwoSignaturesUnderTheNameIsNotLearned() throws Exception {
        Signatures signatures = new Signatures(nixPublic("driftless-a-1", KEY));
        StoreServe.PathInfo bare = path("top", List.of());
        StoreServe.PathInfo two = path("top", List.of(sign("driftless-a-1", OTHER, bare), sign("driftless-a-1", KEY, bare)));
        StoreServe.PathInfo old = path("top", List.of(sign("driftless-a-1", OTHER, bare)));
        signatures.signedAll(List.of(two));
        assertEquals(List.of(old.path()), signatures.unsigned(List.of(old)), "the old key's signature was not taken for ours");
    }
}
