package org.dstack4j.agent.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Bounds what socket clients can hold: at most {@code maxConnections} open connections, and a
 * connection must deliver its first complete request within {@code firstRequestDeadline}.
 *
 * <p>Why evict rather than stop accepting: a plain limit leaves new clients in the accept backlog
 * until an idle connection times out, so a client holding the cap would lock out the launcher. Here
 * every new connection is accepted and, over the cap, the connection idle for the longest is closed;
 * a client that is sending or waiting for an answer has just been active and is not chosen.
 */
final class ConnectionGuard implements Connection.Listener {
    private final int maxConnections;
    private final Duration firstRequestDeadline;
    private final Scheduler scheduler;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    ConnectionGuard(int maxConnections, Duration firstRequestDeadline, Scheduler scheduler) {
        this.maxConnections = maxConnections;
        this.firstRequestDeadline = firstRequestDeadline;
        this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
        open.add(connection);
        scheduler.schedule(() -> {
            if (connection.getMessagesIn() == 0) {
                connection.getEndPoint().close(); // no request in time: a held or trickled connection
            }
        }, firstRequestDeadline.toMillis(), TimeUnit.MILLISECONDS);
        while (open.size() > maxConnections) {
            Connection victim = longestIdle(connection);
            if (victim == null || !open.remove(victim)) {
                break;
            }
            victim.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
    }

    /** Open connections now (for tests and diagnostics). */
    int openConnections() {
        return open.size();
    }

    private Connection longestIdle(Connection except) {
        Connection best = null;
        long bestIdle = -1;
        for (Connection c : open) {
            if (c == except) continue;
            long idle = idleFor(c.getEndPoint());
            if (idle > bestIdle) {
                best = c;
                bestIdle = idle;
            }
        }
        return best;
    }

    private static long idleFor(EndPoint endPoint) {
        return endPoint instanceof IdleTimeout t ? t.getIdleFor()
                : System.currentTimeMillis() - endPoint.getCreatedTimeStamp();
    }
}
