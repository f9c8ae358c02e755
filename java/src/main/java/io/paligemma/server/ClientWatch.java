package io.paligemma.server;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Request;

/**
 * Notices that the client of a non-streamed request closed or reset its connection while the answer is
 * computed. Jetty reports nothing then: once the body is read it does not read the connection until the
 * response is done, and nothing is written before the answer, so no read or write can fail. The watch
 * registers the connection's socket channel ({@code EndPoint.getTransport()}) with a selector of its own (a
 * channel may be registered with several) and polls it, reading nothing:
 * <ul>
 *   <li>not readable: the client is waiting (or gone without a FIN or reset: the watch cannot tell);
 *   <li>readable with no byte available: the end of the client's input (it closed, or shut down its
 *       sending side) or a reset: {@link #gone()};
 *   <li>readable with bytes available: the client's next, pipelined request, left in the socket for Jetty;
 *       the watch stops there (the client is evidently still there).
 * </ul>
 * Only the request's own thread calls it. Close it before the answer is written: while the channel is also
 * registered here, closing it (by Jetty) is deferred until this selector lets go.
 */
final class ClientWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClientWatch.class.getName());

    private final SocketChannel channel;    // null: the connection has no socket channel, nothing to watch
    private Selector selector;              // null once stopped
    private boolean gone;

    private ClientWatch(SocketChannel channel) {
        this.channel = channel;
    }

    /** Starts watching the connection of {@code request}, whose body must have been read to its end. */
    static ClientWatch of(Request request) {
        Object transport = request.getConnectionMetaData().getConnection().getEndPoint().getTransport();
        ClientWatch w = new ClientWatch(transport instanceof SocketChannel c ? c : null);
        if (w.channel != null) {
            try {
                w.selector = Selector.open();
                w.channel.register(w.selector, SelectionKey.OP_READ);
            } catch (ClosedChannelException e) {
                w.gone = true;
                w.stop();
            } catch (IOException | IllegalBlockingModeException e) {
                LOG.log(Level.WARNING, "cannot watch the client's connection; a client that leaves is noticed only "
                        + "when its answer is written", e);
                w.stop();
            }
        }
        return w;
    }

    /** True once the client closed or reset the connection (or Jetty closed it). Does not block. */
    boolean gone() {
        if (selector == null) {
            return gone;
        }
        try {
            if (!channel.isOpen()) {
                gone = true;
            } else if (selector.selectNow() > 0) {
                selector.selectedKeys().clear();
                // never closed: closing a socket's input stream closes the socket
                gone = channel.socket().getInputStream().available() == 0;
            } else {
                return false;
            }
        } catch (IOException e) {
            gone = true;                        // reset, or closed meanwhile
        }
        stop();
        return gone;
    }

    private void stop() {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing the watch's selector failed", e);
            }
            selector = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
