package io.portcullis.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP/1.x by hand over a plain socket, for what ordinary clients never send: a request in pieces,
 * odd header spellings, pipelined requests, bodies that do not end. Every read has a timeout.
 */
public final class RawHttp implements AutoCloseable {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    public static RawHttp connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(15_000);
        return new RawHttp(socket);
    }

    /** One request on a new connection (the text as given, CRLFs and all); the status code of the answer. */
    public static int status(int port, String request) throws IOException {
        try (RawHttp http = connect(port)) {
            http.send(request);
            List<Integer> statuses = http.readUntilClosed().statuses();
            return statuses.isEmpty() ? -1 : statuses.getFirst();
        }
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** What the server sent until it closed the connection (or the read timeout passed). */
    public Answer readUntilClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        boolean closed = false;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            // not closed in time: the caller decides
        } catch (SocketException e) {
            closed = true; // reset by the server
        }
        return new Answer(all.toString(StandardCharsets.ISO_8859_1), closed);
    }

    /** Reads until {@code count} answers' status lines have arrived or the server closed; the text so far. */
    public Answer readAnswers(int count) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        Answer answer = new Answer("", false);
        for (int n; answer.statuses().size() < count; ) {
            n = in.read(buffer);
            if (n < 0) {
                return new Answer(all.toString(StandardCharsets.ISO_8859_1), true);
            }
            all.write(buffer, 0, n);
            answer = new Answer(all.toString(StandardCharsets.ISO_8859_1), false);
        }
        return answer;
    }

    public Socket socket() {
        return socket;
    }

    public void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The raw text of the answers and whether the server closed the connection. */
    public record Answer(String text, boolean closed) {
        public List<Integer> statuses() {
            List<Integer> statuses = new ArrayList<>();
            Matcher m = STATUS.matcher(text);
            while (m.find()) {
                statuses.add(Integer.parseInt(m.group(1)));
            }
            return statuses;
        }
    }
}
