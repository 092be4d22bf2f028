import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run as a foreign user (single-file source program, JDK classes only): races the agent's start-up by
 * connecting to the socket path, and to every socket it can reach in the socket's directory and its
 * subdirectories, until {@code stop} appears. Prints {@code CONNECTED <path>} for every connection that
 * got through, then {@code attempts=N denied=D}.
 */
public class SocketRaceAttacker {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path target = dir.resolve(args[1]);
        Path stop = dir.resolve("stop");
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000L;
        long attempts = 0;
        long denied = 0;
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(stop) && System.nanoTime() < deadline) {
            attempts++;
            int r = tryConnect(target);
            if (r == 1) denied++;
            if (attempts % 64 == 0) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                    for (Path e : entries) {
                        if (e.equals(target) || e.equals(stop)) continue;
                        if (Files.isDirectory(e)) {
                            try (DirectoryStream<Path> inner = Files.newDirectoryStream(e)) {
                                for (Path s : inner) if (tryConnect(s) == 1) denied++;
                            } catch (IOException notAllowed) {
                                denied++;
                            }
                        } else if (tryConnect(e) == 1) {
                            denied++;
                        }
                    }
                } catch (IOException ignored) {
                    // the directory changed under us
                }
            }
        }
        System.out.println("attempts=" + attempts + " denied=" + denied);
    }

    /** 2 connected, 1 permission denied, 0 other failure (absent, refused, not a socket). */
    private static int tryConnect(Path p) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(p));
            ch.write(ByteBuffer.wrap("GET /Version HTTP/1.1\r\nHost: dstack\r\n\r\n".getBytes()));
            System.out.println("CONNECTED " + p);
            System.out.flush();
            return 2;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("ermission denied") ? 1 : 0;
        }
    }
}
