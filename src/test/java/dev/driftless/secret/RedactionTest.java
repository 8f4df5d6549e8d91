package dev.driftless.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedactionTest {

    private static final String TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

    static Stream<Arguments> urlsInText() {
        return Stream.of(
                Arguments.of("a token alone as the user info", "https://" + TOKEN + "@github.com/acme/fleet.git",
                        "https://***@github.com/acme/fleet.git"),
                Arguments.of("user and password", "https://x-access-token:" + TOKEN + "@github.com/acme/fleet.git",
                        "https://***@github.com/acme/fleet.git"),
                Arguments.of("plain http, with a port", "http://oauth2:s3cr3t-pass@127.0.0.1:8080/fleet.git",
                        "http://***@127.0.0.1:8080/fleet.git"),
                Arguments.of("a percent-encoded password", "https://bob:p%40ss%3Aword@git.example.org/fleet",
                        "https://***@git.example.org/fleet"),
                Arguments.of("an unencoded @ in the password", "https://bob:p@ss@git.example.org/fleet",
                        "https://***@git.example.org/fleet"),
                Arguments.of("nix's flake reference", "error: Cannot find Git revision 'abc' in ref 'main' of repository "
                                + "'git+https://bob:" + TOKEN + "@git.example.org/fleet.git?ref=main'! Please make sure",
                        "error: Cannot find Git revision 'abc' in ref 'main' of repository "
                                + "'git+https://***@git.example.org/fleet.git?ref=main'! Please make sure"),
                Arguments.of("a URL without a path, ended by a quote", "repository 'https://" + TOKEN + "@git.example.org'",
                        "repository 'https://***@git.example.org'"),
                Arguments.of("several URLs in one text", "cannot fetch main from https://" + TOKEN + "@a.example/f.git: "
                                + "https://" + TOKEN + "@a.example/f.git: not authorized; cache s3://AKIA0:wJalrXUtnF@bucket",
                        "cannot fetch main from https://***@a.example/f.git: https://***@a.example/f.git: not authorized; "
                                + "cache s3://***@bucket"),
                Arguments.of("an ssh user name stays", "ssh://git@github.com/acme/fleet.git and ssh-ng://root@10.0.0.5",
                        "ssh://git@github.com/acme/fleet.git and ssh-ng://root@10.0.0.5"),
                Arguments.of("an ssh password does not", "git+ssh://deploy:hunter22@git.example.org/fleet",
                        "git+ssh://deploy:***@git.example.org/fleet"),
                Arguments.of("a bare user name over https is a token", "https://git@github.com/acme/fleet.git",
                        "https://***@github.com/acme/fleet.git"),
                Arguments.of("e-mail addresses and scp-like remotes are not URLs", "Signed-off-by: Ann <ann@example.org>; "
                                + "push to git@github.com:acme/fleet.git",
                        "Signed-off-by: Ann <ann@example.org>; push to git@github.com:acme/fleet.git"),
                Arguments.of("a URL and an address after it stay apart", "see https://example.org/docs or mail ops@example.org",
                        "see https://example.org/docs or mail ops@example.org"),
                Arguments.of("a URL without credentials stays", "file:///srv/fleet and https://github.com/acme/fleet.git",
                        "file:///srv/fleet and https://github.com/acme/fleet.git"),
                Arguments.of("already redacted stays", "https://***@github.com/x and ssh://root:***@h",
                        "https://***@github.com/x and ssh://root:***@h"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("urlsInText")
    void credentialsInUrlsAreMaskedWhereverTheyAreInTheText(String why, String text, String expected) {
        assertEquals(expected, Redaction.redact(text, List.of()));
    }

    @Test
    void aKnownSecretIsMaskedAnywhereAsGivenAndPercentDecoded() {
        List<String> secrets = List.of("p%40ss%3Aword", "p@ss:word");
        assertEquals("JGit said: auth for bob/*** failed (***)", Redaction.redact("JGit said: auth for bob/p@ss:word failed (p%40ss%3Aword)", secrets));
    }

    @Test
    void aSecretThatContainsAnotherIsMaskedWhole() {
        assertEquals("token ***.", Redaction.redact("token abcdef-ghijkl.", List.of("abcdef", "abcdef-ghijkl")));
    }

    @Test
    void valuesTooShortToBeTokensAreNotMaskedOutsideUrls() {
        assertEquals("git fetch by admin", Redaction.redact("git fetch by admin", List.of("git", "admin")));
    }

    @Test
    void theSecretsOfAUrlAreItsPasswordOrForHttpItsWholeUserInfo() {
        assertEquals(List.of(TOKEN), Redaction.secretsIn("https://" + TOKEN + "@github.com/acme/fleet.git"));
        assertEquals(List.of(TOKEN), Redaction.secretsIn("https://x-access-token:" + TOKEN + "@github.com/acme/fleet.git"));
        assertEquals(List.of("p%40ss", "p@ss"), Redaction.secretsIn("https://bob:p%40ss@git.example.org/fleet"));
        assertEquals(List.of("pw1234"), Redaction.secretsIn("ssh://deploy:pw1234@git.example.org/fleet"));
        assertEquals(List.of(), Redaction.secretsIn("ssh://git@github.com/acme/fleet.git"));
        assertEquals(List.of(), Redaction.secretsIn("https://github.com/acme/fleet.git"));
        assertEquals(List.of(), Redaction.secretsIn("file:///srv/fleet"));
        assertEquals(List.of(), Redaction.secretsIn("git@github.com:acme/fleet.git"));
    }

    @Test
    void aRegisteredUrlsCredentialsAreMaskedInEverythingRedactedLater() {
        String token = "glpat-" + java.util.UUID.randomUUID();
        Redaction.registerUrl("https://oauth2:" + token + "@gitlab.example.org/fleet.git");
        String redacted = Redaction.redact("remote said: token " + token + " expired");
        assertFalse(redacted.contains(token), redacted);
        assertEquals("remote said: token *** expired", redacted);
    }

    @Test
    void nothingStaysNothing() {
        assertNull(Redaction.redact(null));
        assertEquals("", Redaction.redact(""));
    }
}
