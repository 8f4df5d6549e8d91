package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostTargetTest {

    @Test
    void localTargetNamesItsRootDirectory() {
        assertEquals(new HostTarget.Local(Path.of("/srv/hosts/web1")), HostTarget.parse("local:/srv/hosts/web1"));
        assertEquals(new HostTarget.Local(Path.of("/")), HostTarget.parse("local:/"));
    }

    @Test
    void relativeOrEmptyLocalTargetIsRefusedWithAnExample() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("local:hosts/web1"));
        assertTrue(e.getMessage().contains("local:/"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("local:"));
    }

    @Test
    void unknownSchemeIsRefusedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("ftp://web1"));
        assertTrue(e.getMessage().contains("ftp://web1"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ssh://root@web1.example.org:22  | root     | web1.example.org | 22    | root@web1.example.org
            ssh://web1                      | root     | web1             | 22    | root@web1
            ssh://deploy@198.51.100.7:2222  | deploy   | 198.51.100.7     | 2222  | deploy@198.51.100.7
            ssh://ops_2.x-y@db-1_a.lan.     | ops_2.x-y | db-1_a.lan.     | 22    | ops_2.x-y@db-1_a.lan.
            ssh://root@[2001:db8::7]:2200   | root     | 2001:db8::7      | 2200  | root@2001:db8::7
            ssh://root@[::ffff:192.0.2.1]   | root     | ::ffff:192.0.2.1 | 22    | root@::ffff:192.0.2.1
            ssh://a@b:1                     | a        | b                | 1     | a@b
            ssh://a@b:65535                 | a        | b                | 65535 | a@b
            """)
    void sshTargetWithASafeUserHostAndPortParsesToWhatSshIsGiven(String target, String user, String host, int port, String destination) {
        HostTarget.Ssh ssh = (HostTarget.Ssh) HostTarget.parse(target);
        assertEquals(new HostTarget.Ssh(user, host, port), ssh);
        assertEquals(destination, ssh.destination());
    }

    @Test
    void ipv6HostIsBareForSshAndBracketedInUrls() {
        HostTarget.Ssh ssh = (HostTarget.Ssh) HostTarget.parse("ssh://root@[2001:db8::7]");
        assertEquals("root@2001:db8::7", ssh.destination());
        assertEquals("root@[2001:db8::7]", ssh.authority());
    }

    /** Each of these would reach ssh as an option, as shell syntax, or as something else than the host meant. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ssh://-oProxyCommand=reboot@web1          | user '-oProxyCommand=reboot'
            ssh://-lroot@web1                         | user '-lroot'
            ssh://%2DoProxyCommand=reboot@web1        | user '%2DoProxyCommand=reboot'
            ssh://ro%20ot@web1                        | user 'ro%20ot'
            ssh://ro ot@web1                          | user 'ro ot'
            ssh://root;reboot@web1                    | user 'root;reboot'
            ssh://a@b@web1                            | user 'a@b'
            ssh://@web1                               | user ''
            ssh://root@-oProxyCommand=reboot          | host '-oProxyCommand=reboot'
            ssh://root@-web1                          | host '-web1'
            ssh://root@web1;reboot                    | host 'web1;reboot'
            ssh://root@$(reboot)                      | host '$(reboot)'
            ssh://root@web 1                          | host 'web 1'
            ssh://root@                               | host ''
            ssh://root@[fe80::1%25eth0]               | host '[fe80::1%25eth0]'
            ssh://root@[web1]                         | host '[web1]'
            ssh://root@web1:0                         | port '0'
            ssh://root@web1:65536                     | port '65536'
            ssh://root@web1:-22                       | port '-22'
            ssh://root@web1:22x                       | port '22x'
            ssh://root@web1:                          | port ''
            ssh://root@web1:22:22                     | must look like ssh://user@host:port
            ssh://root@[::1                           | must look like ssh://user@host:port
            ssh://root@web1/srv                       | without a path
            ssh://root@web1?x=1                       | without a path
            """)
    void targetThatCouldReachSshAsAnOptionOrAsShellIsRefusedAndSaysWhatIsWrong(String target, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse(target));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().contains(target), "names the target: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ssh://deploy:hunter2@web1:22      | ssh://deploy:***@web1:22
            ssh://deploy:hun@ter/2@web1       | ssh://deploy:***@web1
            ssh://deploy:@web1                | ssh://deploy:***@web1
            ssh://-x:hunter2@web1             | ssh://-x:***@web1
            """)
    void passwordInTheTargetIsRefusedWithoutBeingEchoed(String target, String shown) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse(target));
        assertTrue(e.getMessage().contains("password"), e.getMessage());
        assertTrue(e.getMessage().contains(shown), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("hun@ter"), e.getMessage());
    }

    @Test
    void unknownSchemeWithAPasswordIsNamedWithoutIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("sftp://deploy:hunter2@web1"));
        assertTrue(e.getMessage().contains("sftp://deploy:***@web1"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
