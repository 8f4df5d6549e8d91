package dev.driftless.host.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InspectionTest {

    @Test
    void aModifiedStorePathIsNamedAndAVerifiedClosureIsClean() {
        Finding store = Inspection.store(List.of(
                "path '/nix/store/0h69mg4ybgiifi4h54mhpy6rkh47qclr-etc-motd' was modified! expected hash 'sha256:04zw', got 'sha256:0zrl'",
                "exit 123"));
        assertTrue(store.drift());
        assertEquals(List.of("/nix/store/0h69mg4ybgiifi4h54mhpy6rkh47qclr-etc-motd was modified (its contents no longer match the hash the store recorded)"),
                store.evidence());
        Finding clean = Inspection.store(List.of("exit 0"));
        assertTrue(clean.known() && !clean.drift());
    }

    @Test
    void aStoreAnswerThatDoesNotAddUpIsUnknownNeverClean() {
        assertFalse(Inspection.store(List.of("error: cannot connect to daemon")).known());
        assertFalse(Inspection.store(List.of("exit 1")).known(), "failed with nothing named");
        assertFalse(Inspection.store(List.of()).known(), "no exit status: cut short");
        assertFalse(Inspection.store(List.of("none")).known());
    }

    @Test
    void packagesInstalledIntoAProfileAreListedOncePerProfile() {
        Finding profiles = Inspection.profiles(List.of(
                "profile /nix/var/nix/profiles/per-user/root/profile /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-user-environment",
                "pkg /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-hello-2.12",
                "pkg /nix/store/cccccccccccccccccccccccccccccccc-ripgrep-13.0.0",
                "profile /root/.nix-profile /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-user-environment",
                "pkg /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-hello-2.12"));
        assertTrue(profiles.drift());
        assertEquals(List.of("/nix/var/nix/profiles/per-user/root/profile holds hello-2.12, ripgrep-13.0.0"), profiles.evidence());
        assertFalse(Inspection.profiles(List.of()).drift(), "no profile: nothing installed");
        assertFalse(Inspection.profiles(List.of("garbage")).known());
    }

    @Test
    void etcFilesThatStillPointIntoTheGenerationAreClean() {
        Finding etc = Inspection.etc(List.of("./motd|l|/etc/static/motd", "./ssh/sshd_config|l|/etc/static/ssh/sshd_config"));
        assertTrue(etc.known());
        assertFalse(etc.drift());
    }

    @Test
    void aReplacedFileARedirectedLinkAndAMissingFileAreEachNamed() {
        Finding etc = Inspection.etc(List.of(
                "./motd|f|",
                "./hosts|l|/tmp/evil-hosts",
                "find: './nsswitch.conf': No such file or directory",
                "./ssh/sshd_config|l|/etc/static/ssh/sshd_config"));
        assertTrue(etc.drift());
        assertEquals(List.of("/etc/motd was replaced by a regular file", "/etc/hosts points to /tmp/evil-hosts, not into the generation",
                "/etc/nsswitch.conf is missing"), etc.evidence());
    }

    @Test
    void filesNixosCopiesRatherThanLinksAreNotCompared() {
        Finding etc = Inspection.etc(List.of("copied sudoers.mode", "./sudoers|f|"));
        assertFalse(etc.drift(), etc.evidence().toString());
    }

    @Test
    void aHostWithoutEtcStaticCannotTell() {
        Finding etc = Inspection.etc(List.of("none"));
        assertFalse(etc.known());
        assertFalse(etc.drift());
    }

    @Test
    void wantedUnitsThatFailedOrStoppedDriftOneshotsThatRanDoNot() {
        Finding units = Inspection.units(List.of(
                "Id=nginx.service", "LoadState=loaded", "ActiveState=active", "Type=simple", "RemainAfterExit=no", "Result=success",
                "Id=app.service", "LoadState=loaded", "ActiveState=failed", "Type=simple", "RemainAfterExit=no", "Result=exit-code",
                "Id=setup.service", "LoadState=loaded", "ActiveState=inactive", "Type=oneshot", "RemainAfterExit=no", "Result=success",
                "Id=worker.service", "LoadState=loaded", "ActiveState=inactive", "Type=simple", "RemainAfterExit=no", "Result=success",
                "Id=gone.service", "LoadState=not-found", "ActiveState=inactive", "Type=simple", "RemainAfterExit=no", "Result=success"));
        assertTrue(units.drift());
        assertEquals(List.of("app.service failed (exit-code)", "worker.service is inactive", "gone.service is not loaded"), units.evidence());
    }

    @Test
    void theScriptsSectionsAreReadTogetherAndAMissingOneIsUnknown() {
        List<Finding> all = Inspection.findings("#etc\n./motd|f|\n#units\nnone\n#end\n");
        assertEquals(DriftCheck.ETC, all.get(0).check());
        assertTrue(all.get(0).drift());
        assertFalse(all.get(1).known());
        assertTrue(Inspection.findings("").stream().noneMatch(Finding::known), "no answer: nothing is known");
    }

    @Test
    void theSummaryNamesTheCheckAndCountsWhatItLeavesOut() {
        Finding f = Finding.drift(DriftCheck.ETC, List.of("a", "b", "c", "d", "e", "f", "g"));
        assertEquals("etc: a; b; c; d; e; and 2 more", f.summary());
    }
}
