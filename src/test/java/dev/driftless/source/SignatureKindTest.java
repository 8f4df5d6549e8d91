package dev.driftless.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.source.GitSignatures.Kind;
import org.junit.jupiter.api.Test;

/** The kind of a commit's signature, read from its headers as {@code git cat-file commit} prints them. */
class SignatureKindTest {

    private static final String HEADERS = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.org> 1700000000 +0000\n"
            + "committer A <a@example.org> 1700000000 +0000\n";

    @Test
    void anSshSignatureIsToldFromAnOpenPgpOne() {
        assertEquals(Kind.SSH, Kind.of(HEADERS + "gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n\nmsg\n"));
        assertEquals(Kind.OPENPGP, Kind.of(HEADERS + "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iHUEABYK\n -----END PGP SIGNATURE-----\n\nmsg\n"));
    }

    @Test
    void anX509SignatureIsAKindDriftlessDoesNotCheck() {
        assertEquals(Kind.OTHER, Kind.of(HEADERS + "gpgsig -----BEGIN SIGNED MESSAGE-----\n MIIG\n -----END SIGNED MESSAGE-----\n\nmsg\n"));
    }

    @Test
    void aSignatureQuotedInTheMessageIsNoSignature() {
        assertEquals(Kind.NONE, Kind.of(HEADERS + "\nmsg\ngpgsig -----BEGIN SSH SIGNATURE-----\n"));
    }
}
