package dev.driftless.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The repositories under a directory served over smart HTTP by a real {@code git http-backend}
 * (src/test/scripts/git-http-server.py) on loopback, answering only requests that carry
 * {@code user}:{@code token} as HTTP Basic credentials, as a Git host does for an access token.
 */
public final class GitHttpServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private GitHttpServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static GitHttpServer serve(Path root, String user, String token) {
        int port = ChildJvm.freePort();
        Process process;
        try {
            process = new ProcessBuilder("python3", Path.of("src/test/scripts/git-http-server.py").toAbsolutePath().toString(),
                    root.toString(), String.valueOf(port), user, token).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return new GitHttpServer(process, port);
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>/<repo>}, without credentials. */
    public String url(String repo) {
        return "http://127.0.0.1:" + port + "/" + repo;
    }

    @Override
    public void close() {
        ChildJvm.stop(process, 10);
    }
}
